"""The production server outside Lambda: gunicorn with the project's gunicorn.conf.py, DEBUG off, against the test
stack, answering /health, a tenant call and the admin's static files as a container or VM would serve them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_gunicorn_serves_the_app_with_its_config_file():
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "hospitality.settings",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(base + "/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        status, headers, body = _get(base + "/api/bookings/")
        assert status == 401 and headers["Content-Type"] == "application/json" and b"message" in body
        status, headers, _ = _get(base + "/static/admin/css/base.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "gthread" in output  # the config file's worker class was read
