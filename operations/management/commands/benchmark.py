"""The seed guide's scenarios over both transports (Data API and direct PostgreSQL), with latency injected into the
emulator to stand in for the network to AWS: simple SELECT, JOIN, RLS transaction, list endpoint. Prints avg/p50/
p95 and Data API calls per request; saves JSON and an HTML chart."""

import json
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test import Client
from django.test.utils import override_settings

from operations.charts import line_chart_html
from tenants.aliases import PG_ALIAS, TENANT_ALIAS
from tenants.context import TenantContext, tenant_block
from tenants.models import Membership

JOIN_SQL = (
    "SELECT b.id, b.guest_name, e.name FROM bookings b JOIN entities e ON e.id = b.property_id "
    "ORDER BY b.check_in DESC LIMIT 50"
)


class Command(BaseCommand):
    help = __doc__
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=50)
        parser.add_argument(
            "--latency-ms",
            type=float,
            default=20.0,
            help="mean latency injected per Data API call by the emulator, spread evenly over ±1/8 of it (0 to leave "
            "it alone)",
        )
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / ".local" / "benchmarks"))
        parser.add_argument(
            "--profile",
            type=int,
            default=0,
            metavar="N",
            help="also profile the list endpoint over the Data API (cProfile, --iterations requests) and print its N "
            "most expensive functions by own time",
        )

    def handle(self, *args, iterations, latency_ms, output, profile, **options):
        if PG_ALIAS not in settings.DATABASES or not settings.USE_DATA_API:
            raise CommandError("needs both transports: USE_DATA_API=true and TENANT_DATABASE_URL (make run sets both)")
        member = Membership.objects.select_related("user").filter(tenant__is_active=True).order_by("id").first()
        if member is None:
            raise CommandError("no tenant membership: run `manage.py seed_demo` first")
        endpoint = settings.DATABASES[TENANT_ALIAS]["OPTIONS"].get("endpoint_url")
        if endpoint and latency_ms:
            # the emulator adds 0..jitter to its latency: centred, so that calls take latency_ms on average
            jitter = latency_ms / 4
            self._emulator(endpoint).faults(latency_ms=latency_ms - jitter / 2, jitter_ms=jitter)
        context = TenantContext(member.tenant_id, str(member.user_id), member.role)
        token = self._jwt(member)
        results = {}
        try:
            for transport, alias in (("data-api", TENANT_ALIAS), ("pg", PG_ALIAS)):
                scenarios = {
                    "simple SELECT": lambda a=alias: self._select(a),
                    "JOIN": lambda a=alias: self._in_tenant(context, a, [JOIN_SQL]),
                    "RLS transaction": lambda a=alias: self._in_tenant(
                        context, a, ["SELECT count(*) FROM bookings", JOIN_SQL, "SELECT count(*) FROM entities"]
                    ),
                    "list endpoint": lambda t=transport: self._endpoint(token, t),
                }
                for name, fn in scenarios.items():
                    results[f"{name} ({transport})"] = self._measure(name, transport, fn, iterations)
            if profile:
                self._profile(lambda: self._endpoint(token, "data-api"), iterations, profile)
        finally:
            if endpoint and latency_ms:
                self._emulator(endpoint).faults(latency_ms=0, jitter_ms=0)
        self._report(results, Path(output), latency_ms)

    # -- scenarios --------------------------------------------------------------------------------------------------
    @staticmethod
    def _select(alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()

    @staticmethod
    def _in_tenant(context, alias, statements):
        with tenant_block(context, using=alias), connections[alias].cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    def _endpoint(self, token, transport):
        with override_settings(DATA_API_ROLLOUT_PERCENTAGE=100 if transport == "data-api" else 0):
            response = self.client.get("/api/bookings/", HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            raise CommandError(f"list endpoint answered {response.status_code}: {response.content[:200]!r}")

    @property
    def client(self):
        if not hasattr(self, "_client"):
            self._client = Client()
        return self._client

    @staticmethod
    def _jwt(member):
        import jwt

        now = int(time.time())
        return jwt.encode(
            {
                "tenantId": member.tenant_id,
                "userId": str(member.user_id),
                "role": member.role,
                "iss": settings.TENANT_JWT_ISSUER,
                "aud": settings.TENANT_JWT_AUDIENCE,
                "iat": now,
                "exp": now + 3600,
            },
            settings.TENANT_JWT_SECRET,
            algorithm=settings.TENANT_JWT_ALGORITHM,
        )

    @staticmethod
    def _emulator(endpoint):
        # only against the local emulator (--latency-ms), which is not part of the deployed artifact
        from dataapi_emulator.control import EmulatorControl

        return EmulatorControl(endpoint)

    # -- measuring --------------------------------------------------------------------------------------------------
    def _measure(self, name, transport, fn, iterations):
        metrics = connections[TENANT_ALIAS].data_api_metrics
        fn()  # warm-up: connections, the server version, boto3's client
        before = sum(metrics.snapshot()["calls"].values())
        samples = []
        for i in range(iterations):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
            done = int(30 * (i + 1) / iterations)
            self.stdout.write(
                f"\r  {name + ' (' + transport + ')':<30} [{'#' * done}{'.' * (30 - done)}] {i + 1}/{iterations}",
                ending="",
            )
            self.stdout.flush()
        self.stdout.write("")
        calls = (sum(metrics.snapshot()["calls"].values()) - before) / iterations
        samples.sort()
        return {
            "avg_ms": round(statistics.fmean(samples), 2),
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
            "data_api_calls_per_request": calls,
            "samples_ms": [round(s, 2) for s in samples],
        }

    def _profile(self, fn, iterations, top):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [fn() for _ in range(iterations)])
        stats = pstats.Stats(profiler)
        entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
        total = sum(entry[2] for _, entry in entries)
        self.stdout.write(
            f"\nlist endpoint (data-api), profiled: {total / iterations * 1000:.1f} ms of own time a request "
            f"(cProfile's overhead included); the {top} largest shares, ms a request:"
        )
        for (filename, line, name), (_, calls, own, cumulative, _) in entries[:top]:
            where = filename.split("site-packages/")[-1].removeprefix(str(settings.BASE_DIR) + "/")
            self.stdout.write(
                f"  {own / iterations * 1000:7.2f} own {cumulative / iterations * 1000:7.2f} cum "
                f"{calls / iterations:8.1f} calls  {name} ({where}:{line})"
            )

    def _report(self, results, output: Path, latency_ms):
        self.stdout.write(f"\n{'scenario':<32} {'avg ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'Data API calls':>15}")
        for name, r in results.items():
            self.stdout.write(
                f"{name:<32} {r['avg_ms']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                f"{r['data_api_calls_per_request']:>15.1f}"
            )
        listing = results.get("list endpoint (data-api)")
        if listing and latency_ms:
            # the target: the calls (its queries + Begin, enter, Commit) at the injected latency, plus 15 ms
            target = listing["data_api_calls_per_request"] * latency_ms + 15
            verdict = "met" if listing["p50_ms"] <= target else "NOT met"
            queries = listing["data_api_calls_per_request"] - 3
            self.stdout.write(
                f"list endpoint over the Data API: p50 {listing['p50_ms']:.1f} ms over {len(listing['samples_ms'])} "
                f"requests (avg {listing['avg_ms']:.1f}, p95 {listing['p95_ms']:.1f}); target (Q+3)·{latency_ms:g} "
                f"ms + 15 ms = {target:.0f} ms for its {queries:g} {'query' if queries == 1 else 'queries'}: {verdict}"
            )
        output.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        json_path = output / f"benchmark-{stamp}.json"
        json_path.write_text(json.dumps({"injected_latency_ms": latency_ms, "results": results}, indent=2))
        chart = output / f"benchmark-{stamp}.html"
        chart.write_text(
            line_chart_html(
                f"benchmark, {latency_ms:g} ms injected per Data API call",
                list(range(len(next(iter(results.values()))["samples_ms"]))),
                {f"{k} latency (ms)": v["samples_ms"] for k, v in results.items()},
            )
        )
        self.stdout.write(self.style.SUCCESS(f"results: {json_path}\nchart:   {chart}"))
