"""The RLS audit: the catalog read against the design (docs/security.md), as a registry of small checks.

Each check reads the catalog through an `Inspection` and returns `Finding`s. A finding's code names what is wrong
("rls-disabled") and maps to a stable system-check id ("tenants.E102"), the same whatever else is found, so an
operator's silenced id or an alarm on one keeps meaning one thing. `manage.py rls_verify`, the deployment system
check (`manage.py check --deploy --database default`) and /health all run `audit()`.

Other apps extend it from their `ready()`: `register(check, ids)` adds a check and the ids of its codes, and
`claim_policy(name, recognise)` lets a policy the allow-list does not know stand when `recognise` vouches for its
exact form (an adoption app's transition window, say).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from django.db import connections

from .aliases import TRUSTED_ALIAS
from .rls import (
    ADMIN_ROLE,
    APP_ROLE,
    EXPECTED_POLICIES,
    OWNER_ROLE,
    TENANT_PREDICATE,
    app_role_defaults,
    tenant_tables,
)


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    message: str
    # a state an operator chose for a while (a transition window): reported everywhere, failing nothing
    transitional: bool = False

    @property
    def check_id(self) -> str:
        return _ids[self.code]

    def __str__(self):
        return f"[{self.code}] {self.message}"


# policy name → (permissive, command, roles, USING, WITH CHECK) as pg_policies shows them
Policy = tuple[str, str, list[str], str | None, str | None]


class Inspection:
    """What checks read: SQL on the auditing connection, the tenant tables, their policies (read once)."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.tables = tenant_tables()

    def rows(self, sql: str, params=()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, list(params))
        return self.cursor.fetchall()

    @functools.cached_property
    def row_security(self) -> dict[str, tuple[bool, bool]]:
        """(enabled, forced) of each tenant table that exists, read in one query."""
        return {
            name: (enabled, forced)
            for name, enabled, forced in self.rows(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            )
            if name in self.tables
        }

    @functools.cached_property
    def policies(self) -> dict[str, dict[str, Policy]]:
        """The policies of each tenant table that exists."""
        by_table: dict[str, dict[str, Policy]] = {table: {} for table in self.tables if table in self.row_security}
        for table, name, permissive, cmd, roles, qual, check in self.rows(
            "SELECT tablename, policyname, permissive, cmd, roles::text[], qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public'"
        ):
            if table in by_table:
                by_table[table][name] = (permissive, cmd, list(roles), qual, check)
        return by_table


Check = Callable[[Inspection], list[Finding]]
_checks: list[Check] = []
_ids: dict[str, str] = {}
_claims: dict[str, Callable[[Inspection, Policy], bool]] = {}


def register(check: Check, ids: dict[str, str]) -> Check:
    """Add `check` to the audit, with the system-check id of each code it reports (ids never change meaning)."""
    for code, check_id in ids.items():
        if _ids.setdefault(code, check_id) != check_id:
            raise ValueError(f"audit code {code!r} already has the id {_ids[code]}")
    if check not in _checks:
        _checks.append(check)
    return check


def claim_policy(name: str, recognise: Callable[[Inspection, Policy], bool]) -> None:
    """A policy named `name` that `recognise` vouches for is no `unexpected-policy` finding."""
    _claims[name] = recognise


def audit(using: str = TRUSTED_ALIAS) -> list[Finding]:
    with connections[using].cursor() as cursor:
        inspection = Inspection(cursor)
        return [finding for check in _checks for finding in check(inspection)]


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.transitional]


# Findings the entering statement answers for every tenant transaction (it pins what they change), so isolation and
# durability hold while they stand; still findings (rls_verify fails, the operator repairs them), /health "degraded".
PINNED_AT_ENTRY = ("app-role-setting",)


# -- the checks ----------------------------------------------------------------------------------------------------
def _tables(inspection: Inspection) -> list[Finding]:
    """Every tenant table exists with ROW LEVEL SECURITY enabled and forced."""
    findings = []
    for table in inspection.tables:
        if table not in inspection.row_security:
            findings.append(Finding("missing-table", f"tenant table {table} does not exist"))
            continue
        enabled, forced = inspection.row_security[table]
        if not enabled:
            findings.append(Finding("rls-disabled", f"{table}: ROW LEVEL SECURITY is not enabled"))
        if not forced:
            findings.append(Finding("rls-not-forced", f"{table}: ROW LEVEL SECURITY is not FORCEd"))
    return findings


