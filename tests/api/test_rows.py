"""The list endpoints' rows (bookings/api/rows.py): only the columns the output shows are loaded, and each page is
the JSON DRF's own ListSerializer gives for the same rows loaded whole."""

import datetime as dt
import json
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.renderers import JSONRenderer

from bookings import selectors
from bookings.api import serializers as s
from bookings.api.rows import RowListSerializer, output_columns, values_rows
from bookings.models import Booking, Entity, TenantRelationship
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tests.support import A

LISTS = [
    ("/api/entities/", s.EntityOutput, selectors.entity_list),
    ("/api/bookings/", s.BookingOutput, selectors.booking_list),
    ("/api/relationships/", s.RelationshipOutput, selectors.relationship_list),
]


@pytest.fixture
def varied(world, db_access):
    """Rows with the shapes the outputs take beyond the fixture's: a room with a parent, null metadata, an
    inactive entity, cents, another status, non-ASCII text, nested JSON."""
    with trusted_scope():
        hotel = world.entities[A]
        room = Entity.objects.create(
            tenant_id=A,
            entity_type="room",
            name="Zimmer 1 — Süd",
            parent=hotel,
            metadata=None,
            is_active=False,
            created_by="fixture",
        )
        booking = Booking.objects.create(
            tenant_id=A,
            property=hotel,
            room=room,
            guest_name="Zoë Ünïcode",
            check_in=dt.date(2026, 3, 1),
            check_out=dt.date(2026, 3, 4),
            party_size=3,
            status="cancelled",
            total_amount=Decimal("99.5"),
            metadata={"nested": [1, {"a": None}], "note": "ß"},
            created_by="fixture",
        )
        relationship = TenantRelationship.objects.create(
            tenant_id=A, entity=room, external_id="ext-ü", relationship_type="partner", created_by="fixture"
        )
    yield {Entity: room.pk, Booking: booking.pk, TenantRelationship: relationship.pk}
    with trusted_scope():
        TenantRelationship.objects.filter(pk=relationship.pk).delete()
        Booking.objects.filter(pk=booking.pk).delete()
        Entity.objects.filter(pk=room.pk).delete()


@pytest.mark.parametrize("path, output, select", LISTS)
def test_a_page_is_what_drf_gives_for_whole_rows(api, world, varied, path, output, select):
    response = api.get(f"{path}?page_size=200", **world.auth())
    assert response.status_code == 200
    results = response.json()["results"]
    model = output.Meta.model
    assert str(varied[model]) in [row["id"] for row in results]
    with trusted_scope():
        rows = list(select(filters={}).filter(tenant_id=A))  # every column, as DRF's general path reads them
        expected = serializers.ListSerializer(rows, child=output()).data
    assert results == json.loads(JSONRenderer().render(expected))


def test_only_the_shown_columns_are_loaded(api, world, varied):
    with CaptureQueriesContext(connections[TENANT_ALIAS]) as captured:
        response = api.get("/api/bookings/", **world.auth())
    assert response.status_code == 200
    (listing,) = [q["sql"] for q in captured if 'FROM "bookings"' in q["sql"]]
    # the joined entities give their id, name and type; the booking everything it shows (not its tenant)
    assert '"entities"."name"' in listing and '"entities"."metadata"' not in listing
    assert '"bookings"."metadata"' in listing and '"bookings"."tenant_id"' not in listing


def test_output_columns():
    booking_fields = [f for f in s.BookingOutput.Meta.fields if f not in ("property", "room")]
    assert output_columns(s.BookingOutput) == (
        *booking_fields[:4],
        "property__id",
        "property__name",
        "property__entity_type",
        "room__id",
        "room__name",
        "room__entity_type",
        *booking_fields[4:],
    )
    assert "parent" in output_columns(s.EntityOutput) and "tenant" not in output_columns(s.EntityOutput)

    class Computed(serializers.ModelSerializer):
        nights = serializers.SerializerMethodField()

        class Meta:
            model = Booking
            fields = ("id", "nights")

        def get_nights(self, booking):
            return (booking.check_out - booking.check_in).days

    assert output_columns(Computed) == ()  # reads more than columns: load everything


def test_pages_are_values_rows_without_the_fields_own_reading(api, world, varied, monkeypatch):
    """No model instance and no DRF Field.get_attribute for a page: each row is a `.values()` dict, the nested
    property and room read from its columns, an entity's parent from its key."""
    calls, instances = [], []
    original_get_attribute, original_from_db = Field.get_attribute, Entity.from_db.__func__

    def counted(self, instance):
        calls.append(self.field_name)
        return original_get_attribute(self, instance)

    def from_db(cls, *args):
        instances.append(cls)
        return original_from_db(cls, *args)

    monkeypatch.setattr(Field, "get_attribute", counted)
    monkeypatch.setattr(Entity, "from_db", classmethod(from_db))
    monkeypatch.setattr(Booking, "from_db", classmethod(from_db))
    monkeypatch.setattr(TenantRelationship, "from_db", classmethod(from_db))
    for path in ("/api/bookings/", "/api/entities/", "/api/relationships/"):
        response = api.get(path, **world.auth())
        assert response.status_code == 200 and response.json()["results"]
    assert calls == [] and instances == []
    assert all(values_rows(output) for _, output, _ in LISTS)


