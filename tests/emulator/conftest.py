"""Conformance fixtures: talk to the Data API only through boto3 (and HTTP for the emulator's control API).

Targets the local emulator when DATA_API_ENDPOINT is set; real Aurora when it is not and DB_CLUSTER_ARN,
DB_SECRET_ARN, DB_ADMIN_SECRET_ARN, DB_OWNER_SECRET_ARN and DATABASE_NAME are set (see docs/aws.md).
"""

from __future__ import annotations

import dataclasses
import os
import secrets

import boto3
import pytest
from botocore.config import Config

from dataapi_emulator.control import EmulatorControl


@dataclasses.dataclass(frozen=True)
class Target:
    endpoint: str | None
    cluster_arn: str
    app_secret: str
    admin_secret: str
    owner_secret: str
    database: str
    region: str
    suite_secret: str | None = None  # the test stack's superuser (terminating sessions); absent on real AWS

    def kw(self, secret: str | None = None, **extra) -> dict:
        return {"resourceArn": self.cluster_arn, "secretArn": secret or self.app_secret, **extra}

    def db(self, secret: str | None = None, **extra) -> dict:
        return self.kw(secret, database=self.database, **extra)


def _require(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise pytest.UsageError(f"{var} is not set: run through `make test`, or set it to target real Aurora")
    return value


@pytest.fixture(scope="session")
def target() -> Target:
    return Target(
        endpoint=os.environ.get("DATA_API_ENDPOINT") or None,
        cluster_arn=_require("DB_CLUSTER_ARN"),
        app_secret=_require("DB_SECRET_ARN"),
        admin_secret=_require("DB_ADMIN_SECRET_ARN"),
        owner_secret=_require("DB_OWNER_SECRET_ARN"),
        database=_require("DATABASE_NAME"),
        region=os.environ.get("AWS_REGION", "us-east-1"),
        suite_secret=os.environ.get("DB_SUITE_SECRET_ARN"),
    )


@pytest.fixture(scope="session")
def rds(target):
    """boto3 with retries off, so every error the service returns is seen by the test."""
    return boto3.client(
        "rds-data",
        endpoint_url=target.endpoint,
        region_name=target.region,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120),
    )


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
        rds.execute_statement(
            sql=f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO hospitality_app", **target.db(target.owner_secret)
        )
        created.append(name)
        return name

    yield make
    for name in created:
        rds.execute_statement(sql=f"DROP TABLE IF EXISTS {name}", **target.db(target.owner_secret))
