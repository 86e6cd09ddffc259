"""Python → Data API parameters and `%s` → `:pN` translation (pure: no server)."""

import datetime as dt
import decimal
import ipaddress
import uuid
from zoneinfo import ZoneInfo

import pytest

from dataapi_backend.dbapi import Json, ProgrammingError
from dataapi_backend.dbapi.params import convert, translate


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ({"isNull": True}, None, None)),
        (True, ({"booleanValue": True}, None, None)),
        (7, ({"longValue": 7}, None, "int4")),
        (2**31, ({"longValue": 2**31}, None, None)),
        (2**63, ({"stringValue": str(2**63)}, "DECIMAL", None)),
        (1.5, ({"doubleValue": 1.5}, None, None)),
        (float("inf"), ({"stringValue": "Infinity"}, None, "float8")),
        (float("nan"), ({"stringValue": "NaN"}, None, "float8")),
        ("text", ({"stringValue": "text"}, None, None)),
        (decimal.Decimal("1.10"), ({"stringValue": "1.10"}, "DECIMAL", None)),
        (dt.date(2024, 2, 29), ({"stringValue": "2024-02-29"}, "DATE", None)),
        (dt.time(1, 2, 3, 4), ({"stringValue": "01:02:03.000004"}, "TIME", None)),
        (dt.datetime(2024, 1, 1, 12, 0), ({"stringValue": "2024-01-01 12:00:00"}, "TIMESTAMP", None)),
        (
            dt.datetime(2024, 1, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
            ({"stringValue": "2024-01-01 12:00:00+01:00"}, None, "timestamptz"),
        ),
        (
            dt.timedelta(days=-1, seconds=5, microseconds=6),
            ({"stringValue": "-1 days 5 seconds 6 microseconds"}, None, "interval"),
        ),
        (uuid.UUID(int=1), ({"stringValue": "00000000-0000-0000-0000-000000000001"}, "UUID", None)),
        (b"\x00\x01", ({"blobValue": b"\x00\x01"}, None, None)),
        (memoryview(b"ab"), ({"blobValue": b"ab"}, None, None)),
        (Json('{"a": 1}'), ({"stringValue": '{"a": 1}'}, None, "jsonb")),
        (ipaddress.ip_address("10.0.0.1"), ({"stringValue": "10.0.0.1"}, None, "inet")),
        ([1, 2, None], ({"stringValue": '{"1","2",NULL}'}, None, "integer[]")),
        ([2**40], ({"stringValue": '{"1099511627776"}'}, None, "bigint[]")),
        (["a", 'q"uote', "back\\slash"], ({"stringValue": '{"a","q\\"uote","back\\\\slash"}'}, None, "text[]")),
        ([[1, 2], [3, 4]], ({"stringValue": '{{"1","2"},{"3","4"}}'}, None, "integer[]")),
        ([], ({"stringValue": "{}"}, None, "text[]")),
    ],
)
def test_conversion_table(value, expected):
    assert convert(value) == expected


def test_subclasses_use_their_base_type():
    import enum

    class Colour(enum.IntEnum):
        RED = 1

    class Name(str):
        pass

    assert convert(Colour.RED) == ({"longValue": 1}, None, "int4")
    assert convert(Name("x")) == ({"stringValue": "x"}, None, None)


def test_unknown_type_is_refused_with_its_name():
    with pytest.raises(ProgrammingError, match="cannot send a parameter of type object to the Data API"):
        convert(object())


def test_positional_placeholders_become_numbered_names_with_casts():
    sql, params = translate(
        "SELECT %s, %s::int, %s WHERE x LIKE '%%a'", ["a", 1, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)]
    )
    assert sql == "SELECT :p1, :p2::int4::int, :p3::timestamptz WHERE x LIKE '%a'"
    assert [p["name"] for p in params] == ["p1", "p2", "p3"]


def test_named_placeholders_reuse_one_parameter_per_name():
    sql, params = translate("SELECT %(a)s, %(b)s, %(a)s", {"a": 1, "b": "x"})
    assert sql == "SELECT :p1::int4, :p2, :p1::int4"
    assert params == [{"name": "p1", "value": {"longValue": 1}}, {"name": "p2", "value": {"stringValue": "x"}}]


def test_colons_in_sql_survive_and_slices_do_not_merge_into_casts():
    sql, _ = translate("SELECT arr[%s:%s], 'a:b', x::jsonb, '%%'", [1, 2])
    assert sql == "SELECT arr[:p1::int4 : :p2::int4], 'a:b', x::jsonb, '%'"


