"""What an attacker tried against `make run` and what holds now: no secret on any error page, sizes bounded before
the Data API's limits can break a row, bad input refused at the door, abuse limits, and the smaller settings."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bookings.models import Entity
from tenants.context import trusted_scope
from tenants.models import ApiToken, Tenant
from tests.support import A

ROOT = Path(__file__).resolve().parents[2]


# -- 1. no DSN, password or key on any error page ----------------------------------------------------------------
def known_secrets() -> list[str]:
    """Every secret the local stack knows, as the server's environment carries them."""
    found = []
    for name, value in os.environ.items():
        if name.endswith(("DATABASE_URL",)) and value:
            found.append(value)
            found.append(unquote(urlsplit(value).password or ""))
    for name in ("DJANGO_SECRET_KEY", "TENANT_JWT_SECRET"):
        found.append(os.environ[name])
    found += [item.split(":", 1)[1] for item in os.environ["TENANT_CONTEXT_KEYS"].split(",")]
    return [s for s in found if len(s) >= 8]


@pytest.mark.parametrize("trigger", ["post-without-slash", "foreign-host", "not-found", "server-error"])
def test_error_pages_never_show_a_secret(world, db_access, settings, caplog, trigger, monkeypatch):
    settings.DEBUG = True  # as `make run` serves
    client = Client(raise_request_exception=False)
    if trigger == "post-without-slash":
        response = client.post("/api/bookings", {"x": 1})
    elif trigger == "foreign-host":
        response = client.get("/api/bookings/", HTTP_HOST="evil.example")
    elif trigger == "not-found":
        response = client.get("/nowhere/")
    else:
        from bookings.api import views

        monkeypatch.setattr(views.BookingCollectionApi, "select", lambda **kw: 1 / 0)
        response = client.get("/api/bookings/", **world.auth())
    page = response.content.decode(errors="replace") + caplog.text
    leaked = [s[:6] + "…" for s in known_secrets() if s in page]
    assert leaked == [], f"secrets on the {trigger} page: {leaked}"
    if trigger == "post-without-slash":  # redirected keeping the method (308), not Django's DEBUG refusal
        assert response.status_code == 308 and response["Location"] == "/api/bookings/"
        return
    assert response.status_code >= 400
    if trigger != "not-found":  # under /api/ even DEBUG's technical pages become the API's error shape
        assert response["Content-Type"] == "application/json" and set(response.json()) == {"message", "code", "extra"}


def test_the_dev_server_does_not_get_the_owners_credentials():
    from devstack.__main__ import SERVER_OMITS, _server_env
    from devstack.stack import Stack, spec

    env = _server_env(Stack(spec("test")))
    assert not set(SERVER_OMITS) & set(env) and env["HOSPITALITY_ENV_FILE"] == ""


# -- 4. sizes -----------------------------------------------------------------------------------------------------
def test_metadata_over_the_limit_is_a_400_on_the_field(api, world):
    big = {"blob": "x" * (settings.METADATA_MAX_BYTES + 10)}
    response = api.post(
        "/api/entities/",
        {"name": "Too Big", "entity_type": "venue", "metadata": big},
        content_type="application/json",
        **world.auth(),
    )
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["metadata"]


def test_a_body_over_the_limit_is_a_413_before_parsing(api, world, tenant_calls):
    body = json.dumps({"name": "x", "entity_type": "venue", "metadata": {"blob": "x" * (3 * 1024 * 1024)}})
    with tenant_calls() as calls:
        response = api.post("/api/entities/", body, content_type="application/json", **world.auth())
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large" and calls.total in (None, 0)


@pytest.mark.data_api_only
def test_a_row_too_large_for_the_data_api_is_a_clear_error(api, world, db_access):
    """Written by another client (here: the trusted path), 80 KB of metadata: the Data API cannot return that row."""
    with trusted_scope():
        entity = Entity.objects.create(
            tenant_id=A,
            entity_type="venue",
            name="Oversize Row",
            created_by="other-app",
            metadata={"blob": "x" * 80_000},
        )
    try:
        response = api.get("/api/entities/", **world.auth())
        assert response.status_code == 422
        assert response.json()["code"] == "row_too_large" and response.json()["extra"] == {"retryable": False}
        assert api.get(f"/api/entities/{entity.pk}/", **world.auth()).json()["code"] == "row_too_large"
    finally:
        with trusted_scope():
            entity.delete()


