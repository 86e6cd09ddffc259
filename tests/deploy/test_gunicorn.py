"""The production server outside Lambda: gunicorn with the project's gunicorn.conf.py, DEBUG off, against the test
stack, answering /health, a tenant call and the admin's static files as a container or VM would serve them."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.gunicorn_server import gunicorn as serving

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """The project's gunicorn.conf.py, one worker: (base URL, port, the file its output goes to)."""
    log = tmp_path_factory.mktemp("gunicorn") / "output.log"
    with serving(log, GUNICORN_WORKERS="1", GUNICORN_THREADS="2", GUNICORN_KEEPALIVE_REQUESTS="10") as (base, port):
        yield base, port, log


def test_gunicorn_serves_the_app_with_its_config_file(gunicorn):
    base, _, output = gunicorn
    status, _, body = _get(base + "/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, headers, body = _get(base + "/api/bookings/")
    assert status == 401 and headers["Content-Type"] == "application/json" and b"message" in body
    status, headers, _ = _get(base + "/static/admin/css/base.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


def test_a_body_refused_unread_does_not_cost_the_next_request_on_the_connection(gunicorn):
    """What a keep-alive client does: a request whose body the API refuses without reading it (here 401, no
    credentials), then the next request on the same connection. A body the API could accept is drained, so the
    connection serves the next request; a larger one is answered with `Connection: close`, so the client knows to
    reconnect instead of losing its next request."""
    _, port, _ = gunicorn
    limit = settings.API_MAX_BODY_BYTES
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for size in (200 * 1024, limit):  # past gunicorn's own 64 KiB drain, within what the API accepts
            conn.request(
                "POST",
                "/api/bookings/",
                body=b"{" + b" " * (size - 2) + b"}",
                headers={"Content-Type": "application/json"},
            )
            refused = conn.getresponse()
            refused.read()
            assert refused.status == 401 and refused.getheader("Connection") == "keep-alive"
            conn.request("GET", "/health")
            after = conn.getresponse()
            assert after.status == 200 and json.loads(after.read()) == {"status": "ok"}
        conn.request("POST", "/api/bookings/", body=b" " * (limit + 1), headers={"Content-Type": "application/json"})
        too_large = conn.getresponse()
        too_large.read()
        assert too_large.getheader("Connection") == "close" and too_large.status in (401, 413)
    finally:
        conn.close()


def test_gunicorn_read_its_config_file(gunicorn):
    _, _, log = gunicorn
    assert "gthread" in log.read_text()  # the config file's worker class


def test_a_kept_connection_is_closed_after_its_share_of_requests(gunicorn):
    """So that keep-alive clients spread over the workers again after one was recycled (benchmarks/gunicorn_bench.py
    measures the capacity this keeps): the 10th answer on a connection says close, the client reconnects."""
    _, port, _ = gunicorn
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        said = []
        for _ in range(12):
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            said.append(response.getheader("Connection"))
            if said[-1] == "close":
                conn.close()
        assert said == ["keep-alive"] * 9 + ["close"] + ["keep-alive"] * 2
    finally:
        conn.close()
