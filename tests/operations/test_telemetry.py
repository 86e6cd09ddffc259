"""Metrics: snapshot of the Data API calls, logging/file every interval, CloudWatch publication (moto), the
`metrics` command and its chart."""

import json

import boto3
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connections
from moto import mock_aws

from operations import telemetry


@pytest.fixture
def some_calls(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["dataapi"]
        with connection.cursor() as cursor:
            # the first statement of a process also learns the sessions' time zone (one call more): done before the
            # count starts, so the test counts the same alone and in the suite
            cursor.execute("SELECT 1")
        connection.data_api_metrics.reset()
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
            with pytest.raises(DatabaseError):
                cursor.execute("SELECT 1/0")
    return connection


def test_snapshot_merges_aliases(some_calls):
    snap = telemetry.snapshot()
    detail = snap["aliases"]["dataapi"]
    assert detail["calls"]["ExecuteStatement"] == 4 and detail["errors"] == {"ExecuteStatement": 1}
    assert snap["total_calls"] >= 4 and snap["call_errors"] >= 1 and snap["average_call_latency_ms"] > 0


@pytest.fixture
def fresh_requests():
    saved = vars(telemetry.requests).copy()
    telemetry.requests.reset()
    yield telemetry.requests
    vars(telemetry.requests).update(saved)


def test_error_rate_counts_system_failures_and_latency_is_per_request(fresh_requests):
    """The seed's rollback table: error rate > 5% means the system fails, so client mistakes count apart."""
    for latency, status in ((100.0, 200), (300.0, 201), (50.0, 400), (50.0, 404), (500.0, 503)):
        fresh_requests.record(latency, status)
    snap = telemetry.snapshot()
    assert snap["total_transactions"] == 5 and snap["average_latency_ms"] == 200.0
    assert snap["error_rate"] == pytest.approx(0.2) and snap["system_errors"] == 1
    assert snap["client_error_rate"] == pytest.approx(0.4) and snap["client_errors"] == 2
    data = {m["MetricName"]: m["Value"] for m in telemetry.metric_data(snap)}
    assert data["ErrorRate"] == pytest.approx(20.0) and data["ClientErrorRate"] == pytest.approx(40.0)
    assert data["AverageLatency"] == 200.0 and data["CallLatency"] == snap["average_call_latency_ms"]


def test_tenant_requests_are_recorded_with_their_outcome(client, fresh_requests, django_db_blocker):
    with django_db_blocker.unblock():
        assert client.get("/api/bookings/").status_code == 401  # no credentials: the client's mistake
        assert client.get("/health").status_code == 200  # not a tenant request
    snap = telemetry.snapshot()
    assert (snap["total_transactions"], snap["client_errors"], snap["system_errors"]) == (1, 1, 0)


def test_snapshot_is_printed_at_info(caplog, settings):
    """Production logging keeps the `hospitality` logger at INFO so the periodic snapshot reaches the logs."""
    import logging

    assert settings.LOGGING["loggers"]["hospitality"]["level"] == "INFO"
    settings.DATA_API_METRICS_FILE = ""
    settings.CLOUDWATCH_METRICS = False
    logging.getLogger("hospitality").setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="hospitality.metrics"):
        snap = telemetry.Reporter().maybe_flush(force=True)
    record = next(r for r in caplog.records if r.name == "hospitality.metrics")
    assert record.metrics["total_transactions"] == snap["total_transactions"]


def test_metrics_memory_is_bounded():
    from dataapi_backend.dbapi.call_metrics import Metrics

    m = Metrics()
    for i in range(Metrics.SAMPLES * 3):
        m.record("ExecuteStatement", float(i))
    assert len(m.samples) == Metrics.SAMPLES and m.snapshot()["total_calls"] == Metrics.SAMPLES * 3


def test_publish_to_cloudwatch(some_calls, monkeypatch):
    snap = telemetry.snapshot()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        assert telemetry.publish(snap, client=client) == 1
        names = {m["MetricName"] for m in client.list_metrics(Namespace="HospitalityAI/DataAPI")["Metrics"]}
        assert {
            "ErrorRate",
            "AverageLatency",
            "ClientErrorRate",
            "CallLatency",
            "TotalCalls",
            "Retries",
            "CallsPerRequest",
        } <= names
        stats = client.get_metric_statistics(
            Namespace="HospitalityAI/DataAPI",
            MetricName="ErrorRate",
            StartTime=snap["timestamp"] - 600,
            EndTime=snap["timestamp"] + 600,
            Period=60,
            Statistics=["Maximum"],
        )
        assert stats["Datapoints"][0]["Maximum"] == pytest.approx(snap["error_rate"] * 100)


def test_reporter_flushes_on_interval_to_file_and_cloudwatch(some_calls, settings, tmp_path, monkeypatch):
    settings.DATA_API_METRICS_FILE = str(tmp_path / "metrics.jsonl")
    settings.DATA_API_METRICS_INTERVAL = 300
    settings.CLOUDWATCH_METRICS = True
    published = []
    monkeypatch.setattr(telemetry, "publish", lambda snap: published.append(snap))
    reporter = telemetry.Reporter()
    assert reporter.maybe_flush() is None  # interval not reached
    snap = reporter.maybe_flush(force=True)
    assert published == [snap]
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["total_calls"] == snap["total_calls"]


def test_metrics_command_and_chart(some_calls, settings, tmp_path, capsys):
    path = tmp_path / "metrics.jsonl"
    settings.DATA_API_METRICS_FILE = str(path)
    for _ in range(3):
        telemetry.Reporter().maybe_flush(force=True)
    chart = tmp_path / "chart.html"
    call_command("metrics", chart=str(chart))
    out = capsys.readouterr().out
    assert "total_transactions" in out and "error_rate" in out and "[dataapi] calls" in out
    html = chart.read_text()
    assert "<svg" in html and "average latency (ms)" in html and "error rate (%)" in html


def test_metrics_command_without_a_file_says_what_to_do(settings):
    from django.core.management.base import CommandError

    settings.DATA_API_METRICS_FILE = ""
    with pytest.raises(CommandError, match="no metrics file at"):
        call_command("metrics")
