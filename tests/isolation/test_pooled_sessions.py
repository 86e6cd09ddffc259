"""Pooled sessions are shared by every tenant: whatever SQL run as the app role leaves on a session (an attacker
holding the app role's secret, or one injection bug) must not change another tenant's rows or statuses.

Each test plants its leftover, as the app role and outside any tenant, on every session the tenant path will use —
every session of the emulator's pool over the Data API (the pool is emptied first, then as many transactions as
sessions are held open at once, so each lands on its own), the kept connection on the direct path — then serves
both tenants' reads and writes on every one of those sessions and checks rows, statuses and what the planter can
read back afterwards."""

from __future__ import annotations

import os

import boto3
import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connections

from bookings.models import Booking
from tenants import audit
from tenants.aliases import TENANT_ALIAS
from tenants.context import trusted_scope
from tests.support import A, B, app_role_as_bootstrapped, tenant_emulator, transport

SESSIONS = 3  # sessions planted on the Data API path; every check is served on each of them, and once more


def run_as(url_var: str, statement: str) -> None:
    with psycopg.connect(os.environ[url_var].replace("postgres://", "postgresql://")) as conn:
        conn.execute(statement)


def owner_sql(statement: str) -> None:
    run_as("OWNER_DATABASE_URL", statement)


class DataApiSessions:
    """Every session of the emulator's pool for the app role, reached through the Data API as any secret-holder."""

    def __init__(self):
        db = settings.DATABASES[TENANT_ALIAS]
        self.options, self.database = db["OPTIONS"], db["NAME"]
        self.client = boto3.client(
            "rds-data", endpoint_url=self.options["endpoint_url"], region_name=self.options["region_name"]
        )
        self.target = {
            "resourceArn": self.options["resource_arn"],
            "secretArn": self.options["secret_arn"],
            "database": self.database,
        }

    def on_every_session(self, statements: list[str]) -> list[list[str | None]]:
        """Run `statements` in one transaction per session, all held at once (so each has its own session), and
        commit what succeeded; returns, per session, the error of each statement (None when it ran)."""
        outcomes = []
        for tx in self._transactions():
            results: list[str | None] = []
            for statement in statements:
                try:
                    self.client.execute_statement(sql=statement, transactionId=tx, **self.target)
                    results.append(None)
                except self.client.exceptions.DatabaseErrorException as exc:
                    results.append(exc.response["Error"]["Message"])
                    break
            outcomes.append(results)
            self._end(tx, commit=results[-1] is None)
        return outcomes

    def read(self, query: str) -> list:
        """The first value `query` returns on every session."""
        values = []
        for tx in self._transactions():
            [[field]] = self.client.execute_statement(sql=query, transactionId=tx, **self.target)["records"]
            values.append(next(iter(field.values())))
            self._end(tx, commit=True)
        return values

    def _transactions(self) -> list[str]:
        return [self.client.begin_transaction(**self.target)["transactionId"] for _ in range(SESSIONS)]

    def _end(self, tx: str, commit: bool) -> None:
        end = self.client.commit_transaction if commit else self.client.rollback_transaction
        end(transactionId=tx, resourceArn=self.target["resourceArn"], secretArn=self.target["secretArn"])

    def reset(self) -> None:
        tenant_emulator().reset_pools()

    def pool_size(self) -> int:
        pools = tenant_emulator().stats()["pools"]
        return pools[f"hospitality_app@{self.database}"]["pool_size"]


class KeptConnection:
    """The direct path's kept connection (DB_CONN_MAX_AGE): one session, reused by every request of the thread."""

    def on_every_session(self, statements: list[str]) -> list[list[str | None]]:
        connection = connections[TENANT_ALIAS]
        results: list[str | None] = []
        with connection.cursor() as cursor:  # autocommit: every statement leaves its effect at session level
            for statement in statements:
                try:
                    cursor.execute(statement)
                    results.append(None)
                except DatabaseError as exc:
                    results.append(str(exc))
                    break
        return [results]

    def read(self, query: str) -> list:
        with connections[TENANT_ALIAS].cursor() as cursor:
            cursor.execute(query)
            return [cursor.fetchone()[0]]

    def reset(self) -> None:
        connections[TENANT_ALIAS].close()

    def pool_size(self) -> int:
        return 1


@pytest.fixture
def sessions(world, db_access, monkeypatch):
    if transport() == "data-api":
        pool = DataApiSessions()
    else:
        monkeypatch.setitem(connections[TENANT_ALIAS].settings_dict, "CONN_MAX_AGE", None)
        pool = KeptConnection()
    pool.reset()
    yield pool
    pool.reset()  # nothing planted outlives the test


