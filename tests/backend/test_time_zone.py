"""SQL runs in the connection's time zone (psycopg's session time zone): each transaction sets it for itself, unless
the database's sessions already start in it, which spares every transaction and autocommit statement the calls."""

import contextlib
import datetime as dt

import pytest
from django.db import connections, transaction
from django.db.models import DateTimeField
from django.db.models.functions import Cast, ExtractHour, TruncDay
from django.test.utils import override_settings

from dataapi_backend.dbapi import connection as dbapi_connection

from .models import Everything

pytestmark = pytest.mark.django_db(databases=["dataapi"], transaction=True)


def calls(connection) -> dict:
    return connection.data_api_metrics.snapshot()["calls"]


@contextlib.contextmanager
def sessions_start_in(zone: str, emulator):
    """The test database's default TimeZone for new sessions, as ALTER DATABASE sets it. Sessions the Data API
    already holds keep the zone they started in, so the emulator's pools are recycled; the driver learns afresh."""
    connection = connections["dataapi"]
    name = connection.ops.quote_name(connection.settings_dict["NAME"])

    def alter(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} {sql}")
        emulator.reset_pools()
        dbapi_connection._server_facts.clear()

    alter(f"SET TimeZone TO '{zone}'")
    try:
        yield
    finally:
        alter("RESET TimeZone")


@contextlib.contextmanager
def project_time_zone(**settings):
    with override_settings(**settings):
        connection = connections["dataapi"]
        connection.ensure_timezone()
        try:
            yield connection
        finally:
            connection.ensure_timezone()


def truncated_and_extracted():
    obj = Everything.objects.create(datetime=dt.datetime(2024, 1, 1, 23, 30), date=dt.date(2024, 1, 1))
    return (
        Everything.objects.filter(pk=obj.pk)
        .annotate(day=TruncDay("datetime"), hour=ExtractHour("datetime"), midnight=Cast("date", DateTimeField()))
        .values_list("day", "hour", "midnight")
        .get()
    )


EXPECTED = (dt.datetime(2024, 1, 1), 23, dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_zone_the_database_does_not_start_in_costs_a_statement_per_transaction(zone, dataapi, clean_tables):
    with project_time_zone(USE_TZ=False, TIME_ZONE=zone):
        with transaction.atomic(using="dataapi"):
            assert truncated_and_extracted() == EXPECTED
        # Begin, set_config, the insert and the select, Commit
        assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 3, "CommitTransaction": 1}
        dataapi.data_api_metrics.reset()
        assert truncated_and_extracted() == EXPECTED  # autocommit: each statement in a transaction of its own
        assert calls(dataapi) == {"BeginTransaction": 2, "ExecuteStatement": 4, "CommitTransaction": 2}


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_database_starting_sessions_in_the_zone_saves_those_calls(zone, dataapi, emulator, clean_tables):
    with sessions_start_in(zone, emulator), project_time_zone(USE_TZ=False, TIME_ZONE=zone):
        truncated_and_extracted()  # learns the database's zone (one statement, once per process)
        dataapi.data_api_metrics.reset()
        with transaction.atomic(using="dataapi"):
            assert truncated_and_extracted() == EXPECTED
        assert calls(dataapi) == {"BeginTransaction": 1, "ExecuteStatement": 2, "CommitTransaction": 1}
        dataapi.data_api_metrics.reset()
        assert truncated_and_extracted() == EXPECTED
        assert calls(dataapi) == {"ExecuteStatement": 2}


def test_use_tz_runs_sql_in_utc_even_when_the_database_starts_sessions_elsewhere(dataapi, emulator):
    """As psycopg's backend sets its session to UTC under USE_TZ=True: a date compared with a timestamptz is
    midnight UTC, not midnight where the server happens to be."""
    with sessions_start_in("Pacific/Kiritimati", emulator), connections["dataapi"].cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), %s::date::timestamptz", [dt.date(2024, 1, 1)])
        assert cursor.fetchone() == ("UTC", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
        with transaction.atomic(using="dataapi"):
            cursor.execute("SELECT current_setting('TimeZone')")
            assert cursor.fetchone() == ("UTC",)


def test_a_zone_change_inside_a_transaction_applies_at_once_and_survives_a_rollback_to(dataapi, clean_tables):
    """As psycopg's SET TIME ZONE on settings changes: the open transaction switches zone before its next
    statement; a ROLLBACK TO a savepoint made before the switch puts PostgreSQL back in the old zone (it reverts
    set_config with the subtransaction), so the driver sets it again."""

    def zone() -> str:
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("SELECT current_setting('TimeZone')")
            return cursor.fetchone()[0]

    with project_time_zone(USE_TZ=False, TIME_ZONE="Pacific/Kiritimati"), transaction.atomic(using="dataapi"):
        sid = transaction.savepoint(using="dataapi")
        assert zone() == "Pacific/Kiritimati"  # the savepoint goes out in this zone
        with project_time_zone(USE_TZ=False, TIME_ZONE="Pacific/Pago_Pago"):
            assert zone() == "Pacific/Pago_Pago"
            transaction.savepoint_rollback(sid, using="dataapi")
            assert zone() == "Pacific/Pago_Pago"
        assert zone() == "Pacific/Kiritimati"
