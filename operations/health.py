"""GET /health: status, the tenant path's adapter, per-alias reachability and latency, migrations, the RLS audit,
the version. No secrets. 503 when a database alias is unreachable or the RLS audit has findings. The audit and
migration checks are cached
for a minute: a load balancer probing every few seconds must not cost a catalog scan each time."""

from __future__ import annotations

import hmac
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenants.aliases import TENANT_ALIAS, TRUSTED_ALIAS, tenant_aliases, transport_of
from tenants.conf import conf as tenancy_settings

from .conf import conf

CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, object]] = {}
_cache_lock = threading.Lock()


def forget_cached() -> None:
    """Drop the cached probes (after a snapshot restore they describe another moment)."""
    _cache.clear()


def _cached(key: str, compute, ttl: float = CACHE_SECONDS):
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    value = compute()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def _probe(alias: str) -> dict:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"adapter": transport_of(alias), "reachable": False, "error": type(exc).__name__}
    return {
        "adapter": transport_of(alias),
        "reachable": True,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _migrations() -> dict:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[TRUSTED_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"applied": not pending, "pending": len(pending)}


def _rls(using: str) -> dict:
    from tenants import audit, rls

    findings = audit.audit(using)
    failed = [f for f in audit.failures(findings) if f.code not in audit.PINNED_AT_ENTRY]
    report = {"ok": not failed, "findings": len(failed), "tables": len(rls.tenant_tables())}
    if pinned := [f.message for f in findings if f.code in audit.PINNED_AT_ENTRY]:
        report["pinned_at_entry"] = pinned  # e.g. a role-level setting the app role gave itself: repair it
    if transitional := [f.message for f in findings if f.transitional]:
        report["transitional"] = transitional  # the seed app's window: named with its end date, failing nothing
    return report


def app_aliases() -> list[str]:
    """The aliases this process serves with; in the tenant API function `default` is the app role again."""
    tenant = tenant_aliases()
    return tenant if conf.HOSPITALITY_FUNCTION == "tenant-api" else [TRUSTED_ALIAS, *tenant]


def may_see_details(request) -> bool:
    """Anonymous callers (load balancers, the internet) get the status only; staff sessions and holders of
    HEALTH_TOKEN (header `X-Health-Token`) get the per-alias detail."""
    token = conf.HEALTH_TOKEN
    if token and hmac.compare_digest(request.headers.get("X-Health-Token", "").encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


@never_cache
@require_GET
def health(request):
    # The probes run at most once per HEALTH_CACHE_SECONDS per process, whoever asks: a flood of /health requests
    # (anonymous, from anywhere) never becomes a flood of database calls.
    body, status = _cached("report", _report, ttl=conf.HEALTH_CACHE_SECONDS)
    if not may_see_details(request):
        body = {"status": body["status"]}
    return JsonResponse(body, status=status)


def _report() -> tuple[dict, int]:
    aliases = {alias: _probe(alias) for alias in app_aliases()}
    reachable = all(a["reachable"] for a in aliases.values())
    tenant_alias = TENANT_ALIAS
    body = {
        "status": "ok" if reachable else "unavailable",
        "version": conf.APP_VERSION,
        "function": conf.HOSPITALITY_FUNCTION,
        "database": {
            "adapter": transport_of(tenant_alias) if tenant_alias in settings.DATABASES else None,
            "aliases": aliases,
            "rollout_percentage": tenancy_settings.DATA_API_ROLLOUT_PERCENTAGE if tenancy_settings.USE_DATA_API else 0,
        },
    }
    audit_alias = app_aliases()[0]
    if aliases[audit_alias]["reachable"]:
        try:
            if conf.HOSPITALITY_FUNCTION != "tenant-api":  # the app role may not read django_migrations
                body["migrations"] = _cached("migrations", _migrations)
            body["rls"] = _cached("rls", lambda: _rls(audit_alias))
        except DatabaseError as exc:
            body["status"] = "degraded"
            body["checks_error"] = type(exc).__name__
        if not body.get("migrations", {}).get("applied", True) or body.get("rls", {}).get("pinned_at_entry"):
            body["status"] = "degraded"
    isolation_broken = not body.get("rls", {}).get("ok", True)
    if isolation_broken:
        # An instance that would serve tenants without isolation must be pulled by the load balancer.
        body["status"] = "unsafe"
    return body, 200 if reachable and not isolation_broken else 503
