"""/health in each state: ok, degraded (RLS audit finding), unavailable (database unreachable → 503)."""

import pytest
from django.db import connections

from hospitality import health


@pytest.fixture(autouse=True)
def fresh_cache():
    health._cache.clear()
    yield
    health._cache.clear()


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_health_ok(client, settings):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == "0.1.0"
    assert body["database"]["adapter"] == settings.TENANT_DATABASE_ADAPTER
    assert set(body["database"]["aliases"]) >= {"default", "tenant"}
    assert all(a["reachable"] is True and a["latency_ms"] >= 0 for a in body["database"]["aliases"].values())
    assert body["migrations"] == {"applied": True, "pending": 0}
    assert body["rls"] == {"ok": True, "findings": 0, "tables": 3}
    text = response.content.decode()
    assert "PASSWORD" not in text.upper() and "secret" not in text.lower() and "arn:" not in text
    assert response.headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(databases=["default", "tenant", "tenant_pg"])
def test_health_degraded_on_an_rls_finding(client, monkeypatch):
    from tenants import rls

    monkeypatch.setattr(rls, "audit", lambda using="default": [rls.Finding("rls-disabled", "entities")])
    body = client.get("/health").json()
    assert body["status"] == "degraded" and body["rls"] == {"ok": False, "findings": 1, "tables": 3}


def test_health_503_when_a_database_is_unreachable(client, settings, django_db_blocker):
    # no test transaction here: the connection is closed and re-pointed, which an atomic block would not allow
    django_db_blocker.unblock()
    alias = settings.TENANT_DB_ALIAS
    connection = connections[alias]
    original = dict(connection.settings_dict)
    connection.close()
    if connection.settings_dict["ENGINE"] == "dataapi_backend":
        connection.settings_dict["OPTIONS"] = {**original["OPTIONS"], "endpoint_url": "http://127.0.0.1:9",
                                               "retry_max_attempts": 1}
    else:
        connection.settings_dict["PORT"] = "9"
    try:
        response = client.get("/health")
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
