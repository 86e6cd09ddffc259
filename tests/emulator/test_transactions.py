"""Transactions: registry, binding to the secret, timeouts, errors, concurrency, connection reuse, batches."""

import concurrent.futures
import socket
import time

import pytest
from botocore.exceptions import ClientError

from .support import FAKE_SIGV4, error_of


def count(rds, target, name) -> int:
    return rds.execute_statement(sql=f"SELECT count(*) FROM {name}", **target.db())["records"][0][0]["longValue"]


def test_commit_makes_writes_visible_and_rollback_discards_them(rds, target, table):
    name = table("id int")
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", transactionId=tx, **target.db())
    assert count(rds, target, name) == 0  # not visible outside before commit
    assert rds.commit_transaction(transactionId=tx, **target.kw())["transactionStatus"] == "Transaction Committed"
    assert count(rds, target, name) == 1
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (2)", transactionId=tx, **target.db())
    assert rds.rollback_transaction(transactionId=tx, **target.kw())["transactionStatus"] == "Rollback Complete"
    assert count(rds, target, name) == 1


def test_transaction_id_is_bound_to_the_secret_that_began_it(rds, target, table):
    name = table("id int")
    tx = rds.begin_transaction(**target.db())["transactionId"]
    try:
        with pytest.raises(ClientError) as excinfo:
            rds.execute_statement(
                sql=f"INSERT INTO {name} VALUES (1)", transactionId=tx, **target.db(target.admin_secret)
            )
        assert error_of(excinfo)[0] == "TransactionNotFoundException"
        with pytest.raises(ClientError) as excinfo:
            rds.commit_transaction(transactionId=tx, **target.kw(target.admin_secret))
        assert error_of(excinfo)[0] == "TransactionNotFoundException"
    finally:
        rds.rollback_transaction(transactionId=tx, **target.kw())
    assert count(rds, target, name) == 0


