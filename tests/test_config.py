"""Environment parsing: each misconfiguration gives one line naming the variable and the fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hospitality.config import Surface, database_config, function_name

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:hospitality"
APP_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf"
ADMIN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/admin-AbCdEf"
PG = "postgres://hospitality_admin:pw@127.0.0.1:5432/hospitality"
APP_PG = "postgres://hospitality_app:pw@127.0.0.1:5432/hospitality"


def test_pg_path_builds_two_aliases_with_their_own_roles():
    config = database_config({"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG})
    assert config.databases["default"]["USER"] == "hospitality_admin"
    assert config.databases["tenant"]["USER"] == "hospitality_app"
    assert config.databases["tenant"]["ENGINE"] == "django.db.backends.postgresql"
    assert config.tenant_adapter == "pg"
    assert config.use_data_api is False


def test_data_api_path_uses_the_app_secret_for_the_tenant_alias():
    config = database_config(
        {
            "DATABASE_URL": PG,
            "USE_DATA_API": "true",
            "DB_CLUSTER_ARN": CLUSTER,
            "DB_SECRET_ARN": APP_SECRET,
            "DATABASE_NAME": "hospitality",
            "AWS_REGION": "eu-west-1",
            "DATA_API_ENDPOINT": "http://127.0.0.1:8765",
        }
    )
    tenant = config.databases["tenant"]
    assert tenant["ENGINE"] == "dataapi_backend"
    assert tenant["NAME"] == "hospitality"
    assert tenant["OPTIONS"] == {
        "resource_arn": CLUSTER,
        "secret_arn": APP_SECRET,
        "region_name": "eu-west-1",
        "debug": False,
        "endpoint_url": "http://127.0.0.1:8765",
        "read_timeout": 20,
        "retry_budget_seconds": 5,
    }
    assert config.tenant_adapter == "data-api"


def test_trusted_path_over_the_data_api_when_there_is_no_database_url():
    config = database_config(
        {
            "USE_DATA_API": "true",
            "DB_CLUSTER_ARN": CLUSTER,
            "DB_SECRET_ARN": APP_SECRET,
            "DB_ADMIN_SECRET_ARN": ADMIN_SECRET,
            "DATABASE_NAME": "hospitality",
        }
    )
    assert config.databases["default"]["OPTIONS"]["secret_arn"] == ADMIN_SECRET
    assert "endpoint_url" not in config.databases["default"]["OPTIONS"]


OWNER_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/owner-AbCdEf"
DATA_API = {"USE_DATA_API": "true", "DB_CLUSTER_ARN": CLUSTER, "DATABASE_NAME": "hospitality"}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"REQUEST_TIMEOUT_SECONDS": "30"}, "REQUEST_TIMEOUT_SECONDS='30.0': must be below API Gateway's limit (29 s)"),
        ({"DATA_API_READ_TIMEOUT": "60"}, "DATA_API_READ_TIMEOUT='60.0': must be below REQUEST_TIMEOUT_SECONDS (25 s)"),
        (
            {"DATABASE_STATEMENT_TIMEOUT": "45"},
            "DATABASE_STATEMENT_TIMEOUT='45.0': must be below DATA_API_READ_TIMEOUT (20 s)",
        ),
        ({"DATA_API_READ_TIMEOUT": "soon"}, "DATA_API_READ_TIMEOUT='soon': not a number of seconds"),
    ],
)
def test_timeouts_must_nest_inside_api_gateways(env, message):
    from hospitality.config import timeouts

    with pytest.raises(ImproperlyConfigured) as exc:
        timeouts(env)
    assert str(exc.value).startswith(message)


def test_the_default_budget_nests():
    from hospitality.config import timeouts

    t = timeouts({})
    assert (t.request, t.data_api_read, t.statement, t.retry_budget) == (25, 20, 15, 5)


def test_direct_connections_persist_with_health_checks():
    config = database_config({"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG})
    for alias in ("default", "tenant"):
        assert config.databases[alias]["CONN_MAX_AGE"] == 60 and config.databases[alias]["CONN_HEALTH_CHECKS"]
    assert config.databases["tenant"]["OPTIONS"] == {"server_side_binding": True}
    short = database_config({"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "DB_CONN_MAX_AGE": "0"})
    assert short.databases["tenant"]["CONN_MAX_AGE"] == 0


def test_tenant_api_function_holds_the_app_role_only():
    config = database_config({**DATA_API, "HOSPITALITY_FUNCTION": "tenant-api", "DB_SECRET_ARN": APP_SECRET})
    assert config.function == "tenant-api"
    assert {a["OPTIONS"]["secret_arn"] for a in config.databases.values()} == {APP_SECRET}
    assert config.databases["default"] is not config.databases["tenant"]  # Django mutates each alias's dict


@pytest.mark.parametrize(
    "var, value", [("DATABASE_URL", PG), ("DB_ADMIN_SECRET_ARN", ADMIN_SECRET), ("DB_OWNER_SECRET_ARN", OWNER_SECRET)]
)
def test_tenant_api_function_refuses_trusted_credentials(var, value):
    with pytest.raises(ImproperlyConfigured) as exc:
        database_config({**DATA_API, "HOSPITALITY_FUNCTION": "tenant-api", "DB_SECRET_ARN": APP_SECRET, var: value})
    assert str(exc.value) == (
        f"{var}='<redacted>': must not be set when HOSPITALITY_FUNCTION=tenant-api; the tenant "
        "API holds only the app role's credentials (least privilege); remove it"
    )


@pytest.mark.parametrize(
    "function, var, secret",
    [("staff-admin", "DB_ADMIN_SECRET_ARN", ADMIN_SECRET), ("management", "DB_OWNER_SECRET_ARN", OWNER_SECRET)],
)
def test_trusted_functions_have_no_tenant_alias(function, var, secret):
    config = database_config(
        {"DB_CLUSTER_ARN": CLUSTER, "DATABASE_NAME": "hospitality", "HOSPITALITY_FUNCTION": function, var: secret}
    )
    assert list(config.databases) == ["default"] and config.databases["default"]["OPTIONS"]["secret_arn"] == secret


def test_unknown_function_is_named():
    with pytest.raises(
        ImproperlyConfigured,
        match="HOSPITALITY_FUNCTION='api': not a known value; use one of all, tenant-api, staff-admin, management",
    ):
        database_config({"HOSPITALITY_FUNCTION": "api"})


@pytest.mark.parametrize(
    "env, message",
    [
        (
            {"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "USE_DATA_API": "maybe"},
            "USE_DATA_API='maybe': not a boolean; use true or false",
        ),
        (
            {"DATABASE_URL": "not-a-url", "TENANT_DATABASE_URL": APP_PG},
            "DATABASE_URL='<redacted>': scheme '(none)' is not postgres; expected postgres://USER:PASSWORD@HOST:PORT/DBNAME",
        ),
        (
            {"DATABASE_URL": "mysql://u:p@h/db", "TENANT_DATABASE_URL": APP_PG},
            "DATABASE_URL='<redacted>': scheme 'mysql' is not postgres; expected postgres://USER:PASSWORD@HOST:PORT/DBNAME",
        ),
        (
            {"DATABASE_URL": "postgres://u:p@h:notaport/db", "TENANT_DATABASE_URL": APP_PG},
            "DATABASE_URL='<redacted>': not a valid URL (Port could not be cast to integer value as 'notaport'); "
            "expected postgres://USER:PASSWORD@HOST:PORT/DBNAME",
        ),
        (
            {"DATABASE_URL": "postgres://u:p@h:5432/", "TENANT_DATABASE_URL": APP_PG},
            "DATABASE_URL='<redacted>': needs a host and a database name; expected postgres://USER:PASSWORD@HOST:PORT/DBNAME",
        ),
        (
            {
                "DATABASE_URL": PG,
                "USE_DATA_API": "true",
                "DB_CLUSTER_ARN": "hospitality-cluster",
                "DB_SECRET_ARN": APP_SECRET,
                "DATABASE_NAME": "hospitality",
            },
            "DB_CLUSTER_ARN='hospitality-cluster': not an RDS cluster ARN; expected something like "
            "arn:aws:rds:us-east-1:123456789012:cluster:hospitality",
        ),
        (
            {
                "DATABASE_URL": PG,
                "USE_DATA_API": "true",
                "DB_CLUSTER_ARN": CLUSTER,
                "DB_SECRET_ARN": "my-secret",
                "DATABASE_NAME": "hospitality",
            },
            "DB_SECRET_ARN='my-secret': not a Secrets Manager ARN; expected something like "
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf",
        ),
        (
            {"DATABASE_URL": PG, "USE_DATA_API": "true", "DB_SECRET_ARN": APP_SECRET, "DATABASE_NAME": "hospitality"},
            "DB_CLUSTER_ARN: is required when USE_DATA_API=true; set it to the Aurora cluster ARN",
        ),
        (
            {"DATABASE_URL": PG, "USE_DATA_API": "true", "DB_CLUSTER_ARN": CLUSTER, "DATABASE_NAME": "hospitality"},
            "DB_SECRET_ARN: is required for the Data API path; set it to the secret ARN of the role",
        ),
        (
            {"DATABASE_URL": PG, "USE_DATA_API": "true", "DB_CLUSTER_ARN": CLUSTER, "DB_SECRET_ARN": APP_SECRET},
            "DATABASE_NAME: is required when USE_DATA_API=true; set it to the database name, e.g. hospitality",
        ),
        (
            {"DATABASE_URL": PG},
            "TENANT_DATABASE_URL: is required when USE_DATA_API=false; set it to a postgres:// URL that logs in as "
            "hospitality_app (the RLS-bound role)",
        ),
        (
            {},
            "DATABASE_URL: is not set and neither is DB_ADMIN_SECRET_ARN; set DATABASE_URL for the trusted path "
            "(or run `make run`, which writes .local/env)",
        ),
        (
            {"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "AWS_REGION": "Mars"},
            "AWS_REGION='Mars': not an AWS region; expected something like us-east-1",
        ),
        (
            {"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "DATA_API_ENDPOINT": "localhost:8765"},
            "DATA_API_ENDPOINT='localhost:8765': not an http(s) URL; use the emulator's URL, e.g. "
            "http://127.0.0.1:8765, or unset it on AWS",
        ),
        (
            {"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "DATA_API_ROLLOUT_PERCENTAGE": "150"},
            "DATA_API_ROLLOUT_PERCENTAGE='150': out of range; use a whole number from 0 to 100",
        ),
        (
            {"DATABASE_URL": PG, "TENANT_DATABASE_URL": APP_PG, "DEBUG_DATA_API": "verbose"},
            "DEBUG_DATA_API='verbose': not a boolean; use true or false",
        ),
    ],
)
def test_misconfiguration_message(env, message):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        database_config(env)
    assert str(excinfo.value) == message


def test_database_url_password_never_appears_in_the_message():
    with pytest.raises(ImproperlyConfigured) as excinfo:
        database_config({"DATABASE_URL": "mysql://user:hunter2@host/db", "TENANT_DATABASE_URL": APP_PG})
    assert "hunter2" not in str(excinfo.value)


@pytest.mark.parametrize(
    "var, value, expected",
    [
        ("USE_DATA_API", "maybe", "configuration error: USE_DATA_API='maybe': not a boolean; use true or false"),
        (
            "DB_CLUSTER_ARN",
            "not-an-arn",
            "configuration error: DB_CLUSTER_ARN='not-an-arn': not an RDS cluster ARN; "
            "expected something like arn:aws:rds:us-east-1:123456789012:cluster:hospitality",
        ),
        (
            "DATABASE_URL",
            "nonsense",
            "configuration error: DATABASE_URL='<redacted>': scheme '(none)' is not postgres; "
            "expected postgres://USER:PASSWORD@HOST:PORT/DBNAME",
        ),
        # every number the settings read names its variable, whatever is wrong with it
        (
            "API_MAX_BODY_BYTES",
            "256k",
            "configuration error: API_MAX_BODY_BYTES='256k': not an integer; use a whole number from 1024 to 4194304",
        ),
        (
            "HEALTH_CACHE_SECONDS",
            "nan",
            "configuration error: HEALTH_CACHE_SECONDS='nan': out of range; use a number from 0 to 3600",
        ),
        (
            "AXES_COOLOFF_HOURS",
            "one",
            "configuration error: AXES_COOLOFF_HOURS='one': not a number; use a number from 0.01 to 720",
        ),
        (
            "AXES_FAILURE_LIMIT",
            "0",
            "configuration error: AXES_FAILURE_LIMIT='0': out of range; use a whole number from 1 to 100",
        ),
        (
            "DATA_API_METRICS_INTERVAL",
            "5m",
            "configuration error: DATA_API_METRICS_INTERVAL='5m': not an integer; use a whole number from 0 to 86400",
        ),
        (
            "API_MAX_JSON_DEPTH",
            "-1",
            "configuration error: API_MAX_JSON_DEPTH='-1': out of range; use a whole number from 2 to 256",
        ),
        (
            "METADATA_MAX_BYTES",
            "1e6",
            "configuration error: METADATA_MAX_BYTES='1e6': not an integer; use a whole number from 256 to 61440",
        ),
        ("API_AUTH_FAILURES_PER_MINUTE", "", None),  # empty: the default, nothing refused
    ],
)
def test_manage_py_prints_one_line_and_starts_nothing(var, value, expected):
    env = {**os.environ, var: value}
    command = "migrate" if expected else "check"  # a setting left empty takes its default: the process starts
    result = subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    if expected is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert result.stderr.strip() == expected
    assert result.stdout == ""


def test_secret_key_is_required_outside_debug():
    env = {**os.environ, "DJANGO_SECRET_KEY": "", "DJANGO_DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: DJANGO_SECRET_KEY: is not set; set it to a long random "
        "string (or DJANGO_DEBUG=true for local work)"
    )


@pytest.mark.parametrize(
    "function, tenant_api, staff, sessions, browser_api",
    [
        ("all", True, True, True, True),
        ("tenant-api", True, False, False, False),
        ("staff-admin", False, True, True, False),
        ("management", False, False, True, False),
    ],
)
def test_a_function_serves_one_surface(function, tenant_api, staff, sessions, browser_api):
    surface = Surface(function_name({"HOSPITALITY_FUNCTION": function}))
    assert (surface.tenant_api, surface.staff, surface.sessions, surface.browser_api) == (
        tenant_api,
        staff,
        sessions,
        browser_api,
    )
