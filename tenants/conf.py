"""Every setting `tenants` reads, with its default: a project that defines none of them still gets a working app
(API tokens only, no JWTs, direct PostgreSQL). Read through `conf.NAME` at use, so tests' overrides apply.

Django's own settings (AUTH_USER_MODEL, DATABASES, DATABASE_ROUTERS) are read from django.conf.settings directly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # tenant JWTs: HS256 with TENANT_JWT_SECRET, or RS256 & co with TENANT_JWT_PUBLIC_KEY; "" switches a check off
    "TENANT_JWT_ALGORITHM": "HS256",
    "TENANT_JWT_SECRET": "",
    "TENANT_JWT_PUBLIC_KEY": "",
    "TENANT_JWT_ISSUER": "hospitality",
    "TENANT_JWT_AUDIENCE": "hospitality-api",
    "TENANT_JWT_MAX_LIFETIME": 3600,  # seconds between a JWT's iat and exp, at most
    # [(key id, secret bytes)], the first signs: the tenant contexts the database verifies
    "TENANT_CONTEXT_KEYS": [],
    # a Secrets Manager secret holding the signing keys (tenants/key_secret.py), read again this often (seconds)
    "TENANT_CONTEXT_KEYS_SECRET_ARN": "",
    "TENANT_CONTEXT_KEYS_REFRESH": 300,
    # the statement timeout of every tenant transaction, in seconds (the app's request budget)
    "TENANT_STATEMENT_TIMEOUT": 15.0,
    # a read-only unit of work over the Data API sends each read as one statement (entering + query, no
    # transaction): 1 call instead of 4 (tenants/one_statement.py); False sends every read through a transaction
    "TENANT_ONE_STATEMENT_READS": True,
    # JWT userId / X-User-Id are the identity provider's ids (Membership.external_id)
    "TENANT_EXTERNAL_IDENTITIES": False,
    # X-Tenant-Id / X-User-Id are trusted as set by an upstream authenticator
    "TRUST_UPSTREAM_TENANT_HEADERS": False,
    # peers whose X-Forwarded-For is believed: addresses and networks (ipaddress objects)
    "TRUSTED_PROXIES": (),
    "API_TOKEN_LIFETIME_DAYS": 90,
    "API_AUTH_FAILURES_PER_MINUTE": 20,  # per client address, before 429
    # the tenant path's transport: the Data API for this share of tenants (0-100), else direct PostgreSQL
    "USE_DATA_API": False,
    "DATA_API_ROLLOUT_PERCENTAGE": 100,
}


class Settings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"tenants has no setting {name!r}")
        return getattr(settings, name, DEFAULTS[name])


conf = Settings()
