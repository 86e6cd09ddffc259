"""GET /health: liveness and which transport each database alias uses. No secrets in the body."""

import time

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.http import require_GET


APP_ALIASES = ("default", "tenant")  # the trusted path and the RLS path


def _adapter(alias: str) -> str:
    return "data-api" if connections[alias].settings_dict["ENGINE"] == "dataapi_backend" else "pg"


def _probe(alias: str) -> dict:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"adapter": _adapter(alias), "reachable": False, "error": type(exc).__name__}
    return {"adapter": _adapter(alias), "reachable": True,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


@require_GET
def health(request):
    aliases = {alias: _probe(alias) for alias in APP_ALIASES}
    ok = all(a["reachable"] for a in aliases.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"adapter": _adapter("tenant"), "aliases": aliases},
    }
    return JsonResponse(body, status=200 if ok else 503)
