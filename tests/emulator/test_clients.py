"""Other AWS clients work against the emulator unchanged: the AWS CLI and the JavaScript SDK v3."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
pytestmark = pytest.mark.emulator_only


def client_env(target) -> dict:
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": target.region,
        "AWS_REGION": target.region,
    }


def test_aws_cli(target):
    aws = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [
            str(aws),
            "rds-data",
            "execute-statement",
            "--endpoint-url",
            target.endpoint,
            "--resource-arn",
            target.cluster_arn,
            "--secret-arn",
            target.app_secret,
            "--database",
            target.database,
            "--sql",
            "SELECT 1 AS health_check",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=client_env(target),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"] == [[{"longValue": 1}]]


def test_aws_cli_reports_service_errors(target):
    aws = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [
            str(aws),
            "rds-data",
            "execute-statement",
            "--endpoint-url",
            target.endpoint,
            "--resource-arn",
            target.cluster_arn,
            "--secret-arn",
            target.app_secret,
            "--database",
            target.database,
            "--sql",
            "SELECT 1/0",
        ],
        capture_output=True,
        text=True,
        env=client_env(target),
        timeout=60,
    )
    assert result.returncode != 0
    assert "DatabaseErrorException" in result.stderr and "SQLState: 22012" in result.stderr


def test_javascript_sdk(target):
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are part of every machine image of this project (see docs/development.md)"
    workdir = ROOT / ".local" / "js-sdk"
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "select.mjs"):
        shutil.copy(HERE / "js" / name, workdir / name)
    if not (workdir / "node_modules" / "@aws-sdk" / "client-rds-data").exists():
        install = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert install.returncode == 0, install.stderr
    env = {
        **client_env(target),
        "DATA_API_ENDPOINT": target.endpoint,
        "DB_CLUSTER_ARN": target.cluster_arn,
        "DB_SECRET_ARN": target.app_secret,
        "DATABASE_NAME": target.database,
    }
    result = subprocess.run(["node", "select.mjs"], cwd=workdir, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "records": [[{"longValue": 42}, {"stringValue": "hospitality_app"}]],
        "columns": ["answer", "who"],
    }
