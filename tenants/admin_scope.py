"""Per-staff tenant scoping for the Django admin.

The admin runs on the trusted path (hospitality_admin, BYPASSRLS), so the database shows it every tenant; which
tenants a staff member may see is decided here. Superusers see all tenants; other staff see the tenants assigned to
them (StaffTenant), and Django's model permissions decide what they may do there. Every view goes through
`get_queryset` (lists, search, filters, exports, related-object lookups, history, delete), so scoping it scopes them
all; an object outside the scope is a 404, the same as a missing one, including for URLs typed by hand.

Rows that belong to a tenant are created for a chosen tenant: the add view asks for the tenant first, and every
related choice of the form (a booking's property and room, a relationship's entity) is limited to that tenant.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse

from .models import StaffTenant, Tenant


def staff_tenant_ids(request) -> frozenset[str] | None:
    """The tenant ids this request's user may manage in the admin; None means every tenant (superusers)."""
    cached = getattr(request, "_staff_tenant_ids", False)
    if cached is not False:
        return cached
    user = request.user
    ids = (
        None
        if user.is_superuser
        else frozenset(StaffTenant.objects.filter(user=user).values_list("tenant_id", flat=True))
    )
    request._staff_tenant_ids = ids
    return ids


def visible_tenants(request):
    ids = staff_tenant_ids(request)
    tenants = Tenant.objects.order_by("id")
    return tenants if ids is None else tenants.filter(id__in=ids)


class AssignedTenantFilter(admin.SimpleListFilter):
    """The tenant filter, offering only the tenants the staff member may see."""

    title = "tenant"
    parameter_name = "tenant"
    tenant_lookup = "tenant_id"

    def lookups(self, request, model_admin):
        return [(t.id, t.id) for t in visible_tenants(request)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.tenant_lookup: value}) if value else queryset


class ScopedAdmin(admin.ModelAdmin):
    """Every admin of a tenant's data: scoped per staff member, 404 outside the scope, CSV export."""

    tenant_lookup = "tenant_id"  # how a row names its tenant (Tenant itself: "id")
    actions = ["export_csv"]
    show_full_result_count = False  # no second, unfiltered COUNT on every list page

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = staff_tenant_ids(request)
        return qs if ids is None else qs.filter(**{f"{self.tenant_lookup}__in": ids})

    def get_list_filter(self, request):
        # the plain "tenant" filter would list every tenant: replace it with the scoped one
        tenant_filter = type("TenantFilter", (AssignedTenantFilter,), {"tenant_lookup": self.tenant_lookup})
        return [tenant_filter if f == "tenant" else f for f in super().get_list_filter(request)]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with a message; an id outside the staff member's tenants (or a missing
        # one, alike) is a plain 404 here, so a typed URL reveals nothing.
        raise Http404(f"No {opts.verbose_name} with this id.")

    def tenant_allowed(self, request, tenant_id: str | None) -> bool:
        ids = staff_tenant_ids(request)
        return tenant_id is not None and (ids is None or tenant_id in ids)

    @admin.action(description="Export selected rows as CSV")
    def export_csv(self, request, queryset):
        fields = [f for f in self.model._meta.concrete_fields]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.db_table}.csv"'
        writer = csv.writer(response)
        writer.writerow([f.column for f in fields])
        for obj in queryset.order_by("pk").iterator(chunk_size=2000):
            writer.writerow([f.value_from_object(obj) for f in fields])
        return response


class ChooseTenantForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), empty_label=None)

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = visible_tenants(request)


class TenantFirstAdmin(ScopedAdmin):
    """For models with a tenant: the add view asks for the tenant first (?tenant=<id>), the form's related choices
    are that tenant's rows only, and the row is saved for that tenant. The tenant of an existing row never
    changes."""

    readonly_fields = ("id", "tenant", "created_at", "created_by", "updated_at")

    def chosen_tenant(self, request, obj=None) -> str | None:
        if obj is not None and obj.pk:
            return obj.tenant_id
        tenant_id = request.GET.get("tenant")
        if tenant_id is not None and not self.tenant_allowed(request, tenant_id):
            raise PermissionDenied("You may not add rows for this tenant.")
        return tenant_id

    def add_view(self, request, form_url="", extra_context=None):
        if self.chosen_tenant(request) is None:
            form = ChooseTenantForm(request)
            context = {
                **self.admin_site.each_context(request),
                "title": f"Add {self.opts.verbose_name}: tenant",
                "opts": self.opts,
                "form": form,
                "has_view_permission": self.has_view_permission(request),
            }
            return TemplateResponse(request, "admin/choose_tenant.html", context)
        return super().add_view(
            request, form_url, {**(extra_context or {}), "subtitle": f"for tenant {request.GET['tenant']}"}
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._form_tenant = self.chosen_tenant(request, obj)  # read by formfield_for_foreignkey
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        tenant_id = getattr(request, "_form_tenant", None)
        related = db_field.related_model
        if getattr(related, "tenant_scoped", False):
            kwargs["queryset"] = related.objects.filter(tenant_id=tenant_id).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.tenant_id = self.chosen_tenant(request)
            obj.created_by = f"staff:{request.user.username}"
        super().save_model(request, obj, form, change)

    def log_bulk_change(self, request, queryset, message: str) -> None:
        """Bulk actions leave one audit entry per changed row, like the change form does."""
        for obj in queryset:
            self.log_change(request, obj, message)
        messages.success(request, f"{queryset.count()} {self.opts.verbose_name_plural}: {message}.")
