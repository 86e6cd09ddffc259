"""After the adoption, until the operator finalizes: the seed app's transition window and the way back.

- The record (app.seed_adoption, the owner's alone): when the database was adopted, the seed's tables as they were
  (seed_shape.py) and the seed app's login role (the window's end is in its policies: window.py).
- The window: the seed app, unchanged (its own login role, its `set_config` calls), keeps reading and writing its
  tenants' rows on the adopted tables until a date, through one policy per table TO that role
  (window.WINDOW_POLICY) and the grants that role needs. The Django roles never get it.
- Finalize: the window's policies and grants and the record go; from then on only signed contexts enter a tenant
  and there is no way back but a restore.
- Revert: the seed's tables again, as they were, holding every row either app wrote since the adoption, and none
  of this project's tables or functions.
All of it inside the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Callable

from django.db import connections

from tenants import rls

from . import seed_shape
from .adoption import SEED_COLUMNS, Adoption, AdoptionError
from .window import WINDOW_POLICY, window_policy_sql

RECORD = "app.seed_adoption"
REVERT_PREFIX = "seed_revert_"
SEED_TABLES = list(SEED_COLUMNS)
# Django's bookkeeping, generated again by any migrate: nothing of the operator's is lost with it.
GENERATED = frozenset({"django_migrations", "django_content_type", "auth_permission"})


class NothingToDo(AdoptionError):
    """No adoption record: never adopted here, or finalized already."""


@dataclasses.dataclass(frozen=True)
class Record:
    seed_role: str | None
    shape: dict


class Cutover:
    def __init__(self, adoption: Adoption):
        self.adoption = adoption
        self.rows = adoption._rows

    # -- the record -----------------------------------------------------------------------------------------------
    def record(self, shape: dict) -> None:
        """Keep the seed's shape (captured before the tables were renamed aside) with the adoption."""
        self.rows(
            f"CREATE TABLE {RECORD} (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
            "adopted_at timestamptz NOT NULL DEFAULT now(), seed_role text, shape jsonb NOT NULL)"
        )
        self.rows(f"REVOKE ALL ON {RECORD} FROM PUBLIC")
        self.rows(f"INSERT INTO {RECORD} (shape) VALUES (%s::jsonb)", [json.dumps(shape)])

    def read(self) -> Record:
        if not self.rows(f"SELECT to_regclass('{RECORD}') IS NOT NULL")[0][0]:
            raise NothingToDo(
                "no adoption to act on: this database was not adopted by adopt_seed_database, or the adoption was "
                "finalized (then only a restore goes back)"
            )
        role, shape = self.rows(f"SELECT seed_role, shape::text FROM {RECORD}")[0]
        return Record(role, json.loads(shape))

    # -- the window -----------------------------------------------------------------------------------------------
    def check_seed_role(self, role: str) -> None:
        """The window is for the seed app's own login role: one that reaches nothing of ours beyond the window's
        grants. A role that can change the schema (the owner's members, CREATEROLE, the cluster's master), read the
        context-signing keys or owns a table could forge a signed context or rewrite the window's own policies."""
        found = self.rows(
            "SELECT pg_has_role(%s, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s", [rls.APP_ROLE, role]
        )
        if not found:
            raise AdoptionError(f"--seed-role {role}: no such role (the user in the seed app's DB_SECRET_ARN secret)")
        app_becomes_it = found[0][0]
        if role in (rls.APP_ROLE, rls.ADMIN_ROLE, rls.OWNER_ROLE) or app_becomes_it:
            raise AdoptionError(
                f"--seed-role {role}: the window is for the seed app's own login role, never one of this project's "
                f"roles or one sharing their rights ({rls.APP_ROLE}'s context stays signed). " + self.proper_role()
            )
        reasons = self.seed_role_rights(role)
        if reasons:
            raise AdoptionError(f"--seed-role {role}: " + "; ".join(reasons) + ". " + self.proper_role())

    def seed_role_rights(self, role: str) -> list[str]:
        """What `role` holds beyond the window that would let it past the policies or the signature."""
        attributes = self.rows("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s", [role])
        if not attributes:
            return []
        superuser, bypass, createrole = attributes[0]
        reasons = [
            reason
            for reason, holds in (
                ("is a superuser", superuser),
                ("has BYPASSRLS (it ignores row-level security)", bypass),
                ("has CREATEROLE (as the cluster's master does: it can grant itself any role)", createrole),
            )
            if holds
        ]
        reasons += [
            f"is a member of {member} (it can change the schema, the policies and the keys)"
            for (member,) in self.rows(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) AND pg_has_role(%s, oid, 'MEMBER') ORDER BY 1",
                [[rls.OWNER_ROLE, rls.ADMIN_ROLE, rls.APP_ROLE, "rds_superuser"], role],
            )
        ]
        if (
            self.rows("SELECT to_regclass('app.context_keys') IS NOT NULL")[0][0]
            and self.rows("SELECT has_table_privilege(%s, 'app.context_keys', 'SELECT')", [role])[0][0]
        ):
            reasons.append("can read app.context_keys (it could sign a context as this project)")
        creates = [
            schema
            for (schema,) in self.rows(
                "SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 'app') AND "
                "has_schema_privilege(%s, oid, 'CREATE') ORDER BY 1",
                [role],
            )
        ]
        if creates:
            reasons.append(f"may CREATE in schema {', '.join(creates)} (what it creates there outlives the window)")
        owned = self.rows(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
            "n.nspname IN ('public', 'app') AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_has_role(%s, c.relowner, "
            "'USAGE') ORDER BY 1",
            [role],
        )
        if owned:
            reasons.append(f"owns {', '.join(r[0] for r in owned)} (an owner alters the table and its policies)")
        return reasons

    def proper_role(self) -> str:
        """The statements that make the seed app a login role of its own, for the refusal's message."""
        database = self.rows("SELECT current_database()")[0][0]
        tables = ", ".join(f"public.{t}" for t in SEED_TABLES)
        return (
            "Give the seed app a login role of its own, as the cluster's master: "
            "CREATE ROLE seed_app LOGIN PASSWORD '<a new secret's password>'; "
            f"GRANT CONNECT ON DATABASE {seed_shape.ident(database)} TO seed_app; "
            "GRANT USAGE ON SCHEMA public TO seed_app; "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO seed_app; "
            'then store it in a secret ({"username": "seed_app", "password": …}), point the seed app\'s '
            "DB_SECRET_ARN at that secret, deploy it, and run the adoption with --seed-role seed_app "
            "(docs/seed-migration.md)."
        )

    def open_window(self, role: str, ends: datetime.datetime) -> None:
        record = self.read()
        self.check_seed_role(role)
        if record.seed_role and record.seed_role != role:
            self.close_window(record.seed_role)
        quoted = seed_shape.ident(role)
        for table in SEED_TABLES:
            for statement in window_policy_sql(table, quoted, ends):
                self.rows(statement)
        # what the seed's inserts need: the tables, and the id default (app.uuid_generate_v7())
        self.rows(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(SEED_TABLES)} TO {quoted}")
        self.rows(f"GRANT USAGE ON SCHEMA app TO {quoted}")
        self.rows(f"GRANT EXECUTE ON FUNCTION app.uuid_generate_v7() TO {quoted}")
        self.rows(f"UPDATE {RECORD} SET seed_role = %s", [role])

    def close_window(self, role: str) -> None:
        quoted = seed_shape.ident(role)
        for table in SEED_TABLES:
            self.rows(f"DROP POLICY IF EXISTS {WINDOW_POLICY} ON public.{table}")
        self.rows(f"REVOKE ALL ON {', '.join(SEED_TABLES)} FROM {quoted}")
        self.rows(f"REVOKE USAGE ON SCHEMA app FROM {quoted}")
        self.rows(f"REVOKE EXECUTE ON FUNCTION app.uuid_generate_v7() FROM {quoted}")

    def finalize(self) -> list[str]:
        """Close the window for good and forget the way back; returns notes for the operator."""
        record = self.read()
        notes = []
        if record.seed_role:
            self.close_window(record.seed_role)
            notes.append(self.retire(record.seed_role))
            gained = self.seed_role_rights(record.seed_role)
            if gained:  # rights it got during the window: what they reach may have leaked
                notes.append(
                    f"{record.seed_role} " + "; ".join(gained) + ": rotate the context-signing keys "
                    "(`context_keys rotate`, docs/runbooks.md) and take those rights back"
                )
        self.rows(f"DROP TABLE {RECORD}")
        return notes

    def retire(self, role: str) -> str:
        """What the owner cannot do itself (a role's login belongs to whoever created it), said exactly."""
        return (
            f"the seed app's login {role} has no grant left here; once the seed app runs on {rls.APP_ROLE}'s secret "
            f"(the drop-in module), retire it as the cluster's master: ALTER ROLE {seed_shape.ident(role)} NOLOGIN; "
            "then delete its secret (the seed app's old DB_SECRET_ARN) so that nothing can sign in with it again"
        )

    # -- the way back ---------------------------------------------------------------------------------------------
    def ours(self) -> list[str]:
        """This project's tables in public (the seed's three among them)."""
        tables = set(connections[self.adoption.using].introspection.django_table_names(only_existing=True))
        return sorted(tables | {"django_migrations", *SEED_TABLES})

    def project_data(self) -> list[str]:
        """What the seed's shape cannot hold, one line per table or column with a count: the values of the columns
        this project added to the seed's tables that differ from their defaults, and the rows of its own tables
        (Django's generated bookkeeping aside)."""
        lines = []
        for table in SEED_TABLES:
            for column, default in self.rows(
                "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON "
                "d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
                "AND NOT a.attisdropped AND NOT a.attname = ANY(%s) ORDER BY a.attnum",
                [f"public.{table}", SEED_COLUMNS[table]],
            ):
                column = seed_shape.ident(column)
                differs = f"{column} IS DISTINCT FROM ({default})" if default else f"{column} IS NOT NULL"
                count = self.rows(f"SELECT count(*) FROM public.{table} WHERE {differs}")[0][0]
                if count:
                    what = f"not {default}" if default else "set"
                    lines.append(f"{table}.{column.strip(chr(34))}: {count:,} row(s) {what}")
        for table in self.ours():
            if table in SEED_TABLES or table in GENERATED:
                continue
            count = self.rows(f"SELECT count(*) FROM public.{seed_shape.ident(table)}")[0][0]
            if count:
                lines.append(f"{table}: {count:,} row(s)")
        return lines

    def keep(self, tables: list[str], schema: str) -> None:
        """Move this project's tables, whole, into `schema`: without the app schema (its functions, policies and
        column defaults go with it) and without row-level security, readable by their owner alone."""
        for table in tables:
            self.rows(f"ALTER TABLE public.{seed_shape.ident(table)} SET SCHEMA {schema}")
        self.rows("DROP SCHEMA app CASCADE")
        for table in tables:
            self.rows(f"ALTER TABLE {schema}.{seed_shape.ident(table)} NO FORCE ROW LEVEL SECURITY")
            self.rows(f"ALTER TABLE {schema}.{seed_shape.ident(table)} DISABLE ROW LEVEL SECURITY")
        grantees = self.rows(
            "SELECT DISTINCT coalesce(pg_get_userbyid(NULLIF(a.grantee, 0)), 'PUBLIC') FROM pg_class c, "
            "aclexplode(c.relacl) a WHERE c.relnamespace = %s::regnamespace AND a.grantee <> c.relowner",
            [schema],
        )
        if grantees:  # the Django roles', the window's, and the default privileges' grants
            to = ", ".join(seed_shape.grantee(g) for (g,) in grantees)
            self.rows(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {to}")
        self.rows(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")

    def revert(
        self,
        progress: Callable[[str, int, int], None],
        log: Callable[[str], None],
        *,
        keep_in: str | None = None,
        discard: bool = False,
        dry_run: bool = False,
    ) -> list[str]:
        """Returns what is left for the operator (ownership only the tables' creator can take back). What only this
        project stores is moved to the schema `keep_in`, or dropped when `discard`; with neither, and any of it
        there, the revert is refused before anything changed (a dry run reports it and goes on)."""
        record = self.read()
        shape = record.shape
        ours = self.ours()
        for (table,) in self.rows(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relforcerowsecurity AND "
            "relname = ANY(%s)",
            [ours],
        ):
            # the owner is subject to FORCEd RLS: it reads every row once the tables are its own again
            self.rows(f"ALTER TABLE public.{seed_shape.ident(table)} NO FORCE ROW LEVEL SECURITY")
        lost = self.project_data()
        if lost:
            log("  what the seed's tables have no place for (this project's columns and tables):")
            for line in lost:
                log(f"    {line}")
            if keep_in:
                log(f"  kept: this project's tables move to schema {keep_in}, whole, for you to fetch")
            elif discard:
                log("  discarded: --discard-project-data")
            elif dry_run:
                log("  a revert needs --keep-project-data-in SCHEMA or --discard-project-data to go on")
            else:
                raise AdoptionError(
                    f"--revert would discard what only this project stores ({len(lost)} table(s) or column(s), above): "
                    "say where it goes with --keep-project-data-in SCHEMA (this project's tables, moved whole into "
                    "a new schema that only the owner reads) or --discard-project-data"
                )
        if keep_in:
            self.rows(f"CREATE SCHEMA {seed_shape.ident(keep_in)}")
        before = {table: self.adoption.checksum(table) for table in SEED_TABLES}
        log("  copying every row into tables of the seed's shape")
        for table in SEED_TABLES:
            self.rows(seed_shape.create_table(table, shape[table], REVERT_PREFIX + table))
            self.adoption.copy(table, progress, source=table, target=REVERT_PREFIX + table)
        for table, expected in before.items():
            got = self.adoption.checksum(table, REVERT_PREFIX + table)
            if got != expected:
                raise AdoptionError(f"{table}: {got} after the copy back, expected {expected}")
        if keep_in:
            log(f"  row counts and checksums match; moving this project's tables to {keep_in}, dropping the app schema")
            self.keep(ours, seed_shape.ident(keep_in))
        else:
            log("  row counts and checksums match; dropping this project's tables and the app schema")
            self.rows("DROP TABLE " + ", ".join(f"public.{seed_shape.ident(t)}" for t in ours))
            self.rows("DROP SCHEMA app CASCADE")
        log("  restoring the seed's names, keys, indexes, policies and grants")
        for table in SEED_TABLES:
            self.rows(f"ALTER TABLE public.{REVERT_PREFIX}{table} RENAME TO {table}")
        for statement in seed_shape.finishing(shape):
            self.rows(statement)
        for statement in seed_shape.surplus_grants(self.rows, shape):
            self.rows(statement)
        # The adoption found them owned by the running role (handed over by their creator, usually the master):
        # only that creator can take them back, and which role it was is not in the catalog any more.
        statements = seed_shape.ownership(shape, "CURRENT_USER")
        return [
            "the seed's tables stay owned by the role that ran the adoption; if another role owned them before it (the "
            "cluster's master, when drizzle-kit ran as it), give them back as that role: " + "; ".join(statements) + ";"
        ]
