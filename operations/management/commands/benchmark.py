"""The seed guide's scenarios over both transports (Data API and direct PostgreSQL), with latency injected into the
emulator to stand in for the network to AWS: simple SELECT, JOIN, RLS transaction, the list and detail endpoints.
Over the Data API the endpoints are measured twice in the same run: reads as one statement each (as served) and
reads in a transaction (TENANT_ONE_STATEMENT_READS=False, the path before). Every scenario is measured in --rounds
interleaved rounds (each a share of --iterations), so that a drift of the machine reaches all of them alike and the
p50 of each round shows the run's noise. Prints avg/p50/p95 and Data API calls per request; saves JSON and an HTML
chart.

Requests are measured as a deployed function serves them: with DEBUG off (a DEBUG process logs every query, about a
millisecond of a list request), and with each scenario's settings (the transport, one-statement reads) applied once
around its batch of requests rather than around each request (overriding settings is the harness's cost, not a
request's)."""

import functools
import itertools
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
from tenants.conf import conf as tenancy_settings
from tenants.context import TenantContext, tenant_block
from tenants.models import Membership

LIST_PATH = "/api/bookings/"
# what a one-statement read must stay within at the injected latency (ms per call): its one call, plus this
ONE_STATEMENT_TARGET_MS = 40.0
JOIN_SQL = (
    "SELECT b.id, b.guest_name, e.name FROM bookings b JOIN entities e ON e.id = b.property_id "
    "ORDER BY b.check_in DESC LIMIT 50"
)


