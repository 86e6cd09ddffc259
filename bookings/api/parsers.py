"""The API's JSON parser, with the limits a hostile body meets before anything else: a size limit (413), a nesting
limit checked before the JSON decoder recurses, and no NUL characters (PostgreSQL's text and jsonb refuse them, so
they would fail later, deeper, as a database error)."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def nesting_depth(raw: bytes) -> int:
    """Deepest [ / { nesting of a JSON text, strings skipped: linear, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        if nesting_depth(raw) > settings.API_MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {settings.API_MAX_JSON_DEPTH} levels.")
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        problem = unstorable_text(data)
        if problem:
            raise exceptions.ParseError(problem)
        return data


def unstorable_text(value) -> str | None:
    """What no key or string value may hold (depth is already bounded): a NUL, or a lone surrogate (`\\ud800`
    escaped alone is valid JSON, but no UTF-8 text: it would fail later, deeper, when encoded)."""
    if isinstance(value, str):
        if "\x00" in value:
            return "NUL characters (\\u0000) are not accepted."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "Unpaired surrogate escapes (\\ud800-\\udfff alone) are not text; they are not accepted."
        return None
    if isinstance(value, dict):
        return next(filter(None, (unstorable_text(k) or unstorable_text(v) for k, v in value.items())), None)
    if isinstance(value, list):
        return next(filter(None, (unstorable_text(v) for v in value)), None)
    return None
