"""Secrets Manager problems surface at startup as system checks naming DB_SECRET_ARN (moto stands in for AWS)."""

import boto3
import pytest
from moto import mock_aws

from operations.checks import check_secret, secrets_readable

ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


@pytest.fixture
def aws_tenant(monkeypatch):
    """The tenant alias as configured on AWS (no emulator endpoint)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return {
        "ENGINE": "dataapi_backend",
        "NAME": "hospitality",
        "OPTIONS": {
            "resource_arn": "arn:aws:rds:us-east-1:123456789012:cluster:c",
            "secret_arn": "",
            "region_name": "us-east-1",
        },
    }


def test_readable_secret_passes(aws_tenant):
    with mock_aws():
        created = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="hospitality/app", SecretString='{"username": "hospitality_app", "password": "x"}'
        )
        aws_tenant["OPTIONS"]["secret_arn"] = created["ARN"]
        assert check_secret(aws_tenant) == []


def test_missing_secret_names_the_variable(aws_tenant):
    aws_tenant["OPTIONS"]["secret_arn"] = ARN_PREFIX + "nope-AbCdEf"
    with mock_aws():
        errors = check_secret(aws_tenant)
    assert [e.id for e in errors] == ["operations.E001"]
    assert errors[0].msg.startswith(
        f"DB_SECRET_ARN='{ARN_PREFIX}nope-AbCdEf': Secrets Manager answered ResourceNotFoundException"
    )


def test_emulator_setups_are_not_checked(settings):
    assert (
        settings.DATABASES["tenant"].get("OPTIONS", {}).get("endpoint_url")
        or settings.DATABASES["tenant"]["ENGINE"] != "dataapi_backend"
    )
    assert secrets_readable(None) == []
