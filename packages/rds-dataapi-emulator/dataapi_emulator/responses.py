"""The thin wire layer, as moto's responses modules are: a validated request body (the Data API's JSON keys) becomes a
keyword call on the Engine, and what the engine returns becomes the response body. Encoding lives here, including
the response limits, which are limits of the encoded response (1 MiB in all, 64 KB per row)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from . import errors
from .encoding import ColumnEncoder
from .engine import Engine, StatementResult


class DataApiResponses:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._operations: dict[str, Callable[[dict[str, Any]], bytes]] = {
            "BeginTransaction": self.begin_transaction,
            "CommitTransaction": self.commit_transaction,
            "RollbackTransaction": self.rollback_transaction,
            "ExecuteStatement": self.execute_statement,
            "BatchExecuteStatement": self.batch_execute_statement,
            "ExecuteSql": self.execute_sql,
        }

    def dispatch(self, operation: str, request: dict[str, Any]) -> bytes:
        return self._operations[operation](request)

    # -- operations ------------------------------------------------------------------------------------------------
    def begin_transaction(self, request: dict[str, Any]) -> bytes:
        tx = self.engine.begin_transaction(**_caller(request), database=request.get("database"))
        return _json({"transactionId": tx})

    def commit_transaction(self, request: dict[str, Any]) -> bytes:
        status = self.engine.commit_transaction(**_caller(request), transaction_id=request["transactionId"])
        return _json({"transactionStatus": status})

    def rollback_transaction(self, request: dict[str, Any]) -> bytes:
        status = self.engine.rollback_transaction(**_caller(request), transaction_id=request["transactionId"])
        return _json({"transactionStatus": status})

    def execute_statement(self, request: dict[str, Any]) -> bytes:
        as_json = request.get("formatRecordsAs") == "JSON"  # records as one JSON text, with no ColumnMetadata
        result = self.engine.execute_statement(
            **_caller(request),
            sql=request["sql"],
            database=request.get("database"),
            parameters=request.get("parameters") or (),
            transaction_id=request.get("transactionId"),
            continue_after_timeout=bool(request.get("continueAfterTimeout")),
            include_result_metadata=bool(request.get("includeResultMetadata")) and not as_json,
            schema=request.get("schema"),
        )
        head: dict[str, Any] = {"numberOfRecordsUpdated": result.updated, "generatedFields": []}
        if result.rows is None:
            return _json(head)
        options = request.get("resultSetOptions") or {}
        rows = self._encode_rows(
            result,
            as_json=as_json,
            decimal_as_number=options.get("decimalReturnType") == "DOUBLE_OR_LONG",
            long_as_string=options.get("longReturnType") == "STRING",
        )
        if as_json:
            return _json({**head, "formattedRecords": rows})
        if result.columns is not None:
            head["columnMetadata"] = result.columns
        # the records are already JSON: spliced in, not decoded and encoded again
        return _json(head)[:-1] + b',"records":' + rows.encode() + b"}"

    def batch_execute_statement(self, request: dict[str, Any]) -> bytes:
        ran = self.engine.batch_execute_statement(
            **_caller(request),
            sql=request["sql"],
            database=request.get("database"),
            parameter_sets=request.get("parameterSets") or (),
            transaction_id=request.get("transactionId"),
            schema=request.get("schema"),
        )
        return _json({"updateResults": [{"generatedFields": []} for _ in range(ran)]})

    def execute_sql(self, request: dict[str, Any]) -> bytes:
        raise errors.BadRequestException(
            "ExecuteSql is deprecated and is not supported for this DB cluster. Use ExecuteStatement instead."
        )

    # -- encoding --------------------------------------------------------------------------------------------------
    def _encode_rows(
        self, result: StatementResult, *, as_json: bool, decimal_as_number: bool, long_as_string: bool
    ) -> str:
        """The records as a JSON array text (Field lists, or objects keyed by label for formatRecordsAs=JSON)."""
        res = result.rows
        nfields = res.nfields
        encoders = [
            ColumnEncoder(t, loader, decimal_as_number, long_as_string)
            for t, loader in zip(result.typnames, result.array_loaders, strict=True)
        ]
        config = self.engine.config
        limit, row_limit = config.max_response_bytes, config.max_row_bytes
        get = res.get_value
        if as_json:
            labels = [res.fname(i).decode() for i in range(nfields)]
            dumps = json.dumps
            texts: Iterator[str] = (
                dumps({labels[c]: encoders[c].json_value(get(r, c)) for c in range(nfields)})
                for r in range(res.ntuples)
            )
        else:
            texts = self._record_texts(res, encoders)
        rows: list[str] = []
        total = 0
        for row in texts:
            size = len(row)
            if size > row_limit:
                raise errors.BadRequestException(
                    f"Database returned a row of {size} bytes; the Data API limit is {row_limit} bytes per row"
                )
            total += size + 1
            if total > limit:
                raise errors.BadRequestException("Database returned more than the allowed response size limit")
            rows.append(row)
        return "[" + ",".join(rows) + "]"

    @staticmethod
    def _record_texts(res: Any, encoders: list[ColumnEncoder]) -> Iterator[str]:
        """Each record's JSON text (a list of Fields, as json.dumps writes it), encoded a column at a time over
        blocks of rows, so that a result past the response limit stops being encoded soon after it passes it."""
        get, columns = res.get_value, range(res.nfields)
        for start in range(0, res.ntuples, _BLOCK_ROWS):
            block = range(start, min(start + _BLOCK_ROWS, res.ntuples))
            fields = [encoders[c].field_texts([get(r, c) for r in block]) for c in columns]
            if not fields:  # `SELECT FROM t`: rows of no column
                yield from ("[]" for _ in block)
            for record in zip(*fields, strict=True):
                yield "[" + ", ".join(record) + "]"


_BLOCK_ROWS = 256


def _caller(request: dict[str, Any]) -> dict[str, str]:
    return {"resource_arn": request["resourceArn"], "secret_arn": request["secretArn"]}


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()
