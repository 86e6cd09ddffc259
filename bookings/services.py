"""Writes of the tenant domain. The tenant comes from the request's context, never from the request body."""

from __future__ import annotations

from .models import Booking, Entity, TenantModel, TenantRelationship


def _create(model: type[TenantModel], *, tenant_id: str, user_id: str, data: dict) -> TenantModel:
    obj = model(**data)
    obj.tenant_id = tenant_id
    obj.created_by = str(user_id)
    # Relations were resolved through RLS by the serializer; constraints and uniques are the database's (→ 409).
    obj.full_clean(
        exclude=["tenant", "id", "entity", "property", "room", "parent"],
        validate_unique=False,
        validate_constraints=False,
    )
    obj.save()
    return obj


def entity_create(*, tenant_id: str, user_id: str, data: dict) -> Entity:
    return _create(Entity, tenant_id=tenant_id, user_id=user_id, data=data)


def booking_create(*, tenant_id: str, user_id: str, data: dict) -> Booking:
    return _create(Booking, tenant_id=tenant_id, user_id=user_id, data=data)


def relationship_create(*, tenant_id: str, user_id: str, data: dict) -> TenantRelationship:
    return _create(TenantRelationship, tenant_id=tenant_id, user_id=user_id, data=data)


def instance_update(*, instance, data: dict):
    for field, value in data.items():
        setattr(instance, field, value)
    instance.save(update_fields=[*data.keys(), "updated_at"])
    return instance
