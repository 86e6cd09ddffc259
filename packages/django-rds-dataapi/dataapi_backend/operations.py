import datetime as dt
import decimal
import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import sql_script
from .dbapi.adapt import MAX_REQUEST_BYTES, MAX_SQL_CHARS, Json, TypedRange, TypedText, range_literal, text_form
from .postgresql_core import operations as pg_operations
from .postgresql_core.operations import get_json_dumps


def quote_literal(value: Any) -> str:
    """A SQL literal for DDL, which cannot take parameters (defaults, check constraints): what psycopg's mogrify
    does for Django, with standard_conforming_strings (the PostgreSQL default since 9.1)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        text = str(value)
        return text if text[0] != "-" else f"({text})"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"'\\x{bytes(value).hex()}'::bytea"
    if isinstance(value, dt.timedelta):
        return f"'{text_form(value)}'::interval"
    if isinstance(value, (TypedText, TypedRange)):
        text = value.text if isinstance(value, TypedText) else range_literal(value.value)
        return "'" + text.replace("'", "''") + "'::" + value.pg_type
    text = json.dumps(value) if isinstance(value, (dict, list)) else text_form(value)
    if "\x00" in text:
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return "'" + text.replace("'", "''") + "'"


class DatabaseOperations(pg_operations.DatabaseOperations):
    compiler_module = "dataapi_backend.compiler"

    def compose_sql(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> str:
        # psycopg's mogrify needs a psycopg connection; compose literals here instead (schema editor, debug).
        if not params:
            return sql
        if isinstance(params, dict):
            return sql % {k: quote_literal(v) for k, v in params.items()}
        return sql % tuple(quote_literal(p) for p in params)

    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        try:
            return self.compose_sql(sql, params)
        except (TypeError, ValueError):
            return sql

    def prepare_sql_script(self, sql: str) -> list[str]:
        # The postgresql backend hands psycopg a script whole; the Data API runs one statement per call (Aurora
        # refuses more), so scripts (RunSQL strings, sqlflush) are split as Django's base backend splits them,
        # without the empty statements a comment-only piece leaves there.
        return sql_script.split(sql)

    def execute_sql_flush(self, sql_list: list[str]) -> None:
        # PostgreSQL's flush is one TRUNCATE of every table, atomic on its own: outside a transaction it needs none,
        # which spares the Begin and Commit calls (a TransactionTestCase flushes after every test).
        if len(sql_list) == 1 and self.connection.get_autocommit():
            with self.connection.cursor() as cursor:
                cursor.execute(sql_list[0])
            return
        super().execute_sql_flush(sql_list)

    def adapt_integerfield_value(self, value: Any, internal_type: str) -> Any:
        # Plain ints: psycopg's Int2/Int4/Int8 wrappers mean nothing to the Data API (longValue is bigint).
        return value

    def adapt_json_value(self, value: Any, encoder: type[json.JSONEncoder] | None) -> Json:
        # jsonb as text with a ::jsonb cast, instead of psycopg's Jsonb dumper.
        return Json(get_json_dumps(encoder)(value))

    def bulk_batch_size(self, fields: Sequence[Any], objs: Sequence[Any]) -> int:
        # Keep each multi-row INSERT under the Data API's 65,536-character SQL limit (a placeholder with its cast is
        # at most ~30 characters) and its parameters well under the 4 MiB request body.
        if not fields:
            return len(objs)
        by_sql = max(1, (MAX_SQL_CHARS - 2048) // (len(fields) * 30))
        by_body = max(1, MAX_REQUEST_BYTES // (len(fields) * 400))
        return max(1, min(by_sql, by_body, len(objs) or 1))
