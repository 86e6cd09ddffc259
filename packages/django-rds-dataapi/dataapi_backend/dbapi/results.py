"""Data API results → Python values: one converter per column, chosen once from `columnMetadata.typeName`.

Values arrive as Field dicts with one member. Numbers, booleans and blobs are already typed; everything else is
PostgreSQL's text form, with timestamptz/timetz already converted to UTC and sent without an offset (so they are
decoded as UTC here and then moved to the connection's time zone).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from .adaptation import Adaptation

DEFAULT_ADAPTATION = Adaptation()

UTC = dt.timezone.utc
_Decimal = decimal.Decimal
_fromiso_dt = dt.datetime.fromisoformat
_fromiso_date = dt.date.fromisoformat
_fromiso_time = dt.time.fromisoformat

# PostgreSQL type name → OID, for cursor.description (Django's introspection maps OIDs to field types).
TYPE_OIDS = {
    "bool": 16,
    "bytea": 17,
    "char": 18,
    "name": 19,
    "int8": 20,
    "int2": 21,
    "int4": 23,
    "text": 25,
    "oid": 26,
    "json": 114,
    "xml": 142,
    "point": 600,
    "cidr": 650,
    "float4": 700,
    "float8": 701,
    "unknown": 705,
    "money": 790,
    "macaddr": 829,
    "inet": 869,
    "bpchar": 1042,
    "varchar": 1043,
    "date": 1082,
    "time": 1083,
    "timestamp": 1114,
    "timestamptz": 1184,
    "interval": 1186,
    "timetz": 1266,
    "bit": 1560,
    "varbit": 1562,
    "numeric": 1700,
    "uuid": 2950,
    "jsonb": 3802,
    "int4range": 3904,
    "numrange": 3906,
    "tsrange": 3908,
    "tstzrange": 3910,
    "daterange": 3912,
    "int8range": 3926,
    "regclass": 2205,
    "citext": 0,
    "_bool": 1000,
    "_int2": 1005,
    "_int4": 1007,
    "_text": 1009,
    "_varchar": 1015,
    "_int8": 1016,
    "_float4": 1021,
    "_float8": 1022,
    "_numeric": 1231,
    "_date": 1182,
    "_timestamp": 1115,
    "_timestamptz": 1185,
    "_uuid": 2951,
    "_jsonb": 3807,
    "_json": 199,
    "_bpchar": 1014,
    "_time": 1183,
    "_interval": 1187,
    "_inet": 1041,
    "_cidr": 651,
}

_INTERVAL = re.compile(
    r"^(?:(?P<years>[-+]?\d+) years? ?)?(?:(?P<months>[-+]?\d+) mons? ?)?(?:(?P<days>[-+]?\d+) days? ?)?"
    r"(?:(?P<sign>[-+])?(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?$"
)


def parse_interval(text: str) -> dt.timedelta:
    """PostgreSQL's default IntervalStyle output → timedelta (a month counts 30 days, a year 365.25, as PostgreSQL's
    own EXTRACT(EPOCH) does)."""
    m = _INTERVAL.match(text)
    if not m:
        raise ValueError(f"cannot parse interval {text!r}")
    g = m.groupdict()
    days = int(g["days"] or 0) + int(g["months"] or 0) * 30 + int(g["years"] or 0) * 365.25
    seconds = 0.0
    micro = 0
    if g["h"] is not None:
        seconds = int(g["h"]) * 3600 + int(g["m"]) * 60 + int(g["s"])
        micro = int((g["f"] or "0").ljust(6, "0"))
        if g["sign"] == "-":
            seconds, micro = -seconds, -micro
    return dt.timedelta(days=days, seconds=seconds, microseconds=micro)


Field = dict[str, Any]  # one Data API Field of a record
Converter = Callable[[Field], Any]  # a column's Field → its Python value


def _text(f: Field) -> Any:
    return f.get("stringValue")


def _long(f: Field) -> Any:
    return f.get("longValue")


def _double(f: Field) -> Any:
    v = f.get("doubleValue")
    if v is None and "stringValue" in f:  # NaN/Infinity have no JSON number
        return float(f["stringValue"])
    return v


def _bool(f: Field) -> Any:
    return f.get("booleanValue")


def _blob(f: Field) -> Any:
    return f.get("blobValue")


def _via(fn: Callable[[str], Any]) -> Converter:
    def convert(f: Field) -> Any:
        s = f.get("stringValue")
        return None if s is None else fn(s)

    return convert


def _decimal_field(f: Field) -> Any:
    s = f.get("stringValue")
    if s is not None:
        return _Decimal(s)
    v = f.get("longValue", f.get("doubleValue"))
    return None if v is None else _Decimal(str(v))


def _timestamp(s: str) -> dt.datetime | str:
    try:
        return _fromiso_dt(s)
    except ValueError:
        return s  # 'infinity' and BC dates have no datetime


def make_timestamptz(tz: dt.tzinfo | None, naive_tz: dt.tzinfo | None = None) -> Converter:
    """UTC text → aware datetime in `tz`; tz=None → naive time in `naive_tz` (Django's USE_TZ=False with TIME_ZONE),
    as Django's psycopg loader returns it."""
    if tz is UTC or (tz is not None and getattr(tz, "key", None) == "UTC"):

        def convert(f: Field) -> Any:
            s = f.get("stringValue")
            if s is None:
                return None
            try:
                return _fromiso_dt(s).replace(tzinfo=UTC)
            except ValueError:
                return s

        return convert

    def convert_tz(f: Field) -> Any:
        s = f.get("stringValue")
        if s is None:
            return None
        try:
            value = _fromiso_dt(s).replace(tzinfo=UTC)
        except ValueError:
            return _after_year_9999(s, tz, naive_tz)
        if tz is None:
            return value.astimezone(naive_tz or UTC).replace(tzinfo=None)
        return value.astimezone(tz)

    return convert_tz


def _after_year_9999(s: str, tz: dt.tzinfo | None, naive_tz: dt.tzinfo | None) -> Any:
    """A UTC time in year 10000 that is still in 9999 where it is shown (datetime.max stored west of UTC, as
    Django's database cache does for "forever"): converted 400 years earlier — the Gregorian calendar repeats every
    400 years — and moved back. Anything else out of datetime's range stays text, as before."""
    match = re.match(r"^(\d{5})(-.*)$", s)
    if match is None:
        return s
    try:
        earlier = _fromiso_dt(f"{int(match[1]) - 400:04d}{match[2]}").replace(tzinfo=UTC)
        local = earlier.astimezone(tz or naive_tz or UTC)
        local = local.replace(year=local.year + 400)
    except ValueError:
        return s  # still after 9999 there
    return local if tz is not None else local.replace(tzinfo=None)


def _range_parser(bound: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        from psycopg.types.range import Range  # django.contrib.postgres expects psycopg's Range

        if text == "empty":
            return Range(empty=True)
        lower, upper = text[1:-1].split(",", 1)

        def value(b: str) -> Any:
            b = b.strip('"')
            return None if b == "" else bound(b)

        return Range(value(lower), value(upper), bounds=text[0] + text[-1])

    return parse


_HSTORE_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(NULL|"((?:[^"\\]|\\.)*)")')


