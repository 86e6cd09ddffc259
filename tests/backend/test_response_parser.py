"""The driver's response parser returns exactly what botocore's own returns: on real answers of the emulator for every
kind of value, and on answers it never sends (a double written as an integer, a field with two members, a member
botocore does not know)."""

import json

import botocore.session
import pytest

from dataapi_backend.dbapi.response_parser import DataApiResponseParser, DataApiResponseParserFactory

EVERY_KIND = """SELECT 'text'::text, ''::text, 42::int4, -9007199254740993::int8, true, false, NULL::int4, NULL::text,
    1.5::float8, 2::float8, 12.340::numeric, '\\x00ff10'::bytea, ''::bytea, '2024-02-29 12:00:00+00'::timestamptz,
    '{"a": [1, null]}'::jsonb, ARRAY[1, 2]::int4[], ARRAY[1.5, 2]::float8[], ARRAY['a', 'b']::text[],
    ARRAY[true, false], ARRAY[ARRAY[1, 2], ARRAY[3, 4]], ARRAY[]::int4[]"""


def output_shape(operation: str):
    return botocore.session.get_session().get_service_model("rds-data").operation_model(operation).output_shape


def parse(parser, body: dict, operation: str = "ExecuteStatement") -> dict:
    response = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
    parsed = parser.parse(response, output_shape(operation))
    parsed.pop("ResponseMetadata", None)
    return parsed


STOCK = botocore.session.get_session().get_component("response_parser_factory").create_parser("rest-json")
OURS = DataApiResponseParserFactory().create_parser("rest-json")


def outcome(parser, body: dict, operation: str = "ExecuteStatement"):
    """What the parser returns, or the error it raises (type and message)."""
    try:
        return parse(parser, body, operation)
    except Exception as exc:  # noqa: BLE001 - the two parsers must fail alike, whatever the error
        return type(exc), str(exc)


def test_the_driver_uses_it(dataapi):
    dataapi.ensure_connection()
    # the endpoint parses each HTTP answer with a parser from this factory (botocore's private attribute)
    factory = dataapi.connection.transport.client._endpoint._response_parser_factory
    assert isinstance(factory, DataApiResponseParserFactory)
    assert isinstance(factory.create_parser("rest-json"), DataApiResponseParser)


def test_real_answers_parse_as_botocore_parses_them(dataapi, settings):
    """Both parsers on the same HTTP answers: the emulator's, for every kind of value and for a page of rows."""
    options = settings.DATABASES["dataapi"]["OPTIONS"]
    request = {
        "resourceArn": options["resource_arn"],
        "secretArn": options["secret_arn"],
        "database": settings.DATABASES["dataapi"]["NAME"],
        "includeResultMetadata": True,
    }
    bodies = []

    def keep_body(http_response, **kwargs):
        bodies.append(json.loads(http_response.content))

    dataapi.ensure_connection()
    boto = dataapi.connection.transport.client
    boto.meta.events.register("after-call.rds-data.ExecuteStatement", keep_body)
    try:
        ours = [
            boto.execute_statement(**request, sql=EVERY_KIND),
            boto.execute_statement(**request, sql="SELECT g, g::text, g % 2 = 0 FROM generate_series(1, 200) g"),
        ]
    finally:
        boto.meta.events.unregister("after-call.rds-data.ExecuteStatement", keep_body)
    assert len(bodies) == 2
    for raw, parsed in zip(bodies, ours, strict=True):
        parsed = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        assert parsed == parse(STOCK, raw)
    [row] = ours[0]["records"]
    assert row[11] == {"blobValue": b"\x00\xff\x10"} and row[9] == {"doubleValue": 2.0}


@pytest.mark.parametrize(
    "field",
    [
        {"stringValue": "x"},
        {"longValue": 7},
        {"booleanValue": True},
        {"isNull": True},
        {"doubleValue": 3},  # a double written as an integer: botocore makes it a float
        {"doubleValue": 3.25},
        {"blobValue": "AAEC"},  # base64
        {"longValue": True},  # a boolean where an integer belongs
        {"booleanValue": "true"},  # a string where a boolean belongs
        {"stringValue": "x", "isNull": None},  # a null member beside the value
        {"arrayValue": {"doubleValues": [1, 2.5]}},
        {"arrayValue": {"arrayValues": [{"longValues": [1]}, {"stringValues": ["a"]}]}},
        {"futureValue": 1},  # a member botocore does not know
        {"stringValue": "x", "longValue": 1},  # two members: botocore refuses the answer
        {},
        "x",  # not a structure at all
    ],
)
def test_each_kind_of_field_parses_as_botocore_parses_it(field):
    body = {"records": [[field, {"stringValue": "after"}]], "numberOfRecordsUpdated": 0}
    assert outcome(OURS, body) == outcome(STOCK, body)
    generated = {"updateResults": [{"generatedFields": [field]}]}
    assert outcome(OURS, generated, "BatchExecuteStatement") == outcome(STOCK, generated, "BatchExecuteStatement")


COLUMN = {
    "name": "id",
    "type": 1111,
    "typeName": "uuid",
    "label": "id",
    "schemaName": "",
    "tableName": "bookings",
    "isAutoIncrement": False,
    "isSigned": False,
    "isCurrency": False,
    "isCaseSensitive": True,
    "nullable": 0,
    "precision": 2147483647,
    "scale": 0,
    "arrayBaseColumnType": 0,
}


@pytest.mark.parametrize(
    "column",
    [
        COLUMN,
        dict(reversed(COLUMN.items())),  # botocore answers in its members' order
        {},
        {**COLUMN, "nullable": True},  # a boolean where an integer belongs: botocore makes it 1
        {**COLUMN, "isSigned": 1},  # an integer where a boolean belongs: botocore makes it False
        {**COLUMN, "precision": "10"},  # a string where an integer belongs: botocore makes it 10
        {**COLUMN, "typeName": 7},  # an integer where a string belongs
        {**COLUMN, "label": None},  # a null member: botocore leaves it out
        {**COLUMN, "futureMember": "x"},  # a member botocore does not know: left out
        {**COLUMN, "scale": 1.5},
        "x",  # not a structure at all
    ],
)
def test_column_metadata_parses_as_botocore_parses_it(column):
    body = {"records": [], "columnMetadata": [column, COLUMN], "numberOfRecordsUpdated": 0}
    ours, stock = outcome(OURS, body), outcome(STOCK, body)
    assert ours == stock
    if isinstance(stock, dict):
        assert [list(c) for c in ours["columnMetadata"]] == [list(c) for c in stock["columnMetadata"]]
