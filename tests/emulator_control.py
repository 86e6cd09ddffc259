"""The emulator's /_emulator/ control API over plain HTTP, for tests (no emulator internals)."""

import json
import urllib.request


class EmulatorControl:
    """The emulator's /_emulator/ control API (counters, faults, runtime settings), over plain HTTP."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict:
        return self._call("GET", "/_emulator/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/_emulator/stats/reset", {})

    def reset_pools(self) -> int:
        return self._call("POST", "/_emulator/pools/reset", {})["closed_pools"]

    def faults(self, **settings) -> dict:
        return self._call("POST", "/_emulator/faults", settings)

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def config(self, **settings) -> dict:
        return self._call("POST", "/_emulator/config", settings) if settings else self._call("GET", "/_emulator/config")
