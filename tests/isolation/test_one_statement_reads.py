"""Reads in one statement (tenants/one_statement.py): a read-only unit of work over the Data API sends each read as ONE
statement that enters the tenant and reads, without a transaction. What holds: the entering is planned before the
read scans anything, and were it the other way round the read would see no rows; rows are handed back only for the
identity asserted; a statement whose entering failed is an error with no rows; a session whose leftovers would change
how the read is parsed is refused, and the read goes through a transaction; what needs a transaction keeps it."""

from __future__ import annotations

import json
import os
import uuid

import psycopg
import pytest
from django.db import connections

from bookings.models import Booking, Entity
from dataapi_backend.dbapi import InterfaceError
from tenants import one_statement
from tenants.aliases import TENANT_ALIAS
from tenants.context import TenantContext, entering, tenant_block, trusted_scope
from tenants.exceptions import InvalidCredentials, TenantAccessDenied
from tenants.tenancy import ReadOnlyBlock
from tests.support import A, B, sql, sqlstate_of

ALIAS = TENANT_ALIAS


def context_of(world, tenant=A, user="ann") -> TenantContext:
    return TenantContext(tenant, str(world.users[user].pk), None)  # role None: the member's own


def composed(world, read: str, params=None, tenant=A, user="ann") -> tuple[str, list]:
    enter_sql, enter_params = entering(context_of(world, tenant, user), connections[ALIAS].timezone_name, read=True)
    return one_statement.compose(enter_sql, enter_params, read, params)


def entered(world, tenant=A, user="ann", role="owner") -> str:
    """The statement's first column on its first row: whom it entered."""
    return one_statement.SEPARATOR.join([tenant, str(world.users[user].pk), role])


def own_bookings(tenant: str) -> int:
    with trusted_scope():
        return Booking.objects.filter(tenant_id=tenant).count()


READS = {
    "page": 'SELECT "bookings"."id" FROM "bookings" ORDER BY "bookings"."check_in" DESC LIMIT 50',
    "count": "SELECT count(*) FROM bookings",
    "join": "SELECT b.id, e.name FROM bookings b JOIN entities e ON e.id = b.property_id WHERE b.status = %s",
    "cte": "WITH t AS (SELECT tenant_id FROM entities) SELECT count(*) FROM t",
    "union": "SELECT id FROM bookings UNION SELECT id FROM entities",
    "exists": "SELECT 1 AS a FROM bookings WHERE guest_email LIKE %s LIMIT 1",
}


@pytest.mark.parametrize("read", READS, ids=list(READS))
def test_the_entering_is_the_outer_side_of_the_only_plan(world, db_access, read):
    """The read refers to the entered row (a lateral reference that OFFSET 0 keeps): a nested loop whose outer side
    is the entering, run before the inner side scans anything."""
    text, params = composed(world, READS[read], ["pending"] if "%s" in READS[read] else None)
    (plan,) = sql("EXPLAIN (FORMAT JSON) " + text, params)[0]
    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    assert (top["Node Type"], top["Join Type"]) == ("Nested Loop", "Left"), top
    sides = {p["Parent Relationship"]: p for p in top["Plans"]}
    assert (sides["Outer"]["Node Type"], sides["Outer"]["CTE Name"]) == ("CTE Scan", "__tenant_entered")
    # the inner side runs only for an entered row: a filter on it, above the read
    assert "(e.tenant_id IS NOT NULL)" in json.dumps(sides["Inner"]), sides["Inner"]


def test_the_rows_keep_the_reads_order(world, db_access):
    read = 'SELECT "bookings"."id" FROM "bookings" ORDER BY "bookings"."check_in" DESC, "bookings"."id" DESC'
    text, params = composed(world, read)
    with trusted_scope():
        expected = [
            str(pk)
            for pk in Booking.objects.filter(tenant_id=A).order_by("-check_in", "-id").values_list("pk", flat=True)
        ]
    rows = sql(text, params)
    assert len(expected) > 1 and [str(row[2]) for row in rows] == expected
    # whom it entered on the first row only; the rows numbered in the read's order
    assert [row[0] for row in rows] == [entered(world)] + [None] * (len(rows) - 1)
    assert [row[1] for row in rows] == list(range(1, len(rows) + 1))


def test_a_read_that_ran_before_the_entering_would_see_nothing(world, db_access):
    """Fails closed: the same read and entering in one statement, the scan forced first (a FROM that is aggregated
    before the row's projection calls the entering), counts nothing though the entering succeeded."""
    enter_sql, enter_params = entering(context_of(world), connections[ALIAS].timezone_name, read=True)
    reversed_order = (
        f"SELECT s.n, (SELECT e.tenant_id FROM ({enter_sql}) e) FROM (SELECT count(*) AS n FROM bookings) s"
    )
    assert sql(reversed_order, enter_params) == [(0, A)]
    text, params = composed(world, "SELECT count(*) FROM bookings")
    assert own_bookings(A) > 0
    assert sql(text, params) == [(entered(world), 1, own_bookings(A))]


def test_a_read_whose_entering_failed_is_an_error_with_no_rows(world, db_access):
    text, params = composed(world, "SELECT id, guest_name FROM bookings")
    params[1] = "0" * 64  # the assertion's signature, forged
    assert sqlstate_of(lambda: sql(text, params)) == "28000"
    text, params = composed(world, "SELECT id, guest_name FROM bookings", tenant=B)  # ann is no member of B
    assert sqlstate_of(lambda: sql(text, params)) == "28000"


