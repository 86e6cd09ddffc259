"""Environment → validated configuration, with one clear line per mistake.

Settings are built from here so that a wrong value stops the process at startup with a message that names the
variable and the fix, never with a traceback deep inside boto3 or psycopg. Pure functions over a mapping, so every
message is testable without touching the process environment.
"""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from tenants.aliases import PG_ALIAS, TENANT_ALIAS, TRUSTED_ALIAS

CLUSTER_ARN_RE = re.compile(r"^arn:aws(-[a-z]+)*:rds:[a-z]{2}(-[a-z]+)+-\d:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]{0,62}$")
SECRET_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
DATABASE_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _fail(var: str, value: str | None, problem: str, fix: str) -> ImproperlyConfigured:
    shown = "" if value is None else f"={value!r}"
    return ImproperlyConfigured(f"{var}{shown}: {problem}; {fix}")


def env_bool(env: Mapping[str, str], var: str, default: bool) -> bool:
    raw = env.get(var)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise _fail(var, raw, "not a boolean", "use true or false")


def trusted_proxies(env: Mapping[str, str], var: str = "FORWARDED_ALLOW_IPS") -> tuple:
    """Addresses or networks of the proxies whose X-Forwarded-For is believed (comma-separated; none by default)."""
    raw = env.get(var) or ""
    networks = []
    for item in filter(None, (i.strip() for i in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise _fail(var, raw, f"{item!r} is not an IP address or network", "e.g. 10.0.0.0/8,192.0.2.7") from None
    return tuple(networks)


def env_int(env: Mapping[str, str], var: str, default: int, lo: int, hi: int) -> int:
    return _env_number(env, var, default, lo, hi, int, "not an integer", f"use a whole number from {lo} to {hi}")


def env_float(env: Mapping[str, str], var: str, default: float, lo: float, hi: float) -> float:
    # the range check also refuses nan and inf
    return _env_number(env, var, default, lo, hi, float, "not a number", f"use a number from {lo:g} to {hi:g}")


def _env_number(env: Mapping[str, str], var: str, default, lo, hi, kind, not_one: str, fix: str):
    raw = env.get(var)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        raise _fail(var, raw, not_one, fix) from None
    if not lo <= value <= hi:
        raise _fail(var, raw, "out of range", fix)
    return value


def env_match(env: Mapping[str, str], var: str, pattern: re.Pattern, what: str, example: str) -> str | None:
    raw = env.get(var)
    if raw is None or raw.strip() == "":
        return None
    if not pattern.match(raw.strip()):
        raise _fail(var, raw, f"not {what}", f"expected something like {example}")
    return raw.strip()


def postgres_url(env: Mapping[str, str], var: str, server_side_binding: bool = False) -> dict | None:
    """A postgres:// URL → Django DATABASES entry for the stock postgresql backend. server_side_binding: parameters
    travel apart from the SQL text, so other sessions' pg_stat_activity shows placeholders (the tenant path: the
    signed tenant assertion must not be readable by another app-role session)."""
    raw = env.get(var)
    if raw is None or raw.strip() == "":
        return None
    fix = "expected postgres://USER:PASSWORD@HOST:PORT/DBNAME"
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError as exc:
        raise _fail(var, "<redacted>", f"not a valid URL ({exc})", fix) from None
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise _fail(var, "<redacted>", f"scheme {parts.scheme or '(none)'!r} is not postgres", fix)
    name = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not name or "/" in name:
        raise _fail(var, "<redacted>", "needs a host and a database name", fix)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname),
        "PORT": str(port or ""),
        # Persistent connections (a new PostgreSQL session costs ~6 ms per request), checked before reuse. Safe for
        # the tenant path: its context is transaction-local and its proof bound to the transaction.
        "CONN_MAX_AGE": env_int(env, "DB_CONN_MAX_AGE", 60, 0, 3600),
        "CONN_HEALTH_CHECKS": True,
        **({"OPTIONS": {"server_side_binding": True}} if server_side_binding else {}),
    }


