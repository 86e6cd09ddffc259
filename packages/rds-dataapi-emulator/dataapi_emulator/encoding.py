"""Wire values ↔ PostgreSQL: `:name` placeholders, Field parameters with typeHints, and result encodings.

Parameters behave as the Data API's JDBC layer binds them: stringValue as varchar, longValue as int8, doubleValue as
float8, blobValue as bytea, isNull untyped, and a typeHint turns a stringValue into date/time/timestamp/numeric/uuid/
json that PostgreSQL parses. So a uuid column compared with a plain stringValue fails here exactly as on Aurora.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from decimal import Decimal

import psycopg
from psycopg.types.numeric import FloatDumper, Int8Dumper
from psycopg.types.string import BytesDumper, StrDumper

from .errors import BadRequestException, UnsupportedResultException

# -- placeholders ----------------------------------------------------------------------------------------------
# One pass over the SQL: string literals, quoted identifiers, dollar quotes and comments are copied untouched,
# `::` casts are kept, and each `:name` becomes `$N` (the same name reuses its number). AWS accepts any string as a
# parameter name (botocore's ParameterName has no pattern); clients use letters (`:tenant_id`) or digits (`:1`).
_TOKEN = re.compile(
    r"""
    (?P<skip>
        '(?:[^']|'')*'                        # string literal (E'' escapes are handled by the next branch)
      | [eE]'(?:[^'\\]|\\.|'')*'
      | "(?:[^"]|"")*"                        # quoted identifier
      | (?P<dollar>\$[A-Za-z_]?[A-Za-z0-9_]*\$)[\s\S]*?(?P=dollar)
      | --[^\n]*
      | /\*[\s\S]*?\*/
      | ::
    )
    | :(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?<![\w\])]):(?P<number>[0-9]+)(?![A-Za-z_])   # :1, :2 (drizzle-orm's aws-data-api driver), not arr[1:2]
    """,
    re.VERBOSE,
)


def translate_placeholders(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` → `$N`; returns the new SQL and the parameter names in $-number order. A client sends the same few
    statements again and again, each a scan of the whole text (a list page's entering read is 2.5 KB): translated
    once per text, up to a size (a bulk INSERT's text is sent once and would crowd the others out)."""
    return _translate_cached(sql) if len(sql) <= 16_384 else _translate(sql)


def _translate(sql: str) -> tuple[str, tuple[str, ...]]:
    order: list[str] = []
    index: dict[str, int] = {}

    def repl(m: re.Match) -> str:
        name = m.group("name") or m.group("number")
        if name is None:
            return m.group(0)
        if name not in index:
            order.append(name)
            index[name] = len(order)
        return f"${index[name]}"

    if ":" not in sql:
        return sql, ()
    return _TOKEN.sub(repl, sql), tuple(order)


_translate_cached = functools.lru_cache(maxsize=256)(_translate)


# -- parameters -------------------------------------------------------------------------------------------------
def _typed_text(type_name: str) -> type:
    """A str subclass bound to a dumper that sends it as text of the given PostgreSQL type (parsed by the server)."""
    cls = type(f"{type_name.title()}Text", (str,), {})

    class _Dumper(StrDumper):
        oid = psycopg.postgres.types[type_name].oid

    _Dumper.__name__ = f"{type_name.title()}TextDumper"
    cls.dumper = _Dumper
    return cls


class _Varchar(StrDumper):
    oid = psycopg.postgres.types["varchar"].oid


HINTS = {
    hint: _typed_text(pg)
    for hint, pg in {
        "DATE": "date",
        "TIME": "time",
        "TIMESTAMP": "timestamp",
        "DECIMAL": "numeric",
        "UUID": "uuid",
        "JSON": "json",
    }.items()
}

_HINT_FORMATS = {
    "DATE": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "TIME": re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$"),
    "TIMESTAMP": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$"),
}


def configure_adapters(adapters) -> None:
    """Register the Data API's binding rules on a connection (called by the pool for each new connection)."""
    adapters.register_dumper(str, _Varchar)
    adapters.register_dumper(int, Int8Dumper)
    adapters.register_dumper(float, FloatDumper)
    adapters.register_dumper(bytes, BytesDumper)
    for cls in HINTS.values():
        adapters.register_dumper(cls, cls.dumper)


