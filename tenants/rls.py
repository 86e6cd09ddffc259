"""Applying sql/ (roles, functions, policies, grants), and the design it applies: the roles, the allow-listed
policies and who may write each tenant table. The audit of the catalog against it is tenants.audit.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.db import connections, transaction

from .aliases import TRUSTED_ALIAS
from .conf import conf

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
APP_ROLE, ADMIN_ROLE, OWNER_ROLE = "hospitality_app", "hospitality_admin", "hospitality_owner"
# policy name → (PERMISSIVE/RESTRICTIVE, command, role) as pg_policies shows them
EXPECTED_POLICIES = {
    "tenant_isolation": ("RESTRICTIVE", "ALL", APP_ROLE),
    "app_select": ("PERMISSIVE", "SELECT", APP_ROLE),
    "app_insert": ("PERMISSIVE", "INSERT", APP_ROLE),
    "app_update": ("PERMISSIVE", "UPDATE", APP_ROLE),
    "app_delete": ("PERMISSIVE", "DELETE", APP_ROLE),
    # the trusted path's sight of every tenant (no BYPASSRLS: only a superuser could grant it)
    "trusted_all": ("PERMISSIVE", "ALL", ADMIN_ROLE),
}
# Which member roles may write each tenant table (the API's permissions say the same; docs/security.md "Roles"). Staff
# handle bookings; the property catalogue and relationships are the managers'.
WRITERS = {"bookings": ("owner", "manager", "staff"), "api_idempotency_keys": ("owner", "manager", "staff")}
DEFAULT_WRITERS = ("owner", "manager")


def per_table_sql(text: str, table: str) -> str:
    """A per-table sql/ file (20_policies.sql) for one table: {table} and its {writers} filled in."""
    writers = "ARRAY[" + ", ".join(f"'{r}'" for r in WRITERS.get(table, DEFAULT_WRITERS)) + "]"
    return text.replace("{table}", table).replace("{writers}", writers)


# pg_policies shows the predicate as PostgreSQL deparses it (tenant_id is varchar: hence the ::text)
TENANT_PREDICATE = "((tenant_id)::text = ( SELECT app.current_tenant_id() AS current_tenant_id))"


def app_role_defaults(statement_budget: float | None = None) -> dict[str, str]:
    """The only role-level defaults the app role carries (set by the bootstrap, accepted by the audit): the statement
    budget (seconds; TENANT_STATEMENT_TIMEOUT unless given), so that a one-statement read, timed from its start
    before its entering can pin anything (and waiting for its locks while it is parsed), is bounded on a session no
    entering has pinned yet."""
    budget = conf.TENANT_STATEMENT_TIMEOUT if statement_budget is None else statement_budget
    return {"statement_timeout": f"{int(budget * 1000)}ms"}


def tenant_tables() -> list[str]:
    return sorted(m._meta.db_table for m in apps.get_models() if getattr(m, "tenant_scoped", False))


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("[0-9][0-9]_*.sql"))


def run_script(cursor, script: str) -> int:
    """Run an SQL script on `cursor` as its backend runs scripts (Django's `prepare_sql_script`: one statement per
    call over the Data API, the script whole over psycopg); returns how many calls ran."""
    parts = cursor.db.ops.prepare_sql_script(script)
    for statement in parts:
        cursor.execute(statement)
    return len(parts)


def apply(using: str = TRUSTED_ALIAS, log=lambda msg: None) -> list[str]:
    """Run every sql/ file in order, one statement per call, all in one transaction (a failure leaves nothing half
    applied); the policy file once per tenant table."""
    applied = []
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for path in sql_files():
            text = path.read_text()
            if path.name == "00_roles.sql":
                continue  # roles are cluster-wide and created by whoever provisions the cluster (needs CREATEROLE)
            if "{table}" in text:
                for table in tenant_tables():
                    count = run_script(cursor, per_table_sql(text, table))
                    log(f"{path.name} → {table} ({count} statements)")
            else:
                count = run_script(cursor, text)
                log(f"{path.name} ({count} statements)")
            applied.append(path.name)
    return applied
