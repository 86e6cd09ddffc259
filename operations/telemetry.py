"""Metrics of this process (the seed's: total transactions, average latency, error rate; plus client errors, Data API
calls, retries and calls per request), logged every interval and published to CloudWatch namespace
HospitalityAI/DataAPI.

Flushing happens at the end of a request once the interval has passed (so it also works on Lambda, where
background threads are frozen between invocations); memory stays bounded (dbapi.Metrics keeps counters and a
fixed-size latency sample).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from .conf import conf

log = logging.getLogger("hospitality.metrics")
NAMESPACE = "HospitalityAI/DataAPI"


class RequestMetrics:
    """Tenant requests as the seed's rollback table reads them. Each request is one transaction, so its latency is
    the seed's `avgLatencyMs`; the error rate counts failures of the system (5xx: transport errors, exhausted
    retries, expired transactions, bugs) and not what the client caused (4xx: bad input, denied tenant, constraint
    violations), which is counted apart so that a misbehaving client cannot trigger a rollback."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.latency_ms_total = 0.0
        self.system_errors = 0
        self.client_errors = 0
        # answered as failures, each worth an alarm: a unit of work whose transaction was gone at its commit, and the
        # database refusing this process's own login (a role's password changed under it)
        self.units_lost = 0
        self.login_refusals = 0

    def record(self, latency_ms: float, status: int) -> None:
        with self._lock:
            self.requests += 1
            self.latency_ms_total += latency_ms
            if status >= 500:
                self.system_errors += 1
            elif status >= 400:
                self.client_errors += 1

    def record_unit_lost(self) -> None:
        with self._lock:
            self.units_lost += 1

    def record_login_refused(self) -> None:
        with self._lock:
            self.login_refusals += 1


requests = RequestMetrics()


def snapshot() -> dict:
    """This process's tenant requests, plus its Data API calls over every alias merged, with per-alias detail."""
    from dataapi_backend.dbapi.call_metrics import all_metrics

    per_alias = {name: m.snapshot() for name, m in all_metrics().items()}
    calls = sum(s["total_calls"] for s in per_alias.values())
    call_errors = sum(s["total_errors"] for s in per_alias.values())
    call_latency_total = sum(s["average_latency_ms"] * s["total_calls"] for s in per_alias.values())
    n = requests.requests
    return {
        "timestamp": time.time(),
        # per tenant request (= transaction): what the alarms and the rollback decision read
        "total_transactions": n,
        "average_latency_ms": round(requests.latency_ms_total / n, 2) if n else 0.0,
        "error_rate": requests.system_errors / n if n else 0.0,
        "system_errors": requests.system_errors,
        "client_error_rate": requests.client_errors / n if n else 0.0,
        "client_errors": requests.client_errors,
        "units_of_work_lost": requests.units_lost,
        "database_login_refusals": requests.login_refusals,
        # per Data API call: where the time and the failures come from
        "total_calls": calls,
        "call_errors": call_errors,
        "average_call_latency_ms": round(call_latency_total / calls, 2) if calls else 0.0,
        "data_api_transactions": sum(s["calls"].get("BeginTransaction", 0) for s in per_alias.values()),
        "total_retries": sum(s["total_retries"] for s in per_alias.values()),
        "calls_per_request": round(calls / n, 2) if n else 0.0,
        "aliases": per_alias,
    }


def metric_data(snap: dict) -> list[dict]:
    return [
        {"MetricName": "ErrorRate", "Value": snap["error_rate"] * 100, "Unit": "Percent"},
        {"MetricName": "AverageLatency", "Value": snap["average_latency_ms"], "Unit": "Milliseconds"},
        {"MetricName": "ClientErrorRate", "Value": snap["client_error_rate"] * 100, "Unit": "Percent"},
        {"MetricName": "TotalTransactions", "Value": snap["total_transactions"], "Unit": "Count"},
        {"MetricName": "CallLatency", "Value": snap["average_call_latency_ms"], "Unit": "Milliseconds"},
        {"MetricName": "TotalCalls", "Value": snap["total_calls"], "Unit": "Count"},
        {"MetricName": "Retries", "Value": snap["total_retries"], "Unit": "Count"},
        {"MetricName": "CallsPerRequest", "Value": snap["calls_per_request"], "Unit": "Count"},
        {"MetricName": "UnitsOfWorkLost", "Value": snap["units_of_work_lost"], "Unit": "Count"},
        {"MetricName": "DatabaseLoginRefused", "Value": snap["database_login_refusals"], "Unit": "Count"},
    ]


def publish(snap: dict, client=None) -> int:
    """PutMetricData in batches (the API takes at most 1,000 metrics per call); returns the number of calls."""
    import boto3

    client = client or boto3.client("cloudwatch", region_name=conf.AWS_REGION)
    data = metric_data(snap)
    calls = 0
    for start in range(0, len(data), 1000):
        client.put_metric_data(Namespace=NAMESPACE, MetricData=data[start : start + 1000])
        calls += 1
    return calls


class Reporter:
    def __init__(self):
        self._lock = threading.Lock()
        self._last = time.monotonic()

    def maybe_flush(self, force: bool = False) -> dict | None:
        interval = conf.DATA_API_METRICS_INTERVAL
        with self._lock:
            now = time.monotonic()
            if not force and (interval <= 0 or now - self._last < interval):
                return None
            self._last = now
        snap = snapshot()
        log.info("data api metrics", extra={"metrics": {k: v for k, v in snap.items() if k != "aliases"}})
        if conf.DATA_API_METRICS_FILE:
            path = Path(conf.DATA_API_METRICS_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as fh:
                fh.write(json.dumps(snap) + "\n")
        if conf.CLOUDWATCH_METRICS:
            try:
                publish(snap)
            except Exception:  # noqa: BLE001 - monitoring must never fail a request
                log.exception("publishing metrics to CloudWatch failed")
        return snap


reporter = Reporter()


def record_request(sender, *, status: int, latency_ms: float, **kwargs) -> None:
    """tenants.signals.tenant_request_finished receiver: count the request, flush when the interval passed."""
    requests.record(latency_ms, status)
    reporter.maybe_flush()


def record_unit_lost(sender, **kwargs) -> None:
    """tenants.signals.unit_of_work_lost receiver."""
    requests.record_unit_lost()


def record_login_refused(sender, **kwargs) -> None:
    """tenants.signals.database_login_refused receiver."""
    requests.record_login_refused()
