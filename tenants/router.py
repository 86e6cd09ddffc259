"""Tenant-scoped models go to the `tenant` alias (RLS role) inside a tenant request, to `default` (trusted role)
inside a trusted scope, and nowhere otherwise: outside both, using them is an error (fail closed)."""

from .aliases import TENANT_ALIAS, TRUSTED_ALIAS, tenant_aliases
from .context import TENANT_SCOPE, TRUSTED_SCOPE, TenantContextError, current_scope, current_tenant_alias


def is_tenant_model(model) -> bool:
    return getattr(model, "tenant_scoped", False)


class TenantRouter:
    def _route(self, model, **hints):
        if not is_tenant_model(model):
            return None
        scope = current_scope()
        if scope == TENANT_SCOPE:
            return current_tenant_alias() or TENANT_ALIAS
        if scope == TRUSTED_SCOPE:
            return TRUSTED_ALIAS
        raise TenantContextError(
            f"{model._meta.label} is tenant data: use it inside a tenant request, or inside trusted_scope() for "
            "admin and operator code"
        )

    db_for_read = _route
    db_for_write = _route

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Schema changes run as the owner on the trusted alias only; the tenant aliases never migrate.
        if db in tenant_aliases():
            return False
        return None
