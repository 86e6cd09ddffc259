"""Limits: results over 1 MiB paged for reads (and never re-run for writes), streaming iterator with bounded memory,
SQL over 65,536 characters refused clearly, bulk inserts sized to fit, executemany split into 4 MiB batches."""

import tracemalloc

import pytest
from django.db import OperationalError, ProgrammingError, connections, transaction

from .models import Author, Everything

pytestmark = pytest.mark.django_db(databases=["dataapi"], transaction=True)


@pytest.fixture
def five_megabytes(clean_tables):
    with connections["dataapi"].cursor() as cursor:
        cursor.execute(
            "INSERT INTO backend_tests_everything (integer, text) "
            "SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 5000) g"
        )  # 5000 × 1 KiB
    return 5000


def test_read_over_1_mib_is_paged_transparently(dataapi, five_megabytes):
    dataapi.data_api_metrics.reset()
    rows = list(Everything.objects.order_by("integer").values_list("integer", "text"))
    assert [r[0] for r in rows] == list(range(1, 5001))
    assert all(len(r[1]) == 1024 for r in rows)
    calls = dataapi.data_api_metrics.snapshot()["calls"]
    # the first attempt fails on the size limit; then DECLARE + FETCH pages + CLOSE in one transaction
    assert calls["BeginTransaction"] == 1 and calls["CommitTransaction"] == 1
    assert calls["ExecuteStatement"] >= 8


def test_paging_inside_atomic_uses_the_open_transaction(dataapi, five_megabytes):
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="seen-in-snapshot")
        assert Everything.objects.count() == 5000
        assert len(list(Everything.objects.values_list("text", flat=True))) == 5000
        assert Author.objects.filter(name="seen-in-snapshot").exists()
    calls = dataapi.data_api_metrics.snapshot()["calls"]
    assert calls["BeginTransaction"] == 1 and calls["CommitTransaction"] == 1


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_iterator_streams_pages_with_bounded_memory(dataapi, clean_tables):
    with connections["dataapi"].cursor() as cursor:  # 20 MB of text
        cursor.execute(
            "INSERT INTO backend_tests_everything (integer, text) "
            "SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 20000) g"
        )
    query = Everything.objects.order_by("integer").values_list("text", flat=True)
    dataapi.data_api_metrics.reset()
    seen = []
    streamed = peak_bytes(lambda: seen.append(sum(len(t) == 1024 for t in query.iterator(chunk_size=500))))
    assert seen == [20000]
    calls = dataapi.data_api_metrics.snapshot()["calls"]
    assert calls["BeginTransaction"] == 1 and calls["CommitTransaction"] == 1
    materialized = peak_bytes(lambda: list(query))
    # one 1 MiB response page at a time (raw body, JSON, botocore's parse, decoded rows), whatever the result size
    assert streamed < 8 * 1024 * 1024
    assert streamed < materialized / 3


def test_write_with_a_result_over_1_mib_is_not_re_executed(dataapi, five_megabytes):
    with pytest.raises(OperationalError, match="was not re-run"):
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("UPDATE backend_tests_everything SET integer = integer + 1 RETURNING text")
    # autocommit: the one execution happened (as on AWS); it was not repeated
    assert Everything.objects.filter(integer=5001).count() == 1
    assert Everything.objects.filter(integer=1).count() == 0


def test_sql_over_65536_characters_is_refused_before_sending(dataapi):
    with pytest.raises(
        ProgrammingError, match="the SQL statement is 70,011 characters; the Data API accepts at most 65,536"
    ):
        with connections["dataapi"].cursor() as cursor:
            cursor.execute("SELECT 1" + " " * 70_003)
    assert dataapi.data_api_metrics.snapshot()["calls"] == {}


def test_bulk_create_of_10000_rows_fits_the_limits(dataapi, clean_tables):
    Author.objects.bulk_create([Author(name=f"author-{i:05d}") for i in range(10_000)])
    assert Author.objects.count() == 10_000
    calls = dataapi.data_api_metrics.snapshot()["calls"]
    assert 2 <= calls["ExecuteStatement"] <= 60


def test_executemany_uses_batch_execute_and_splits_at_4_mib(dataapi, clean_tables):
    big = "x" * 100_000
    with connections["dataapi"].cursor() as cursor:
        cursor.executemany("INSERT INTO backend_tests_author (name) VALUES (%s)", [(f"n{i}",) for i in range(100)])
        assert cursor.rowcount == 100
        cursor.executemany("INSERT INTO backend_tests_everything (text) VALUES (%s)", [(big,)] * 60)
    calls = dataapi.data_api_metrics.snapshot()["calls"]
    assert calls["BatchExecuteStatement"] == 3  # 1 for the names, 2 for 6 MB of text
    assert Everything.objects.count() == 60
