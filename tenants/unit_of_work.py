"""A unit of work: one atomic() whose success is checked where it ends.

Django's outermost atomic() leaves without committing, and without raising, when its connection was closed inside
it or it was marked for rollback; a driver may also have ended the transaction and begun another under it. A
request that changed data and is then answered 2xx would have lost the change while telling the client it was saved.
`UnitOfWork.finish(True)` therefore returns only after the Commit of the transaction the unit began returned;
otherwise it rolls back and raises `UnitOfWorkLost`, whose `outcome` says what became of the work (REJECTED: nothing
of it was committed; UNKNOWN: a part may have been), for the caller to answer 503 or 502, never success.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections, transaction
from django.db.transaction import TransactionManagementError

from dataapi_backend.dbapi import REJECTED, UNKNOWN

from .signals import unit_of_work_lost

log = logging.getLogger("hospitality.unit_of_work")


class UnitOfWorkLost(DatabaseError):
    """The unit's transaction was closed, marked for rollback or replaced before its commit."""

    def __init__(self, alias: str, why: str, outcome: str):
        super().__init__(f"the unit of work on {alias!r} lost its transaction: {why}")
        self.alias, self.why, self.outcome = alias, why, outcome


class UnitOfWork:
    def __init__(self, alias: str, surface: str, *, outermost: bool = False, ends_transaction: bool = False):
        self.alias = alias
        self.surface = surface  # who runs it, for the log and the metric: "tenant-api", "admin", "command", ...
        # outermost: refuse to begin inside an atomic block (a tenant_block: its first statement enters the tenant
        # and its end commits). ends_transaction: may begin inside blocks that close before it (a request's unit
        # opens with its first query, perhaps inside the view's own atomic()), but its end must end the transaction.
        # Otherwise, begun inside an atomic block (a test's, a caller's), the block's owner commits.
        self.outermost = outermost
        self.ends_transaction = ends_transaction
        self._atomic: transaction.Atomic | None = None
        self._driver: object = None
        self._begun: int | None = None

    def begin(self) -> None:
        connection = connections[self.alias]
        if self.outermost and connection.in_atomic_block:
            # the block's owner, not this unit, would end the transaction: the unit could not answer for its commit
            raise TransactionManagementError(
                f"a {self.surface} unit of work must begin its own transaction on {self.alias!r}, which is already "
                "inside an atomic block"
            )
        atomic = transaction.atomic(using=self.alias)
        atomic.__enter__()  # connects first (once-per-process questions are asked there, outside the unit)
        self._atomic = atomic
        self._driver = connection.connection
        # the Data API driver counts the transactions it began (its transactions begin lazily, with a statement)
        self._begun = getattr(self._driver, "transactions_begun", None)

    def finish(self, success: bool) -> None:
        """Commit (success) or roll back, if the unit began. Raises what the commit raises, and UnitOfWorkLost when
        success was asked for but the transaction the unit began cannot be the one committed."""
        if self._atomic is None:
            return
        atomic, self._atomic = self._atomic, None
        lost = self._lost() if success else None
        if not success or lost is not None:
            transaction.set_rollback(True, using=self.alias)
        atomic.__exit__(None, None, None)
        connection = connections[self.alias]
        if self.ends_transaction and connection.in_atomic_block:
            # a block opened under the unit and never left (code run while the connection opened, say): the
            # transaction is still open, nothing was committed. Roll it back, block by block, and say so.
            while connection.in_atomic_block and connection.atomic_blocks:
                transaction.set_rollback(True, using=self.alias)
                connection.atomic_blocks[-1].__exit__(None, None, None)
            if success:
                lost = lost or ("an atomic block opened inside it was still open at its end", REJECTED)
        if lost is not None:
            why, outcome = lost
            log.error(
                "%s unit of work lost its transaction on %r: %s (outcome %s); answered as a failure",
                self.surface,
                self.alias,
                why,
                outcome,
                extra={"alias": self.alias, "outcome": outcome},
            )
            unit_of_work_lost.send(sender=type(self), alias=self.alias, surface=self.surface, outcome=outcome)
            raise UnitOfWorkLost(self.alias, why, outcome)

    def _lost(self) -> tuple[str, str] | None:
        connection = connections[self.alias]
        if connection.closed_in_transaction:
            return "its connection was closed inside it (the transaction rolled back with it)", REJECTED
        if connection.connection is not self._driver:
            # work done on another connection under the unit ran in autocommit: some of it may stand
            return "its connection was replaced inside it", UNKNOWN
        if not connection.in_atomic_block:
            return "its atomic block was left before the unit ended", UNKNOWN
        if connection.needs_rollback:
            return "it was marked for rollback (an error inside it was caught without a savepoint)", REJECTED
        begun = getattr(self._driver, "transactions_begun", None)
        if begun is not None and self._begun is not None and begun - self._begun > 1:
            # a transaction ended inside the unit and another began: what ran before may have been committed
            return f"{begun - self._begun} transactions began inside it, not one", UNKNOWN
        return None
