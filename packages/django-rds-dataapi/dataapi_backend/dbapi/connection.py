"""A PEP 249 Connection over the Data API: no socket, just the target (cluster, secret, database) and, while a
transaction is open, its transactionId. Transactions begin lazily, on the first statement after autocommit is off."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any, Self

from . import errors
from .adaptation import Adaptation
from .cursor import Cursor
from .params import SqlParameter
from .transaction_control import TransactionControl, same_zone
from .transport import Transport

# SQLSTATEs that mean the target cannot be reached at all (besides class 28, the login's): a missing database
CONNECTION_FAILURES = {"3D000"}


@dataclasses.dataclass(frozen=True)
class Result:
    """What one statement answered: its rows as the Data API encodes them (the cursor decodes them: it knows the
    columns), their column metadata when it was asked for, and how many rows it wrote."""

    records: list[list[dict[str, Any]]] | None
    columns: list[dict[str, Any]] | None
    updated: int


class Connection:
    def __init__(
        self,
        *,
        resource_arn: str,
        secret_arn: str,
        database: str | None,
        transport: Transport,
        adaptation: Adaptation | None = None,
    ):
        self.resource_arn = resource_arn
        self.secret_arn = secret_arn
        self.database = database
        self.transport = transport
        # how values cross to and from this connection's SQL; replaced whole (never changed) when Django's zone
        # changes, so a cursor's converters and the statements it sends agree
        self.adaptation = adaptation or Adaptation()
        self.transaction_id: str | None = None
        # how many transactions this connection has begun: a unit of work that saw one begin can tell at its end
        # whether the transaction it commits is still that one
        self.transactions_begun = 0
        # the last statement of the open transaction failed on the server: PostgreSQL now refuses everything but
        # ROLLBACK (TO SAVEPOINT) — what psycopg reports as an INERROR transaction status
        self.transaction_failed = False
        self._autocommit = True
        self.closed = False
        # what goes out before the open transaction's next statement (waiting savepoints, its time zone)
        self._control = TransactionControl()
        self._adapters: Any = None

    @property
    def adapters(self) -> Any:
        """psycopg's adapters map, where django.contrib.postgres registers hstore/citext type info (psycopg's place
        for it). The driver never reads it (values are decoded by dbapi.results): it is made on first use, so a
        process without contrib.postgres never imports psycopg."""
        if self._adapters is None:
            from psycopg import adapt, adapters

            self._adapters = adapt.AdaptersMap(adapters)
        return self._adapters

    # -- PEP 249 ---------------------------------------------------------------------------------------------
    def cursor(self, *, stream: bool = False, page_rows: int = 1000) -> Cursor:
        self._check_open()
        return Cursor(self, stream=stream, page_rows=page_rows)

    def commit(self) -> None:
        self._check_open()
        if self.transaction_id is None:
            self._control.reset()
            return  # nothing ran since the last commit: no call at all
        if self.transaction_failed:
            # PostgreSQL answers the COMMIT of a failed transaction with ROLLBACK and psycopg returns quietly (the
            # work is rolled back); the Data API reports that ROLLBACK as an error. Roll back, as quietly.
            self.rollback()
            return
        tx, self.transaction_id = self.transaction_id, None
        self.transaction_failed = False
        self._control.reset()
        # Never retried on an ambiguous failure: a repeated COMMIT cannot tell whether the first one landed.
        try:
            self.transport.call("CommitTransaction", self._target(transactionId=tx))
        except errors.Error as failure:
            # If the commit did not happen the transaction still holds its locks until the idle timeout: release
            # them. If it did, the rollback finds nothing (TransactionNotFound). Either way no work is repeated, and
            # a rollback that succeeds proves the commit did not happen: nothing was saved.
            try:
                self.transport.call("RollbackTransaction", self._target(transactionId=tx))
            except errors.Error:
                pass
            else:
                failure.outcome = errors.REJECTED
            raise

    def rollback(self) -> None:
        self._check_open()
        self._control.reset()
        if self.transaction_id is None:
            return
        tx, self.transaction_id = self.transaction_id, None
        self.transaction_failed = False
        try:
            self.transport.call("RollbackTransaction", self._target(transactionId=tx), idempotent=True)
        except errors.OperationalError as exc:
            if exc.aws_code != "TransactionNotFoundException":
                raise
            # already gone (idle timeout): the database rolled it back, which is what was asked

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self.transaction_id is not None:
                self.rollback()
        finally:
            self.closed = True

    # -- autocommit, as psycopg exposes it ----------------------------------------------------------------------
    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        if self.transaction_id is not None:
            raise errors.ProgrammingError("cannot change autocommit inside an open transaction; commit or roll back")
        self._autocommit = bool(value)

    @property
    def in_transaction(self) -> bool:
        return self.transaction_id is not None

    # -- internals ---------------------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.closed:
            raise errors.InterfaceError("connection already closed")

    def _target(self, **extra: str) -> dict[str, Any]:
        request: dict[str, Any] = {"resourceArn": self.resource_arn, "secretArn": self.secret_arn, **extra}
        return request

    def begin(self) -> str:
        """Open the Data API transaction now (normally done lazily by the first statement); the statements then
        sent in it run in the connection's time zone (see begin_statement_target)."""
        if self.transaction_id is None:
            request = self._target()
            if self.database:
                request["database"] = self.database
            # the database's zone, learned before the transaction (a call of its own, never one inside it)
            zone = self.server_facts().time_zone if self.adaptation.sql_zone is not None else None
            # Safe to retry: a transaction begun by a lost attempt is never used and times out on its own.
            self.transaction_id = self.transport.call("BeginTransaction", request, idempotent=True)["transactionId"]
            self.transactions_begun += 1
            # what waits (a savepoint asked for before the first statement) stays: the transaction starts here
            self._control.zone = zone
        return self.transaction_id

    def server_facts(self) -> ServerFacts:
        """What this process asks the database once per target: the server's version and the time zone the
        secret's sessions start in, in one statement. Asked in autocommit (no transactionId), so never inside the
        open transaction whatever its state; a role's or database's default changes only with ALTER ... SET."""
        key = (self.resource_arn, self.secret_arn, self.database)
        facts = _server_facts.get(key)
        if facts is None:
            self._check_open()
            request = {**self._target(), "sql": SERVER_FACTS_SQL}
            if self.database:
                request["database"] = self.database
            try:
                record = self.transport.call("ExecuteStatement", request, idempotent=True)["records"][0]
            except errors.DatabaseError as exc:
                if exc.sqlstate in CONNECTION_FAILURES or (exc.sqlstate or "").startswith("28"):
                    # where psycopg's connect() fails (a missing database, a refused login): the same class, so
                    # that Django's "database not there yet" paths (makemigrations, test database creation) apply
                    raise errors.OperationalError(
                        f"connection failed: {exc}", sqlstate=exc.sqlstate, aws_code=exc.aws_code, outcome=exc.outcome
                    ) from exc
                raise
            facts = _server_facts[key] = ServerFacts(int(record[0]["stringValue"]), record[1]["stringValue"])
        return facts

    def learn_zone_to_set(self) -> str | None:
        """The time zone a transaction must set for itself: None when there is none to set or the database's
        sessions start in it already (then neither a transaction nor a statement pays an extra call)."""
        sql_zone = self.adaptation.sql_zone
        if sql_zone is None:
            return None
        return None if same_zone(sql_zone, self.server_facts().time_zone) else sql_zone

    def run(
        self,
        sql: str,
        parameters: list[SqlParameter] | None = None,
        *,
        metadata: bool = False,
        read_only: bool = False,
    ) -> Result:
        """One statement, where it goes now (the open transaction, begun first when autocommit is off; else
        autocommit), built into its ExecuteStatement request here. `read_only`: a read that may be retried on an
        ambiguous failure when it runs outside a transaction (nothing can be duplicated)."""
        request: dict[str, Any] = {**self.begin_statement_target(), "sql": sql}
        if metadata:
            request["includeResultMetadata"] = True
        if parameters:
            request["parameters"] = parameters
        response = self.execute_statement(request, idempotent=read_only and "transactionId" not in request)
        return Result(
            response.get("records"), response.get("columnMetadata"), response.get("numberOfRecordsUpdated", 0)
        )

    def run_batch(self, sql: str, parameter_sets: list[list[SqlParameter]]) -> int:
        """One BatchExecuteStatement of `sql` for each parameter set (never retried: it writes); the sets run."""
        request = {**self.begin_statement_target(), "sql": sql, "parameterSets": parameter_sets}
        return len(self.execute_batch(request).get("updateResults", parameter_sets))

    def execute_statement(self, request: dict[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        """ExecuteStatement, keeping track of a failed transaction (see transaction_failed)."""
        return self._statement_call("ExecuteStatement", request, idempotent=idempotent)

    def execute_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        """BatchExecuteStatement (never retried: it writes), keeping track of a failed transaction."""
        return self._statement_call("BatchExecuteStatement", request, idempotent=False)

    @contextlib.contextmanager
    def own_transaction(self) -> Iterator[None]:
        """The open transaction, or one of its own for the block (a paged read; a statement that must run in
        TIME_ZONE): committed when the block finishes, rolled back when it fails or is abandoned (a cursor closed
        before its last page). With autocommit off the transaction is the caller's (Django's atomic() begins it
        lazily, with whichever statement comes first): begun here if need be, never ended here."""
        own = self.transaction_id is None and self._autocommit
        self.begin()
        try:
            yield
        except BaseException:
            if own and self.transaction_id is not None:
                self.rollback()
            raise
        if own and self.transaction_id is not None:
            self.commit()

    def _statement_call(self, operation: str, request: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        try:
            response = self.transport.call(operation, request, idempotent=idempotent)
        except errors.DatabaseError as exc:
            if "transactionId" in request and exc.sqlstate is not None:
                self.transaction_failed = True
            raise
        if "transactionId" in request:
            self.transaction_failed = False  # e.g. ROLLBACK TO SAVEPOINT succeeded
        return response

    def begin_statement_target(self) -> dict[str, Any]:
        """Where a statement goes: the open transaction (begun now, with its call, when autocommit is off and none
        is open), or autocommit."""
        request = self._target()
        if self.database:
            request["database"] = self.database
        if self.transaction_id is None and not self._autocommit:
            self.begin()
        if self.transaction_id is not None:
            request["transactionId"] = self.transaction_id
            self._control.before_statement(
                lambda sql, parameters: self.execute_statement(
                    {**request, "sql": sql, **({"parameters": parameters} if parameters else {})}
                ),
                zone=self.adaptation.sql_zone,
                failed=self.transaction_failed,
            )
        return request

    def transaction_control(self, sql: str) -> str | None:
        """The SQL to send now for this statement, or None when it waits for the transaction's next statement and
        may never need a call (savepoints, RELEASE, SET CONSTRAINTS ALL DEFERRED: see transaction_control)."""
        if self._autocommit and self.transaction_id is None:
            return sql  # outside a transaction: PostgreSQL's own answer (refusal or warning) is the one to give
        return self._control.plan(sql, failed=self.transaction_failed)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()


SERVER_FACTS_SQL = "SELECT current_setting('server_version_num'), current_setting('TimeZone')"


@dataclasses.dataclass(frozen=True)
class ServerFacts:
    version: int  # server_version_num
    time_zone: str  # the TimeZone a new session of the secret's role on the database starts in


# (cluster, secret, database) → what that target answered (Connection.server_facts)
_server_facts: dict[tuple[str, str, str | None], ServerFacts] = {}
