"""Latency and error injection, changeable while the server runs (tests and benchmarks)."""

from __future__ import annotations

import dataclasses
import random
import threading
import time

from . import errors

INJECTABLE = {
    "ThrottlingException": "Rate exceeded",
    "DatabaseResumingException": "The Aurora DB instance is resuming after being auto-paused. Please wait a few "
    "seconds and try again.",
    "InternalServerErrorException": "An internal error occurred.",
    "ServiceUnavailableError": "The service is unavailable. Try again later.",
    "DatabaseUnavailableException": "The database is unavailable.",
    "StatementTimeoutException": "The statement timed out.",
    # what a call gets once its transaction passed the idle timeout (simulated without waiting 3 minutes)
    "TransactionNotFoundException": "Transaction is not found",
}


@dataclasses.dataclass
class FaultRule:
    error: str
    operation: str = "*"  # an operation name, or "*"
    rate: float = 1.0  # probability per matching call
    count: int | None = None  # stop after injecting this many times
    after: bool = False  # run the call, then fail it: the work happened, the response is lost (e.g. a COMMIT)
    skip: int = 0  # let this many matching calls through first (to hit the second statement of a transaction)
    injected: int = 0
    seen: int = 0

    def __post_init__(self):
        if self.error not in INJECTABLE:
            raise errors.BadRequestException(f"error must be one of {sorted(INJECTABLE)}")
        if not 0.0 <= float(self.rate) <= 1.0:
            raise errors.BadRequestException("rate must be between 0 and 1")


class Faults:
    def __init__(self, latency_ms: float = 0.0, jitter_ms: float = 0.0, seed: int | None = None):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.latency_ms = latency_ms
        self.jitter_ms = jitter_ms
        self.rules: list[FaultRule] = []

    def configure(
        self,
        *,
        latency_ms: float | None = None,
        jitter_ms: float | None = None,
        rules: list[dict] | None = None,
        seed: int | None = None,
    ) -> None:
        with self._lock:
            if latency_ms is not None:
                self.latency_ms = max(0.0, float(latency_ms))
            if jitter_ms is not None:
                self.jitter_ms = max(0.0, float(jitter_ms))
            if rules is not None:
                self.rules = [FaultRule(**r) for r in rules]
            if seed is not None:
                self._rng.seed(seed)

    def reset(self) -> None:
        self.configure(latency_ms=0, jitter_ms=0, rules=[])

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                "jitter_ms": self.jitter_ms,
                "rules": [dataclasses.asdict(r) for r in self.rules],
            }

    def before_call(self, operation: str) -> FaultRule | None:
        """Sleep the configured latency, then raise an injected error if a rule fires; a rule that fires after the
        call is returned instead, for `after_call`."""
        with self._lock:
            delay = self.latency_ms + (self._rng.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0)
            fired = None
            for rule in self.rules:
                if rule.operation not in ("*", operation):
                    continue
                if rule.count is not None and rule.injected >= rule.count:
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if self._rng.random() < rule.rate:
                    rule.injected += 1
                    fired = rule
                    break
        if delay:
            time.sleep(delay / 1000.0)
        if fired is not None and not fired.after:
            raise errors.BY_CODE[fired.error](INJECTABLE[fired.error])
        return fired

    @staticmethod
    def after_call(fired: FaultRule | None) -> None:
        if fired is not None:
            raise errors.BY_CODE[fired.error](INJECTABLE[fired.error])
