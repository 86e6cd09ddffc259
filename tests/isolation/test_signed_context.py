"""An attacker who can run arbitrary SQL as the app role (an injection anywhere) still cannot see or change another
tenant's rows: the tenant variables count only with a proof that app.enter_tenant makes, for this transaction, with
a key the app role cannot read, after verifying an assertion the application signed with the same key."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from django.db import connections, transaction

from tenants import audit
from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContext, tenant_block
from tests.support import A, B, owner_sql, sql, sqlstate_of

ALIAS = TENANT_ALIAS


def in_transaction(*statements):
    """Statements as the app role in one transaction with no tenant entered (an attacker's session); the result of
    the last."""
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_setting_the_variables_directly_reads_and_writes_nothing(world, db_access):
    forged = [
        (f"SELECT set_config('{name}', %s, true)", [value])
        for name, value in [
            ("app.current_tenant_id", A),
            ("app.current_user_id", str(world.users["ann"].pk)),
            ("app.user_role", "owner"),
            ("app.context_proof", "local-1:" + "0" * 64),
        ]
    ]
    assert in_transaction(*forged, ("SELECT count(*) FROM bookings", [])) == [(0,)]
    assert in_transaction(*forged, ("UPDATE bookings SET guest_name = 'pwned'", [])) == 0
    assert in_transaction(*forged, ("DELETE FROM entities", [])) == 0
    insert = ("INSERT INTO entities (tenant_id, entity_type, name, created_by) VALUES (%s, 'hotel', 'x', 'x')", [A])
    assert sqlstate_of(lambda: in_transaction(*forged, insert)) == "42501"
    # a session-level SET is no better
    assert in_transaction(
        ("SET LOCAL app.current_tenant_id = 'tenant-alpha-001'", []), ("SELECT count(*) FROM bookings", [])
    ) == [(0,)]


def signed(tenant: str, user: str, role: str = "owner", *, exp_in: int = 60, key=None, kid=None, **extra) -> tuple:
    key_id, secret = settings.TENANT_CONTEXT_KEYS[0]
    assertion = json.dumps(
        {
            "kid": kid or key_id,
            "tenant": tenant,
            "user": user,
            "role": role,
            "external": False,
            "exp": int(time.time()) + exp_in,
            **extra,
        }
    )
    return assertion, hmac.new(key or secret, assertion.encode(), hashlib.sha256).hexdigest()


def enter(assertion: str, signature: str):
    return ("SELECT app.enter_tenant(%s, %s, '{}'::jsonb)", [assertion, signature])


@pytest.mark.parametrize(
    "forgery",
    [
        "bad-signature",
        "wrong-key",
        "unknown-key",
        "expired",
        "too-long-lived",
        "tenant-swapped",
        "user-swapped",
        "not-json",
    ],
)
def test_forged_assertions_are_refused_with_the_uniform_error(world, db_access, forgery):
    ann = str(world.users["ann"].pk)
    good, sig = signed(A, ann)
    attempt = {
        "bad-signature": (good, "0" * 64),
        "wrong-key": signed(A, ann, key=b"an attacker's own key of enough length!!"),
        "unknown-key": signed(A, ann, kid="nope"),
        "expired": signed(A, ann, exp_in=-5),
        "too-long-lived": signed(A, ann, exp_in=3600),
        # a valid assertion for A, edited to name another tenant or user: the signature no longer matches
        "tenant-swapped": (good.replace(A, B), sig),
        "user-swapped": (good.replace(f'"user": "{ann}"', f'"user": "{world.users["ben"].pk}"'), sig),
        "not-json": ("tenant-beta-002", sig),
    }[forgery]
    with pytest.raises(Exception) as excinfo:
        in_transaction(enter(*attempt))
    assert excinfo.value.__cause__.sqlstate == "28000"
    assert "tenant access denied" in str(excinfo.value)


def test_a_genuine_assertion_enters_and_the_database_sees_its_tenant_only(world, db_access):
    rows = in_transaction(
        enter(*signed(A, str(world.users["ann"].pk))), ("SELECT DISTINCT tenant_id FROM bookings", [])
    )
    assert rows == [(A,)]


def test_a_proof_copied_into_another_transaction_is_worth_nothing(world, db_access):
    captured = in_transaction(
        enter(*signed(A, str(world.users["ann"].pk))),
        (
            "SELECT current_setting('app.current_tenant_id'), current_setting('app.current_user_id'), "
            "current_setting('app.user_role'), current_setting('app.context_proof')",
            [],
        ),
    )[0]
    replay = [
        (f"SELECT set_config('{name}', %s, true)", [value])
        for name, value in zip(
            ["app.current_tenant_id", "app.current_user_id", "app.user_role", "app.context_proof"],
            captured,
            strict=True,
        )
    ]
    assert in_transaction(*replay, ("SELECT app.current_tenant_id(), count(*) FROM bookings", [])) == [(None, 0)]


def test_after_entering_the_variables_cannot_be_switched_to_another_tenant(world, db_access):
    rows = in_transaction(
        enter(*signed(A, str(world.users["ann"].pk))),
        ("SELECT set_config('app.current_tenant_id', %s, true)", [B]),
        ("SELECT count(*) FROM bookings", []),
    )
    assert rows == [(0,)]


def test_the_key_is_unreachable_for_the_app_role(world, db_access):
    assert sqlstate_of(lambda: in_transaction(("SELECT * FROM app.context_keys", []))) == "42501"
    assert sqlstate_of(lambda: in_transaction(("SELECT app.context_mac('local-1', 'x')", []))) == "42501"
    # nothing of ours the app role may execute returns key material (only booleans and the proven context);
    # extensions' functions (btree_gist) are not ours
    funcs = in_transaction(
        (
            "SELECT p.oid::regprocedure::text, format_type(p.prorettype, NULL) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname IN ('app', 'public') AND "
            "has_function_privilege('hospitality_app', p.oid, 'EXECUTE') AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
            [],
        )
    )
    assert {f for f, _ in funcs} == {
        "app.proven_setting(text)",
        "app.current_tenant_id()",
        "app.current_user_role()",
        "app.pin_transaction(integer,text)",
        "app.check_signed_context(text,text,jsonb)",
        "app.check_token(text)",
        "app.enter_tenant(text,text,jsonb)",
        "app.enter_tenant_with_assertion(text,text,jsonb,integer,text)",
        "app.enter_tenant_with_token(text,integer,text)",
        "app.pin_read_statement(integer,text)",
        "app.read_as_tenant_with_assertion(text,text,jsonb,integer,text)",
        "app.read_as_tenant_with_token(text,integer,text)",
        "app.uuid_generate_v7()",
    }
    # and the audit notices a grant that would expose it
    owner_sql("GRANT SELECT ON app.context_keys TO hospitality_app")
    try:
        assert "context-keys-readable" in {f.code for f in audit.audit()}
    finally:
        owner_sql("REVOKE ALL ON app.context_keys FROM hospitality_app")
    assert audit.audit() == []


def test_the_signed_assertion_is_not_visible_to_other_sessions(world, db_access):
    """pg_stat_activity shows every app-role session the text of the others' statements: the assertion and its
    signature travel as bound parameters, so it shows placeholders."""
    assertion, signature = signed(A, str(world.users["ann"].pk))
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT app.enter_tenant(%s, %s, '{}'::jsonb)", [assertion, signature])
        # another app-role session (the emulator's pool or a second connection) looks at every session's query
        import os

        import psycopg

        app_dsn = os.environ["TENANT_DATABASE_URL"].replace("postgres://", "postgresql://")
        with psycopg.connect(app_dsn, autocommit=True) as spy:
            texts = [
                r[0]
                for r in spy.execute(
                    "SELECT query FROM pg_stat_activity WHERE query LIKE %s", ["%enter_tenant%"]
                ).fetchall()
            ]
    seen = [t for t in texts if "pg_stat_activity" not in t]
    assert seen, "the entering session's statement should be listed"
    assert not any(signature in t or A in t for t in seen), seen


def test_roles_and_tokens_still_enter_in_one_statement(api, world, tenant_calls):
    with tenant_calls() as calls:
        response = api.get("/api/bookings/", **world.token_auth("ann@A"))
    assert response.status_code == 200 and response.json()["count"] == 3
    if calls.calls is not None:  # Data API: the page with its total, entered with the token in the same statement
        assert calls.calls == {"ExecuteStatement": 1}


def test_the_proof_is_per_tenant_block(world, db_access):
    with tenant_block(TenantContext(A, str(world.users["ann"].pk), "owner")):
        assert sql("SELECT app.current_tenant_id(), app.current_user_role()") == [(A, "owner")]
    assert in_transaction(("SELECT app.current_tenant_id()", [])) == [(None,)]