def _policies(inspection: Inspection) -> list[Finding]:
    """Exactly the allow-listed policies (or one an app claims), each as designed."""
    findings = []
    for table, policies in inspection.policies.items():
        for name in sorted(set(policies) - set(EXPECTED_POLICIES)):
            claimed = _claims.get(name)
            if claimed is None or not claimed(inspection, policies[name]):
                findings.append(Finding("unexpected-policy", f"{table}: policy {name} is not in the allow-list"))
        for name, (permissive, cmd, role) in EXPECTED_POLICIES.items():
            got = policies.get(name)
            if got is None:
                findings.append(Finding("missing-policy", f"{table}: policy {name} is missing"))
            elif got[:3] != (permissive, cmd, [role]):
                shown = f"{got[0]} {got[1]} TO {got[2]}, expected {permissive} {cmd} TO {role}"
                findings.append(Finding("policy-changed", f"{table}: policy {name} is {shown}"))
            elif name == "tenant_isolation" and (got[3] != TENANT_PREDICATE or got[4] != TENANT_PREDICATE):
                findings.append(Finding("policy-changed", f"{table}: tenant_isolation predicate is {got[3]!r}"))
    return findings


def _roles(inspection: Inspection) -> list[Finding]:
    """No superuser, BYPASSRLS for the admin role only; the app role owns nothing and is a member of nothing."""
    findings = []
    for role, superuser, bypass in inspection.rows(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname IN (%s, %s, %s)",
        [APP_ROLE, ADMIN_ROLE, OWNER_ROLE],
    ):
        if superuser:
            findings.append(Finding("role-superuser", f"{role} is a superuser"))
        if bypass and role != ADMIN_ROLE:
            findings.append(Finding("role-bypassrls", f"{role} has BYPASSRLS"))
    owned = inspection.rows(
        "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [APP_ROLE]
    )
    if owned:
        findings.append(Finding("app-owns", f"{APP_ROLE} owns {', '.join(sorted(r[0] for r in owned))}"))
    member_of = inspection.rows(
        "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member "
        "JOIN pg_roles b ON b.oid = m.roleid WHERE a.rolname = %s",
        [APP_ROLE],
    )
    if member_of:
        escape = f"{', '.join(r[0] for r in member_of)} (SET ROLE to it would escape RLS)"
        findings.append(Finding("app-member", f"{APP_ROLE} is a member of {escape}"))
    return findings


def _grants(inspection: Inspection) -> list[Finding]:
    """The app role has DML on tenant tables only (never TRUNCATE/REFERENCES/TRIGGER), no materialized view."""
    findings = []
    for table, privilege in inspection.rows(
        "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
        "WHERE grantee = %s AND table_schema = 'public'",
        [APP_ROLE],
    ):
        if privilege in ("TRUNCATE", "REFERENCES", "TRIGGER"):
            findings.append(Finding("dangerous-grant", f"{APP_ROLE} has {privilege} on {table}"))
        elif table not in inspection.tables:
            findings.append(Finding("grant-outside-tenant-tables", f"{APP_ROLE} has {privilege} on {table}"))
    for (name,) in inspection.rows(
        "SELECT matviewname FROM pg_matviews WHERE schemaname = 'public' "
        "AND has_table_privilege(%s, format('%%I.%%I', schemaname, matviewname), 'SELECT')",
        [APP_ROLE],
    ):
        findings.append(Finding("matview-granted", f"materialized view {name} is readable by {APP_ROLE}"))
    return findings


def _role_settings(inspection: Inspection) -> list[Finding]:
    """No default for app.* or row_security (a default tenant would apply to context-less queries), no search_path
    default anywhere, and none on the app role but its statement budget: an ordinary role may ALTER ROLE itself SET
    anything, and such a default reaches every new pooled session (a read-only default from its BEGIN)."""
    findings = []
    expected = app_role_defaults()
    for role, setting in inspection.rows(
        "SELECT coalesce(r.rolname, ''), unnest(s.setconfig) FROM pg_db_role_setting s "
        "LEFT JOIN pg_roles r ON r.oid = s.setrole"
    ):
        where = f"ALTER ROLE {role}" if role else "ALTER DATABASE"
        name, _, value = setting.partition("=")
        if name.startswith("app.") or name == "row_security":
            findings.append(Finding("guc-default", f"{where} ... SET {setting}"))
        elif name == "search_path":
            findings.append(Finding("search-path-default", f"{where} ... SET {setting}: unqualified names move"))
        elif role == APP_ROLE and expected.get(name) != value:
            findings.append(Finding("app-role-setting", f"{where} SET {setting}: applies to every pooled session"))
    return findings


def _privileges(inspection: Inspection) -> list[Finding]:
    """Nothing the app role runs may outlive its transaction on a pooled session: no TEMPORARY on the database (PUBLIC
    holds it on a new one), no CREATE on it or on any schema, for the role or PUBLIC."""
    findings = []
    for grantee, privilege in inspection.rows(
        "SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type FROM pg_database d, "
        "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE d.datname = current_database() AND a.privilege_type IN ('TEMPORARY', 'CREATE') "
        "AND (a.grantee = 0 OR r.rolname = %s)",
        [APP_ROLE],
    ):
        code = "temporary-granted" if privilege == "TEMPORARY" else "database-create-granted"
        revoke = f"REVOKE {privilege} ON DATABASE ... FROM {grantee}"
        findings.append(Finding(code, f"{grantee} holds {privilege} on the database: {revoke}"))
    for (schema,) in inspection.rows(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
        "AND (has_schema_privilege(%s, oid, 'CREATE') OR EXISTS (SELECT 1 FROM "
        "aclexplode(coalesce(nspacl, acldefault('n', nspowner))) a WHERE a.grantee = 0 "
        "AND a.privilege_type = 'CREATE'))",
        [APP_ROLE],
    ):
        findings.append(Finding("schema-create-granted", f"{APP_ROLE} or PUBLIC may CREATE in schema {schema}"))
    return findings


