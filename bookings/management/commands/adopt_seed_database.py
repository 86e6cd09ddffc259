"""`manage.py adopt_seed_database [--members FILE] [--dry-run]`: see bookings/adoption.py."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction

from bookings.adoption import SEED_COLUMNS, Adoption, AdoptionError, AlreadyAdopted, read_members
from tenants import rls
from tenants.context import trusted_scope
from tenants.management.progress import ProgressMixin
from tenants.models import Membership, Tenant


class DryRunDone(Exception):
    """Raised at the end of a dry run so that the whole transaction rolls back."""


class Command(ProgressMixin, BaseCommand):
    help = (
        "Take a database created by the seed's Drizzle schema, with its data, to this project's schema without "
        "losing a row, in one transaction: migrations, tenants for its tenant ids, memberships from --members, "
        "row counts and checksums compared, RLS applied and audited. Run it as the schema owner."
    )
    requires_system_checks = []  # the database is not this project's yet

    def add_arguments(self, parser):
        parser.add_argument(
            "--members",
            help="JSON list or CSV (header tenant_id,external_id,role[,email]) of "
            "the identity provider's users to give memberships",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the plan, run everything inside the transaction, then roll it back",
        )
        parser.add_argument("--database", default="default", choices=tuple(connections))

    def handle(self, *args, members, dry_run, database, **options):
        adoption = Adoption(database)
        try:
            wanted = read_members(members)
            plan = adoption.plan(wanted)
        except AlreadyAdopted as exc:
            self.stdout.write(self.style.SUCCESS(str(exc)))
            return
        except (AdoptionError, DatabaseError) as exc:
            raise CommandError(str(exc)) from None
        for line in plan.lines():
            self.stdout.write(line)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(f"  ✗ {problem}")
            raise CommandError(
                f"{len(plan.problems)} problem(s) in the seed's data (above): fix them, then run "
                "again. Nothing was changed."
            )
        started = time.monotonic()
        try:
            with trusted_scope(), transaction.atomic(using=database):
                self._adopt(adoption, plan, database)
                if dry_run:
                    raise DryRunDone()
        except DryRunDone:
            self.stdout.write(
                self.style.SUCCESS(
                    f"dry run: every step succeeded in {time.monotonic() - started:.1f}s and was rolled back; run "
                    "without --dry-run to adopt"
                )
            )
            return
        except (AdoptionError, DatabaseError) as exc:
            raise CommandError(f"adoption failed, the transaction was rolled back (nothing changed): {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"adopted in {time.monotonic() - started:.1f}s: "
                + ", ".join(f"{t} {n:,}" for t, n in plan.tables.items())
                + f" rows; {len(plan.tenant_ids)} tenants; RLS applied and audited"
            )
        )

    def _adopt(self, adoption: Adoption, plan, database: str) -> None:
        self.stdout.write("  checksums of the seed's rows")
        before = {t: adoption.checksum(t) for t in SEED_COLUMNS}
        self.stdout.write("  renaming the seed's tables aside")
        adoption.rename_aside()
        self.stdout.write("  applying migrations")
        call_command("migrate", database=database, interactive=False, verbosity=0, skip_checks=True)
        self.stdout.write(f"  creating {len(plan.tenant_ids)} tenants and {len(plan.members)} memberships")
        Tenant.objects.using(database).bulk_create([Tenant(id=t, name=t) for t in plan.tenant_ids])
        User = get_user_model()
        for member in plan.members:
            user, _ = User.objects.db_manager(database).get_or_create(
                username=member.external_id[:150], defaults={"email": member.email}
            )
            if user.has_usable_password():
                user.set_unusable_password()  # they sign in at the identity provider, never here
                user.save(using=database)
            Membership.objects.using(database).create(
                user=user, tenant_id=member.tenant_id, role=member.role, external_id=member.external_id
            )
        self.stdout.write("  copying rows")
        for table in SEED_COLUMNS:
            adoption.copy(table, self.progress)
        adoption.check_references()
        for table, expected in before.items():
            got = adoption.checksum(table)
            if got != expected:
                raise AdoptionError(
                    f"{table}: {got[0]:,} rows / checksum {got[1]} after the copy, expected "
                    f"{expected[0]:,} / {expected[1]}"
                )
        self.stdout.write("  row counts and checksums match; dropping the originals")
        adoption.drop_aside()
        self.stdout.write("  applying sql/ (functions, policies, grants) and auditing")
        rls.apply(database)
        if settings.TENANT_CONTEXT_KEYS:  # the keys tenant contexts are signed with (see context_keys)
            call_command("context_keys", "sync", database=database, stdout=self.stdout)
        findings = rls.audit(database)
        if findings:
            raise AdoptionError("RLS audit: " + "; ".join(str(f) for f in findings))
