"""Adopting a database created by the seed's Drizzle schema (entities, bookings, tenant_relationships with data).

The seed's tables are renamed aside (with their indexes and constraints), this project's migrations then create the
schema exactly as on a fresh database, the rows are copied across in batches (every seed column kept, our columns
at their defaults), tenants are created for the distinct tenant ids, memberships from an optional file, row counts
and per-table checksums of the seed's columns are compared, the originals dropped, and the policies applied and
audited. All of it in one transaction: a failure anywhere leaves the database as it was.

Before anything changes, a preflight reads the seed's data against the constraints this schema adds (same-tenant
references, unique names per tenant, check-out after check-in, lengths, tenant id format) and reports every
violation with counts and examples, so the operator fixes the data first instead of meeting a failed transaction.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from django.db import connections

from tenants.identities import Member
from tenants.validators import is_valid_tenant_id

# The seed's tables and columns (aws-data-api-migration-guide.md, "Define Drizzle Schema"), in copy order.
SEED_COLUMNS = {
    "entities": ["id", "tenant_id", "entity_type", "name", "metadata", "created_at", "created_by", "updated_at"],
    "bookings": [
        "id",
        "tenant_id",
        "property_id",
        "room_id",
        "guest_id",
        "check_in",
        "check_out",
        "status",
        "total_amount",
        "metadata",
        "created_at",
        "created_by",
        "updated_at",
    ],
    "tenant_relationships": [
        "id",
        "tenant_id",
        "entity_id",
        "external_id",
        "relationship_type",
        "created_at",
        "created_by",
        "updated_at",
    ],
}
ASIDE = "seed_adopt_"  # prefix of the renamed originals while the transaction runs
BATCH = 10_000

# What the seed allows and this schema refuses: (table, description, SQL counting and sampling the offending ids).
PREFLIGHT = [
    ("entities", "name longer than 200 characters", "length(name) > 200"),
    ("entities", "entity_type longer than 20 characters", "length(entity_type) > 20"),
    ("entities", "created_by longer than 100 characters", "length(created_by) > 100"),
    (
        "entities",
        "name used twice in one tenant (names are unique per tenant here)",
        "(tenant_id, name) IN (SELECT tenant_id, name FROM {entities} GROUP BY 1, 2 HAVING count(*) > 1)",
    ),
    ("bookings", "check_out not after check_in", "check_out <= check_in"),
    ("bookings", "negative total_amount", "total_amount < 0"),
    ("bookings", "status longer than 20 characters", "length(status) > 20"),
    ("bookings", "created_by longer than 100 characters", "length(created_by) > 100"),
    (
        "bookings",
        "property_id of another tenant",
        "NOT EXISTS (SELECT 1 FROM {entities} e WHERE e.id = property_id AND e.tenant_id = t.tenant_id)",
    ),
    (
        "bookings",
        "room_id of another tenant",
        "NOT EXISTS (SELECT 1 FROM {entities} e WHERE e.id = room_id AND e.tenant_id = t.tenant_id)",
    ),
    (
        "tenant_relationships",
        "entity_id of another tenant",
        "NOT EXISTS (SELECT 1 FROM {entities} e WHERE e.id = entity_id AND e.tenant_id = t.tenant_id)",
    ),
    ("tenant_relationships", "external_id longer than 200 characters", "length(external_id) > 200"),
    ("tenant_relationships", "relationship_type longer than 20 characters", "length(relationship_type) > 20"),
    (
        "bookings",
        "room_id booked under two properties (a room has one property here)",
        "room_id <> property_id AND room_id IN (SELECT room_id FROM {bookings} WHERE room_id <> property_id "
        "GROUP BY room_id HAVING count(DISTINCT property_id) > 1)",
    ),
    (
        "tenant_relationships",
        "the same (entity, type, external id) twice",
        "(tenant_id, entity_id, relationship_type, external_id) IN (SELECT tenant_id, entity_id, relationship_type, "
        "external_id FROM {tenant_relationships} GROUP BY 1, 2, 3, 4 HAVING count(*) > 1)",
    ),
]


class AdoptionError(Exception):
    """The database cannot be adopted as it is; the message says why and what to do."""


class AlreadyAdopted(AdoptionError):
    """This project's migrations already manage the database: running again is a no-op."""


@dataclasses.dataclass
class Plan:
    tables: dict[str, int]  # seed table → rows
    tenant_ids: list[str]
    members: list[Member]
    problems: list[str]

    def lines(self) -> list[str]:
        out = [
            "Plan:",
            "  1. rename the seed's tables aside: " + ", ".join(f"{t} ({n:,} rows)" for t, n in self.tables.items()),
        ]
        out.append("  2. apply this project's migrations (every app), creating the schema as on a fresh database")
        out.append(f"  3. create {len(self.tenant_ids)} tenants: {', '.join(self.tenant_ids) or '(none)'}")
        out.append(
            f"  4. create {len(self.members)} memberships for external identities"
            + (f" ({', '.join(sorted({m.tenant_id for m in self.members}))})" if self.members else "")
        )
        out.append("  5. copy every row in batches; compare row counts and checksums of the seed's columns")
        out.append(
            "  6. drop the renamed originals; apply sql/ (functions, RLS policies, grants), install the context "
            "keys of TENANT_CONTEXT_KEYS; run the RLS audit"
        )
        out.append("  all in one transaction: any failure leaves the database exactly as it was")
        return out


