"""Parameters and result encodings, type by type, as AWS encodes them."""

import datetime as dt
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from dataapi_emulator.encoding import ColumnEncoder

from .support import error_of


def one(rds, target, sql, parameters=(), **extra):
    response = rds.execute_statement(
        sql=sql, parameters=list(parameters), includeResultMetadata=True, **target.db(), **extra
    )
    return response["records"][0][0], response["columnMetadata"][0]


@pytest.mark.parametrize(
    "sql, field, type_name",
    [
        ("SELECT 7::int2", {"longValue": 7}, "int2"),
        ("SELECT 2147483647::int4", {"longValue": 2147483647}, "int4"),
        ("SELECT 9223372036854775807::int8", {"longValue": 9223372036854775807}, "int8"),
        ("SELECT 1.5::float4", {"doubleValue": 1.5}, "float4"),
        ("SELECT 2.25::float8", {"doubleValue": 2.25}, "float8"),
        ("SELECT true", {"booleanValue": True}, "bool"),
        ("SELECT 12345.67::numeric(10,2)", {"stringValue": "12345.67"}, "numeric"),
        ("SELECT 'héllo'::text", {"stringValue": "héllo"}, "text"),
        ("SELECT 'ab'::varchar(5)", {"stringValue": "ab"}, "varchar"),
        ("SELECT 'ab'::char(3)", {"stringValue": "ab "}, "bpchar"),
        ("SELECT '2024-02-29'::date", {"stringValue": "2024-02-29"}, "date"),
        ("SELECT '13:45:01.5'::time", {"stringValue": "13:45:01.5"}, "time"),
        ("SELECT '2024-03-10 11:49:00'::timestamp", {"stringValue": "2024-03-10 11:49:00"}, "timestamp"),
        ("SELECT '2024-03-10 06:49:00-05'::timestamptz", {"stringValue": "2024-03-10 11:49:00"}, "timestamptz"),
        (
            "SELECT '2024-03-10 06:49:00.123456-05'::timestamptz",
            {"stringValue": "2024-03-10 11:49:00.123456"},
            "timestamptz",
        ),
        ("SELECT '06:49:00-05'::timetz", {"stringValue": "11:49:00"}, "timetz"),
        (
            "SELECT '00000000-0000-0000-0000-000000000001'::uuid",
            {"stringValue": "00000000-0000-0000-0000-000000000001"},
            "uuid",
        ),
        ("SELECT '{\"a\": [1, 2]}'::jsonb", {"stringValue": '{"a": [1, 2]}'}, "jsonb"),
        ("SELECT '{\"a\":1}'::json", {"stringValue": '{"a":1}'}, "json"),
        ("SELECT '1 day 02:00:00'::interval", {"stringValue": "1 day 02:00:00"}, "interval"),
        ("SELECT '10.0.0.1'::inet", {"stringValue": "10.0.0.1"}, "inet"),
        ("SELECT '\\xdeadbeef'::bytea", {"blobValue": bytes.fromhex("deadbeef")}, "bytea"),
        ("SELECT NULL::int4", {"isNull": True}, "int4"),
        ("SELECT 26::oid", {"longValue": 26}, "oid"),
        # OID aliases print as names (what pg_sequences.data_type and ::regclass casts return)
        ("SELECT 'int8'::regtype", {"stringValue": "bigint"}, "regtype"),
        ("SELECT 'pg_class'::regclass", {"stringValue": "pg_class"}, "regclass"),
        ("SELECT ARRAY[1, 2]::int4[]", {"arrayValue": {"longValues": [1, 2]}}, "_int4"),
        ("SELECT ARRAY['a', 'b,c']", {"arrayValue": {"stringValues": ["a", "b,c"]}}, "_text"),
        ("SELECT ARRAY[true, false]", {"arrayValue": {"booleanValues": [True, False]}}, "_bool"),
        ("SELECT ARRAY[1.5, 2.5]::float8[]", {"arrayValue": {"doubleValues": [1.5, 2.5]}}, "_float8"),
        ("SELECT ARRAY[1.10, 2]::numeric[]", {"arrayValue": {"stringValues": ["1.10", "2"]}}, "_numeric"),
        (
            "SELECT ARRAY[[1, 2], [3, 4]]",
            {"arrayValue": {"arrayValues": [{"longValues": [1, 2]}, {"longValues": [3, 4]}]}},
            "_int4",
        ),
    ],
)
def test_result_encoding(rds, target, sql, field, type_name):
    value, meta = one(rds, target, sql)
    assert value == field
    assert meta["typeName"] == type_name


