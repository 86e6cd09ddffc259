from rest_framework.permissions import BasePermission

from .exceptions import TenantContextMissing


class HasTenantContext(BasePermission):
    """Every tenant endpoint needs a tenant; without one, 401 before any database call."""

    def has_permission(self, request, view):
        state = getattr(request._request, "tenant_state", None)
        if state is None or state.context is None:
            raise TenantContextMissing()
        return True
