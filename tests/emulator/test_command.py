"""`dataapi-emulator`, the emulator distribution's console script, as a user starts it: against the test stack's
PostgreSQL with nothing but a URL, then called through boto3 with the ARNs it printed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

COMMAND = Path(sys.executable).parent / "dataapi-emulator"


def suite_login() -> tuple[str, str, int]:
    url = urlsplit(os.environ["SUITE_DATABASE_URL"])
    return f"{url.username}:{url.password}", url.hostname or "127.0.0.1", url.port or 5432


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, timeout=30, env={**os.environ, **env})


@pytest.fixture
def started():
    """The command on a free port; yields (process, what it announced)."""
    procs = []

    def start(*args: str) -> dict:
        proc = subprocess.Popen([str(COMMAND), *args, "--port", "0"], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        human = proc.stdout.readline()
        assert human.startswith("Data API emulator on http://127.0.0.1:"), human
        return json.loads(proc.stdout.readline())

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def client(endpoint: str):
    return boto3.client(
        "rds-data",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="any",
        aws_secret_access_key="any",
        config=Config(retries={"max_attempts": 1}),
    )


def test_the_console_script_is_installed_from_the_distribution():
    assert COMMAND.exists() and shutil.which(str(COMMAND))


def test_a_postgres_url_is_enough_and_the_printed_arns_work(started):
    login, host, port = suite_login()
    announced = started("--postgres-url", f"postgresql://{login}@{host}:{port}")
    [cluster] = announced["cluster_arns"]
    [(secret, role)] = announced["secret_arns"].items()
    assert role == login.split(":")[0]
    assert cluster == "arn:aws:rds:us-east-1:000000000000:cluster:dataapi-emulator"
    answer = client(announced["endpoint_url"]).execute_statement(
        resourceArn=cluster, secretArn=secret, database="postgres", sql="SELECT current_user"
    )
    assert answer["records"] == [[{"stringValue": role}]]


def test_secrets_and_clusters_given_on_the_command_line(started):
    login, host, port = suite_login()
    user, password = login.split(":")
    secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mine-AbCdEf"
    cluster = "arn:aws:rds:eu-west-1:123456789012:cluster:mine"
    announced = started(
        "--postgres-url",
        f"postgresql://{host}:{port}",
        f"--secret={secret}={user}:{password}",
        "--cluster-arn",
        cluster,
    )
    assert announced["secret_arns"] == {secret: user} and announced["cluster_arns"] == [cluster]
    rds = client(announced["endpoint_url"])
    answer = rds.execute_statement(resourceArn=cluster, secretArn=secret, database="postgres", sql="SELECT 1")
    assert answer["records"] == [[{"longValue": 1}]]
    with pytest.raises(rds.exceptions.BadRequestException):
        rds.execute_statement(resourceArn=cluster + "x", secretArn=secret, database="postgres", sql="SELECT 1")


def test_a_password_left_out_is_read_from_pgpassword(started):
    login, host, port = suite_login()
    user, password = login.split(":")
    os.environ["PGPASSWORD"] = password
    try:
        announced = started("--postgres-url", f"postgresql://{user}@{host}:{port}")
    finally:
        del os.environ["PGPASSWORD"]
    [(secret, _)] = announced["secret_arns"].items()
    rds = client(announced["endpoint_url"])
    [cluster] = announced["cluster_arns"]
    assert rds.execute_statement(resourceArn=cluster, secretArn=secret, database="postgres", sql="SELECT 1")["records"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --postgres-url (or --config)"),
        (("--postgres-url", "mysql://h"), "expected postgresql://[USER[:PASSWORD]@]HOST[:PORT]"),
        (("--postgres-url", "postgresql://h:port"), "the port is not a number"),
        (("--postgres-url", "postgresql://h"), "no secret to log in with"),
        (("--postgres-url", "postgresql://u@h", "--secret", "arn:aws:rds:x=u"), "is not a Secrets Manager secret ARN"),
        (("--postgres-url", "postgresql://u@h", "--secret", ":pw"), "expected [ARN=]USER[:PASSWORD]"),
        (("--postgres-url", "postgresql://u@h", "--fault", "x"), "expected OPERATION:ERROR:RATE"),
        # an abbreviated option is refused, never taken for the option it prefixes
        (("--postgres", "postgresql://u@h"), "unrecognized arguments: --postgres"),
        (("--postgres-url=postgresql://u@h", "--po", "1"), "unrecognized arguments: --po"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr.strip().splitlines()[-1]
