"""Django's postgresql backend without psycopg: what dataapi_backend subclasses.

Django's own modules import psycopg at import time (about 200 ms of a Lambda cold start) although only their
connection handling needs it. These are copies of them without those parts, generated from the installed Django by
refresh.py (`make refresh-postgresql-core`) and checked against it by tests/backend/test_postgresql_core.py;
introspection, client and compiler never import psycopg and are subclassed from Django directly.
"""
