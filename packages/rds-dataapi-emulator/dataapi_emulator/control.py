"""The emulator's control API under `/_emulator/` (like moto's `/moto-api/`), and its one client.

  GET  /_emulator/health             200 when ready
  GET  /_emulator/stats              counters per operation, open transactions, pool usage
  POST /_emulator/stats/reset
  POST /_emulator/pools/reset        close every pooled connection (and any session state leaked on it)
  GET|POST|DELETE /_emulator/faults  {"latency_ms", "jitter_ms", "seed", "rules": [{"operation", "error", "rate",
                                     "count", "after", "skip"}]}  (after: run the call, then fail its response;
                                     skip: let that many matching calls through first)
  GET|POST /_emulator/config         {"transaction_idle_timeout", "transaction_max_lifetime", "statement_timeout",
                                     "reaper_interval"}

`EmulatorControl` is the client that tests, benchmarks and the dev stack use (plain HTTP, no emulator internals).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors

if TYPE_CHECKING:
    from .engine import Engine

PREFIX = "/_emulator"
RUNTIME_SETTINGS = ("transaction_idle_timeout", "transaction_max_lifetime", "statement_timeout", "reaper_interval")


class ControlApi:
    """Routes (method, path) to a handler over the engine; each takes the JSON body and returns a JSON object."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._routes: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
            ("GET", "/health"): lambda body: {"status": "ok"},
            ("GET", "/stats"): self.stats,
            ("POST", "/stats/reset"): self.reset_stats,
            ("POST", "/pools/reset"): lambda body: {"closed_pools": self.engine.reset_pools()},
            ("GET", "/faults"): lambda body: self.engine.faults.snapshot(),
            ("POST", "/faults"): self.configure_faults,
            ("DELETE", "/faults"): self.clear_faults,
            ("GET", "/config"): lambda body: self.runtime_settings(),
            ("POST", "/config"): self.configure,
        }

    def handle(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        route = self._routes.get((method, path.removeprefix(PREFIX)))
        if route is None:
            raise errors.UnknownOperationException(f"Unknown control path {method} {path}")
        return route(body)

    def stats(self, body: dict[str, Any]) -> dict[str, Any]:
        engine = self.engine
        return {
            **engine.stats.snapshot(),
            "open_transactions": engine.open_transactions(),
            "pools": engine.pool_stats(),
        }

    def reset_stats(self, body: dict[str, Any]) -> dict[str, Any]:
        self.engine.stats.reset()
        return {"status": "reset"}

    def configure_faults(self, body: dict[str, Any]) -> dict[str, Any]:
        self.engine.faults.configure(**body)
        return self.engine.faults.snapshot()

    def clear_faults(self, body: dict[str, Any]) -> dict[str, Any]:
        self.engine.faults.reset()
        return self.engine.faults.snapshot()

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - set(RUNTIME_SETTINGS)
        if unknown:
            raise errors.BadRequestException(f"unknown settings: {sorted(unknown)}")
        for key, value in body.items():
            setattr(self.engine.config, key, float(value))
        return self.runtime_settings()

    def runtime_settings(self) -> dict[str, Any]:
        return {k: getattr(self.engine.config, k) for k in RUNTIME_SETTINGS}


class EmulatorControl:
    """Client of a running emulator's control API (counters, faults, runtime settings)."""

    def __init__(self, url: str, timeout: float = 10):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + PREFIX + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def healthy(self) -> bool:
        """True when the emulator answers its health check (False when nothing listens yet)."""
        try:
            return self._call("GET", "/health").get("status") == "ok"
        except OSError:
            return False

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/stats/reset", {})

    def reset_pools(self) -> int:
        return int(self._call("POST", "/pools/reset", {})["closed_pools"])

    def faults(self, **settings: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", settings)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def config(self, **settings: Any) -> dict[str, Any]:
        return self._call("POST", "/config", settings) if settings else self._call("GET", "/config")
