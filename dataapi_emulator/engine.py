"""The emulator's state and behaviour: secrets → roles, connection pools, the transaction registry, limits.

No module globals: every server owns one Engine. All PostgreSQL work goes through psycopg pools whose connections
are reused across calls with no reset, as the Data API's own connection management does, so a session-level `SET`
leaks into later calls exactly as it would on Aurora.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import threading
import time
from contextlib import contextmanager

import psycopg
from psycopg import RawCursor
from psycopg_pool import ConnectionPool, PoolTimeout

from . import errors
from .config import EmulatorConfig
from .encoding import JDBC_TYPES, ColumnEncoder, bind, configure_adapters
from .faults import Faults
from .stats import Stats
from .watchdog import Watchdog

# A pooled connection idle for longer than this is pinged before use: one killed under the pool (server restart,
# DROP DATABASE ... WITH (FORCE)) is replaced instead of failing the call. Busy connections skip the round trip.
CHECK_IDLE_AFTER = 2.0

PRECISION = {
    "bool": 1,
    "int2": 5,
    "int4": 10,
    "int8": 19,
    "float4": 8,
    "float8": 17,
    "date": 13,
    "time": 15,
    "timetz": 21,
    "timestamp": 29,
    "timestamptz": 35,
    "uuid": 36,
}
SIGNED = {"int2", "int4", "int8", "float4", "float8", "numeric", "money"}
CASE_SENSITIVE = {"text", "varchar", "bpchar", "name", "char", "json", "jsonb", "xml"}
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


def _terminated_session(exc: psycopg.Error, conn: psycopg.Connection) -> bool:
    """The server ended this session before the statement ran (FATAL 57P01/57P02/57P03, or the socket closed)."""
    return exc.sqlstate in ("57P01", "57P02", "57P03") or (exc.sqlstate is None and conn.broken)


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


class Engine:
    def __init__(self, config: EmulatorConfig, faults: Faults | None = None):
        self.config = config
        self.faults = faults or Faults()
        self.stats = Stats()
        self._pools: dict[tuple[str, str], ConnectionPool] = {}
        self._pools_lock = threading.Lock()
        self._transactions: dict[str, Transaction] = {}
        self._tx_lock = threading.Lock()
        self._typnames: dict[tuple[str, int], str] = {}
        self._tables: dict[tuple[str, int], tuple[str, str, dict[int, tuple[bool, bool]]]] = {}
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        self._watchdog = Watchdog()
        self._last_used: dict[int, float] = {}  # id(connection) → when it was last returned to its pool

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._reaper = threading.Thread(target=self._reap_loop, name="dataapi-emulator-reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stop.set()
        with self._tx_lock:
            open_txs = list(self._transactions.values())
            self._transactions.clear()
        for tx in open_txs:
            self._finish(tx, rollback=True)
        self.reset_pools()

    def reset_pools(self) -> int:
        """Close every pooled connection, and with them whatever their sessions carried (a leaked `SET`); each
        pool reopens on its next call. Returns how many pools were closed."""
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()
        return len(pools)

    # -- identity: cluster, secret, database -----------------------------------------------------------------------
    def _pool_for(self, req: dict) -> ConnectionPool:
        arn = req["resourceArn"]
        if arn not in self.config.clusters:
            raise errors.BadRequestException(f"Invalid cluster arn: {arn}")
        secret = self.config.secrets.get(req["secretArn"])
        if secret is None:
            raise errors.SecretsErrorException(f"Secrets Manager can't find the specified secret: {req['secretArn']}")
        database = req.get("database") or secret.username
        key = (secret.username, database)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._open_pool(secret.username, secret.password, database)
                self._pools[key] = pool
        return pool

    def _open_pool(self, user: str, password: str, database: str) -> ConnectionPool:
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
            kwargs={"autocommit": True, "cursor_factory": RawCursor},
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

    @staticmethod
    def _borrow(pool: ConnectionPool) -> psycopg.Connection:
        try:
            return pool.getconn()
        except PoolTimeout:
            raise errors.DatabaseUnavailableException("No database connection available; try again") from None

    def _release(self, pool: ConnectionPool, conn: psycopg.Connection) -> None:
        self._last_used[id(conn)] = time.monotonic()
        pool.putconn(conn)

    @contextmanager
    def _connection(self, req: dict):
        """The connection a call runs on: its transaction's, or one borrowed from the pool for this call only."""
        tx_id = req.get("transactionId")
        if tx_id:
            tx = self._transaction(req)
            with tx.lock:
                if tx.closed:
                    raise self._tx_not_found(tx_id)
                tx.last_used = time.monotonic()
                try:
                    yield tx.conn, tx.pool
                finally:
                    tx.last_used = time.monotonic()
            return
        pool = self._pool_for(req)
        conn = self._borrow(pool)
        try:
            yield conn, pool
        finally:
            self._release(pool, conn)  # the pool rolls back anything left open; it resets nothing else

    # -- transactions ----------------------------------------------------------------------------------------------
    @staticmethod
    def _tx_not_found(tx_id: str) -> errors.DataApiError:
        return errors.TransactionNotFoundException(f"Transaction {tx_id} is not found")

    def _transaction(self, req: dict) -> Transaction:
        tx_id = req["transactionId"]
        with self._tx_lock:
            tx = self._transactions.get(tx_id)
        # Bound to the secret and cluster that began it: another caller cannot tell it exists.
        if tx is None or tx.closed or tx.secret_arn != req["secretArn"] or tx.resource_arn != req["resourceArn"]:
            raise self._tx_not_found(tx_id)
        return tx

    def begin_transaction(self, req: dict) -> dict:
        pool = self._pool_for(req)
        conn = self._borrow(pool)
        try:
            conn.execute("BEGIN")
        except psycopg.Error as exc:
            self._release(pool, conn)
            raise database_error(exc) from None
        now = time.monotonic()
        tx = Transaction(secrets.token_urlsafe(132)[:176], req["secretArn"], req["resourceArn"], pool, conn, now, now)
        with self._tx_lock:
            self._transactions[tx.id] = tx
        return {"transactionId": tx.id}

    def _end(self, req: dict, commit: bool) -> dict:
        tx = self._transaction(req)
        with tx.lock:
            if tx.closed:
                raise self._tx_not_found(tx.id)
            with self._tx_lock:
                self._transactions.pop(tx.id, None)
            if not commit:
                self._finish(tx, rollback=True)
                return {"transactionStatus": "Rollback Complete"}
            try:
                cur = tx.conn.execute("COMMIT")
                status = cur.statusmessage
            except psycopg.Error as exc:
                self._finish(tx, rollback=True)
                raise database_error(exc) from None
            self._finish(tx, rollback=False)
            if status == "ROLLBACK":
                # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; the JDBC layer reports it.
                raise errors.DatabaseErrorException(
                    "ERROR: The database returned ROLLBACK, so the transaction cannot be committed; SQLState: 25P02"
                )
            return {"transactionStatus": "Transaction Committed"}

    def commit_transaction(self, req: dict) -> dict:
        return self._end(req, commit=True)

    def rollback_transaction(self, req: dict) -> dict:
        return self._end(req, commit=False)

    def _finish(self, tx: Transaction, rollback: bool) -> None:
        tx.closed = True
        if rollback:
            try:
                tx.conn.execute("ROLLBACK")
            except psycopg.Error:
                pass  # a broken connection is discarded by the pool below
        self._release(tx.pool, tx.conn)

    def _reap_loop(self) -> None:
        while not self._stop.wait(self.config.reaper_interval):
            self.reap()

    def reap(self) -> int:
        """Roll back transactions idle past the timeout or older than the lifetime limit."""
        now = time.monotonic()
        expired = []
        with self._tx_lock:
            for tx in list(self._transactions.values()):
                idle = now - tx.last_used > self.config.transaction_idle_timeout
                old = now - tx.started > self.config.transaction_max_lifetime
                if (idle or old) and tx.lock.acquire(blocking=False):
                    self._transactions.pop(tx.id, None)
                    expired.append(tx)
        for tx in expired:
            try:
                self._finish(tx, rollback=True)
            finally:
                tx.lock.release()
        return len(expired)

    def open_transactions(self) -> int:
        with self._tx_lock:
            return len(self._transactions)

    def pool_stats(self) -> dict:
        with self._pools_lock:
            return {pool.name: pool.get_stats() for pool in self._pools.values()}

    # -- statements ------------------------------------------------------------------------------------------------
    def _check_sql(self, sql: str) -> None:
        if len(sql) > self.config.max_sql_chars:
            raise errors.BadRequestException(
                f"SQL statement is too long: {len(sql)} characters, the limit is {self.config.max_sql_chars}"
            )

    def _run(self, conn: psycopg.Connection, query: str, params: list | None, continue_after_timeout: bool):
        """Execute with the Data API's statement timeout; returns the cursor with its result."""
        cur = conn.cursor()
        timeout = self.config.statement_timeout
        if continue_after_timeout:
            done = threading.Event()
            failure: list[BaseException] = []

            def work():
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

        def cancel():
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
    def _array_loader(cur, oid: int):
        """psycopg's parser for this array type; arrays of types psycopg does not know (hstore[], enums[]) are
        parsed as text[] (their elements then travel as stringValues, as AWS sends non-native types)."""
        loader = cur.adapters.get_loader(oid, 0)
        if loader is None:
            oid = psycopg.postgres.types["text"].array_oid
            loader = cur.adapters.get_loader(oid, 0)
        return loader(oid, cur)

    def _typname(self, conn, database: str, oid: int) -> str:
        key = (database, oid)
        name = self._typnames.get(key)
        if name is None:
            info = psycopg.postgres.types.get(oid)
            if info is not None:
                # psycopg indexes array types under their element's TypeInfo; PostgreSQL names them "_elem"
                name = "_" + info.name if info.array_oid == oid else info.name
            else:
                row = conn.execute("SELECT typname FROM pg_catalog.pg_type WHERE oid = $1", [oid]).fetchone()
                name = row[0] if row else "unknown"
            self._typnames[key] = name
        return name

    def _table(self, conn, database: str, oid: int):
        key = (database, oid)
        info = self._tables.get(key)
        if info is None:
            row = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.oid = $1",
                [oid],
            ).fetchone()
            cols = {
                num: (notnull, auto)
                for num, notnull, auto in conn.execute(
                    "SELECT a.attnum, a.attnotnull, (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid),"
                    " '') LIKE 'nextval(%') FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d "
                    "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $1 AND a.attnum > 0",
                    [oid],
                ).fetchall()
            }
            info = (row[0], row[1], cols) if row else ("", "", {})
            self._tables[key] = info
        return info

    def _metadata(self, conn, database: str, res, typnames: list[str]) -> list[dict]:
        out = []
        for i, typname in enumerate(typnames):
            name = res.fname(i).decode()
            fmod = res.fmod(i)
            precision, scale = PRECISION.get(typname, 2147483647), 0
            if typname == "numeric":
                precision, scale = ((fmod - 4) >> 16 & 0xFFFF, (fmod - 4) & 0xFFFF) if fmod >= 4 else (0, 0)
            elif typname in ("varchar", "bpchar") and fmod >= 4:
                precision = fmod - 4
            schema = table = ""
            nullable, auto = 2, False
            table_oid = res.ftable(i)
            if table_oid:
                schema, table, cols = self._table(conn, database, table_oid)
                notnull, auto = cols.get(res.ftablecol(i), (None, False))
                nullable = 2 if notnull is None else (0 if notnull else 1)
            out.append(
                {
                    "name": name,
                    "label": name,
                    "type": 2003 if typname.startswith("_") else JDBC_TYPES.get(typname, 1111),
                    "typeName": typname,
                    "precision": precision,
                    "scale": scale,
                    "nullable": nullable,
                    "isSigned": typname in SIGNED,
                    "isCurrency": typname == "money",
                    "isCaseSensitive": typname in CASE_SENSITIVE,
                    "isAutoIncrement": bool(auto),
                    "schemaName": schema,
                    "tableName": table,
                    "arrayBaseColumnType": JDBC_TYPES.get(typname[1:], 1111) if typname.startswith("_") else 0,
                }
            )
        return out

    def _result(self, conn, pool, cur, req: dict) -> dict:
        """The executed statement's result → the ExecuteStatement response (as a dict with pre-serialized parts)."""
        status = cur.statusmessage or ""
        updated = cur.rowcount if status.split(" ", 1)[0] in DML and cur.rowcount > 0 else 0
        res = cur.pgresult
        response: dict = {"numberOfRecordsUpdated": updated, "generatedFields": []}
        if cur.description is None or res is None:
            return response
        database = pool.database
        nfields = res.nfields
        typnames = [self._typname(conn, database, res.ftype(i)) for i in range(nfields)]
        options = req.get("resultSetOptions") or {}
        encoders = [
            ColumnEncoder(
                t,
                self._array_loader(cur, res.ftype(i)) if t.startswith("_") else None,
                options.get("decimalReturnType") == "DOUBLE_OR_LONG",
                options.get("longReturnType") == "STRING",
            )
            for i, t in enumerate(typnames)
        ]
        limit, row_limit = self.config.max_response_bytes, self.config.max_row_bytes
        total = 0
        as_json = req.get("formatRecordsAs") == "JSON"
        labels = [res.fname(i).decode() for i in range(nfields)]
        rows: list[str] = []
        dumps = json.dumps
        get = res.get_value
        for r in range(res.ntuples):
            if as_json:
                row = dumps({labels[c]: encoders[c].json_value(get(r, c)) for c in range(nfields)})
            else:
                row = dumps([encoders[c].field(get(r, c)) for c in range(nfields)])
            size = len(row)
            if size > row_limit:
                raise errors.BadRequestException(
                    f"Database returned a row of {size} bytes; the Data API limit is {row_limit} bytes per row"
                )
            total += size + 1
            if total > limit:
                raise errors.BadRequestException("Database returned more than the allowed response size limit")
            rows.append(row)
        if as_json:
            response["formattedRecords"] = "[" + ",".join(rows) + "]"
        else:
            response["records"] = _Raw("[" + ",".join(rows) + "]")
            if req.get("includeResultMetadata"):
                response["columnMetadata"] = self._metadata(conn, database, res, typnames)
        return response

    def execute_statement(self, req: dict) -> dict:
        sql = req["sql"]
        self._check_sql(sql)
        if req.get("schema"):
            raise errors.BadRequestException("The schema parameter isn't supported for Aurora PostgreSQL")
        query, params = bind(sql, req.get("parameters") or [])
        # A pooled session the server terminated while idle (restart, DROP DATABASE ... FORCE) fails the next
        # statement before it runs; outside a transaction that statement is sent again once on a fresh connection.
        attempts = 1 if req.get("transactionId") else 2
        for attempt in range(attempts):
            with self._connection(req) as (conn, pool):
                try:
                    cur = self._run(conn, query, params if params else None, bool(req.get("continueAfterTimeout")))
                    return self._result(conn, pool, cur, req)
                except psycopg.Error as exc:
                    if attempt + 1 < attempts and _terminated_session(exc, conn):
                        pool.check()  # the server likely ended its siblings too: replace every dead idle one
                        continue
                    raise database_error(exc) from None

    def batch_execute_statement(self, req: dict) -> dict:
        sql = req["sql"]
        self._check_sql(sql)
        sets = req.get("parameterSets") or []
        bound = [bind(sql, params) for params in sets] or [bind(sql, [])]
        query = bound[0][0]
        with self._connection(req) as (conn, pool):
            own_tx = not req.get("transactionId")
            try:
                # Outside a transaction the whole batch is one unit of work: all parameter sets or none.
                with conn.transaction() if own_tx else _null():
                    cur = conn.cursor()
                    if sets:
                        cur.executemany(query, [values for _, values in bound])
                    else:
                        cur.execute(query, None, prepare=False)
            except psycopg.Error as exc:
                raise database_error(exc) from None
        return {"updateResults": [{"generatedFields": []} for _ in sets]}

    def execute_sql(self, req: dict) -> dict:
        raise errors.BadRequestException(
            "ExecuteSql is deprecated and is not supported for this DB cluster. Use ExecuteStatement instead."
        )


class _Raw(str):
    """A JSON fragment already serialized; the protocol layer splices it in as is."""


@contextmanager
def _null():
    yield
