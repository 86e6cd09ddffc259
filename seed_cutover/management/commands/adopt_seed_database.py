"""`manage.py adopt_seed_database [--members FILE] [--seed-role ROLE] [--dry-run]`, then `--finalize` or
`--revert (--keep-project-data-in SCHEMA | --discard-project-data)`: see seed_cutover/adoption.py and
seed_cutover/cutover.py, and docs/seed-migration.md for the rollout."""

import datetime
import re
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections, transaction

from seed_cutover import seed_shape
from seed_cutover.adoption import SEED_COLUMNS, Adoption, AdoptionError, AlreadyAdopted
from seed_cutover.cutover import Cutover
from tenants import audit, rls
from tenants.conf import conf
from tenants.context import trusted_scope
from tenants.identities import IdentityError, read_members
from tenants.management.progress import ProgressMixin
from tenants.models import Membership, Tenant

SCHEMA_NAME = re.compile(r"(?!pg_|public$|app$)[a-z_][a-z0-9_]{0,62}")


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
            help="the identity provider's users to give memberships: a JSON list (inline, or a .json file) or a CSV "
            "file (header tenant_id,external_id,role[,email])",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print the plan, run everything inside the transaction, then roll it back",
        )
        parser.add_argument(
            "--seed-role",
            help="the seed app's own login role (the user of its DB_SECRET_ARN secret): it keeps the seed's "
            "set_config context on the adopted tables until the window ends (with the adoption, or --open-window)",
        )
        parser.add_argument(
            "--window-days",
            type=int,
            default=14,
            help="how long the seed app's window stays open, in days (default 14; it ends by itself then)",
        )
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--open-window", action="store_true", help="open (or move the end of) the window on an adopted database"
        )
        action.add_argument(
            "--finalize",
            action="store_true",
            help="close the seed app's window for good and drop the way back: only signed contexts from then on",
        )
        action.add_argument(
            "--revert",
            action="store_true",
            help="before --finalize: give the database back to the seed's own tables, with every row either app wrote",
        )
        keeping = parser.add_mutually_exclusive_group()
        keeping.add_argument(
            "--keep-project-data-in",
            metavar="SCHEMA",
            help="with --revert: move this project's tables (what the seed's tables have no place for: guest names, "
            "e-mails, users, tenants, tokens, ...) whole into this new schema, readable by the owner alone",
        )
        keeping.add_argument(
            "--discard-project-data",
            action="store_true",
            help="with --revert: drop what only this project stores (the dry run lists it)",
        )
        parser.add_argument("--database", default="default", choices=tuple(connections))

    def handle(self, *args, members, dry_run, database, seed_role, window_days, **options):
        self.keep_in, self.discard = options["keep_project_data_in"], options["discard_project_data"]
        if (self.keep_in or self.discard) and not options["revert"]:
            raise CommandError("--keep-project-data-in and --discard-project-data go with --revert")
        if self.keep_in and not SCHEMA_NAME.fullmatch(self.keep_in):
            raise CommandError(
                f"--keep-project-data-in {self.keep_in!r}: a new schema's name, lowercase letters, digits and "
                "underscores (not public, app or pg_*)"
            )
        if not 1 <= window_days <= 90:
            raise CommandError("--window-days: between 1 and 90 days (the window is meant to close)")
        self.window_ends = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=window_days)
        self.seed_role = seed_role
        if options["open_window"] and not seed_role:
            raise CommandError("--open-window needs --seed-role: the seed app's own login role")
        for action in ("open_window", "finalize", "revert"):
            if options[action]:
                return self.after_adoption(action, database, dry_run)
        adoption = Adoption(database)
        try:
            wanted = read_members(members)
            plan = adoption.plan(wanted)
        except AlreadyAdopted as exc:
            self.stdout.write(self.style.SUCCESS(str(exc)))
            return
        except (AdoptionError, IdentityError, DatabaseError) as exc:
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
        if seed_role:
            self.stdout.write(
                f"the seed app ({seed_role}) keeps its set_config context on {', '.join(SEED_COLUMNS)} until "
                f"{self.window_ends:%Y-%m-%d %H:%M} UTC; once it signs its context, close the window with "
                "`manage.py adopt_seed_database --finalize` (until then `--revert` goes back)"
            )
        else:
            self.stdout.write(
                "no --seed-role: the seed app's set_config context counts for nothing from now on (it must sign its "
                "context); `--revert` goes back until `--finalize`"
            )

    def after_adoption(self, action: str, database: str, dry_run: bool) -> None:
        cutover = Cutover(Adoption(database))
        notes: list[str] = []
        try:
            with trusted_scope(), transaction.atomic(using=database):
                if action == "open_window":
                    cutover.open_window(self.seed_role, self.window_ends)
                    done = (
                        f"the seed app's window is open for {self.seed_role} until "
                        f"{self.window_ends:%Y-%m-%d %H:%M} UTC"
                    )
                elif action == "finalize":
                    notes = cutover.finalize()
                    done = (
                        "finalized: the seed app's window is closed and the way back dropped; only signed contexts "
                        "enter a tenant"
                    )
                else:
                    notes = cutover.revert(
                        self.progress, self.stdout.write, keep_in=self.keep_in, discard=self.discard, dry_run=dry_run
                    )
                    done = "reverted: the seed's tables are back, with every row either app wrote" + (
                        f"; this project's tables are in schema {self.keep_in}" if self.keep_in else ""
                    )
                if dry_run:
                    raise DryRunDone()
        except DryRunDone:
            self.stdout.write(
                self.style.SUCCESS(f"dry run: every step of --{action.replace('_', '-')} succeeded and was rolled back")
            )
            return
        except (AdoptionError, DatabaseError) as exc:
            raise CommandError(f"--{action.replace('_', '-')} failed, nothing changed: {exc}") from None
        self.stdout.write(self.style.SUCCESS(done))
        for note in notes:
            self.stdout.write(self.style.WARNING(f"  ! {note}"))

    def _adopt(self, adoption: Adoption, plan, database: str) -> None:
        if self.seed_role:
            Cutover(adoption).check_seed_role(self.seed_role)
        self.stdout.write("  checksums of the seed's rows; the seed's tables as they are (for --revert)")
        before = {t: adoption.checksum(t) for t in SEED_COLUMNS}
        shape = seed_shape.capture(adoption._rows, list(SEED_COLUMNS))
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
        self.stdout.write(f"  {adoption.link_rooms():,} rooms linked to their property (from the seed's bookings)")
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
        if conf.TENANT_CONTEXT_KEYS or conf.TENANT_CONTEXT_KEYS_SECRET_ARN:  # what contexts are signed with
            call_command("context_keys", "sync", database=database, stdout=self.stdout)
        cutover = Cutover(adoption)
        cutover.record(shape)
        if self.seed_role:
            cutover.open_window(self.seed_role, self.window_ends)
        findings = audit.failures(audit.audit(database))
        if findings:
            raise AdoptionError("RLS audit: " + "; ".join(str(f) for f in findings))
