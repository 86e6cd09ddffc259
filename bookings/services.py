"""Writes of the tenant domain. The tenant comes from the request's context, never from the request body."""

from __future__ import annotations

from .models import Booking, Entity, TenantRelationship


def _stamp(obj, *, tenant_id: str, user_id: str) -> None:
    obj.tenant_id = tenant_id
    obj.created_by = str(user_id)


def entity_create(*, tenant_id: str, user_id: str, data: dict) -> Entity:
    entity = Entity(**data)
    _stamp(entity, tenant_id=tenant_id, user_id=user_id)
    entity.full_clean(exclude=["tenant", "id"], validate_unique=False, validate_constraints=False)
    entity.save()
    return entity


def booking_create(*, tenant_id: str, user_id: str, data: dict) -> Booking:
    booking = Booking(**data)
    _stamp(booking, tenant_id=tenant_id, user_id=user_id)
    booking.full_clean(exclude=["tenant", "id", "entity"], validate_unique=False, validate_constraints=False)
    booking.save()
    return booking


def relationship_create(*, tenant_id: str, user_id: str, data: dict) -> TenantRelationship:
    rel = TenantRelationship(**data)
    _stamp(rel, tenant_id=tenant_id, user_id=user_id)
    rel.full_clean(exclude=["tenant", "id", "entity"], validate_unique=False, validate_constraints=False)
    rel.save()
    return rel


def instance_update(*, instance, data: dict):
    for field, value in data.items():
        setattr(instance, field, value)
    instance.save(update_fields=[*data.keys(), "updated_at"])
    return instance
