import sys
from typing import Any, NoReturn

from django.db.backends.postgresql import creation as pg_creation


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
            super(pg_creation.DatabaseCreation, self)._execute_create_test_db(cursor, parameters, keepdb)
        except Exception as e:
            if getattr(e.__cause__, "sqlstate", None) != "42P04":
                self.log("Got an error creating the test database: %s" % e)
                sys.exit(2)
            elif not keepdb:
                raise

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        with self._nodb_cursor() as cursor:
            cursor.execute(self._drop_sql(self.connection.ops.quote_name(test_database_name)))

    def _clone_test_db(self, suffix: str, verbosity: int, keepdb: bool = False) -> NoReturn:
        raise NotImplementedError(
            "cloning test databases is not supported over the Data API; run tests without "
            "--parallel (features.can_clone_databases is False)"
        )
