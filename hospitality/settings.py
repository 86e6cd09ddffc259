"""One settings module, driven by the environment (django-environ). See docs/configuration.md.

Locally nothing needs to be set: `make run` writes `.local/env`, read here as defaults (real environment variables
win). `HOSPITALITY_ENV_FILE` points at another file (the test stack's) or at nothing (`HOSPITALITY_ENV_FILE=`).
"""

import datetime
import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

import hospitality
from hospitality.config import (
    Surface,
    context_keys,
    context_keys_secret_arn,
    database_config,
    env_bool,
    env_choice,
    env_float,
    env_int,
    jwt_secret,
    timeouts,
    trusted_proxies,
)

BASE_DIR = Path(__file__).resolve().parent.parent

_env_file = os.environ.get("HOSPITALITY_ENV_FILE", str(BASE_DIR / ".local" / "env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)
env = environ.Env()

DEBUG = env_bool(os.environ, "DJANGO_DEBUG", False)
APP_VERSION = hospitality.__version__  # reported by /health
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY: is not set; set it to a long random string (or DJANGO_DEBUG=true for local work)"
        )
    SECRET_KEY = "insecure-local-development-key-never-used-when-DJANGO_DEBUG-is-false"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

_db = database_config(os.environ)
# HOSPITALITY_FUNCTION (hospitality/config.py): which surface this process serves (one artifact, four functions),
# asked only through SURFACE.
HOSPITALITY_FUNCTION = _db.function
SURFACE = Surface(HOSPITALITY_FUNCTION)
SERVES_TENANT_API = SURFACE.tenant_api
SERVES_STAFF = SURFACE.staff
DATABASES = _db.databases
USE_DATA_API = _db.use_data_api
DEBUG_DATA_API = _db.debug_data_api
DATA_API_ROLLOUT_PERCENTAGE = _db.rollout_percentage
TENANT_DATABASE_ADAPTER = _db.tenant_adapter
AWS_REGION = os.environ.get("AWS_REGION") or "us-east-1"
# Request metrics (operations/telemetry.py): logged every interval (seconds; 0 = never), appended to a JSON-lines
# file when set, and published to CloudWatch (namespace HospitalityAI/DataAPI) when CLOUDWATCH_METRICS=true.
DATA_API_METRICS_INTERVAL = env_int(os.environ, "DATA_API_METRICS_INTERVAL", 300, 0, 86400)
DATA_API_METRICS_FILE = os.environ.get("DATA_API_METRICS_FILE", "")
CLOUDWATCH_METRICS = env_bool(os.environ, "CLOUDWATCH_METRICS", False)
DATABASE_ROUTERS = ["tenants.router.TenantRouter"]
# /health shows anonymous callers the status only; this token (header X-Health-Token) or a staff session sees more.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")
HEALTH_CACHE_SECONDS = env_float(os.environ, "HEALTH_CACHE_SECONDS", 5.0, 0.0, 3600.0)

# Tenant API authentication (tenants/authentication.py). JWTs: algorithm, issuer and audience pinned.
TENANT_JWT_ALGORITHM = os.environ.get("TENANT_JWT_ALGORITHM", "HS256")
TENANT_JWT_SECRET = jwt_secret(os.environ)
# A tenant JWT may live at most this long (exp - iat, seconds): a leaked token is worth little for long.
TENANT_JWT_MAX_LIFETIME = env_int(os.environ, "TENANT_JWT_MAX_LIFETIME", 3600, 60, 86400)
# API tokens expire after this many days unless issued with another expiry (`manage.py rotate_token` renews them).
API_TOKEN_LIFETIME_DAYS = env_int(os.environ, "API_TOKEN_LIFETIME_DAYS", 90, 1, 3650)
TENANT_JWT_PUBLIC_KEY = os.environ.get("TENANT_JWT_PUBLIC_KEY", "")
TENANT_JWT_ISSUER = os.environ.get("TENANT_JWT_ISSUER", "hospitality")
TENANT_JWT_AUDIENCE = os.environ.get("TENANT_JWT_AUDIENCE", "hospitality-api")
# The timeout budget (hospitality/config.py Timeouts, checked for its order at startup): the Data API client's read
# timeout and retry budget come from it, and every tenant transaction's statement_timeout (set by app.enter_tenant).
TIMEOUTS = timeouts(os.environ)
TENANT_STATEMENT_TIMEOUT = TIMEOUTS.statement  # what tenants reads (tenants/conf.py)
# The keys tenant contexts are signed with (app.enter_tenant verifies them; sql/10_tenant_context.sql).
TENANT_CONTEXT_KEYS = context_keys(os.environ, required=SERVES_TENANT_API)
# ... or from a secret that holds them, rotated without a deployment (`manage.py context_keys rotate`)
TENANT_CONTEXT_KEYS_SECRET_ARN = context_keys_secret_arn(os.environ)
TENANT_CONTEXT_KEYS_REFRESH = env_int(os.environ, "TENANT_CONTEXT_KEYS_REFRESH", 300, 10, 3600)
# Only behind an authenticator that strips and sets these headers itself (API Gateway authorizer, service mesh).
TENANT_ONE_STATEMENT_READS = env_bool(os.environ, "TENANT_ONE_STATEMENT_READS", True)
TRUST_UPSTREAM_TENANT_HEADERS = env_bool(os.environ, "TRUST_UPSTREAM_TENANT_HEADERS", False)
# The seed's identities: JWT `userId` claims and X-User-Id headers carry the identity provider's text user id,
# matched against Membership.external_id (instead of a Django user id).
TENANT_EXTERNAL_IDENTITIES = env_bool(os.environ, "TENANT_EXTERNAL_IDENTITIES", False)

# The tenant API function loads no admin, sessions, messages, static files or docs apps (SURFACE.sessions).
_STAFF_APPS = [
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
]
INSTALLED_APPS = [
    # the admin's AppConfig before auth: its templates take precedence
    *(["hospitality.admin_site.HospitalityAdminConfig"] if SURFACE.sessions else []),
    "django.contrib.auth",
    "django.contrib.contenttypes",
    *(_STAFF_APPS if SURFACE.sessions else []),
    "rest_framework",
    "tenants",
    "bookings",
    "operations",
    # adopting the seed's database and its transition window (imported by nothing; remove once finalized everywhere)
    "seed_cutover",
]

# A process whose every database is reached over the Data API never needs psycopg, yet importing DRF imports it
# (about 200 ms of a Lambda cold start): DRF maps django.contrib.postgres's fields when that package imports, and it
# imports psycopg. No model here uses those fields, so such a process marks the package absent, which DRF expects
# (and a model that did use them would fail at start-up, not quietly).
if "django.contrib.postgres" not in INSTALLED_APPS and all(
    db["ENGINE"] == "dataapi_backend" for db in DATABASES.values()
):
    sys.modules.setdefault("django.contrib.postgres", None)

# Django's CommonMiddleware, answering a tenant API path without its slash with a 308 (method and body kept)
_COMMON_MIDDLEWARE = "hospitality.trailing_slash.SlashRedirectMiddleware"
_SESSION_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    _COMMON_MIDDLEWARE,
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
MIDDLEWARE = [
    "hospitality.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    *(["whitenoise.middleware.WhiteNoiseMiddleware"] if SERVES_STAFF else []),
    # Outside the session/common middleware, so that what they answer under /api/ (a disallowed host) also
    # reaches the client in the API's error shape.
    *(["tenants.middleware.TenantTransactionMiddleware"] if SERVES_TENANT_API else []),
    *(_SESSION_MIDDLEWARE if SURFACE.sessions else [_COMMON_MIDDLEWARE]),
    # last, as django-axes requires: turns a locked-out login into its lockout response
    *(["axes.middleware.AxesMiddleware"] if SURFACE.sessions else []),
]

# Staff logins: django-axes locks a username from an address out after AXES_FAILURE_LIMIT failures for
# AXES_COOLOFF_HOURS (429 with a message); a successful login resets the count. Attempts are kept in the
# trusted database (axes_accessattempt), so the lockout holds across processes and Lambda instances.
if SURFACE.sessions:
    AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int(os.environ, "AXES_FAILURE_LIMIT", 5, 1, 100)
AXES_COOLOFF_TIME = datetime.timedelta(hours=env_float(os.environ, "AXES_COOLOFF_HOURS", 1.0, 0.01, 720.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Client addresses for the throttles and the lockout (tenants/client_address.py): X-Forwarded-For is believed only
# from these proxies. On Lambda none: the handler takes the address from API Gateway's request context.
TRUSTED_PROXIES = trusted_proxies(os.environ)
AXES_CLIENT_IP_CALLABLE = "tenants.client_address.client_address"

ROOT_URLCONF = "hospitality.urls"
WSGI_APPLICATION = "hospitality.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The Lambda artifact ships collected static files (`make package` runs collectstatic into staticfiles/); elsewhere
# WhiteNoise serves them straight from the apps, so `make serve` needs no collectstatic step.
_COLLECTED_STATIC = BASE_DIR / "staticfiles"
STATIC_ROOT = _COLLECTED_STATIC if _COLLECTED_STATIC.is_dir() else None
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS-only outside DEBUG (`manage.py check --deploy` is clean): secure cookies, HSTS, redirect to https (except
# /health, which load balancers probe over plain http). `make serve` and the browser suite run gunicorn on plain
# http://127.0.0.1 and turn the cookie and redirect switches off explicitly.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool(os.environ, "DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool(os.environ, "DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = env_int(os.environ, "DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, 0, 63_072_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(os.environ, "DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool(os.environ, "DJANGO_HSTS_PRELOAD", False)
# Preloading commits the whole domain to HTTPS in browsers for months: the operator's decision, not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Error pages (DEBUG) and error reports never show connection strings, passwords, keys or tokens: Django's filter
# hides names with SECRET/KEY/PASS/TOKEN; ours also URL/DSN/DATABASE/ARN/CREDENTIAL/SIGNATURE/AUTHORIZATION/COOKIE.
DEFAULT_EXCEPTION_REPORTER_FILTER = "hospitality.errors.SecretHidingExceptionReporterFilter"

# Logs go to stdout: JSON lines on Lambda (or LOG_FORMAT=json), readable lines elsewhere. The `hospitality` logger
# is at INFO so that the metrics snapshot written every DATA_API_METRICS_INTERVAL is actually printed.
LOG_FORMAT = env_choice(
    os.environ, "LOG_FORMAT", ("json", "text"), "json" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else "text"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "hospitality.log_format.JsonFormatter"},
        "text": {"()": "hospitality.log_format.TextFormatter"},
    },
    "filters": {"request_id": {"()": "hospitality.request_id.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "hospitality": {"level": "INFO"},
        "dataapi_backend": {"level": "DEBUG" if DEBUG_DATA_API else "WARNING"},
        "tenants.transport": {"level": "DEBUG" if DEBUG_DATA_API else "WARNING"},  # "[DB] Using Data API"
        # runserver's access lines carry the query string: through our formatter, which redacts tokens and JWTs
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if SURFACE.browser_api else []),
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.JWTAuthentication",
        "tenants.authentication.ApiTokenAuthentication",
        "tenants.authentication.UpstreamHeaderAuthentication",
        # browser sessions exist only where the session app does (not in the tenant API function)
        *(["tenants.authentication.TenantSessionAuthentication"] if SURFACE.browser_api else []),
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.HasTenantContext", "tenants.permissions.RoleMayWrite"],
    "DEFAULT_PAGINATION_CLASS": "bookings.api.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": ["bookings.api.parsers.LimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "tenants.throttling.TenantCallerThrottle",
        "tenants.throttling.ClientAddressThrottle",
        "tenants.throttling.FailedAuthenticationThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "tenant_caller": os.environ.get("API_RATE_PER_CALLER", "600/min"),
        "client_address": os.environ.get("API_RATE_PER_ADDRESS", "1200/min"),
    },
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hospitality.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Request and row sizes: bodies over API_MAX_BODY_BYTES are refused with 413 before parsing; JSON deeper than
# API_MAX_JSON_DEPTH is refused before the decoder recurses; metadata (JSON) stays under METADATA_MAX_BYTES so a row
# always fits the Data API's 64 KB per returned row.
API_MAX_BODY_BYTES = env_int(os.environ, "API_MAX_BODY_BYTES", 256 * 1024, 1024, 4 * 1024 * 1024)
API_MAX_JSON_DEPTH = env_int(os.environ, "API_MAX_JSON_DEPTH", 32, 2, 256)
METADATA_MAX_BYTES = env_int(os.environ, "METADATA_MAX_BYTES", 16 * 1024, 256, 60 * 1024)
# Failed authentications (401, and 403 for a tenant one may not enter) per client address within a minute before
# its tenant requests are refused (429) without reaching the database.
API_AUTH_FAILURES_PER_MINUTE = env_int(os.environ, "API_AUTH_FAILURES_PER_MINUTE", 20, 1, 10_000)
# Throttle counters and the /health cache live in Django's cache: per process by default; set CACHE_URL (e.g.
# redis://host:6379/0, or dbcache://hospitality_cache after `createcachetable`) to share them between processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://hospitality")}

SPECTACULAR_SETTINGS = {
    "TITLE": "hospitality tenant API",
    "DESCRIPTION": "Entities, bookings and relationships of one tenant, isolated by PostgreSQL row-level security.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bookings.api.schema.empty_query_values_are_absent",
    ],
}
