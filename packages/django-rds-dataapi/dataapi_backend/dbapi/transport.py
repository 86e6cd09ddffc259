"""One boto3 `rds-data` client per process and target, and the call path: retries, metrics, debug logging.

botocore's own retries are switched off: it would retry a 5xx on ExecuteStatement, which may already have written.
Here a call is retried only when repeating it cannot duplicate work:
  - ThrottlingException and DatabaseResumingException: the request was refused before any statement ran;
  - connection failures before the request was sent;
  - other transient errors (5xx, read timeouts) only for calls marked idempotent (BeginTransaction, and reads
    outside a transaction). COMMIT and writes are never retried on an ambiguous failure.
Backoff is exponential with full jitter, bounded by attempts and by a time budget.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from .call_metrics import Metrics

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

log = logging.getLogger("dataapi_backend")

ALWAYS_RETRYABLE = {
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "DatabaseResumingException",
}
RETRYABLE_IF_IDEMPOTENT = {
    "InternalServerErrorException",
    "ServiceUnavailableError",
    "DatabaseUnavailableException",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestTimeout",
}


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    budget_seconds: float = 45.0  # Aurora Serverless v2 can take ~15-30 s to resume from 0 ACU
    base_delay: float = 0.1
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


@dataclasses.dataclass(frozen=True)
class ClientSettings:
    region_name: str
    endpoint_url: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 60.0  # above the Data API's 45 s statement timeout
    max_pool_connections: int = 50


_clients: dict[ClientSettings, RDSDataServiceClient] = {}
_clients_lock = threading.Lock()
# botocore's data loader holds what it read from its bundled JSON (the rds-data model, endpoint rules, partitions):
# static data, no credentials, kept for the process so that a client made again (after a snapshot restore) does
# not read and parse it again (about 30 of the 45 ms a client costs).
_data_loader: Any = None


def forget_clients() -> None:
    """Drop the process's clients: the next connection creates its own, with fresh credentials and HTTP
    connections (after a snapshot restore, a client would carry the snapshotted ones). botocore's data loader, which
    holds neither, is kept."""
    with _clients_lock:
        _clients.clear()


def get_client(settings: ClientSettings) -> RDSDataServiceClient:
    """The process-wide client for these settings (boto3 clients are thread-safe; creating one is not cheap)."""
    client = _clients.get(settings)
    if client is not None:
        return client
    with _clients_lock:
        client = _clients.get(settings)
        if client is None:
            import platform

            import botocore
            import botocore.config
            import botocore.session

            config = botocore.config.Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
                max_pool_connections=settings.max_pool_connections,
                tcp_keepalive=True,
                # Per-call client cost is most of a Data API call's local overhead (the Django suite makes ~70,000):
                # botocore otherwise rebuilds the User-Agent twice per request (~10 % of its time per call), and
                # re-validates parameters the driver builds itself and the service validates anyway.
                user_agent=f"dataapi-backend botocore/{botocore.__version__} Python/{platform.python_version()}",
                parameter_validation=False,
            )
            from .response_parser import DataApiResponseParserFactory

            global _data_loader
            session = botocore.session.get_session()  # a new session: credentials resolved afresh
            if _data_loader is None:
                _data_loader = session.get_component("data_loader")
            else:
                session.register_component("data_loader", _data_loader)
            session.register_component("response_parser_factory", DataApiResponseParserFactory())
            created: RDSDataServiceClient = session.create_client(  # type: ignore[assignment]
                "rds-data", region_name=settings.region_name, endpoint_url=settings.endpoint_url, config=config
            )
            client = _clients[settings] = created
    return client


def _describe(request: dict[str, Any]) -> str:
    """A log line without values: SQL text, parameter names and types only."""
    parts = []
    if "sql" in request:
        sql = request["sql"]
        parts.append("sql=" + (sql if len(sql) <= 500 else sql[:500] + "…"))
    if request.get("parameters"):
        parts.append(
            "params=["
            + ", ".join(
                f"{p['name']}:{next(iter(p['value']))}{'/' + p['typeHint'] if 'typeHint' in p else ''}"
                for p in request["parameters"]
            )
            + "]"
        )
    if request.get("parameterSets"):
        parts.append(f"parameterSets={len(request['parameterSets'])}")
    if request.get("transactionId"):
        parts.append("tx=" + request["transactionId"][:8] + "…")
    return " ".join(parts)


class Transport:
    def __init__(self, client: RDSDataServiceClient, metrics: Metrics, policy: RetryPolicy, debug: bool = False):
        self.client = client
        self.metrics = metrics
        self.policy = policy
        self.debug = debug
        self._methods: dict[str, Callable[..., Mapping[str, Any]]] = {
            "ExecuteStatement": client.execute_statement,
            "BatchExecuteStatement": client.batch_execute_statement,
            "BeginTransaction": client.begin_transaction,
            "CommitTransaction": client.commit_transaction,
            "RollbackTransaction": client.rollback_transaction,
        }

    def call(self, operation: str, request: dict[str, Any], *, idempotent: bool = False) -> dict[str, Any]:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )

        method = self._methods[operation]
        started_all = time.monotonic()
        attempt = 0
        while True:
            started = time.perf_counter()
            code = None
            retry_ok = False
            try:
                response = method(**request)
            except ClientError as exc:
                err = exc.response.get("Error", {})
                code, message = err.get("Code", "Unknown"), err.get("Message", str(exc))
                retry_ok = code in ALWAYS_RETRYABLE or (idempotent and code in RETRYABLE_IF_IDEMPOTENT)
                failure = errors.from_aws(code, message)
            except (EndpointConnectionError, ConnectTimeoutError) as exc:
                code, retry_ok = "ConnectionError", True  # the request never reached the service
                failure = errors.OperationalError(
                    f"cannot reach the Data API endpoint: {exc}", aws_code=code, outcome=errors.NOT_SENT
                )
            except NoCredentialsError:
                # nothing was sent; retrying finds no credentials either
                raise errors.InterfaceError(
                    "no AWS credentials were found for the Data API client (environment, profile, instance role): "
                    "give the process an identity that may call rds-data and read the secret; against a local "
                    "emulator any dummy ones do (AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x)",
                    aws_code="NoCredentials",
                    outcome=errors.NOT_SENT,
                ) from None
            except (ReadTimeoutError, ConnectionClosedError) as exc:
                code, retry_ok = "ConnectionLost", idempotent  # the statement may have run
                failure = errors.OperationalError(
                    f"the Data API connection was lost during {operation}; its outcome is unknown: {exc}",
                    aws_code=code,
                    outcome=errors.UNKNOWN,
                )
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.metrics.record(operation, elapsed_ms, code)
            if self.debug:
                log.debug("%s %.1fms %s%s", operation, elapsed_ms, _describe(request), f" -> {code}" if code else "")
            if code is None:
                return dict(response)
            attempt += 1
            delay = self.policy.delay(attempt)
            within_budget = time.monotonic() - started_all + delay <= self.policy.budget_seconds
            if retry_ok and attempt < self.policy.max_attempts and within_budget:
                self.metrics.record_retry(operation)
                log.info("retrying %s after %s (attempt %d, %.2fs)", operation, code, attempt + 1, delay)
                time.sleep(delay)
                continue
            raise failure
