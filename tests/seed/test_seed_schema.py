"""Schema parity with the seed's Drizzle schema: every seed column, with its type, nullability and database default,
so that the seed's app (inserting only the seed's columns, during a gradual rollout) keeps working; and the API's
property/room rules."""

import pytest
from django.db import connections, transaction

from bookings.models import Booking, Entity
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tests.support import A, B, as_tenant, sql, sqlstate_of

# The seed's columns (aws-data-api-migration-guide.md, "Define Drizzle Schema"): type, NOT NULL, has a default.
# Text columns we keep as varchar with a length (tenant_id references tenants_tenant) are accepted as text.
SEED = {
    "entities": {
        "id": ("uuid", True, True),
        "tenant_id": ("text", True, False),
        "entity_type": ("text", True, False),
        "name": ("text", True, False),
        "metadata": ("jsonb", False, True),
        "created_at": ("timestamp with time zone", True, True),
        "created_by": ("text", True, False),
        "updated_at": ("timestamp with time zone", True, True),
    },
    "bookings": {
        "id": ("uuid", True, True),
        "tenant_id": ("text", True, False),
        "property_id": ("uuid", True, False),
        "room_id": ("uuid", True, False),
        "guest_id": ("text", True, None),
        "check_in": ("date", True, False),
        "check_out": ("date", True, False),
        "status": ("text", True, True),
        "total_amount": ("numeric", True, True),
        "metadata": ("jsonb", False, True),
        "created_at": ("timestamp with time zone", True, True),
        "created_by": ("text", True, False),
        "updated_at": ("timestamp with time zone", True, True),
    },
    "tenant_relationships": {
        "id": ("uuid", True, True),
        "tenant_id": ("text", True, False),
        "entity_id": ("uuid", True, False),
        "external_id": ("text", True, False),
        "relationship_type": ("text", True, False),
        "created_at": ("timestamp with time zone", True, True),
        "created_by": ("text", True, False),
        "updated_at": ("timestamp with time zone", True, True),
    },
}
TEXT_TYPES = {"text", "character varying"}


def columns(table: str) -> dict:
    with transaction.atomic(using="default"), connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable, column_default, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
            [table],
        )
        return {r[0]: r[1:] for r in cursor.fetchall()}


@pytest.mark.parametrize("table", sorted(SEED))
def test_every_seed_column_with_its_type_nullability_and_default(table, db_access):
    ours = columns(table)
    for column, (seed_type, not_null, has_default) in SEED[table].items():
        assert column in ours, f"{table}.{column} is missing"
        data_type, nullable, default, precision, scale = ours[column]
        assert data_type == seed_type or (seed_type == "text" and data_type in TEXT_TYPES), (column, data_type)
        assert (nullable == "NO") == not_null, (column, nullable)
        if has_default:  # None: the seed has none, ours may add one
            assert default is not None, f"{table}.{column} has no database default"
        elif has_default is False and column != "id":
            assert default is None, f"{table}.{column} has a default the seed does not: {default}"
        if data_type == "numeric":
            assert (precision, scale) == (10, 2)
    # every column we add is nullable or has a database default: seed-shaped inserts still succeed
    for column, (_, nullable, default, *_) in ours.items():
        if column not in SEED[table]:
            assert nullable == "YES" or default is not None, f"{table}.{column} would break a seed-shaped insert"