def parse_hstore(text: str) -> dict[str, str | None]:
    """hstore's text form ('"a"=>"1", "b"=>NULL') → dict, as psycopg's hstore loader returns."""

    def unescape(s: str) -> str:
        return re.sub(r"\\(.)", r"\1", s)

    return {unescape(k): None if raw == "NULL" else unescape(v) for k, raw, v in _HSTORE_PAIR.findall(text)}


def _tz_range_bound(text: str) -> dt.datetime:
    return _fromiso_dt(text)


SCALAR: dict[str, Converter] = {
    "int2": _long,
    "int4": _long,
    "int8": _long,
    "oid": _long,
    "float4": _double,
    "float8": _double,
    "bool": _bool,
    "bytea": _blob,
    "numeric": _decimal_field,
    "money": _text,
    "text": _text,
    "varchar": _text,
    "bpchar": _text,
    "name": _text,
    "char": _text,
    "citext": _text,
    "date": _via(lambda s: _fromiso_date(s) if s[0].isdigit() and len(s) == 10 else s),
    "time": _via(_fromiso_time),
    "timetz": _via(lambda s: _fromiso_time(s).replace(tzinfo=UTC)),
    "timestamp": _via(_timestamp),
    "interval": _via(parse_interval),
    "uuid": _via(uuid.UUID),
    "json": _via(json.loads),
    "jsonb": _via(json.loads),
    "hstore": _via(parse_hstore),
    "int4range": _via(_range_parser(int)),
    "int8range": _via(_range_parser(int)),
    "numrange": _via(_range_parser(_Decimal)),
    "daterange": _via(_range_parser(_fromiso_date)),
    "tsrange": _via(_range_parser(_fromiso_dt)),
    "tstzrange": _via(_range_parser(_tz_range_bound)),
}