def test_timestamptz_is_utc_whatever_the_session_time_zone(rds, target):
    tx = rds.begin_transaction(**target.db())["transactionId"]
    try:
        rds.execute_statement(sql="SET LOCAL TIME ZONE 'Asia/Kolkata'", transactionId=tx, **target.db())
        response = rds.execute_statement(
            sql="SELECT '2024-03-10 11:49:00+00'::timestamptz", transactionId=tx, **target.db()
        )
    finally:
        rds.rollback_transaction(transactionId=tx, **target.kw())
    assert response["records"] == [[{"stringValue": "2024-03-10 11:49:00"}]]


@pytest.mark.parametrize(
    "param, type_hint, cast, expected",
    [
        ({"longValue": 42}, None, "", {"longValue": 42}),
        ({"doubleValue": 0.5}, None, "", {"doubleValue": 0.5}),
        ({"booleanValue": False}, None, "", {"booleanValue": False}),
        ({"stringValue": "o'hara; DROP TABLE x"}, None, "", {"stringValue": "o'hara; DROP TABLE x"}),
        ({"blobValue": b"\x00\xffbytes"}, None, "", {"blobValue": b"\x00\xffbytes"}),
        ({"isNull": True}, None, "::int", {"isNull": True}),
        ({"stringValue": "2024-02-29"}, "DATE", "", {"stringValue": "2024-02-29"}),
        ({"stringValue": "23:59:58.123"}, "TIME", "", {"stringValue": "23:59:58.123"}),
        ({"stringValue": "2024-02-29 23:59:58.123"}, "TIMESTAMP", "", {"stringValue": "2024-02-29 23:59:58.123"}),
        (
            {"stringValue": "12345678901234567890.123456789"},
            "DECIMAL",
            "",
            {"stringValue": "12345678901234567890.123456789"},
        ),
        (
            {"stringValue": "0190e8f1-0000-7000-8000-000000000001"},
            "UUID",
            "",
            {"stringValue": "0190e8f1-0000-7000-8000-000000000001"},
        ),
        ({"stringValue": '{"k": [1, "two"]}'}, "JSON", "::jsonb", {"stringValue": '{"k": [1, "two"]}'}),
    ],
)
def test_parameter_round_trip(rds, target, param, type_hint, cast, expected):
    parameter = {"name": "v", "value": param}
    if type_hint:
        parameter["typeHint"] = type_hint
    value, _ = one(rds, target, f"SELECT :v{cast} AS v", [parameter])
    assert value == expected


@pytest.mark.parametrize(
    "param, type_name",
    [
        ({"longValue": 1}, "int8"),
        ({"doubleValue": 1.0}, "float8"),
        ({"stringValue": "x"}, "varchar"),
        ({"booleanValue": True}, "bool"),
        ({"blobValue": b"x"}, "bytea"),
    ],
)
def test_parameters_are_bound_with_the_data_apis_types(rds, target, param, type_name):
    value, _ = one(rds, target, "SELECT pg_typeof(:v)::text", [{"name": "v", "value": param}])
    assert value == {
        "stringValue": {
            "int8": "bigint",
            "float8": "double precision",
            "varchar": "character varying",
            "bool": "boolean",
            "bytea": "bytea",
        }[type_name]
    }


