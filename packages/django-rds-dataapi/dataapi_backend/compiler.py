"""SQL compilers: PostgreSQL's, with two differences the Data API imposes.

- Bulk INSERT never uses UNNEST(%s::type[]): the Data API cannot bind array parameters; multi-row VALUES is used
  instead (sized by DatabaseOperations.bulk_batch_size).
- A range value compared with a range field is sent as that field's type (`int4range`, `tstzrange`, ...). psycopg
  sends it untyped and lets the server infer the type; the Data API has no untyped parameter (strings bind as
  varchar), and a type guessed from the bounds is often not the column's (PostgreSQL has no cast between range
  types), so the type comes from the model field.
- Likewise a string for a column of a type Django's own fields do not map to (an extension's `ltree`, `citext`,
  `hstore`, `cube`, a third-party field's `db_type`): inserted, updated or compared (exact, in, gt/gte/lt/lte,
  range, and any lookup whose right-hand side the field prepares, such as ltree's `<@`) as that type. As varchar,
  PostgreSQL refuses it ("column is of type ltree but expression is of type character varying", "operator does not
  exist: ltree <@ character varying") or compares it as text (citext would be case-sensitive).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldError
from django.db.backends.postgresql import compiler as pg_compiler
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest, Least, NullIf
from django.db.models.lookups import Lookup
from django.db.models.sql import compiler as base_compiler

from .dbapi.adapt import TypedRange, TypedText, is_range


def takes_column_values(lookup: Lookup[Any]) -> bool:
    """A lookup whose right-hand side is a value (or values) the column's own field prepared (Lookup.prepare_rhs):
    Django's exact, in, gt/gte/lt/lte and range, and any lookup built the same way (a third-party field's `@>`/`<@`,
    django.contrib.postgres's operators); not a pattern, iexact, isnull, a regex, a key (prepare_rhs is off for
    those), nor an expression (a search query), which types its own parameters."""
    return lookup.prepare_rhs and not hasattr(lookup.rhs, "resolve_expression")


_TYPE_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")


def custom_type(field: Any, connection: Any) -> str | None:
    """The database type of `field` when it is none of Django's own (so a string for it must be cast to it), else
    None. Fields with a placeholder of their own (GIS, ...) decide for themselves."""
    if hasattr(field, "get_placeholder"):
        return None
    db_type = (field.db_type(connection) or "").strip().lower()
    base = db_type.split("(", 1)[0].strip()
    if not _TYPE_NAME.fullmatch(base) or base.endswith("range") or base in _django_types(connection):
        return None
    return base


def _django_types(connection: Any) -> frozenset[str]:
    known = getattr(connection, "_django_type_names", None)
    if known is None:
        names = {"varchar", "char", "text", "json", "real"}
        for value in connection.data_types.values():
            if isinstance(value, str):
                names.add(value.split("(", 1)[0].strip().lower())
        known = connection._django_type_names = frozenset(names)
    return known


def _typed(value: Any, pg_type: str | None) -> Any:
    return TypedText(value, pg_type) if pg_type and isinstance(value, str) else value


# Functions whose arguments PostgreSQL resolves to one type: a string constant beside a column of a custom type must
# be that type (psycopg's untyped parameter would be resolved to it; a varchar one is not: "COALESCE types ltree and
# character varying cannot be matched", Django's Concat on a third-party field)
_ONE_TYPE_FUNCTIONS = (Coalesce, Greatest, Least, NullIf)


class _TypedValue(Value):
    """A string constant sent as `pg_type`."""

    def __init__(self, value: Any, pg_type: str, output_field: Any = None):
        super().__init__(value, output_field=output_field)
        self.pg_type = pg_type

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = super().as_sql(compiler, connection)
        return sql, [_typed(p, self.pg_type) for p in params]


def _output_type(expression: Any, connection: Any) -> str | None:
    try:
        field = expression._output_field_or_none
    except FieldError:  # mixed types Django cannot resolve
        return None
    return None if field is None else custom_type(field, connection)


def _one_type(node: Any, connection: Any) -> Any:
    """`node` with its string constants typed as the custom type one of its arguments has, if any."""
    arguments = node.get_source_expressions()
    types = [_output_type(a, connection) for a in arguments]
    pg_type = next(filter(None, types), None)
    if pg_type is None:
        return node
    retyped = [
        _TypedValue(a.value, pg_type, a._output_field_or_none)
        if type(a) is Value and isinstance(a.value, str) and own is None
        else a
        for a, own in zip(arguments, types, strict=True)
    ]
    typed = node.copy()
    typed.set_source_expressions(retyped)
    return typed


class TypedByField:
    """compile(): the parameters of a lookup on a range field, or on a field of a type Django does not map, carry
    that field's database type; so do string constants declared of such a field's type (`Value(x,
    output_field=PathField())`) and those that must match such an argument (COALESCE, GREATEST, LEAST, NULLIF)."""

    connection: Any

    def compile(self, node: Any) -> tuple[str, list[Any]]:
        if isinstance(node, _ONE_TYPE_FUNCTIONS):
            node = _one_type(node, self.connection)
        sql, params = super().compile(node)
        if type(node) is Value:
            if params and type(params[0]) is str and (pg_type := _output_type(node, self.connection)):
                return sql, [_typed(p, pg_type) for p in params]
            return sql, params
        if not isinstance(node, Lookup) or not params:
            return sql, params
        ranges = any(is_range(p) for p in params)
        same_type = takes_column_values(node)
        if not ranges and not (same_type and any(isinstance(p, str) for p in params)):
            return sql, params  # most lookups: nothing to type, and the field's type is not even asked
        try:
            field = node.lhs.output_field
        except FieldError:  # an expression whose type Django cannot tell
            return sql, params
        if ranges:
            pg_type = field.db_type(self.connection) or ""
            if pg_type.endswith("range"):
                return sql, [TypedRange(p, pg_type) if is_range(p) else p for p in params]
        if same_type and (custom := custom_type(field, self.connection)):
            return sql, [_typed(p, custom) for p in params]
        return sql, params


class SQLCompiler(TypedByField, pg_compiler.SQLCompiler):
    pass


class SQLInsertCompiler(TypedByField, base_compiler.SQLInsertCompiler):
    def field_as_sql(self, field: Any, get_placeholder: Any, val: Any) -> tuple[str, list[Any]]:
        sql, params = super().field_as_sql(field, get_placeholder, val)
        if field is not None and sql == "%s" and params and (custom := custom_type(field, self.connection)):
            return sql, [_typed(p, custom) for p in params]
        return sql, list(params)


class SQLDeleteCompiler(TypedByField, pg_compiler.SQLDeleteCompiler):
    pass


class SQLUpdateCompiler(TypedByField, pg_compiler.SQLUpdateCompiler):
    def as_sql(self) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().as_sql()
        if not any(isinstance(p, str) for p in params):
            return sql, params  # nothing a type could be asked for (most updates: numbers, dates, ids)
        values = self.query.values
        types = [custom_type(field, self.connection) for field, _, _ in values]
        if not sql or not any(types) or any(hasattr(val, "resolve_expression") for _, _, val in values):
            return sql, params  # an expression's parameters cannot be told apart from the values'
        # SET's parameters come first, one per value that is not NULL (NULL is written as such)
        typed, position = list(params), 0
        for pg_type, (_, _, val) in zip(types, values, strict=True):
            if val is None:
                continue
            typed[position] = _typed(typed[position], pg_type)
            position += 1
        return sql, tuple(typed)


class SQLAggregateCompiler(TypedByField, pg_compiler.SQLAggregateCompiler):
    pass
