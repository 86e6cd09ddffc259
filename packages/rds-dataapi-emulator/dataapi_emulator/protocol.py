"""The REST-JSON protocol, driven by botocore's rds-data service model: routes, request validation, responses."""

from __future__ import annotations

import functools
import json
import re

import botocore.session

from . import errors


@functools.lru_cache(maxsize=1)
def service_model():
    return botocore.session.get_session().get_service_model("rds-data")


@functools.lru_cache(maxsize=1)
def routes() -> dict[str, str]:
    """POST path → operation name, from the model's `http.requestUri`."""
    model = service_model()
    return {model.operation_model(name).http["requestUri"]: name for name in model.operation_names}


_PY_TYPES = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "double": (int, float),
    "float": (int, float),
    "blob": (str,),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
}


def validate(shape, value, path: str) -> None:
    """Check a request member against its shape; the error names the field, as AWS's validation does."""
    kind = shape.type_name
    expected = _PY_TYPES.get(kind, (object,))
    if not isinstance(value, expected) or (kind in ("integer", "long", "double") and isinstance(value, bool)):
        raise errors.BadRequestException(f"Invalid type for field '{path}': expected {kind}")
    meta = shape.metadata
    if kind == "string":
        if "min" in meta and len(value) < meta["min"]:
            raise errors.BadRequestException(f"Field '{path}' must be at least {meta['min']} characters")
        if "max" in meta and len(value) > meta["max"] and path != "sql":  # sql length has its own, clearer error
            raise errors.BadRequestException(f"Field '{path}' must be at most {meta['max']} characters")
        if shape.enum and value not in shape.enum:
            raise errors.BadRequestException(f"Field '{path}' must be one of {', '.join(shape.enum)}")
    elif kind == "structure":
        members = shape.members
        for required in shape.required_members:
            if value.get(required) is None:
                raise errors.BadRequestException(f"Missing required field '{_join(path, required)}'")
        for key, member_value in value.items():
            if key in members and member_value is not None:
                validate(members[key], member_value, _join(path, key))
    elif kind == "list":
        for i, item in enumerate(value):
            validate(shape.member, item, f"{path}[{i}]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_request(operation: str, body: bytes) -> dict:
    try:
        request = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequestException("The request body is not valid JSON") from None
    if not isinstance(request, dict):
        raise errors.BadRequestException("The request body must be a JSON object")
    validate(service_model().operation_model(operation).input_shape, request, "")
    return request


SIGV4 = re.compile(r"^AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request,")


def check_signature(authorization: str | None) -> None:
    """A SigV4 header must be present and scoped to rds-data; the signature itself is not verified."""
    if not authorization:
        raise errors.MissingAuthenticationTokenException("Missing Authentication Token")
    m = SIGV4.match(authorization)
    if not m:
        raise errors.InvalidSignatureException("Authorization header is not a valid AWS Signature Version 4")
    if m.group(2) != "rds-data":
        raise errors.InvalidSignatureException(
            f"Credential should be scoped to correct service: 'rds-data', not '{m.group(2)}'"
        )
