"""The local stack: a PostgreSQL server, the database roles and the Data API emulator.

Used by `make run` and `make test` (through `python -m devstack`). Nothing here imports Django,
so it can bootstrap the database that Django will then use.
"""
