"""Fault handling end to end (HTTP → middleware → backend → the database with injected faults): retried within
budget where safe, otherwise the API's error shape with the right status, and never a partial write.

Faults are injected where a real deployment meets them: in the emulator on the Data API path (its fault rules), and
on the wire between psycopg and PostgreSQL on the direct path (devstack/pg_proxy.py)."""

import time

import pytest
from django.conf import settings

from bookings.models import Entity
from dataapi_emulator.control import EmulatorControl
from devstack.pg_proxy import proxied_alias
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tests.support import A, tenant_emulator


def data_api(test):
    """Faults only the Data API has (its throttling and transaction errors), injected by the emulator."""
    return pytest.mark.emulator_only(pytest.mark.data_api_only(test))


@pytest.fixture
def faults(db_access):
    control = tenant_emulator()
    yield control.faults
    control.clear_faults()


def post_venue(api, world, name: str):
    """ann creates a venue named `name` in tenant A through the API."""
    return api.post(
        "/api/entities/",
        {"name": name, "entity_type": "venue"},
        content_type="application/json",
        **world.auth("ann", A),
    )


def entity_count(name: str) -> int:
    with trusted_scope():
        return Entity.objects.filter(tenant_id=A, name=name).count()


@data_api
def test_throttling_and_resuming_are_retried_within_budget(api, world, faults):
    faults(
        rules=[
            {"operation": "BeginTransaction", "error": "DatabaseResumingException", "count": 2},
            {"operation": "ExecuteStatement", "error": "ThrottlingException", "count": 2},
        ]
    )
    response = post_venue(api, world, "After Retries")
    assert response.status_code == 201
    assert entity_count("After Retries") == 1  # exactly once: no duplicated write
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="After Retries").delete()


@data_api
def test_expired_transaction_is_a_clean_503_and_nothing_is_written(api, world, faults):
    # the INSERT (third ExecuteStatement after enter) finds its transaction gone, as after the idle timeout
    faults(rules=[{"operation": "ExecuteStatement", "error": "TransactionNotFoundException", "count": 1}])
    response = post_venue(api, world, "Never Half Written")
    assert response.status_code == 503
    assert response.json() == {
        "message": "The database is temporarily unavailable; nothing was saved. Retry the request.",
        "code": "database_unavailable",
        "extra": {"retryable": True},
    }
    assert response.headers["Retry-After"] == "2"
    assert entity_count("Never Half Written") == 0


@data_api
def test_throttling_past_the_budget_is_a_503(api, world, faults):
    faults(rules=[{"operation": "*", "error": "ThrottlingException"}])
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.status_code == 503 and response.json()["extra"] == {"retryable": True}


# -- failures after the view answered: the commit --------------------------------------------------------------
@data_api
def test_a_failed_commit_of_a_read_is_a_retryable_503_in_the_api_shape(api, world, faults, settings):
    settings.TENANT_ONE_STATEMENT_READS = False  # a read in a transaction (one statement has no commit)
    faults(rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1}])
    response = api.get("/api/bookings/", **world.auth("ann", A))
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable" and response.json()["extra"] == {"retryable": True}


@data_api
def test_a_write_whose_commit_found_no_transaction_is_a_503_and_nothing_is_saved(api, world, faults):
    faults(rules=[{"operation": "CommitTransaction", "error": "TransactionNotFoundException", "count": 1}])
    response = post_venue(api, world, "Commit Expired")
    assert response.status_code == 503 and response.json()["extra"] == {"retryable": True}
    assert entity_count("Commit Expired") == 0


@data_api
def test_a_commit_that_failed_but_could_be_rolled_back_saved_nothing(api, world, faults):
    """The commit's 5xx alone says nothing; the rollback that follows does: it found the transaction, so the commit
    did not happen and the client may simply retry."""
    faults(rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1}])
    response = post_venue(api, world, "Commit Refused")
    assert response.status_code == 503 and response.json()["code"] == "database_unavailable"
    assert response.json()["extra"] == {"retryable": True} and entity_count("Commit Refused") == 0


@data_api
def test_a_write_whose_commit_outcome_is_unknown_says_so(api, world, faults, caplog):
    """The commit ran and its answer was lost: the rollback finds no transaction, and nobody can tell."""
    faults(
        rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1, "after": True}]
    )
    response = post_venue(api, world, "Commit Unknown")
    assert response.status_code == 502
    assert response.json()["code"] == "commit_outcome_unknown" and response.json()["extra"] == {"retryable": False}
    record = next(r for r in caplog.records if r.getMessage().startswith("request transaction failed to commit"))
    assert (record.tenant_id, record.aws_code, record.request_id) == (
        A,
        "InternalServerErrorException",
        response["X-Request-Id"],
    )
    assert record.outcome == "unknown"
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="Commit Unknown").delete()


