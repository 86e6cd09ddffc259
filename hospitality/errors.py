"""One error body for the whole API: {"message": ..., "code": ..., "extra": {...}}. Database details (constraint
names, values, other tenants' data) stay in the logs, never in the body."""

import logging
import re

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django.db.transaction import TransactionManagementError
from django.http import Http404
from django.views.debug import SafeExceptionReporterFilter
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from dataapi_backend.dbapi import REJECTED, RowTooLarge
from tenants.exceptions import DATABASE_UNAVAILABLE, error_body, login_refused, outcome_of
from tenants.key_secret import KeySecretError
from tenants.signals import database_login_refused, unit_of_work_lost

log = logging.getLogger("hospitality.api")


class SecretHidingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Settings, environment (request.META) and local variables on error pages and in error reports: connection
    strings (DATABASE_URL embeds a password), ARNs and credentials are hidden like SECRET_KEY is."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|URL|DSN|DATABASE|ARN|CREDENTIAL|AUTHORIZATION|COOKIE|SESSION",
        flags=re.IGNORECASE,
    )


def _first_code(codes):
    while isinstance(codes, (list, dict)):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes


def database_unavailable() -> Response:
    """503, retryable: the request's transaction is rolled back, so nothing of it was saved."""
    set_rollback()
    return Response(
        error_body(DATABASE_UNAVAILABLE, "database_unavailable", retryable=True),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "2"},
    )


def exception_handler(exc, context):
    if isinstance(exc, IntegrityError):
        log.info("integrity error on %s: %s", context["request"].path, exc)
        set_rollback()
        return Response(
            error_body("The request conflicts with existing data.", "conflict"), status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, DataError):
        # a value the database refused (out of range, malformed for its type): the client's input
        log.info("data error on %s: %s", context["request"].path, exc)
        set_rollback()
        return Response(
            error_body("A value is not valid for the database.", "invalid_data"), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, DatabaseError) and isinstance(exc.__cause__, RowTooLarge):
        # a row over the Data API's 64 KB, written by another client: retrying cannot help; say so
        log.warning("row too large for the Data API on %s: %s", context["request"].path, exc)
        set_rollback()
        return Response(
            error_body(
                "A row of this result is larger than the Data API returns (64 KB per row); it was written by "
                "another client. Narrow the request or have an operator trim it.",
                "row_too_large",
                retryable=False,
            ),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, (TransactionManagementError, InterfaceError)):
        # The request's transaction cannot go on (its connection closed under it, or the close refused; a query
        # after an error caught without a savepoint): the unit of work rolls it back, so nothing of it is saved.
        log.error("the unit of work on %s cannot go on: %s", context["request"].path, exc)
        unit_of_work_lost.send(sender=exception_handler, alias=None, surface="tenant-api", outcome=REJECTED)
        return database_unavailable()
    if isinstance(exc, OperationalError):
        # Throttling or a resuming database past the retry budget, an expired Data API transaction, an unreachable
        # database, a lost connection: the request's transaction is rolled back, so nothing was committed whatever
        # the statement's own outcome; the client may retry.
        log.warning("database unavailable on %s (%s): %s", context["request"].path, outcome_of(exc), exc)
        if login_refused(exc):
            database_login_refused.send(sender=exception_handler)
        return database_unavailable()
    if isinstance(exc, KeySecretError):
        # the signing keys' secret cannot be read (and no keys were read before): nothing can be entered
        log.error("context keys unavailable on %s: %s", context["request"].path, exc)
        return database_unavailable()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handling (logged, generic page) takes over
    if response.status_code == 401 or getattr(exc, "default_code", None) == "tenant_access_denied":
        from tenants.throttling import record_failure

        record_failure(context["request"])
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("Invalid input.", "invalid", fields=exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = error_body(str(detail), _first_code(exc.get_codes()) if hasattr(exc, "get_codes") else "error")
    response.data = body
    return response
