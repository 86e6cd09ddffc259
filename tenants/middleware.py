"""One database transaction per tenant API request, opened lazily, whose first statement enters the tenant.

For requests under /api/: the tenant alias gets an execute wrapper. On the request's first query it opens
`atomic()` and sends app.enter_tenant*() (which checks the membership or the API token and sets the context with
set_config(..., true)); then the query runs. A request that never queries makes no database call at all. The
transaction commits on 1xx-3xx and rolls back on 4xx, 5xx and exceptions (DRF alone rolls back only under
ATOMIC_REQUESTS). Nothing outlives it: on_commit hooks and streamed bodies run after it, with no tenant context.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from .context import TENANT_SCOPE, TenantContext, scope
from .exceptions import InvalidCredentials, TenantAccessDenied, TenantContextMissing

API_PREFIX = "/api/"


@dataclasses.dataclass
class TenantRequestState:
    context: TenantContext | None = None
    entered: bool = False
    tenant_id: str | None = None  # filled once entered (for API tokens, by the database)
    user_id: str | None = None
    role: str | None = None


class EnterTenantOnFirstQuery:
    """Execute wrapper: lazily opens the request transaction and makes its first statement the tenant entry."""

    def __init__(self, alias: str, state: TenantRequestState):
        self.alias = alias
        self.state = state
        self.atomic = None

    def __call__(self, execute, sql, params, many, context):
        if self.atomic is None:
            self._begin()
            self._enter(lambda s, p: execute(s, p, False, context), context["cursor"])
        return execute(sql, params, many, context)

    def ensure_entered(self) -> TenantRequestState:
        """Enter now (for code that needs the identity the database resolved, e.g. an API token's tenant before
        an INSERT). Still the transaction's first statement; no extra call when something enters later anyway."""
        if self.atomic is None:
            self._begin()
            with connections[self.alias].cursor() as cursor:
                self._enter(lambda s, p: cursor.execute(s, p), cursor)
        return self.state

    def _begin(self) -> None:
        if self.state.context is None:
            raise TenantContextMissing()  # fail closed: no tenant, no query
        self.atomic = transaction.atomic(using=self.alias)
        self.atomic.__enter__()

    def _enter(self, run, cursor) -> None:
        enter_sql, enter_params = self.state.context.enter_statement()
        try:
            run(enter_sql, enter_params)
            tenant_id, user_id, role = cursor.fetchone()
        except DatabaseError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate == "28P01":
                raise InvalidCredentials() from None
            if sqlstate == "28000":
                raise TenantAccessDenied() from None
            raise
        self.state.entered = True
        self.state.tenant_id, self.state.user_id, self.state.role = tenant_id, user_id, role

    def finish(self, success: bool) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        if not success:
            transaction.set_rollback(True, using=self.alias)
        atomic.__exit__(None, None, None)


class TenantTransactionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        alias = settings.TENANT_DB_ALIAS
        state = TenantRequestState()
        request.tenant_state = state
        enter = request.tenant_enter = EnterTenantOnFirstQuery(alias, state)
        success = False
        try:
            with scope(TENANT_SCOPE), connections[alias].execute_wrapper(enter):
                response = self.get_response(request)
                success = response.status_code < 400
        finally:
            enter.finish(success)
        if state.context is not None:
            # responses depend on who asks: never cached across tenants (rls-threats #29)
            response.headers.setdefault("Cache-Control", "private, no-store")
            vary = response.headers.get("Vary")
            response.headers["Vary"] = ", ".join(filter(None, [vary, "Authorization, X-Tenant-Id"]))
        return response