# -- the fault matrix: each step of a request × each method, on both transports --------------------------------
DATA_API_STEPS = {
    # the Data API transaction cannot begin (retries exhausted)
    "begin": {"operation": "BeginTransaction", "error": "ServiceUnavailableError", "count": 50},
    # the first statement, entering the tenant
    "enter": {"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1},
    # the view's first query (after the enter)
    "query": {"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1, "skip": 1},
    # the commit fails before it ran
    "commit": {"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1},
    # the commit ran, its response was lost
    "commit-lost": {
        "operation": "CommitTransaction",
        "error": "InternalServerErrorException",
        "count": 1,
        "after": True,
    },
    # RollbackTransaction is retried (it cannot duplicate work): fail it past the retry budget
    "rollback": {"operation": "RollbackTransaction", "error": "InternalServerErrorException", "count": 50},
}
# The same steps on the wire of the direct path: the connection is cut at that statement, or (commit-lost) right
# after the server ran it, before its answer reaches psycopg.
PG_STEPS = {
    "begin": {"sql": "BEGIN"},
    "enter": {"sql": "enter_tenant"},
    "query": {"sql": "", "skip": 2},  # BEGIN, the enter, then the view's first statement
    "commit": {"sql": "COMMIT"},
    "commit-lost": {"sql": "COMMIT", "after": True},
    "rollback": {"sql": "ROLLBACK"},
}
METHODS = ["list", "item", "post", "patch", "delete"]


def expire_abandoned_transactions(control: EmulatorControl) -> None:
    """A transaction whose rollback failed lingers, with its locks, until the Data API's idle timeout: let it expire
    now, as it would after three idle minutes, instead of blocking the tests that follow."""
    saved = control.config()
    control.config(transaction_idle_timeout=0.2, reaper_interval=0.05)
    deadline = time.monotonic() + 10
    while control.stats()["open_transactions"] and time.monotonic() < deadline:
        time.sleep(0.05)
    control.config(transaction_idle_timeout=saved["transaction_idle_timeout"], reaper_interval=saved["reaper_interval"])


@pytest.fixture
def inject(db_access):
    """inject(step): make that step of the next tenant request fail, on the transport this run uses."""
    if settings.USE_DATA_API:
        control = tenant_emulator()
        yield lambda step: control.faults(rules=[DATA_API_STEPS[step]])
        control.clear_faults()
        expire_abandoned_transactions(control)
    else:
        with proxied_alias(TENANT_ALIAS) as proxy:
            yield lambda step: proxy.fail(**PG_STEPS[step])


@pytest.fixture
def victim(db_access):
    """A row of its own for item/patch/delete, recreated for every case."""
    with trusted_scope():
        entity = Entity.objects.create(tenant_id=A, entity_type="venue", name="Matrix Victim", created_by="t")
    yield entity
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name__startswith="Matrix").delete()


def call(api, world, method: str, item_id):
    auth = world.auth("ann", A)
    item = f"/api/entities/{item_id}/"
    return {
        "list": lambda: api.get("/api/entities/", **auth),
        "item": lambda: api.get(item, **auth),
        "post": lambda: api.post(
            "/api/entities/", {"name": "Matrix New", "entity_type": "venue"}, content_type="application/json", **auth
        ),
        "patch": lambda: api.patch(item, {"name": "Matrix Renamed"}, content_type="application/json", **auth),
        "delete": lambda: api.delete(item, **auth),
    }[method]()


def state() -> set[str]:
    with trusted_scope():
        return set(Entity.objects.filter(tenant_id=A, name__startswith="Matrix").values_list("name", flat=True))


def api_error(response) -> dict:
    assert response["Content-Type"] == "application/json" and response["X-Request-Id"]
    body = response.json()
    assert set(body) == {"message", "code", "extra"}, body
    return body


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("step", ["begin", "enter", "query", "commit", "commit-lost"])
def test_fault_matrix(api, world, inject, victim, step, method, settings):
    # every step of a transaction, reads included (a read in one statement: test_a_one_statement_read_...)
    settings.TENANT_ONE_STATEMENT_READS = False
    inject(step)
    response = call(api, world, method, victim.pk)
    body = api_error(response)
    writes = method in ("post", "patch", "delete")
    committed_anyway = step == "commit-lost" and writes
    # a COMMIT that failed without an answer may have run: the client must not assume either way. On the Data API
    # a commit refused before it ran is told apart by the rollback that follows (it finds the transaction); a cut
    # direct connection leaves no way to ask.
    if writes and (step == "commit-lost" or (step == "commit" and not settings.USE_DATA_API)):
        assert (response.status_code, body["code"]) == (502, "commit_outcome_unknown")
        assert body["extra"] == {"retryable": False}
    else:
        assert (response.status_code, body["code"]) == (503, "database_unavailable")
        assert body["extra"] == {"retryable": True}
    expected = {
        "list": {"Matrix Victim"},
        "item": {"Matrix Victim"},
        "post": {"Matrix Victim", "Matrix New"} if committed_anyway else {"Matrix Victim"},
        "patch": {"Matrix Renamed"} if committed_anyway else {"Matrix Victim"},
        "delete": set() if committed_anyway else {"Matrix Victim"},
    }[method]
    assert state() == expected  # never partial: all of the write or none of it


# -- a read in one statement: no transaction, retried as a whole ----------------------------------------------
@data_api
@pytest.mark.parametrize("method", ["list", "item"])
def test_a_one_statement_read_is_retried_then_a_503(api, world, faults, victim, method):
    """A read sent as one statement runs outside any transaction: a failure is retried (nothing can be duplicated),
    and past the retry budget it is a retryable 503 in the API's shape, never a partial answer."""
    faults(rules=[{"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1}])
    assert call(api, world, method, victim.pk).status_code == 200
    faults(rules=[{"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 50}])
    response = call(api, world, method, victim.pk)
    body = api_error(response)
    assert (response.status_code, body["code"], body["extra"]) == (503, "database_unavailable", {"retryable": True})
    assert "Matrix Victim" not in response.content.decode()


MISSING = "00000000-0000-7000-8000-000000000000"
# Requests that fail with a client error after querying, so their transaction rolls back.
REFUSED = {
    "list": (lambda api, auth: api.get("/api/entities/?page=999", **auth), 404),
    "item": (lambda api, auth: api.get(f"/api/entities/{MISSING}/", **auth), 404),
    "post": (
        lambda api, auth: api.post(
            "/api/bookings/",
            {
                "property": MISSING,
                "room": MISSING,
                "guest_name": "Matrix Guest",
                "guest_email": "m@example.com",
                "check_in": "2026-05-01",
                "check_out": "2026-05-02",
                "total_amount": "10.00",
            },
            content_type="application/json",
            **auth,
        ),
        400,
    ),
    "patch": (
        lambda api, auth: api.patch(
            f"/api/entities/{MISSING}/", {"name": "Matrix X"}, content_type="application/json", **auth
        ),
        404,
    ),
    "delete": (lambda api, auth: api.delete(f"/api/entities/{MISSING}/", **auth), 404),
}


@pytest.mark.parametrize("method", METHODS)
def test_a_failed_rollback_keeps_the_client_error(api, world, inject, victim, method):
    inject("rollback")
    request, status = REFUSED[method]
    response = request(api, world.auth("ann", A))
    body = api_error(response)
    # nothing was written either way, so the answer to the request stands (a retry would meet the same refusal);
    # Django drops the connection whose rollback failed, and the next request gets a working one
    assert response.status_code == status and body["extra"].get("retryable") is None, body
    assert state() == {"Matrix Victim"}
    assert call(api, world, "item", victim.pk).status_code == 200


@data_api
@pytest.mark.parametrize(
    "cause, status, code",
    [
        # the Data API lost its connection to PostgreSQL mid-statement: no SQLSTATE (a killed backend, a failover)
        ("ERROR: server closed the connection unexpectedly", 503, "database_unavailable"),
        # the server ended the session (57P01): the transaction is gone with it
        ("ERROR: terminating connection due to administrator command; SQLState: 57P01", 503, "database_unavailable"),
    ],
)
def test_a_lost_database_connection_is_a_retryable_503_never_a_500(cause, status, code):
    """Read through Django's error wrapper and the API's exception handler, as a view meets it: the request's
    transaction is rolled back, so whatever the statement's own fate, nothing was committed."""
    from django.db import connections
    from rest_framework.test import APIRequestFactory

    from dataapi_backend.dbapi import errors as driver_errors
    from hospitality.errors import exception_handler

    request = APIRequestFactory().get("/api/entities/")
    with pytest.raises(Exception) as caught, connections[TENANT_ALIAS].wrap_database_errors:
        raise driver_errors.from_database_error(cause)
    response = exception_handler(caught.value, {"request": request, "view": None})
    assert (response.status_code, response.data["code"]) == (status, code)
    assert response.data["extra"] == {"retryable": True}


# -- the unit of work loses its transaction under the view --------------------------------------------------------
@pytest.fixture
def after_entity_saved():
    """Runs `fn(entity)` right after an Entity is saved, inside the request's transaction: how code the project did
    not write (a signal receiver, a library) can end or replace the transaction under a view that then answers."""
    from django.db.models.signals import post_save

    installed = []

    def install(fn):
        def receiver(sender, instance, **kwargs):
            fn(instance)

        post_save.connect(receiver, sender=Entity, weak=False)
        installed.append(receiver)

    yield install
    for receiver in installed:
        post_save.disconnect(receiver, sender=Entity)


def test_a_connection_closed_under_the_unit_of_work_is_never_a_success(api, world, after_entity_saved):
    """Over the Data API the close is refused where it happens; over psycopg Django closes it and marks the block for
    rollback, and the unit finds its transaction gone at its end. Either way: 503, retryable, nothing saved."""
    from django.db import connections

    from operations import telemetry

    after_entity_saved(lambda entity: connections[TENANT_ALIAS].close())
    lost_before = telemetry.requests.units_lost
    response = post_venue(api, world, "Closed Under The View")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable" and response.json()["extra"]["retryable"] is True
    assert entity_count("Closed Under The View") == 0
    assert telemetry.requests.units_lost == lost_before + 1  # logged and counted (an alarm watches it)
    # the process serves its next request
    assert api.get("/api/entities/", **world.auth("ann", A)).status_code == 200


@data_api
def test_a_transaction_replaced_under_the_unit_of_work_is_502(api, world, after_entity_saved):
    """A driver-level commit inside the view (the transaction ends, the next statement begins another): what ran
    before it is saved, what ran after is not, so the outcome is unknown and the client is told so."""
    from django.db import connections

    from operations import telemetry

    def commit_underneath(entity):
        connections[TENANT_ALIAS].connection.commit()
        Entity.objects.filter(pk=entity.pk).exists()  # the next statement, in a transaction of its own

    after_entity_saved(commit_underneath)
    lost_before = telemetry.requests.units_lost
    response = post_venue(api, world, "Replaced Under The View")
    assert response.status_code == 502, response.content
    assert response.json()["code"] == "commit_outcome_unknown"
    assert telemetry.requests.units_lost == lost_before + 1
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="Replaced Under The View").delete()
    assert api.get("/api/entities/", **world.auth("ann", A)).status_code == 200


@data_api
def test_a_failure_to_ask_the_once_per_process_questions_is_that_requests_error(api, world, faults):
    """A fresh process asks the server's version and time zone as its connection opens; when that call fails the
    request that needed it gets 503 with its outcome (nothing was sent into a transaction), and the next request,
    the database answering again, is served: the process is not left with a closed connection."""
    from django.db import connections

    from dataapi_backend.dbapi import connection as driver

    connections[TENANT_ALIAS].close()
    driver._server_facts.clear()  # as in a process that never asked
    faults(rules=[{"operation": "ExecuteStatement", "error": "ThrottlingException", "count": 100}])
    response = post_venue(api, world, "Asked Once Failed")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable"
    tenant_emulator().clear_faults()
    assert entity_count("Asked Once Failed") == 0
    assert post_venue(api, world, "Asked Once Answered").status_code == 201
    assert entity_count("Asked Once Answered") == 1
    with trusted_scope():
        Entity.objects.filter(tenant_id=A, name="Asked Once Answered").delete()


def test_a_tenant_unit_of_work_never_begins_inside_another_block(world, db_access):
    """Code that opened an atomic block on the tenant alias (whatever ran under the connection's wrappers) would own
    the transaction a tenant unit answers for: the unit refuses to begin rather than commit nothing."""
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    from tenants.context import TenantContext, tenant_block

    with transaction.atomic(using=TENANT_ALIAS):
        with pytest.raises(TransactionManagementError, match="must begin its own transaction"):
            with tenant_block(TenantContext(A, str(world.users["ann"].pk), "owner")):
                pass
