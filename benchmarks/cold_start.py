"""Cold start of the packaged artifact (dist/lambda.zip), measured in fresh interpreters whose import path is the
unpacked artifact and the standard library only, as on Lambda: from process start to the first tenant response
(an API Gateway HTTP API v2 event for GET /api/bookings/ with an API token, through the local Data API emulator),
against the floor of process start + `import boto3` + one rds-data client. Median of N rounds (COLD_START_RUNS,
default 9), reported as a ratio to the floor (target <= 1.5x).

Also reported, one lever at a time, so each number says what it buys:
- tenant-api settings vs all apps (admin, sessions, messages, static files, docs loaded as in `make run`)
- bytecode compiled ahead (unchecked-hash) vs compiled from source at every cold start
- psycopg alone, which the tenant function no longer imports (dataapi_backend.postgresql_core; DRF's optional
  contrib.postgres import marked absent in a Data-API-only process)

And two references that are not the app, to say what the target asks of any Django project on this machine: the
floor plus the first response of an empty Django project (contenttypes and auth, one view, no database, no
middleware), and of the same project answering through a DRF APIView (both without psycopg, as the app).

Variants run interleaved, one of each per round, so that the machine's slower stretches weigh on all of them; the
ratio's spread over the rounds is printed beside it.

Run with `make bench` (which builds the artifact and prepares the dev stack), or alone after both.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infrastructure.package import runtime_python

ROOT = Path(__file__).resolve().parents[1]
ARTIFACT = ROOT / "dist" / "lambda.zip"
RESULTS = ROOT / "benchmarks" / "results" / "cold_start.jsonl"

# Each child prints the wall-clock time at which it finished; the parent noted the time before spawning it.
FLOOR = """
import sys, time
sys.path.insert(0, sys.argv[1])
import boto3
boto3.client("rds-data")
print(time.time())
"""

APP = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from hospitality.lambda_handler import handler
response = handler(json.loads(os.environ["COLD_START_EVENT"]), None)
assert response["statusCode"] == 200, response
print(time.time())
"""

IMPORT_PSYCOPG = """
import sys, time
sys.path.insert(0, sys.argv[1])
import psycopg
print(time.time())
"""


# The references: an empty project written beside the artifact (settings, one URL), booted like the app.
SKELETON_SETTINGS = """
SECRET_KEY = "cold-start-reference-" * 3
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"{drf}]
MIDDLEWARE = []
ROOT_URLCONF = "{urls}"
DATABASES = {{}}
USE_TZ = True
REST_FRAMEWORK = {{
    "DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [], "UNAUTHENTICATED_USER": None
}}
"""
SKELETON_URLS = {
    "reference_django_urls": """
from django.http import JsonResponse
from django.urls import path
urlpatterns = [path("hello/", lambda request: JsonResponse({"ok": True}))]
""",
    "reference_drf_urls": """
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView
class Hello(APIView):
    def get(self, request):
        return Response({"ok": True})
urlpatterns = [path("hello/", Hello.as_view())]
""",
}
SKELETON = """
import io, os, sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
sys.modules["django.contrib.postgres"] = None  # as in the app: DRF's optional import would load psycopg
import boto3
boto3.client("rds-data")
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/hello/", "SERVER_NAME": "localhost", "SERVER_PORT": "443",
           "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "https"}
status = []
b"".join(app(environ, lambda s, headers: status.append(s)))
assert status[0].startswith("200"), status
print(time.time())
"""


def write_references(directory: Path) -> None:
    for urls, code in SKELETON_URLS.items():
        (directory / f"{urls}.py").write_text(code)
        drf = ', "rest_framework"' if "drf" in urls else ""
        (directory / f"{urls.replace('urls', 'settings')}.py").write_text(SKELETON_SETTINGS.format(drf=drf, urls=urls))


def event_for(token: str) -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/bookings/",
        "rawQueryString": "",
        "headers": {"host": "localhost", "authorization": f"Token {token}", "x-forwarded-proto": "https"},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/api/bookings/",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "cold-start",
            },
            "domainName": "localhost",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def stack_env() -> dict[str, str]:
    path = ROOT / ".local" / "env"
    if not path.exists():
        sys.exit(f"{path} not found: prepare the dev stack first (`make bench` does it)")
    env = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[7:].partition("=")
            env[key] = value.strip("'")
    return env


def function_env(stack: dict, token: str, function: str) -> dict[str, str]:
    """The template's environment for the tenant API function, pointed at the local stack."""
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_FUNCTION_NAME": f"cold-start-{function}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL_RDS_DATA": stack["DATA_API_ENDPOINT"],
        "HOSPITALITY_FUNCTION": function,
        "USE_DATA_API": "true",
        "DB_CLUSTER_ARN": stack["DB_CLUSTER_ARN"],
        "DB_SECRET_ARN": stack["DB_SECRET_ARN"],
        "DATABASE_NAME": stack["DATABASE_NAME"],
        "DJANGO_SECRET_KEY": stack["DJANGO_SECRET_KEY"],
        "TENANT_JWT_SECRET": stack["TENANT_JWT_SECRET"],
        "TENANT_CONTEXT_KEYS": stack["TENANT_CONTEXT_KEYS"],
        "COLD_START_EVENT": json.dumps(event_for(token)),
        "DATA_API_METRICS_INTERVAL": "300",
    }
    if function == "all":
        env["DATABASE_URL"] = stack["DATABASE_URL"]  # the all-in-one process also holds the trusted path
    return env


