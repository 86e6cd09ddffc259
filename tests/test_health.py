import pytest


@pytest.mark.django_db(databases=["default", "tenant"])
def test_health_reports_status_and_adapters(client, settings):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["adapter"] == settings.TENANT_DATABASE_ADAPTER
    assert set(body["database"]["aliases"]) == {"default", "tenant"}
    assert all(a["reachable"] is True for a in body["database"]["aliases"].values())
    assert "PASSWORD" not in response.content.decode().upper()


def test_health_refuses_other_methods(client):
    assert client.post("/health").status_code == 405
