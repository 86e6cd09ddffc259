"""Connection pools per database login, and which login a caller's cluster and secret name.

Pooled connections are reused across calls with no reset, as the Data API's own connection management does, so a
session-level `SET` leaks into later calls exactly as it would on Aurora.
"""

from __future__ import annotations

import re
import threading
import time

import psycopg
from psycopg import RawCursor
from psycopg_pool import ConnectionPool, PoolTimeout

from . import errors
from .config import EmulatorConfig, Secret
from .encoding import configure_adapters

# A pooled connection idle for longer than this is pinged before use: one killed under the pool (server restart,
# DROP DATABASE ... WITH (FORCE)) is replaced instead of failing the call. Busy connections skip the round trip.
CHECK_IDLE_AFTER = 2.0


def terminated_session(exc: psycopg.Error, conn: psycopg.Connection) -> bool:
    """The server ended this session before the statement ran (FATAL 57P01/57P02/57P03, or the socket closed)."""
    return exc.sqlstate in ("57P01", "57P02", "57P03") or (exc.sqlstate is None and conn.broken)


class Pools:
    def __init__(self, config: EmulatorConfig):
        self.config = config
        self._pools: dict[tuple[str, str, str], ConnectionPool] = {}
        self._lock = threading.Lock()
        self._last_used: dict[int, float] = {}  # id(connection) → when it was last returned to its pool

    def for_caller(self, *, resource_arn: str, secret_arn: str, database: str | None) -> ConnectionPool:
        """The pool of the database login the secret names, on the database asked for (the login's by default)."""
        if resource_arn not in self.config.clusters:
            raise errors.BadRequestException(f"Invalid cluster arn: {resource_arn}")
        secret = self.config.secrets.get(secret_arn)
        if secret is None and self.config.secrets_manager_endpoint:
            secret = Secret.read(self.config.secrets_manager_endpoint, secret_arn)
        if secret is None:
            raise errors.SecretsErrorException(f"Secrets Manager can't find the specified secret: {secret_arn}")
        database = database or secret.username
        # a rotated password is a pool of its own: new sessions log in with it, the old pool's stay as they are
        key = (secret.username, secret.password, database)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._open(secret.username, secret.password, database)
                self._pools[key] = pool
        return pool

    def borrow(self, pool: ConnectionPool) -> psycopg.Connection:
        try:
            return pool.getconn()
        except PoolTimeout:
            raise errors.DatabaseUnavailableException("No database connection available; try again") from None

    def release(self, pool: ConnectionPool, conn: psycopg.Connection) -> None:
        self._last_used[id(conn)] = time.monotonic()
        pool.putconn(conn)  # the pool rolls back anything left open; it resets nothing else

    def reset(self) -> int:
        """Close every pooled connection, and with them whatever their sessions carried (a leaked `SET`); each
        pool reopens on its next call. Returns how many pools were closed."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()
        return len(pools)

    def stats(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {pool.name: pool.get_stats() for pool in self._pools.values()}

    def _open(self, user: str, password: str, database: str) -> ConnectionPool:
        conninfo = psycopg.conninfo.make_conninfo(
            host=self.config.pg_host,
            port=self.config.pg_port,
            user=user,
            password=password,
            dbname=database,
            application_name="dataapi-emulator",
            connect_timeout=10,
        )
        try:  # fail fast with the database's own error (unknown database, bad password), as AWS reports it
            psycopg.connect(conninfo).close()
        except psycopg.OperationalError as exc:
            # Connection-time errors carry no SQLSTATE in libpq; recover the ones AWS reports as database errors.
            m = re.search(r'FATAL:\s+(database "[^"]+" does not exist|password authentication failed[^\n]*)', str(exc))
            if m:
                sqlstate = "3D000" if m.group(1).startswith("database") else "28P01"
                raise errors.DatabaseErrorException(f"ERROR: {m.group(1)}; SQLState: {sqlstate}") from None
            raise errors.DatabaseUnavailableException(f"The database is unavailable: {exc}") from None

        def configure(conn: psycopg.Connection) -> None:
            configure_adapters(conn.adapters)

        pool = ConnectionPool(
            conninfo,
            min_size=self.config.pool_min_size,
            max_size=self.config.pool_max_size,
            # never a server-side prepared statement: a caller's PREPARE of the same name on the pooled session
            # (psycopg's are predictable: _pg3_0, ...) would fail the emulator's own BEGIN
            kwargs={"autocommit": True, "cursor_factory": RawCursor, "prepare_threshold": None},
            configure=configure,
            check=self._check_connection,
            timeout=30,
            name=f"{user}@{database}",
            open=False,
        )
        pool.open(wait=True, timeout=30)
        pool.database = database  # type: ignore[attr-defined]
        return pool

    def _check_connection(self, conn: psycopg.Connection) -> None:
        if time.monotonic() - self._last_used.get(id(conn), 0.0) > CHECK_IDLE_AFTER:
            ConnectionPool.check_connection(conn)
