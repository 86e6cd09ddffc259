"""The emulator's behaviour, in Python terms: transactions and statements on the login a secret names, with the
Data API's statement timeout. Called with keyword arguments by the responses layer, which owns the wire format.

No module globals: every server owns one Engine (its pools, transactions, catalog cache, faults and counters).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import psycopg
import sqlparse
from psycopg_pool import ConnectionPool

from . import errors
from .config import EmulatorConfig
from .encoding import bind
from .faults import Faults
from .metadata import Catalog
from .pools import Pools, terminated_session
from .stats import Stats
from .transactions import Transaction, Transactions, not_found
from .watchdog import Watchdog

DML = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY")


def database_error(exc: psycopg.Error) -> errors.DataApiError:
    """psycopg error → DatabaseErrorException whose message keeps PostgreSQL's text and SQLSTATE, as AWS does."""
    diag = exc.diag
    if exc.sqlstate is None:
        return errors.DatabaseErrorException(f"ERROR: {exc}")
    text = f"ERROR: {diag.message_primary or exc}"
    if diag.message_detail:
        text += f"\n  Detail: {diag.message_detail}"
    if diag.message_hint:
        text += f"\n  Hint: {diag.message_hint}"
    if diag.statement_position:
        text += f"\n  Position: {diag.statement_position}"
    return errors.DatabaseErrorException(f"{text}; SQLState: {exc.sqlstate}")


@dataclasses.dataclass
class StatementResult:
    """What a statement produced: the count of written rows and, for a result set, its rows (a libpq result,
    decoded lazily by the responses layer), the columns' type names and array loaders, and optionally their
    ColumnMetadata."""

    updated: int
    rows: Any = None  # psycopg's PGresult, or None when the statement returns no rows
    typnames: list[str] = dataclasses.field(default_factory=list)
    array_loaders: list[Any] = dataclasses.field(default_factory=list)
    columns: list[dict[str, Any]] | None = None


def statement_count(sql: str) -> int:
    """Statements in `sql`, as PostgreSQL would run them: semicolons inside strings, quoted identifiers,
    dollar-quoted bodies and comments do not count, nor does a trailing semicolon or comment."""
    if ";" not in sql:
        return 1  # the common case, without parsing
    return sum(1 for part in sqlparse.split(sql) if sqlparse.format(part, strip_comments=True).strip(" \t\n\r;"))


