"""The tenant context, through the real stack: no context means no rows, a context never outlives its transaction
or leaks to the next request on a reused session, and a caller cannot name another tenant."""

import threading

import pytest
from django.conf import settings
from django.db import DatabaseError, connections, transaction

from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContextError
from tests.support import A, B, raw_tenant_sql, transport

BOOKINGS = "/api/bookings/"


def guests(response):
    return {b["guest_name"] for b in response.json()["results"]}


# 1. no credentials → 401 before any DB call; with no context at SQL level: 0 rows, INSERT refused, 0 rows touched
def test_no_credentials_is_401_before_any_database_call(api, tenant_calls):
    with tenant_calls() as calls:
        response = api.get(BOOKINGS)
    assert response.status_code == 401
    assert response.json() == {
        "message": "This endpoint needs a tenant: authenticate with a tenant JWT or API token.",
        "code": "tenant_required",
        "extra": {},
    }
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert calls.total in (None, 0)


def test_no_context_at_sql_level_reads_nothing_and_writes_nothing(world, db_access):
    assert raw_tenant_sql("SELECT count(*) FROM bookings") == [(0,)]
    assert raw_tenant_sql("UPDATE bookings SET guest_name = 'x'") == 0
    assert raw_tenant_sql("DELETE FROM bookings") == 0
    with pytest.raises(DatabaseError) as excinfo:
        raw_tenant_sql(
            "INSERT INTO entities (id, tenant_id, entity_type, name, metadata, is_active, created_at, "
            "created_by, updated_at) VALUES (app.uuid_generate_v7(), %s, 'hotel', 'x', '{}', true, now(), "
            "'t', now())",
            [A],
        )
    assert excinfo.value.__cause__.sqlstate == "42501"


# 2. member of another tenant, or a tenant that does not exist → the same 403 body
def test_foreign_and_unknown_tenants_get_the_same_403(api, world):
    foreign = api.get(BOOKINGS, **world.auth("ann", B))
    unknown = api.get(BOOKINGS, **world.auth("ann", "tenant-nowhere-999"))
    non_member = api.get(BOOKINGS, **world.auth("cid", A))
    wrong_role = api.get(BOOKINGS, **world.auth("ann", A, role="viewer"))
    assert foreign.status_code == unknown.status_code == non_member.status_code == wrong_role.status_code == 403
    assert (
        foreign.json()
        == unknown.json()
        == non_member.json()
        == wrong_role.json()
        == {"message": "You do not have access to this tenant.", "code": "tenant_access_denied", "extra": {}}
    )


