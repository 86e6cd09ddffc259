from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from tenants import rls
from tenants.aliases import TRUSTED_ALIAS
from tenants.context import trusted_scope


class Command(BaseCommand):
    help = "Apply sql/ (functions, row-level security policies, grants) in order, idempotently, as the owner role."
    requires_system_checks = []  # the RLS audit check would fail before the policies exist

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=TRUSTED_ALIAS,
            choices=tuple(connections),
            help="Alias that logs in as the owner (hospitality_owner).",
        )

    def handle(self, *args, database, **options):
        with trusted_scope():
            try:
                applied = rls.apply(database, log=lambda m: self.stdout.write(f"  applied {m}"))
            except DatabaseError as exc:
                raise CommandError(f"applying sql/ failed (nothing was changed): {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"RLS applied: {len(applied)} files, tenant tables: {', '.join(rls.tenant_tables())}")
        )
