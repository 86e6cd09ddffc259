from django.db.backends.postgresql import introspection as pg_introspection


class DatabaseIntrospection(pg_introspection.DatabaseIntrospection):
    # Nothing differs: cursor.description carries PostgreSQL type OIDs, as psycopg's does.
    pass
