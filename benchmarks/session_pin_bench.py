"""What pinning the transaction costs: database time of the tenant list endpoint's statements (enter with an API
token, count, one page with its joins) entering through app.enter_tenant_with_token() — RESET ALL, then
search_path, row_security, timeouts, time zone and formats pinned — against the same entered through the bare
check (app.check_token() plus the statement timeout: what entering did before). Direct PostgreSQL on the dev stack,
so the number is the database's, not the transport's. Target: <= 5% more.

Both variants run on one connection in alternating rounds; the second variant's session carries a few
session-level settings, as a pooled session someone used would."""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time

import psycopg

from .context_proof_bench import ENTER, ROOT, ROUNDS, RUNS, dsn, request_times, stack_env

PINNED = ENTER.replace("NULL", "30000")
BARE = "SELECT *, set_config('statement_timeout', '30000ms', true) FROM app.check_token(%s)"


def main() -> None:
    env = stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token_hash = hashlib.sha256(demo["api_tokens"]["alice@tenant-seaside-001"].encode()).hexdigest()
    with psycopg.connect(dsn(env["TENANT_DATABASE_URL"]), autocommit=True) as app:
        pinned, bare = [], []
        for _ in range(ROUNDS):
            pinned.append(statistics.median(request_times(app, token_hash, PINNED)))
            bare.append(statistics.median(request_times(app, token_hash, BARE)))
    a, b = statistics.median(pinned), statistics.median(bare)
    print(
        f"tenant list endpoint, database time per request (enter + count + page of 50), median of {ROUNDS} "
        f"alternating rounds of {RUNS}:"
    )
    print(f"  entering with the transaction pinned   {a:7.3f} ms")
    print(f"  entering with the bare check           {b:7.3f} ms")
    print(f"  pinning cost                           {a - b:+7.3f} ms ({(a - b) / b * 100:+.1f}%, target <= +5%)")
    results = ROOT / "benchmarks" / "results" / "session_pin.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    with open(results, "a") as fh:
        record = {"timestamp": time.time(), "runs": RUNS, "pinned_ms": round(a, 3), "bare_ms": round(b, 3)}
        fh.write(json.dumps({**record, "overhead_pct": round((a - b) / b * 100, 2)}) + "\n")


if __name__ == "__main__":
    sys.exit(main())
