"""AWS Lambda entry points of the one artifact (infrastructure/template.yaml wires each function to one of them).

- `handler`: API Gateway (HTTP API v2 or REST) and function URL events → the WSGI app (apig-wsgi). The tenant API
  and staff admin functions both use it; HOSPITALITY_FUNCTION decides what the app serves.
- `manage`: the management function. An invoke event `{"manage": ["migrate", "--noinput"]}` runs that command in
  this process as the schema owner, over the Data API, and returns `{"exit_status": 0, "output": "..."}`, so a
  deployment never needs a host inside the VPC.

Django is set up during the init phase (module import), once per execution environment; the boto3 rds-data client
is created on the first Data API call and reused for the life of the environment.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hospitality.settings")

from apig_wsgi import make_lambda_handler  # noqa: E402 - DJANGO_SETTINGS_MODULE must be set first
from django.core.wsgi import get_wsgi_application  # noqa: E402

from hospitality import snapstart  # noqa: E402

log = logging.getLogger("hospitality")


def _source_address(app):
    """REMOTE_ADDR from API Gateway's request context: for REST API (v1) events apig-wsgi takes the first
    X-Forwarded-For value instead, which the caller writes."""

    def wrapped(environ, start_response):
        context = environ.get("apig_wsgi.request_context") or {}
        source = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get("sourceIp")
        if source:
            environ["REMOTE_ADDR"] = source
        return app(environ, start_response)

    return wrapped


_http = make_lambda_handler(_source_address(get_wsgi_application()), binary_support=True)


# AWS_LAMBDA_INITIALIZATION_TYPE values whose init runs before any request is waiting for it
AHEAD_OF_TRAFFIC = ("snap-start", "provisioned-concurrency")


def _warm_up() -> None:
    """Work every first request would do, done once in the init phase instead: the URLconf and the views it
    imports, and the boto3 rds-data client of each Data API alias (no network call on demand; nothing read from
    Secrets Manager, which the Data API itself reads with the function's role)."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf
    # An init paid before any request arrives (a snapshot, or provisioned concurrency) also does what only some
    # requests need, or what a process's first request would, which an on-demand cold start leaves to them: JWT
    # verification's PyJWT, and what a process asks the database once (its version and time zone; a restored
    # snapshot keeps them).
    ahead = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in AHEAD_OF_TRAFFIC
    if ahead:
        import jwt  # noqa: F401
    for alias in connections:
        connection = connections[alias]
        if getattr(connection, "warm_up", None) is None:
            continue  # not over the Data API
        connection.warm_up()
        if ahead:
            try:
                connection.ask_database_once()
            except Exception:  # noqa: BLE001 - the database unreachable at init: the first request asks it instead
                log.warning("could not ask the database of %r at init", alias, exc_info=True)


_warm_up()
# SnapStart (tenant and staff functions): what a restored snapshot must not carry over (hospitality/snapstart.py)
SNAPSTART_HOOKS = snapstart.register()


def handler(event, context):
    return _http(event, context)


def manage(event, context):
    """Run one allow-listed management command (hospitality/management_events.py)."""
    from hospitality.management_events import run

    return run(event)
