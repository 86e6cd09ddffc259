"""What the unforgeable tenant context costs: database time of the tenant list endpoint's statements (enter with an
API token, count, one page with its joins) with the proof verified by every policy, against the same with
app.current_tenant_id()/current_user_role() reading the variables unverified (the design before the proof).
Direct PostgreSQL on the dev stack, so the number is the database's, not the transport's. Target: <= 5% more.
Measured twice: in a transaction (enter, then each statement) and as the Data API path sends reads, each statement
one statement with its entering (tenants/one_statement.py).

The unverified variant is installed for the measurement only, as the owner, and sql/10_tenant_context.sql is
re-applied afterwards, whatever happens.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("PROOF_BENCH_RUNS", 300))
ROUNDS = int(os.environ.get("PROOF_BENCH_ROUNDS", 5))
STATEMENTS = [
    "SELECT count(*) FROM bookings",
    "SELECT b.*, p.name, r.name FROM bookings b JOIN entities p ON p.id = b.property_id "
    "JOIN entities r ON r.id = b.room_id ORDER BY b.check_in DESC, b.id DESC LIMIT 50",
]
UNVERIFIED = """
CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS text LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.current_tenant_id', true), '') $$;
CREATE OR REPLACE FUNCTION app.current_user_role() RETURNS text LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.user_role', true), '') $$;
"""


def stack_env() -> dict[str, str]:
    env = {}
    for line in (ROOT / ".local" / "env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[7:].partition("=")
            env[key] = value.strip("'")
    return env


def dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://")


ENTER = "SELECT * FROM app.enter_tenant_with_token(%s, NULL, 'UTC')"


def request_times(app: psycopg.Connection, token_hash: str, enter: str = ENTER) -> list[float]:
    """Database time of one list request (enter, count, page), RUNS times after 20 warm-up runs, in ms."""
    times = []
    for i in range(RUNS + 20):
        started = time.perf_counter()
        with app.transaction():
            [(tenant, *_)] = app.execute(enter, [token_hash]).fetchall()
            for statement in STATEMENTS:
                app.execute(statement).fetchall()
        if i >= 20:  # warm-up excluded
            times.append((time.perf_counter() - started) * 1000)
    return times


READ_ENTER = "SELECT tenant_id, user_id, role FROM app.read_as_tenant_with_token(%s, 15000, 'UTC')"


def one_statement_times(app: psycopg.Connection, token_hash: str) -> list[float]:
    """The same reads, each one statement that enters and reads (no transaction), RUNS times after 20 warm-ups."""
    from tenants.one_statement import compose

    composed = [compose(READ_ENTER, [token_hash], statement, None) for statement in STATEMENTS]
    times = []
    for i in range(RUNS + 20):
        started = time.perf_counter()
        for text, params in composed:
            rows = app.execute(text, params).fetchall()
            assert rows[0][0] is not None, "the one statement entered no tenant"
        if i >= 20:
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    env = stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token_hash = hashlib.sha256(demo["api_tokens"]["alice@tenant-seaside-001"].encode()).hexdigest()
    with (
        psycopg.connect(dsn(env["TENANT_DATABASE_URL"]), autocommit=True) as app,
        psycopg.connect(dsn(env["OWNER_DATABASE_URL"]), autocommit=True) as owner,
    ):
        rows = app.execute("SELECT count(*) FROM bookings").fetchone()[0]
        assert rows == 0, "no tenant entered must mean no rows"
        # alternating rounds, so that drift on a busy machine falls on both sides alike
        with_proof, without, one_proof, one_without = [], [], [], []
        try:
            for _ in range(ROUNDS):
                owner.execute((ROOT / "sql" / "10_tenant_context.sql").read_text())
                with_proof.append(statistics.median(request_times(app, token_hash)))
                one_proof.append(statistics.median(one_statement_times(app, token_hash)))
                owner.execute(UNVERIFIED)
                without.append(statistics.median(request_times(app, token_hash)))
                one_without.append(statistics.median(one_statement_times(app, token_hash)))
        finally:
            owner.execute((ROOT / "sql" / "10_tenant_context.sql").read_text())
    a, b = statistics.median(with_proof), statistics.median(without)
    c, d = statistics.median(one_proof), statistics.median(one_without)
    print(
        f"tenant list endpoint, database time per request (enter + count + page of 50), median of {ROUNDS} "
        f"alternating rounds of {RUNS}:"
    )
    for name, proof, bare in (("in a transaction", a, b), ("one statement per read", c, d)):
        print(f"  {name}:")
        print(f"    with the proof verified  {proof:7.3f} ms")
        print(f"    variables unverified     {bare:7.3f} ms")
        print(
            f"    proof cost               {proof - bare:+7.3f} ms ({(proof - bare) / bare * 100:+.1f}%, target <= +5%)"
        )
    results = ROOT / "benchmarks" / "results" / "context_proof.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    with open(results, "a") as fh:
        fh.write(
            json.dumps(
                {
                    "timestamp": time.time(),
                    "runs": RUNS,
                    "with_proof_ms": round(a, 3),
                    "unverified_ms": round(b, 3),
                    "overhead_pct": round((a - b) / b * 100, 2),
                    "one_statement_with_proof_ms": round(c, 3),
                    "one_statement_unverified_ms": round(d, 3),
                    "one_statement_overhead_pct": round((c - d) / d * 100, 2),
                }
            )
            + "\n"
        )


if __name__ == "__main__":
    sys.exit(main())
