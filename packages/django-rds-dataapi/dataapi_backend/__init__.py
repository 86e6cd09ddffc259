"""Django database backend for PostgreSQL over the AWS RDS Data API: `ENGINE: "dataapi_backend"`.

The driver (PEP 249, importable without Django) is `dataapi_backend.dbapi`.
"""
