"""bookings.services: writes take the tenant and the author from the caller's context, never from the data, are
validated before anything is sent, and updates write only the fields given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bookings import services
from bookings.models import Booking, Entity
from tenants.context import trusted_scope

from .conftest import MINE


def test_a_create_belongs_to_the_callers_tenant_and_author(domain):
    with domain.as_tenant():
        hotel = services.entity_create(
            tenant_id=MINE, user_id=domain.user_id, data={"name": "Service Hotel", "entity_type": "hotel"}
        )
        booking = services.booking_create(
            tenant_id=MINE,
            user_id=domain.user_id,
            data={
                "property": hotel,
                "room": hotel,
                "guest_name": "Guest",
                "check_in": dt.date(2027, 3, 1),
                "check_out": dt.date(2027, 3, 2),
                "total_amount": Decimal("10.00"),
            },
        )
    with trusted_scope():
        stored = Booking.objects.get(pk=booking.pk)
    assert (stored.tenant_id, stored.created_by, stored.property_id) == (MINE, domain.user_id, hotel.pk)


def test_invalid_data_is_refused_before_the_database(domain):
    with domain.as_tenant(), pytest.raises(ValidationError) as excinfo:
        services.entity_create(
            tenant_id=MINE, user_id=domain.user_id, data={"name": "Bad Kind", "entity_type": "castle"}
        )
    assert "entity_type" in excinfo.value.message_dict
    with trusted_scope():
        assert not Entity.objects.filter(name="Bad Kind").exists()


def test_an_update_writes_only_the_fields_given(domain):
    with domain.as_tenant():
        hotel = services.entity_create(
            tenant_id=MINE, user_id=domain.user_id, data={"name": "Before", "entity_type": "hotel"}
        )
    with trusted_scope():  # another writer changes a field the update does not name
        Entity.objects.filter(pk=hotel.pk).update(is_active=False)
    with domain.as_tenant():
        services.instance_update(instance=hotel, data={"name": "After"})
    with trusted_scope():
        stored = Entity.objects.get(pk=hotel.pk)
    assert (stored.name, stored.is_active) == ("After", False)
    assert stored.updated_at > stored.created_at