def run_once(code: str, task_root: Path, env: dict, flags: tuple[str, ...] = (), extra: str = "") -> float:
    if "pycache_prefix" in flags:  # a fresh, empty cache each run: every module compiles from source
        flags = ("-X", f"pycache_prefix={tempfile.mkdtemp(prefix='cold-pyc-')}")
    started = time.time()
    # the template's runtime: the artifact's wheels and bytecode are for it
    out = subprocess.run(
        [runtime_python(), "-I", "-S", *flags, "-c", code, str(task_root), extra],
        env=env,
        cwd=task_root,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"run failed:\n{out.stderr[-3000:]}")
    return float(out.stdout.strip().splitlines()[-1]) - started


def measure(variants: dict[str, tuple], task_root: Path, n: int, extra: str) -> dict[str, list[float]]:
    """n runs of every variant, interleaved (one of each per round), so that a slower stretch of the machine
    weighs on every variant alike instead of on whichever ran then."""
    times: dict[str, list[float]] = {key: [] for key in variants}
    for i in range(n):
        for key, (code, env, flags) in variants.items():
            times[key].append(run_once(code, task_root, env, flags, extra))
        print(f"\r  round {i + 1}/{n} of {len(variants)} variants", end="", flush=True)
    print()
    return times


def main() -> None:
    if not ARTIFACT.exists():
        sys.exit(f"{ARTIFACT} not found: run `make package` first")
    stack = stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token = demo["api_tokens"]["alice@tenant-seaside-001"]
    n = int(os.environ.get("COLD_START_RUNS", 9))
    with tempfile.TemporaryDirectory(prefix="var-task-") as tmp, tempfile.TemporaryDirectory(prefix="ref-") as ref:
        task_root = Path(tmp)
        write_references(Path(ref))
        with zipfile.ZipFile(ARTIFACT) as zf:
            zf.extractall(task_root)
        base = {
            "PATH": "/usr/bin:/bin",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        print(f"cold start of {ARTIFACT.relative_to(ROOT)}, median of {n} fresh interpreters each")
        tenant = function_env(stack, token, "tenant-api")
        times = measure(
            {
                "floor": (FLOOR, base, ()),  # import boto3 + rds-data client
                "python": ("import sys, time; print(time.time())", base, ()),  # bare interpreter
                "tenant_api": (APP, tenant, ()),  # the shipped tenant-api function
                "all_apps": (APP, function_env(stack, token, "all"), ()),  # admin, sessions, docs, the direct path
                "no_bytecode": (APP, tenant, ("-X", "pycache_prefix")),  # bytecode compiled at every cold start
                "psycopg": (IMPORT_PSYCOPG, base, ()),  # what the tenant function no longer imports
                "django_hello": (SKELETON, {**base, "DJANGO_SETTINGS_MODULE": "reference_django_settings"}, ()),
                "drf_hello": (SKELETON, {**base, "DJANGO_SETTINGS_MODULE": "reference_drf_settings"}, ()),
            },
            task_root,
            n,
            ref,
        )
    r = {key: statistics.median(values) for key, values in times.items()}
    ratios = sorted(t / f for t, f in zip(times["tenant_api"], times["floor"], strict=True))
    ms = {k: round(v * 1000, 1) for k, v in r.items()}
    ratio = r["tenant_api"] / r["floor"]
    print(f"  floor (interpreter + boto3 + client)   {ms['floor']:8.1f} ms")
    print(
        f"  tenant-api first response              {ms['tenant_api']:8.1f} ms   ratio {ratio:.2f}x (target <= 1.5x; "
        f"per round {ratios[0]:.2f}-{ratios[-1]:.2f}x)"
    )
    for key, what in (("django_hello", "empty Django"), ("drf_hello", "empty Django+DRF")):
        print(f"  reference: {what:<28}{ms[key]:8.1f} ms   ratio {r[key] / r['floor']:.2f}x (first response)")
    print(f"  lever: tenant-api settings saves       {ms['all_apps'] - ms['tenant_api']:8.1f} ms (staff apps, psycopg)")
    print(f"  lever: precompiled bytecode saves      {ms['no_bytecode'] - ms['tenant_api']:8.1f} ms")
    print(f"  lever: no psycopg import saves         {ms['psycopg'] - ms['python']:8.1f} ms (psycopg alone)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "a") as fh:
        spread = [round(ratios[0], 3), round(ratios[-1], 3)]
        fh.write(json.dumps({"timestamp": time.time(), "runs": n, "ratio": round(ratio, 3), "spread": spread, **ms}))
        fh.write("\n")


if __name__ == "__main__":
    main()
