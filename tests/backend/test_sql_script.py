"""Table tests for dataapi_backend.sql_script.split, the one split of SQL scripts into statements (the engine's
prepare_sql_script, the schema editor, the shell, the bootstrap, rls_apply over the Data API): one statement per
Data API call, split where PostgreSQL ends them, comments dropped as Django drops them, nothing empty."""

from __future__ import annotations

import pytest
from django.db import connections

from dataapi_backend.sql_script import is_incomplete, split

SCRIPTS = [
    ("SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]),
    ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b';", "SELECT 2"]),
    ('SELECT 1 AS "x;y"; SELECT 2;', ['SELECT 1 AS "x;y";', "SELECT 2;"]),
    (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; SELECT f();",
        ["CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;", "SELECT f();"],
    ),
    ("-- only a comment\n", []),
    ("-- a comment; with a semicolon\nSELECT 1;", ["SELECT 1;"]),
    ("SELECT 1; -- trailing\n/* block; */", ["SELECT 1;"]),
    ("SELECT 1;;", ["SELECT 1;"]),
    ("", []),
]


@pytest.mark.parametrize("script, expected", SCRIPTS)
def test_split(script, expected):
    assert split(script) == expected


@pytest.mark.parametrize("script, expected", SCRIPTS)
def test_the_engine_prepares_scripts_with_it(script, expected):
    """Django's seam (RunSQL strings, sqlflush): the same statements, where Django's base would keep empty ones."""
    assert connections["dataapi"].ops.prepare_sql_script(script) == expected


@pytest.mark.parametrize(
    "text, incomplete",
    [("SELECT 'a;", True), ("SELECT $$ x;", True), ('SELECT "a;', True), ("SELECT 'a;';", False), ("SELECT 1;", False)],
)
def test_is_incomplete(text, incomplete):
    assert is_incomplete(text) is incomplete