def test_an_output_that_needs_instances_loads_only_its_columns(world, db_access):
    class WithParentName(s.EntityOutput):
        parent = serializers.SlugRelatedField(slug_field="name", read_only=True)  # reads the related object

        class Meta(s.EntityOutput.Meta):
            list_serializer_class = RowListSerializer

    assert output_columns(WithParentName) and not values_rows(WithParentName)
    with trusted_scope():
        rows = list(Entity.objects.filter(tenant_id=A).select_related("parent").order_by("name"))
        assert WithParentName(rows, many=True).data == [WithParentName(row).data for row in rows]


def test_a_child_with_its_own_representation_keeps_drfs_path(world, db_access):
    class Shouting(s.EntityRef):
        class Meta(s.EntityRef.Meta):
            list_serializer_class = RowListSerializer

        def to_representation(self, instance):
            return {key: str(value).upper() for key, value in super().to_representation(instance).items()}

    with trusted_scope():
        rows = list(Entity.objects.filter(tenant_id=A).order_by("name"))
        assert Shouting(rows, many=True).data == [Shouting(row).data for row in rows]
        assert Shouting(rows, many=True).data[0]["name"] == "ALPHA HOTEL"


ENTITY_ROW = {
    "id": uuid.UUID("01a24f46-03bb-76a0-96cc-8e9fcdd7f005"),
    "created_at": dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc),
    "created_by": "fixture",
    "updated_at": dt.datetime(2026, 1, 2, 12, tzinfo=dt.timezone.utc),
    "entity_type": "hotel",
    "name": "Seaside",
    "metadata": {"stars": 4},
    "is_active": True,
    "parent": None,
}


def test_a_page_builds_no_serializer_field_after_the_first(api, world, monkeypatch):
    """DRF builds a ModelSerializer's fields for every instance (more than representing 50 rows costs); a list's
    plan is built once per output and time zone."""
    assert api.get("/api/bookings/", **world.auth()).status_code == 200
    built = []
    original = serializers.ModelSerializer.build_field

    def counted(self, *args):
        built.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(serializers.ModelSerializer, "build_field", counted)
    response = api.get("/api/bookings/", **world.auth())
    assert response.status_code == 200 and response.json()["results"]
    assert built == []


def test_a_shared_plan_shows_timestamps_in_the_current_time_zone():
    shown = []
    for zone in ("UTC", "Asia/Kolkata", "UTC"):
        with timezone.override(zone):
            shown.append(s.EntityOutput([ENTITY_ROW], many=True).data[0]["created_at"])
    assert shown == ["2026-01-01T12:00:00Z", "2026-01-01T17:30:00+05:30", "2026-01-01T12:00:00Z"]


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "Europe/Paris"])
@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc),  # as the database returns it
        dt.datetime(2026, 1, 1, 12, 0, 0, 120, tzinfo=dt.timezone.utc),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 7, 1, 12, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        dt.datetime(2026, 7, 1, 12, 30),  # naive: DRF makes it aware in the zone
    ],
)
def test_timestamps_in_a_list_are_drfs(zone, value):
    def outcome(represent):
        try:
            return represent()
        except Exception as exc:  # noqa: BLE001 - DRF's error (out of range in the zone) must be the list's too
            return type(exc), str(exc)

    with timezone.override(zone):
        listed = outcome(lambda: s.EntityOutput([{**ENTITY_ROW, "updated_at": value}], many=True).data[0]["updated_at"])
        assert listed == outcome(lambda: serializers.DateTimeField().to_representation(value))


def test_an_output_whose_fields_read_the_context_gets_a_plan_per_list():
    class Flagged(serializers.CharField):
        def to_representation(self, value):
            return f"{self.context['flag']}:{value}"

    class WithFlaggedName(s.EntityOutput):
        name = Flagged()

        class Meta(s.EntityOutput.Meta):
            pass

    class PerRequestFields(s.EntityOutput):
        def get_fields(self):
            fields = super().get_fields()
            fields["name"] = Flagged()
            return fields

    for output in (WithFlaggedName, PerRequestFields):
        names = [output([ENTITY_ROW], many=True, context={"flag": flag}).data[0]["name"] for flag in "ab"]
        assert names == ["a:Seaside", "b:Seaside"]