# What one process serves. One Lambda artifact runs as three functions, each with the least privilege it needs:
#   tenant-api   the tenant API and /health, with the app role's credentials only (no admin, sessions or docs)
#   staff-admin  the admin, the API docs and /health on the trusted path (DB_ADMIN_SECRET_ARN or DATABASE_URL)
#   management   operator commands as the schema owner (DB_OWNER_SECRET_ARN or DATABASE_URL), no HTTP surface
#   all          everything in one process: local development, a container or VM behind gunicorn
FUNCTIONS = ("all", "tenant-api", "staff-admin", "management")
# The tenant API must not hold any credential of the trusted path: one bug there would then reach every tenant.
TRUSTED_VARS = (
    "DATABASE_URL",
    "DB_ADMIN_SECRET_ARN",
    "DB_OWNER_SECRET_ARN",
    "OWNER_DATABASE_URL",
    "DB_MASTER_SECRET_ARN",
    "MASTER_DATABASE_URL",
)


def env_choice(env: Mapping[str, str], var: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(var)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip() not in choices:
        raise _fail(var, raw, "not a known value", f"use one of {', '.join(choices)}")
    return raw.strip()


def function_name(env: Mapping[str, str]) -> str:
    return env_choice(env, "HOSPITALITY_FUNCTION", FUNCTIONS, "all")


@dataclasses.dataclass(frozen=True)
class Surface:
    """What this process serves (HOSPITALITY_FUNCTION), asked in one vocabulary by the settings and the URLconf."""

    function: str

    @property
    def tenant_api(self) -> bool:
        """The tenant API under /api/ (its middleware, its context keys)."""
        return self.function in ("all", "tenant-api")

    @property
    def staff(self) -> bool:
        """The admin and the API docs, with their static files."""
        return self.function in ("all", "staff-admin")

    @property
    def sessions(self) -> bool:
        """The admin's apps, sessions, messages and staff logins (django-axes): every function but the tenant API,
        which loads none of them (less to import on a cold start, nothing a tenant caller could reach)."""
        return self.function != "tenant-api"

    @property
    def browser_api(self) -> bool:
        """The browsable API and session-authenticated tenant calls: the all-in-one process only."""
        return self.function == "all"


def jwt_secret(env: Mapping[str, str]) -> str:
    """TENANT_JWT_SECRET: HS256 keys shorter than the hash (32 bytes) are refused (RFC 7518 3.2)."""
    secret = env.get("TENANT_JWT_SECRET", "")
    if secret and len(secret.encode()) < MIN_SECRET_LENGTH:
        raise _fail(
            "TENANT_JWT_SECRET",
            "<redacted>",
            f"is shorter than {MIN_SECRET_LENGTH} bytes",
            "use a random secret of at least 32 bytes (e.g. `openssl rand -base64 48`)",
        )
    return secret


API_GATEWAY_TIMEOUT = 29  # seconds: API Gateway's integration limit, which no setting raises


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """One budget, each layer inside the one above it, so that the innermost gives up first and the request still
    answers with the designed error (503 retryable) instead of a dropped connection:
    API Gateway (29 s) > REQUEST_TIMEOUT_SECONDS > DATA_API_READ_TIMEOUT > DATABASE_STATEMENT_TIMEOUT."""

    request: float
    data_api_read: float
    statement: float

    @property
    def retry_budget(self) -> float:
        """What is left for retries (throttling, a resuming cluster) once a call may have used its read timeout."""
        return self.request - self.data_api_read


def timeouts(env: Mapping[str, str]) -> Timeouts:
    def seconds(var: str, default: float) -> float:
        raw = env.get(var, "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            raise _fail(var, raw, "not a number of seconds", "use e.g. 20 or 2.5") from None
        if value <= 0:
            raise _fail(var, raw, "must be positive", "use a number of seconds above 0")
        return value

    t = Timeouts(
        seconds("REQUEST_TIMEOUT_SECONDS", 25),
        seconds("DATA_API_READ_TIMEOUT", 20),
        seconds("DATABASE_STATEMENT_TIMEOUT", 15),
    )
    order = [
        ("API Gateway's limit", API_GATEWAY_TIMEOUT),
        ("REQUEST_TIMEOUT_SECONDS", t.request),
        ("DATA_API_READ_TIMEOUT", t.data_api_read),
        ("DATABASE_STATEMENT_TIMEOUT", t.statement),
    ]
    for (outer, outer_value), (inner, inner_value) in zip(order, order[1:], strict=False):
        if inner_value >= outer_value:
            raise _fail(
                inner,
                str(inner_value),
                f"must be below {outer} ({outer_value:g} s)",
                "keep API Gateway (29) > REQUEST_TIMEOUT_SECONDS > DATA_API_READ_TIMEOUT > DATABASE_STATEMENT_TIMEOUT",
            )
    return t


CONTEXT_KEY_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,40}")
MIN_SECRET_LENGTH = 32


def context_keys_secret_arn(env: Mapping[str, str]) -> str:
    """TENANT_CONTEXT_KEYS_SECRET_ARN: the Secrets Manager secret holding the signing keys (tenants/key_secret.py),
    read when the process first signs; rotated with `manage.py context_keys rotate`."""
    arn = env.get("TENANT_CONTEXT_KEYS_SECRET_ARN", "").strip()
    if arn and not SECRET_ARN_RE.match(arn):
        raise _fail(
            "TENANT_CONTEXT_KEYS_SECRET_ARN", arn, "is not a Secrets Manager secret ARN", "give the secret's full ARN"
        )
    return arn


def context_keys(env: Mapping[str, str], required: bool) -> list[tuple[str, bytes]]:
    """TENANT_CONTEXT_KEYS=`kid:secret[,kid:secret]`: the keys the application signs tenant contexts with (the
    first) and that `manage.py context_keys sync` installs for the database to verify them (all of them: two during a
    rotation). Not required beside TENANT_CONTEXT_KEYS_SECRET_ARN, whose keys come first."""
    raw = env.get("TENANT_CONTEXT_KEYS", "").strip()
    fix = f"set it to key-id:secret (secret of {MIN_SECRET_LENGTH}+ characters), newest first, comma-separated"
    if not raw:
        if required and not context_keys_secret_arn(env):
            raise _fail(
                "TENANT_CONTEXT_KEYS",
                None,
                "is required where the tenant API is served (or TENANT_CONTEXT_KEYS_SECRET_ARN)",
                fix,
            )
        return []
    keys = []
    for item in raw.split(","):
        kid, sep, secret = item.strip().partition(":")
        if not sep or not CONTEXT_KEY_ID_RE.fullmatch(kid):
            raise _fail("TENANT_CONTEXT_KEYS", "<redacted>", f"entry {kid!r} is not key-id:secret", fix)
        if len(secret) < MIN_SECRET_LENGTH:
            raise _fail("TENANT_CONTEXT_KEYS", "<redacted>", f"the secret of key {kid!r} is too short", fix)
        keys.append((kid, secret.encode()))
    if len({k for k, _ in keys}) != len(keys):
        raise _fail("TENANT_CONTEXT_KEYS", "<redacted>", "a key id is listed twice", fix)
    return keys


@dataclasses.dataclass(frozen=True)
class DatabaseConfig:
    databases: dict
    use_data_api: bool
    debug_data_api: bool
    rollout_percentage: int
    function: str = "all"

    @property
    def tenant_adapter(self) -> str:
        return "data-api" if self.use_data_api else "pg"


def _data_api_alias(
    env: Mapping[str, str], secret_var: str, cluster: str, database: str, region: str, endpoint: str | None, debug: bool
) -> dict:
    secret = env_match(
        env,
        secret_var,
        SECRET_ARN_RE,
        "a Secrets Manager ARN",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf",
    )
    if secret is None:
        raise _fail(secret_var, None, "is required for the Data API path", "set it to the secret ARN of the role")
    budget = timeouts(env)
    options = {
        "resource_arn": cluster,
        "secret_arn": secret,
        "region_name": region,
        "debug": debug,
        "read_timeout": budget.data_api_read,
        "retry_budget_seconds": budget.retry_budget,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
    return {"ENGINE": "dataapi_backend", "NAME": database, "OPTIONS": options}


def database_config(env: Mapping[str, str]) -> DatabaseConfig:
    use_data_api = env_bool(env, "USE_DATA_API", False)
    debug = env_bool(env, "DEBUG_DATA_API", False)
    rollout = env_int(env, "DATA_API_ROLLOUT_PERCENTAGE", 100, 0, 100)
    region = env_match(env, "AWS_REGION", REGION_RE, "an AWS region", "us-east-1") or "us-east-1"
    cluster = env_match(
        env,
        "DB_CLUSTER_ARN",
        CLUSTER_ARN_RE,
        "an RDS cluster ARN",
        "arn:aws:rds:us-east-1:123456789012:cluster:hospitality",
    )
    endpoint = env.get("DATA_API_ENDPOINT", "").strip() or None
    if endpoint and not re.match(r"^https?://[^/\s]+(/\S*)?$", endpoint):
        raise _fail(
            "DATA_API_ENDPOINT",
            endpoint,
            "not an http(s) URL",
            "use the emulator's URL, e.g. http://127.0.0.1:8765, or unset it on AWS",
        )
    database = env_match(env, "DATABASE_NAME", DATABASE_NAME_RE, "a database name", "hospitality")

    def require_data_api(why: str) -> tuple[str, str]:
        if cluster is None:
            raise _fail("DB_CLUSTER_ARN", None, f"is required {why}", "set it to the Aurora cluster ARN")
        if database is None:
            raise _fail("DATABASE_NAME", None, f"is required {why}", "set it to the database name, e.g. hospitality")
        return cluster, database

    function = function_name(env)

    def trusted(secret_var: str) -> dict:
        """The trusted path: DATABASE_URL on a host that reaches the database, else the Data API as secret_var."""
        default = postgres_url(env, "DATABASE_URL")
        if default is None:
            if not env.get(secret_var):
                raise _fail(
                    "DATABASE_URL",
                    None,
                    f"is not set and neither is {secret_var}",
                    "set DATABASE_URL for the trusted path (or run `make run`, which writes .local/env)",
                )
            c, d = require_data_api(f"when the trusted path uses the Data API ({secret_var})")
            return _data_api_alias(env, secret_var, c, d, region, endpoint, debug)
        env_match(
            env,
            secret_var,
            SECRET_ARN_RE,
            "a Secrets Manager ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/admin-AbCdEf",
        )
        return default

    if function in ("staff-admin", "management"):
        # No tenant alias at all: tenant models used outside a trusted scope fail closed instead of reaching a role
        # that bypasses RLS.
        default = trusted("DB_ADMIN_SECRET_ARN" if function == "staff-admin" else "DB_OWNER_SECRET_ARN")
        return _finish({TRUSTED_ALIAS: default}, use_data_api, debug, rollout, function)
    if function == "tenant-api":
        for var in TRUSTED_VARS:
            if env.get(var, "").strip():
                raise _fail(
                    var,
                    "<redacted>",
                    "must not be set when HOSPITALITY_FUNCTION=tenant-api",
                    "the tenant API holds only the app role's credentials (least privilege); remove it",
                )
    else:
        default = trusted("DB_ADMIN_SECRET_ARN")

    aliases = {}
    if use_data_api:
        c, d = require_data_api("when USE_DATA_API=true")
        tenant = _data_api_alias(env, "DB_SECRET_ARN", c, d, region, endpoint, debug)
        # During a gradual rollout the tenants not yet on the Data API stay on direct PostgreSQL.
        pg = postgres_url(env, "TENANT_DATABASE_URL", server_side_binding=True)
        if pg is not None:
            aliases[PG_ALIAS] = pg
        elif rollout < 100:
            raise _fail(
                "TENANT_DATABASE_URL",
                None,
                f"is required when DATA_API_ROLLOUT_PERCENTAGE={rollout} (< 100)",
                "set it to a postgres:// URL as hospitality_app for the tenants not yet on the Data API",
            )
    else:
        env_match(
            env,
            "DB_SECRET_ARN",
            SECRET_ARN_RE,
            "a Secrets Manager ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf",
        )
        tenant = postgres_url(env, "TENANT_DATABASE_URL", server_side_binding=True)
        if tenant is None:
            raise _fail(
                "TENANT_DATABASE_URL",
                None,
                "is required when USE_DATA_API=false",
                "set it to a postgres:// URL that logs in as hospitality_app (the RLS-bound role)",
            )
    if function == "tenant-api":
        # Django needs a `default`; here it is the app role too, so nothing in this process can bypass RLS.
        default = copy.deepcopy(tenant)
    return _finish({TRUSTED_ALIAS: default, TENANT_ALIAS: tenant, **aliases}, use_data_api, debug, rollout, function)


def _finish(databases: dict, use_data_api: bool, debug: bool, rollout: int, function: str) -> DatabaseConfig:
    for alias in databases.values():
        alias["TEST"] = {"NAME": alias["NAME"]}  # the test stack prepares its database; see tests/conftest.py
    return DatabaseConfig(databases, use_data_api, debug, rollout, function)
