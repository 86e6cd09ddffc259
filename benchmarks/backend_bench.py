"""dataapi_backend measurements, in one run:
1. client CPU to decode 1,000 rows × 10 mixed columns vs aurora-data-api 0.5.0 on the same response (target ≥ 2×);
2. per-call overhead of a Django cursor and of the PEP 249 cursor vs a raw boto3 execute_statement (target ≤ 1.2×);
3. bulk_create of 10,000 rows: Data API calls made and time.
"""

from __future__ import annotations

import copy
import os
import time

from benchmarks.common import load_stack_env, per_call_ms

COLUMNS_SQL = (
    "SELECT g::int8 AS id, g::int4 AS n, md5(g::text) AS t, ('name ' || g)::varchar(40) AS v, "
    "(g * 1.25)::numeric(12,2) AS d, (g % 2 = 0) AS b, g * 0.5::float8 AS f, "
    "DATE '2024-01-01' + g AS dt, TIMESTAMP '2024-01-01 00:00:00' + g * INTERVAL '1 minute' AS ts, "
    "TIME '10:00:00' AS tm FROM generate_series(1, 1000) g"
)


def best_of(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    env = load_stack_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    import aurora_data_api
    import boto3
    from django.db import connections

    from dataapi_backend import dbapi

    target = dict(
        resourceArn=env["DB_CLUSTER_ARN"], secretArn=env["DB_OWNER_SECRET_ARN"], database=env["DATABASE_NAME"]
    )
    client = boto3.client("rds-data", endpoint_url=env["DATA_API_ENDPOINT"], region_name=env["AWS_REGION"])

    # 1. decoding the same response
    response = client.execute_statement(sql=COLUMNS_SQL, includeResultMetadata=True, **target)
    ours = dbapi.connect(
        resource_arn=target["resourceArn"],
        secret_arn=target["secretArn"],
        database=target["database"],
        region_name=env["AWS_REGION"],
        endpoint_url=env["DATA_API_ENDPOINT"],
    ).cursor()
    converters = ours._converters(response["columnMetadata"])
    theirs = aurora_data_api.AuroraDataAPICursor()
    theirs._set_description(response["columnMetadata"])
    copies = [copy.deepcopy(response) for _ in range(16)]
    pool = iter(copies)
    ours_s = best_of(lambda: ours._decode(response["records"], converters))
    theirs_s = best_of(lambda: theirs._render_response(next(pool)))
    assert ours._decode(response["records"], converters)[5][2] == copies[0]["records"][5][2]
    print("1. decode 1,000 rows × 10 columns (CPU, best of 15):")
    print(f"   dataapi_backend       {ours_s * 1000:7.2f} ms")
    print(f"   aurora-data-api 0.5.0 {theirs_s * 1000:7.2f} ms")
    print(f"   speed-up              {theirs_s / ours_s:7.2f}x   (target ≥ 2x)")

    # 2. per-call overhead vs raw boto3
    n = int(os.environ.get("BENCH_CALLS", 400))
    raw_med, _ = per_call_ms(lambda: client.execute_statement(sql="SELECT 1", includeResultMetadata=True, **target), n)

    def dbapi_call():
        ours.execute("SELECT 1")
        ours.fetchall()

    django_conn = connections["dataapi"]

    def django_call():
        with django_conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()

    dbapi_med, _ = per_call_ms(dbapi_call, n)
    django_med, _ = per_call_ms(django_call, n)
    print(f"2. per-call time of SELECT 1 over {n} calls (median):")
    print(f"   raw boto3 execute_statement  {raw_med:6.3f} ms")
    print(f"   dbapi cursor                 {dbapi_med:6.3f} ms  ({dbapi_med / raw_med:5.2f}x)")
    print(f"   Django cursor                {django_med:6.3f} ms  ({django_med / raw_med:5.2f}x)   (target ≤ 1.2x)")

    # 3. bulk_create of 10,000 rows
    from tests.backend.models import Author

    with django_conn.schema_editor() as editor:
        editor.execute("DROP TABLE IF EXISTS backend_tests_author CASCADE")
        editor.create_model(Author)
    try:
        django_conn.data_api_metrics.reset()
        started = time.perf_counter()
        Author.objects.bulk_create([Author(name=f"author-{i:05d}") for i in range(10_000)])
        elapsed = time.perf_counter() - started
        calls = django_conn.data_api_metrics.snapshot()["calls"]
        assert Author.objects.count() == 10_000
        print("3. bulk_create of 10,000 rows:")
        print(f"   {elapsed:.2f} s, Data API calls {calls}")
    finally:
        with django_conn.schema_editor() as editor:
            editor.delete_model(Author)


if __name__ == "__main__":
    main()
