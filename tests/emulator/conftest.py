"""Conformance fixtures: talk to the Data API only through boto3 (and HTTP for the emulator's control API).

Targets the local emulator when DATA_API_ENDPOINT is set; real Aurora when it is not and DB_CLUSTER_ARN,
DB_SECRET_ARN, DB_ADMIN_SECRET_ARN, DB_OWNER_SECRET_ARN and DATABASE_NAME are set (see README).
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import urllib.request

import boto3
import pytest
from botocore.config import Config


@dataclasses.dataclass(frozen=True)
class Target:
    endpoint: str | None
    cluster_arn: str
    app_secret: str
    admin_secret: str
    owner_secret: str
    database: str
    region: str

    def kw(self, secret: str | None = None, **extra) -> dict:
        return {"resourceArn": self.cluster_arn, "secretArn": secret or self.app_secret, **extra}

    def db(self, secret: str | None = None, **extra) -> dict:
        return self.kw(secret, database=self.database, **extra)


class EmulatorControl:
    """The emulator's /_emulator/ control API (counters, faults, runtime settings), over plain HTTP."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict:
        return self._call("GET", "/_emulator/stats")

    def calls(self, operation: str | None = None) -> int:
        s = self.stats()
        if operation is None:
            return s["total_calls"]
        return s["operations"].get(operation, {}).get("calls", 0)

    def reset_stats(self) -> None:
        self._call("POST", "/_emulator/stats/reset", {})

    def faults(self, **settings) -> dict:
        return self._call("POST", "/_emulator/faults", settings)

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def config(self, **settings) -> dict:
        return self._call("POST", "/_emulator/config", settings) if settings else self._call("GET", "/_emulator/config")


def _require(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise pytest.UsageError(f"{var} is not set: run through `make test`, or set it to target real Aurora")
    return value


@pytest.fixture(scope="session")
def target() -> Target:
    return Target(
        endpoint=os.environ.get("DATA_API_ENDPOINT") or None,
        cluster_arn=_require("DB_CLUSTER_ARN"), app_secret=_require("DB_SECRET_ARN"),
        admin_secret=_require("DB_ADMIN_SECRET_ARN"), owner_secret=_require("DB_OWNER_SECRET_ARN"),
        database=_require("DATABASE_NAME"), region=os.environ.get("AWS_REGION", "us-east-1"),
    )


@pytest.fixture(scope="session")
def rds(target):
    """boto3 with retries off, so every error the service returns is seen by the test."""
    return boto3.client("rds-data", endpoint_url=target.endpoint, region_name=target.region,
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120))


@pytest.fixture
def control(target):
    control = EmulatorControl(target.endpoint)
    control.clear_faults()
    defaults = control.config()
    yield control
    control.clear_faults()
    control.config(**defaults)


@pytest.fixture
def table(rds, target):
    """A scratch table created by the owner and granted to the app role; dropped afterwards."""
    created = []

    def make(columns: str) -> str:
        name = f"conformance_{secrets.token_hex(4)}"
        rds.execute_statement(sql=f"CREATE TABLE {name} ({columns})", **target.db(target.owner_secret))
        rds.execute_statement(sql=f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO hospitality_app",
                              **target.db(target.owner_secret))
        created.append(name)
        return name

    yield make
    for name in created:
        rds.execute_statement(sql=f"DROP TABLE IF EXISTS {name}", **target.db(target.owner_secret))
