"""PEP 249 exception hierarchy, each carrying the SQLSTATE, the AWS error code and the call's outcome, classified
like psycopg.

Classification: the exact SQLSTATE picks a named subclass (UniqueViolation, SerializationFailure, ...); otherwise
its two-character class picks the DB-API class, so Django's DatabaseErrorWrapper maps errors as it does for psycopg.
The Data API's own limits are classes too (ResponseTooLarge, RowTooLarge), read once here from AWS's message.

`outcome` says what became of the call, for the layers above that must answer a client:
  NOT_SENT  the statement never ran: refused before it (throttled, resuming, unreachable, invalid, denied);
  REJECTED  the database ran it and refused it: it had no effect (an SQLSTATE error; an ended transaction);
  UNKNOWN   the call was cut off (a lost connection, a 5xx on a write): it may or may not have taken effect.
"""

from __future__ import annotations

import re

from .limits import SIZE_LIMIT_MESSAGE

NOT_SENT, REJECTED, UNKNOWN = "not_sent", "rejected", "unknown"


# SQLSTATE → the class named for it, filled as the classes below are defined (Error.__init_subclass__)
BY_SQLSTATE: dict[str, type[Error]] = {}


class Warning(Exception):  # noqa: A001 - PEP 249 name
    pass


class Error(Exception):
    sqlstate: str | None = None
    aws_code: str | None = None
    outcome: str | None = None  # NOT_SENT, REJECTED or UNKNOWN where a call was made; None for local errors

    def __init__(
        self,
        message: str = "",
        *,
        sqlstate: str | None = None,
        aws_code: str | None = None,
        outcome: str | None = None,
    ):
        super().__init__(message)
        if sqlstate is not None:
            self.sqlstate = sqlstate
        self.aws_code = aws_code
        if outcome is not None:
            self.outcome = outcome

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "sqlstate" in cls.__dict__ and cls.sqlstate:  # a named SQLSTATE (psycopg.errors' way)
            BY_SQLSTATE[cls.sqlstate] = cls

    @property
    def pgcode(self) -> str | None:  # psycopg2's name, for code that still reads it
        return self.sqlstate

    @property
    def diag(self) -> Diagnostic:
        """psycopg 3's error details, as far as the Data API's message carries them (SQLSTATE and first line)."""
        return Diagnostic(self)


class Diagnostic:
    def __init__(self, error: Error):
        self.sqlstate = error.sqlstate
        lines = (str(error.args[0]) if error.args else "").splitlines()
        self.message_primary: str | None = lines[0].strip() if lines else None
        details = [line.strip().removeprefix("Detail: ") for line in lines[1:] if line.strip().startswith("Detail:")]
        self.message_detail: str | None = details[0] if details else None


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


class LoginRefused(OperationalError):
    """The database refused the secret's login (its role's password no longer matches the secret): nothing ran.
    Not the caller's bad credential: whoever holds the role may change its password."""

    outcome = NOT_SENT


class ResponseTooLarge(ProgrammingError):
    """The result is over the Data API's 1 MiB response limit: nothing was returned (a read may be paged)."""

    outcome = REJECTED


class RowTooLarge(ProgrammingError):
    """A row of the result is over the Data API's 64 KB per-row limit: no paging can return it."""

    outcome = REJECTED


# SQLSTATE class → DB-API class (PostgreSQL Appendix A; the same grouping psycopg uses).
CLASS_MAP = {
    "08": OperationalError,
    "0A": NotSupportedError,
    "20": ProgrammingError,
    "21": ProgrammingError,
    "22": DataError,
    "23": IntegrityError,
    "24": InternalError,
    "25": InternalError,
    "26": InternalError,
    "27": InternalError,
    "28": OperationalError,
    "2B": InternalError,
    "2D": InternalError,
    "2F": InternalError,
    "34": ProgrammingError,
    "38": InternalError,
    "39": InternalError,
    "3B": InternalError,
    "3D": ProgrammingError,
    "3F": ProgrammingError,
    "40": OperationalError,
    "42": ProgrammingError,
    "44": ProgrammingError,
    "53": OperationalError,
    "54": OperationalError,
    "55": OperationalError,
    "57": OperationalError,
    "58": OperationalError,
    "F0": InternalError,
    "HV": OperationalError,
    "P0": InternalError,
    "XX": InternalError,
}

