from django.contrib import admin
from django.contrib.admin.models import LogEntry

from .models import ApiToken, Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Tenant)
class TenantModelAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "is_active", "created_at")
    search_fields = ("id", "name")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "external_id", "created_at")
    list_filter = ("tenant", "role")
    search_fields = ("user__username", "tenant__id", "external_id")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here; their secret is never stored, so it can never be shown."""

    list_display = ("name", "hint", "tenant", "user", "created_at", "expires_at", "revoked_at")
    list_filter = ("tenant",)
    readonly_fields = ("hint", "token_hash", "created_at")
    fields = ("name", "tenant", "user", "hint", "created_at", "expires_at", "revoked_at")

    def has_add_permission(self, request):
        return False  # issued by `manage.py issue_token`, which shows the token once


@admin.register(LogEntry)
class AuditTrailAdmin(admin.ModelAdmin):
    """Who changed what, when: Django's admin log, read-only."""

    list_display = ("action_time", "user", "content_type", "object_repr", "action_flag", "change_message")
    list_filter = ("action_flag", "content_type")
    search_fields = ("object_repr", "change_message", "user__username")
    date_hierarchy = "action_time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