class Engine:
    def __init__(self, config: EmulatorConfig, faults: Faults | None = None):
        self.config = config
        self.faults = faults or Faults()
        self.stats = Stats()
        self.pools = Pools(config)
        self.transactions = Transactions(config, self.pools)
        self.catalog = Catalog()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        self._watchdog = Watchdog()

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._reaper = threading.Thread(target=self._reap_loop, name="dataapi-emulator-reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stop.set()
        self.transactions.close_all()
        self.pools.reset()

    def _reap_loop(self) -> None:
        while not self._stop.wait(self.config.reaper_interval):
            self.transactions.reap()

    # -- transactions ----------------------------------------------------------------------------------------------
    def begin_transaction(self, *, resource_arn: str, secret_arn: str, database: str | None = None) -> str:
        pool = self.pools.for_caller(resource_arn=resource_arn, secret_arn=secret_arn, database=database)
        try:
            return self.transactions.begin(pool, secret_arn=secret_arn, resource_arn=resource_arn).id
        except psycopg.Error as exc:
            raise database_error(exc) from None

    def commit_transaction(self, *, resource_arn: str, secret_arn: str, transaction_id: str) -> str:
        return self._end(resource_arn, secret_arn, transaction_id, commit=True)

    def rollback_transaction(self, *, resource_arn: str, secret_arn: str, transaction_id: str) -> str:
        return self._end(resource_arn, secret_arn, transaction_id, commit=False)

    def _end(self, resource_arn: str, secret_arn: str, transaction_id: str, commit: bool) -> str:
        tx = self.transactions.get(transaction_id, secret_arn=secret_arn, resource_arn=resource_arn)
        with tx.lock:
            if tx.closed:
                raise not_found(tx.id)
            self.transactions.forget(tx)
            if not commit:
                self.transactions.finish(tx, rollback=True)
                return "Rollback Complete"
            try:
                status = tx.conn.execute("COMMIT").statusmessage
            except psycopg.Error as exc:
                self.transactions.finish(tx, rollback=True)
                raise database_error(exc) from None
            self.transactions.finish(tx, rollback=False)
            if status == "ROLLBACK":
                # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; the JDBC layer reports it.
                raise errors.DatabaseErrorException(
                    "ERROR: The database returned ROLLBACK, so the transaction cannot be committed; SQLState: 25P02"
                )
            return "Transaction Committed"

    @contextmanager
    def _connection(
        self, resource_arn: str, secret_arn: str, database: str | None, transaction_id: str | None
    ) -> Iterator[tuple[psycopg.Connection, ConnectionPool]]:
        """The connection a call runs on: its transaction's, or one borrowed from the pool for this call only."""
        if transaction_id:
            tx: Transaction = self.transactions.get(transaction_id, secret_arn=secret_arn, resource_arn=resource_arn)
            with tx.lock:
                if tx.closed:
                    raise not_found(transaction_id)
                tx.last_used = time.monotonic()
                try:
                    yield tx.conn, tx.pool
                finally:
                    tx.last_used = time.monotonic()
            return
        pool = self.pools.for_caller(resource_arn=resource_arn, secret_arn=secret_arn, database=database)
        conn = self.pools.borrow(pool)
        try:
            yield conn, pool
        finally:
            self.pools.release(pool, conn)

    # -- statements ------------------------------------------------------------------------------------------------
    def _check_sql(self, sql: str) -> None:
        if len(sql) > self.config.max_sql_chars:
            raise errors.BadRequestException(
                f"SQL statement is too long: {len(sql)} characters, the limit is {self.config.max_sql_chars}"
            )
        if statement_count(sql) > 1:
            raise errors.ValidationException("Multistatements aren't supported.")

    def execute_statement(
        self,
        *,
        resource_arn: str,
        secret_arn: str,
        sql: str,
        database: str | None = None,
        parameters: Sequence[dict[str, Any]] = (),
        transaction_id: str | None = None,
        continue_after_timeout: bool = False,
        include_result_metadata: bool = False,
        schema: str | None = None,
    ) -> StatementResult:
        self._check_sql(sql)
        if schema:
            raise errors.BadRequestException("The schema parameter isn't supported for Aurora PostgreSQL")
        query, params = bind(sql, list(parameters))
        # A pooled session the server terminated while idle (restart, DROP DATABASE ... FORCE) fails the next
        # statement before it runs; outside a transaction that statement is sent again on another session (each
        # dead one passed over: a termination is asynchronous, a sibling may die just after the pool's check).
        attempts = 1 if transaction_id else self.config.pool_max_size + 1
        for attempt in range(attempts):
            with self._connection(resource_arn, secret_arn, database, transaction_id) as (conn, pool):
                try:
                    cur = self._run(conn, query, params if params else None, continue_after_timeout)
                    return self._result(conn, pool, cur, include_result_metadata)
                except psycopg.Error as exc:
                    if attempt + 1 < attempts and terminated_session(exc, conn):
                        pool.check()  # the server likely ended its siblings too: replace every dead idle one
                        continue
                    raise database_error(exc) from None
        raise AssertionError("unreachable")

    def batch_execute_statement(
        self,
        *,
        resource_arn: str,
        secret_arn: str,
        sql: str,
        database: str | None = None,
        parameter_sets: Sequence[Sequence[dict[str, Any]]] = (),
        transaction_id: str | None = None,
        schema: str | None = None,
    ) -> int:
        """Run `sql` once per parameter set; returns how many sets ran."""
        self._check_sql(sql)
        bound = [bind(sql, list(params)) for params in parameter_sets] or [bind(sql, [])]
        query = bound[0][0]
        with self._connection(resource_arn, secret_arn, database, transaction_id) as (conn, _pool):
            try:
                # Outside a transaction the whole batch is one unit of work: all parameter sets or none.
                with conn.transaction() if not transaction_id else nullcontext():
                    cur = conn.cursor()
                    if parameter_sets:
                        cur.executemany(query, [values for _, values in bound])
                    else:
                        cur.execute(query, None, prepare=False)
            except psycopg.Error as exc:
                raise database_error(exc) from None
        return len(parameter_sets)

    def _run(self, conn: psycopg.Connection, query: str, params: list[Any] | None, continue_after_timeout: bool) -> Any:
        """Execute with the Data API's statement timeout; returns the cursor with its result."""
        cur = conn.cursor()
        timeout = self.config.statement_timeout
        if continue_after_timeout:
            done = threading.Event()
            failure: list[BaseException] = []

            def work() -> None:
                try:
                    cur.execute(query, params, prepare=False)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller thread
                    failure.append(exc)
                finally:
                    done.set()

            threading.Thread(target=work, daemon=True).start()
            if not done.wait(timeout):
                done.wait()  # the statement goes on; the call reports the timeout once it is safe to reuse conn
                raise errors.StatementTimeoutException(
                    "The statement timed out and continues to run.", dbConnectionId=conn.info.backend_pid
                )
            if failure:
                raise failure[0]
            return cur
        fired = threading.Event()

        def cancel() -> None:
            fired.set()
            conn.cancel_safe()

        handle = self._watchdog.schedule(timeout, cancel)
        try:
            cur.execute(query, params, prepare=False)
        except psycopg.errors.QueryCanceled:
            if fired.is_set():
                raise errors.StatementTimeoutException(
                    "The statement timed out.", dbConnectionId=conn.info.backend_pid
                ) from None
            raise
        finally:
            self._watchdog.cancel(handle)
        return cur

    @staticmethod
    def _array_loader(cur: Any, oid: int) -> Any:
        """psycopg's parser for this array type; arrays of types psycopg does not know (hstore[], enums[]) are
        parsed as text[] (their elements then travel as stringValues, as AWS sends non-native types)."""
        loader = cur.adapters.get_loader(oid, 0)
        if loader is None:
            oid = psycopg.postgres.types["text"].array_oid
            loader = cur.adapters.get_loader(oid, 0)
        return loader(oid, cur)

    def _result(self, conn: psycopg.Connection, pool: ConnectionPool, cur: Any, with_columns: bool) -> StatementResult:
        status = cur.statusmessage or ""
        updated = cur.rowcount if status.split(" ", 1)[0] in DML and cur.rowcount > 0 else 0
        res = cur.pgresult
        if cur.description is None or res is None:
            return StatementResult(updated)
        database = pool.database  # type: ignore[attr-defined]
        ftypes = [res.ftype(i) for i in range(res.nfields)]
        typnames = [self.catalog.typname(conn, database, oid) for oid in ftypes]
        loaders = [
            self._array_loader(cur, oid) if t.startswith("_") else None for t, oid in zip(typnames, ftypes, strict=True)
        ]
        columns = self.catalog.columns(conn, database, res, typnames) if with_columns else None
        return StatementResult(updated, res, typnames, loaders, columns)

    # -- runtime settings and state, for the control API ------------------------------------------------------------
    def open_transactions(self) -> int:
        return self.transactions.count()

    def pool_stats(self) -> dict[str, dict[str, int]]:
        return self.pools.stats()

    def reset_pools(self) -> int:
        return self.pools.reset()
