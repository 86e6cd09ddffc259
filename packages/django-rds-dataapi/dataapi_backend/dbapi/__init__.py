"""A PEP 249 (DB-API 2.0) driver for PostgreSQL over the AWS RDS Data API, on boto3's `rds-data` client.

from dataapi_backend import dbapi
conn = dbapi.connect(resource_arn=..., secret_arn=..., database="mydb", region_name="us-east-1")
with conn.cursor() as cur:
    cur.execute("SELECT id FROM bookings WHERE status = %s", ["confirmed"])
"""

from __future__ import annotations

from typing import Any

from .adaptation import Adaptation
from .call_metrics import Metrics, metrics_for
from .connection import Connection
from .cursor import Cursor, is_read_only, locks_rows
from .errors import (
    NOT_SENT,
    REJECTED,
    UNKNOWN,
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    LoginRefused,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    ResponseTooLarge,
    RowTooLarge,
    Warning,  # noqa: A004 - PEP 249 name
    lookup,
)
from .params import Json, TypedText
from .transport import ClientSettings, RetryPolicy, Transport, get_client
from .types import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)

apilevel = "2.0"
threadsafety = 1  # share the module, not connections: a connection carries one transaction id
paramstyle = "pyformat"


def connect(
    *,
    resource_arn: str,
    secret_arn: str,
    database: str | None = None,
    region_name: str = "us-east-1",
    endpoint_url: str | None = None,
    retry: RetryPolicy | None = None,
    metrics: Metrics | None = None,
    debug: bool = False,
    adaptation: Adaptation | None = None,
    **client_options: Any,
) -> Connection:
    client = get_client(ClientSettings(region_name=region_name, endpoint_url=endpoint_url, **client_options))
    transport = Transport(
        client, metrics or metrics_for(f"{resource_arn}/{database}"), retry or RetryPolicy(), debug=debug
    )
    return Connection(
        resource_arn=resource_arn,
        secret_arn=secret_arn,
        database=database,
        transport=transport,
        adaptation=adaptation,
    )


__all__ = [
    "BINARY",
    "Adaptation",
    "NOT_SENT",
    "REJECTED",
    "UNKNOWN",
    "LoginRefused",
    "ResponseTooLarge",
    "RowTooLarge",
    "lookup",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "ClientSettings",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "Json",
    "Metrics",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "RetryPolicy",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "TypedText",
    "Warning",
    "apilevel",
    "connect",
    "get_client",
    "is_read_only",
    "locks_rows",
    "metrics_for",
    "paramstyle",
    "threadsafety",
]
