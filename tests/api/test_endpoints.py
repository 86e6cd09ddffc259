"""The tenant API, endpoint by endpoint: behaviour, queries per request, and Data API calls: one per query for a
read (each sent as one statement with the entering), queries + 3 for a write (Begin, enter, queries, Commit)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, Entity, TenantRelationship
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tests.adopted import adopted_booking
from tests.support import A


@pytest.fixture
def measure(tenant_calls):
    """Run one request; return (response, queries the view ran, Data API calls or None)."""

    def run(call):
        with CaptureQueriesContext(connections[TENANT_ALIAS]) as captured, tenant_calls() as calls:
            response = call()
        # Django logs BEGIN/COMMIT/ROLLBACK too; the view's queries are the rest
        queries = [
            q
            for q in captured
            if q["sql"] not in ("BEGIN", "COMMIT", "ROLLBACK") and "app.enter_tenant" not in q["sql"]
        ]
        if calls.total == 0:
            assert not queries  # refused before any query: no transaction was begun
        elif calls.total is not None and response.wsgi_request.method == "GET":
            # each read is one statement with its entering: one call, no transaction
            assert calls.calls == {"ExecuteStatement": len(queries)}, calls.calls
        elif calls.total is not None:
            assert (
                calls.calls.get("BeginTransaction") == 1
                and calls.calls.get("CommitTransaction", 0) + calls.calls.get("RollbackTransaction", 0) == 1
            )
            # Begin + enter + the view's queries + Commit
            assert calls.total == len(queries) + 3, (calls.calls, [q["sql"] for q in queries])
        return response, len(queries)

    return run


@pytest.fixture
def cleanup():
    created = []
    yield created
    with trusted_scope():
        for model, pk in reversed(created):
            model.objects.filter(pk=pk).delete()


@pytest.mark.parametrize(
    "path, expected_queries",
    [
        ("/api/entities/", 1),
        ("/api/bookings/", 1),
        ("/api/relationships/", 1),
        ("/api/whoami/", 1),
    ],
)
def test_list_endpoints_count_queries(api, world, measure, path, expected_queries):
    response, queries = measure(lambda: api.get(path, **world.auth()))
    assert response.status_code == 200
    assert queries == expected_queries  # the page with its total, joins up front (no N+1)


@pytest.mark.parametrize(
    "query, status, count, names, queries",
    [
        ("page=1", 200, 3, ["Alpha Guest 0", "Alpha Guest 1"], 1),
        ("page=2", 200, 3, ["Alpha Guest 2"], 1),
        ("page=3", 404, None, None, 2),  # past the end: counted to say so
        ("page=0", 404, None, None, 0),
        ("page=two", 404, None, None, 0),
        ("page=last", 200, 3, ["Alpha Guest 2"], 2),  # DRF counts to find the last page
        ("page=1&guest_email=nobody@alpha.example", 200, 0, [], 1),
        ("page=1&check_in_from=2026-01-02", 200, 2, ["Alpha Guest 1", "Alpha Guest 2"], 1),  # counted with the filters
    ],
)
def test_a_page_carries_its_total(api, world, measure, query, status, count, names, queries):
    """The page's rows carry the total: one query where Django's paginator makes two."""
    response, ran = measure(lambda: api.get(f"/api/bookings/?ordering=check_in&page_size=2&{query}", **world.auth()))
    assert response.status_code == status, response.content
    assert ran == queries
    if status == 200:
        body = response.json()
        assert body["count"] == count and [b["guest_name"] for b in body["results"]] == names
        assert bool(body["next"]) == (query == "page=1") and bool(body["previous"]) == (
            query in ("page=2", "page=last")
        )


def test_the_total_is_counted_apart_from_the_pages_joins(api, world):
    """The total is an uncorrelated count of the filtered bookings alone, which the database runs once, not a window
    over the joined rows (that makes it join and sort every matching row before it can take the page)."""
    with CaptureQueriesContext(connections[TENANT_ALIAS]) as captured:
        response = api.get("/api/bookings/?status=pending&ordering=check_in", **world.auth())
    assert response.status_code == 200 and response.json()["count"] == 3
    (listing,) = [q["sql"] for q in captured if 'FROM "bookings"' in q["sql"]]
    assert " OVER " not in listing
    count = listing[listing.index("(SELECT count(*) FROM (SELECT") :].split(") AS counted)")[0]
    assert 'FROM "bookings"' in count and '"status" = ' in count  # the page's filters
    assert "JOIN" not in count and "ORDER BY" not in count


def test_list_is_paginated_filtered_and_ordered(api, world):
    response = api.get("/api/bookings/?ordering=check_in&page_size=2", **world.auth())
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert [b["guest_name"] for b in body["results"]] == ["Alpha Guest 0", "Alpha Guest 1"]
    hotel = {"id": str(world.entities[A].pk), "name": "Alpha Hotel", "entity_type": "hotel"}
    assert body["results"][0]["property"] == hotel and body["results"][0]["room"] == hotel
    filtered = api.get("/api/bookings/?check_in_from=2026-01-02&guest_email=G2@alpha.example", **world.auth())
    assert [b["guest_name"] for b in filtered.json()["results"]] == ["Alpha Guest 2"]
    entities = api.get("/api/entities/?entity_type=hotel&search=alpha", **world.auth())
    assert [e["name"] for e in entities.json()["results"]] == ["Alpha Hotel"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("ordering=password", "ordering"),
        ("status=lost", "status"),
        ("check_in_from=yesterday", "check_in_from"),
        ("property=42", "property"),
    ],
)
def test_bad_filters_are_field_level_400s(api, world, query, field, tenant_calls):
    with tenant_calls() as calls:
        response = api.get(f"/api/bookings/?{query}", **world.auth())
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]
    assert calls.total in (None, 0)  # validated before any query: no transaction was even begun


def test_no_database_request_makes_no_call(api, world, tenant_calls):
    with tenant_calls() as calls:
        response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    assert calls.total in (None, 0)


def test_booking_crud(api, world, measure, cleanup):
    payload = {
        "property": str(world.entities[A].pk),
        "room": str(world.entities[A].pk),
        "guest_id": "crm-77",
        "guest_name": "New Guest",
        "guest_email": "new@example.com",
        "check_in": "2026-05-01",
        "check_out": "2026-05-04",
        "party_size": 2,
        "total_amount": "450.50",
        "metadata": {"source": "test"},
    }
    created, queries = measure(
        lambda: api.post("/api/bookings/", payload, content_type="application/json", **world.auth())
    )
    assert created.status_code == 201, created.json()
    assert queries == 3  # the property and room lookups (through RLS) + INSERT
    body = created.json()
    cleanup.append((Booking, body["id"]))
    assert body["guest_name"] == "New Guest" and body["total_amount"] == "450.50" and body["status"] == "pending"
    assert body["created_by"] == str(world.users["ann"].pk)
    url = f"/api/bookings/{body['id']}/"
    got, queries = measure(lambda: api.get(url, **world.auth()))
    assert got.json() == body and queries == 1
    patched, queries = measure(
        lambda: api.patch(url, {"status": "confirmed"}, content_type="application/json", **world.auth())
    )
    assert patched.json()["status"] == "confirmed" and queries == 2
    deleted, queries = measure(lambda: api.delete(url, **world.auth()))
    assert deleted.status_code == 204 and queries >= 1
    assert api.get(url, **world.auth()).status_code == 404


def test_entity_and_relationship_crud(api, world, measure, cleanup):
    entity, _ = measure(
        lambda: api.post(
            "/api/entities/",
            {"name": "Roof Bar", "entity_type": "venue", "metadata": {"floor": 9}},
            content_type="application/json",
            **world.auth(),
        )
    )
    assert entity.status_code == 201
    cleanup.append((Entity, entity.json()["id"]))
    rel, queries = measure(
        lambda: api.post(
            "/api/relationships/",
            {"entity": entity.json()["id"], "external_id": "booking-com-1", "relationship_type": "channel"},
            content_type="application/json",
            **world.auth(),
        )
    )
    assert rel.status_code == 201 and queries == 2
    cleanup.append((TenantRelationship, rel.json()["id"]))
    put, _ = measure(
        lambda: api.put(
            f"/api/entities/{entity.json()['id']}/",
            {"name": "Roof Bar 2", "entity_type": "venue", "metadata": {}, "is_active": False},
            content_type="application/json",
            **world.auth(),
        )
    )
    assert put.json()["name"] == "Roof Bar 2" and put.json()["is_active"] is False


def test_a_booking_whose_room_has_no_property_takes_changes_that_keep_its_pair(api, world, cleanup):
    """A room adopted from the seed without a parent: a status-only PATCH (and one naming the same pair) succeeds;
    naming a pair the rule refuses is still a field error."""
    room, booking = adopted_booking(A, world.entities[A], "Adopted API Room")
    cleanup += [(Entity, room.pk), (Booking, booking.pk)]
    url = f"/api/bookings/{booking.pk}/"
    for change in ({"status": "confirmed"}, {"property": str(world.entities[A].pk), "room": str(room.pk)}):
        patched = api.patch(url, change, content_type="application/json", **world.auth())
        assert patched.status_code == 200, patched.json()
    swapped = api.patch(
        url,
        {"property": str(room.pk), "room": str(world.entities[A].pk)},
        content_type="application/json",
        **world.auth(),
    )
    assert swapped.status_code == 400 and "room" in swapped.json()["extra"]["fields"]


def test_validation_errors_are_field_level(api, world):
    response = api.post(
        "/api/bookings/",
        {"guest_name": "", "check_in": "not-a-date", "party_size": 0},
        content_type="application/json",
        **world.auth(),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Invalid input." and body["code"] == "invalid"
    assert {"property", "room", "guest_name", "check_in", "check_out", "party_size"} <= set(body["extra"]["fields"])


def test_failed_write_is_rolled_back(api, world, tenant_calls):
    with tenant_calls() as calls:
        response = api.post(
            "/api/entities/",
            {"name": world.entities[A].name, "entity_type": "hotel"},
            content_type="application/json",
            **world.auth(),
        )
    assert response.status_code == 409
    if calls.calls is not None:
        assert calls.calls.get("RollbackTransaction") == 1 and "CommitTransaction" not in calls.calls


def test_openapi_schema_and_docs(api):
    schema = api.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = __import__("json").loads(schema.content)["paths"]
    assert {"/api/bookings/", "/api/bookings/{id}/", "/api/entities/", "/api/relationships/"} <= set(paths)
    assert api.get("/docs/").status_code == 200


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "get"])
def test_a_path_without_its_slash_is_redirected_keeping_the_method(api, world, settings, method, debug):
    """308 (a client repeats the same method and body at the Location), never a 500 or a 301 that turns a POST
    into a GET, under DEBUG too; nothing is entered or written on the way."""
    settings.DEBUG = debug
    response = getattr(api, method)("/api/bookings?page_size=1", **world.auth())
    assert response.status_code == 308, response.content
    assert response["Location"] == "/api/bookings/?page_size=1"
