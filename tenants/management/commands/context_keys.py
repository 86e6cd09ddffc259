"""`manage.py context_keys sync [--prune]` / `list`: the tenant-context signing keys in the database.

Rotation without downtime: put the new key first in TENANT_CONTEXT_KEYS (the old one second) and `sync`; deploy the
application (it signs with the first key, the database accepts both); once every instance runs with the new key,
drop the old one from TENANT_CONTEXT_KEYS and `sync --prune`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction

from tenants.aliases import TRUSTED_ALIAS
from tenants.conf import conf

BLOCK = 64  # SHA-256's block size: HMAC pads (RFC 2104)


def pads(secret: bytes) -> tuple[bytes, bytes]:
    import hashlib

    key = hashlib.sha256(secret).digest() if len(secret) > BLOCK else secret
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


class Command(BaseCommand):
    help = (
        "Install the keys of TENANT_CONTEXT_KEYS into app.context_keys (as the owner), or list the installed key "
        "ids. Keys in the database that are no longer configured stay valid unless --prune."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync", "list"])
        parser.add_argument("--prune", action="store_true", help="remove keys that TENANT_CONTEXT_KEYS no longer has")
        parser.add_argument("--database", default=TRUSTED_ALIAS, choices=tuple(connections))

    def handle(self, *args, action, prune, database, **options):
        try:
            with transaction.atomic(using=database), connections[database].cursor() as cursor:
                if action == "sync":
                    self.sync(cursor, prune)
                cursor.execute("SELECT key_id, created_at FROM app.context_keys ORDER BY created_at DESC, key_id")
                for key_id, created in cursor.fetchall():
                    self.stdout.write(f"  {key_id}  (installed {created:%Y-%m-%d %H:%M:%S %Z})")
        except DatabaseError as exc:
            raise CommandError(f"{exc} (run it as the schema owner, after rls_apply)") from None

    def sync(self, cursor, prune: bool) -> None:
        keys = conf.TENANT_CONTEXT_KEYS
        if not keys:
            raise CommandError("TENANT_CONTEXT_KEYS is not set: nothing to install")
        # oldest first, so the first configured key (the one the application signs with) is the newest installed
        for offset, (kid, secret) in enumerate(reversed(keys)):
            inner, outer = pads(secret)
            cursor.execute(
                "INSERT INTO app.context_keys (key_id, inner_pad, outer_pad, created_at) "
                "VALUES (%s, %s, %s, now() + make_interval(secs => %s)) ON CONFLICT (key_id) DO UPDATE SET "
                "inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad",
                [kid, inner, outer, offset / 1000],
            )
        if prune:
            cursor.execute("DELETE FROM app.context_keys WHERE NOT key_id = ANY(%s)", [[k for k, _ in keys]])
            self.stdout.write(f"pruned {cursor.rowcount} key(s) no longer configured")
        self.stdout.write(self.style.SUCCESS(f"context keys in sync: {', '.join(k for k, _ in keys)}"))