# 3. tampered JWTs → 401
@pytest.mark.parametrize(
    "tamper",
    [
        "bad-signature",
        "alg-none",
        "expired",
        "wrong-audience",
        "wrong-issuer",
        "hs-rs-confusion",
        "missing-claim",
        "garbage",
    ],
)
def test_tampered_jwt_is_401(api, world, tamper):
    import jwt as pyjwt

    good = world.jwt("ann", A)
    now = __import__("time").time()
    claims = {
        "tenantId": A,
        "userId": str(world.users["ann"].pk),
        "role": "owner",
        "iss": settings.TENANT_JWT_ISSUER,
        "aud": settings.TENANT_JWT_AUDIENCE,
        "iat": int(now),
        "exp": int(now) + 600,
    }
    token = {
        "bad-signature": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "alg-none": pyjwt.encode(claims, key=None, algorithm="none"),
        "expired": world.jwt("ann", A, exp=int(now) - 10),
        "wrong-audience": world.jwt("ann", A, aud="someone-else"),
        "wrong-issuer": world.jwt("ann", A, iss="evil"),
        # an RS256-looking token "signed" with the HS secret as if it were a public key
        "hs-rs-confusion": pyjwt.encode(claims, settings.TENANT_JWT_SECRET, algorithm="HS512"),
        "missing-claim": pyjwt.encode(
            {k: v for k, v in claims.items() if k != "tenantId"}, settings.TENANT_JWT_SECRET, algorithm="HS256"
        ),
        "garbage": "not.a.jwt",
    }[tamper]
    response = api.get(BOOKINGS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


# 4. tenant ids that are not ids → 400 from validation, never interpolated
@pytest.mark.parametrize(
    "tenant_id",
    [
        "', true), set_config('app.current_tenant_id', 'tenant-beta-002', true) --",
        "tenant\x00alpha",
        "x" * 10_000,
        "TENANT-ALPHA-001",
        "a",
        "tenant-alpha-001\n",
    ],
)
def test_invalid_tenant_id_is_400(api, world, tenant_id, tenant_calls):
    with tenant_calls() as calls:
        response = api.get(BOOKINGS, **world.auth("ann", tenant_id))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_tenant_id"
    assert calls.total in (None, 0)


# 5. the context and the queries share one transaction
def test_context_and_queries_share_one_transaction(api, world):
    response = api.get("/api/whoami/", **world.auth("ann", A))
    assert response.json() == {
        "tenant_id": A,
        "user_id": str(world.users["ann"].pk),
        "role": "owner",
        "transport": transport(),
    }


# 6. nothing session-level: after a request, the same pooled connection carries no context
def test_context_does_not_outlive_the_request(api, world):
    assert api.get(BOOKINGS, **world.auth("ann", A)).status_code == 200
    for _ in range(5):  # the emulator reuses its pooled connections: any leak would show here
        assert raw_tenant_sql("SELECT coalesce(current_setting('app.current_tenant_id', true), '')") == [("",)]
        assert raw_tenant_sql("SELECT count(*) FROM bookings") == [(0,)]


def test_a_leaked_session_setting_is_overridden_by_the_request_context(api, world):
    alias = TENANT_ALIAS
    with connections[alias].cursor() as cursor:  # a buggy component leaks a session-level SET for tenant A
        cursor.execute("SET app.current_tenant_id = 'tenant-alpha-001'")
    try:
        response = api.get(BOOKINGS, **world.auth("ben", B))
        assert guests(response) == {b.guest_name for b in world.bookings[B]}
        assert api.get(BOOKINGS).status_code == 401  # an anonymous request 2 never reaches the database
    finally:
        connections[alias].close()  # the direct path: the leaking session was Django's own connection
        endpoint = settings.DATABASES[alias].get("OPTIONS", {}).get("endpoint_url")
        if endpoint:  # the Data API path: the leak lives on in a pooled server session
            from dataapi_emulator.control import EmulatorControl

            EmulatorControl(endpoint).reset_pools()


# 7. nesting another tenant is refused
def test_nesting_another_tenant_is_refused(world, db_access):
    from tenants.context import TenantContext, tenant_block

    with tenant_block(TenantContext(A, str(world.users["ann"].pk), "owner")):
        with pytest.raises(TenantContextError, match="nested"):
            with tenant_block(TenantContext(B, str(world.users["ben"].pk), "owner")):
                pass


# 8. a GUC present but empty → 0 rows, not an error
def test_empty_setting_reads_nothing(world, db_access):
    alias = TENANT_ALIAS
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT set_config('app.current_tenant_id', '', true)")
        cursor.execute("SELECT count(*) FROM bookings")
        assert cursor.fetchall() == [(0,)]


# 10 (also test_concurrency.py): interleaved tenants
def test_interleaved_threads_see_only_their_tenant(api, world):
    errors = []

    def run(user, tenant):
        from django.test import Client

        client = Client()
        expected = {b.guest_name for b in world.bookings[tenant]}
        try:
            for _ in range(15):
                got = guests(client.get(BOOKINGS, **world.auth(user, tenant)))
                if got != expected:
                    errors.append((tenant, got))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=args) for args in [("ann", A), ("ben", B)] * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# 11. work after the request (on_commit) runs with no tenant
def test_on_commit_work_runs_without_the_tenant(api, world, monkeypatch, settings):
    from bookings.api import views

    # a read in the request's transaction (a one-statement read has none: Django runs the hook at once)
    settings.TENANT_ONE_STATEMENT_READS = False

    seen = []
    original = views.WhoAmIApi.get

    def get(self, request):
        response = original(self, request)
        alias = TENANT_ALIAS

        def after_commit():
            seen.append(
                raw_tenant_sql(
                    "SELECT coalesce(current_setting('app.current_tenant_id', true), ''), "
                    "(SELECT count(*) FROM bookings)"
                )
            )

        transaction.on_commit(after_commit, using=alias)
        return response

    monkeypatch.setattr(views.WhoAmIApi, "get", get)
    assert api.get("/api/whoami/", **world.auth("ann", A)).status_code == 200
    assert seen == [[("", 0)]]


def test_tenant_models_outside_any_scope_fail_closed(world, db_access):
    from bookings.models import Booking

    with pytest.raises(TenantContextError, match="is tenant data"):
        list(Booking.objects.all())


# 12. a transaction id from elsewhere is refused (clients never supply one): covered by the emulator conformance
# suite (test_transaction_id_is_bound_to_the_secret_that_began_it); here: a finished request's transaction is gone
def test_request_transaction_is_closed_after_the_response(api, world):
    connection = connections[TENANT_ALIAS]
    api.get(BOOKINGS, **world.auth("ann", A))
    assert connection.in_atomic_block is False
    if connection.settings_dict["ENGINE"] == "dataapi_backend" and connection.connection is not None:
        assert connection.connection.transaction_id is None