# Exact SQLSTATEs that code commonly matches by class, with psycopg.errors' names.


class IntegrityConstraintViolation(IntegrityError):
    sqlstate = "23000"


class NotNullViolation(IntegrityError):
    sqlstate = "23502"


class ForeignKeyViolation(IntegrityError):
    sqlstate = "23503"


class UniqueViolation(IntegrityError):
    sqlstate = "23505"


class CheckViolation(IntegrityError):
    sqlstate = "23514"


class ExclusionViolation(IntegrityError):
    sqlstate = "23P01"


class SerializationFailure(OperationalError):
    sqlstate = "40001"


class DeadlockDetected(OperationalError):
    sqlstate = "40P01"


class InsufficientPrivilege(ProgrammingError):
    sqlstate = "42501"


class UndefinedTable(ProgrammingError):
    sqlstate = "42P01"


class UndefinedColumn(ProgrammingError):
    sqlstate = "42703"


class DuplicateDatabase(ProgrammingError):
    sqlstate = "42P04"


class DuplicateTable(ProgrammingError):
    sqlstate = "42P07"


class DuplicateObject(ProgrammingError):
    sqlstate = "42710"


class SyntaxError(ProgrammingError):  # noqa: A001 - psycopg's name
    sqlstate = "42601"


class InvalidCatalogName(ProgrammingError):
    sqlstate = "3D000"


class QueryCanceled(OperationalError):
    sqlstate = "57014"


class InFailedSqlTransaction(InternalError):
    sqlstate = "25P02"


class StringDataRightTruncation(DataError):
    sqlstate = "22001"


class NumericValueOutOfRange(DataError):
    sqlstate = "22003"


class InvalidTextRepresentation(DataError):
    sqlstate = "22P02"


class InvalidDatetimeFormat(DataError):
    sqlstate = "22007"


class DatetimeFieldOverflow(DataError):
    sqlstate = "22008"


class DivisionByZero(DataError):
    sqlstate = "22012"


class LockNotAvailable(OperationalError):
    sqlstate = "55P03"


class FeatureNotSupported(NotSupportedError):
    sqlstate = "0A000"


def lookup(sqlstate: str) -> type[Error]:
    """The class named for this SQLSTATE (KeyError when there is none), like psycopg.errors.lookup."""
    return BY_SQLSTATE[sqlstate]


def error_class(sqlstate: str | None) -> type[Error]:
    if not sqlstate:
        return DatabaseError
    return BY_SQLSTATE.get(sqlstate) or CLASS_MAP.get(sqlstate[:2], DatabaseError)


# PostgreSQL's own refusal of a login (a function may raise 28P01 for its own reasons, with other words)
_LOGIN_REFUSED_RE = re.compile(r"^(FATAL:\s*)?password authentication failed for user\b")
_SQLSTATE_RE = re.compile(r";\s*SQLState:\s*([0-9A-Z]{5})\s*$")


def from_database_error(message: str, aws_code: str = "DatabaseErrorException") -> Error:
    """A DatabaseErrorException's message ('ERROR: ...; SQLState: 23505') → the classified exception. Without a
    SQLSTATE the database did not answer the statement: the connection between the Data API and PostgreSQL was lost
    (a restart, a failover), so the statement's fate is unknown and the transaction, if any, is gone."""
    m = _SQLSTATE_RE.search(message)
    sqlstate = m.group(1) if m else None
    text = message[: m.start()] if m else message
    text = text.removeprefix("ERROR: ")
    if sqlstate is None:
        return OperationalError(f"the database connection was lost: {text}", aws_code=aws_code, outcome=UNKNOWN)
    if sqlstate == "28P01" and _LOGIN_REFUSED_RE.search(text):
        return LoginRefused(
            f"{text} (the password of the secret's role no longer matches the secret: set it back from the secret)",
            sqlstate=sqlstate,
            aws_code=aws_code,
        )
    return error_class(sqlstate)(text, sqlstate=sqlstate, aws_code=aws_code, outcome=REJECTED)


