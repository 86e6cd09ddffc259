from django.contrib import admin

from .models import Booking, Entity, TenantRelationship


class TenantAdmin(admin.ModelAdmin):
    """Staff see every tenant's rows (trusted path); the tenant is shown and filterable, never editable."""

    list_filter = ("tenant",)
    readonly_fields = ("id", "tenant", "created_at", "created_by", "updated_at")
    list_select_related = True
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = f"staff:{request.user.username}"
        super().save_model(request, obj, form, change)


@admin.register(Entity)
class EntityAdmin(TenantAdmin):
    list_display = ("name", "entity_type", "tenant", "is_active", "created_at")
    list_filter = ("tenant", "entity_type", "is_active")
    search_fields = ("name", "id")


@admin.register(Booking)
class BookingAdmin(TenantAdmin):
    list_display = ("guest_name", "property", "room", "tenant", "check_in", "check_out", "status", "total_amount")
    list_filter = ("tenant", "status", "check_in")
    search_fields = ("guest_name", "guest_email", "guest_id", "id")
    date_hierarchy = "check_in"
    raw_id_fields = ("property", "room")


@admin.register(TenantRelationship)
class TenantRelationshipAdmin(TenantAdmin):
    list_display = ("external_id", "relationship_type", "entity", "tenant", "created_at")
    list_filter = ("tenant", "relationship_type")
    search_fields = ("external_id",)
    raw_id_fields = ("entity",)
