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


# -- the fault matrix: each step of a request × each method ----------------------------------------------------
STEPS = {
    # the Data API transaction cannot begin (retries exhausted)
    "begin": {"operation": "BeginTransaction", "error": "ServiceUnavailableError", "count": 50},
    # the first statement, entering the tenant
    "enter": {"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1},
    # the view's first query (after the enter)
    "query": {"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1, "skip": 1},
    # the commit fails before it ran
    "commit": {"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1},
    # the commit ran, its response was lost
    "commit-lost": {"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1,
                    "after": True},
}
METHODS = ["list", "item", "post", "patch", "delete"]


@pytest.fixture
def victim(db_access):
    """A row of its own for item/patch/delete, recreated for every case."""
    with trusted_scope():
        entity = Entity.objects.create(tenant_id=A, entity_type="venue", name="Matrix Victim", created_by="t")
    yield entity
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name__startswith="Matrix").delete()


def call(api, world, method: str, victim):
    auth = world.auth("ann", A)
    item = f"/api/entities/{victim.pk}/"
    return {
        "list": lambda: api.get("/api/entities/", **auth),
        "item": lambda: api.get(item, **auth),
        "post": lambda: api.post("/api/entities/", {"name": "Matrix New", "entity_type": "venue"},
                                 content_type="application/json", **auth),
        "patch": lambda: api.patch(item, {"name": "Matrix Renamed"}, content_type="application/json", **auth),
        "delete": lambda: api.delete(item, **auth),
    }[method]()


def state() -> set[str]:
    with trusted_scope():
        return set(Entity.objects.filter(tenant_id=A, name__startswith="Matrix").values_list("name", flat=True))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("step", list(STEPS))
def test_fault_matrix(api, world, faults, victim, step, method):
    faults(rules=[STEPS[step]])
    response = call(api, world, method, victim)
    assert response["Content-Type"] == "application/json" and response["X-Request-Id"]
    body = response.json()
    assert set(body) == {"message", "code", "extra"}, body
    writes = method in ("post", "patch", "delete")
    committed_anyway = step == "commit-lost" and writes
    if step in ("commit", "commit-lost") and writes:
        assert (response.status_code, body["code"]) == (502, "commit_outcome_unknown")
        assert body["extra"] == {"retryable": False}
    else:
        assert (response.status_code, body["code"]) == (503, "database_unavailable")
        assert body["extra"] == {"retryable": True}
    expected = {"list": {"Matrix Victim"}, "item": {"Matrix Victim"},
                "post": {"Matrix Victim", "Matrix New"} if committed_anyway else {"Matrix Victim"},
                "patch": {"Matrix Renamed"} if committed_anyway else {"Matrix Victim"},
                "delete": set() if committed_anyway else {"Matrix Victim"}}[method]
    assert state() == expected  # never partial: all of the write or none of it