def field_to_python(field: dict, type_hint: str | None, name: str):
    """One SqlParameter value → the Python object psycopg binds with the Data API's type."""
    if not isinstance(field, dict) or len(field) != 1:
        raise BadRequestException(f"Parameter '{name}': value must set exactly one member of Field")
    ((kind, value),) = field.items()
    if kind == "arrayValue":
        raise BadRequestException("Array parameters are not supported.")
    if type_hint is not None and kind != "stringValue":
        raise BadRequestException(f"Parameter '{name}': typeHint {type_hint} requires a stringValue")
    if kind == "isNull":
        return None
    if kind == "stringValue":
        if not isinstance(value, str):
            raise BadRequestException(f"Parameter '{name}': stringValue must be a string")
        if type_hint is None:
            return value
        fmt = _HINT_FORMATS.get(type_hint)
        if fmt is not None and not fmt.match(value):
            raise BadRequestException(
                f"Parameter '{name}': the value {value!r} does not match the {type_hint} typeHint format"
            )
        return HINTS[type_hint](value)
    if kind == "longValue":
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequestException(f"Parameter '{name}': longValue must be an integer")
        return value
    if kind == "doubleValue":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequestException(f"Parameter '{name}': doubleValue must be a number")
        return float(value)
    if kind == "booleanValue":
        if not isinstance(value, bool):
            raise BadRequestException(f"Parameter '{name}': booleanValue must be a boolean")
        return value
    if kind == "blobValue":
        try:
            return base64.b64decode(value, validate=True)
        except (ValueError, TypeError):
            raise BadRequestException(f"Parameter '{name}': blobValue is not valid base64") from None
    raise BadRequestException(f"Parameter '{name}': unknown Field member {kind!r}")


def bind(sql: str, parameters: list[dict]) -> tuple[str, list]:
    """Translate placeholders and order the values to match `$N`."""
    query, names = translate_placeholders(sql)
    values: dict[str, object] = {}
    for p in parameters:
        name = p.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequestException("Parameter name is required for PostgreSQL (use :name placeholders)")
        values[name] = field_to_python(p.get("value"), p.get("typeHint"), name)
    missing = [n for n in names if n not in values]
    if missing:
        raise BadRequestException(f"No value specified for parameter: {missing[0]}")
    return query, [values[n] for n in names]


# -- results ------------------------------------------------------------------------------------------------------
JDBC_TYPES = {
    "bool": -7,
    "int2": 5,
    "int4": 4,
    "int8": -5,
    "oid": -5,
    "float4": 7,
    "float8": 8,
    "numeric": 2,
    "money": 8,
    "bpchar": 1,
    "varchar": 12,
    "text": 12,
    "name": 12,
    "char": 1,
    "date": 91,
    "time": 92,
    "timetz": 92,
    "timestamp": 93,
    "timestamptz": 93,
    "bytea": -2,
}
# (regclass, regtype, regproc... are OIDs too, but their text is a name: they travel as strings, as JDBC reads them)
INTEGER_TYPES = {"int2", "int4", "int8", "oid", "xid", "cid"}
FLOAT_TYPES = {"float4", "float8"}
TEXT_TYPES = {"text", "varchar", "bpchar", "name", "char", "citext"}


def _utc_text(value: str, with_date: bool) -> str:
    """PostgreSQL's timestamptz/timetz text → the Data API's UTC text without an offset."""
    if with_date:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value  # infinity, BC dates: passed through as PostgreSQL wrote them
        if parsed.tzinfo is None:
            return value
        try:
            return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
        except OverflowError:
            if parsed.year < 9999:
                return value  # before year 1 in UTC: PostgreSQL's own text (BC) is all there is
            # in UTC it is year 10000 (datetime.max stored west of UTC): convert 400 years earlier (the Gregorian
            # calendar repeats every 400 years) and write the year back, as PostgreSQL would
            earlier = parsed.replace(year=parsed.year - 400).astimezone(dt.timezone.utc).replace(tzinfo=None)
            return f"{earlier.year + 400}{earlier.isoformat(sep=' ')[4:]}"
    m = re.match(r"^(\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2}(?::?\d{2}){0,2})$", value)
    if not m:
        return value
    base = dt.datetime.combine(dt.date(2000, 1, 1), dt.time.fromisoformat(m.group(1)))
    sign = 1 if m.group(2)[0] == "+" else -1
    parts = [int(x) for x in re.findall(r"\d{2}", m.group(2))]
    offset = dt.timedelta(
        hours=parts[0], minutes=parts[1] if len(parts) > 1 else 0, seconds=parts[2] if len(parts) > 2 else 0
    )
    return (base - sign * offset).time().isoformat()


def _timestamptz_text(value: str) -> str:
    """_utc_text(value, True), without parsing what is UTC already (the session's zone is UTC for most callers):
    'YYYY-MM-DD HH:MM:SS[.f]+00' loses its offset and has its fraction written to six digits, as isoformat does."""
    if len(value) >= 22 and value[19] in ".+" and value[4] == "-" and value[10] == " " and value.endswith("+00"):
        fraction = value[20:-3]
        return value[:19] if not fraction else f"{value[:20]}{fraction:0<6}"
    return _utc_text(value, True)