# AWS error codes that do not carry a SQLSTATE.
AWS_CLASSES: dict[str, type[Error]] = {
    "BadRequestException": ProgrammingError,
    "StatementTimeoutException": OperationalError,
    "TransactionNotFoundException": OperationalError,
    "DatabaseResumingException": OperationalError,
    "DatabaseUnavailableException": OperationalError,
    "ServiceUnavailableError": OperationalError,
    "InternalServerErrorException": OperationalError,
    "ThrottlingException": OperationalError,
    "SecretsErrorException": OperationalError,
    "InvalidSecretException": OperationalError,
    "AccessDeniedException": OperationalError,
    "ForbiddenException": OperationalError,
    "HttpEndpointNotEnabledException": OperationalError,
    "InvalidResourceStateException": OperationalError,
    "DatabaseNotFoundException": OperationalError,
    "UnsupportedResultException": NotSupportedError,
    "ValidationException": ProgrammingError,
}
HINTS = {
    "TransactionNotFoundException": (
        "the Data API transaction no longer exists (idle for more than 3 minutes, open for more than 24 hours, or "
        "already ended); its uncommitted work was rolled back. Retry the whole unit of work."
    ),
    "StatementTimeoutException": "the statement ran past the Data API's timeout and was cancelled",
    "DatabaseResumingException": "Aurora is resuming from 0 ACU; retries were exhausted, try again in a few seconds",
    "SecretsErrorException": "check secret_arn (OPTIONS['secret_arn'] in Django: a secret of the cluster) and the IAM "
    "permission secretsmanager:GetSecretValue",
    "AccessDeniedException": "the IAM principal lacks rds-data permissions on the cluster",
    "ValidationException": "one SQL statement per call: split scripts into statements (Django's "
    "connection.ops.prepare_sql_script, or dataapi_backend.sql_script.split)",
}


# What became of a call that failed with these codes (any other: UNKNOWN).
OUTCOMES = {
    "BadRequestException": NOT_SENT,
    "ValidationException": NOT_SENT,
    "ThrottlingException": NOT_SENT,
    "ThrottledException": NOT_SENT,
    "TooManyRequestsException": NOT_SENT,
    "DatabaseResumingException": NOT_SENT,
    "DatabaseNotFoundException": NOT_SENT,
    "SecretsErrorException": NOT_SENT,
    "InvalidSecretException": NOT_SENT,
    "AccessDeniedException": NOT_SENT,
    "ForbiddenException": NOT_SENT,
    "HttpEndpointNotEnabledException": NOT_SENT,
    "InvalidResourceStateException": NOT_SENT,
    "UnsupportedResultException": REJECTED,
    "TransactionNotFoundException": REJECTED,  # ended and rolled back: nothing of it was committed
    "StatementTimeoutException": REJECTED,  # cancelled: its work is undone
}
# The Data API's 64 KB per-row limit, as its BadRequestException says it (the 1 MiB total: SIZE_LIMIT_MESSAGE)
_ROW_LIMIT_RE = re.compile(r"\bper row\b")


def from_aws(code: str, message: str) -> Error:
    if code == "DatabaseErrorException":
        return from_database_error(message, code)
    if code == "BadRequestException" and SIZE_LIMIT_MESSAGE in message:
        return ResponseTooLarge(f"{code}: {message}", aws_code=code)
    if code == "BadRequestException" and _ROW_LIMIT_RE.search(message):
        return RowTooLarge(f"{code}: {message}", aws_code=code)
    cls = AWS_CLASSES.get(code, OperationalError if code.endswith("Exception") else DatabaseError)
    hint = HINTS.get(code)
    text = f"{code}: {message}" + (f" ({hint})" if hint else "")
    sqlstate = "57014" if code == "StatementTimeoutException" else None
    return cls(text, sqlstate=sqlstate, aws_code=code, outcome=OUTCOMES.get(code, UNKNOWN))
