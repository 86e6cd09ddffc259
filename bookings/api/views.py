"""Thin tenant API views: validate input, call a selector or service, serialize. RLS decides which rows exist."""

from django.db import connections
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.aliases import transport_of

from .. import selectors, services
from ..models import Booking, Entity, TenantRelationship
from . import serializers as s
from .idempotency import IdempotentWrites
from .pagination import Pagination
from .rows import output_columns, values_rows
from .schema import extend_schema, extend_schema_view, responses


class _CollectionApi(IdempotentWrites, APIView):
    """GET: filtered, ordered, paginated list. POST: create in the caller's tenant."""

    model = filters_class = output_class = input_class = None
    select = create = None

    def get(self, request):
        filters = self.filters_class(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = type(self).select(filters=filters.validated_data)
        if columns := output_columns(self.output_class):
            queryset = queryset.only(*columns)
        # the page's rows as dicts where the output needs no model instance
        paginator = Pagination(values=columns if values_rows(self.output_class) else ())
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(self.output_class(page, many=True).data)

    def post(self, request):
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        tenant_id, user_id = _entered_identity(request)
        obj = type(self).create(tenant_id=tenant_id, user_id=user_id, data=data.validated_data)
        return Response(self.output_class(obj).data, status=status.HTTP_201_CREATED)


def _entered_identity(request) -> tuple[str, str]:
    """Tenant and user as the database confirmed them (API tokens are resolved by app.enter_tenant_with_token)."""
    entered = request.tenancy.ensure_entered()
    return entered.tenant_id, entered.user_id


class _ItemApi(IdempotentWrites, APIView):
    """GET/PATCH/PUT/DELETE one row; another tenant's id is a 404 exactly like a missing one."""

    model = output_class = input_class = None
    related = ()

    def get_object(self, pk):
        queryset = self.model.objects.select_related(*self.related) if self.related else self.model.objects.all()
        return get_object_or_404(queryset, pk=pk)

    def get(self, request, pk):
        return Response(self.output_class(self.get_object(pk)).data)

    def _update(self, request, pk, partial):
        obj = self.get_object(pk)
        data = self.input_class(obj, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.instance_update(instance=obj, data=data.validated_data)
        return Response(self.output_class(obj).data)

    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    def delete(self, request, pk):
        deleted, _ = self.model.objects.filter(pk=pk).delete()
        if not deleted:
            return get_object_or_404(self.model.objects.none(), pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["entities"])
class EntityCollectionApi(_CollectionApi):
    model = Entity
    filters_class, output_class, input_class = s.EntityFilters, s.EntityOutput, s.EntityInput
    select, create = selectors.entity_list, services.entity_create

    @extend_schema(
        operation_id="entities_list",
        parameters=[s.EntityFilters],
        responses=responses("list", 200, s.paginated(s.EntityOutput)),
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(request=s.EntityInput, responses=responses("create", 201, s.EntityOutput))
    def post(self, request):
        return super().post(request)


@extend_schema(tags=["entities"], request=s.EntityInput)
@extend_schema_view(
    get=extend_schema(responses=responses("read", 200, s.EntityOutput)),
    put=extend_schema(responses=responses("update", 200, s.EntityOutput)),
    patch=extend_schema(responses=responses("update", 200, s.EntityOutput)),
    delete=extend_schema(responses=responses("delete", 204, None)),
)
class EntityItemApi(_ItemApi):
    model, output_class, input_class = Entity, s.EntityOutput, s.EntityInput


@extend_schema(tags=["bookings"])
class BookingCollectionApi(_CollectionApi):
    model = Booking
    filters_class, output_class, input_class = s.BookingFilters, s.BookingOutput, s.BookingInput
    select, create = selectors.booking_list, services.booking_create

    @extend_schema(
        operation_id="bookings_list",
        parameters=[s.BookingFilters],
        responses=responses("list", 200, s.paginated(s.BookingOutput)),
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(request=s.BookingInput, responses=responses("create", 201, s.BookingOutput))
    def post(self, request):
        return super().post(request)


@extend_schema(tags=["bookings"], request=s.BookingInput)
@extend_schema_view(
    get=extend_schema(responses=responses("read", 200, s.BookingOutput)),
    put=extend_schema(responses=responses("update", 200, s.BookingOutput)),
    patch=extend_schema(responses=responses("update", 200, s.BookingOutput)),
    delete=extend_schema(responses=responses("delete", 204, None)),
)
class BookingItemApi(_ItemApi):
    model, output_class, input_class, related = Booking, s.BookingOutput, s.BookingInput, ("property", "room")


@extend_schema(tags=["relationships"])
class RelationshipCollectionApi(_CollectionApi):
    model = TenantRelationship
    filters_class, output_class, input_class = s.RelationshipFilters, s.RelationshipOutput, s.RelationshipInput
    select, create = selectors.relationship_list, services.relationship_create

    @extend_schema(
        operation_id="relationships_list",
        parameters=[s.RelationshipFilters],
        responses=responses("list", 200, s.paginated(s.RelationshipOutput)),
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(request=s.RelationshipInput, responses=responses("create", 201, s.RelationshipOutput))
    def post(self, request):
        return super().post(request)


@extend_schema(tags=["relationships"], request=s.RelationshipInput)
@extend_schema_view(
    get=extend_schema(responses=responses("read", 200, s.RelationshipOutput)),
    put=extend_schema(responses=responses("update", 200, s.RelationshipOutput)),
    patch=extend_schema(responses=responses("update", 200, s.RelationshipOutput)),
    delete=extend_schema(responses=responses("delete", 204, None)),
)
class RelationshipItemApi(_ItemApi):
    model, output_class, input_class, related = (
        TenantRelationship,
        s.RelationshipOutput,
        s.RelationshipInput,
        ("entity",),
    )


@extend_schema(tags=["context"], responses=responses("read", 200, {"type": "object"}))
class WhoAmIApi(APIView):
    """The tenant context exactly as the database sees it in this request's transaction."""

    def get(self, request):
        alias = request.tenancy.alias
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('app.current_tenant_id', true), "
                "current_setting('app.current_user_id', true), current_setting('app.user_role', true)"
            )
            tenant_id, user_id, role = cursor.fetchone()
        return Response({"tenant_id": tenant_id, "user_id": user_id, "role": role, "transport": transport_of(alias)})