@pytest.fixture
def temporary_granted_back():
    """TEMPORARY on the database for the app role again (a fresh database grants it to PUBLIC): the search_path
    pin must hold on its own."""
    owner_sql(
        "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO hospitality_app', current_database()); END $$"
    )
    try:
        yield
    finally:
        owner_sql(
            "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM hospitality_app', current_database()); "
            "END $$"
        )


def booking_payload(world, tenant: str) -> dict:
    entity = str(world.entities[tenant].pk)
    return {
        "property": entity,
        "room": entity,
        "guest_id": "pooled-1",
        "guest_name": "Pooled Guest",
        "guest_email": "pooled@example.com",
        "check_in": "2026-07-01",
        "check_out": "2026-07-03",
        "total_amount": "10.00",
    }


def serve_both_tenants(api, world, rounds: int) -> list[tuple[str, str, int]]:
    """Reads and writes of both tenants, `rounds` times each, so every planted session serves each of them. Returns
    the unexpected answers (tenant, what, status); every write that answered 201 is checked in the table itself."""
    callers = {A: world.auth("ann", A), B: world.token_auth("ben@B")}
    unexpected, created = [], []
    try:
        for _ in range(rounds):
            for tenant, auth in callers.items():
                listed = api.get("/api/bookings/?page_size=100", **auth)
                if listed.status_code != 200:
                    unexpected.append((tenant, "list", listed.status_code))
                else:
                    with trusted_scope():
                        own = {str(pk) for pk in Booking.objects.filter(tenant_id=tenant).values_list("pk", flat=True)}
                    assert {b["id"] for b in listed.json()["results"]} == own, f"{tenant}: not exactly its own rows"
                posted = api.post(
                    "/api/bookings/", booking_payload(world, tenant), content_type="application/json", **auth
                )
                if posted.status_code != 201:
                    unexpected.append((tenant, "create", posted.status_code))
                else:
                    created.append((tenant, posted.json()["id"]))
        with trusted_scope():
            stored = {
                str(pk): t for pk, t in Booking.objects.filter(guest_id="pooled-1").values_list("pk", "tenant_id")
            }
        assert {pk: t for t, pk in created} == stored, "a write acknowledged with 201 is not in public.bookings"
    finally:
        with trusted_scope():
            Booking.objects.filter(guest_id="pooled-1").delete()
    return unexpected


def test_the_app_role_cannot_create_temporary_objects(sessions):
    """No TEMPORARY for the app role nor PUBLIC: the leftover cannot even be planted."""
    outcomes = sessions.on_every_session(["CREATE TEMP TABLE bookings (LIKE public.bookings INCLUDING ALL)"])
    assert all(o[0] and "permission denied" in o[0] for o in outcomes), outcomes
    assert not {f.code for f in audit.audit()} & {"temporary-granted", "database-create-granted"}


def test_the_audit_reports_temporary_and_create(temporary_granted_back, db_access):
    codes = {f.code for f in audit.audit()}
    assert "temporary-granted" in codes
    owner_sql("GRANT CREATE ON SCHEMA public TO hospitality_app")
    try:
        assert "schema-create-granted" in {f.code for f in audit.audit()}
    finally:
        owner_sql("REVOKE CREATE ON SCHEMA public FROM hospitality_app")


def test_a_temporary_table_named_like_a_tenant_table_swallows_nothing(sessions, temporary_granted_back, api, world):
    outcomes = sessions.on_every_session(["CREATE TEMP TABLE bookings (LIKE public.bookings INCLUDING ALL)"])
    assert outcomes == [[None]] * len(outcomes) and sessions.pool_size() == len(outcomes)
    assert serve_both_tenants(api, world, rounds=SESSIONS + 1) == []
    # the planter reads its temp tables back: empty on every session
    assert sessions.read("SELECT count(*) FROM pg_temp.bookings") == [0] * len(outcomes)


def test_a_temporary_view_that_copies_rows_sees_none(sessions, temporary_granted_back, api, world):
    """A TEMP VIEW bookings over public.bookings whose WHERE calls a temp function copying every row it is shown."""
    outcomes = sessions.on_every_session(
        [
            "CREATE TEMP TABLE loot (LIKE public.bookings)",
            "CREATE FUNCTION pg_temp.steal(b public.bookings) RETURNS boolean LANGUAGE sql VOLATILE "
            "AS $$ INSERT INTO pg_temp.loot SELECT ($1).*; SELECT true $$",
            "CREATE TEMP VIEW bookings AS SELECT * FROM public.bookings b WHERE pg_temp.steal(b)",
        ]
    )
    assert outcomes == [[None, None, None]] * len(outcomes)
    assert serve_both_tenants(api, world, rounds=SESSIONS + 1) == []
    assert sessions.read("SELECT count(*) FROM pg_temp.loot") == [0] * len(outcomes)