# -- 5. bad input -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        '{"name": "nul\\u0000name", "entity_type": "venue"}',
        '{"name": "ok", "entity_type": "venue", "metadata": {"k\\u0000": 1}}',
        # lone surrogates: valid JSON escapes, but no text (a 500 when encoded for the database)
        '{"name": "lone\\ud800", "entity_type": "venue"}',
        '{"name": "ok", "entity_type": "venue", "metadata": {"\\udfff": 1}}',
        '{"name": "ok", "entity_type": "venue", "metadata": {"k": ["\\ud83d"]}}',
        '{"name": "ok", "entity_type": "venue", "metadata": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"name": "ok", "entity_type": "venue", "metadata": {"a": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}}",
    ],
)
def test_bad_json_is_a_400_not_a_500(api, world, body, tenant_calls):
    with tenant_calls() as calls:
        response = api.post("/api/entities/", body, content_type="application/json", **world.auth())
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "parse_error" and calls.total in (None, 0)


def test_a_value_the_database_refuses_is_a_400(api, world, monkeypatch):
    """Input the serializers let through but the database refuses (its DataError: out of range, malformed for the
    column's type) is the client's: 400 in the error shape, not a 500."""
    from django.db import DataError

    from bookings.api import views

    def refused(**kwargs):
        raise DataError("value out of range for type numeric")

    monkeypatch.setattr(views.BookingCollectionApi, "select", refused)
    response = api.get("/api/bookings/", **world.auth())
    assert response.status_code == 400
    assert response.json() == {"message": "A value is not valid for the database.", "code": "invalid_data", "extra": {}}


# -- 7. the smaller findings ----------------------------------------------------------------------------------------
def test_jwt_lifetime_is_bounded(api, world):
    now = int(time.time())
    long_lived = jwt.encode(
        {
            "tenantId": A,
            "userId": str(world.users["ann"].pk),
            "role": "owner",
            "iss": settings.TENANT_JWT_ISSUER,
            "aud": settings.TENANT_JWT_AUDIENCE,
            "iat": now,
            "exp": now + settings.TENANT_JWT_MAX_LIFETIME + 60,
        },
        settings.TENANT_JWT_SECRET,
        algorithm="HS256",
    )
    assert api.get("/api/entities/", HTTP_AUTHORIZATION=f"Bearer {long_lived}").status_code == 401


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hospitality.settings", **env},
        timeout=120,
    )


