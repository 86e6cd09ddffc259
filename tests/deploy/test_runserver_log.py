"""`make run`'s server (runserver, DEBUG on) writes an access line per request, query string included: a token or
a JWT a client puts in a URL (refused by the API) is redacted there, as everywhere else we log."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from tests.gunicorn_server import serving
from tests.ports import free_port

TOKEN = "hsp_tenant-alpha-001.Sup3rS3cretTokenPartThatMustNotBeLogged"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRJZCI6InRlbmFudC1hbHBoYS0wMDEifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"


def test_the_development_servers_access_log_redacts_credentials_in_urls(tmp_path):
    port = free_port()
    log = tmp_path / "runserver.log"
    argv = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with serving(argv, port, log, probe=True, env={"DJANGO_DEBUG": "true"}) as base:
        for query in (f"?token={TOKEN}", f"?access_token={JWT}", f"?page=1&auth={TOKEN}"):
            try:
                urllib.request.urlopen(f"{base}/api/bookings/{query}", timeout=10).close()
            except urllib.error.HTTPError as refused:
                assert refused.code in (400, 401, 403)
    written = log.read_text()
    assert "/api/bookings/" in written and "[redacted" in written, written
    for secret in ("Sup3rS3cretTokenPartThatMustNotBeLogged", JWT, JWT.split(".")[2]):
        assert secret not in written
