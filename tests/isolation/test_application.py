"""Isolation at the application and the admin: the trusted path only for staff, tenant credentials refused there,
audit commands, trusted upstream headers only when configured, browser sessions with a tenant header."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from tenants.context import TenantContextError
from tests.support import PASSWORD, A, B, transport


# 27. non-staff users and tenant credentials cannot reach the admin
def test_admin_refuses_tenant_credentials_and_non_staff(api, world):
    response = api.get("/admin/bookings/booking/", **world.auth("ann", A))
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]
    response = api.get("/admin/bookings/booking/", **world.token_auth("ann@A"))
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]
    assert api.login(username="iso-ann", password=PASSWORD)
    response = api.get("/admin/bookings/booking/")
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]


def test_staff_sees_every_tenant_on_the_trusted_path_and_edits(api, world):
    assert api.login(username="iso-staff", password=PASSWORD)
    listing = api.get("/admin/bookings/booking/?q=Guest")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Alpha Guest 0" in body and "Beta Guest 0" in body
    booking = world.bookings[B][1]
    page = api.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200
    form = {
        "property": str(booking.property_id),
        "room": str(booking.room_id),
        "guest_name": "Beta Guest 1 (edited)",
        "guest_email": booking.guest_email,
        "check_in": "2026-01-02",
        "check_out": "2026-01-04",
        "party_size": 1,
        "status": "confirmed",
        "total_amount": "100.00",
        "metadata": "{}",
    }
    response = api.post(f"/admin/bookings/booking/{booking.pk}/change/", form)
    try:
        assert response.status_code == 302
        from django.contrib.admin.models import LogEntry

        entry = LogEntry.objects.filter(object_id=str(booking.pk)).latest("action_time")
        assert entry.user.username == "iso-staff" and "Guest name" in entry.get_change_message()
    finally:
        api.post(
            f"/admin/bookings/booking/{booking.pk}/change/",
            {**form, "guest_name": booking.guest_name, "status": booking.status},
        )
    # the admin used the trusted alias, never the tenant one
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == ("hospitality_admin",)


# 28. admin work then a tenant request in the same worker: the tenant request has its own transaction and role
def test_admin_then_tenant_request_in_the_same_worker(api, world):
    assert api.login(username="iso-staff", password=PASSWORD)
    assert api.get("/admin/bookings/booking/").status_code == 200
    api.logout()
    response = api.get("/api/whoami/", **world.auth("ben", B))
    assert response.json()["tenant_id"] == B
    response = api.get("/api/bookings/", **world.auth("ben", B))
    assert {b["guest_name"] for b in response.json()["results"]} == {b.guest_name for b in world.bookings[B]}


# 29. responses are private to who asked
def test_responses_are_not_shared_caches(api, world):
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in response.headers["Vary"] and "X-Tenant-Id" in response.headers["Vary"]


# 30. error bodies never echo the database's detail
def test_errors_do_not_echo_database_detail(api, world):
    hotel = str(world.entities[A].pk)
    response = api.post(
        "/api/bookings/",
        {"property": hotel, "room": hotel, "guest_name": "x", "check_in": "2026-03-02", "check_out": "2026-03-01"},
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"check_out": ["Check-out must be after check-in."]}
    duplicate = api.post(
        "/api/entities/",
        {"name": world.entities[A].name, "entity_type": "hotel"},
        content_type="application/json",
        **world.auth("ann", A),
    )
    text = duplicate.content.decode()
    assert duplicate.status_code == 409
    assert "entities_tenant_name_unique" not in text and world.entities[A].name not in text and "DETAIL" not in text


# 31. a command or job with no tenant: refusal, never the last tenant
def test_code_without_a_tenant_is_refused(api, world):
    from bookings.models import Booking

    assert api.get("/api/bookings/", **world.auth("ann", A)).status_code == 200
    with pytest.raises(TenantContextError):
        Booking.objects.count()


def test_rls_verify_command_passes_and_fails_with_a_report(world, db_access, capsys):
    call_command("rls_verify")
    assert "RLS audit passed: 4 tenant tables" in capsys.readouterr().out
    import os

    import psycopg

    with psycopg.connect(
        os.environ["OWNER_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute("ALTER TABLE entities DISABLE ROW LEVEL SECURITY")
        try:
            with pytest.raises(CommandError, match="RLS audit failed: 1 finding"):
                call_command("rls_verify")
            assert "[rls-disabled] entities: ROW LEVEL SECURITY is not enabled" in capsys.readouterr().err
            from django.core.checks import run_checks

            errors = run_checks(databases=["default"], include_deployment_checks=True)
            assert [e.id for e in errors if e.id.startswith("tenants.E1")] == ["tenants.E102"]  # rls-disabled
        finally:
            conn.execute("ALTER TABLE entities ENABLE ROW LEVEL SECURITY")


def test_trusted_headers_only_when_the_setting_says_so(api, world, settings):
    headers = {"HTTP_X_TENANT_ID": A, "HTTP_X_USER_ID": str(world.users["ann"].pk)}
    assert api.get("/api/whoami/", **headers).status_code == 401
    settings.TRUST_UPSTREAM_TENANT_HEADERS = True
    assert api.get("/api/whoami/", **headers).json()["tenant_id"] == A
    assert api.get("/api/whoami/", HTTP_X_TENANT_ID=A).status_code == 401


def test_browser_session_with_tenant_header(api, world):
    assert api.login(username="iso-ann", password=PASSWORD)
    assert api.get("/api/whoami/").status_code == 401  # logged in, but which tenant?
    assert api.get("/api/whoami/", HTTP_X_TENANT_ID=A).json() == {
        "tenant_id": A,
        "user_id": str(world.users["ann"].pk),
        "role": "owner",
        "transport": transport(),
    }
    assert api.get("/api/whoami/", HTTP_X_TENANT_ID=B).status_code == 403


def test_api_token_authenticates_in_the_same_statement_as_the_context(api, world, tenant_calls):
    with tenant_calls() as calls:
        response = api.get("/api/whoami/", **world.token_auth("ben@B"))
    assert response.json() == {
        "tenant_id": B,
        "user_id": str(world.users["ben"].pk),
        "role": "owner",
        "transport": transport(),
    }
    if calls.calls is not None:  # Data API: the read is one statement, the token checked by its entering
        assert calls.calls == {"ExecuteStatement": 1}
    assert api.get("/api/whoami/", HTTP_AUTHORIZATION="Token hsp_not-a-real-token").status_code == 401


def test_an_unexpected_error_is_a_logged_json_500_with_a_request_id(api, world, monkeypatch, caplog):
    from bookings.api import views

    monkeypatch.setattr(views.BookingCollectionApi, "select", lambda **kw: 1 / 0)
    api.raise_request_exception = False
    response = api.get("/api/bookings/", HTTP_X_REQUEST_ID="client-req-12345", **world.auth("ann", A))
    assert response.status_code == 500 and response["X-Request-Id"] == "client-req-12345"
    assert response.json() == {
        "message": "Internal server error; it has been logged.",
        "code": "server_error",
        "extra": {},
    }
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert logged and logged[0].request_id == "client-req-12345" and logged[0].exc_info


def test_every_response_has_a_request_id(api):
    first, second = api.get("/health")["X-Request-Id"], api.get("/health")["X-Request-Id"]
    assert first != second and len(first) == 32
    assert api.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-Id"] != "bad id with spaces"


def test_no_html_under_the_api(api, world):
    for response, status, code in [
        (api.get("/api/bookings/not-a-uuid/", **world.auth("ann", A)), 404, "not_found"),
        (api.get("/api/nowhere/", **world.auth("ann", A)), 404, "not_found"),
    ]:
        assert response.status_code == status and response["Content-Type"] == "application/json"
        assert response.json() == {"message": "Not Found.", "code": code, "extra": {}}
