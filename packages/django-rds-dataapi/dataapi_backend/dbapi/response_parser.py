"""botocore's response parser for the Data API, with result rows taken as the JSON body already holds them.

botocore walks every value of a response against the service model: each field of each row is a union structure
checked member by member (about 1,800 structures for a page of 50 rows of 15 columns, the largest share of a call's
local cost, more than signing or the HTTP exchange). For a field with one member whose JSON value is already what
botocore would return (a string, an integer, a boolean, a null marker) that walk changes nothing, so such a field is
kept as it is; every other field (blobs, doubles, arrays, anything unexpected) and every other part of the
response goes through botocore's own parsing. The client is otherwise botocore's: signing, retries, errors.
"""

from __future__ import annotations

from typing import Any

from botocore.parsers import ResponseParserFactory, RestJSONParser

# A field member whose JSON value botocore returns unchanged, with the JSON type that guarantees it (bool is an
# int in Python: a longValue must not be one, a booleanValue must be one).
_AS_IS: dict[str, Any] = {"stringValue": str, "longValue": int, "booleanValue": bool, "isNull": bool}
_ROWS, _ROW = "SqlRecords", "FieldList"


def _kept_as_is(field: Any) -> bool:
    if type(field) is not dict or len(field) != 1:
        return False
    [(member, value)] = field.items()
    kind = _AS_IS.get(member)
    return kind is not None and type(value) is kind


# The hooks overridden and called here are botocore's private parser methods, which botocore-stubs does not describe.
class DataApiResponseParser(RestJSONParser):
    def _handle_list(self, shape: Any, node: Any) -> Any:
        if shape.name == _ROWS and isinstance(node, list):
            return [self._handle_list(shape.member, row) for row in node]
        if shape.name == _ROW and isinstance(node, list):
            field_shape = shape.member
            return [
                field if _kept_as_is(field) else self._parse_shape(field_shape, field)  # type: ignore[attr-defined]
                for field in node
            ]
        return super()._handle_list(shape, node)  # type: ignore[misc]


class DataApiResponseParserFactory(ResponseParserFactory):
    """Registered on the driver's botocore session (`response_parser_factory`): the rds-data protocol (rest-json)
    gets DataApiResponseParser, any other protocol botocore's own."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "rest-json":
            return DataApiResponseParser(**self._defaults)  # type: ignore[attr-defined]
        return super().create_parser(protocol_name)
