"""/health in each state: ok, degraded (RLS audit finding), unavailable (database unreachable → 503)."""

import pytest
from django.db import connections

from operations import health
from tenants import audit
from tenants.aliases import TENANT_ALIAS


@pytest.fixture(autouse=True)
def fresh_cache():
    health._cache.clear()
    yield
    health._cache.clear()


TOKEN = "health-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def health_token(settings):
    settings.HEALTH_TOKEN = TOKEN


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_health_ok(client, settings):
    response = client.get("/health", HTTP_X_HEALTH_TOKEN=TOKEN)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == "0.1.0"
    assert body["database"]["adapter"] == settings.TENANT_DATABASE_ADAPTER
    assert set(body["database"]["aliases"]) >= {"default", "tenant"}
    assert all(a["reachable"] is True and a["latency_ms"] >= 0 for a in body["database"]["aliases"].values())
    assert body["migrations"] == {"applied": True, "pending": 0}
    assert body["rls"] == {"ok": True, "findings": 0, "tables": 4}
    text = response.content.decode()
    assert "PASSWORD" not in text.upper() and "secret" not in text.lower() and "arn:" not in text
    assert response.headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_health_503_on_an_rls_finding(client, monkeypatch):
    """A load balancer must pull an instance that would serve tenants without isolation."""

    monkeypatch.setattr(audit, "audit", lambda using="default": [audit.Finding("rls-disabled", "entities")])
    response = client.get("/health", HTTP_X_HEALTH_TOKEN=TOKEN)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unsafe" and body["rls"] == {"ok": False, "findings": 1, "tables": 4}
    assert client.get("/health").json() == {"status": "unsafe"}


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_anonymous_callers_see_the_status_only(client):
    for headers in ({}, {"HTTP_X_HEALTH_TOKEN": "wrong"}):
        response = client.get("/health", **headers)
        assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_staff_sessions_see_the_details(client, django_user_model):
    staff = django_user_model.objects.create_user("health-staff", password="x" * 20, is_staff=True)
    client.force_login(staff)
    assert "database" in client.get("/health").json()


def test_health_503_when_a_database_is_unreachable(client, settings, django_db_blocker):
    # no test transaction here: the connection is closed and re-pointed, which an atomic block would not allow
    django_db_blocker.unblock()
    alias = TENANT_ALIAS
    connection = connections[alias]
    original = dict(connection.settings_dict)
    connection.close()
    if connection.settings_dict["ENGINE"] == "dataapi_backend":
        connection.settings_dict["OPTIONS"] = {
            **original["OPTIONS"],
            "endpoint_url": "http://127.0.0.1:9",
            "retry_max_attempts": 1,
        }
    else:
        connection.settings_dict["PORT"] = "9"
    try:
        response = client.get("/health", HTTP_X_HEALTH_TOKEN=TOKEN)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
        django_db_blocker.restore()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["aliases"][alias]["reachable"] is False
    assert body["database"]["aliases"][alias]["error"] == "OperationalError"


def test_health_refuses_other_methods(client):
    assert client.post("/health").status_code == 405