def test_seed_shaped_inserts_succeed_and_get_the_seed_defaults(world, db_access):
    """What the seed's Drizzle app inserts: only its own columns, and only those without defaults."""
    with as_tenant(world, A, "ann"):
        [(hotel,)] = sql(
            "INSERT INTO entities (tenant_id, entity_type, name, created_by) "
            "VALUES (%s, 'hotel', 'Seed Shaped Hotel', 'drizzle') RETURNING id",
            [A],
        )
        [(room,)] = sql(
            "INSERT INTO entities (tenant_id, entity_type, name, created_by) "
            "VALUES (%s, 'room', 'Seed Shaped Room', 'drizzle') RETURNING id",
            [A],
        )
        [row] = sql(
            "INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, created_by) "
            "VALUES (%s, %s, %s, 'idp|guest-9', '2027-01-01', '2027-01-03', 'drizzle') "
            "RETURNING status, total_amount, metadata, created_at IS NOT NULL, updated_at IS NOT NULL, "
            "substr(id::text, 15, 1), guest_name, party_size",
            [A, hotel, room],
        )
        sql(
            "INSERT INTO tenant_relationships (tenant_id, entity_id, external_id, relationship_type, created_by) "
            "VALUES (%s, %s, 'ext-1', 'channel', 'drizzle')",
            [A, hotel],
        )
        [(active, entity_metadata)] = sql("SELECT is_active, metadata FROM entities WHERE id = %s", [hotel])
    try:
        status, total, metadata, created, updated, version, guest_name, party_size = row
        assert (status, str(total), created, updated, version) == ("pending", "0.00", True, True, "7")
        assert metadata in ({}, "{}") and entity_metadata in ({}, "{}") and active is True
        assert (guest_name, party_size) == ("", 1)
    finally:
        with trusted_scope():
            Booking.objects.filter(property_id=hotel).delete()
            Entity.objects.filter(name__startswith="Seed Shaped").delete()


@pytest.fixture
def hotel_with_rooms(world, db_access):
    """A second property with a room, beside the world's Alpha Hotel (which has no rooms)."""
    with trusted_scope():
        hotel = Entity.objects.create(tenant_id=A, entity_type="hotel", name="Parity Hotel", created_by="t")
        room = Entity.objects.create(
            tenant_id=A, entity_type="room", name="Parity Room 1", parent=hotel, created_by="t"
        )
    yield hotel, room
    with trusted_scope():
        Booking.objects.filter(property=hotel).delete()
        room.delete()
        hotel.delete()


def _book(api, world, prop, room):
    return api.post(
        "/api/bookings/",
        {
            "property": str(prop),
            "room": str(room),
            "guest_id": "crm-1",
            "guest_name": "Parity Guest",
            "check_in": "2027-02-01",
            "check_out": "2027-02-03",
        },
        content_type="application/json",
        **world.auth("ann", A),
    )


def test_a_room_of_the_property_is_booked(api, world, hotel_with_rooms):
    hotel, room = hotel_with_rooms
    response = _book(api, world, hotel.pk, room.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["property"]["name"] == "Parity Hotel" and body["room"]["name"] == "Parity Room 1"
    assert body["guest_id"] == "crm-1"


def test_a_room_of_another_property_is_a_400_on_room(api, world, hotel_with_rooms):
    _, room = hotel_with_rooms
    response = _book(api, world, world.entities[A].pk, room.pk)
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"room": ["This room does not belong to the chosen property."]}


def test_a_room_of_another_tenant_is_a_400_on_room(api, world, hotel_with_rooms):
    hotel, _ = hotel_with_rooms
    response = _book(api, world, hotel.pk, world.entities[B].pk)
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["room"]


def test_an_entity_cannot_be_its_own_parent(api, world, hotel_with_rooms):
    hotel, _ = hotel_with_rooms
    response = api.patch(
        f"/api/entities/{hotel.pk}/", {"parent": str(hotel.pk)}, content_type="application/json", **world.auth("ann", A)
    )
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["parent"]


def test_a_room_cannot_point_at_another_tenants_property(world, db_access, hotel_with_rooms):
    """The composite foreign key refuses it even when the API is bypassed."""

    def move():
        with as_tenant(world, A, "ann"), transaction.atomic(using=TENANT_ALIAS):
            sql("UPDATE entities SET parent_id = %s WHERE name = 'Parity Room 1'", [world.entities[B].pk])

    assert sqlstate_of(move) == "23503"
