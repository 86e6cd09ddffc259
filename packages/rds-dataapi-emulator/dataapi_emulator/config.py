"""Emulator settings: where PostgreSQL is, which cluster and secret ARNs exist, limits and timeouts."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

MIB = 1024 * 1024


@dataclasses.dataclass
class Secret:
    """What a Secrets Manager database secret holds: the role to log in as."""

    username: str
    password: str = ""

    @classmethod
    def read(cls, endpoint: str, arn: str) -> Secret | None:
        """The secret as Secrets Manager at `endpoint` holds it now; None when it has no such secret."""
        from botocore.exceptions import ClientError

        client = _secrets_client(endpoint, arn.split(":")[3])
        try:
            value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
        except (ClientError, ValueError):
            return None
        return cls(username=value.get("username", ""), password=value.get("password", ""))


@functools.lru_cache(maxsize=8)
def _secrets_client(endpoint: str, region: str):
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )


@dataclasses.dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: pick a free port (tests)
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    clusters: list[str] = dataclasses.field(default_factory=list)
    secrets: dict[str, Secret] = dataclasses.field(default_factory=dict)
    # A Secrets Manager endpoint (moto's, say) to read the secrets not listed above from, on every call, as the Data
    # API reads its caller's secret: a rotated password reaches new sessions, pooled ones stay logged in.
    secrets_manager_endpoint: str | None = None
    # AWS's documented limits
    max_response_bytes: int = MIB
    max_row_bytes: int = 64 * 1024
    max_request_bytes: int = 4 * MIB
    max_sql_chars: int = 65_536
    transaction_idle_timeout: float = 180.0
    transaction_max_lifetime: float = 24 * 3600.0
    statement_timeout: float = 45.0
    # pool of PostgreSQL connections per (role, database); reused across calls without any reset, as AWS does
    pool_min_size: int = 1
    pool_max_size: int = 20
    reaper_interval: float = 0.2

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorConfig:
        raw = json.loads(Path(path).read_text())
        pg = raw.pop("postgres", {})
        secrets = {arn: Secret(**value) for arn, value in raw.pop("secrets", {}).items()}
        return cls(pg_host=pg.get("host", "127.0.0.1"), pg_port=int(pg.get("port", 5432)), secrets=secrets, **raw)