def test_a_short_jwt_secret_stops_startup():
    result = manage("check", TENANT_JWT_SECRET="short")
    assert result.returncode == 2
    assert "TENANT_JWT_SECRET='<redacted>': is shorter than 32 bytes" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="api.example.com",
        HOSPITALITY_ENV_FILE="",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_api_tokens_expire_by_default_and_rotate(api, world, db_access, capsys):
    with trusted_scope():
        token_obj, token = ApiToken.issue(tenant=Tenant.objects.get(id=A), user=world.users["ann"], name="rotating")
    days = (token_obj.expires_at - timezone.now()) / dt.timedelta(days=1)
    assert settings.API_TOKEN_LIFETIME_DAYS - 1 < days <= settings.API_TOKEN_LIFETIME_DAYS
    try:
        call_command("rotate_token", hint=token_obj.hint, grace_hours=0)
        successor = capsys.readouterr().out.strip().splitlines()[-1]
        assert re.fullmatch(rf"hsp_{A}\.\S+", successor) and successor != token
        assert api.get("/api/entities/", HTTP_AUTHORIZATION=f"Token {successor}").status_code == 200
        assert api.get("/api/entities/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    finally:
        with trusted_scope():
            ApiToken.objects.filter(name="rotating").delete()


# -- the client address on Lambda: API Gateway's, never a header the caller writes ---------------------------------
@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_on_lambda_the_address_is_api_gateways_source_ip(version):
    """apig-wsgi takes a REST API (v1) event's first X-Forwarded-For value as REMOTE_ADDR; the handler's wrapper
    puts API Gateway's own source address back."""
    from apig_wsgi import make_lambda_handler

    from hospitality.lambda_handler import _source_address

    seen = {}

    def app(environ, start_response):
        seen["remote"] = environ["REMOTE_ADDR"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    headers = {"x-forwarded-for": "6.6.6.6, 198.51.100.50", "host": "api.example"}
    if version == "2.0":
        event = {
            "version": "2.0",
            "rawPath": "/api/entities/",
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {"http": {"method": "GET", "sourceIp": "198.51.100.50", "protocol": "HTTP/1.1"}},
            "isBase64Encoded": False,
        }
    else:
        event = {
            "httpMethod": "GET",
            "path": "/api/entities/",
            "headers": headers,
            "queryStringParameters": None,
            "requestContext": {"identity": {"sourceIp": "198.51.100.50"}},
            "body": None,
            "isBase64Encoded": False,
        }
    make_lambda_handler(_source_address(app))(event, None)
    assert seen["remote"] == "198.51.100.50"


@pytest.mark.parametrize("formatter", ["json", "text"])
def test_a_token_in_a_query_string_is_never_logged(api, world, formatter, db_access):
    """Refused (credentials travel in headers only), and not written down: every log line is redacted, whichever
    format the deployment logs in."""
    import io
    import logging

    from hospitality.log_format import JsonFormatter, TextFormatter

    token, jwt_value = world.tokens["ann@A"], world.jwt("ann", A)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if formatter == "json" else TextFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        for query in (f"token={token}", f"access_token={jwt_value}", f"api_key={token}&password=hunter2-secret"):
            response = api.get(f"/api/bookings/?{query}")
            assert response.status_code == 401
            logging.getLogger("django.request").warning("probe %s", f"/api/bookings/?{query}")
    finally:
        root.removeHandler(handler)
    logged = out.getvalue()
    assert "/api/bookings/?" in logged
    for secret in (token, token.split(".", 1)[1], jwt_value, "hunter2-secret"):
        assert secret not in logged


def test_every_api_answer_is_private_even_a_404(api, world):
    for response in (
        api.get("/api/no-such-endpoint/"),
        api.get("/api/no-such-endpoint/", **world.auth()),
        api.get(f"/api/bookings/{world.bookings['tenant-beta-002'][0].pk}/", **world.auth()),
        api.get("/api/bookings/"),
    ):
        assert response.status_code in (401, 404)
        assert response["Cache-Control"] == "private, no-store"
        assert "Authorization" in response["Vary"]


def test_issue_jwt_mints_what_this_server_accepts(api, world):
    """The command `make run` and the README print (`manage.py issue_jwt --user … --tenant …`), run as printed in a
    shell from the project root: its JWT is accepted, and lives no longer than the server allows."""
    import shlex

    from devstack.__main__ import MANAGE

    command = f"{MANAGE} issue_jwt --user {shlex.quote(world.users['ann'].username)} --tenant {A}"
    printed = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, check=True)
    token = printed.stdout.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == settings.TENANT_JWT_MAX_LIFETIME
    response = api.get("/api/bookings/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["count"] == len(world.bookings[A])
    too_long = subprocess.run(
        f"{command} --lifetime {settings.TENANT_JWT_MAX_LIFETIME + 1}", shell=True, cwd=ROOT, capture_output=True
    )
    assert too_long.returncode != 0 and b"TENANT_JWT_MAX_LIFETIME" in too_long.stderr
    stranger = subprocess.run(
        f"{MANAGE} issue_jwt --user {world.users['ben'].username} --tenant {A}",
        shell=True,
        cwd=ROOT,
        capture_output=True,
    )
    assert stranger.returncode != 0 and b"not an active member" in stranger.stderr
