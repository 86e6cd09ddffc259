"""Fault handling end to end (HTTP → middleware → backend → emulator with injected faults): retried within budget
where safe, otherwise a clean 503 with a retryable hint and never a partial write."""

import pytest
from django.conf import settings

from bookings.models import Entity
from tenants.context import trusted_scope
from tests.emulator_control import EmulatorControl

from .conftest import A

pytestmark = [pytest.mark.emulator_only, pytest.mark.data_api_only]


@pytest.fixture
def faults(db_access):
    control = EmulatorControl(settings.DATABASES["tenant"]["OPTIONS"]["endpoint_url"])
    yield control.faults
    control.clear_faults()


def entity_count(name: str) -> int:
    with trusted_scope():
        return Entity.objects.filter(tenant_id=A, name=name).count()


def test_throttling_and_resuming_are_retried_within_budget(api, world, faults):
    faults(rules=[{"operation": "BeginTransaction", "error": "DatabaseResumingException", "count": 2},
                  {"operation": "ExecuteStatement", "error": "ThrottlingException", "count": 2}])
    response = api.post("/api/entities/", {"name": "After Retries", "entity_type": "venue"},
                        content_type="application/json", **world.auth("ann", A))
    assert response.status_code == 201
    assert entity_count("After Retries") == 1  # exactly once: no duplicated write
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="After Retries").delete()


def test_expired_transaction_is_a_clean_503_and_nothing_is_written(api, world, faults):
    # the INSERT (third ExecuteStatement after enter) finds its transaction gone, as after the idle timeout
    faults(rules=[{"operation": "ExecuteStatement", "error": "TransactionNotFoundException", "count": 1}])
    response = api.post("/api/entities/", {"name": "Never Half Written", "entity_type": "venue"},
                        content_type="application/json", **world.auth("ann", A))
    assert response.status_code == 503
    assert response.json() == {"message": "The database is temporarily unavailable; nothing was saved. Retry the "
                                          "request.", "code": "database_unavailable", "extra": {"retryable": True}}
    assert response.headers["Retry-After"] == "2"
    assert entity_count("Never Half Written") == 0


def test_throttling_past_the_budget_is_a_503(api, world, faults):
    faults(rules=[{"operation": "*", "error": "ThrottlingException"}])
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.status_code == 503 and response.json()["extra"] == {"retryable": True}
