"""SQL compilers: PostgreSQL's, except bulk INSERT never uses UNNEST(%s::type[]) because the Data API cannot bind
array parameters; multi-row VALUES is used instead (sized by DatabaseOperations.bulk_batch_size)."""

from django.db.backends.postgresql.compiler import (  # noqa: F401 - re-exported for Django
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.models.sql.compiler import SQLInsertCompiler as BaseSQLInsertCompiler


class SQLInsertCompiler(BaseSQLInsertCompiler):
    pass
