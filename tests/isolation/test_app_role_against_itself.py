"""What whoever holds the app role's secret can do to the role itself, and what holds: role-level settings that
change what a commit or a query means are pinned away at entry (and reported), and a password changed under the
application is the database being unavailable, never the callers' credentials being wrong."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connections

from operations import telemetry
from tenants import audit
from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContext, tenant_block
from tests.support import A, app_role_as_bootstrapped, tenant_emulator, transport


def as_role(dsn_var: str, statement: str) -> None:
    with psycopg.connect(os.environ[dsn_var].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(statement)


def recycle_sessions() -> None:
    """New sessions from now on: the Data API's pooled ones (the emulator's pools) or the direct path's kept one."""
    connections[TENANT_ALIAS].close()
    if transport() == "data-api":
        tenant_emulator().reset_pools()


@pytest.fixture
def app_role_sets_itself():
    """The app role gives itself role-level defaults, as `ALTER ROLE hospitality_app SET ...` lets it."""

    def alter(setting: str) -> None:
        as_role("TENANT_DATABASE_URL", f"ALTER ROLE hospitality_app SET {setting}")
        recycle_sessions()

    yield alter
    for statement in app_role_as_bootstrapped():
        as_role("MASTER_DATABASE_URL", statement)
    recycle_sessions()


# role-level defaults whose meaning the entering statement must take back: (setting, what SHOW must say inside)
ROLE_SETTINGS = [
    ("synchronous_commit = off", "synchronous_commit", "on"),  # an acknowledged commit is durable
    ("transform_null_equals = on", "transform_null_equals", "off"),  # `x = NULL` means what SQL says
    ("array_nulls = off", "array_nulls", "on"),  # array literals parse as documented
    ("gin_fuzzy_search_limit = 3", "gin_fuzzy_search_limit", "0"),  # GIN scans return every match
]


def test_role_level_settings_are_pinned_at_entry(world, db_access, app_role_sets_itself):
    for setting, _, _ in ROLE_SETTINGS:
        app_role_sets_itself(setting)
    with tenant_block(TenantContext(A, str(world.users["ann"].pk), "owner")):
        with connections[TENANT_ALIAS].cursor() as cursor:
            for _, name, pinned in ROLE_SETTINGS:
                cursor.execute(f"SHOW {name}")
                assert (name, cursor.fetchone()[0]) == (name, pinned)
    # and the audit (rls_verify, the system check, /health) names each role setting
    findings = " ".join(str(f) for f in audit.audit() if f.code == "app-role-setting")
    assert all(setting.split(" ")[0] in findings for setting, _, _ in ROLE_SETTINGS), findings


def test_a_role_setting_makes_health_degraded(world, db_access, app_role_sets_itself, settings):
    """Reported, not pulled: the entering statement pins what the setting changes, so tenants stay isolated."""
    from django.test import Client

    from operations import health

    settings.HEALTH_TOKEN = "health-token-for-tests-0123456789"
    app_role_sets_itself("synchronous_commit = off")
    health._cache.clear()
    try:
        answer = Client().get("/health", HTTP_X_HEALTH_TOKEN=settings.HEALTH_TOKEN)
    finally:
        health._cache.clear()
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "degraded", body
    assert body["rls"]["ok"] is True and "synchronous_commit=off" in str(body["rls"]["pinned_at_entry"])


@pytest.fixture
def app_password_changed():
    """The app role changes its own password, as `ALTER ROLE hospitality_app PASSWORD ...` lets it; put back after."""
    original = urlsplit(os.environ["TENANT_DATABASE_URL"]).password
    as_role("TENANT_DATABASE_URL", "ALTER ROLE hospitality_app PASSWORD 'changed-by-someone-holding-the-secret'")
    recycle_sessions()
    yield
    as_role("MASTER_DATABASE_URL", f"ALTER ROLE hospitality_app PASSWORD '{original}'")
    recycle_sessions()


def test_a_lost_login_is_database_unavailable_not_a_bad_token(world, api, app_password_changed):
    before = telemetry.requests.login_refusals
    for key in world.tokens:
        answer = api.get("/api/bookings/", **world.token_auth(key))
        assert answer.status_code == 503, answer.content
        assert answer.json()["code"] == "database_unavailable" and answer["Retry-After"]
    answer = api.get("/api/bookings/", **world.auth("ann"))  # a JWT: the same
    assert answer.status_code == 503 and answer.json()["code"] == "database_unavailable"
    assert telemetry.requests.login_refusals - before == len(world.tokens) + 1
