"""OPTIONS validation (ImproperlyConfigured naming the key) and per-connection system checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.validation import BaseDatabaseValidation

from .dbapi import RetryPolicy

CLUSTER_ARN = re.compile(r"^arn:aws(-[a-z]+)*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]*$")
SECRET_ARN = re.compile(r"^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+$")
KNOWN = {
    "resource_arn",
    "secret_arn",
    "region_name",
    "endpoint_url",
    "debug",
    "connect_timeout",
    "read_timeout",
    "max_pool_connections",
    "retry_max_attempts",
    "retry_budget_seconds",
    "retry_base_delay",
    "retry_max_delay",
}


def options_from_settings(settings_dict: Mapping[str, Any], alias: str) -> dict[str, Any]:
    options = settings_dict.get("OPTIONS") or {}
    where = f"DATABASES[{alias!r}]['OPTIONS']"
    unknown = sorted(set(options) - KNOWN)
    if unknown:
        raise ImproperlyConfigured(f"{where} has unknown keys {unknown}; dataapi_backend accepts {sorted(KNOWN)}")
    for key, pattern, example in (
        ("resource_arn", CLUSTER_ARN, "arn:aws:rds:us-east-1:123456789012:cluster:my-cluster"),
        ("secret_arn", SECRET_ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-app-role-AbCdEf"),
    ):
        value = options.get(key)
        if not value:
            raise ImproperlyConfigured(f"{where}['{key}'] is required; set it to the ARN, e.g. {example}")
        if not pattern.match(value):
            raise ImproperlyConfigured(f"{where}['{key}']={value!r} is not a valid ARN; expected e.g. {example}")
    # NAME None is how Django's _nodb_cursor asks for the maintenance database, as the postgresql backend does.
    name = settings_dict.get("NAME") or "postgres"
    endpoint = options.get("endpoint_url")
    if endpoint is not None and not re.match(r"^https?://\S+$", str(endpoint)):
        raise ImproperlyConfigured(f"{where}['endpoint_url']={endpoint!r} is not an http(s) URL")

    def number(key: str, default: float, lo: float, hi: float, kind: type[float] | type[int] = float) -> Any:
        value = options.get(key, default)
        try:
            value = kind(value)
        except (TypeError, ValueError):
            raise ImproperlyConfigured(f"{where}['{key}']={options.get(key)!r} must be a number") from None
        if not lo <= value <= hi:
            raise ImproperlyConfigured(f"{where}['{key}']={value!r} must be between {lo} and {hi}")
        return value

    retry = RetryPolicy(
        max_attempts=number("retry_max_attempts", RetryPolicy.max_attempts, 1, 20, int),
        budget_seconds=number("retry_budget_seconds", RetryPolicy.budget_seconds, 0, 600),
        base_delay=number("retry_base_delay", RetryPolicy.base_delay, 0, 10),
        max_delay=number("retry_max_delay", RetryPolicy.max_delay, 0, 60),
    )
    return {
        "resource_arn": options["resource_arn"],
        "secret_arn": options["secret_arn"],
        "database": name,
        "region_name": options.get("region_name") or "us-east-1",
        "endpoint_url": endpoint,
        "debug": bool(options.get("debug", False)),
        "connect_timeout": number("connect_timeout", 5, 0.1, 120),
        "read_timeout": number("read_timeout", 60, 1, 900),
        "max_pool_connections": number("max_pool_connections", 50, 1, 1000, int),
        "retry": retry,
    }


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        issues = super().check(**kwargs)
        try:
            options_from_settings(self.connection.settings_dict, self.connection.alias)
        except ImproperlyConfigured as exc:
            issues.append(
                checks.Error(
                    str(exc),
                    id="dataapi_backend.E001",
                    hint="Fix DATABASES in settings (or the env vars that build it).",
                )
            )
            return issues
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - reported, not raised: this is a check
            issues.append(
                checks.Error(
                    f"cannot reach the Data API for database alias {self.connection.alias!r}: {exc}",
                    id="dataapi_backend.E002",
                    hint="Is the Data API reachable (OPTIONS['endpoint_url'] for a local emulator), are "
                    "OPTIONS['resource_arn'] and ['secret_arn'] the cluster's and a secret of it, and may the "
                    "caller's IAM identity call rds-data:ExecuteStatement and read the secret?",
                )
            )
        return issues
