from typing import Any

from .operations import quote_literal
from .postgresql_core import schema as pg_schema


class DatabaseSchemaEditor(pg_schema.DatabaseSchemaEditor):
    def execute(self, sql: Any, params: Any = ()) -> None:
        # Some of the postgresql editor's templates are two statements ("SET CONSTRAINTS ... IMMEDIATE; ALTER TABLE
        # ... DROP CONSTRAINT ..."), which psycopg runs in one call and the Data API refuses: one call each. The
        # parameters are merged first, as the postgresql editor does, so the split sees the final text.
        text = str(sql)
        if params is not None:
            text, params = self.connection.ops.compose_sql(text, params), None
        if self.collect_sql or ";" not in text:
            super().execute(text, params)
            return
        for statement in self.connection.ops.prepare_sql_script(text):
            super().execute(statement, None)

    def quote_value(self, value: Any) -> str:
        # psycopg's sql.quote needs a psycopg connection; the literal rules are the same.
        return quote_literal(value)
