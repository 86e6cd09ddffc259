"""The Data API's request and response limits, as its documentation states them."""

MAX_SQL_CHARS = 65_536  # characters of one SQL statement
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # one request: the SQL and its parameters (or parameter sets)
# ExecuteStatement's error when a result exceeds the 1 MiB response limit (a BadRequestException)
SIZE_LIMIT_MESSAGE = "Database returned more than the allowed response size limit"
