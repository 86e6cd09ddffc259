import sys
import zoneinfo
from typing import Any, NoReturn

from .postgresql_core import creation as pg_creation


class DatabaseCreation(pg_creation.DatabaseCreation):
    """The Data API keeps its own pooled sessions open on every database it has reached, so a plain DROP DATABASE
    would fail with "is being accessed by other users": test databases are dropped WITH (FORCE) (PostgreSQL 13+)."""

    def _drop_sql(self, dbname: str) -> str:
        return f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"

    def _execute_create_test_db(self, cursor: Any, parameters: dict[str, Any], keepdb: bool = False) -> None:
        # "already exists" is recognised by SQLSTATE (42P04), not by a psycopg class; an old test database is
        # dropped up front (with FORCE) instead of through the base class's plain DROP DATABASE.
        try:
            if self._database_exists(cursor, parameters["dbname"]):
                if keepdb:
                    return
                cursor.execute(self._drop_sql(parameters["dbname"]))
            super()._execute_create_test_db(cursor, parameters, keepdb)
            self._start_sessions_in_time_zone(cursor, parameters["dbname"])
        except Exception as e:
            if getattr(e.__cause__, "sqlstate", None) != "42P04":
                self.log("Got an error creating the test database: %s" % e)
                sys.exit(2)
            elif not keepdb:
                raise

    def _start_sessions_in_time_zone(self, cursor: Any, dbname: str) -> None:
        """Sessions on the test database start in the zone its SQL must run in (psycopg's backend sets it per
        session; the Data API has none), so transactions need no set_config and statements no transaction of their
        own. A test that changes the zone still gets it set per transaction."""
        zone = self.connection.timezone_name
        zoneinfo.ZoneInfo(zone)  # a real zone name, so safe to quote as a literal (ALTER takes no parameters)
        cursor.execute(f"ALTER DATABASE {dbname} SET TimeZone TO '{zone}'")

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        with self._nodb_cursor() as cursor:
            cursor.execute(self._drop_sql(self.connection.ops.quote_name(test_database_name)))

    def _clone_test_db(self, suffix: str, verbosity: int, keepdb: bool = False) -> NoReturn:
        raise NotImplementedError(
            "cloning test databases is not supported over the Data API; run tests without "
            "--parallel (features.can_clone_databases is False)"
        )
