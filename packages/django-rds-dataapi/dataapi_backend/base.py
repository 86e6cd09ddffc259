"""DatabaseWrapper: Django's PostgreSQL backend with the psycopg driver replaced by `dataapi_backend.dbapi`.

Its base classes are Django's postgresql backend without psycopg (`postgresql_core`): a process that only speaks
the Data API never imports psycopg.

`vendor` stays "postgresql" so contrib.postgres, `as_postgresql()` and Django's postgres code paths apply. Only what
the driver changes is overridden; each override says why.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from typing import Any

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper
from django.db.transaction import TransactionManagementError
from django.utils.asyncio import async_unsafe

from . import dbapi
from .client import DatabaseClient
from .creation import DatabaseCreation
from .features import DatabaseFeatures
from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .postgresql_core import base as pg_base
from .schema import DatabaseSchemaEditor
from .validation import DatabaseValidation, options_from_settings

# We override private parts of Django's postgresql backend: refuse versions this code was not checked against.
SUPPORTED_DJANGO = (5, 2)
if django.VERSION[:2] != SUPPORTED_DJANGO:
    raise ImproperlyConfigured(
        f"dataapi_backend supports Django {SUPPORTED_DJANGO[0]}.{SUPPORTED_DJANGO[1]}.x only; "
        f"found {django.get_version()}. Install Django 5.2 (pip install 'Django>=5.2,<5.3')"
    )


class DatabaseWrapper(pg_base.DatabaseWrapper):
    vendor = "postgresql"
    display_name = "PostgreSQL (RDS Data API)"
    Database = dbapi
    SchemaEditorClass = DatabaseSchemaEditor
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
    validation_class = DatabaseValidation

    @property
    def pool(self) -> None:
        # No connection pool: every call is an HTTPS request; the Data API pools on the server side.
        return None

    def get_connection_params(self) -> dict[str, Any]:
        # OPTIONS are validated here, with messages that name the key; backend-only keys never reach boto3.
        return options_from_settings(self.settings_dict, self.alias)

    @async_unsafe
    def get_new_connection(self, conn_params: dict[str, Any]) -> dbapi.Connection:
        params = dict(conn_params)
        retry = params.pop("retry")
        return dbapi.connect(
            **params,
            retry=retry,
            metrics=dbapi.metrics_for(self.alias),
            adaptation=self._adaptation(),
        )

    def warm_up(self) -> None:
        """Create the process-wide boto3 client now, with no network call: on Lambda this runs in the init phase,
        so the first request does not pay for it (the client is then reused by every connection of the process)."""
        params = self.get_connection_params()
        fields = {f.name for f in dataclasses.fields(dbapi.ClientSettings)}
        dbapi.get_client(dbapi.ClientSettings(**{k: v for k, v in params.items() if k in fields}))

    def ask_database_once(self) -> None:
        """Ask the database now what a process asks it once per target (its version, which Django checks on a
        first connection, and the time zone the secret's sessions start in: one Data API call). For an init that
        runs before any request waits (a SnapStart snapshot, provisioned concurrency)."""
        self.ensure_connection()

    def init_connection_state(self) -> None:
        # What a process asks once is asked here, as the connection opens and before any transaction can begin
        # (transactions begin lazily, with a statement), on the driver itself: never through Django's cursors,
        # whose execute wrappers (a tenant request's entering one) would send it into a unit of work. No other
        # per-connection setup (no SET TIME ZONE, no SET ROLE): there is no session to configure; the time zone
        # is set by each transaction that needs it (dbapi.Adaptation.sql_zone) and the role is the secret's.
        self.connection.server_facts()
        BaseDatabaseWrapper.init_connection_state(self)  # Django's version check, from what was just learned

    def _adaptation(self) -> dbapi.Adaptation:
        """Django's zones as the driver applies them: results in self.timezone (None under USE_TZ=False: naive,
        meaning TIME_ZONE), SQL run in timezone_name, JSON left for JSONField to decode."""
        naive = None if settings.USE_TZ or not self.timezone_name else zoneinfo.ZoneInfo(self.timezone_name)
        return dbapi.Adaptation(
            result_zone=self.timezone, naive_zone=naive, sql_zone=self.timezone_name, json_as_text=True
        )

    def ensure_timezone(self) -> bool:
        # Time zones are applied to parameters and results on the client, never with a session-level SET.
        if self.connection is not None:
            adaptation = self._adaptation()
            if adaptation != self.connection.adaptation:
                self.connection.adaptation = adaptation
        return False

    @async_unsafe
    def create_cursor(self, name: str | None = None) -> dbapi.Cursor:
        # A named cursor (chunked reads) streams pages through DECLARE/FETCH instead of a psycopg server cursor.
        connection: dbapi.Connection = self.connection
        # DATABASES' TIME_ZONE may have changed since the connection was made: as Django's postgresql backend
        # re-registers its timestamptz loader per cursor, each cursor uses the current one.
        self.ensure_timezone()
        return connection.cursor(stream=bool(name))

    @async_unsafe
    def chunked_cursor(self) -> Any:
        return self._cursor(name="chunked")  # type: ignore[attr-defined]  # Django's private cursor factory

    def _set_autocommit(self, autocommit: bool) -> None:
        with self.wrap_database_errors:
            self.connection.autocommit = autocommit

    @async_unsafe
    def close(self) -> None:
        # Django lets close() end an atomic block's transaction (marking the block for rollback, which its outermost
        # exit then does without raising): a unit of work that answered success would have saved nothing. Over the
        # Data API nothing needs discarding this way (there is no socket to break), so it is refused; the block
        # ends the transaction, committing or rolling back, as it leaves.
        if self.in_atomic_block and self.connection is not None and not self.closed_in_transaction:
            raise TransactionManagementError(
                f"closing database connection {self.alias!r} inside an atomic block is refused: it would end the "
                "block's transaction without its commit; close it after the outermost atomic block exits"
            )
        super().close()

    def is_usable(self) -> bool:
        # Stateless HTTPS: nothing goes stale between requests; but, as with psycopg's probe, a transaction whose
        # statement failed is unusable until rolled back.
        return self.connection is not None and not self.connection.transaction_failed

    def close_if_health_check_failed(self) -> None:
        return None

    @property
    def pg_version(self) -> int:
        opened: dbapi.Connection | None = self.connection
        if opened is not None:
            return opened.server_facts().version
        # Asked before any connection (a feature flag read early): on a driver connection of its own that Django
        # never sees, so Django's connection state (an atomic block's) is untouched.
        connection = self.get_new_connection(self.get_connection_params())
        try:
            return connection.server_facts().version
        finally:
            connection.close()

    @property
    def data_api_metrics(self) -> dbapi.Metrics:
        return dbapi.metrics_for(self.alias)

    def make_debug_cursor(self, cursor: Any) -> Any:
        # psycopg's debug wrapper adds COPY helpers the Data API cannot run.
        return CursorDebugWrapper(cursor, self)
