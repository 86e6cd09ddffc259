"""Operator commands over the real stack: the benchmark (smoke run) and the Lambda entry point."""

import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test.signals import setting_changed

from operations.management.commands.benchmark import CallPhases
from tests.support import A


def test_benchmark_smoke_run(world, db_access, settings, tmp_path, capsys):
    if not settings.USE_DATA_API:
        with pytest.raises(CommandError, match="needs both transports"):
            call_command("benchmark", iterations=1, latency_ms=0, output=str(tmp_path))
        return
    call_command("benchmark", iterations=2, latency_ms=0, output=str(tmp_path), profile=5)
    out = capsys.readouterr().out
    assert "list endpoint (data-api)" in out and "RLS transaction (pg)" in out
    profiled = out.split("list endpoint (data-api), profiled:")[1].splitlines()
    assert len([line for line in profiled[1:6] if " own " in line and " cum " in line]) == 5  # the 5 asked for
    result = json.loads(next(tmp_path.glob("benchmark-*.json")).read_text())["results"]
    for endpoint in ("list endpoint", "detail endpoint"):
        # one statement: the entering and the page with its total (the row); in a transaction: + Begin, enter, Commit
        assert result[f"{endpoint} (data-api)"]["data_api_calls_per_request"] == 1
        assert result[f"{endpoint} in a transaction (data-api)"]["data_api_calls_per_request"] == 4
        assert f"{endpoint} over the Data API: 1 call(s) a request" not in out  # no verdict without latency
    assert result["simple SELECT (pg)"]["data_api_calls_per_request"] == 0
    # two requests a scenario: two interleaved rounds of one, each with its p50
    assert all(len(r["round_p50_ms"]) == 2 and len(r["samples_ms"]) == 2 for r in result.values())
    # the one call's phases, from botocore's events: where a request's time went, summing to its wall time
    for endpoint in ("list endpoint", "detail endpoint"):
        phases = result[f"{endpoint} (data-api)"]["phases_p50_ms"]
        assert list(phases) == list(CallPhases.NAMES) and all(ms > 0 for ms in phases.values())
        assert sum(phases.values()) == pytest.approx(result[f"{endpoint} (data-api)"]["p50_ms"], rel=0.5)
        assert result[f"{endpoint} in a transaction (data-api)"]["phases_p50_ms"] is None  # four calls
    assert result["list endpoint (pg)"]["phases_p50_ms"] is None
    assert next(tmp_path.glob("benchmark-*.html")).read_text().count("<svg") == len(result)


def test_benchmark_measures_requests_as_a_deployed_function_serves_them(world, db_access, settings, tmp_path):
    """DEBUG off whatever the process was started with (a DEBUG process logs every query), and each scenario's
    settings applied around its batch of requests, not around each one: the harness's costs are not a request's."""
    if not settings.USE_DATA_API:
        return  # refused: test_benchmark_smoke_run
    settings.DEBUG = True
    overridden: list[str] = []

    def record(*, setting, enter, **kwargs):
        if enter and setting in ("TENANT_ONE_STATEMENT_READS", "DATA_API_ROLLOUT_PERCENTAGE"):
            overridden.append(setting)

    setting_changed.connect(record)
    try:
        for alias in connections:
            connections[alias].queries_log.clear()
        overrides = []
        for iterations in (1, 3):
            overridden.clear()
            call_command("benchmark", iterations=iterations, rounds=1, latency_ms=0, output=str(tmp_path))
            overrides.append(len(overridden))
    finally:
        setting_changed.disconnect(record)
    assert overrides[0] == overrides[1] > 0  # as many with 3 requests a scenario as with 1
    assert {alias: list(connections[alias].queries_log) for alias in connections} == {
        alias: [] for alias in connections
    }
    assert all(json.loads(path.read_text())["debug"] is False for path in tmp_path.glob("benchmark-*.json"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--iterations=4", "--rounds=5"], "--rounds must be between 1 and --iterations (4), not 5"),
        (["--iterations", "4", "--rounds", "0"], "--rounds must be between 1 and --iterations (4), not 0"),
        (["--iterations=0"], "--iterations must be at least 1, not 0"),
    ],
)
def test_benchmark_refuses_impossible_rounds(args, message, tmp_path):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("benchmark", *args, "--latency-ms=0", f"--output={tmp_path}")


def test_lambda_handler_serves_an_api_gateway_event(world, db_access):
    from hospitality.lambda_handler import handler

    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/whoami/",
        "rawQueryString": "",
        "headers": {"host": "localhost", "authorization": world.auth("ann", A)["HTTP_AUTHORIZATION"]},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/api/whoami/",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "domainName": "localhost",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    response = handler(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["tenant_id"] == A
