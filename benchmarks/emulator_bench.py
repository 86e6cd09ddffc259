"""Emulator overhead: the same `SELECT 1` per call over boto3 → emulator → PostgreSQL vs psycopg directly, as a
ratio from one run, and calls per second with 1 and 8 client threads.

    python -m benchmarks.emulator_bench      (`make bench` starts the dev stack, then runs every benchmark)
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time

from benchmarks.common import load_stack_env, per_call_ms
from dataapi_emulator.control import EmulatorControl


def main() -> None:
    env = load_stack_env()
    import boto3
    import psycopg
    from botocore.config import Config

    target = dict(resourceArn=env["DB_CLUSTER_ARN"], secretArn=env["DB_SECRET_ARN"], database=env["DATABASE_NAME"])
    client = boto3.client(
        "rds-data",
        endpoint_url=env["DATA_API_ENDPOINT"],
        region_name=env["AWS_REGION"],
        config=Config(max_pool_connections=32, retries={"total_max_attempts": 1}),
    )
    n = int(os.environ.get("BENCH_CALLS", 500))

    with psycopg.connect(env["TENANT_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        direct_med, direct_p95 = per_call_ms(lambda: conn.execute("SELECT 1").fetchall(), n)
    control = EmulatorControl(env["DATA_API_ENDPOINT"])
    control.reset_stats()
    api_med, api_p95 = per_call_ms(lambda: client.execute_statement(sql="SELECT 1", **target), n)
    op = control.stats()["operations"]["ExecuteStatement"]
    server_ms = op["seconds"] / op["calls"] * 1000
    started = time.process_time()
    for _ in range(n):
        client.execute_statement(sql="SELECT 1", **target)
    client_cpu_ms = (time.process_time() - started) / n * 1000

    print(f"SELECT 1 per call over {n} calls (median / p95):")
    print(f"  psycopg direct (TCP)            {direct_med:7.3f} ms / {direct_p95:7.3f} ms")
    print(f"  boto3 → emulator → PostgreSQL   {api_med:7.3f} ms / {api_p95:7.3f} ms")
    print(f"  ratio (median)                  {api_med / direct_med:7.2f}x   (target ≤ 3x)")
    print(f"    of which emulator server time {server_ms:7.3f} ms ({server_ms / direct_med:.2f}x psycopg)")
    print(f"    of which boto3 client CPU     {client_cpu_ms:7.3f} ms (signing, serializing, parsing)")

    for threads in (1, 8):
        local = threading.local()

        def one_client(local=local):
            if not hasattr(local, "client"):
                local.client = boto3.client(
                    "rds-data", endpoint_url=env["DATA_API_ENDPOINT"], region_name=env["AWS_REGION"]
                )
            return local.client

        deadline = time.monotonic() + float(os.environ.get("BENCH_SECONDS", 3))
        counts = [0] * threads

        def worker(i: int, deadline=deadline, counts=counts, one_client=one_client) -> None:
            c = one_client()
            while time.monotonic() < deadline:
                c.execute_statement(sql="SELECT 1", **target)
                counts[i] += 1

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, range(threads)))
        elapsed = time.monotonic() - started
        print(f"  {threads} client thread(s): {sum(counts) / elapsed:8.0f} calls/s")


if __name__ == "__main__":
    main()
