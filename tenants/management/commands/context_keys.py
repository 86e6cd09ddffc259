"""`manage.py context_keys sync [--prune]` / `list` / `rotate [--overlap-minutes N]`: the tenant-context signing
keys in the database.

With the keys in a secret (TENANT_CONTEXT_KEYS_SECRET_ARN, tenants/key_secret.py) a rotation is three runs of
`rotate`, each one step, each installing what the secret then holds: (1) a new key is added to the secret and the
database, not yet signing; (2) it becomes the signing key: every process reads the secret again within
TENANT_CONTEXT_KEYS_REFRESH seconds and signs with it, while the database still accepts the old one; (3) once the
overlap has passed since the switch (signed contexts live at most 10 minutes), the old key leaves the secret and the
database. Without the secret: put the new key first in TENANT_CONTEXT_KEYS (the old one second) and `sync`; deploy;
drop the old one and `sync --prune`.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from tenants.aliases import TRUSTED_ALIAS
from tenants.conf import conf
from tenants.key_secret import KeySecretError, KeySet, configured_keys, fetch, store

BLOCK = 64  # SHA-256's block size: HMAC pads (RFC 2104)
CONTEXT_LIFETIME_MINUTES = 10  # tenants.context.CONTEXT_LIFETIME: the longest a signed context is accepted


def pads(secret: bytes) -> tuple[bytes, bytes]:
    import hashlib

    key = hashlib.sha256(secret).digest() if len(secret) > BLOCK else secret
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


class Command(BaseCommand):
    help = (
        "Install the configured signing keys (TENANT_CONTEXT_KEYS_SECRET_ARN's, then TENANT_CONTEXT_KEYS') into "
        "app.context_keys (as the owner), list the installed key ids, or rotate the secret's key one step at a time."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync", "list", "rotate"])
        parser.add_argument("--prune", action="store_true", help="sync: remove keys no longer configured")
        parser.add_argument(
            "--overlap-minutes",
            type=int,
            default=60,
            help="rotate: how long after the switch the old key is retired, at least TENANT_CONTEXT_KEYS_REFRESH "
            "plus a signed context's 10 minutes (default 60)",
        )
        parser.add_argument("--database", default=TRUSTED_ALIAS, choices=tuple(connections))

    def handle(self, *args, action, prune, overlap_minutes, database, **options):
        try:
            keys = configured_keys() if action == "sync" else []
            secret_step = self.rotate(overlap_minutes) if action == "rotate" else None
            with transaction.atomic(using=database), connections[database].cursor() as cursor:
                if action == "sync":
                    self.sync(cursor, keys, prune)
                elif secret_step is not None:
                    keyset, retired = secret_step
                    self.install(cursor, keyset.ordered())
                    if retired:
                        cursor.execute("DELETE FROM app.context_keys WHERE key_id = %s", [retired])
                cursor.execute("SELECT key_id, created_at FROM app.context_keys ORDER BY created_at DESC, key_id")
                for key_id, created in cursor.fetchall():
                    self.stdout.write(f"  {key_id}  (installed {created:%Y-%m-%d %H:%M:%S %Z})")
        except KeySecretError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"{exc} (run it as the schema owner, after rls_apply)") from None

    def sync(self, cursor, keys: list[tuple[str, bytes]], prune: bool) -> None:
        if not keys:
            raise CommandError("no TENANT_CONTEXT_KEYS nor TENANT_CONTEXT_KEYS_SECRET_ARN: nothing to install")
        self.install(cursor, keys)
        if prune:
            cursor.execute("DELETE FROM app.context_keys WHERE NOT key_id = ANY(%s)", [[k for k, _ in keys]])
            self.stdout.write(f"pruned {cursor.rowcount} key(s) no longer configured")
        self.stdout.write(self.style.SUCCESS(f"context keys in sync: {', '.join(k for k, _ in keys)}"))

    def install(self, cursor, keys: list[tuple[str, bytes]]) -> None:
        # oldest first, so the first configured key (the one the application signs with) is the newest installed
        for offset, (kid, secret) in enumerate(reversed(keys)):
            inner, outer = pads(secret)
            cursor.execute(
                "INSERT INTO app.context_keys (key_id, inner_pad, outer_pad, created_at) "
                "VALUES (%s, %s, %s, now() + make_interval(secs => %s)) ON CONFLICT (key_id) DO UPDATE SET "
                "inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad, created_at = EXCLUDED.created_at",
                [kid, inner, outer, offset / 1000],
            )

    def rotate(self, overlap_minutes: int) -> tuple[KeySet, str | None]:
        """One step of the secret's rotation, written to the secret; returns (its keys now, the key retired)."""
        arn = conf.TENANT_CONTEXT_KEYS_SECRET_ARN
        if not arn:
            raise CommandError(
                "rotate needs TENANT_CONTEXT_KEYS_SECRET_ARN (the keys in a secret); with TENANT_CONTEXT_KEYS, edit "
                "the list and `sync` (see `context_keys --help`)"
            )
        least = CONTEXT_LIFETIME_MINUTES + -(-conf.TENANT_CONTEXT_KEYS_REFRESH // 60)
        if overlap_minutes < least:
            raise CommandError(
                f"--overlap-minutes {overlap_minutes}: at least {least} (processes read the secret again every "
                f"{conf.TENANT_CONTEXT_KEYS_REFRESH} s, and a signed context lives {CONTEXT_LIFETIME_MINUTES} minutes)"
            )
        keyset = fetch(arn)
        others = [k for k in keyset.keys if k != keyset.signing]
        now = timezone.now()
        if not others:
            keyset, added = keyset.with_new_key()
            store(arn, keyset)
            self.stdout.write(
                f"step 1 of 3: {added} added beside {keyset.signing}, installed, not signing yet; run "
                "`context_keys rotate` again to sign with it"
            )
            return keyset, None
        newest = max(others, key=_number)
        if _number(newest) > _number(keyset.signing):
            old, keyset.signing = keyset.signing, newest
            keyset.switched_at = now
            store(arn, keyset)
            ready = now + datetime.timedelta(minutes=overlap_minutes)
            self.stdout.write(
                f"step 2 of 3: {keyset.signing} signs from now on (every process within "
                f"{conf.TENANT_CONTEXT_KEYS_REFRESH} s); {old} is still accepted. Run `context_keys rotate` again "
                f"after {ready:%Y-%m-%d %H:%M %Z} to retire it"
            )
            return keyset, None
        since = keyset.switched_at or now
        ready = since + datetime.timedelta(minutes=overlap_minutes)
        if now < ready:
            raise CommandError(
                f"{keyset.signing} signs since {since:%H:%M %Z}: processes that read the secret before "
                f"may still sign with {', '.join(others)}; retire it after {ready:%Y-%m-%d %H:%M %Z} (nothing "
                "was changed)"
            )
        retired = min(others, key=_number)
        del keyset.keys[retired]
        store(arn, keyset)
        self.stdout.write(f"step 3 of 3: {retired} retired from the secret and the database; {keyset.signing} signs")
        return keyset, retired


def _number(kid: str) -> tuple[int, str]:
    digits = "".join(c for c in kid if c.isdigit())
    return (int(digits) if digits else -1, kid)
