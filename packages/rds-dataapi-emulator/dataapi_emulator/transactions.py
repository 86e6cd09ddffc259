"""The transaction registry: each Data API transaction holds one pooled connection until it ends, is rolled back by
the idle timeout (3 minutes on AWS) or reaches its maximum lifetime (24 hours)."""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time

import psycopg
from psycopg_pool import ConnectionPool

from . import errors
from .config import EmulatorConfig
from .pools import Pools, terminated_session


@dataclasses.dataclass(eq=False)
class Transaction:
    id: str
    secret_arn: str
    resource_arn: str
    pool: ConnectionPool
    conn: psycopg.Connection
    started: float
    last_used: float
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    closed: bool = False


def not_found(transaction_id: str) -> errors.DataApiError:
    return errors.TransactionNotFoundException(f"Transaction {transaction_id} is not found")


class Transactions:
    def __init__(self, config: EmulatorConfig, pools: Pools):
        self.config = config
        self.pools = pools
        self._open: dict[str, Transaction] = {}
        self._lock = threading.Lock()

    def begin(self, pool: ConnectionPool, *, secret_arn: str, resource_arn: str) -> Transaction:
        # A pooled session the server terminated while idle fails BEGIN before anything ran on it: take another
        # (the server likely ended its siblings too: the pool replaces every dead idle one), as the Data API's own
        # connection management does, instead of answering with the dead session's error. A termination is
        # asynchronous, so a sibling may pass the pool's check and die just after: each dead one is passed over.
        attempts = pool.max_size + 1
        for attempt in range(attempts):
            conn = self.pools.borrow(pool)
            try:
                conn.execute("BEGIN")
                break
            except psycopg.Error as exc:
                self.pools.release(pool, conn)
                if attempt + 1 < attempts and terminated_session(exc, conn):
                    pool.check()
                    continue
                raise
        now = time.monotonic()
        tx = Transaction(secrets.token_urlsafe(132)[:176], secret_arn, resource_arn, pool, conn, now, now)
        with self._lock:
            self._open[tx.id] = tx
        return tx

    def get(self, transaction_id: str, *, secret_arn: str, resource_arn: str) -> Transaction:
        with self._lock:
            tx = self._open.get(transaction_id)
        # Bound to the secret and cluster that began it: another caller cannot tell it exists.
        if tx is None or tx.closed or tx.secret_arn != secret_arn or tx.resource_arn != resource_arn:
            raise not_found(transaction_id)
        return tx

    def forget(self, tx: Transaction) -> None:
        with self._lock:
            self._open.pop(tx.id, None)

    def finish(self, tx: Transaction, rollback: bool) -> None:
        """Close the transaction (rolling it back if asked) and return its connection to the pool."""
        tx.closed = True
        if rollback:
            try:
                tx.conn.execute("ROLLBACK")
            except psycopg.Error:
                pass  # a broken connection is discarded by the pool
        self.pools.release(tx.pool, tx.conn)

    def reap(self) -> int:
        """Roll back transactions idle past the timeout or older than the lifetime limit."""
        now = time.monotonic()
        expired = []
        with self._lock:
            for tx in list(self._open.values()):
                idle = now - tx.last_used > self.config.transaction_idle_timeout
                old = now - tx.started > self.config.transaction_max_lifetime
                if (idle or old) and tx.lock.acquire(blocking=False):
                    self._open.pop(tx.id, None)
                    expired.append(tx)
        for tx in expired:
            try:
                self.finish(tx, rollback=True)
            finally:
                tx.lock.release()
        return len(expired)

    def close_all(self) -> None:
        with self._lock:
            open_txs = list(self._open.values())
            self._open.clear()
        for tx in open_txs:
            self.finish(tx, rollback=True)

    def count(self) -> int:
        with self._lock:
            return len(self._open)
