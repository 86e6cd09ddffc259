from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from tenants import audit, rls
from tenants.aliases import TRUSTED_ALIAS


class Command(BaseCommand):
    help = (
        "Audit the catalog: RLS enabled and forced with exactly the allow-listed policies on every tenant table, "
        "role attributes, grants, GUC defaults, views and SECURITY DEFINER functions. Exits non-zero on any "
        "finding; transitional findings (a state an operator chose for a while) are printed and fail nothing."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default=TRUSTED_ALIAS, choices=tuple(connections))

    def handle(self, *args, database, **options):
        findings = audit.audit(database)
        tables = rls.tenant_tables()
        for finding in findings:
            if finding.transitional:
                self.stdout.write(self.style.WARNING(f"  ! {finding} ({finding.check_id}, transitional)"))
        if failed := audit.failures(findings):
            for finding in failed:
                self.stderr.write(self.style.ERROR(f"  ✗ {finding} ({finding.check_id})"))
            raise CommandError(f"RLS audit failed: {len(failed)} finding(s) on {len(tables)} tenant tables")
        self.stdout.write(
            self.style.SUCCESS(
                f"RLS audit passed: {len(tables)} tenant tables ({', '.join(tables)}), roles, grants, GUC defaults, "
                "views and SECURITY DEFINER functions as designed"
            )
        )
