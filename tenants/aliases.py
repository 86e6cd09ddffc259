"""The tenant aliases, named here only, and which one serves a tenant: the Data API (`tenant`) or direct
PostgreSQL (`tenant_pg`); on the direct-only configuration (USE_DATA_API=false) `tenant` is direct PostgreSQL.

USE_DATA_API switches everyone; DATA_API_ROLLOUT_PERCENTAGE sends that share of tenants to the Data API, bucketed
by a hash of the tenant id, so a tenant never flaps between transports and raising the percentage only moves
tenants one way. Rolling back is one variable: USE_DATA_API=false (or the percentage to 0).
"""

from __future__ import annotations

import hashlib

from django.conf import settings

from .conf import conf

TENANT_ALIAS = "tenant"  # the tenant path: the Data API, or direct PostgreSQL when USE_DATA_API=false
PG_ALIAS = "tenant_pg"  # direct PostgreSQL beside the Data API during a rollout (DATA_API_ROLLOUT_PERCENTAGE)
TRUSTED_ALIAS = "default"  # the trusted path (admin, commands): a BYPASSRLS role


def rollout_bucket(tenant_id: str) -> int:
    """0-99, stable for a tenant id across processes and releases."""
    return int.from_bytes(hashlib.sha256(tenant_id.encode()).digest()[:8], "big") % 100


def uses_data_api(tenant_id: str | None, *, use_data_api: bool, percentage: int) -> bool:
    if not use_data_api:
        return False
    if percentage >= 100 or tenant_id is None:
        return True
    return rollout_bucket(tenant_id) < percentage


def default_alias() -> str:
    return TENANT_ALIAS


def alias_for(tenant_id: str | None) -> str:
    if (
        conf.USE_DATA_API
        and PG_ALIAS in settings.DATABASES
        and not uses_data_api(tenant_id, use_data_api=True, percentage=conf.DATA_API_ROLLOUT_PERCENTAGE)
    ):
        return PG_ALIAS
    return TENANT_ALIAS


def tenant_aliases() -> list[str]:
    return [a for a in (TENANT_ALIAS, PG_ALIAS) if a in settings.DATABASES]


def transport_of(alias: str) -> str:
    """`data-api` or `pg`: the transport behind a database alias."""
    from django.db import connections

    return "data-api" if connections[alias].settings_dict["ENGINE"] == "dataapi_backend" else "pg"
