"""A PEP 249 Cursor: ExecuteStatement per execute(), BatchExecuteStatement per executemany(), transparent paging of
results over the 1 MiB response limit, and streaming (`stream=True`) through a SQL cursor inside a transaction.

`expect_preamble()` readies the next execute() for a statement that first establishes something (entering a tenant)
and then reads: its leading columns say what was established and are checked before any row is handed back."""

from __future__ import annotations

import collections
import dataclasses
import itertools
import re
import secrets
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

from ..sql_script import split
from . import errors
from .limits import MAX_REQUEST_BYTES, MAX_SQL_CHARS
from .params import SqlParameter, translate, wire_size
from .results import Converter, column_converter, decode_rows, type_oid

if TYPE_CHECKING:
    from .connection import Connection, Result

Column = collections.namedtuple("Column", "name type_code display_size internal_size precision scale null_ok")

# Reads may be re-run (inside a transaction, for a consistent snapshot) to page a result; writes never are.
_READ_ONLY = re.compile(r"^\s*\(*\s*(SELECT|VALUES|TABLE|SHOW|EXPLAIN)\b", re.IGNORECASE)
_WITH_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# A locking read (SELECT ... FOR UPDATE/SHARE): PostgreSQL refuses it a SCROLL cursor.
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)
# Statements that may run inside a transaction of their own (not CREATE DATABASE, VACUUM, ...).
_QUERY_OR_DML = re.compile(r"^\s*\(*\s*(SELECT|VALUES|TABLE|WITH|INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


# A bound parameter as the translated SQL names it (params.translate numbers them :p1, :p2, ...)
_PLACEHOLDER = re.compile(r":(p\d+)\b")


def statements_of(text: str) -> list[str] | None:
    """The statements of a text holding more than one; None for one (the usual case costs a `;` search)."""
    if ";" not in text.rstrip().rstrip(";"):
        return None
    statements = split(text)
    return statements if len(statements) > 1 else None


_LENGTH_TYPES = ("varchar", "bpchar")
# JDBC's precision for a character column without a length limit; psycopg reports no size (None) for it
_UNLIMITED = 2147483647


def _length(m: dict[str, Any]) -> int | None:
    """The declared length of a varchar/char column (display size, as psycopg reports it), else None."""
    precision = m.get("precision")
    return precision if m.get("typeName") in _LENGTH_TYPES and precision != _UNLIMITED else None


def locks_rows(sql: str) -> bool:
    """A locking read (SELECT ... FOR UPDATE/SHARE): its locks belong to a transaction."""
    return bool(_LOCKING.search(sql))


def is_read_only(sql: str) -> bool:
    if _READ_ONLY.match(sql):
        return True
    return bool(re.match(r"^\s*WITH\b", sql, re.IGNORECASE)) and not _WITH_WRITE.search(sql)


@dataclasses.dataclass(frozen=True)
class Preamble:
    """The next statement's first `columns` columns: what it established before its query ran, on its first row
    (NULL on every other), given to `accept` (which raises to refuse the rows); then one marker column, NULL on the
    one row a query without rows leaves (`entered LEFT JOIN LATERAL (SELECT row_number() OVER (), q.* ...)`)."""

    columns: int
    accept: Callable[[tuple[Any, ...]], None]


class Cursor:
    arraysize = 100

    def __init__(self, connection: Connection, *, stream: bool = False, page_rows: int = 1000):
        self.connection = connection
        self.stream = stream  # fetch through DECLARE/FETCH pages with bounded memory (Django's chunked reads)
        self.page_rows = page_rows
        self.description: list[Column] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.closed = False
        self._rows: collections.deque[tuple[Any, ...]] = collections.deque()
        self._pager: Generator[list[tuple[Any, ...]], None, None] | None = None
        self._preamble: Preamble | None = None

    def expect_preamble(self, columns: int, accept: Callable[[tuple[Any, ...]], None]) -> None:
        """Ready the next execute() for a read led by `columns` columns that `accept` checks (see Preamble). That
        statement runs as it is, in one call: never re-run in a transaction of its own (for the time zone, or to page
        a result over 1 MiB: ResponseTooLarge is raised instead), and its rows are handed back only once accepted."""
        self._preamble = Preamble(columns, accept)

    # -- PEP 249 -----------------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Self:
        preamble, self._preamble = self._preamble, None
        self._reset()
        parameters: list[SqlParameter]
        if params is None:
            to_send = self.connection.transaction_control(sql)
            if to_send is None:
                return self
            text, parameters = to_send, []
        else:
            text, parameters = translate(sql, params, self.connection.adaptation.naive_zone)
        statements = statements_of(text) if preamble is None else None
        if statements is not None:
            return self._execute_script(statements, parameters)
        self._check_limits(text, parameters)
        read_only = is_read_only(text)
        if preamble is not None:
            return self._execute_preambled(text, parameters, preamble, read_only)
        if self.stream and read_only:
            self._pager = self._pages(text, parameters)
            self._fill()
            return self
        conn = self.connection
        if (
            conn.autocommit
            and conn.transaction_id is None
            and _QUERY_OR_DML.match(text)
            and conn.learn_zone_to_set() is not None
        ):
            # What SQL computes from times must happen in the connection's time zone, which only a transaction can
            # set (the Data API has no session): the statement runs in one of its own (3 more calls), unless the
            # database's sessions start in that zone.
            with conn.own_transaction():
                return self._execute_one(text, parameters, read_only)
        return self._execute_one(text, parameters, read_only)

    def _execute_script(self, statements: list[str], parameters: list[SqlParameter]) -> Self:
        """Several statements in one execute(): the Data API takes one a call, so each is a call of the open
        transaction, in order, with the parameters it names; the cursor holds the last one's result (as psycopg2
        did). Outside a transaction the calls could run on different pooled sessions, so what one leaves in its
        session (a temporary table, a SET) would not reach the next, or another caller's leftover would: refused."""
        if self.connection.autocommit:
            raise errors.NotSupportedError(
                f"{len(statements)} statements in one execute() outside a transaction: the Data API runs one per call "
                "and calls outside a transaction may land on different pooled sessions, so what one statement leaves "
                "in its session (a temporary table, a SET) would not reach the next. Run them inside "
                "transaction.atomic(), where each becomes one call of that transaction, or execute them one by one "
                "(connection.ops.prepare_sql_script splits a script)"
            )
        by_name = {parameter["name"]: parameter for parameter in parameters}
        for statement in statements:
            names = dict.fromkeys(_PLACEHOLDER.findall(statement))
            used = [by_name[name] for name in names if name in by_name]
            self._reset()
            self._check_limits(statement, used)
            self._execute_one(statement, used, is_read_only(statement))
        return self

    def _execute_one(self, text: str, parameters: list[SqlParameter], read_only: bool) -> Self:
        try:
            result = self.connection.run(text, parameters, metadata=True, read_only=read_only)
        except errors.ResponseTooLarge as exc:
            if not read_only:
                raise errors.OperationalError(
                    "the result is larger than the Data API's 1 MiB response limit and the statement writes, so it "
                    "was not re-run to page it; return fewer rows or columns (e.g. RETURNING only the key)",
                    aws_code=exc.aws_code,
                    outcome=errors.UNKNOWN,  # it ran: outside a transaction its writes stand
                ) from exc
            self._rows.extend(itertools.chain.from_iterable(self._pages(text, parameters)))
            self.rowcount = len(self._rows)
            return self
        self._load(result)
        return self

    def _execute_preambled(
        self, text: str, parameters: list[SqlParameter], preamble: Preamble, read_only: bool
    ) -> Self:
        if self.stream or not read_only:
            raise errors.ProgrammingError("a statement with a preamble must be a read on a cursor that does not stream")
        result = self.connection.run(text, parameters, metadata=True, read_only=True)
        columns, records = result.columns or [], result.records or []
        leading = preamble.columns
        if not records or len(columns) <= leading:
            # the preamble's row is the statement's first, present whatever the query returns: without it nothing
            # says what was established, so nothing is handed back
            raise errors.InterfaceError("the statement returned no preamble row; its rows are refused")
        established = records[0][:leading]
        if any(not f.get("isNull") for r in itertools.islice(records, 1, None) for f in r[:leading]):
            raise errors.InterfaceError("the statement's preamble is on more than its first row; its rows are refused")
        converters = self._converters(columns)
        preamble.accept(tuple(c(f) for c, f in zip(converters[:leading], established, strict=True)))
        self._describe(columns[leading + 1 :])
        present = [r[leading + 1 :] for r in records if not r[leading].get("isNull")]
        self._rows.extend(decode_rows(present, converters[leading + 1 :]))
        self.rowcount = len(present)
        return self

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any] | Mapping[str, Any]]) -> Self:
        """One BatchExecuteStatement per 4 MiB of parameter sets (each batch is atomic outside a transaction)."""
        self._reset()
        batches: list[list[list[SqlParameter]]] = [[]]
        size = 0
        text = None
        for params in seq_of_params:
            text, parameters = translate(sql, params, self.connection.adaptation.naive_zone)
            row = wire_size(parameters)
            if batches[-1] and size + row > MAX_REQUEST_BYTES - len(text) - 4096:
                batches.append([])
                size = 0
            batches[-1].append(parameters)
            size += row
        if text is None:
            self.rowcount = 0
            return self
        self._check_limits(text, [])
        self.rowcount = sum(self.connection.run_batch(text, batch) for batch in batches)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        if not self._rows and self._pager is not None:
            self._fill()
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        size = size or self.arraysize
        out: list[tuple[Any, ...]] = []
        while len(out) < size:
            if not self._rows:
                if self._pager is None or not self._fill():
                    break
            take = min(size - len(out), len(self._rows))
            out.extend(self._rows.popleft() for _ in range(take))
        return out

    def fetchall(self) -> list[tuple[Any, ...]]:
        out = list(self._rows)
        self._rows.clear()
        while self._pager is not None and self._fill():
            out.extend(self._rows)
            self._rows.clear()
        return out

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while True:
            row = self.fetchone()
            if row is None:
                return
            yield row

    def close(self) -> None:
        if self._pager is not None:
            self._pager.close()  # runs the pager's cleanup (CLOSE the SQL cursor, end its own transaction)
            self._pager = None
        self._rows.clear()
        self.closed = True

    def callproc(self, name: str, args: Sequence[Any] = ()) -> Sequence[Any]:
        placeholders = ", ".join(["%s"] * len(args))
        self.execute(f"SELECT * FROM {name}({placeholders})", list(args))
        return args

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: int, column: int | None = None) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------------------------
    def _reset(self) -> None:
        if self.closed:
            raise errors.InterfaceError("cursor already closed")
        if self._pager is not None:
            self._pager.close()
            self._pager = None
        self._rows.clear()
        self.description = None
        self.rowcount = -1

    @staticmethod
    def _check_limits(text: str, parameters: list[SqlParameter]) -> None:
        if len(text) > MAX_SQL_CHARS:
            raise errors.ProgrammingError(
                f"the SQL statement is {len(text):,} characters; the Data API accepts at most {MAX_SQL_CHARS:,}. "
                "Split it, or insert in smaller batches"
            )
        if parameters and wire_size(parameters) + len(text) > MAX_REQUEST_BYTES:
            raise errors.ProgrammingError(
                "the request is larger than the Data API's 4 MiB limit; send smaller values or fewer rows per call"
            )

    def _converters(self, metadata: list[dict[str, Any]]) -> list[Converter]:
        adaptation = self.connection.adaptation
        return [column_converter(m.get("typeName", "text"), adaptation) for m in metadata]

    def _describe(self, metadata: list[dict[str, Any]]) -> None:
        self.description = [
            Column(
                m.get("label") or m.get("name"),
                type_oid(m.get("typeName", "text")),
                _length(m),
                None,
                None if m.get("typeName") in _LENGTH_TYPES else m.get("precision"),
                m.get("scale"),
                m.get("nullable") != 0,
            )
            for m in metadata
        ]

    def _load(self, result: Result) -> None:
        if result.columns and result.records is not None:
            self._describe(result.columns)
            self._rows.extend(decode_rows(result.records, self._converters(result.columns)))
            # RETURNING: the rows and the count of written rows agree; for SELECT the count is the rows read
            self.rowcount = result.updated or len(result.records)
        else:
            self.rowcount = result.updated

    def _fill(self) -> bool:
        """Pull the next page from the pager; False when exhausted."""
        if self._pager is None:
            return False
        try:
            page = next(self._pager)
        except StopIteration:
            self._pager = None
            return False
        self._rows.extend(page)
        return True

    def _pages(self, text: str, parameters: list[SqlParameter]) -> Generator[list[tuple[Any, ...]], None, None]:
        """Yield decoded pages of a read through `DECLARE ... SCROLL CURSOR` + `FETCH`, inside one transaction (see
        Connection.own_transaction), shrinking the page on the size limit."""
        conn = self.connection
        # unguessable: a pooled session may carry a WITH HOLD cursor someone declared under a predictable name
        name = f"dataapi_pages_{secrets.token_hex(8)}"
        # A locking read's cursor cannot scroll back to fetch a page again smaller; its locks are the transaction's
        # either way (kept until it ends, not when the read does).
        scroll = not locks_rows(text)
        with conn.own_transaction():
            conn.run(f"DECLARE {name} {'SCROLL' if scroll else 'NO SCROLL'} CURSOR FOR {text}", parameters)
            position, page = 0, self.page_rows
            converters = None
            total = 0
            while True:
                try:
                    result = conn.run(f"FETCH FORWARD {page} FROM {name}", metadata=converters is None)
                except errors.ResponseTooLarge as exc:
                    if not scroll:
                        raise errors.OperationalError(
                            f"a page of {page} locked rows is larger than the Data API's 1 MiB response limit and "
                            "a locking read cannot be fetched again; lock fewer rows at a time or select fewer "
                            "columns (QuerySet.only())",
                            aws_code=exc.aws_code,
                            outcome=errors.REJECTED,
                        ) from exc
                    if page == 1:
                        raise
                    page = max(1, page // 4)
                    conn.run(f"MOVE ABSOLUTE {position} IN {name}")
                    continue
                if converters is None:
                    metadata = result.columns or []
                    self._describe(metadata)
                    converters = self._converters(metadata)
                records = result.records or []
                if records:
                    rows = decode_rows(records, converters)
                    position += len(rows)
                    total += len(rows)
                    self.rowcount = total
                    yield rows
                if len(records) < page:
                    break
            conn.run(f"CLOSE {name}")