def _views(inspection: Inspection) -> list[Finding]:
    """Views run with the invoker's rights."""
    return [
        Finding("view-definer", f"view {view} is not security_invoker")
        for (view,) in inspection.rows(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'v' AND n.nspname = 'public' AND NOT coalesce("
            "'security_invoker=true' = ANY(c.reloptions) OR 'security_invoker=on' = ANY(c.reloptions), false)"
        )
    ]


def _context_keys(inspection: Inspection) -> list[Finding]:
    """The signing keys exist, and neither the app role nor anyone but the owner reads them: the proof rests on it."""
    if not inspection.rows("SELECT to_regclass('app.context_keys') IS NOT NULL")[0][0]:
        return [Finding("no-context-keys", "app.context_keys does not exist: run rls_apply")]
    findings = []
    if inspection.rows(
        "SELECT has_table_privilege(%s, 'app.context_keys', 'SELECT') OR has_table_privilege(%s, "
        "'app.context_keys', 'INSERT,UPDATE,DELETE')",
        [APP_ROLE, APP_ROLE],
    )[0][0]:
        findings.append(Finding("context-keys-readable", f"{APP_ROLE} has privileges on app.context_keys"))
    granted = inspection.rows(
        "SELECT DISTINCT coalesce(pg_get_userbyid(NULLIF(a.grantee, 0)), 'PUBLIC') FROM pg_class c, "
        "aclexplode(c.relacl) a WHERE c.oid = 'app.context_keys'::regclass AND a.grantee <> c.relowner ORDER BY 1"
    )
    if granted:  # whoever reads the keys signs any context (a grant, or default privileges)
        readers = ", ".join(r[0] for r in granted)
        message = f"app.context_keys is granted to {readers}: only {OWNER_ROLE} may read the signing keys"
        findings.append(Finding("context-keys-granted", message))
    if inspection.rows("SELECT has_function_privilege(%s, 'app.context_mac(text, text)', 'EXECUTE')", [APP_ROLE])[0][0]:
        findings.append(Finding("context-mac-callable", f"{APP_ROLE} may call app.context_mac (a signer)"))
    # counted where the auditor may read them (the owner, rls_verify); the app role's /health cannot
    if (
        inspection.rows("SELECT has_table_privilege(current_user, 'app.context_keys', 'SELECT')")[0][0]
        and inspection.rows("SELECT count(*) FROM app.context_keys")[0][0] == 0
    ):
        message = "app.context_keys is empty: no tenant can be entered; run `manage.py context_keys sync`"
        findings.append(Finding("no-context-key", message))
    return findings


def _definers(inspection: Inspection) -> list[Finding]:
    """SECURITY DEFINER functions pin search_path and are not executable by PUBLIC."""
    findings = []
    for name, config, public in inspection.rows(
        "SELECT p.oid::regprocedure::text, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.prosecdef AND n.nspname IN ('public', 'app')"
    ):
        if not any(c.startswith("search_path=") for c in (config or [])):
            findings.append(Finding("definer-search-path", f"SECURITY DEFINER {name} does not pin search_path"))
        if public:
            findings.append(Finding("definer-public", f"SECURITY DEFINER {name} is executable by PUBLIC"))
    return findings


# Ids are part of the interface: a new code takes a new id, an id is never reused for another code.
BUILT_IN: list[tuple[Check, dict[str, str]]] = [
    (_tables, {"missing-table": "E101", "rls-disabled": "E102", "rls-not-forced": "E103"}),
    (_policies, {"unexpected-policy": "E104", "missing-policy": "E105", "policy-changed": "E106"}),
    (_roles, {"role-superuser": "E107", "role-bypassrls": "E108", "app-owns": "E109", "app-member": "E110"}),
    (_grants, {"dangerous-grant": "E111", "grant-outside-tenant-tables": "E112", "matview-granted": "E113"}),
    (_role_settings, {"guc-default": "E114", "search-path-default": "E115", "app-role-setting": "E116"}),
    (_privileges, {"temporary-granted": "E117", "database-create-granted": "E118", "schema-create-granted": "E119"}),
    (_views, {"view-definer": "E120"}),
    (
        _context_keys,
        {
            "no-context-keys": "E121",
            "context-keys-readable": "E122",
            "context-keys-granted": "E123",
            "context-mac-callable": "E124",
            "no-context-key": "E125",
        },
    ),
    (_definers, {"definer-search-path": "E126", "definer-public": "E127"}),
]
for _check, _codes in BUILT_IN:
    register(_check, {code: f"tenants.{number}" for code, number in _codes.items()})
