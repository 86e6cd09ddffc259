"""gunicorn as production runs it outside Lambda (the project's gunicorn.conf.py), on a free port against the test
stack, for the suites that need a real server (the browser suite, the deployment tests)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def gunicorn(log: Path, *, probe: bool = True, **env: str) -> Iterator[tuple[str, int]]:
    """(base URL, port) of a running gunicorn, DEBUG off, plain http; `env` overrides (GUNICORN_*, DJANGO_*).
    probe=False: ready once the port accepts connections, so no worker has served a request yet."""
    port = free_port()
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECURE_SSL_REDIRECT": "false", **env}
    with serving([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"], port, log, probe, env) as base:
        yield base, port


@contextlib.contextmanager
def serving(argv: list[str], port: int, log: Path, probe: bool, env: dict) -> Iterator[str]:
    """The server `argv` starts, its output in `log`, once it answers /health (or accepts connections)."""
    server_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hospitality.settings", **env}
    with open(log, "wb") as sink:
        proc = subprocess.Popen(argv, cwd=ROOT, env=server_env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if probe:
                    urllib.request.urlopen(base + "/health", timeout=2).close()
                else:
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, f"{argv[2]} did not start (log: {log})"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
