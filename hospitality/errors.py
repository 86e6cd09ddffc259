"""One error body for the whole API: {"message": ..., "code": ..., "extra": {...}}. Database details (constraint
names, values, other tenants' data) stay in the logs, never in the body."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

log = logging.getLogger("hospitality.api")


def _first_code(codes):
    while isinstance(codes, (list, dict)):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes


def exception_handler(exc, context):
    if isinstance(exc, IntegrityError):
        log.info("integrity error on %s: %s", context["request"].path, exc)
        set_rollback()
        return Response({"message": "The request conflicts with existing data.", "code": "conflict", "extra": {}},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, OperationalError):
        # Throttling or a resuming database past the retry budget, an expired Data API transaction, an unreachable
        # database: nothing was committed (the request's transaction is rolled back); the client may retry.
        log.warning("database unavailable on %s: %s", context["request"].path, exc)
        set_rollback()
        return Response({"message": "The database is temporarily unavailable; nothing was saved. Retry the request.",
                         "code": "database_unavailable", "extra": {"retryable": True}},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "2"})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handling (logged, generic page) takes over
    if isinstance(exc, exceptions.ValidationError):
        body = {"message": "Invalid input.", "code": "invalid", "extra": {"fields": exc.detail}}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = {"message": str(detail), "code": _first_code(exc.get_codes()) if hasattr(exc, "get_codes")
                else "error", "extra": {}}
    response.data = body
    return response
