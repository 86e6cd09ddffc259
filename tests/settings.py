"""Thin test override of hospitality.settings: adds the backend's own test models and a Data API alias that logs in
as the owner role (so the schema editor runs over the Data API too)."""

import os

from hospitality.config import postgres_url
from hospitality.settings import *  # noqa: F401,F403
from hospitality.settings import DATABASE_ROUTERS, DATABASES, INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "tests.backend"]

_owner_secret = os.environ.get("DB_OWNER_SECRET_ARN")
if _owner_secret:
    DATABASES["dataapi"] = {
        "ENGINE": "dataapi_backend",
        "NAME": os.environ["DATABASE_NAME"],
        "OPTIONS": {
            "resource_arn": os.environ["DB_CLUSTER_ARN"],
            "secret_arn": _owner_secret,
            "region_name": os.environ.get("AWS_REGION", "us-east-1"),
            "endpoint_url": os.environ.get("DATA_API_ENDPOINT") or None,
            "retry_base_delay": 0.01,
        },
        "TEST": {"NAME": os.environ["DATABASE_NAME"]},
    }
    # ... and its twin over psycopg (the stock postgresql backend), for what must hold the same on both transports
    _direct = postgres_url(os.environ, "OWNER_DATABASE_URL")
    if _direct:
        DATABASES["direct"] = {**_direct, "CONN_MAX_AGE": 0, "TEST": {"NAME": os.environ["DATABASE_NAME"]}}
DATABASE_ROUTERS = ["tests.backend.routers.BackendTestsRouter", *DATABASE_ROUTERS]
# Client.login() authenticates without a request, which django-axes refuses; the lockout has its own tests
# (tests/admin/test_login_protection.py), which switch it back on.
AXES_ENABLED = False
# The suites make thousands of API calls (many of them failing on purpose) from one address within minutes: the
# abuse limits have their own tests (tests/isolation/test_hardening.py), which set their own, low limits.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"tenant_caller": "1000000/min", "client_address": "1000000/min"},
}
API_AUTH_FAILURES_PER_MINUTE = 1_000_000