def test_a_forged_or_foreign_read_over_the_api_is_refused_in_its_one_call(api, world, tenant_calls):
    with tenant_calls() as calls:
        response = api.get("/api/bookings/", **world.auth("ann", B))
    assert response.status_code == 403 and response.json()["code"] == "tenant_access_denied"
    with trusted_scope():
        assert not any(b.guest_name in response.content.decode() for b in Booking.objects.filter(tenant_id=B))
    if calls.calls is not None:
        assert calls.calls == {"ExecuteStatement": 1}


@pytest.mark.data_api_only
def test_rows_are_handed_back_only_for_the_identity_asserted(world, db_access):
    """The backend checks the statement's preamble before any row: another tenant, another user, rows that disagree
    or no preamble row at all, and nothing is handed back."""
    block = ReadOnlyBlock(context_of(world), ALIAS)
    row = "SELECT %s::text, 1::bigint, 1"
    cases = [
        (row, [entered(world, tenant=B)], InvalidCredentials),
        (row, [one_statement.SEPARATOR.join([A, "0", "owner"])], TenantAccessDenied),
        (row, ["no separators"], InvalidCredentials),
        ("SELECT * FROM (VALUES (%s::text, 1::bigint, 1), (%s, 2, 2)) v", [entered(world)] * 2, InterfaceError),
        (row + " WHERE false", [entered(world)], InterfaceError),
    ]
    with connections[ALIAS].cursor() as cursor:
        for statement, params, refused in cases:
            cursor.cursor.expect_preamble(one_statement.PREAMBLE_COLUMNS, block._accept)
            with pytest.raises(refused):
                cursor.cursor.execute(statement, params)
            assert cursor.cursor.fetchall() == [] and block.entered is None
        cursor.cursor.expect_preamble(one_statement.PREAMBLE_COLUMNS, block._accept)
        cursor.cursor.execute("SELECT * FROM (VALUES (%s::text, 1::bigint, 1), (NULL, 2, 2)) v", [entered(world)])
        assert cursor.cursor.fetchall() == [(1,), (2,)] and [c.name for c in cursor.cursor.description] == ["column3"]
        assert block.entered is not None and block.entered.tenant_id == A


# What a pooled session may hold that would change how a read is parsed or bound, and how the one statement is
# refused on it (55H01: the entering's check; 42P01: the name does not resolve; 42501: row_security off, refused while
# planning). Never rows.
LEFTOVERS = {
    "SET search_path = app, public": "55H01",
    "SET search_path = ''": "42P01",
    "SET row_security = off": "42501",
    "SET TimeZone = 'Pacific/Kiritimati'": "55H01",
    "SET DateStyle = 'SQL, DMY'": "55H01",
    "SET IntervalStyle = 'sql_standard'": "55H01",
    "SET standard_conforming_strings = off": "55H01",
    "SET transform_null_equals = on": "55H01",
    "SET array_nulls = off": "55H01",
    "SET statement_timeout = 0": "55H01",  # unbounded: the read is timed from its start, before any pin
    "SET statement_timeout = '1h'": "55H01",
}


@pytest.mark.parametrize("leftover", LEFTOVERS)
def test_a_session_leftover_refuses_the_one_statement(world, db_access, leftover):
    text, params = composed(world, "SELECT count(*) FROM bookings")
    url = os.environ["TENANT_DATABASE_URL"].replace("postgres://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:  # a session of the app role, as the pool keeps it
        assert conn.execute(text, params).fetchall() == [(entered(world), 1, own_bookings(A))]
        conn.execute(leftover)
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(text, params).fetchall()
        assert refused.value.sqlstate == LEFTOVERS[leftover], refused.value


@pytest.mark.data_api_only
def test_a_read_only_block_sends_each_read_as_one_statement(world, db_access, tenant_calls):
    with tenant_calls() as calls, tenant_block(context_of(world), read_only=True):
        counted = Booking.objects.count()
        names = set(Entity.objects.values_list("tenant_id", flat=True))
    assert (counted, names) == (own_bookings(A), {A})
    assert calls.calls == {"ExecuteStatement": 2}


@pytest.mark.data_api_only
def test_a_one_statement_read_means_what_the_read_means(world, db_access, tenant_calls):
    """No rows stay no rows (not the entered row), a literal % without parameters stays a %, and %% with parameters
    stays one %: the read's text is not changed by being wrapped."""
    with tenant_calls() as calls, tenant_block(context_of(world), read_only=True):
        assert Booking.objects.filter(pk=uuid.uuid4()).first() is None
        assert not Entity.objects.filter(name="no such entity").exists()
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT '100%', NULL::int")
            assert cursor.fetchall() == [("100%", None)]
            cursor.execute("SELECT %s || '%%'", ["5"])
            assert cursor.fetchall() == [("5%",)]
    assert calls.calls == {"ExecuteStatement": 4}


@pytest.mark.data_api_only
def test_what_needs_a_transaction_keeps_it(world, db_access, tenant_calls):
    """A result over the Data API's 1 MiB is paged through a SQL cursor in a transaction; a streamed read too."""
    with tenant_calls() as calls, tenant_block(context_of(world), read_only=True):
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT repeat('x', 1000) FROM generate_series(1, 1500)")
            assert len(cursor.fetchall()) == 1500
    assert calls.calls["BeginTransaction"] == 1 and calls.calls["CommitTransaction"] == 1
    with tenant_calls() as calls, tenant_block(context_of(world), read_only=True):
        streamed = [b.tenant_id for b in Booking.objects.iterator(chunk_size=2)]
    assert streamed == [A] * own_bookings(A)
    assert calls.calls["BeginTransaction"] == 1