def test_string_into_uuid_column_needs_the_uuid_type_hint(rds, target, table):
    """As on Aurora: a stringValue is varchar, so a uuid column refuses it without typeHint UUID."""
    name = table("id uuid PRIMARY KEY")
    value = str(uuid.uuid4())
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            sql=f"INSERT INTO {name} VALUES (:id)",
            parameters=[{"name": "id", "value": {"stringValue": value}}],
            **target.db(),
        )
    code, message = error_of(excinfo)
    assert code == "DatabaseErrorException" and message.endswith("SQLState: 42804")
    rds.execute_statement(
        sql=f"INSERT INTO {name} VALUES (:id)",
        parameters=[{"name": "id", "value": {"stringValue": value}, "typeHint": "UUID"}],
        **target.db(),
    )


@pytest.mark.parametrize("hint, text", [("DATE", "29/02/2024"), ("TIMESTAMP", "2024-02-29T10:00:00"), ("TIME", "10am")])
def test_type_hint_format_is_checked(rds, target, hint, text):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            sql="SELECT :v", parameters=[{"name": "v", "value": {"stringValue": text}, "typeHint": hint}], **target.db()
        )
    assert error_of(excinfo)[0] == "BadRequestException"


def test_array_parameters_are_refused(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            sql="SELECT :v", parameters=[{"name": "v", "value": {"arrayValue": {"longValues": [1, 2]}}}], **target.db()
        )
    assert error_of(excinfo) == ("BadRequestException", "Array parameters are not supported.")


def test_placeholders_skip_literals_casts_and_comments(rds, target):
    sql = 'SELECT :a::text || \':b\' || $$:c$$ || "x" AS r /* :d */ -- :e\nFROM (SELECT \'q\' AS ":z", :a AS "x") s'
    value, _ = one(rds, target, sql, [{"name": "a", "value": {"stringValue": "A"}}])
    assert value == {"stringValue": "A:b:cA"}


def test_missing_parameter_is_named(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            sql="SELECT :present, :absent", parameters=[{"name": "present", "value": {"longValue": 1}}], **target.db()
        )
    assert error_of(excinfo) == ("BadRequestException", "No value specified for parameter: absent")


def test_column_metadata_describes_table_columns(rds, target, table):
    name = table("id bigserial PRIMARY KEY, price numeric(10,2) NOT NULL, note varchar(20)")
    response = rds.execute_statement(
        sql=f"SELECT id, price, note FROM {name}", includeResultMetadata=True, **target.db()
    )
    meta = {m["name"]: m for m in response["columnMetadata"]}
    assert meta["id"]["typeName"] == "int8" and meta["id"]["type"] == -5 and meta["id"]["isAutoIncrement"] is True
    assert (meta["price"]["precision"], meta["price"]["scale"], meta["price"]["nullable"]) == (10, 2, 0)
    assert (meta["note"]["precision"], meta["note"]["nullable"], meta["note"]["tableName"]) == (20, 1, name)
    assert meta["note"]["label"] == "note" and meta["note"]["schemaName"] == "public"


def test_records_updated_and_generated_fields(rds, target, table):
    name = table("id int PRIMARY KEY, v text")
    inserted = rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1, 'a'), (2, 'b'), (3, 'c')", **target.db())
    assert (inserted["numberOfRecordsUpdated"], inserted["generatedFields"]) == (3, [])
    updated = rds.execute_statement(sql=f"UPDATE {name} SET v = 'z' WHERE id < 3 RETURNING id", **target.db())
    assert updated["numberOfRecordsUpdated"] == 2
    assert sorted(r[0]["longValue"] for r in updated["records"]) == [1, 2]
    selected = rds.execute_statement(sql=f"SELECT * FROM {name}", **target.db())
    assert selected["numberOfRecordsUpdated"] == 0 and len(selected["records"]) == 3


def test_result_set_options(rds, target):
    response = rds.execute_statement(
        sql="SELECT 12.5::numeric, 12::numeric(5,0), 9007199254740993::int8",
        **target.db(),
        resultSetOptions={"decimalReturnType": "DOUBLE_OR_LONG", "longReturnType": "STRING"},
    )
    assert response["records"] == [[{"doubleValue": 12.5}, {"longValue": 12}, {"stringValue": "9007199254740993"}]]


