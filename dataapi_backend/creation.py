import sys

from django.db.backends.postgresql import creation as pg_creation


class DatabaseCreation(pg_creation.DatabaseCreation):
    def _execute_create_test_db(self, cursor, parameters, keepdb=False):
        # Same as PostgreSQL's, but "already exists" is recognised by SQLSTATE (42P04), not by a psycopg class.
        try:
            if keepdb and self._database_exists(cursor, parameters["dbname"]):
                return
            super(pg_creation.DatabaseCreation, self)._execute_create_test_db(cursor, parameters, keepdb)
        except Exception as e:
            if getattr(e.__cause__, "sqlstate", None) != "42P04":
                self.log("Got an error creating the test database: %s" % e)
                sys.exit(2)
            elif not keepdb:
                raise

    def _clone_test_db(self, suffix, verbosity, keepdb=False):
        raise NotImplementedError("cloning test databases is not supported over the Data API; run tests without "
                                  "--parallel (features.can_clone_databases is False)")
