"""One database transaction per tenant API request, opened lazily, whose first statement enters the tenant.

For requests under /api/ the middleware attaches `request.tenancy` (tenants.tenancy.Tenancy), which opens
`atomic()` on the request's first query and enters the tenant. A request that never queries makes no database call
at all. The transaction commits on 1xx-3xx and rolls back on 4xx, 5xx and exceptions (DRF alone rolls back only
under ATOMIC_REQUESTS); a failure to commit is answered in the API's error shape here. Nothing outlives it:
on_commit hooks and streamed bodies run after it, with no tenant context.
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus

from django.db import DatabaseError, IntegrityError
from django.http import JsonResponse

from dataapi_backend.dbapi import UNKNOWN

from .context import TENANT_SCOPE, scope
from .exceptions import COMMIT_UNKNOWN, DATABASE_UNAVAILABLE, error_body, outcome_of
from .signals import tenant_request_finished
from .tenancy import SAFE_METHODS, Tenancy, bound

API_PREFIX = "/api/"
log = logging.getLogger("hospitality.api")


def error_response(status: int, message: str, code: str, **extra) -> JsonResponse:
    """The API's error shape, for failures outside DRF's reach (after the view returned)."""
    response = JsonResponse(error_body(message, code, **extra), status=status)
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


def failed_finish_response(request, exc: DatabaseError, committing: bool) -> JsonResponse:
    cause = exc.__cause__
    aws_code, sqlstate = getattr(cause, "aws_code", None), getattr(cause, "sqlstate", None)
    outcome = outcome_of(exc)
    log.error(
        "request transaction failed to %s: %s",
        "commit" if committing else "roll back",
        exc,
        extra={
            "tenant_id": request.tenancy.tenant_id,
            "aws_code": aws_code,
            "sqlstate": sqlstate,
            "outcome": outcome,
        },
    )
    if isinstance(exc, IntegrityError):  # a deferred constraint, checked at commit: rolled back
        return error_response(409, "The request conflicts with existing data.", "conflict")
    # a rollback, a read-only request, or a commit that surely did not happen: nothing was saved
    if not committing or request.method in SAFE_METHODS or outcome != UNKNOWN:
        return error_response(503, DATABASE_UNAVAILABLE, "database_unavailable", retryable=True)
    return error_response(502, COMMIT_UNKNOWN, "commit_outcome_unknown", retryable=False)


class TenantTransactionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        tenancy = request.tenancy = Tenancy(request)
        success, status, started = False, 500, time.perf_counter()
        response = None
        try:
            with scope(TENANT_SCOPE), bound(tenancy):
                response = self.get_response(request)
                status = response.status_code
                success = status < 400
        finally:
            try:
                tenancy.finish(success)
            except DatabaseError as exc:
                # The view answered, then the commit (or the rollback) failed: the API's error, never a bare 500.
                response = failed_finish_response(request, exc, committing=success)
                response._has_been_logged = True  # logged above with its codes; Django need not log it again
                status = response.status_code
            finally:
                tenant_request_finished.send(
                    sender=type(self), request=request, status=status, latency_ms=(time.perf_counter() - started) * 1000
                )
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            # Django's own pages (an uncaught exception, a URL that matches nothing, a refused host): the API's
            # shape instead, never HTML under /api/ (Django has logged what it needed to)
            response = html_error_as_json(response)
        # Responses depend on who asks (a 404 too: it says what the caller may not see): never let a shared cache
        # serve one caller's answer to another.
        response.headers.setdefault("Cache-Control", "private, no-store")
        vary = response.headers.get("Vary")
        response.headers["Vary"] = ", ".join(filter(None, [vary, "Authorization, X-Tenant-Id"]))
        return response