def test_format_records_as_json(rds, target):
    response = rds.execute_statement(
        sql="SELECT 1 AS n, 'x' AS s, 2.50::numeric AS d, NULL::text AS z, '{\"a\": 1}'::jsonb AS j",
        formatRecordsAs="JSON",
        **target.db(),
    )
    assert "records" not in response
    assert json.loads(response["formattedRecords"]) == [{"n": 1, "s": "x", "d": "2.50", "z": None, "j": {"a": 1}}]


def test_date_and_time_values_round_trip_through_a_table(rds, target, table):
    name = table("d date, t time, ts timestamp, tstz timestamptz")
    params = [
        {"name": "d", "value": {"stringValue": "1999-12-31"}, "typeHint": "DATE"},
        {"name": "t", "value": {"stringValue": "23:59:59.999999"}, "typeHint": "TIME"},
        {"name": "ts", "value": {"stringValue": "2000-01-01 00:00:00.000001"}, "typeHint": "TIMESTAMP"},
        {"name": "tstz", "value": {"stringValue": "2024-06-01 12:00:00"}, "typeHint": "TIMESTAMP"},
    ]
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (:d, :t, :ts, :tstz)", parameters=params, **target.db())
    row = rds.execute_statement(sql=f"SELECT * FROM {name}", **target.db())["records"][0]
    assert [f["stringValue"] for f in row] == [
        "1999-12-31",
        "23:59:59.999999",
        "2000-01-01 00:00:00.000001",
        "2024-06-01 12:00:00",
    ]
    assert dt.datetime.fromisoformat(row[3]["stringValue"])  # parseable, no offset


def test_array_with_null_elements_is_an_unsupported_result(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT ARRAY[1, NULL]", **target.db())
    assert error_of(excinfo)[0] == "UnsupportedResultException"


def test_arrays_of_types_without_a_native_encoding_are_string_values(rds, target):
    value, meta = one(rds, target, "SELECT ARRAY['(1,2)'::point, '(3,4)'::point]")
    assert value == {"arrayValue": {"stringValues": ["(1,2)", "(3,4)"]}}
    assert meta["typeName"] == "_point"


@pytest.mark.parametrize(
    "typname, values",
    [
        ("text", [b"plain", 'h\xe9llo "q" \\ \n\t\x01 \u2603 \U0001f600'.encode(), b"", None]),
        ("int8", [b"-9223372036854775808", b"0", b"42", None]),
        ("bool", [b"t", b"f", None]),
        (
            "timestamptz",
            [
                b"2024-03-10 06:49:00.123456-05",
                b"2024-03-10 11:49:00+00",
                b"2024-03-10 11:49:00.5+00",
                b"2024-03-10 11:49:00.123456+00",
                b"0001-01-01 00:00:00+00",
                b"9999-12-31 23:59:59.999999+00",
                b"10000-01-01 00:00:00+00",
                b"0044-03-15 12:00:00+00 BC",
                b"2024-03-10 17:19:00+05:30",
                b"infinity",
                b"-infinity",
                None,
            ],
        ),
        ("float8", [b"1.5", b"NaN", b"-Infinity", None]),
        ("numeric", [b"12.50", None]),
        ("bytea", [b"\\x00ff", None]),
    ],
)
def test_a_column_is_encoded_as_json_dumps_writes_each_field(typname, values):
    """Records are written a column at a time without a dict per value; the text (which the 64 KB and 1 MiB limits
    measure) is still exactly json.dumps of each Field."""
    for long_as_string in (False, True):
        encoder = ColumnEncoder(typname, None, False, long_as_string)
        assert encoder.field_texts(values) == [json.dumps(encoder.field(v)) for v in values]


def test_rows_of_no_column(rds, target):
    response = rds.execute_statement(sql="SELECT FROM generate_series(1, 3)", **target.db())
    assert response["records"] == [[], [], []]


def test_records_past_a_block_keep_their_order(rds, target):
    response = rds.execute_statement(
        sql="SELECT n, n::text, n % 2 = 0 FROM generate_series(1, 600) n ORDER BY 1", **target.db()
    )
    assert response["records"][::299] == [
        [{"longValue": n}, {"stringValue": str(n)}, {"booleanValue": n % 2 == 0}] for n in (1, 300, 599)
    ]
