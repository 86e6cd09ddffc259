"""The trusted-path admin for tenancy: tenants, memberships, API tokens, staff assignments and the audit trail,
scoped per staff member (tenants/admin_scope.py)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import Http404

from .admin_scope import ScopedAdmin, staff_tenant_ids, visible_tenants
from .models import ApiToken, Membership, StaffTenant, Tenant


def assignable_users(request):
    """The users a staff member may name in a membership or a token: for a scoped one, people who are not staff
    and are members of its tenants or of none (a member of other tenants only stays unseen)."""
    users = get_user_model().objects.all()
    ids = staff_tenant_ids(request)
    if ids is None:
        return users
    return users.filter(is_staff=False, is_superuser=False).exclude(
        pk__in=Membership.objects.exclude(tenant_id__in=ids)
        .exclude(user_id__in=Membership.objects.filter(tenant_id__in=ids).values("user_id"))
        .values("user_id")
    )


class UserChoiceMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = assignable_users(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(UserChoiceMixin, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Tenant)
class TenantModelAdmin(ScopedAdmin):
    tenant_lookup = "id"
    list_display = ("id", "name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("id", "name")
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # a tenant's id is in every one of its rows: never renamed
        return ("id", "created_at") if obj is not None else ("created_at",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and staff_tenant_ids(request) is not None:
            # a scoped staff member who may add tenants manages the ones they add
            StaffTenant.objects.get_or_create(user=request.user, tenant=obj)


class TenantChoiceMixin(UserChoiceMixin):
    """Tenant choices limited to the tenants the staff member may see, user choices to the users it may name."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = visible_tenants(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(TenantChoiceMixin, ScopedAdmin):
    list_display = ("user", "tenant", "role", "external_id", "created_at")
    list_filter = ("tenant", "role")
    search_fields = ("user__username", "tenant__id", "external_id")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("name", "tenant", "user", "expires_at", "revoked_at")

    def clean(self):
        data = super().clean()
        tenant, user = data.get("tenant"), data.get("user")
        if tenant and user and not Membership.objects.filter(tenant=tenant, user=user).exists():
            self.add_error("user", "This user is not a member of the tenant.")
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(TenantChoiceMixin, ScopedAdmin):
    """A new token is shown once, right after it is added; only its hash and its prefix are kept. A token never
    moves to another tenant or user: revoke it and add another."""

    form = ApiTokenForm
    list_display = ("name", "hint", "tenant", "user", "created_at", "expires_at", "revoked_at")
    list_filter = ("tenant",)
    raw_id_fields = ("user",)
    list_select_related = ("user",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "tenant", "user", "expires_at")
        return ("name", "tenant", "user", "hint", "created_at", "expires_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return ("tenant", "user", "hint", "created_at") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not change:
            token = obj.set_new_token()
            super().save_model(request, obj, form, change)
            messages.warning(
                request, f"New API token for {obj.user} on {obj.tenant_id} (shown once, copy it now): {token}"
            )
            return
        super().save_model(request, obj, form, change)


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(StaffTenant)
class StaffTenantAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ("user", "tenant")
    list_filter = ("tenant",)
    search_fields = ("user__username", "tenant__id")
    raw_id_fields = ("user",)


@admin.register(LogEntry)
class AuditTrailAdmin(SuperuserOnly, admin.ModelAdmin):
    """Who changed what, when, across every tenant: Django's admin log, read-only, for superusers (staff see the
    history of each object they may see on that object's History page)."""

    list_display = ("action_time", "user", "content_type", "object_repr", "action_flag", "change_message")
    list_filter = ("action_flag", "content_type")
    search_fields = ("object_repr", "change_message", "user__username")
    date_hierarchy = "action_time"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Users, groups and permissions: Django's own admins give whoever holds auth.change_user the power to make anyone,
# themselves included, a superuser of every tenant. Here only superusers manage them; a scoped staff member may at
# most look up the users of its own tenants (what the raw-id user widgets need), never change them.
User = get_user_model()
for model in (User, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class ScopedUserAdmin(UserAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = staff_tenant_ids(request)
        if ids is None:
            return qs
        return qs.filter(pk__in=Membership.objects.filter(tenant_id__in=ids).values("user_id")).distinct()

    def get_list_filter(self, request):
        # groups are superusers' business (the filter would list them all)
        return self.list_filter if request.user.is_superuser else ("is_active",)

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": ("username", "first_name", "last_name", "email", "is_active", "last_login")}),)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No user with this id.")


@admin.register(Group)
class SuperuserGroupAdmin(SuperuserOnly, GroupAdmin):
    pass
