from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed, NotAuthenticated

from dataapi_backend.dbapi import NOT_SENT, REJECTED, UNKNOWN, LoginRefused

# The answer when nothing can have been saved and the client may simply retry (the API's exception handler and the
# tenancy middleware's commit handling both give it).
DATABASE_UNAVAILABLE = "The database is temporarily unavailable; nothing was saved. Retry the request."
COMMIT_UNKNOWN = (
    "The database did not confirm the commit: the change may or may not have been saved. Check before retrying."
)


def error_body(message: str, code: str, **extra) -> dict:
    """The API's one error shape, whoever answers (DRF's handler, the tenancy middleware, idempotency)."""
    return {"message": message, "code": code, "extra": extra}


def outcome_of(exc: BaseException) -> str:
    """What became of the database call behind a Django DatabaseError: the Data API driver says it (`outcome`); a
    psycopg error (the direct path) answered with an SQLSTATE was refused by the database, one without lost its
    connection, so its fate is unknown."""
    cause = exc.__cause__ or exc
    outcome = getattr(cause, "outcome", None)
    if outcome in (NOT_SENT, REJECTED, UNKNOWN):
        return outcome
    return REJECTED if getattr(cause, "sqlstate", None) else UNKNOWN


def login_refused(exc: BaseException) -> bool:
    """The database refused this process's own login (the role's password was changed by someone holding it): the
    Data API driver says so with LoginRefused; psycopg (the direct path) with PostgreSQL's words, at connect."""
    cause = exc.__cause__ or exc
    return isinstance(cause, LoginRefused) or "password authentication failed for user" in str(cause)


class TenantAccessDenied(APIException):
    """Not a member, unknown tenant, wrong role: one answer for all (no tenant-existence oracle)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have access to this tenant."
    default_code = "tenant_access_denied"


class TenantInactive(APIException):
    """A proven member's tenant (a whole token, or a signed context of a member) is deactivated: its data is kept,
    nobody enters it until `reactivate_tenant`. Never said to a caller who proved nothing."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "This tenant is deactivated."
    default_code = "tenant_inactive"


class InvalidCredentials(AuthenticationFailed):
    default_detail = "Invalid or expired credentials."
    default_code = "invalid_credentials"


class TenantContextMissing(NotAuthenticated):
    default_detail = "This endpoint needs a tenant: authenticate with a tenant JWT or API token."
    default_code = "tenant_required"


class InvalidTenantId(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Tenant ids are 3-63 lowercase letters, digits and dashes, e.g. tenant-seaside-001."
    default_code = "invalid_tenant_id"