class CallPhases:
    """Where a request's time goes around its one Data API call, from botocore's events on the driver's client:
    Django before the call, botocore building and signing it, waiting for the answer (the injected latency, the
    service, the wire), botocore parsing it, Django after it. None for a request that made another number of calls
    (a transaction's four, a retry)."""

    EVENTS = ("before-call", "before-send", "before-parse", "after-call")
    NAMES = (
        "Django before the call",
        "botocore's request",
        "waiting for the answer",
        "parsing the answer",
        "Django after the call",
    )

    def __init__(self, client):
        self.events = client.meta.events
        self.marks: list[tuple[str, float]] = []
        for event in self.EVENTS:
            self.events.register(f"{event}.rds-data", functools.partial(self._mark, event), unique_id=self._id(event))

    def close(self) -> None:
        for event in self.EVENTS:
            self.events.unregister(f"{event}.rds-data", unique_id=self._id(event))

    @staticmethod
    def _id(event: str) -> str:
        return f"benchmark-phases-{event}"

    def _mark(self, event: str, **kwargs) -> None:
        self.marks.append((event, time.perf_counter()))

    def around(self, fn) -> tuple[float, list[float] | None]:
        """fn()'s wall time in ms, and its phases in ms when it made exactly one call."""
        self.marks.clear()
        started = time.perf_counter()
        fn()
        ended = time.perf_counter()
        if [event for event, _ in self.marks] != list(self.EVENTS):
            return (ended - started) * 1000, None
        times = [started, *(at for _, at in self.marks), ended]
        return (ended - started) * 1000, [(b - a) * 1000 for a, b in itertools.pairwise(times)]


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
        parser.add_argument(
            "--rounds",
            type=int,
            help="interleaved rounds of --iterations/rounds requests per scenario (default: 3, or --iterations if "
            "fewer); the verdict gives each round's p50",
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

    def handle(self, *args, iterations, latency_ms, output, profile, rounds=None, **options):
        if iterations < 1:
            raise CommandError(f"--iterations must be at least 1, not {iterations}")
        rounds = min(3, iterations) if rounds is None else rounds
        if not 1 <= rounds <= iterations:
            raise CommandError(f"--rounds must be between 1 and --iterations ({iterations}), not {rounds}")
        if PG_ALIAS not in settings.DATABASES or not tenancy_settings.USE_DATA_API:
            raise CommandError("needs both transports: USE_DATA_API=true and TENANT_DATABASE_URL (make run sets both)")
        with override_settings(DEBUG=False):
            self._run(iterations, rounds, latency_ms, Path(output), profile)

    def _run(self, iterations, rounds, latency_ms, output, profile):
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
        detail = self._detail_path(token)
        plan = []  # (scenario, transport, settings it runs under, measure)
        connections[TENANT_ALIAS].ensure_connection()
        self._phases = CallPhases(connections[TENANT_ALIAS].connection.transport.client)
        try:
            for transport, alias in (("data-api", TENANT_ALIAS), ("pg", PG_ALIAS)):
                served = _served(transport)
                scenarios = {
                    "simple SELECT": ({}, lambda a=alias: self._select(a)),
                    "JOIN": ({}, lambda a=alias: self._in_tenant(context, a, [JOIN_SQL])),
                    "RLS transaction": (
                        {},
                        lambda a=alias: self._in_tenant(
                            context, a, ["SELECT count(*) FROM bookings", JOIN_SQL, "SELECT count(*) FROM entities"]
                        ),
                    ),
                    "list endpoint": (served, lambda: self._endpoint(token, LIST_PATH)),
                    "detail endpoint": (served, lambda: self._endpoint(token, detail)),
                }
                if transport == "data-api":
                    in_transaction = _served(transport, one_statement=False)
                    for name, path in (("list endpoint", LIST_PATH), ("detail endpoint", detail)):
                        scenarios[f"{name} in a transaction"] = (
                            in_transaction,
                            lambda p=path: self._endpoint(token, p),
                        )
                plan += [(name, transport, overrides, fn) for name, (overrides, fn) in scenarios.items()]
            rounds_measured: dict[str, list[dict]] = {}
            for number in range(rounds):
                share = iterations // rounds + (number < iterations % rounds)
                for name, transport, overrides, fn in plan:
                    label = f"{name} ({transport})"
                    with override_settings(**overrides):
                        part = self._measure(f"{label} {number + 1}/{rounds}", fn, share)
                    rounds_measured.setdefault(label, []).append(part)
            results = {label: _merged(parts) for label, parts in rounds_measured.items()}
            if profile:
                with override_settings(**_served("data-api")):
                    self._profile(lambda: self._endpoint(token, LIST_PATH), iterations, profile)
        finally:
            self._phases.close()
            if endpoint and latency_ms:
                self._emulator(endpoint).faults(latency_ms=0, jitter_ms=0)
        self._report(results, output, latency_ms)

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

    def _endpoint(self, token, path):
        response = self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}: {response.content[:200]!r}")
        return response

    def _detail_path(self, token):
        with override_settings(**_served("data-api")):
            first = self._endpoint(token, f"{LIST_PATH}?page_size=1").json()["results"]
        if not first:
            raise CommandError("the member's tenant has no booking: run `manage.py seed_demo` first")
        return f"{LIST_PATH}{first[0]['id']}/"

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
                "iss": tenancy_settings.TENANT_JWT_ISSUER,
                "aud": tenancy_settings.TENANT_JWT_AUDIENCE,
                "iat": now,
                "exp": now + 3600,
            },
            tenancy_settings.TENANT_JWT_SECRET,
            algorithm=tenancy_settings.TENANT_JWT_ALGORITHM,
        )

    @staticmethod
    def _emulator(endpoint):
        # only against the local emulator (--latency-ms), which is not part of the deployed artifact
        from dataapi_emulator.control import EmulatorControl

        return EmulatorControl(endpoint)

    # -- measuring --------------------------------------------------------------------------------------------------
    def _measure(self, label, fn, iterations):
        metrics = connections[TENANT_ALIAS].data_api_metrics
        fn()  # warm-up: connections, the server version, boto3's client
        before = sum(metrics.snapshot()["calls"].values())
        in_calls_before = sum(metrics.latency_ms_total.values())
        samples, phases = [], []
        for i in range(iterations):
            elapsed, request_phases = self._phases.around(fn)
            samples.append(elapsed)
            phases.append(request_phases)
            done = int(30 * (i + 1) / iterations)
            self.stdout.write(
                f"\r  {label:<48} [{'#' * done}{'.' * (30 - done)}] {i + 1}/{iterations}",
                ending="",
            )
            self.stdout.flush()
        self.stdout.write("")
        calls = (sum(metrics.snapshot()["calls"].values()) - before) / iterations
        in_calls = (sum(metrics.latency_ms_total.values()) - in_calls_before) / iterations
        return {
            "p50_ms": round(statistics.median(samples), 2),
            "phases_ms": phases if None not in phases else None,
            "data_api_calls_per_request": calls,
            # wall time inside the Data API calls (the injected latency, the emulator's work, botocore's parsing)
            "data_api_ms_per_request": round(in_calls, 2),
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

    def _verdict(self, name, results, latency_ms):
        """The endpoint's calls and p50 over the Data API, beside the same endpoint with its reads in a transaction."""
        served, before = results.get(f"{name} (data-api)"), results.get(f"{name} in a transaction (data-api)")
        if not served or not before:
            return
        # the target at 20 ms a call: 40 ms; scaled with the latency injected otherwise
        target = ONE_STATEMENT_TARGET_MS * latency_ms / 20
        verdict = "met" if served["p50_ms"] <= target else "NOT met"
        self.stdout.write(
            f"{name} over the Data API: {served['data_api_calls_per_request']:g} call(s) a request, p50 "
            f"{served['p50_ms']:.1f} ms (avg {served['avg_ms']:.1f}, p95 {served['p95_ms']:.1f}, "
            f"{len(served['samples_ms'])} requests; p50 of each round {_listed(served['round_p50_ms'])}; on average "
            f"{served['data_api_ms_per_request']:.1f} ms inside the call, the rest in Django); "
            f"target <= {target:.0f} ms at {latency_ms:g} ms a call: {verdict}. "
            f"Reads in a transaction: {before['data_api_calls_per_request']:g} calls, p50 {before['p50_ms']:.1f} ms "
            f"(rounds {_listed(before['round_p50_ms'])}; {before['data_api_ms_per_request']:.1f} ms inside them)"
        )
        if served["phases_p50_ms"]:
            phases = ", ".join(f"{phase} {ms:.1f}" for phase, ms in served["phases_p50_ms"].items())
            self.stdout.write(f"  {name}, p50 of each phase around its call (ms): {phases}")

    def _report(self, results, output: Path, latency_ms):
        self.stdout.write(f"\nmeasured with DEBUG {'on' if settings.DEBUG else 'off, as a deployed function serves'}")
        self.stdout.write(f"{'scenario':<46} {'avg ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'Data API calls':>15}")
        for name, r in results.items():
            self.stdout.write(
                f"{name:<46} {r['avg_ms']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                f"{r['data_api_calls_per_request']:>15.1f}"
            )
        if latency_ms:
            for name in ("list endpoint", "detail endpoint"):
                self._verdict(name, results, latency_ms)
        output.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        json_path = output / f"benchmark-{stamp}.json"
        json_path.write_text(
            json.dumps({"injected_latency_ms": latency_ms, "debug": settings.DEBUG, "results": results}, indent=2)
        )
        chart = output / f"benchmark-{stamp}.html"
        chart.write_text(
            line_chart_html(
                f"benchmark, {latency_ms:g} ms injected per Data API call",
                list(range(len(next(iter(results.values()))["samples_ms"]))),
                {f"{k} latency (ms)": v["samples_ms"] for k, v in results.items()},
            )
        )
        self.stdout.write(self.style.SUCCESS(f"results: {json_path}\nchart:   {chart}"))


def _served(transport: str, *, one_statement: bool = True) -> dict:
    """The settings under which the tenant API serves a request over `transport` (`data-api` or `pg`)."""
    return {
        "DATA_API_ROLLOUT_PERCENTAGE": 100 if transport == "data-api" else 0,
        "TENANT_ONE_STATEMENT_READS": one_statement,
    }


def _merged(parts: list[dict]) -> dict:
    """One scenario's rounds as one result: statistics over every request, each round's p50 beside them."""
    samples = sorted(sample for part in parts for sample in part["samples_ms"])
    weights = [len(part["samples_ms"]) for part in parts]

    def mean(key: str) -> float:
        return sum(part[key] * weight for part, weight in zip(parts, weights, strict=True)) / sum(weights)

    phases = None
    if all(part["phases_ms"] for part in parts):
        requests = [request for part in parts for request in part["phases_ms"]]
        phases = {
            name: round(statistics.median(request[i] for request in requests), 2)
            for i, name in enumerate(CallPhases.NAMES)
        }
    return {
        "avg_ms": round(statistics.fmean(samples), 2),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": samples[int(0.95 * (len(samples) - 1))],
        "round_p50_ms": [part["p50_ms"] for part in parts],
        # p50 of each phase around the request's one call (None: not one call a request)
        "phases_p50_ms": phases,
        "data_api_calls_per_request": mean("data_api_calls_per_request"),
        "data_api_ms_per_request": round(mean("data_api_ms_per_request"), 2),
        "samples_ms": samples,
    }


def _listed(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)
