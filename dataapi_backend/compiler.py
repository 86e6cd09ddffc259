"""SQL compilers: PostgreSQL's, with two differences the Data API imposes.

- Bulk INSERT never uses UNNEST(%s::type[]): the Data API cannot bind array parameters; multi-row VALUES is used
  instead (sized by DatabaseOperations.bulk_batch_size).
- A range value compared with a range field is sent as that field's type (`int4range`, `tstzrange`, ...). psycopg
  sends it untyped and lets the server infer the type; the Data API has no untyped parameter (strings bind as
  varchar), and a type guessed from the bounds is often not the column's (PostgreSQL has no cast between range
  types), so the type comes from the model field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db.backends.postgresql import compiler as pg_compiler
from django.db.models.lookups import Lookup
from django.db.models.sql import compiler as base_compiler

from .dbapi.adapt import TypedRange, is_range


class RangesTypedByField:
    """compile(): the range parameters of a lookup on a range field carry that field's database type."""

    connection: Any

    def compile(self, node: Any) -> tuple[str, list[Any]]:
        sql, params = super().compile(node)
        if not isinstance(node, Lookup) or not any(is_range(p) for p in params):
            return sql, params
        try:
            field = node.lhs.output_field
        except FieldError:  # an expression whose type Django cannot tell
            return sql, params
        pg_type = field.db_type(self.connection) or ""
        if pg_type.endswith("range"):
            params = [TypedRange(p, pg_type) if is_range(p) else p for p in params]
        return sql, params


class SQLCompiler(RangesTypedByField, pg_compiler.SQLCompiler):
    pass


class SQLInsertCompiler(RangesTypedByField, base_compiler.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(RangesTypedByField, pg_compiler.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(RangesTypedByField, pg_compiler.SQLUpdateCompiler):
    pass


class SQLAggregateCompiler(RangesTypedByField, pg_compiler.SQLAggregateCompiler):
    pass
