from rest_framework.permissions import SAFE_METHODS, BasePermission

from .exceptions import TenantContextMissing
from .rls import DEFAULT_WRITERS, WRITERS


class HasTenantContext(BasePermission):
    """Every tenant endpoint needs a tenant; without one, 401 before any database call."""

    def has_permission(self, request, view):
        tenancy = getattr(request, "tenancy", None)  # only the tenant API's requests have one
        if tenancy is None or tenancy.context is None:
            raise TenantContextMissing()
        return True


class RoleMayWrite(BasePermission):
    """Reads for every member; writes for the roles that may write the view's table (tenants.rls.WRITERS: the same
    rule the database's write policies enforce, so a view that forgot this check still cannot let a viewer write).
    The role is the one the database confirmed when entering the tenant (an API token's comes from its membership),
    so checking it costs no extra call: entering is the write's first statement anyway."""

    message = "Your role in this tenant may not change this data."
    code = "role_not_allowed"

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        model = getattr(view, "model", None)
        if model is None:
            return False
        # A JWT's role is its claim (the database refuses to enter if the membership says otherwise, and its write
        # policies check the proven role again): no database call, so bad input is refused before any. An API token's
        # role is known once entered, which is the write's first statement anyway.
        role = (
            request.auth.role
            if request.auth is not None and request.auth.role is not None
            else request.tenancy.ensure_entered().role
        )
        return role in WRITERS.get(model._meta.db_table, DEFAULT_WRITERS)
