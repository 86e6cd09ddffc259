"""AWS's limits with AWS's errors, and the emulator's latency/fault injection and counters."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from .support import error_of, raw_post


def test_sql_over_65536_characters_is_refused(rds, target):
    sql = "SELECT 1" + " " * 65_536
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql=sql, **target.db())
    assert error_of(excinfo)[0] == "BadRequestException"


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; SELECT 2",
        "SELECT 1;SELECT 2;",
        "CREATE TEMP TABLE IF NOT EXISTS t (x int); DROP TABLE t",
        "SELECT 1; -- and then\nSELECT 2",
        "DO $$ BEGIN PERFORM 1; END $$; SELECT 1",
    ],
)
def test_more_than_one_statement_per_call_is_refused(rds, target, sql):
    """On Serverless v2 and provisioned clusters a call carries one statement (Serverless v1 ran several and
    returned the first result): refused before anything runs."""
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql=sql, **target.db())
    assert error_of(excinfo) == ("ValidationException", "Multistatements aren't supported.")
    with pytest.raises(ClientError) as excinfo:
        rds.batch_execute_statement(sql=sql, parameterSets=[[]], **target.db())
    assert error_of(excinfo)[0] == "ValidationException"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1;",
        "SELECT 1; -- a trailing comment",
        "SELECT 1 /* ; */ ;  ",
        "SELECT ';' AS semicolon, 'a;b'",
        'SELECT 1 AS ";"',
        "SELECT length($$ a; b; $$) -- ;",
        "DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$",
        "-- leading comment; with a semicolon\nSELECT 1",
    ],
)
def test_one_statement_with_semicolons_inside_is_one_statement(rds, target, sql):
    assert rds.execute_statement(sql=sql, **target.db())["numberOfRecordsUpdated"] >= 0


@pytest.mark.emulator_only
def test_request_body_over_4_mib_is_refused(target):
    body = json.dumps(
        {
            "resourceArn": target.cluster_arn,
            "secretArn": target.app_secret,
            "sql": "SELECT :p",
            "parameters": [{"name": "p", "value": {"stringValue": "x" * (4 * 1024 * 1024)}}],
        }
    ).encode()
    status, code, payload = raw_post(target.endpoint, "/Execute", body)
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert "4194304" in payload["message"]


def test_result_over_1_mib_is_refused_with_the_message_clients_match(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT repeat('x', 1000) FROM generate_series(1, 1200)", **target.db())
    assert error_of(excinfo) == ("BadRequestException", "Database returned more than the allowed response size limit")


def test_result_just_under_1_mib_is_returned(rds, target):
    response = rds.execute_statement(sql="SELECT repeat('x', 1000) FROM generate_series(1, 900)", **target.db())
    assert len(response["records"]) == 900


def test_row_over_64_kb_is_refused(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT repeat('x', 70000)", **target.db())
    assert error_of(excinfo)[0] == "BadRequestException"


@pytest.mark.emulator_only
def test_statement_timeout_cancels_the_statement(rds, target, control):
    control.config(statement_timeout=0.3)
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT pg_sleep(5)", **target.db())
    code, _ = error_of(excinfo)
    assert code == "StatementTimeoutException"
    assert isinstance(excinfo.value.response.get("dbConnectionId"), int) or "dbConnectionId" in str(
        excinfo.value.response
    )
    assert rds.execute_statement(sql="SELECT 1", **target.db())["records"] == [[{"longValue": 1}]]


@pytest.mark.emulator_only
def test_continue_after_timeout_lets_the_write_finish(rds, target, table, control):
    name = table("id int")
    control.config(statement_timeout=0.2)
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            sql=f"INSERT INTO {name} SELECT 1 FROM pg_sleep(0.6)", continueAfterTimeout=True, **target.db()
        )
    assert error_of(excinfo)[0] == "StatementTimeoutException"
    rows = rds.execute_statement(sql=f"SELECT count(*) FROM {name}", **target.db())["records"]
    assert rows == [[{"longValue": 1}]]


@pytest.mark.emulator_only
def test_injected_latency_applies_to_every_call(rds, target, control):
    control.faults(latency_ms=150, jitter_ms=0)
    started = time.perf_counter()
    rds.execute_statement(sql="SELECT 1", **target.db())
    assert time.perf_counter() - started >= 0.15


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    "error, status",
    [
        ("ThrottlingException", 400),
        ("DatabaseResumingException", 400),
        ("InternalServerErrorException", 500),
        ("ServiceUnavailableError", 503),
        ("StatementTimeoutException", 400),
        ("DatabaseUnavailableException", 504),
    ],
)
def test_injected_error_by_operation_then_recovery(rds, target, control, error, status):
    control.faults(rules=[{"operation": "ExecuteStatement", "error": error, "count": 1}])
    tx = rds.begin_transaction(**target.db())["transactionId"]  # another operation: not affected
    rds.rollback_transaction(transactionId=tx, **target.kw())
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", **target.db())
    assert error_of(excinfo)[0] == error
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert rds.execute_statement(sql="SELECT 1", **target.db())["records"] == [[{"longValue": 1}]]


@pytest.mark.emulator_only
def test_injected_error_rate_is_honoured(rds, target, control):
    control.faults(rules=[{"operation": "*", "error": "ThrottlingException", "rate": 0.5}], seed=7)
    failures = 0
    for _ in range(200):
        try:
            rds.execute_statement(sql="SELECT 1", **target.db())
        except ClientError:
            failures += 1
    assert 70 <= failures <= 130


@pytest.mark.emulator_only
def test_counters_per_operation(rds, target, control):
    control.reset_stats()
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql="SELECT 1", transactionId=tx, **target.db())
    with pytest.raises(ClientError):
        rds.execute_statement(sql="SELECT 1/0", transactionId=tx, **target.db())
    rds.rollback_transaction(transactionId=tx, **target.kw())
    stats = control.stats()
    ops = stats["operations"]
    assert stats["total_calls"] == 4
    assert (
        ops["BeginTransaction"]["calls"],
        ops["ExecuteStatement"]["calls"],
        ops["RollbackTransaction"]["calls"],
    ) == (1, 2, 1)
    assert ops["ExecuteStatement"]["errors"] == 1
    assert ops["ExecuteStatement"]["error_codes"] == {"DatabaseErrorException": 1}
    assert ops["ExecuteStatement"]["bytes_in"] > 0 and ops["ExecuteStatement"]["bytes_out"] > 0
    assert ops["ExecuteStatement"]["seconds"] > 0


@pytest.mark.emulator_only
def test_control_api_rejects_unknown_fault(control):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as excinfo:
        control.faults(rules=[{"error": "NoSuchError"}])
    with excinfo.value as response:
        assert response.code == 400


@pytest.mark.emulator_only
def test_pool_reset_drops_leaked_session_state(rds, target, control):
    """A session-level SET survives on the pooled connection it was run on (as on AWS); the control API's pool
    reset ends those sessions, so tests can clean up after one they leaked on purpose."""
    for _ in range(8):  # leak on every pooled connection this secret uses
        rds.execute_statement(sql="SET application_name = 'leaked'", **target.db())
    seen = {
        rds.execute_statement(sql="SELECT current_setting('application_name')", **target.db())["records"][0][0][
            "stringValue"
        ]
        for _ in range(8)
    }
    assert "leaked" in seen
    assert control.reset_pools() >= 1
    after = {
        rds.execute_statement(sql="SELECT current_setting('application_name')", **target.db())["records"][0][0][
            "stringValue"
        ]
        for _ in range(8)
    }
    assert after == {"dataapi-emulator"}


def test_the_watchdog_cancels_late_statements_and_forgets_finished_ones():
    import threading
    import time

    from dataapi_emulator.watchdog import Watchdog

    watchdog, fired = Watchdog(), threading.Event()
    for _ in range(1000):  # statements that finish in time: cancelled, and gone from the heap as the next ones start
        watchdog.cancel(watchdog.schedule(45, fired.set))
    assert len(watchdog._heap) <= 1 and not fired.is_set()
    watchdog.schedule(45, fired.set)  # one still running, far off ...
    watchdog.schedule(0.05, fired.set)  # ... and a later one with an earlier deadline: the thread must wake for it
    started = time.monotonic()
    assert fired.wait(5) and time.monotonic() - started < 2
