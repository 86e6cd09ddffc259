"""Reads of the tenant domain. Row-level security already limits every query to the request's tenant; these only
shape the queries (joins up front, so no endpoint issues N+1 queries)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Booking, Entity, TenantRelationship

# The orderings the list endpoints accept (their filter serializers offer exactly these).
ENTITY_ORDERINGS = ("name", "-name", "created_at", "-created_at", "entity_type")
BOOKING_ORDERINGS = ("check_in", "-check_in", "created_at", "-created_at", "total_amount", "-total_amount")


def entity_list(*, filters: dict) -> QuerySet[Entity]:
    qs = Entity.objects.all()
    if filters.get("entity_type"):
        qs = qs.filter(entity_type=filters["entity_type"])
    if filters.get("is_active") is not None:
        qs = qs.filter(is_active=filters["is_active"])
    if filters.get("search"):
        qs = qs.filter(name__icontains=filters["search"])
    return qs.order_by(filters.get("ordering") or "name", "id")


def booking_list(*, filters: dict) -> QuerySet[Booking]:
    qs = Booking.objects.select_related("property", "room")
    for field in ("status", "property", "room", "guest_id"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("check_in_from"):
        qs = qs.filter(check_in__gte=filters["check_in_from"])
    if filters.get("check_in_to"):
        qs = qs.filter(check_in__lte=filters["check_in_to"])
    if filters.get("guest_email"):
        qs = qs.filter(guest_email__iexact=filters["guest_email"])
    return qs.order_by(filters.get("ordering") or "-check_in", "id")


def relationship_list(*, filters: dict) -> QuerySet[TenantRelationship]:
    qs = TenantRelationship.objects.select_related("entity")
    for field in ("relationship_type", "entity", "external_id"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    return qs.order_by("-created_at", "id")
