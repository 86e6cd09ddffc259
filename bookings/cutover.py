"""After the adoption, until the operator finalizes: the seed app's transition window and the way back.

- The record (app.seed_adoption, the owner's alone): when the database was adopted, the seed's tables as they were
  (bookings/seed_shape.py) and the seed app's login role (the window's end is in its policies: tenants.rls).
- The window: the seed app, unchanged (its own login role, its `set_config` calls), keeps reading and writing its
  tenants' rows on the adopted tables until a date, through one policy per table TO that role
  (tenants.rls.WINDOW_POLICY) and the grants that role needs. The Django roles never get it.
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

RECORD = "app.seed_adoption"
REVERT_PREFIX = "seed_revert_"
SEED_TABLES = list(SEED_COLUMNS)


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
        """The window is for the seed app's own login role, and must not reach any role of ours."""
        found = self.rows(
            "SELECT rolsuper, rolbypassrls, pg_has_role(%s, oid, 'MEMBER'), pg_has_role(oid, %s, 'USAGE'), "
            "pg_has_role(oid, %s, 'USAGE') FROM pg_roles WHERE rolname = %s",
            [rls.APP_ROLE, rls.APP_ROLE, rls.ADMIN_ROLE, role],
        )
        if not found:
            raise AdoptionError(f"--seed-role {role}: no such role (the user in the seed app's DB_SECRET_ARN secret)")
        superuser, bypass, app_becomes_it, is_app, is_admin = found[0]
        if role in (rls.APP_ROLE, rls.ADMIN_ROLE, rls.OWNER_ROLE) or app_becomes_it or is_app or is_admin:
            raise AdoptionError(
                f"--seed-role {role}: the window is for the seed app's own login role, never one of this project's "
                f"roles or one sharing their rights ({rls.APP_ROLE}'s context stays signed)"
            )
        if superuser or bypass:
            raise AdoptionError(
                f"--seed-role {role}: a superuser or BYPASSRLS role ignores row-level security; give the seed app a "
                "login role of its own"
            )

    def open_window(self, role: str, ends: datetime.datetime) -> None:
        record = self.read()
        self.check_seed_role(role)
        if record.seed_role and record.seed_role != role:
            self.close_window(record.seed_role)
        quoted = seed_shape.ident(role)
        for table in SEED_TABLES:
            for statement in rls.window_policy_sql(table, quoted, ends):
                self.rows(statement)
        # what the seed's inserts need: the tables, and the id default (app.uuid_generate_v7())
        self.rows(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(SEED_TABLES)} TO {quoted}")
        self.rows(f"GRANT USAGE ON SCHEMA app TO {quoted}")
        self.rows(f"GRANT EXECUTE ON FUNCTION app.uuid_generate_v7() TO {quoted}")
        self.rows(f"UPDATE {RECORD} SET seed_role = %s", [role])

    def close_window(self, role: str) -> None:
        quoted = seed_shape.ident(role)
        for table in SEED_TABLES:
            self.rows(f"DROP POLICY IF EXISTS {rls.WINDOW_POLICY} ON public.{table}")
        self.rows(f"REVOKE ALL ON {', '.join(SEED_TABLES)} FROM {quoted}")
        self.rows(f"REVOKE USAGE ON SCHEMA app FROM {quoted}")
        self.rows(f"REVOKE EXECUTE ON FUNCTION app.uuid_generate_v7() FROM {quoted}")

    def finalize(self) -> list[str]:
        """Close the window for good and forget the way back; returns notes for the operator."""
        record = self.read()
        notes = []
        if record.seed_role:
            self.close_window(record.seed_role)
            if self.rows("SELECT pg_has_role(%s, %s, 'MEMBER')", [record.seed_role, rls.OWNER_ROLE])[0][0]:
                notes.append(
                    f"{record.seed_role} is a member of {rls.OWNER_ROLE} (the master is, to create and hand over "
                    "objects): it can still change the schema, so its secret must not stay in the seed app's "
                    f"configuration; the drop-in module runs on {rls.APP_ROLE}'s secret"
                )
        self.rows(f"DROP TABLE {RECORD}")
        return notes

    # -- the way back ---------------------------------------------------------------------------------------------
    def revert(self, progress: Callable[[str, int, int], None], log: Callable[[str], None]) -> list[str]:
        """Returns what is left for the operator (ownership the caller cannot give)."""
        record = self.read()
        shape = record.shape
        for table in SEED_TABLES:
            # the owner is subject to FORCEd RLS: it reads every row once the tables are its own again
            self.rows(f"ALTER TABLE public.{table} NO FORCE ROW LEVEL SECURITY")
        before = {table: self.adoption.checksum(table) for table in SEED_TABLES}
        log("  copying every row into tables of the seed's shape")
        for table in SEED_TABLES:
            self.rows(seed_shape.create_table(table, shape[table], REVERT_PREFIX + table))
            self.adoption.copy(table, progress, source=table, target=REVERT_PREFIX + table)
        for table, expected in before.items():
            got = self.adoption.checksum(table, REVERT_PREFIX + table)
            if got != expected:
                raise AdoptionError(f"{table}: {got} after the copy back, expected {expected}")
        log("  row counts and checksums match; dropping this project's tables and the app schema")
        ours = set(connections[self.adoption.using].introspection.django_table_names(only_existing=True))
        ours |= {"django_migrations", *SEED_TABLES}
        self.rows("DROP TABLE " + ", ".join(f"public.{seed_shape.ident(t)}" for t in sorted(ours)))
        self.rows("DROP SCHEMA app CASCADE")
        log("  restoring the seed's names, keys, indexes, policies and grants")
        for table in SEED_TABLES:
            self.rows(f"ALTER TABLE public.{REVERT_PREFIX}{table} RENAME TO {table}")
        for statement in seed_shape.finishing(shape):
            self.rows(statement)
        for statement in seed_shape.surplus_grants(self.rows, shape):
            self.rows(statement)
        owner = record.seed_role or shape[SEED_TABLES[0]]["owner"]
        statements = seed_shape.ownership(shape, owner)
        if self.rows("SELECT current_user = %s OR pg_has_role(current_user, %s, 'MEMBER')", [owner, owner])[0][0]:
            for statement in statements:
                self.rows(statement)
            return []
        return [f"as {owner}, give the seed's tables back: " + "; ".join(statements) + ";"]
