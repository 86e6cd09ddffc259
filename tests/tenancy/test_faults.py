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


# -- failures after the view answered: the commit --------------------------------------------------------------
def test_a_failed_commit_of_a_read_is_a_retryable_503_in_the_api_shape(api, world, faults):
    faults(rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1}])
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable" and response.json()["extra"] == {"retryable": True}


def test_a_write_whose_commit_found_no_transaction_is_a_503_and_nothing_is_saved(api, world, faults):
    faults(rules=[{"operation": "CommitTransaction", "error": "TransactionNotFoundException", "count": 1}])
    response = api.post("/api/entities/", {"name": "Commit Expired", "entity_type": "venue"},
                        content_type="application/json", **world.auth("ann", A))
    assert response.status_code == 503 and response.json()["extra"] == {"retryable": True}
    assert entity_count("Commit Expired") == 0


def test_a_write_whose_commit_outcome_is_unknown_says_so(api, world, faults, caplog):
    faults(rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1}])
    response = api.post("/api/entities/", {"name": "Commit Unknown", "entity_type": "venue"},
                        content_type="application/json", **world.auth("ann", A))
    assert response.status_code == 502
    assert response.json()["code"] == "commit_outcome_unknown" and response.json()["extra"] == {"retryable": False}
    record = next(r for r in caplog.records if r.getMessage().startswith("request transaction failed to commit"))
    assert (record.tenant_id, record.aws_code, record.request_id) == (A, "InternalServerErrorException",
                                                                      response["X-Request-Id"])
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="Commit Unknown").delete()
