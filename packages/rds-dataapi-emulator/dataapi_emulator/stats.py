"""Counters per operation: calls, errors, bytes in and out, time spent."""

from __future__ import annotations

import collections
import threading


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self._ops: dict[str, dict] = collections.defaultdict(self._zero)

    @staticmethod
    def _zero() -> dict:
        return {"calls": 0, "errors": 0, "bytes_in": 0, "bytes_out": 0, "seconds": 0.0, "error_codes": {}}

    def record(self, operation: str, *, seconds: float, bytes_in: int, bytes_out: int, error: str | None) -> None:
        with self._lock:
            op = self._ops[operation]
            op["calls"] += 1
            op["seconds"] += seconds
            op["bytes_in"] += bytes_in
            op["bytes_out"] += bytes_out
            if error:
                op["errors"] += 1
                op["error_codes"][error] = op["error_codes"].get(error, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            ops = {name: {**v, "error_codes": dict(v["error_codes"])} for name, v in self._ops.items()}
        return {"operations": ops, "total_calls": sum(v["calls"] for v in ops.values())}

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()
