"""Coexistence during a gradual rollout: the seed's own data layer (drizzle-orm `aws-data-api/pg` over
`@aws-sdk/client-rds-data`, pinned by tests/seed_client/package-lock.json and installed with `npm ci`) reads,
inserts, updates and deletes bookings through the Data API, inside transactions whose first statement enters the
tenant, while the Django API serves the same rows (over the Data API, and over direct PostgreSQL in the second run of
this suite). Each side sees exactly its tenant's rows, and each sees the other's writes."""

from __future__ import annotations

import pytest

from bookings.models import Booking
from tenants.context import trusted_scope
from tests.seed_client import client
from tests.support import A, B

pytestmark = pytest.mark.emulator_only  # the seed's client always talks to the Data API (the emulator here)


@pytest.fixture(scope="module")
def drizzle():
    return client()


@pytest.fixture
def created():
    ids = []
    yield ids
    with trusted_scope():
        Booking.objects.filter(pk__in=ids).delete()


def api_ids(api, world, user: str, tenant: str) -> set[str]:
    response = api.get("/api/bookings/?page_size=200", **world.auth(user, tenant))
    assert response.status_code == 200
    return {b["id"] for b in response.json()["results"]}


def test_drizzle_and_django_share_rows_and_isolation(api, world, drizzle, created):
    ann, ben = str(world.users["ann"].pk), str(world.users["ben"].pk)
    ids_a = {str(b.pk) for b in world.bookings[A]}
    ids_b = {str(b.pk) for b in world.bookings[B]}

    # reads: each side, each tenant, exactly that tenant's rows; no tenant entered, nothing
    listed = drizzle("list", A, ann)
    assert listed["ok"], listed
    assert {r["id"] for r in listed["rows"]} == ids_a == api_ids(api, world, "ann", A)
    assert {r["tenantId"] for r in listed["rows"]} == {A}
    assert {r["id"] for r in drizzle("list", B, ben)["rows"]} == ids_b == api_ids(api, world, "ben", B)
    assert drizzle("raw-list", A, ann)["rows"] == []

    # a Drizzle insert naming only the seed's columns: the database fills the rest; Django serves it to A only
    hotel = str(world.entities[A].pk)
    inserted = drizzle(
        "insert",
        A,
        ann,
        propertyId=hotel,
        roomId=hotel,
        guestId="idp|guest-42",
        checkIn="2027-04-01",
        checkOut="2027-04-03",
    )
    assert inserted["ok"], inserted
    row = inserted["rows"][0]
    created.append(row["id"])
    assert (row["status"], row["totalAmount"], row["createdBy"], row["tenantId"]) == ("pending", "0.00", ann, A)
    assert row["id"] in api_ids(api, world, "ann", A) and row["id"] not in api_ids(api, world, "ben", B)
    via_api = api.get(f"/api/bookings/{row['id']}/", **world.auth("ann", A)).json()
    assert via_api["guest_id"] == "idp|guest-42" and via_api["room"]["id"] == hotel

    # a Django write is visible to Drizzle, updated by Drizzle, seen updated by Django, deleted by Drizzle
    posted = api.post(
        "/api/bookings/",
        {
            "property": hotel,
            "room": hotel,
            "guest_id": "crm-7",
            "guest_name": "Both",
            "check_in": "2027-05-01",
            "check_out": "2027-05-02",
        },
        content_type="application/json",
        **world.auth("ann", A),
    )
    assert posted.status_code == 201
    django_id = posted.json()["id"]
    created.append(django_id)
    assert django_id in {r["id"] for r in drizzle("list", A, ann)["rows"]}
    assert django_id not in {r["id"] for r in drizzle("list", B, ben)["rows"]}
    updated = drizzle("update", A, ann, id=django_id, status="confirmed")
    assert updated["ok"] and updated["rows"][0]["status"] == "confirmed"
    assert api.get(f"/api/bookings/{django_id}/", **world.auth("ann", A)).json()["status"] == "confirmed"
    for booking_id in (django_id, row["id"]):
        assert len(drizzle("delete", A, ann, id=booking_id)["rows"]) == 1
    assert not {django_id, row["id"]} & api_ids(api, world, "ann", A)


def test_drizzle_cannot_reach_another_tenant(world, drizzle):
    ann, ben = str(world.users["ann"].pk), str(world.users["ben"].pk)
    # entering a tenant one is not a member of: refused, nothing read
    refused = drizzle("list", B, ann)
    assert not refused["ok"] and "tenant context refused for tenant" in refused["error"]
    # B's booking is invisible to A's transaction: updates and deletes touch nothing
    foreign = str(world.bookings[B][0].pk)
    assert drizzle("update", A, ann, id=foreign, status="cancelled")["rows"] == []
    assert drizzle("delete", A, ann, id=foreign)["rows"] == []
    # pointing a booking at another tenant's property: refused by the composite foreign key
    other = str(world.entities[B].pk)
    smuggled = drizzle(
        "insert", A, ann, propertyId=other, roomId=other, guestId="g", checkIn="2027-01-01", checkOut="2027-01-02"
    )
    assert not smuggled["ok"] and "bookings_property_same_tenant" in smuggled["error"]
    assert {r["id"] for r in drizzle("list", B, ben)["rows"]} == {str(b.pk) for b in world.bookings[B]}
