"""One-statement reads: entering the tenant and one read, as ONE statement without a transaction.

A read-only unit of work over the Data API (a safe-method API request, a read-only tenant block) sends each read as
one ExecuteStatement, 1 call instead of Begin, enter, query, Commit:

    WITH __tenant_entered AS MATERIALIZED (SELECT tenant_id, user_id, role FROM app.read_as_tenant_…(…))
    SELECT <tenant␟user␟role on the first row, else NULL>, q.* FROM __tenant_entered e LEFT JOIN LATERAL
      (SELECT row_number() OVER (), r.* FROM (<the read>) r WHERE e.tenant_id IS NOT NULL OFFSET 0) q ON true

The read refers to the entered row (a lateral reference, kept by OFFSET 0 from being flattened away), so the only
plan PostgreSQL can make is a nested loop with the entering as its outer side: the tenant is entered before the read
scans anything. Were it ever the other way round, the read's policies would find no proven tenant and return no rows:
never another tenant's. The first column says whom the statement entered (once, on the first row: a page of rows
does not carry it fifty times), checked before any row is handed back (`dataapi_backend.dbapi.Cursor.
expect_preamble`); the second numbers the read's rows in their order (NULL: the read had none).

What the read needs of the pooled session it is parsed in (names resolving in `public` only, the time zone, the
timeout budget, ...) is checked by the entering itself, which refuses with SESSION_NOT_PINNED: the read is then sent
through a transaction, whose entering repairs the session (sql/10_tenant_context.sql).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dataapi_backend.dbapi import is_read_only, locks_rows

SESSION_NOT_PINNED = "55H01"  # sql/10_tenant_context.sql, app.pin_read_statement
PREAMBLE_COLUMNS = 1  # tenant, user and role, joined by SEPARATOR
SEPARATOR = "\x1f"

# what can stand as a subquery (not SHOW, EXPLAIN, VALUES or TABLE, which the driver also counts as reads)
_SELECT_OR_WITH = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)

_STATEMENT = (
    "WITH __tenant_entered AS MATERIALIZED ({enter}) "
    "SELECT CASE WHEN coalesce(q.__row, 1) = 1 THEN concat_ws(chr(31), e.tenant_id, e.user_id, e.role) END "
    "AS __entered, q.* FROM __tenant_entered e LEFT JOIN LATERAL "
    "(SELECT row_number() OVER () AS __row, r.* FROM ({read}) r WHERE e.tenant_id IS NOT NULL OFFSET 0) q ON true"
)


def is_plain_read(sql: str, params: Any, many: bool) -> bool:
    """A single SELECT (or WITH without writes: the driver's is_read_only) that locks nothing (a locking read wants
    a transaction to hold its locks in), with positional parameters or none."""
    if many or not (params is None or isinstance(params, (list, tuple))):
        return False
    return bool(_SELECT_OR_WITH.match(sql)) and is_read_only(sql) and not locks_rows(sql)


def compose(enter_sql: str, enter_params: Sequence[Any], sql: str, params: Sequence[Any] | None) -> tuple[str, list]:
    """The one statement entering with `enter_sql` (an app.read_as_tenant_* call) and reading `sql`."""
    if params is None:
        sql = sql.replace("%", "%%")  # sent without parameters, its % were literal; they are placeholders now
    return _STATEMENT.format(enter=enter_sql, read=sql), [*enter_params, *(params or ())]


def entered_identity(preamble: tuple) -> tuple[str | None, str | None, str | None]:
    """(tenant, user, role) from the statement's first column."""
    (joined,) = preamble
    parts = (joined or "").split(SEPARATOR)
    if len(parts) != 3:
        return None, None, None
    tenant, user, role = (part or None for part in parts)
    return tenant, user, role