def _array_values(items: list, base: str) -> dict:
    if None in items:
        # The wire shapes (LongArray, BooleanArray, ...) have no NULL member; AWS cannot return these either.
        raise UnsupportedResultException(
            "The result contains an array with NULL elements, which the Data API "
            "cannot return; use array_remove() or array_to_json() in the query"
        )
    if any(isinstance(i, list) for i in items):
        return {"arrayValues": [_array_values(i if isinstance(i, list) else [i], base) for i in items]}
    if base == "bool":
        return {"booleanValues": items}
    if base in INTEGER_TYPES:
        return {"longValues": items}
    if base in FLOAT_TYPES:
        return {"doubleValues": items}
    out = []
    for i in items:
        if i is None:
            out.append(None)
        elif isinstance(i, dt.datetime):
            out.append((i.astimezone(dt.timezone.utc).replace(tzinfo=None) if i.tzinfo else i).isoformat(sep=" "))
        elif isinstance(i, (dict, list)):
            out.append(json.dumps(i))
        elif isinstance(i, bytes):
            out.append(base64.b64encode(i).decode())
        else:
            out.append(str(i))
    return {"stringValues": out}


# A Field's JSON text exactly as json.dumps writes it (", " and ": " separators, ASCII-only strings), so that the
# response limits measure the same text whichever way a Field was written.
_quote = json.encoder.encode_basestring_ascii
_NULL_JSON = json.dumps({"isNull": True})
_BOOL_JSON = {b"t": json.dumps({"booleanValue": True}), b"f": json.dumps({"booleanValue": False})}


class ColumnEncoder:
    """Encodes one result column's raw text values into Fields, chosen once per column by its type."""

    __slots__ = ("typname", "kind", "loader", "decimal_as_number", "long_as_string")

    def __init__(self, typname: str, loader, decimal_as_number: bool, long_as_string: bool):
        self.typname = typname
        self.loader = loader
        self.decimal_as_number = decimal_as_number
        self.long_as_string = long_as_string
        if typname.startswith("_"):
            self.kind = "array"
        elif typname == "bool":
            self.kind = "bool"
        elif typname in INTEGER_TYPES:
            self.kind = "string" if long_as_string else "long"
        elif typname in FLOAT_TYPES:
            self.kind = "double"
        elif typname == "numeric" and decimal_as_number:
            self.kind = "decimal_number"
        elif typname == "bytea":
            self.kind = "blob"
        elif typname == "timestamptz":
            self.kind = "timestamptz"
        elif typname == "timetz":
            self.kind = "timetz"
        else:
            self.kind = "string"

    def field(self, raw: bytes | None) -> dict:
        if raw is None:
            return {"isNull": True}
        kind = self.kind
        if kind == "string":
            return {"stringValue": raw.decode()}
        if kind == "long":
            return {"longValue": int(raw)}
        if kind == "bool":
            return {"booleanValue": raw == b"t"}
        if kind == "double":
            return {"doubleValue": float(raw)}
        if kind == "timestamptz":
            return {"stringValue": _utc_text(raw.decode(), True)}
        if kind == "timetz":
            return {"stringValue": _utc_text(raw.decode(), False)}
        if kind == "blob":
            return {"blobValue": base64.b64encode(bytes.fromhex(raw[2:].decode())).decode()}
        if kind == "decimal_number":
            d = Decimal(raw.decode())
            return (
                {"longValue": int(d)}
                if d == d.to_integral_value() and "." not in raw.decode()
                else {"doubleValue": float(d)}
            )
        # arrays: psycopg parses the literal, then the elements are encoded as the Data API does
        return {"arrayValue": _array_values(self.loader.load(raw), self.typname[1:])}

    def field_texts(self, values: list[bytes | None]) -> list[str]:
        """The JSON text of each value's Field (`json.dumps(self.field(value))`), a column at a time: the common
        kinds are written here without a dict and a call per value (most of the emulator's own time on a page)."""
        kind, null = self.kind, _NULL_JSON
        if kind == "string":
            return [null if v is None else '{"stringValue": ' + _quote(v.decode()) + "}" for v in values]
        if kind == "long":
            return [null if v is None else '{"longValue": ' + str(int(v)) + "}" for v in values]
        if kind == "bool":
            return [null if v is None else _BOOL_JSON[v] for v in values]
        if kind == "timestamptz":
            return [
                null if v is None else '{"stringValue": ' + _quote(_timestamptz_text(v.decode())) + "}" for v in values
            ]
        dumps, field = json.dumps, self.field
        return [dumps(field(v)) for v in values]

    def json_value(self, raw: bytes | None):
        """The value inside `formattedRecords` (formatRecordsAs=JSON)."""
        field = self.field(raw)
        ((kind, value),) = field.items()
        if kind == "isNull":
            return None
        if kind == "arrayValue":
            return (
                self.loader.load(raw)
                if self.typname[1:] in INTEGER_TYPES | FLOAT_TYPES | {"bool"}
                else next(iter(value.values()))
            )
        if self.typname in ("json", "jsonb"):
            return json.loads(value)
        return value
