"""Table tests for tenants.rls.statements: one statement per Data API call, split where PostgreSQL ends them."""

from __future__ import annotations

import pytest

from tenants.rls import statements


@pytest.mark.parametrize(
    "script, expected",
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]),
        ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b';", "SELECT 2"]),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; SELECT f();",
            ["CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;", "SELECT f();"],
        ),
        ("-- only a comment\n", []),
        ("-- a comment; with a semicolon\nSELECT 1;", ["-- a comment; with a semicolon\nSELECT 1;"]),
        ("", []),
    ],
)
def test_statements(script, expected):
    assert statements(script) == expected
