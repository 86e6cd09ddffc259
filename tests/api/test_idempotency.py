"""`Idempotency-Key`: a retried write happens once, whatever failed in between — including a commit whose response
was lost (the emulator commits, then fails the response)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.db import close_old_connections

from bookings.models import Entity
from devstack.pg_proxy import proxied_alias
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tenants.models import IdempotencyKey
from tests.support import A, tenant_emulator


def created_named(prefix: str) -> list[str]:
    with trusted_scope():
        return list(Entity.objects.filter(tenant_id=A, name__startswith=prefix).values_list("name", flat=True))


@pytest.fixture
def cleanup(db_access):
    prefixes = []
    yield prefixes
    with trusted_scope():
        for prefix in prefixes:
            Entity.objects.filter(tenant_id=A, name__startswith=prefix).delete()
        IdempotencyKey.objects.filter(tenant_id=A).delete()


def post(api, world, name: str, key: str | None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        "/api/entities/",
        {"name": name, "entity_type": "venue", **extra},
        content_type="application/json",
        **headers,
        **world.auth(),
    )


def test_a_retry_with_the_same_key_replays_the_first_outcome(api, world, cleanup, tenant_calls):
    cleanup.append("Idem ")
    key = uuid.uuid4().hex
    with tenant_calls() as plain:
        assert post(api, world, "Idem Plain", None).status_code == 201
    with tenant_calls() as keyed:
        first = post(api, world, "Idem Once", key)
    assert first.status_code == 201
    if keyed.calls is not None:  # the key's cost: its claim and its outcome, in the same transaction
        assert plain.calls == {"BeginTransaction": 1, "ExecuteStatement": 2, "CommitTransaction": 1}
        assert keyed.calls == {"BeginTransaction": 1, "ExecuteStatement": 4, "CommitTransaction": 1}
    with tenant_calls() as calls:
        again = post(api, world, "Idem Once", key)
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert sorted(created_named("Idem ")) == ["Idem Once", "Idem Plain"]
    if calls.calls is not None:  # the replay: Begin, enter, the claim it lost, the stored outcome, Commit
        assert calls.calls == {"BeginTransaction": 1, "ExecuteStatement": 3, "CommitTransaction": 1}


def test_the_same_key_for_another_request_is_a_422(api, world, cleanup):
    cleanup.append("Idem ")
    key = uuid.uuid4().hex
    assert post(api, world, "Idem A", key).status_code == 201
    other = post(api, world, "Idem B", key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert created_named("Idem ") == ["Idem A"]


def test_a_failed_write_stores_nothing_so_its_retry_runs(api, world, cleanup):
    cleanup.append("Idem ")
    key = uuid.uuid4().hex
    bad = post(api, world, "Idem Bad", key, entity_type="spaceship")
    assert bad.status_code == 400
    assert post(api, world, "Idem Bad", key).status_code == 201


def test_keys_are_per_tenant_and_validated(api, world, cleanup):
    cleanup.append("Idem ")
    assert post(api, world, "Idem Key", "has spaces in it").status_code == 400
    with trusted_scope():
        assert not IdempotencyKey.objects.exclude(tenant_id=A).filter(key="has spaces in it").exists()


# The same faults on both transports: the emulator's rules on the Data API path, a wire proxy on the direct path.
DATA_API_FAULTS = {
    "lost-commit": {"operation": "CommitTransaction", "error": "InternalServerErrorException", "after": True},
    "failed-commit": {"operation": "CommitTransaction", "error": "TransactionNotFoundException"},
    "failed-statement": {"operation": "ExecuteStatement", "error": "InternalServerErrorException"},
    "failed-begin": {"operation": "BeginTransaction", "error": "ServiceUnavailableError"},
}
PG_FAULTS = {
    "lost-commit": {"sql": "COMMIT", "after": True},
    "failed-commit": {"sql": "COMMIT"},
    "failed-statement": {"sql": "SELECT"},
    "failed-begin": {"sql": "BEGIN"},
}


@pytest.fixture
def faults(db_access):
    """faults({name: rate or count}, seed=…): inject the named faults into the transport this run uses."""
    if settings.USE_DATA_API:
        control = tenant_emulator()

        def inject(spec: dict, seed: int | None = None):
            control.faults(seed=seed, rules=[{**DATA_API_FAULTS[name], **limit} for name, limit in spec.items()])

        yield inject
        control.clear_faults()
    else:
        with proxied_alias(TENANT_ALIAS, seed=7) as proxy:

            def inject(spec: dict, seed: int | None = None):
                for name, limit in spec.items():
                    proxy.fail(**{"count": None, **PG_FAULTS[name], **limit})

            yield inject


def test_a_lost_commit_response_is_safe_to_retry_with_a_key(api, world, cleanup, faults):
    cleanup.append("Idem Lost")
    faults({"lost-commit": {"count": 1}})
    key = uuid.uuid4().hex
    lost = post(api, world, "Idem Lost", key)
    assert lost.status_code == 502 and lost.json()["code"] == "commit_outcome_unknown"
    assert created_named("Idem Lost") == ["Idem Lost"]  # it did commit
    retried = post(api, world, "Idem Lost", key)
    assert retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert created_named("Idem Lost") == ["Idem Lost"]


def booked_guests(prefix: str) -> list[str]:
    from bookings.models import Booking

    with trusted_scope():
        return list(
            Booking.objects.filter(tenant_id=A, guest_name__startswith=prefix).values_list("guest_name", flat=True)
        )


@pytest.mark.parametrize("with_keys", [True, False])
def test_clients_retrying_every_error(api, world, db_access, faults, with_keys):
    """Every call may fail (a 5xx before or after the call, an expired transaction, a lost commit response); the
    client retries any non-2xx. With keys every intended booking lands exactly once; without keys a lost commit
    response turns into a duplicate booking (bookings have no natural unique key: what the README warns about)."""
    from bookings.models import Booking

    prefix = f"Idem Retry {'K' if with_keys else 'N'} "
    hotel = str(world.entities[A].pk)
    faults(
        {
            "lost-commit": {"rate": 0.25},
            "failed-commit": {"rate": 0.1},
            "failed-statement": {"rate": 0.05},
            "failed-begin": {"rate": 0.05},
        },
        seed=7,
    )
    names = [f"{prefix}{i:02d}" for i in range(20)]
    try:
        for name in names:
            headers = {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex} if with_keys else {}
            for _attempt in range(12):
                response = api.post(
                    "/api/bookings/",
                    {
                        "property": hotel,
                        "room": hotel,
                        "guest_name": name,
                        "check_in": "2027-10-01",
                        "check_out": "2027-10-02",
                    },
                    content_type="application/json",
                    **headers,
                    **world.auth(),
                )
                # what a server does after each request (Django's test client leaves it out): drop a connection
                # that failed and is unusable, so the next request opens a new one
                close_old_connections()
                if response.status_code < 300:
                    break
                assert response.status_code in (409, 502, 503), response.content
                assert response["Content-Type"] == "application/json"
            else:
                pytest.fail(f"{name}: never succeeded")
        landed = booked_guests(prefix)
        if with_keys:
            assert sorted(landed) == names  # 0 lost, 0 duplicated
        else:
            assert set(landed) == set(names) and len(landed) > len(names)  # nothing lost, but duplicates
    finally:
        with trusted_scope():
            Booking.objects.filter(tenant_id=A, guest_name__startswith=prefix).delete()
            IdempotencyKey.objects.filter(tenant_id=A).delete()


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_twins_in_flight_get_the_first_outcome_whatever_the_method(world, db_access, cleanup, method):
    """Several copies of one keyed request at once (a client that times out and resends while the first still
    runs): one writes, each of the others waits on the key's claim and replays its outcome — never a 404 for a row
    its own twin just deleted, never a 409 for its own request, never a second write."""
    import threading

    from django.db import connections
    from django.test import Client

    cleanup.append("Idem Twin")
    with trusted_scope():
        victim = Entity.objects.create(tenant_id=A, entity_type="venue", name="Idem Twin Victim", created_by="t")
    key, url = uuid.uuid4().hex, f"/api/entities/{victim.pk}/"
    send = {
        "post": lambda c: c.post(
            "/api/entities/",
            {"name": "Idem Twin New", "entity_type": "venue"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **world.auth(),
        ),
        "patch": lambda c: c.patch(
            url,
            {"name": "Idem Twin Renamed"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **world.auth(),
        ),
        "delete": lambda c: c.delete(url, HTTP_IDEMPOTENCY_KEY=key, **world.auth()),
    }[method]
    twins, start, answers = 4, threading.Barrier(4), []

    def twin():
        try:
            start.wait()
            response = send(Client())
            answers.append((response.status_code, response.get("Idempotent-Replayed")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=twin) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    success = {"post": 201, "patch": 200, "delete": 204}[method]
    # exactly one ran; each twin waited for it and replayed its outcome
    assert sorted(answers, key=str) == sorted([(success, None)] + [(success, "true")] * (twins - 1), key=str)
    expected = {"post": ["Idem Twin New", "Idem Twin Victim"], "patch": ["Idem Twin Renamed"], "delete": []}[method]
    assert sorted(created_named("Idem Twin")) == expected
