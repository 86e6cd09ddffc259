"""Every setting `tenants` reads, with its default: a project that defines none of them still gets a working app
(API tokens only, no JWTs, direct PostgreSQL). Read through `conf.NAME` at use, so tests' overrides apply.

Django's own settings (AUTH_USER_MODEL, DATABASES, DATABASE_ROUTERS) are read from django.conf.settings directly.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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
    """Each setting as a typed property, read from django.conf.settings at use (tests' overrides apply), else its
    default above."""

    @staticmethod
    def _get(name: str) -> Any:
        return getattr(settings, name, DEFAULTS[name])

    @property
    def TENANT_JWT_ALGORITHM(self) -> str:
        return self._get("TENANT_JWT_ALGORITHM")

    @property
    def TENANT_JWT_SECRET(self) -> str:
        return self._get("TENANT_JWT_SECRET")

    @property
    def TENANT_JWT_PUBLIC_KEY(self) -> str:
        return self._get("TENANT_JWT_PUBLIC_KEY")

    @property
    def TENANT_JWT_ISSUER(self) -> str:
        return self._get("TENANT_JWT_ISSUER")

    @property
    def TENANT_JWT_AUDIENCE(self) -> str:
        return self._get("TENANT_JWT_AUDIENCE")

    @property
    def TENANT_JWT_MAX_LIFETIME(self) -> int:
        return self._get("TENANT_JWT_MAX_LIFETIME")

    @property
    def TENANT_CONTEXT_KEYS(self) -> list[tuple[str, bytes]]:
        return self._get("TENANT_CONTEXT_KEYS")

    @property
    def TENANT_CONTEXT_KEYS_SECRET_ARN(self) -> str:
        return self._get("TENANT_CONTEXT_KEYS_SECRET_ARN")

    @property
    def TENANT_CONTEXT_KEYS_REFRESH(self) -> int:
        return self._get("TENANT_CONTEXT_KEYS_REFRESH")

    @property
    def TENANT_STATEMENT_TIMEOUT(self) -> float:
        return self._get("TENANT_STATEMENT_TIMEOUT")

    @property
    def TENANT_ONE_STATEMENT_READS(self) -> bool:
        return self._get("TENANT_ONE_STATEMENT_READS")

    @property
    def TENANT_EXTERNAL_IDENTITIES(self) -> bool:
        return self._get("TENANT_EXTERNAL_IDENTITIES")

    @property
    def TRUST_UPSTREAM_TENANT_HEADERS(self) -> bool:
        return self._get("TRUST_UPSTREAM_TENANT_HEADERS")

    @property
    def TRUSTED_PROXIES(self) -> tuple[IPAddress | IPNetwork, ...]:
        return self._get("TRUSTED_PROXIES")

    @property
    def API_TOKEN_LIFETIME_DAYS(self) -> int:
        return self._get("API_TOKEN_LIFETIME_DAYS")

    @property
    def API_AUTH_FAILURES_PER_MINUTE(self) -> int:
        return self._get("API_AUTH_FAILURES_PER_MINUTE")

    @property
    def USE_DATA_API(self) -> bool:
        return self._get("USE_DATA_API")

    @property
    def DATA_API_ROLLOUT_PERCENTAGE(self) -> int:
        return self._get("DATA_API_ROLLOUT_PERCENTAGE")


conf = Settings()
