"""Per-target counters of Data API calls: calls, errors, retries and latency per operation, bounded in memory."""

from __future__ import annotations

import collections
import threading
from typing import Any


class Metrics:
    SAMPLES = 2048  # latency samples kept for percentiles; older ones are dropped

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.calls: collections.Counter[str] = collections.Counter()
            self.errors: collections.Counter[str] = collections.Counter()
            self.retries: collections.Counter[str] = collections.Counter()
            self.error_codes: collections.Counter[str] = collections.Counter()
            self.latency_ms_total: dict[str, float] = collections.defaultdict(float)
            self.samples: collections.deque[float] = collections.deque(maxlen=self.SAMPLES)

    def record(self, operation: str, elapsed_ms: float, error_code: str | None = None) -> None:
        with self._lock:
            self.calls[operation] += 1
            self.latency_ms_total[operation] += elapsed_ms
            self.samples.append(elapsed_ms)
            if error_code:
                self.errors[operation] += 1
                self.error_codes[error_code] += 1

    def record_retry(self, operation: str) -> None:
        with self._lock:
            self.retries[operation] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            samples = sorted(self.samples)
            total_calls = sum(self.calls.values())
            total_errors = sum(self.errors.values())

            def pct(p: float) -> float | None:
                return round(samples[min(len(samples) - 1, int(p * len(samples)))], 2) if samples else None

            return {
                "total_calls": total_calls,
                "total_errors": total_errors,
                "total_retries": sum(self.retries.values()),
                "error_rate": (total_errors / total_calls) if total_calls else 0.0,
                "average_latency_ms": round(sum(self.latency_ms_total.values()) / total_calls, 2) if total_calls else 0,
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "calls": dict(self.calls),
                "errors": dict(self.errors),
                "retries": dict(self.retries),
                "error_codes": dict(self.error_codes),
            }


_registry: dict[str, Metrics] = {}
_registry_lock = threading.Lock()


def metrics_for(name: str) -> Metrics:
    """One Metrics per name (the Django alias), shared by every connection of the process."""
    with _registry_lock:
        if name not in _registry:
            _registry[name] = Metrics()
        return _registry[name]


def reset_all() -> None:
    """Zero every alias's counters (a restored snapshot must not report the calls made before it was taken)."""
    with _registry_lock:
        for metrics in _registry.values():
            metrics.reset()


def all_metrics() -> dict[str, Metrics]:
    with _registry_lock:
        return dict(_registry)
