"""What the Django engine (dataapi_backend's operations, compiler, features) uses of the driver: the parameter types
it builds and the limits it checks, in one public module, as Django's postgresql backend has psycopg_any. The
driver's other modules are its own; the engine reaches them only through here or the package itself."""

from __future__ import annotations

from .limits import MAX_REQUEST_BYTES, MAX_SQL_CHARS
from .params import NUL_IN_TEXT, Json, TypedRange, TypedText, is_range, range_literal, text_form

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_SQL_CHARS",
    "NUL_IN_TEXT",
    "Json",
    "TypedRange",
    "TypedText",
    "is_range",
    "range_literal",
    "text_form",
]
