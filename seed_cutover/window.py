"""The seed app's transition window (docs/seed-migration.md "Cutover"): after the adoption, the seed app's own login
role keeps the seed's context semantics (the tenant is whatever `set_config('app.current_tenant_id', …)` says, no
proof) on the seed's tables until a date written into the policy itself, so that the window closes by itself even if
nobody runs the command that removes it. Never for the Django roles: the audit refuses the policy TO them.

The audit (tenants.audit) knows nothing of it: this app claims the window's policy, where it is exactly the
window, and reports each open or ended window as a transitional finding (`seed_cutover.W001`), from its `ready()`.
"""

from __future__ import annotations

import datetime
import re

from tenants.audit import Finding, Inspection, Policy
from tenants.rls import ADMIN_ROLE, APP_ROLE, OWNER_ROLE

WINDOW_POLICY = "seed_window"
WINDOW_PREDICATE = (
    "now() < '{ends}'::timestamptz AND tenant_id = (SELECT nullif(current_setting('app.current_tenant_id', true), ''))"
)
WINDOW_DEPARSED = re.compile(
    r"\(\(now\(\) < '(?P<ends>[^']+)'::timestamp with time zone\) AND \(\(tenant_id\)::text = \( SELECT "
    r"NULLIF\(current_setting\('app\.current_tenant_id'::text, true\), ''::text\) AS \"nullif\"\)\)\)"
)
AUDIT_IDS = {"seed-window": "seed_cutover.W001"}


def window_policy_sql(table: str, role: str, ends: datetime.datetime) -> list[str]:
    """The statements opening (or moving the end of) the seed window on one table; `role` is quoted already."""
    predicate = WINDOW_PREDICATE.format(ends=ends.astimezone(datetime.timezone.utc).isoformat())
    return [
        f"DROP POLICY IF EXISTS {WINDOW_POLICY} ON public.{table}",
        f"CREATE POLICY {WINDOW_POLICY} ON public.{table} FOR ALL TO {role} "
        f"USING ({predicate}) WITH CHECK ({predicate})",
    ]


def window_end(inspection: Inspection, policy: Policy) -> datetime.datetime | None:
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
        or inspection.rows("SELECT pg_has_role(%s, %s, 'MEMBER')", [APP_ROLE, role])[0][0]
    ):
        return None
    return inspection.rows("SELECT %s::timestamptz", [match["ends"]])[0][0]


def is_window(inspection: Inspection, policy: Policy) -> bool:
    return window_end(inspection, policy) is not None


def window_check(inspection: Inspection) -> list[Finding]:
    """Each window (role, end) with the tables it is open on: transitional, failing nothing."""
    windows: dict[tuple[str, datetime.datetime], list[str]] = {}
    for table, policies in inspection.policies.items():
        policy = policies.get(WINDOW_POLICY)
        if policy is not None and (ends := window_end(inspection, policy)):
            windows.setdefault((policy[2][0], ends), []).append(table)
    return [
        window_finding(role, ends, tables, inspection.rows("SELECT now() >= %s", [ends])[0][0])
        for (role, ends), tables in sorted(windows.items())
    ]


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
