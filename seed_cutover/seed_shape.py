"""The seed's tables as they were before the adoption, read from the catalog and kept for `--revert`.

What a table is made of besides its rows: columns (type, nullability, default as PostgreSQL prints it),
constraints (as `pg_get_constraintdef` prints them), the indexes no constraint owns, RLS flags, policies, grants and
the owner. Recorded with the adoption (app.seed_adoption) and replayed, in dependency order, onto tables of the same
names by the revert; every name and expression comes from the catalog of the same database.
"""

from __future__ import annotations

from typing import Any, Callable

Rows = Callable[..., list[tuple]]


def capture(rows: Rows, tables: list[str]) -> dict[str, Any]:
    shape: dict[str, Any] = {}
    for table in tables:
        relation = f"public.{table}"
        owner, enabled, forced = rows(
            "SELECT pg_get_userbyid(relowner), relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = "
            "%s::regclass",
            [relation],
        )[0]
        shape[table] = {
            "owner": owner,
            "rls": [enabled, forced],
            "columns": [
                list(r)
                for r in rows(
                    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, "
                    "d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = "
                    "a.attnum WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                    "ORDER BY a.attnum",
                    [relation],
                )
            ],
            # NOT NULL is the columns' (PostgreSQL 18 also lists it here as contype 'n')
            "constraints": [
                list(r)
                for r in rows(
                    "SELECT conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint WHERE conrelid = "
                    "%s::regclass AND contype <> 'n' ORDER BY conname",
                    [relation],
                )
            ],
            "indexes": [
                r[0]
                for r in rows(
                    "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT "
                    "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                    [relation],
                )
            ],
            "policies": [
                list(r)
                for r in rows(
                    "SELECT policyname, permissive, roles::text[], cmd, qual, with_check FROM pg_policies WHERE "
                    "schemaname = 'public' AND tablename = %s ORDER BY policyname",
                    [table],
                )
            ],
            "grants": grants(rows, table),
        }
    return shape


def grants(rows: Rows, table: str) -> list[list[str]]:
    """[grantee or PUBLIC, privilege] of everyone but the owner."""
    return [
        list(r)
        for r in rows(
            "SELECT coalesce(pg_get_userbyid(NULLIF(a.grantee, 0)), 'PUBLIC'), a.privilege_type FROM pg_class c, "
            "aclexplode(c.relacl) a WHERE c.oid = %s::regclass AND a.grantee <> c.relowner ORDER BY 1, 2",
            [f"public.{table}"],
        )
    ]


def surplus_grants(rows: Rows, shape: dict[str, Any]) -> list[str]:
    """REVOKEs for the grants the tables have now and had not (default privileges give new tables some)."""
    return [
        f"REVOKE {privilege} ON public.{ident(table)} FROM {grantee(role)}"
        for table, definition in shape.items()
        for role, privilege in grants(rows, table)
        if [role, privilege] not in definition["grants"]
    ]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grantee(name: str) -> str:
    """A role as GRANT, REVOKE and CREATE POLICY name it (the catalog says public / PUBLIC for everyone)."""
    return "PUBLIC" if name.upper() == "PUBLIC" else ident(name)


def create_table(table: str, definition: dict, name: str) -> str:
    """CREATE TABLE for the recorded columns, under `name` (the rows are copied in before it takes its own)."""
    columns = [
        f"{ident(column)} {type_}"
        + (f" DEFAULT {default}" if default is not None else "")
        + (" NOT NULL" if not_null else "")
        for column, type_, not_null, default in definition["columns"]
    ]
    return f"CREATE TABLE public.{ident(name)} ({', '.join(columns)})"


def finishing(shape: dict[str, Any]) -> list[str]:
    """Everything but the columns, for tables that carry their own names again: keys and checks before foreign
    keys (they point at those keys), then indexes, RLS, policies and grants. The owner is not in it (see
    ownership())."""
    keys, foreign, rest = [], [], []
    for table, definition in shape.items():
        for name, constraint, is_foreign in definition["constraints"]:
            statement = f"ALTER TABLE public.{ident(table)} ADD CONSTRAINT {ident(name)} {constraint}"
            (foreign if is_foreign else keys).append(statement)
        rest += definition["indexes"]
        enabled, forced = definition["rls"]
        if enabled:
            rest.append(f"ALTER TABLE public.{ident(table)} ENABLE ROW LEVEL SECURITY")
        if forced:
            rest.append(f"ALTER TABLE public.{ident(table)} FORCE ROW LEVEL SECURITY")
        for name, permissive, roles, cmd, qual, check in definition["policies"]:
            to = ", ".join(grantee(r) for r in roles)
            rest.append(
                f"CREATE POLICY {ident(name)} ON public.{ident(table)} AS {permissive} FOR {cmd} TO {to}"
                + (f" USING ({qual})" if qual else "")
                + (f" WITH CHECK ({check})" if check else "")
            )
        for role, privilege in definition["grants"]:
            rest.append(f"GRANT {privilege} ON public.{ident(table)} TO {grantee(role)}")
    return keys + foreign + rest


def ownership(shape: dict[str, Any], owner: str) -> list[str]:
    """ALTER TABLE … OWNER TO for every table; `owner` is a role's name or CURRENT_USER."""
    to = owner if owner == "CURRENT_USER" else ident(owner)
    return [f"ALTER TABLE public.{ident(table)} OWNER TO {to}" for table in shape]