@pytest.mark.parametrize("end", ["commit_transaction", "rollback_transaction"])
def test_finished_transaction_cannot_be_reused(rds, target, end):
    tx = rds.begin_transaction(**target.db())["transactionId"]
    getattr(rds, end)(transactionId=tx, **target.kw())
    for call in (
        lambda: rds.execute_statement(sql="SELECT 1", transactionId=tx, **target.db()),
        lambda: rds.commit_transaction(transactionId=tx, **target.kw()),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("TransactionNotFoundException", f"Transaction {tx} is not found")


def test_unknown_transaction_id(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", transactionId="made-up-id", **target.db())
    assert error_of(excinfo)[0] == "TransactionNotFoundException"


@pytest.mark.emulator_only
def test_idle_transaction_is_rolled_back_after_the_timeout(rds, target, table, control):
    name = table("id int")
    control.config(transaction_idle_timeout=0.5, reaper_interval=0.1)
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", transactionId=tx, **target.db())
    time.sleep(1.2)
    with pytest.raises(ClientError) as excinfo:
        rds.commit_transaction(transactionId=tx, **target.kw())
    assert error_of(excinfo)[0] == "TransactionNotFoundException"
    assert count(rds, target, name) == 0
    assert control.stats()["open_transactions"] == 0


@pytest.mark.emulator_only
def test_transaction_is_ended_after_its_maximum_lifetime_even_when_busy(rds, target, control):
    control.config(transaction_max_lifetime=0.6, reaper_interval=0.1)
    tx = rds.begin_transaction(**target.db())["transactionId"]
    with pytest.raises(ClientError) as excinfo:
        for _ in range(40):  # keeps it active: never idle
            rds.execute_statement(sql="SELECT 1", transactionId=tx, **target.db())
            time.sleep(0.05)
    assert error_of(excinfo)[0] == "TransactionNotFoundException"


def test_statement_error_aborts_the_transaction_and_commit_reports_it(rds, target, table):
    name = table("id int PRIMARY KEY")
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", transactionId=tx, **target.db())
    with pytest.raises(ClientError):
        rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", transactionId=tx, **target.db())
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", transactionId=tx, **target.db())
    assert error_of(excinfo)[1].endswith("SQLState: 25P02")
    with pytest.raises(ClientError) as excinfo:
        rds.commit_transaction(transactionId=tx, **target.kw())
    assert error_of(excinfo)[0] == "DatabaseErrorException"
    assert count(rds, target, name) == 0


def test_savepoints_work_inside_a_transaction(rds, target, table):
    name = table("id int PRIMARY KEY")
    tx = rds.begin_transaction(**target.db())["transactionId"]
    run = lambda sql: rds.execute_statement(sql=sql, transactionId=tx, **target.db())  # noqa: E731
    run(f"INSERT INTO {name} VALUES (1)")
    run("SAVEPOINT s1")
    with pytest.raises(ClientError):
        run(f"INSERT INTO {name} VALUES (1)")
    run("ROLLBACK TO SAVEPOINT s1")
    run(f"INSERT INTO {name} VALUES (2)")
    rds.commit_transaction(transactionId=tx, **target.kw())
    assert count(rds, target, name) == 2


@pytest.mark.emulator_only
def test_many_threads_many_transactions(rds, target, table, control):
    name = table("worker int, n int")

    def work(worker: int) -> int:
        for n in range(5):
            tx = rds.begin_transaction(**target.db())["transactionId"]
            rds.execute_statement(
                sql=f"INSERT INTO {name} VALUES (:w, :n)",
                transactionId=tx,
                **target.db(),
                parameters=[{"name": "w", "value": {"longValue": worker}}, {"name": "n", "value": {"longValue": n}}],
            )
            if n % 2:
                rds.rollback_transaction(transactionId=tx, **target.kw())
            else:
                rds.commit_transaction(transactionId=tx, **target.kw())
        return worker

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        assert sorted(pool.map(work, range(12))) == list(range(12))
    assert count(rds, target, name) == 12 * 3  # n = 0, 2, 4 committed
    assert control.stats()["open_transactions"] == 0


@pytest.mark.emulator_only
def test_session_set_leaks_to_a_later_call_on_the_reused_connection(rds, target):
    """AWS reuses connections without a reset; a session-level SET is visible to later autocommit calls. This is why
    tenant context must be transaction-local (set_config(..., true))."""
    rds.execute_statement(sql="SET app.leak_probe = 'leaked'", **target.db(target.owner_secret))
    try:
        seen = [
            rds.execute_statement(
                sql="SELECT current_setting('app.leak_probe', true)", **target.db(target.owner_secret)
            )["records"][0][0]
            for _ in range(5)
        ]
        assert {"stringValue": "leaked"} in seen
    finally:
        for _ in range(5):
            rds.execute_statement(sql="RESET app.leak_probe", **target.db(target.owner_secret))


def test_transaction_local_setting_does_not_leak(rds, target):
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.execute_statement(sql="SELECT set_config('app.local_probe', 'inside', true)", transactionId=tx, **target.db())
    rds.commit_transaction(transactionId=tx, **target.kw())
    for _ in range(5):
        value = rds.execute_statement(
            sql="SELECT coalesce(current_setting('app.local_probe', true), '')", **target.db()
        )["records"][0][0]
        assert value == {"stringValue": ""}


@pytest.mark.emulator_only
def test_client_disconnecting_mid_call_leaks_nothing(rds, target, control):
    body = (
        f'{{"resourceArn": "{target.cluster_arn}", "secretArn": "{target.app_secret}", '
        f'"database": "{target.database}", "sql": "SELECT pg_sleep(0.5)"}}'
    ).encode()
    host, port = target.endpoint.removeprefix("http://").split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /Execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: " + FAKE_SIGV4.encode() + b"\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
    time.sleep(1.0)
    pools = control.stats()["pools"]
    app_pool = next(v for k, v in pools.items() if k.startswith("hospitality_app@"))
    assert app_pool.get("pool_available", 0) == app_pool["pool_size"]
    assert rds.execute_statement(sql="SELECT 1", **target.db())["records"] == [[{"longValue": 1}]]


def test_batch_execute_runs_every_parameter_set(rds, target, table):
    name = table("id int PRIMARY KEY, v text")
    sets = [
        [{"name": "id", "value": {"longValue": i}}, {"name": "v", "value": {"stringValue": f"v{i}"}}] for i in range(50)
    ]
    response = rds.batch_execute_statement(
        sql=f"INSERT INTO {name} VALUES (:id, :v)", parameterSets=sets, **target.db()
    )
    assert response["updateResults"] == [{"generatedFields": []}] * 50
    assert count(rds, target, name) == 50


def test_failed_batch_outside_a_transaction_writes_nothing(rds, target, table):
    name = table("id int PRIMARY KEY")
    sets = [[{"name": "id", "value": {"longValue": i}}] for i in (1, 2, 2, 3)]
    with pytest.raises(ClientError) as excinfo:
        rds.batch_execute_statement(sql=f"INSERT INTO {name} VALUES (:id)", parameterSets=sets, **target.db())
    assert error_of(excinfo)[1].endswith("SQLState: 23505")
    assert count(rds, target, name) == 0


def test_batch_inside_a_transaction_is_part_of_it(rds, target, table):
    name = table("id int")
    tx = rds.begin_transaction(**target.db())["transactionId"]
    rds.batch_execute_statement(
        sql=f"INSERT INTO {name} VALUES (:id)",
        transactionId=tx,
        **target.db(),
        parameterSets=[[{"name": "id", "value": {"longValue": i}}] for i in range(3)],
    )
    rds.rollback_transaction(transactionId=tx, **target.kw())
    assert count(rds, target, name) == 0


@pytest.mark.emulator_only
def test_a_pooled_session_terminated_by_the_server_is_replaced(rds, target):
    """Like the Data API's own pool: a session killed under it (restart, DROP DATABASE ... FORCE) does not fail the
    next autocommit call."""
    assert target.suite_secret, "the test stack's superuser secret (DB_SUITE_SECRET_ARN) terminates the sessions"
    rds.execute_statement(sql="SELECT 1", **target.db())  # the app role's pooled session exists
    killed = rds.execute_statement(
        sql="SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE usename = 'hospitality_app' AND application_name = 'dataapi-emulator') t",
        **target.db(target.suite_secret),
    )
    assert killed["records"][0][0]["longValue"] >= 1
    assert rds.execute_statement(sql="SELECT current_user", **target.db())["records"] == [
        [{"stringValue": "hospitality_app"}]
    ]


@pytest.mark.emulator_only
def test_a_transaction_never_begins_on_a_terminated_pooled_session(rds, target):
    """BeginTransaction on a session that died under the pool: nothing ran on it yet, so another session takes
    over; the transaction begins, runs and commits (no DatabaseErrorException without SQLSTATE)."""
    rds.execute_statement(sql="SELECT 1", **target.db())
    killed = rds.execute_statement(
        sql="SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE usename = 'hospitality_app' AND application_name = 'dataapi-emulator') t",
        **target.db(target.suite_secret),
    )
    assert killed["records"][0][0]["longValue"] >= 1
    tx = rds.begin_transaction(**target.db())["transactionId"]
    got = rds.execute_statement(sql="SELECT current_user", transactionId=tx, **target.db())
    assert got["records"] == [[{"stringValue": "hospitality_app"}]]
    assert rds.commit_transaction(transactionId=tx, **target.kw())["transactionStatus"] == "Transaction Committed"
