"""Python values → Data API parameters, and `%s` / `%(name)s` → `:pN` placeholders, in one table-driven place.

Each Python type maps to a Field member, an optional typeHint, and an optional cast written after the placeholder
(`:p1::timestamptz`). Casts cover what typeHints cannot say: an aware datetime (its offset must survive whatever the
session TimeZone is), jsonb (a json typeHint is `json`, and jsonb operators do not accept it), intervals, network
addresses, arrays (the Data API refuses array parameters, so they travel as array literals) and ranges.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import ipaddress
import math
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .errors import DataError, NotSupportedError, ProgrammingError

Field = dict[str, Any]  # one Data API Field: {"stringValue": ...}, {"longValue": ...}, {"isNull": True}, ...
SqlParameter = dict[str, Any]  # {"name", "value": Field, "typeHint"?}
# a Python value as the Data API takes it: the Field, its typeHint, the cast written after its placeholder
Converted = tuple[Field, str | None, str | None]


class Json:
    """A JSON document already serialized, bound as jsonb (what Django's JSONField stores)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Json({self.text!r})"


class TypedText:
    """Text that PostgreSQL must parse as `pg_type` (for values no Field kind can carry)."""

    __slots__ = ("text", "pg_type")

    def __init__(self, text: str, pg_type: str):
        self.text, self.pg_type = text, pg_type


class TypedRange:
    """A psycopg Range that PostgreSQL must read as `pg_type` (the range field's type, named by the compiler)."""

    __slots__ = ("pg_type", "value")

    def __init__(self, value: Any, pg_type: str):
        self.value, self.pg_type = value, pg_type


def _string(v: str) -> Converted:
    if "\x00" in v:
        # refused before anything is sent, with psycopg 3's error (PostgreSQL would answer 22021 after a round trip)
        raise DataError(NUL_IN_TEXT)
    return {"stringValue": v}, None, None


NUL_IN_TEXT = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


def _datetime(v: dt.datetime, naive_tz: dt.tzinfo | None) -> Converted:
    # naive_tz: the zone naive datetimes mean (Django's USE_TZ=False: TIME_ZONE). psycopg relied on the session's
    # TIME ZONE for that; the Data API has no session to configure, so the zone travels with the value.
    if v.tzinfo is None or v.utcoffset() is None:
        if naive_tz is None:
            return {"stringValue": v.isoformat(sep=" ")}, "TIMESTAMP", None
        v = v.replace(tzinfo=naive_tz)
    return {"stringValue": v.isoformat(sep=" ")}, None, "timestamptz"


def _time(v: dt.time) -> Converted:
    if v.tzinfo is not None:
        return {"stringValue": v.isoformat()}, None, "timetz"
    return {"stringValue": v.isoformat()}, "TIME", None


def _int(v: int) -> Converted:
    # longValue binds as bigint; an int4 cast makes small integers behave as Django's psycopg literals do
    # (`jsonb -> 0` needs an integer, and bigint does not narrow implicitly).
    if -(2**31) <= v < 2**31:
        return {"longValue": v}, None, "int4"
    if -(2**63) <= v < 2**63:
        return {"longValue": v}, None, None
    return {"stringValue": str(v)}, "DECIMAL", None


def _float(v: float) -> Converted:
    if math.isfinite(v):
        return {"doubleValue": v}, None, None
    return {"stringValue": {math.inf: "Infinity", -math.inf: "-Infinity"}.get(v, "NaN")}, None, "float8"


def _interval(v: dt.timedelta) -> Converted:
    return {"stringValue": f"{v.days} days {v.seconds} seconds {v.microseconds} microseconds"}, None, "interval"


def _blob(v: bytes | bytearray | memoryview) -> Converted:
    return {"blobValue": bytes(v)}, None, None


CONVERTERS: dict[type, Callable[[Any], Converted]] = {
    type(None): lambda v: ({"isNull": True}, None, None),
    bool: lambda v: ({"booleanValue": v}, None, None),
    int: _int,
    float: _float,
    str: _string,
    decimal.Decimal: lambda v: ({"stringValue": str(v)}, "DECIMAL", None),
    dt.date: lambda v: ({"stringValue": v.isoformat()}, "DATE", None),
    dt.time: _time,
    dt.timedelta: _interval,
    uuid.UUID: lambda v: ({"stringValue": str(v)}, "UUID", None),
    bytes: _blob,
    bytearray: _blob,
    memoryview: _blob,
    Json: lambda v: ({"stringValue": v.text}, None, "jsonb"),
    TypedText: lambda v: ({"stringValue": v.text}, None, v.pg_type),
    ipaddress.IPv4Address: lambda v: ({"stringValue": str(v)}, None, "inet"),
    ipaddress.IPv6Address: lambda v: ({"stringValue": str(v)}, None, "inet"),
    ipaddress.IPv4Interface: lambda v: ({"stringValue": str(v)}, None, "inet"),
    ipaddress.IPv6Interface: lambda v: ({"stringValue": str(v)}, None, "inet"),
    ipaddress.IPv4Network: lambda v: ({"stringValue": str(v)}, None, "cidr"),
    ipaddress.IPv6Network: lambda v: ({"stringValue": str(v)}, None, "cidr"),
}
# Subclasses (IntEnum, str enums, psycopg's Int4, ...) resolve through their first listed base, in this order.
_BASES: tuple[type, ...] = (
    bool,
    int,
    float,
    str,
    decimal.Decimal,
    dt.date,  # datetime subclasses are taken before these (convert)
    dt.time,
    dt.timedelta,
    uuid.UUID,
    bytes,
    bytearray,
    memoryview,
)

# -- arrays and ranges: literals with a cast ------------------------------------------------------------------------
_ELEMENT_TYPES: tuple[tuple[type | tuple[type, ...], str | None], ...] = (
    (bool, "boolean"),
    (int, None),
    (float, "double precision"),
    (decimal.Decimal, "numeric"),
    (dt.datetime, None),
    (dt.date, "date"),
    (dt.time, "time"),
    (dt.timedelta, "interval"),
    (uuid.UUID, "uuid"),
    (str, "text"),
    (Json, "jsonb"),
    ((ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Interface, ipaddress.IPv6Interface), "inet"),
    ((ipaddress.IPv4Network, ipaddress.IPv6Network), "cidr"),
)


def _element_type(items: list[Any]) -> str | None:
    for item in items:
        if isinstance(item, (list, tuple)):
            found = _element_type(list(item))
            if found:
                return found
            continue
        if item is None:
            continue
        if isinstance(item, dt.datetime):
            return "timestamptz" if item.tzinfo is not None else "timestamp"
        if isinstance(item, int) and not isinstance(item, bool):
            # like scalars: integer when every element fits (integer[] columns are the common case)
            flat = [i for i in _flatten(items) if i is not None]
            return "integer" if all(-(2**31) <= i < 2**31 for i in flat) else "bigint"
        for cls, pg in _ELEMENT_TYPES:
            if isinstance(item, cls):
                return pg
        raise NotSupportedError(f"cannot send a list of {type(item).__name__} to the Data API")
    return None


def _flatten(items: Sequence[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


def text_form(value: Any) -> str:
    """PostgreSQL's input text for a Python value (array elements, DDL literals)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Json):
        return value.text
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(_interval(value)[0]["stringValue"])
    return str(value)


def _array_element(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, (list, tuple)):
        return _array_literal(item)
    return '"' + text_form(item).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(items: Sequence[Any]) -> str:
    return "{" + ",".join(_array_element(i) for i in items) + "}"


def _array(items: Sequence[Any]) -> Converted:
    pg = _element_type(list(items))
    if pg is None:
        # Empty (or all-NULL) list: no element type to name; text[] converts to any array type explicitly.
        return {"stringValue": _array_literal(items)}, None, "text[]"
    return {"stringValue": _array_literal(items)}, None, pg + "[]"


_RANGE_TYPES: tuple[tuple[type, str | None], ...] = (
    (dt.datetime, None),
    (dt.date, "daterange"),
    (int, "int8range"),
    (decimal.Decimal, "numrange"),
    (float, "numrange"),
)


def is_range(value: Any) -> bool:
    """psycopg's Range (what django.contrib.postgres uses), recognised without importing psycopg."""
    return type(value).__name__ == "Range" and hasattr(value, "bounds")


def range_literal(value: Any, naive_tz: dt.tzinfo | None = None) -> str:
    """A Range's text form, as PostgreSQL reads it for any range type."""
    if value.isempty:
        return "empty"

    def text(b: Any) -> str:
        if b is None:
            return ""
        if isinstance(b, dt.datetime):
            if b.tzinfo is None and naive_tz is not None:
                b = b.replace(tzinfo=naive_tz)  # as for scalar datetimes: a naive bound means TIME_ZONE
            return f'"{b.isoformat(sep=" ")}"'
        return f'"{b}"'

    return f"{value.bounds[0]}{text(value.lower)},{text(value.upper)}{value.bounds[1]}"


def _range(value: Any, naive_tz: dt.tzinfo | None) -> Converted:
    """A Range whose type nothing names (the compiler names it from the model field where there is one: see
    dataapi_backend.compiler) → its literal and a type guessed from the bounds."""
    if value.isempty:
        return {"stringValue": "empty"}, None, None
    bound: Any = value.lower if value.lower is not None else value.upper
    pg = "numrange"
    for cls, name in _RANGE_TYPES:
        if isinstance(bound, cls):
            pg = name or ("tstzrange" if getattr(bound, "tzinfo", None) is not None else "tsrange")
            break
    return {"stringValue": range_literal(value, naive_tz)}, None, pg


def _hstore_literal(mapping: Mapping[Any, Any]) -> str:
    def quote(v: Any) -> str:
        return "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    return ", ".join(f"{quote(k)}=>{quote(v)}" for k, v in mapping.items())


def convert(value: Any, naive_tz: dt.tzinfo | None = None) -> Converted:
    """One Python value → (Field, typeHint or None, cast or None); naive datetimes mean `naive_tz` (None: none)."""
    kind = type(value)
    if kind is dt.datetime:
        return _datetime(value, naive_tz)
    if kind is TypedRange:
        return {"stringValue": range_literal(value.value, naive_tz)}, None, value.pg_type
    fn = CONVERTERS.get(kind)
    if fn is not None:
        return fn(value)
    if isinstance(value, (list, tuple)):
        return _array(value)
    if is_range(value):
        return _range(value, naive_tz)
    if isinstance(value, dict):
        # A plain dict is django.contrib.postgres's HStoreField (JSONField values arrive wrapped in Json).
        return {"stringValue": _hstore_literal(value)}, None, "hstore"
    if isinstance(value, dt.datetime):  # a subclass (e.g. a test's FakeDatetime)
        return _datetime(value, naive_tz)
    for base in _BASES:
        if isinstance(value, base):
            plain: Any = base
            return CONVERTERS[base](plain(value) if base in (int, str, float) else value)
    adapter = getattr(value, "__conform__", None) or getattr(value, "as_dataapi_param", None)
    if adapter is not None:
        return convert(adapter(), naive_tz)
    raise ProgrammingError(f"cannot send a parameter of type {type(value).__name__} to the Data API")


def _parameter(name: str, value: Any, naive_tz: dt.tzinfo | None) -> tuple[SqlParameter, str | None, bool]:
    """The SqlParameter, its cast, and whether that cast is a guess from the Python value (arrays, ranges, hstore:
    the element or bound types say int, not int4 or int8), which the SQL's own cast then overrides."""
    field, hint, cast = convert(value, naive_tz)
    param: SqlParameter = {"name": name, "value": field}
    if hint:
        param["typeHint"] = hint
    guessed = isinstance(value, (list, tuple, dict)) or is_range(value)
    return param, cast, guessed


def translate(
    sql: str, params: Sequence[Any] | Mapping[str, Any], naive_tz: dt.tzinfo | None = None
) -> tuple[str, list[SqlParameter]]:
    """Django/psycopg pyformat SQL + params → Data API SQL with `:pN` placeholders + SqlParameters; naive datetimes
    mean `naive_tz` (the connection's Adaptation.naive_zone).

    `%%` becomes `%`; `%s` takes the next positional parameter; `%(name)s` takes params[name], one placeholder per
    distinct name. Everything else (quotes, `::casts`, colons in literals) is copied as is.
    """
    out: list[str] = []
    parameters: list[SqlParameter] = []
    named: dict[str, tuple[str, str | None, bool]] = {}
    positional = not isinstance(params, Mapping)
    seq: list[Any] = list(params) if positional else []
    mapping: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
    used = 0
    i, n = 0, len(sql)
    while i < n:
        j = sql.find("%", i)
        if j < 0:
            out.append(sql[i:])
            break
        out.append(sql[i:j])
        nxt = sql[j + 1 : j + 2]
        if nxt == "%":
            out.append("%")
            i = j + 2
            continue
        if nxt == "s" and positional:
            if used >= len(seq):
                raise ProgrammingError(f"not enough parameters for the SQL: {len(seq)} given")
            name = f"p{used + 1}"
            param, cast, guessed = _parameter(name, seq[used], naive_tz)
            parameters.append(param)
            used += 1
            i = j + 2
        elif nxt == "(" and not positional:
            end = sql.find(")s", j)
            if end < 0:
                raise ProgrammingError(f"malformed named placeholder at offset {j}")
            key = sql[j + 2 : end]
            if key not in mapping:
                raise ProgrammingError(f"no value for the named parameter {key!r}")
            i = end + 2
            if key in named:
                name, cast, guessed = named[key]
            else:
                name = f"p{len(named) + 1}"
                param, cast, guessed = _parameter(name, mapping[key], naive_tz)
                parameters.append(param)
                named[key] = (name, cast, guessed)
        else:
            raise ProgrammingError(f"unsupported placeholder {sql[j : j + 2]!r} at offset {j}; use %s or %(name)s")
        if out and out[-1].endswith(":"):
            out.append(" ")
        if guessed and sql.startswith("::", i):
            # The SQL names the type (Django's `%s::int4range` for a range field, `%s::integer[]` in a lookup): the
            # literal is cast from its text form to exactly that type; a guessed cast first could not be undone
            # (PostgreSQL has no cast from int8range to int4range).
            cast = None
        out.append(f":{name}::{cast}" if cast else f":{name}")
        if sql[i : i + 1] == ":" and sql[i + 1 : i + 2] != ":":
            out.append(" ")
    if positional and used != len(seq):
        raise ProgrammingError(f"the SQL has {used} placeholders but {len(seq)} parameters were given")
    return "".join(out), parameters


def wire_size(parameters: list[SqlParameter]) -> int:
    """Approximate JSON size of parameters on the wire (blobs grow by 4/3 in base64)."""
    size = 0
    for p in parameters:
        ((kind, value),) = p["value"].items()
        if kind == "blobValue":
            size += len(base64.b64encode(value))
        else:
            size += len(str(value))
        size += 60  # names, keys, quotes, typeHint
    return size
