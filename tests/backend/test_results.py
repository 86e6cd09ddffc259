"""Column type → Python decoding (pure: no server)."""

import datetime as dt
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest

from dataapi_backend.dbapi.adaptation import Adaptation
from dataapi_backend.dbapi.results import column_converter, decode_rows, parse_interval, type_oid

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "type_name, field, expected",
    [
        ("int4", {"longValue": 5}, 5),
        ("int8", {"isNull": True}, None),
        ("float8", {"doubleValue": 2.5}, 2.5),
        ("bool", {"booleanValue": False}, False),
        ("numeric", {"stringValue": "12.3400"}, decimal.Decimal("12.3400")),
        ("numeric", {"isNull": True}, None),
        ("text", {"stringValue": "é"}, "é"),
        ("date", {"stringValue": "2024-02-29"}, dt.date(2024, 2, 29)),
        ("time", {"stringValue": "23:59:59.999999"}, dt.time(23, 59, 59, 999999)),
        ("timestamp", {"stringValue": "2024-03-10 11:49:00"}, dt.datetime(2024, 3, 10, 11, 49)),
        ("timestamptz", {"stringValue": "2024-03-10 11:49:00.5"}, dt.datetime(2024, 3, 10, 11, 49, 0, 500000, UTC)),
        ("uuid", {"stringValue": "00000000-0000-0000-0000-000000000001"}, uuid.UUID(int=1)),
        ("jsonb", {"stringValue": '{"a": [1]}'}, {"a": [1]}),
        ("bytea", {"blobValue": b"\x00"}, b"\x00"),
        ("interval", {"stringValue": "1 day 02:03:04.5"}, dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("_int4", {"arrayValue": {"longValues": [1, 2]}}, [1, 2]),
        ("_numeric", {"arrayValue": {"stringValues": ["1.5"]}}, [decimal.Decimal("1.5")]),
        ("_int4", {"arrayValue": {"arrayValues": [{"longValues": [1]}, {"longValues": [2]}]}}, [[1], [2]]),
        ("inet", {"stringValue": "10.0.0.1"}, "10.0.0.1"),
        ("some_enum", {"stringValue": "red"}, "red"),
    ],
)
def test_decoding_table(type_name, field, expected):
    assert column_converter(type_name)(field) == expected


def test_timestamptz_moves_to_the_connection_time_zone():
    value = column_converter("timestamptz", Adaptation(result_zone=ZoneInfo("America/New_York")))(
        {"stringValue": "2024-03-10 11:49:00"}
    )
    assert value == dt.datetime(2024, 3, 10, 11, 49, tzinfo=UTC)
    assert value.tzinfo == ZoneInfo("America/New_York") and value.hour == 7


def test_jsonb_stays_text_for_django_when_asked():
    assert column_converter("jsonb", Adaptation(json_as_text=True))({"stringValue": '{"a": 1}'}) == '{"a": 1}'


@pytest.mark.parametrize(
    "text, expected",
    [
        ("00:00:00", dt.timedelta(0)),
        ("-1 days +02:00:00", dt.timedelta(days=-1, hours=2)),
        ("3 days", dt.timedelta(days=3)),
        ("-00:00:01.000001", dt.timedelta(seconds=-1, microseconds=-1)),
        ("1 mon 2 days", dt.timedelta(days=32)),
        ("999999999 days 23:59:59.999999", dt.timedelta.max),
    ],
)
def test_interval_parsing(text, expected):
    assert parse_interval(text) == expected


def test_type_oids_match_postgresql():
    import psycopg

    for name in ("int4", "int8", "text", "varchar", "numeric", "timestamptz", "jsonb", "uuid", "bytea", "bool"):
        assert type_oid(name) == psycopg.postgres.types[name].oid


@pytest.mark.django_db(databases=["dataapi"])
def test_description_reports_character_lengths_as_psycopg_does():
    """As psycopg reports them: a varchar without a limit has no size (JDBC's precision says 2147483647), so
    inspectdb writes CharField() for it."""
    from django.db import connections

    with connections["dataapi"].cursor() as cursor:
        cursor.execute("SELECT 'a'::varchar AS unlimited, 'b'::varchar(20) AS limited, 1.5::numeric(5, 2) AS num")
        unlimited, limited, num = cursor.description
    assert (unlimited.display_size, unlimited.precision) == (None, None)
    assert (limited.display_size, limited.precision) == (20, None)
    assert (num.display_size, num.precision, num.scale) == (None, 5, 2)


def test_rows_are_decoded_a_column_at_a_time_as_each_converter_decodes_a_field():
    types = ["text", "int8", "bool", "uuid", "timestamptz", "float8"]
    records = [
        [
            {"stringValue": "a"},
            {"longValue": 1},
            {"booleanValue": True},
            {"stringValue": "01a24f46-03bb-76a0-96cc-8e9fcdd7f005"},
            {"stringValue": "2024-03-10 11:49:00.5"},
            {"doubleValue": 1.5},
        ],
        [{"isNull": True}] * len(types),
        [
            {"stringValue": ""},
            {"longValue": -2},
            {"booleanValue": False},
            {"isNull": True},
            {"stringValue": "infinity"},
            {"stringValue": "Infinity"},
        ],
    ]
    converters = [column_converter(t) for t in types]
    decoded = decode_rows(records, converters)
    assert decoded == [tuple(c(f) for c, f in zip(converters, r, strict=True)) for r in records]
    assert decoded[0][3] == uuid.UUID("01a24f46-03bb-76a0-96cc-8e9fcdd7f005") and decoded[1] == (None,) * len(types)
    assert decode_rows([], converters) == []
    assert decode_rows([[], []], []) == [(), ()]  # SELECT FROM t: rows of no column
    for rows in ([records[0]], records[:2], [records[0], records[0][:-1]], [records[0]] * 2 + [records[0][:-1]]):
        if len({len(r) for r in rows}) > 1:  # ragged, row by row or a column at a time
            with pytest.raises(ValueError):
                decode_rows(rows, converters)
        else:
            assert decode_rows(rows, converters) == [
                tuple(c(f) for c, f in zip(converters, r, strict=True)) for r in rows
            ]