@pytest.mark.parametrize(
    "sql, params, message",
    [
        ("SELECT %s, %s", [1], "not enough parameters for the SQL: 1 given"),
        ("SELECT %s", [1, 2], "the SQL has 1 placeholders but 2 parameters were given"),
        ("SELECT %d", [1], "unsupported placeholder '%d' at offset 7; use %s or %(name)s"),
        ("SELECT %(x)s", {"y": 1}, "no value for the named parameter 'x'"),
    ],
)
def test_placeholder_mistakes_are_explained(sql, params, message):
    with pytest.raises(ProgrammingError) as excinfo:
        translate(sql, params)
    assert str(excinfo.value) == message


def test_naive_datetimes_carry_the_naive_time_zone_when_given():
    sql, params = translate("SELECT %s", [dt.datetime(2024, 1, 1, 9, 0)], naive_tz=ZoneInfo("America/Chicago"))
    assert sql == "SELECT :p1::timestamptz"
    assert params == [{"name": "p1", "value": {"stringValue": "2024-01-01 09:00:00-06:00"}}]
    assert translate("SELECT %s", [dt.datetime(2024, 1, 1, 9, 0)])[1][0]["typeHint"] == "TIMESTAMP"


@pytest.mark.parametrize(
    "value, literal",
    [
        (None, "NULL"),
        (True, "true"),
        (-3, "(-3)"),
        (decimal.Decimal("1.5"), "1.5"),
        (b"\x01", "'\\x01'::bytea"),
        (Json('{"a": 1}'), "'{\"a\": 1}'"),
        (dt.datetime(2024, 1, 1, 1, 2), "'2024-01-01 01:02:00'"),
        (dt.date(2024, 1, 2), "'2024-01-02'"),
        (dt.timedelta(days=1, seconds=2), "'1 days 2 seconds 0 microseconds'::interval"),
        (uuid.UUID(int=1), "'00000000-0000-0000-0000-000000000001'"),
        ({"a": 1}, "'{\"a\": 1}'"),
        ("o'k", "'o''k'"),
    ],
)
def test_ddl_literals(value, literal):
    from dataapi_backend.operations import quote_literal

    assert quote_literal(value) == literal


def test_a_guessed_type_gives_way_to_the_type_the_sql_names():
    from psycopg.types.range import Range

    # Django's range fields write `%s::int4range`: the literal is cast once, to that type (no int8range first)
    sql, params = translate("INSERT INTO t (r) VALUES (%s::int4range)", [Range(1, 5)])
    assert sql == "INSERT INTO t (r) VALUES (:p1::int4range)"
    assert params == [{"name": "p1", "value": {"stringValue": '["1","5")'}}]
    # with nothing named, the type is guessed from the values, for ranges and arrays alike
    assert translate("SELECT %s", [Range(1, 5)])[0] == "SELECT :p1::int8range"
    assert translate("SELECT %s", [[1, 2]])[0] == "SELECT :p1::integer[]"
    assert translate("SELECT %s::bigint[]", [[1, 2]])[0] == "SELECT :p1::bigint[]"


def test_range_fields_name_their_type_and_naive_bounds_their_time_zone():
    from psycopg.types.range import Range

    from dataapi_backend.dbapi.params import TypedRange

    sql, params = translate(
        "SELECT %s",
        [TypedRange(Range(dt.datetime(2016, 1, 1), None), "tstzrange")],
        naive_tz=ZoneInfo("America/Chicago"),
    )
    assert sql == "SELECT :p1::tstzrange"
    assert params[0]["value"] == {"stringValue": '["2016-01-01 00:00:00-06:00",)'}


def test_lists_of_network_addresses_are_inet_and_cidr_arrays():
    assert translate("SELECT %s", [[ipaddress.ip_address("10.0.0.1")]])[0] == "SELECT :p1::inet[]"
    assert translate("SELECT %s", [[ipaddress.ip_network("10.0.0.0/8")]])[0] == "SELECT :p1::cidr[]"


def test_tstzrange_bounds_read_back_naive_in_the_naive_time_zone():
    from dataapi_backend.dbapi.adaptation import Adaptation
    from dataapi_backend.dbapi.results import column_converter

    convert_tz = column_converter("tstzrange", Adaptation(result_zone=None, naive_zone=ZoneInfo("America/Chicago")))
    value = convert_tz({"stringValue": '["2016-01-01 06:00:00+00","2016-01-02 06:00:00+00")'})
    assert (value.lower, value.upper) == (dt.datetime(2016, 1, 1), dt.datetime(2016, 1, 2))
