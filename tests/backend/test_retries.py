"""Retries through the emulator's fault injection: only where no work can be duplicated."""

import pytest
from django.db import OperationalError, transaction

from .models import Author

pytestmark = pytest.mark.django_db(databases=["dataapi"], transaction=True)


def test_throttled_write_is_retried_without_duplicating_the_row(dataapi, emulator, clean_tables):
    emulator.faults(rules=[{"operation": "ExecuteStatement", "error": "ThrottlingException", "count": 2}])
    Author.objects.create(name="once")
    assert Author.objects.filter(name="once").count() == 1
    assert dataapi.data_api_metrics.snapshot()["retries"] == {"ExecuteStatement": 2}


def test_database_resuming_is_retried_for_begin_and_statements(dataapi, emulator, clean_tables):
    emulator.faults(rules=[{"operation": "*", "error": "DatabaseResumingException", "count": 3}])
    with transaction.atomic(using="dataapi"):
        Author.objects.create(name="woke-up")
    assert Author.objects.filter(name="woke-up").count() == 1
    assert sum(dataapi.data_api_metrics.snapshot()["retries"].values()) == 3


def test_server_error_on_a_write_is_not_retried(dataapi, emulator, clean_tables):
    emulator.faults(rules=[{"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1}])
    with pytest.raises(OperationalError, match="InternalServerErrorException"):
        Author.objects.create(name="maybe")
    assert dataapi.data_api_metrics.snapshot()["retries"] == {}
    assert Author.objects.filter(name="maybe").count() == 0


def test_server_error_on_a_read_outside_a_transaction_is_retried(dataapi, emulator, clean_tables):
    Author.objects.create(name="r")
    emulator.faults(rules=[{"operation": "ExecuteStatement", "error": "ServiceUnavailableError", "count": 1}])
    assert list(Author.objects.values_list("name", flat=True)) == ["r"]
    assert dataapi.data_api_metrics.snapshot()["retries"] == {"ExecuteStatement": 1}


def test_server_error_on_a_read_inside_a_transaction_is_not_retried(dataapi, emulator, clean_tables):
    emulator.faults(rules=[{"operation": "ExecuteStatement", "error": "InternalServerErrorException", "count": 1}])
    with pytest.raises(OperationalError), transaction.atomic(using="dataapi"):
        list(Author.objects.all())
    assert dataapi.data_api_metrics.snapshot()["retries"] == {}


def test_commit_is_never_retried_on_an_ambiguous_failure(dataapi, emulator, clean_tables):
    emulator.faults(rules=[{"operation": "CommitTransaction", "error": "InternalServerErrorException", "count": 1}])
    with pytest.raises(OperationalError), transaction.atomic(using="dataapi"):
        Author.objects.create(name="unknown-outcome")
    snapshot = dataapi.data_api_metrics.snapshot()
    assert snapshot["calls"]["CommitTransaction"] == 1
    assert snapshot["retries"] == {}
    # the transaction was released (rolled back), not left holding locks until the idle timeout
    assert snapshot["calls"]["RollbackTransaction"] == 1
    assert emulator.stats()["open_transactions"] == 0
    assert Author.objects.filter(name="unknown-outcome").count() == 0


def test_retries_stop_at_the_attempt_limit(dataapi, emulator):
    emulator.faults(rules=[{"operation": "ExecuteStatement", "error": "ThrottlingException"}])
    with pytest.raises(OperationalError, match="ThrottlingException"):
        Author.objects.count()
    assert dataapi.data_api_metrics.snapshot()["calls"]["ExecuteStatement"] == 6
