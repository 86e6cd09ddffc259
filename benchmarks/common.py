"""Shared helpers for the benchmark scripts: the dev stack's environment and timing."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_stack_env() -> dict[str, str]:
    """The dev stack's .local/env (written by `make run` / `python -m devstack up`)."""
    path = Path(os.environ.get("HOSPITALITY_ENV_FILE", ROOT / ".local" / "env"))
    if not path.exists():
        sys.exit(f"{path} not found: start the local stack first (`make bench` does it)")
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[7:].partition("=")
            os.environ.setdefault(key, value.strip("'"))
    return dict(os.environ)


def per_call_ms(fn, n: int) -> tuple[float, float]:
    """Median and p95 milliseconds per call over n calls (after a warm-up)."""
    for _ in range(min(20, n)):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def progress(label: str, i: int, total: int) -> None:
    width = 30
    done = int(width * i / total)
    print(f"\r  {label:<28} [{'#' * done}{'.' * (width - done)}] {i}/{total}", end="", flush=True)
    if i == total:
        print()


def start_gunicorn(port: int, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn as `make serve` runs it (gunicorn.conf.py, DEBUG off, no access log) on 127.0.0.1:port, its output
    in log_path; `env` on top of the stack's (GUNICORN_* and the like)."""
    server_env = {
        **env,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SETTINGS_MODULE": "hospitality.settings",
    }
    with open(log_path, "wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=server_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
