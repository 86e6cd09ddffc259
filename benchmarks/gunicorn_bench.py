"""gunicorn's capacity across worker recycles, as `make serve` runs it (gunicorn.conf.py: 2 gthread workers), with
keep-alive clients: 8 threads, each on a persistent connection (reconnecting when the server closes it), calling
GET /api/whoami/ with a demo API token (the Data API path through the dev stack's emulator). Workers recycle every
GUNICORN_MAX_REQUESTS=2000 requests (±10 %), the default, so a run of RUN_SECONDS sees several recycles.

Printed for each setting of GUNICORN_KEEPALIVE_REQUESTS (0: connections kept for ever, as before; 100: the
default): requests per second before the first recycle, after it (from SETTLE seconds past it), and their ratio.
Target: after within 10 % of before."""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import threading
import time
from datetime import datetime

from .common import ROOT, load_stack_env, start_gunicorn

CLIENTS = 8
RUN_SECONDS = 90
SETTLE = 5.0  # seconds after the first recycle before "after" is counted: the new worker boots
MAX_REQUESTS = 2000
RECYCLE = re.compile(r"^\[(?P<when>[^\]]+)\] \[\d+\] \[INFO\] Autorestarting worker")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, token: str, stop_at: float, done: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}"}
    while time.monotonic() < stop_at:
        try:
            conn.request("GET", "/api/whoami/", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done.append(time.time())
            if response.getheader("Connection", "").lower() == "close":
                conn.close()  # http.client reconnects on the next request
        except (OSError, http.client.HTTPException):
            conn.close()
            time.sleep(0.05)
    conn.close()


def run(keepalive_requests: int, token: str, env: dict[str, str]) -> tuple[float, float, int]:
    port = free_port()
    log_path = ROOT / ".local" / f"gunicorn-bench-{keepalive_requests}.log"
    server = start_gunicorn(
        port,
        log_path,
        {
            **env,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS),
            "GUNICORN_KEEPALIVE_REQUESTS": str(keepalive_requests),
        },
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/health")
                probe.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not start (log: {log_path})")
                time.sleep(0.2)
        done: list[float] = []
        started = time.time()
        stop_at = time.monotonic() + RUN_SECONDS
        threads = [threading.Thread(target=load, args=(port, token, stop_at, done)) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = time.time()
    finally:
        server.terminate()
        server.wait(timeout=30)
    recycles = []
    for line in log_path.read_text().splitlines():
        m = RECYCLE.match(line)
        if m:
            recycles.append(datetime.strptime(m["when"], "%Y-%m-%d %H:%M:%S %z").timestamp())
    if not recycles:
        sys.exit(f"no worker recycled within {RUN_SECONDS}s: raise RUN_SECONDS (log: {log_path})")
    first = recycles[0]
    before = sum(1 for t in done if started + 3 <= t < first) / max(first - started - 3, 1e-9)
    after = sum(1 for t in done if t >= first + SETTLE) / max(ended - first - SETTLE, 1e-9)
    return before, after, len(recycles)


def main() -> None:
    env = load_stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token = next(iter(demo["api_tokens"].values()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hospitality.settings")
    print(
        f"gunicorn, 2 gthread workers recycling every {MAX_REQUESTS} requests (±10 %), {CLIENTS} keep-alive clients "
        f"on GET /api/whoami/ for {RUN_SECONDS}s:"
    )
    ratios = {}
    for keepalive_requests in (0, 100):
        before, after, recycles = run(keepalive_requests, token, env)
        ratios[keepalive_requests] = after / before
        label = "kept for ever" if not keepalive_requests else f"closed after {keepalive_requests} requests"
        print(
            f"  connections {label:<28} before the first recycle {before:6.1f} req/s, after {after:6.1f} req/s "
            f"({after / before:5.0%}; {recycles} recycles)"
        )
    print(f"  target: after >= 90 % of before with the default (100): {ratios[100]:.0%}")


if __name__ == "__main__":
    main()
