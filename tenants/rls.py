"""Applying sql/ (roles, functions, policies, grants) and auditing the catalog against the design (section 5).

The audit is one function returning findings, used by `manage.py rls_verify`, by the system check (`check
--database default`) and by /health.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

import sqlparse
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


# The seed app's transition window (docs/seed-migration.md "Cutover"): after the adoption, the seed app's own login
# role keeps the seed's context semantics (the tenant is whatever `set_config('app.current_tenant_id', …)` says, no
# proof) on the seed's tables until a date written into the policy itself, so that the window closes by itself
# even if nobody runs the command that removes it. Never for the Django roles: the audit refuses the policy TO them.
WINDOW_POLICY = "seed_window"
WINDOW_PREDICATE = (
    "now() < '{ends}'::timestamptz AND tenant_id = (SELECT nullif(current_setting('app.current_tenant_id', true), ''))"
)
WINDOW_DEPARSED = re.compile(
    r"\(\(now\(\) < '(?P<ends>[^']+)'::timestamp with time zone\) AND \(\(tenant_id\)::text = \( SELECT "
    r"NULLIF\(current_setting\('app\.current_tenant_id'::text, true\), ''::text\) AS \"nullif\"\)\)\)"
)


def window_policy_sql(table: str, role: str, ends: datetime.datetime) -> list[str]:
    """The statements opening (or moving the end of) the seed window on one table; `role` is quoted already."""
    predicate = WINDOW_PREDICATE.format(ends=ends.astimezone(datetime.timezone.utc).isoformat())
    return [
        f"DROP POLICY IF EXISTS {WINDOW_POLICY} ON public.{table}",
        f"CREATE POLICY {WINDOW_POLICY} ON public.{table} FOR ALL TO {role} "
        f"USING ({predicate}) WITH CHECK ({predicate})",
    ]


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


def statements(script: str) -> list[str]:
    """The statements of an SQL script, one per Data API call (Aurora refuses several in one): split where
    PostgreSQL would end them, so semicolons in strings, dollar-quoted bodies and comments stay; pieces that are only
    comments are dropped."""
    return [s for s in (p.strip() for p in sqlparse.split(script)) if sqlparse.format(s, strip_comments=True).strip()]


def run_script(cursor, script: str) -> int:
    """Run an SQL script statement by statement on `cursor`; returns how many ran."""
    parts = statements(script)
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


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    message: str
    # a state the operator chose for a while (the seed app's window): reported everywhere, failing nothing
    transitional: bool = False

    def __str__(self):
        return f"[{self.code}] {self.message}"


# Findings the entering statement answers for every tenant transaction (it pins what they change), so isolation and
# durability hold while they stand; still findings (rls_verify fails, the operator repairs them), /health "degraded".
PINNED_AT_ENTRY = ("app-role-setting",)


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.transitional]


def audit(using: str = TRUSTED_ALIAS) -> list[Finding]:
    findings: list[Finding] = []
    windows: dict[tuple[str, datetime.datetime], list[str]] = {}
    tables = tenant_tables()
    with connections[using].cursor() as cursor:

        def rows(sql, params=()):
            cursor.execute(sql, list(params))
            return cursor.fetchall()

        # 1. every tenant table: RLS enabled and forced, exactly the allow-listed policies, predicate as designed
        for table in tables:
            state = rows(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass(%s)",
                [f"public.{table}"],
            )
            if not state:
                findings.append(Finding("missing-table", f"tenant table {table} does not exist"))
                continue
            enabled, forced = state[0]
            if not enabled:
                findings.append(Finding("rls-disabled", f"{table}: ROW LEVEL SECURITY is not enabled"))
            if not forced:
                findings.append(Finding("rls-not-forced", f"{table}: ROW LEVEL SECURITY is not FORCEd"))
            policies = {
                name: (permissive, cmd, list(roles), qual, check)
                for name, permissive, cmd, roles, qual, check in rows(
                    "SELECT policyname, permissive, cmd, roles::text[], qual, with_check FROM pg_policies "
                    "WHERE schemaname = 'public' AND tablename = %s",
                    [table],
                )
            }
            for name in sorted(set(policies) - set(EXPECTED_POLICIES)):
                if name == WINDOW_POLICY and (ends := window_end(rows, policies[name])):
                    windows.setdefault((policies[name][2][0], ends), []).append(table)
                else:
                    findings.append(Finding("unexpected-policy", f"{table}: policy {name} is not in the allow-list"))
            for name, (permissive, cmd, role) in EXPECTED_POLICIES.items():
                got = policies.get(name)
                if got is None:
                    findings.append(Finding("missing-policy", f"{table}: policy {name} is missing"))
                elif got[0] != permissive or got[1] != cmd or got[2] != [role]:
                    findings.append(
                        Finding(
                            "policy-changed",
                            f"{table}: policy {name} is {got[0]} {got[1]} TO "
                            f"{got[2]}, expected {permissive} {cmd} TO {role}",
                        )
                    )
                elif name == "tenant_isolation" and (got[3] != TENANT_PREDICATE or got[4] != TENANT_PREDICATE):
                    findings.append(Finding("policy-changed", f"{table}: tenant_isolation predicate is {got[3]!r}"))

        for (role, ends), on in sorted(windows.items()):
            findings.append(window_finding(role, ends, on, rows("SELECT now() >= %s", [ends])[0][0]))

        # 2. roles: the app role is no superuser, has no BYPASSRLS, owns nothing, cannot SET ROLE to anyone
        for role, superuser, bypass in rows(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname IN (%s, %s, %s)",
            [APP_ROLE, ADMIN_ROLE, OWNER_ROLE],
        ):
            if superuser:
                findings.append(Finding("role-superuser", f"{role} is a superuser"))
            if bypass and role != ADMIN_ROLE:
                findings.append(Finding("role-bypassrls", f"{role} has BYPASSRLS"))
        owned = rows(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [APP_ROLE]
        )
        if owned:
            findings.append(Finding("app-owns", f"{APP_ROLE} owns {', '.join(sorted(r[0] for r in owned))}"))
        member_of = rows(
            "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member "
            "JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = %s",
            [APP_ROLE],
        )
        if member_of:
            findings.append(
                Finding(
                    "app-member",
                    f"{APP_ROLE} is a member of {', '.join(r[0] for r in member_of)} (SET ROLE to it would escape RLS)",
                )
            )

        # 3. grants: the app role has DML on tenant tables only, never TRUNCATE/REFERENCES/TRIGGER
        for table, privilege in rows(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_schema = 'public'",
            [APP_ROLE],
        ):
            if privilege in ("TRUNCATE", "REFERENCES", "TRIGGER"):
                findings.append(Finding("dangerous-grant", f"{APP_ROLE} has {privilege} on {table}"))
            elif table not in tables:
                findings.append(Finding("grant-outside-tenant-tables", f"{APP_ROLE} has {privilege} on {table}"))
        matviews = rows(
            "SELECT matviewname FROM pg_matviews WHERE schemaname = 'public' "
            "AND has_table_privilege(%s, format('%%I.%%I', schemaname, matviewname), 'SELECT')",
            [APP_ROLE],
        )
        for (name,) in matviews:
            findings.append(Finding("matview-granted", f"materialized view {name} is readable by {APP_ROLE}"))

        # 4. no GUC defaults for app.* on roles or databases (a default tenant would apply to context-less queries),
        # no search_path default anywhere, and none on the app role but app_role_defaults(): an ordinary role may
        # ALTER ROLE itself SET anything, and such a default reaches every new pooled session (a read-only default
        # from its BEGIN)
        for role, setting in rows(
            "SELECT coalesce(r.rolname, ''), unnest(s.setconfig) FROM pg_db_role_setting s "
            "LEFT JOIN pg_roles r ON r.oid = s.setrole"
        ):
            where = f"ALTER ROLE {role}" if role else "ALTER DATABASE"
            if setting.startswith("app.") or setting.startswith("row_security"):
                findings.append(Finding("guc-default", f"{where} ... SET {setting}"))
            elif setting.startswith("search_path="):
                findings.append(Finding("search-path-default", f"{where} ... SET {setting}: unqualified names move"))
            elif role == APP_ROLE and app_role_defaults().get(setting.partition("=")[0]) != setting.partition("=")[2]:
                findings.append(Finding("app-role-setting", f"{where} SET {setting}: applies to every pooled session"))

        # 4b. nothing the app role runs may outlive its transaction on a pooled session: no TEMPORARY on the
        # database (PUBLIC holds it on a new one) and no CREATE on it or on any schema, for the role or PUBLIC
        for grantee, privilege in rows(
            "SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type FROM pg_database d, "
            "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE d.datname = current_database() AND a.privilege_type IN ('TEMPORARY', 'CREATE') "
            "AND (a.grantee = 0 OR r.rolname = %s)",
            [APP_ROLE],
        ):
            findings.append(
                Finding(
                    "temporary-granted" if privilege == "TEMPORARY" else "database-create-granted",
                    f"{grantee} holds {privilege} on the database: REVOKE {privilege} ON DATABASE ... FROM {grantee}",
                )
            )
        for (schema,) in rows(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
            "AND (has_schema_privilege(%s, oid, 'CREATE') OR EXISTS (SELECT 1 FROM "
            "aclexplode(coalesce(nspacl, acldefault('n', nspowner))) a WHERE a.grantee = 0 "
            "AND a.privilege_type = 'CREATE'))",
            [APP_ROLE],
        ):
            findings.append(Finding("schema-create-granted", f"{APP_ROLE} or PUBLIC may CREATE in schema {schema}"))

        # 5. views run with the invoker's rights
        for (view,) in rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'v' AND n.nspname = 'public' AND NOT coalesce("
            "'security_invoker=true' = ANY(c.reloptions) OR 'security_invoker=on' = ANY(c.reloptions),"
            " false)"
        ):
            findings.append(Finding("view-definer", f"view {view} is not security_invoker"))

        # 6. the context keys: present, and unreadable by the app role (the whole proof rests on it)
        readable = rows("SELECT to_regclass('app.context_keys') IS NOT NULL")[0][0]
        if not readable:
            findings.append(Finding("no-context-keys", "app.context_keys does not exist: run rls_apply"))
        else:
            if rows(
                "SELECT has_table_privilege(%s, 'app.context_keys', 'SELECT') OR has_table_privilege(%s, "
                "'app.context_keys', 'INSERT,UPDATE,DELETE')",
                [APP_ROLE, APP_ROLE],
            )[0][0]:
                findings.append(Finding("context-keys-readable", f"{APP_ROLE} has privileges on app.context_keys"))
            granted = rows(
                "SELECT DISTINCT coalesce(pg_get_userbyid(NULLIF(a.grantee, 0)), 'PUBLIC') FROM pg_class c, "
                "aclexplode(c.relacl) a WHERE c.oid = 'app.context_keys'::regclass AND a.grantee <> c.relowner "
                "ORDER BY 1"
            )
            if granted:  # whoever reads the keys signs any context (a grant, or default privileges)
                findings.append(
                    Finding(
                        "context-keys-granted",
                        f"app.context_keys is granted to {', '.join(r[0] for r in granted)}: only {OWNER_ROLE} "
                        "may read the signing keys",
                    )
                )
            if rows("SELECT has_function_privilege(%s, 'app.context_mac(text, text)', 'EXECUTE')", [APP_ROLE])[0][0]:
                findings.append(Finding("context-mac-callable", f"{APP_ROLE} may call app.context_mac (a signer)"))
            # counted where the auditor may read them (the owner, rls_verify); the app role's /health cannot
            if (
                rows("SELECT has_table_privilege(current_user, 'app.context_keys', 'SELECT')")[0][0]
                and rows("SELECT count(*) FROM app.context_keys")[0][0] == 0
            ):
                findings.append(
                    Finding(
                        "no-context-key",
                        "app.context_keys is empty: no tenant can be entered; run `manage.py context_keys sync`",
                    )
                )

        # 7. SECURITY DEFINER functions: search_path pinned, not executable by PUBLIC
        for name, config, public in rows(
            "SELECT p.oid::regprocedure::text, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.prosecdef AND n.nspname IN ('public', 'app')"
        ):
            if not any(c.startswith("search_path=") for c in (config or [])):
                findings.append(Finding("definer-search-path", f"SECURITY DEFINER {name} does not pin search_path"))
            if public:
                findings.append(Finding("definer-public", f"SECURITY DEFINER {name} is executable by PUBLIC"))
    return findings


def window_end(rows, policy: tuple) -> datetime.datetime | None:
    """The end of a seed window policy as the audit reads it back, or None when the policy is not exactly the
    window (then it is an unexpected policy like any other): permissive, every command, to one role that is none of
    ours and that the app role cannot become, the predicate as written by WINDOW_PREDICATE."""
    permissive, cmd, roles, qual, check = policy
    match = WINDOW_DEPARSED.fullmatch(qual or "")
    if permissive != "PERMISSIVE" or cmd != "ALL" or len(roles) != 1 or not match or check != qual:
        return None
    role = roles[0]
    if (
        role in (APP_ROLE, ADMIN_ROLE, OWNER_ROLE, "public")
        or rows("SELECT pg_has_role(%s, %s, 'MEMBER')", [APP_ROLE, role])[0][0]
    ):
        return None
    return rows("SELECT %s::timestamptz", [match["ends"]])[0][0]


def window_finding(role: str, ends: datetime.datetime, tables: list[str], ended: bool) -> Finding:
    when = f"{ends.astimezone(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
    if ended:
        message = (
            f"the seed app's transition window for role {role} ended {when}: its set_config context is refused since; "
            "remove the window with `manage.py adopt_seed_database --finalize`"
        )
    else:
        message = (
            f"the seed app's transition window is open until {when}: role {role} enters tenants with "
            f"set_config alone (no proof) on {', '.join(tables)}; close it with "
            "`manage.py adopt_seed_database --finalize` once the seed app signs its context"
        )
    return Finding("seed-window", message, transitional=True)
