"""One database transaction per tenant API request, opened lazily, whose first statement enters the tenant.

For requests under /api/: the tenant alias gets an execute wrapper. On the request's first query it opens
`atomic()` and sends app.enter_tenant*() (which checks the membership or the API token and sets the context with
set_config(..., true)); then the query runs. A request that never queries makes no database call at all. The
transaction commits on 1xx-3xx and rolls back on 4xx, 5xx and exceptions (DRF alone rolls back only under
ATOMIC_REQUESTS). Nothing outlives it: on_commit hooks and streamed bodies run after it, with no tenant context.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.http import JsonResponse

from hospitality import metrics

from .context import TENANT_SCOPE, TenantContext, scope, using_tenant_alias
from .exceptions import DATABASE_UNAVAILABLE, InvalidCredentials, TenantAccessDenied, TenantContextMissing
from .transport import tenant_aliases

API_PREFIX = "/api/"
log = logging.getLogger("hospitality.api")


@dataclasses.dataclass
class TenantRequestState:
    context: TenantContext | None = None
    tenant_id: str | None = None  # filled once entered (for API tokens, by the database)
    user_id: str | None = None
    role: str | None = None
    alias: str | None = None  # the tenant alias (transport) chosen for this request's tenant


class EnterTenantOnFirstQuery:
    """Execute wrapper: lazily opens the request transaction and makes its first statement the tenant entry."""

    def __init__(self, alias: str, state: TenantRequestState):
        self.alias = alias
        self.state = state
        self.atomic = None

    def __call__(self, execute, sql, params, many, context):
        if self.atomic is None:
            if self.state.alias not in (None, self.alias):
                raise TenantContextMissing()  # a query on the other transport's alias: never for this tenant
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
            if tenant_id != self.state.context.tenant_id:
                raise InvalidCredentials()  # an API token whose tenant prefix does not match its record
        except DatabaseError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate == "28P01":
                raise InvalidCredentials() from None
            if sqlstate == "28000":
                raise TenantAccessDenied() from None
            raise
        self.state.tenant_id, self.state.user_id, self.state.role = tenant_id, user_id, role

    def finish(self, success: bool) -> None:
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        if not success:
            transaction.set_rollback(True, using=self.alias)
        atomic.__exit__(None, None, None)


# Commit failures after which nothing was saved: the service refused or never got the call (Data API codes), or
# the database answered with an error and rolled back (any SQLSTATE).
NOT_COMMITTED = {"TransactionNotFoundException", "ConnectionError", "BadRequestException", "ThrottlingException",
                 "DatabaseErrorException", "AccessDeniedException", "ForbiddenException"}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def error_response(status: int, message: str, code: str, **extra) -> JsonResponse:
    """The API's error shape, for failures outside DRF's reach (after the view returned)."""
    response = JsonResponse({"message": message, "code": code, "extra": extra}, status=status)
    if extra.get("retryable"):
        response["Retry-After"] = "2"
    return response


def html_error_as_json(response) -> JsonResponse:
    status = response.status_code
    if status >= 500:
        replaced = error_response(500, "Internal server error; it has been logged.", "server_error")
    else:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        replaced = error_response(status, f"{phrase}.", phrase.lower().replace(" ", "_").replace("-", "_"))
    replaced._has_been_logged = True
    return replaced


def failed_finish_response(request, state: TenantRequestState, exc: DatabaseError, committing: bool) -> JsonResponse:
    cause = exc.__cause__
    aws_code, sqlstate = getattr(cause, "aws_code", None), getattr(cause, "sqlstate", None)
    log.error("request transaction failed to %s: %s", "commit" if committing else "roll back", exc,
              extra={"tenant_id": state.tenant_id or (state.context.tenant_id if state.context else None),
                     "aws_code": aws_code, "sqlstate": sqlstate})
    if isinstance(exc, IntegrityError):  # a deferred constraint, checked at commit: rolled back
        return error_response(409, "The request conflicts with existing data.", "conflict")
    not_committed = (not committing or request.method in SAFE_METHODS
                     or (aws_code in NOT_COMMITTED if aws_code else sqlstate is not None))
    if not_committed:
        return error_response(503, DATABASE_UNAVAILABLE, "database_unavailable", retryable=True)
    return error_response(502, "The database did not confirm the commit: the change may or may not have been saved. "
                               "Check before retrying.",
                          "commit_outcome_unknown", retryable=False)


class _Chosen:
    """request.tenant_enter: the entry of the alias chosen for the request's tenant."""

    def __init__(self, state: TenantRequestState, enters: dict):
        self.state, self.enters = state, enters

    def ensure_entered(self) -> TenantRequestState:
        return self.enters[self.state.alias or settings.TENANT_DB_ALIAS].ensure_entered()


class TenantTransactionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        state = TenantRequestState()
        request.tenant_state = state
        # one lazy entry per tenant alias (Data API and, during a rollout, direct PostgreSQL); only the alias
        # chosen for the request's tenant is ever used
        enters = {alias: EnterTenantOnFirstQuery(alias, state) for alias in tenant_aliases()}
        request.tenant_enter = _Chosen(state, enters)
        success, status, started = False, 500, time.perf_counter()
        response = None
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(scope(TENANT_SCOPE))
                stack.enter_context(using_tenant_alias(settings.TENANT_DB_ALIAS))
                for alias, enter in enters.items():
                    stack.enter_context(connections[alias].execute_wrapper(enter))
                response = self.get_response(request)
                status = response.status_code
                success = status < 400
        finally:
            try:
                for enter in enters.values():
                    enter.finish(success)
            except DatabaseError as exc:
                # The view answered, then the commit (or the rollback) failed: the API's error, never a bare 500.
                response = failed_finish_response(request, state, exc, committing=success)
                response._has_been_logged = True  # logged above with its codes; Django need not log it again
                status = response.status_code
            finally:
                metrics.requests.record((time.perf_counter() - started) * 1000, status)
                metrics.reporter.maybe_flush()
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            # Django's own pages (an uncaught exception, a URL that matches nothing, a refused host): the API's
            # shape instead, never HTML under /api/ (Django has logged what it needed to)
            response = html_error_as_json(response)
        if state.context is not None:
            # responses depend on who asks: never cached across tenants (rls-threats #29)
            response.headers.setdefault("Cache-Control", "private, no-store")
            vary = response.headers.get("Vary")
            response.headers["Vary"] = ", ".join(filter(None, [vary, "Authorization, X-Tenant-Id"]))
        return response
