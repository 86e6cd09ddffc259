"""A booking as the seed's adoption leaves it: its room has no parent property and it has no guest name."""

from __future__ import annotations

from bookings.models import Booking, Entity
from tenants.context import trusted_scope


def adopted_booking(tenant_id: str, prop: Entity, name: str) -> tuple[Entity, Booking]:
    """(room, booking), committed through the trusted path; the caller deletes both."""
    with trusted_scope():
        room = Entity.objects.create(tenant_id=tenant_id, entity_type="room", name=name, created_by="seed-app")
        booking = Booking.objects.create(
            tenant_id=tenant_id,
            property=prop,
            room=room,
            guest_id="idp|adopted",
            check_in="2027-05-01",
            check_out="2027-05-02",
            created_by="seed-app",
        )
    return room, booking