SESSION_SETTINGS = [
    "SET row_security = off",
    "SET default_transaction_read_only = on",
    "SET default_transaction_isolation = 'serializable'",
    "SET statement_timeout = 1",
    "SET lock_timeout = 1",
    "SET search_path = pg_temp, public",
    "SET DateStyle = 'SQL, DMY'",
    "SET IntervalStyle = 'sql_standard'",
    "SET TimeZone = 'Pacific/Kiritimati'",
    "SET extra_float_digits = -15",
    "SET bytea_output = 'escape'",
    "SET client_encoding = 'LATIN1'",
    "SET app.current_tenant_id = 'tenant-alpha-001'",
]


@pytest.mark.parametrize("setting", SESSION_SETTINGS)
def test_a_session_level_setting_changes_no_other_request(sessions, api, world, setting):
    """Pinned for each transaction by the entering statement, and reset for the next one. A default that applies
    from BEGIN (read-only, isolation) cannot change inside the transaction: that request is a retryable 503 while
    the session is repaired, and every later one on it succeeds."""
    outcomes = sessions.on_every_session([setting])
    assert outcomes == [[None]] * len(outcomes)
    first = serve_both_tenants(api, world, rounds=1)
    from_begin = "default_transaction" in setting
    assert all(status == 503 for _, _, status in first) and (from_begin or first == [])
    assert serve_both_tenants(api, world, rounds=SESSIONS + 1) == []


def test_the_sessions_are_reset_for_the_next_transaction(sessions, api, world):
    """After a tenant request, no session-level leftover is on the session (RESET ALL, committed with it); the
    statement timeout is the application's budget, which the entering leaves as the session's default for the
    one-statement reads that follow (they are timed from their start, before they can pin it)."""
    sessions.on_every_session(["SET statement_timeout = 1234", "SET lock_timeout = 4321"])
    assert serve_both_tenants(api, world, rounds=SESSIONS) == []
    values = sessions.read(
        "SELECT (SELECT setting FROM pg_settings WHERE name = 'statement_timeout') || ' ' "
        "|| current_setting('lock_timeout')"
    )
    assert set(values) == {f"{int(settings.TENANT_STATEMENT_TIMEOUT * 1000)} 0"}, values


@pytest.mark.parametrize(
    "statements",
    [
        ["PREPARE _pg3_0 AS SELECT 1", "PREPARE _pg3_1 AS SELECT 1", "PREPARE _pg3_2 AS SELECT 1"],
        ["LISTEN bookings"],
        # shared locks (every planted session holds them) on small keys, and each session's own exclusive one
        [
            "SELECT pg_advisory_lock_shared(0)",
            "SELECT pg_advisory_lock_shared(1)",
            "SELECT pg_advisory_lock(pg_backend_pid())",
        ],
        ["DECLARE dataapi_pages_1 CURSOR WITH HOLD FOR SELECT 1", "DECLARE c CURSOR WITH HOLD FOR SELECT 1"],
    ],
    ids=["prepared-statements", "listen", "advisory-locks", "cursors-with-hold"],
)
def test_other_session_state_changes_no_other_request(sessions, api, world, statements):
    outcomes = sessions.on_every_session(statements)
    assert all(o == [None] * len(statements) for o in outcomes), outcomes
    assert serve_both_tenants(api, world, rounds=SESSIONS + 1) == []


@pytest.mark.parametrize(
    "statement",
    ["SET ROLE hospitality_admin", "SET ROLE hospitality_owner", "SET SESSION AUTHORIZATION hospitality_admin"],
)
def test_changing_identity_on_a_session_is_refused(sessions, statement):
    outcomes = sessions.on_every_session([statement])
    assert all(o[0] and "permission denied" in o[0].lower() for o in outcomes), outcomes


def test_a_role_level_default_is_reported(db_access):
    """An ordinary role may ALTER ROLE itself SET anything; such a default reaches every new pooled session."""
    run_as("TENANT_DATABASE_URL", "ALTER ROLE hospitality_app SET search_path = pg_temp, public")
    run_as("TENANT_DATABASE_URL", "ALTER ROLE hospitality_app SET statement_timeout = 1")
    try:
        codes = {f.code for f in audit.audit()}
    finally:
        for statement in app_role_as_bootstrapped():
            run_as("TENANT_DATABASE_URL", statement)
    assert {"search-path-default", "app-role-setting"} <= codes
    assert not {f.code for f in audit.audit()} & {"search-path-default", "app-role-setting"}
