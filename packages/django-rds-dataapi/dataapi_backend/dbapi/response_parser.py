"""botocore's response parser for the Data API, with result rows taken as the JSON body already holds them.

botocore walks every value of a response against the service model: each field of each row is a union structure
checked member by member (about 1,800 structures for a page of 50 rows of 15 columns, the largest share of a call's
local cost, more than signing or the HTTP exchange). For a field with one member whose JSON value is already what
botocore would return (a string, an integer, a boolean, a null marker) that walk changes nothing, so such a field is
kept as it is; every other field (blobs, doubles, arrays, anything unexpected) goes through botocore's own parsing.
Likewise a structure whose members are all strings, integers and booleans (ColumnMetadata, a dozen members for each
column) is taken as the JSON holds it when each value already has its member's type: botocore would return the same
dict, in its members' order. Every other part of the response goes through botocore's own parsing. The client is
otherwise botocore's: signing, retries, errors.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.parsers import ResponseParserFactory, RestJSONParser
from botocore.utils import is_json_value_header

# A field member whose JSON value botocore returns unchanged, with the JSON type that guarantees it (bool is an
# int in Python: a longValue must not be one, a booleanValue must be one).
_AS_IS: dict[str, Any] = {"stringValue": str, "longValue": int, "booleanValue": bool, "isNull": bool}
_ROWS, _ROW = "SqlRecords", "FieldList"


# the member shapes botocore's rest-json parser returns unchanged for a value of this (exact) type
_SCALARS: dict[str, type] = {"string": str, "integer": int, "long": int, "boolean": bool}


@functools.lru_cache(maxsize=None)
def _flat_members(shape: Any) -> tuple[tuple[str, ...], dict[str, type]] | None:
    """A structure of scalar members: their names in order and the type each must hold to be kept as it is; None
    for any other structure (a union, a document, a member of another type or with a wire name of its own)."""
    if shape.is_document_type or shape.is_tagged_union:
        return None
    kinds = {}
    for name, member in shape.members.items():
        kind = _SCALARS.get(member.type_name)
        if kind is None or member.serialization.get("name", name) != name or is_json_value_header(member):
            return None
        kinds[name] = kind
    return tuple(kinds), kinds


# The hooks overridden and called here are botocore's private parser methods, which botocore-stubs does not describe.
class DataApiResponseParser(RestJSONParser):
    def _handle_list(self, shape: Any, node: Any) -> Any:
        if shape.name == _ROWS and isinstance(node, list):
            return [self._handle_list(shape.member, row) for row in node]
        if shape.name == _ROW and isinstance(node, list):
            field_shape, fields = shape.member, []
            for field in node:
                if type(field) is dict and len(field) == 1:
                    ((member, value),) = field.items()
                    if type(value) is _AS_IS.get(member):
                        fields.append(field)
                        continue
                fields.append(self._parse_shape(field_shape, field))  # type: ignore[attr-defined]
            return fields
        return super()._handle_list(shape, node)  # type: ignore[misc]

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        flat = _flat_members(shape) if type(value) is dict else None
        if flat is not None:
            names, kinds = flat
            if all(type(v) is kinds.get(k) for k, v in value.items()):
                return {name: value[name] for name in names if name in value}
        return super()._handle_structure(shape, value)  # type: ignore[misc]


class DataApiResponseParserFactory(ResponseParserFactory):
    """Registered on the driver's botocore session (`response_parser_factory`): the rds-data protocol (rest-json)
    gets DataApiResponseParser, any other protocol botocore's own."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "rest-json":
            return DataApiResponseParser(**self._defaults)  # type: ignore[attr-defined]
        return super().create_parser(protocol_name)
