"""Startup checks of the AWS resources the tenant path needs (only against real AWS: no DATA_API_ENDPOINT)."""

from django.conf import settings
from django.core import checks

from tenants.aliases import TENANT_ALIAS


def secrets_readable(app_configs, **kwargs):
    """The Data API reads DB_SECRET_ARN with the caller's IAM identity: a missing secret or permission should stop
    startup with the variable's name, not fail the first tenant request."""
    return check_secret(settings.DATABASES.get(TENANT_ALIAS, {}))


def check_secret(tenant: dict) -> list:
    options = tenant.get("OPTIONS", {})
    if tenant.get("ENGINE") != "dataapi_backend" or options.get("endpoint_url"):
        return []
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        boto3.client("secretsmanager", region_name=options.get("region_name")).describe_secret(
            SecretId=options["secret_arn"]
        )
    except ClientError as exc:
        err = exc.response.get("Error", {})
        return [
            checks.Error(
                f"DB_SECRET_ARN={options['secret_arn']!r}: Secrets Manager answered "
                f"{err.get('Code')}: {err.get('Message')}",
                hint="check the ARN and that this IAM identity may secretsmanager:DescribeSecret and "
                "GetSecretValue on it",
                id="operations.E001",
            )
        ]
    except BotoCoreError as exc:
        return [
            checks.Error(
                f"DB_SECRET_ARN: cannot reach Secrets Manager: {exc}",
                id="operations.E002",
                hint="check AWS credentials, AWS_REGION and network access",
            )
        ]
    return []