_ELEMENT: dict[str, Callable[[str], Any]] = {
    "numeric": _Decimal,
    "date": _fromiso_date,
    "time": _fromiso_time,
    "timestamp": _fromiso_dt,
    "timestamptz": lambda s: _fromiso_dt(s).replace(tzinfo=UTC),
    "uuid": uuid.UUID,
    "interval": parse_interval,
    "json": json.loads,
    "jsonb": json.loads,
}


def _array_converter(element: str) -> Converter:
    elem = _ELEMENT.get(element)

    def walk(av: dict[str, Any]) -> list[Any]:
        ((kind, values),) = av.items()
        if kind == "arrayValues":
            return [walk(v) for v in values]
        if elem is not None and kind == "stringValues":
            return [None if v is None else elem(v) for v in values]
        return list(values)

    def convert(f: Field) -> Any:
        av = f.get("arrayValue")
        return None if av is None else walk(av)

    return convert


def _naive_range_bound(naive_tz: dt.tzinfo | None) -> Callable[[str], dt.datetime]:
    """A tstzrange bound as a naive time in `naive_tz` (Django's USE_TZ=False), as for timestamptz columns."""

    def bound(text: str) -> dt.datetime:
        return _fromiso_dt(text).astimezone(naive_tz or UTC).replace(tzinfo=None)

    return bound


def column_converter(type_name: str, adaptation: Adaptation = DEFAULT_ADAPTATION) -> Converter:
    """The function that turns this column's Field dicts into Python values, as the connection's `adaptation`
    says (the zone of aware results or the one naive results are in, JSON as text)."""
    tz, naive_tz = adaptation.result_zone, adaptation.naive_zone
    if type_name == "timestamptz":
        return make_timestamptz(tz, naive_tz)
    if type_name == "tstzrange" and tz is None:
        return _via(_range_parser(_naive_range_bound(naive_tz)))
    if adaptation.json_as_text and type_name in ("json", "jsonb"):
        return _text
    if type_name.startswith("_"):
        return _array_converter(type_name[1:])
    return SCALAR.get(type_name, _text)


def type_oid(type_name: str) -> int:
    return TYPE_OIDS.get(type_name, 25 if not type_name.startswith("_") else 1009)


# converters that read one member as it is: a column of them is read without a call per value
_MEMBER_OF: dict[Converter, str] = {_text: "stringValue", _long: "longValue", _bool: "booleanValue"}


def decode_rows(records: list[list[Field]], converters: list[Converter]) -> list[tuple[Any, ...]]:
    """Records (lists of Fields, one per converter) → row tuples, a column at a time: a page's thousand values cost
    a call each otherwise, most of them only to read a string. A row or two (most results) costs less row by row."""
    if not records or not converters:
        return [() for _ in records]
    if len(records) <= 2:
        return [tuple([convert(f) for convert, f in zip(converters, r, strict=True)]) for r in records]
    columns = []
    for convert, fields in zip(converters, zip(*records, strict=True), strict=True):
        member = _MEMBER_OF.get(convert)
        columns.append([f.get(member) for f in fields] if member else list(map(convert, fields)))
    return list(zip(*columns, strict=True))
