"""The two tenant transports under the same injected latency per database call: the Data API (Django → boto3 →
emulator → PostgreSQL; latency added by the emulator to every call) and direct PostgreSQL (Django → psycopg with
persistent connections → PostgreSQL; latency added by a wire proxy to every round trip).

Each request goes through the whole stack (Django's test client → middleware → DRF → the tenant alias → RLS) with a
tenant JWT: a list of 20 bookings with its count, a create, and a create with an Idempotency-Key (what the key
costs). Each transport runs in its own process (settings are
per process). Prints median/p95 per request and database round trips per request; appends to
benchmarks/results/transport.jsonl.

    python -m benchmarks.transport_bench            (the dev stack must be up: `make bench` prepares it)
    TRANSPORT_BENCH_LATENCIES=0,2,10 TRANSPORT_BENCH_REQUESTS=100 python -m benchmarks.transport_bench
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid

from benchmarks.common import ROOT, load_stack_env, per_call_ms

LATENCIES = [float(x) for x in os.environ.get("TRANSPORT_BENCH_LATENCIES", "0,5").split(",")]
REQUESTS = int(os.environ.get("TRANSPORT_BENCH_REQUESTS", 100))
RESULTS = ROOT / "benchmarks" / "results" / "transport.jsonl"


def measure(transport: str, latency_ms: float) -> dict:
    """In this process (a child): configure Django for the transport, inject the latency, time the requests."""
    os.environ["USE_DATA_API"] = "true" if transport == "data-api" else "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "hospitality.settings"
    import django

    django.setup()
    import jwt
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from bookings.models import Booking, Entity
    from dataapi_emulator.control import EmulatorControl
    from devstack.pg_proxy import PgProxy
    from tenants.aliases import TENANT_ALIAS
    from tenants.context import trusted_scope
    from tenants.models import IdempotencyKey, Membership, Tenant

    alias = TENANT_ALIAS
    if transport == "data-api":
        control = EmulatorControl(settings.DATABASES[alias]["OPTIONS"]["endpoint_url"])
        control.faults(latency_ms=latency_ms, jitter_ms=0, rules=[])
        calls = connections[alias].data_api_metrics
    else:
        db = connections[alias].settings_dict
        proxy = PgProxy(db["HOST"], int(db["PORT"]))
        proxy.delay(latency_ms)
        db.update(HOST="127.0.0.1", PORT=str(proxy.port), OPTIONS={**db.get("OPTIONS", {}), "sslmode": "disable"})

    with trusted_scope():
        tenant = Tenant.objects.order_by("id").first()
        if tenant is None:
            sys.exit("no tenant in the dev database: run `make run` or `python -m devstack prepare`")
        user, _ = get_user_model().objects.get_or_create(username="bench-transport")
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": "owner"})
        hotel = Entity.objects.filter(tenant=tenant).order_by("id").first()
    now = int(time.time())
    token = jwt.encode(
        {
            "tenantId": tenant.id,
            "userId": str(user.pk),
            "role": "owner",
            "iat": now,
            "exp": now + 3600,
            "iss": settings.TENANT_JWT_ISSUER,
            "aud": settings.TENANT_JWT_AUDIENCE,
        },
        settings.TENANT_JWT_SECRET,
        algorithm="HS256",
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {
        "property": str(hotel.pk),
        "room": str(hotel.pk),
        "guest_name": "Bench Guest",
        "guest_email": "bench@example.com",
        "check_in": "2030-01-01",
        "check_out": "2030-01-02",
        "total_amount": "10.00",
        "guest_id": "bench-transport",
    }

    def listing():
        assert client.get("/api/bookings/?page_size=20").status_code == 200

    def create():
        assert client.post("/api/bookings/", body, content_type="application/json").status_code == 201

    def create_with_key():
        response = client.post(
            "/api/bookings/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
        assert response.status_code == 201

    def per_request(fn) -> float:
        """Database round trips of one request (Data API calls, or messages the client waited on)."""
        if transport == "data-api":
            before = sum(calls.snapshot()["calls"].values())
            fn()
            return sum(calls.snapshot()["calls"].values()) - before
        before = proxy.round_trips
        fn()
        return proxy.round_trips - before

    try:
        result = {"transport": transport, "latency_ms": latency_ms}
        for name, fn in (("list", listing), ("create", create), ("create_keyed", create_with_key)):
            median, p95 = per_call_ms(fn, REQUESTS)
            result[name] = {"median_ms": round(median, 2), "p95_ms": round(p95, 2), "round_trips": per_request(fn)}
        return result
    finally:
        with trusted_scope():
            Booking.objects.filter(tenant=tenant, guest_id="bench-transport").delete()
            IdempotencyKey.objects.filter(tenant=tenant).delete()
        if transport == "data-api":
            control.clear_faults()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(measure(sys.argv[2], float(sys.argv[3]))))
        return
    env = load_stack_env()
    print(f"Tenant API per request, {REQUESTS} requests each (median / p95 ms; database round trips per request)")
    print(f"  {'transport':<10} {'latency/call':>12}  {'list 20':>22}  {'create':>22}  {'create + key':>22}")
    rows = []
    for latency in LATENCIES:
        for transport in ("data-api", "pg"):
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.transport_bench", "--child", transport, str(latency)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if out.returncode:
                sys.exit(f"{transport} at {latency} ms failed:\n{out.stderr[-3000:]}")
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            cells = [
                f"{row[k]['median_ms']:7.2f} / {row[k]['p95_ms']:7.2f} ({row[k]['round_trips']:.0f})"
                for k in ("list", "create", "create_keyed")
            ]
            print(f"  {transport:<10} {latency:>9.1f} ms  " + "  ".join(f"{c:>22}" for c in cells), flush=True)
    with RESULTS.open("a") as f:
        f.write(
            json.dumps(
                {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "requests": REQUESTS, "rows": rows}
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
