"""bookings.selectors: filters and orderings of each list, through RLS (another tenant's rows never appear, whatever
the filter names)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bookings import selectors
from bookings.models import Booking, Entity, TenantRelationship
from tenants.context import trusted_scope

from .conftest import MINE, OTHER


@pytest.fixture
def rows(domain):
    with trusted_scope():
        made = {}
        for tenant_id in (MINE, OTHER):
            hotel = Entity.objects.create(
                tenant_id=tenant_id, name=f"Grand {tenant_id}", entity_type="hotel", created_by="t"
            )
            spa = Entity.objects.create(
                tenant_id=tenant_id, name="Quiet Spa", entity_type="spa", is_active=False, created_by="t"
            )
            bookings = [
                Booking.objects.create(
                    tenant_id=tenant_id,
                    property=hotel,
                    room=hotel,
                    guest_name=f"G{i}",
                    guest_email=f"G{i}@Example.com",
                    status=status,
                    check_in=dt.date(2027, 1, 1 + i),
                    check_out=dt.date(2027, 1, 2 + i),
                    total_amount=Decimal(10 * (3 - i)),
                    created_by="t",
                )
                for i, status in enumerate(["pending", "confirmed", "confirmed"])
            ]
            TenantRelationship.objects.create(
                tenant_id=tenant_id,
                entity=hotel,
                external_id=f"ext-{tenant_id}",
                relationship_type="channel",
                created_by="t",
            )
            made[tenant_id] = {"hotel": hotel, "spa": spa, "bookings": bookings}
    return made


def test_booking_list_filters_orders_and_sees_only_the_tenant(domain, rows):
    mine = rows[MINE]["bookings"]
    with domain.as_tenant():
        assert list(selectors.booking_list(filters={})) == [mine[2], mine[1], mine[0]]  # -check_in by default
        assert list(selectors.booking_list(filters={"status": "confirmed", "ordering": "check_in"})) == mine[1:]
        assert list(
            selectors.booking_list(filters={"check_in_from": dt.date(2027, 1, 2), "check_in_to": dt.date(2027, 1, 2)})
        ) == [mine[1]]
        assert list(selectors.booking_list(filters={"guest_email": "g0@example.COM"})) == [mine[0]]
        assert list(selectors.booking_list(filters={"ordering": "total_amount"})) == [mine[2], mine[1], mine[0]]
        # naming another tenant's property finds nothing rather than its rows
        assert list(selectors.booking_list(filters={"property": rows[OTHER]["hotel"].pk})) == []


def test_entity_list_filters_and_orders(domain, rows):
    mine = rows[MINE]
    with domain.as_tenant():
        assert list(selectors.entity_list(filters={})) == [mine["hotel"], mine["spa"]]  # by name
        assert list(selectors.entity_list(filters={"is_active": False})) == [mine["spa"]]
        assert list(selectors.entity_list(filters={"search": "grand"})) == [mine["hotel"]]
        assert list(selectors.entity_list(filters={"entity_type": "spa", "ordering": "-name"})) == [mine["spa"]]


def test_relationship_list_joins_its_entity(domain, rows):
    with domain.as_tenant():
        found = list(selectors.relationship_list(filters={"external_id": f"ext-{MINE}"}))
        assert [r.entity.name for r in found] == [f"Grand {MINE}"]  # joined up front
        assert list(selectors.relationship_list(filters={"external_id": f"ext-{OTHER}"})) == []