class Adoption:
    def __init__(self, using: str = "default"):
        self.using = using
        self.connection = connections[using]

    # -- reading the seed's database -------------------------------------------------------------------------------
    def _rows(self, sql: str, params=()) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchall() if cursor.description else []

    def detect(self) -> dict[str, int]:
        """The seed's tables and their row counts; raises when this is not (or no longer) a seed database. Read
        from the catalog, not information_schema: that shows only tables the caller holds a privilege on, and the
        schema owner usually holds none on tables the cluster's master created."""
        existing = self.tables_present([*SEED_COLUMNS, "django_migrations"])
        if "django_migrations" in existing and self._rows(
            "SELECT 1 FROM django_migrations WHERE app = 'bookings' LIMIT 1"
        ):
            raise AlreadyAdopted(
                "this database is already managed by this project's migrations: nothing to "
                "adopt (use `manage.py migrate` for later changes)"
            )
        missing = [t for t in SEED_COLUMNS if t not in existing]
        if missing:
            raise AdoptionError(f"not a seed database: table(s) {', '.join(missing)} missing in schema public")
        for table, expected in SEED_COLUMNS.items():
            have = [
                r[0]
                for r in self._rows(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                    "AND NOT attisdropped ORDER BY attnum",
                    [f"public.{table}"],
                )
            ]
            absent = [c for c in expected if c not in have]
            if absent:
                raise AdoptionError(f"{table} lacks the seed column(s) {', '.join(absent)}: not the seed's schema")
            extra = [c for c in have if c not in expected]
            if extra:  # the copy takes the seed's columns only: these would be lost
                raise AdoptionError(
                    f"{table} has column(s) {', '.join(extra)} that the seed's schema has not and this one has no "
                    "place for: move their data elsewhere (or drop them), then run again"
                )
        self.check_ownership()
        return {t: self._rows(f"SELECT count(*) FROM {t}")[0][0] for t in SEED_COLUMNS}

    def tables_present(self, names: list[str]) -> set[str]:
        """Which of `names` are tables in schema public, from the catalog."""
        return {
            r[0]
            for r in self._rows(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
                [names],
            )
        }

    def check_ownership(self) -> None:
        """The adoption renames and drops the seed's tables: they must be the caller's. Usually the cluster's master
        created them; it can hand them over only to a role it is a member of (PostgreSQL checks both ends), hence
        the GRANT in the fix when it is not one yet."""
        me = self._rows("SELECT current_user")[0][0]
        not_owned = self._rows(
            "SELECT c.relname, pg_get_userbyid(c.relowner), pg_has_role(c.relowner, current_user, 'MEMBER') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relname = ANY(%s) AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1",
            [list(SEED_COLUMNS)],
        )
        if not not_owned:
            return
        fixes: list[str] = []
        for owner in sorted({o for _, o, _ in not_owned}):
            fix = [f"GRANT {me} TO {owner}"] if not any(m for _, o, m in not_owned if o == owner) else []
            fix += [f"ALTER TABLE {t} OWNER TO {me}" for t, o, _ in not_owned if o == owner]
            fixes.append(f"as {owner} (their owner; on Aurora the cluster's master user): " + "; ".join(fix) + ";")
        raise AdoptionError(
            f"{me} does not own {', '.join(t for t, _, _ in not_owned)}: the adoption renames and replaces them. "
            + " ".join(fixes)
            + " Then run the adoption again."
        )

    def preflight(self, members: list[Member]) -> tuple[list[str], list[str]]:
        """(distinct tenant ids, problems) of the seed's data against this schema's rules."""
        tenant_ids = [
            r[0]
            for r in self._rows(
                "SELECT tenant_id FROM entities UNION SELECT tenant_id FROM bookings "
                "UNION SELECT tenant_id FROM tenant_relationships ORDER BY 1"
            )
        ]
        problems = [
            f"tenant id {t!r} is not 3-63 lowercase letters, digits and dashes"
            for t in tenant_ids
            if not is_valid_tenant_id(t)
        ]
        names = {t: t for t in SEED_COLUMNS}
        for table, what, condition in PREFLIGHT:
            where = condition.format(**names)
            count, sample = self._rows(
                f"SELECT count(*), (array_agg(id::text ORDER BY id))[1:3] FROM {table} t WHERE {where}"
            )[0]
            if count:
                problems.append(f"{table}: {count} row(s) with {what}, e.g. {', '.join(sample)}")
        for m in members:
            if m.tenant_id not in tenant_ids:
                problems.append(f"membership for {m.external_id}: tenant {m.tenant_id} has no rows in the seed")
        return tenant_ids, problems

    def plan(self, members: list[Member]) -> Plan:
        tables = self.detect()
        tenant_ids, problems = self.preflight(members)
        return Plan(tables, tenant_ids, members, problems)

    # -- changing it (inside the caller's transaction) ------------------------------------------------------------
    def rename_aside(self) -> None:
        for table in SEED_COLUMNS:
            # indexes and constraints first: their names are schema-wide and the migrations reuse some (x_pkey)
            for (name,) in self._rows("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table]):
                self._rows(f'ALTER TABLE {table} RENAME CONSTRAINT "{name}" TO "{(ASIDE + name)[:63]}"')
            for (name,) in self._rows(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND "
                "tablename = %s AND indexname NOT LIKE %s",
                [table, ASIDE + "%"],
            ):
                self._rows(f'ALTER INDEX "{name}" RENAME TO "{(ASIDE + name)[:63]}"')
            self._rows(f"ALTER TABLE {table} RENAME TO {ASIDE}{table}")

    def copy(self, table: str, progress: Callable[[str, int, int], None], source: str = "", target: str = "") -> int:
        """INSERT ... SELECT of the seed's columns in keyset batches (by id), so a large table shows progress and no
        statement runs for long; the columns this schema adds take their database defaults. From the renamed
        original into the new table, or the other way for a revert."""
        source, target = source or ASIDE + table, target or table
        columns = ", ".join(SEED_COLUMNS[table])
        total = self._rows(f"SELECT count(*) FROM {source}")[0][0]
        done, last = 0, None
        progress(table, 0, total)
        while done < total:
            after, params = ("WHERE id > %s", [last]) if last is not None else ("", [])
            upper, count = self._rows(
                f"SELECT max(id::text)::uuid, count(*) FROM (SELECT id FROM {source} {after} "
                f"ORDER BY id LIMIT {BATCH}) b",
                params,
            )[0]
            if not count:
                break
            self._rows(
                f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {source} "
                f"{after} {'AND' if params else 'WHERE'} id <= %s",
                [*params, upper],
            )
            done, last = done + count, upper
            progress(table, done, total)
        return done

    def link_rooms(self) -> int:
        """Give each room its property, as the seed's bookings pair them (the preflight refused a room booked under
        two): the seed has no such column, and without it no booking of an adopted room could pass the rule that
        a room belongs to the booking's property. Returns how many rooms were linked."""
        self._rows(
            "UPDATE entities e SET parent_id = p.property_id FROM (SELECT DISTINCT room_id, property_id FROM bookings "
            "WHERE room_id <> property_id) p WHERE e.id = p.room_id AND e.parent_id IS NULL"
        )
        return self._rows("SELECT count(*) FROM entities WHERE parent_id IS NOT NULL")[0][0]

    def checksum(self, table: str, relation: str | None = None) -> tuple[int, str]:
        """Row count and an md5 over every seed column of every row, in id order (text forms)."""
        columns = " || '|' || ".join(f"coalesce({c}::text, '<null>')" for c in SEED_COLUMNS[table])
        return tuple(
            self._rows(
                f"SELECT count(*), md5(coalesce(string_agg({columns}, E'\\n' ORDER BY id), '')) "
                f"FROM {relation or table}"
            )[0]
        )

    def check_references(self) -> None:
        """Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check the copied rows now, so that a bad
        reference fails here with its constraint's name, and so that the DDL that follows (RLS) can run."""
        self._rows("SET CONSTRAINTS ALL IMMEDIATE")

    def drop_aside(self) -> None:
        for table in reversed(list(SEED_COLUMNS)):
            self._rows(f"DROP TABLE {ASIDE}{table}")


def refuse_migrating_a_seed_database(sender, using, plan=None, **kwargs) -> None:
    """pre_migrate: a plan that would create this project's tables on a seed database that was not adopted fails
    on "relation entities already exists" half-way; say what to run instead, before anything is applied."""
    from django.core.management.base import CommandError

    if not any(m.app_label == "bookings" and m.initial and not backwards for m, backwards in plan or ()):
        return  # bookings' tables exist already (migrated, or adopted): later migrations alter them
    if Adoption(using).tables_present(list(SEED_COLUMNS)) == set(SEED_COLUMNS):
        raise CommandError(
            f"this database holds the seed's tables ({', '.join(SEED_COLUMNS)}) and is not adopted yet: run "
            "`adopt_seed_database --dry-run`, then `adopt_seed_database` (it migrates around the seed's rows; "
            'docs/runbooks.md, "First deployment on the seed\'s database"). Nothing was migrated.'
        )
