import json

from django.conf import settings
from rest_framework import serializers

from .. import selectors
from ..models import ROOM_MISFIT, Booking, Entity, TenantRelationship, room_misfit
from .rows import RowListSerializer

READ_ONLY = ("id", "created_at", "created_by", "updated_at")


class ErrorOutput(serializers.Serializer):
    """Every error the API answers: one shape."""

    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()


def paginated(output: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The list endpoints' page: count, links and the rows (bookings.api.pagination)."""
    return type(
        f"Paginated{output.__name__.removesuffix('Output')}List",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": output(many=True),
        },
    )


class BoundedMetadata:
    """`metadata` stays well under the Data API's 64 KB per returned row (METADATA_MAX_BYTES, serialized), so a row
    written through the API can always be read back, alone or in a list."""

    def validate_metadata(self, value):
        size = len(json.dumps(value, ensure_ascii=False).encode())
        if size > settings.METADATA_MAX_BYTES:
            raise serializers.ValidationError(
                f"At most {settings.METADATA_MAX_BYTES} bytes of JSON (this is {size}).", code="too_large"
            )
        return value


class EntityInput(BoundedMetadata, serializers.ModelSerializer):
    # A room's property; resolved through RLS like every relation (another tenant's id does not exist).
    parent = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Entity
        fields = ("entity_type", "name", "metadata", "is_active", "parent")

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise serializers.ValidationError("An entity cannot be its own parent.")
        return parent


class EntityOutput(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = (*READ_ONLY, *EntityInput.Meta.fields)
        list_serializer_class = RowListSerializer  # the list endpoints' pages (bookings/api/rows.py)


class EntityRef(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ("id", "name", "entity_type")


class BookingInput(BoundedMetadata, serializers.ModelSerializer):
    # Resolved through RLS: another tenant's entity id is "does not exist", exactly like a missing one.
    property = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())
    room = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())

    class Meta:
        model = Booking
        fields = Booking.EDITABLE_FIELDS
        extra_kwargs = {
            "party_size": {"min_value": 1, "max_value": 500},
            "total_amount": {"min_value": 0},
            "guest_id": {"max_length": 200},
        }

    def validate(self, attrs):
        prop = attrs.get("property", getattr(self.instance, "property", None))
        room = attrs.get("room", getattr(self.instance, "room", None))
        if room_misfit(self.instance, prop, room):
            raise serializers.ValidationError({"room": ROOM_MISFIT})
        check_in = attrs.get("check_in", getattr(self.instance, "check_in", None))
        check_out = attrs.get("check_out", getattr(self.instance, "check_out", None))
        if check_in and check_out and check_out <= check_in:
            raise serializers.ValidationError({"check_out": "Check-out must be after check-in."})
        return attrs


class BookingOutput(serializers.ModelSerializer):
    property = EntityRef()
    room = EntityRef()

    class Meta:
        model = Booking
        fields = (*READ_ONLY, *BookingInput.Meta.fields)
        list_serializer_class = RowListSerializer  # the list endpoints' pages (bookings/api/rows.py)


class RelationshipInput(BoundedMetadata, serializers.ModelSerializer):
    entity = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())

    class Meta:
        model = TenantRelationship
        fields = ("entity", "external_id", "relationship_type", "metadata")


class RelationshipOutput(serializers.ModelSerializer):
    entity = EntityRef()

    class Meta:
        model = TenantRelationship
        fields = (*READ_ONLY, *RelationshipInput.Meta.fields)
        list_serializer_class = RowListSerializer  # the list endpoints' pages (bookings/api/rows.py)


class EntityFilters(serializers.Serializer):
    entity_type = serializers.ChoiceField(choices=Entity._meta.get_field("entity_type").choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, max_length=100)
    ordering = serializers.ChoiceField(choices=selectors.ENTITY_ORDERINGS, required=False)


class BookingFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=Booking._meta.get_field("status").choices, required=False)
    property = serializers.UUIDField(required=False)
    room = serializers.UUIDField(required=False)
    guest_id = serializers.CharField(required=False, max_length=200)
    check_in_from = serializers.DateField(required=False)
    check_in_to = serializers.DateField(required=False)
    guest_email = serializers.EmailField(required=False)
    ordering = serializers.ChoiceField(choices=selectors.BOOKING_ORDERINGS, required=False)


class RelationshipFilters(serializers.Serializer):
    relationship_type = serializers.ChoiceField(
        choices=TenantRelationship._meta.get_field("relationship_type").choices, required=False
    )
    entity = serializers.UUIDField(required=False)
    external_id = serializers.CharField(required=False, max_length=200)
