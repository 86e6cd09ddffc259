"""Cold start, measured locally in fresh interpreters: the Lambda handler's import + first tenant response
(API Gateway HTTP API event for /api/whoami/ with a JWT, through the Data API emulator) against the floor of
`import boto3` + first rds-data client creation, as a ratio (target ≤ 1.5×). Median of N runs each.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, load_stack_env  # noqa: E402

FLOOR = """
import time; t = time.perf_counter()
import boto3
boto3.client("rds-data", region_name="us-east-1")
print(time.perf_counter() - t)
"""

APP = """
import json, os, sys, time; t = time.perf_counter()
from hospitality.lambda_handler import handler
event = json.loads(os.environ["COLD_START_EVENT"])
response = handler(event, None)
elapsed = time.perf_counter() - t
assert response["statusCode"] == 200, response
print(elapsed)
"""


def event_for(token: str) -> dict:
    return {"version": "2.0", "routeKey": "$default", "rawPath": "/api/whoami/", "rawQueryString": "",
            "headers": {"host": "localhost", "authorization": f"Bearer {token}"},
            "requestContext": {"http": {"method": "GET", "path": "/api/whoami/", "protocol": "HTTP/1.1",
                                        "sourceIp": "127.0.0.1", "userAgent": "cold-start"},
                               "domainName": "localhost", "stage": "$default"},
            "isBase64Encoded": False}


def run(code: str, env: dict, n: int) -> list[float]:
    times = []
    for i in range(n):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"cold start run failed:\n{out.stderr[-2000:]}")
        times.append(float(out.stdout.strip().splitlines()[-1]))
        print(f"\r  run {i + 1}/{n}", end="", flush=True)
    print()
    return times


def main() -> None:
    env = load_stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token = demo["jwts"]["alice@tenant-seaside-001"]
    env = {**env, "USE_DATA_API": "true", "HOSPITALITY_ENV_FILE": str(ROOT / ".local" / "env"),
           "COLD_START_EVENT": json.dumps(event_for(token)), "PYTHONDONTWRITEBYTECODE": "0"}
    n = int(os.environ.get("COLD_START_RUNS", 7))
    print("floor: import boto3 + rds-data client")
    floor = statistics.median(run(FLOOR, env, n))
    print("app: import handler + first tenant response (Data API via the emulator)")
    app = statistics.median(run(APP, env, n))
    print(f"  floor  {floor * 1000:7.1f} ms")
    print(f"  app    {app * 1000:7.1f} ms")
    print(f"  ratio  {app / floor:7.2f}x   (target ≤ 1.5x)")


if __name__ == "__main__":
    started = time.monotonic()
    main()
