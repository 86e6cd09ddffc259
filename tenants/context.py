"""The tenant context of a unit of work, and the scopes the database router reads.

A TenantContext is what app.enter_tenant() receives: tenant, user, role and custom variables. It is entered as the
first statement of the tenant alias's transaction (see middleware.TenantTransaction); nothing is ever set at
session level.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json

from .validators import is_valid_tenant_id

TENANT_SCOPE, TRUSTED_SCOPE = "tenant", "trusted"
_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar("hospitality_db_scope", default=None)


class TenantContextError(RuntimeError):
    """Misuse of tenant scopes (nesting another tenant, tenant models outside any scope)."""


@dataclasses.dataclass(frozen=True)
class TenantContext:
    tenant_id: str | None
    user_id: str | None
    role: str | None
    variables: dict = dataclasses.field(default_factory=dict)
    token_hash: str | None = None  # API token: identity resolved by the database in the same statement

    def __post_init__(self):
        if self.token_hash is None and not is_valid_tenant_id(self.tenant_id):
            raise ValueError("invalid tenant id")

    def enter_statement(self) -> tuple[str, list]:
        if self.token_hash is not None:
            return "SELECT tenant_id, user_id, role FROM app.enter_tenant_with_token(%s)", [self.token_hash]
        return ("SELECT %s::text, %s::text, app.enter_tenant(%s, %s, %s, %s::jsonb)",
                [self.tenant_id, self.user_id, self.tenant_id, self.user_id, self.role, json.dumps(self.variables)])


def current_scope() -> str | None:
    return _scope.get()


@contextlib.contextmanager
def scope(name: str):
    token = _scope.set(name)
    try:
        yield
    finally:
        _scope.reset(token)


def trusted_scope():
    """Admin views and operator commands: tenant models go to the trusted alias (BYPASSRLS role)."""
    return scope(TRUSTED_SCOPE)
