from typing import Any

from django.db.backends.postgresql import schema as pg_schema

from .operations import quote_literal


class DatabaseSchemaEditor(pg_schema.DatabaseSchemaEditor):
    def quote_value(self, value: Any) -> str:
        # psycopg's sql.quote needs a psycopg connection; the literal rules are the same.
        return quote_literal(value)
