"""Table tests for bookings.api.parsers.nesting_depth: the JSON nesting checked before the decoder recurses."""

from __future__ import annotations

import pytest

from bookings.api.parsers import nesting_depth


@pytest.mark.parametrize(
    "raw, depth",
    [
        (b"{}", 1),
        (b"1", 0),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'"[[[[" ', 0),  # brackets inside a string do not count
        (b'{"a": "\\"[["}', 1),  # nor after an escaped quote
        (b"[" * 50 + b"]" * 50, 50),
        (b'[{"k": "v"}, [[]]]', 3),
    ],
)
def test_nesting_depth(raw, depth):
    assert nesting_depth(raw) == depth
