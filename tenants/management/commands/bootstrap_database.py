"""`manage.py bootstrap_database`: the roles and the database, as the cluster's master user (tenants/bootstrap.py).

Where the master connects from:
- `DB_MASTER_SECRET_ARN` (+ `DB_CLUSTER_ARN`, `AWS_REGION`, `DATA_API_ENDPOINT` locally): over the Data API, as the
  management function runs it on AWS (no host in the VPC);
- `MASTER_DATABASE_URL`: directly (a host that reaches the cluster, or the local stack).
Each role's password comes from its secret (`DB_OWNER_SECRET_ARN`, `DB_ADMIN_SECRET_ARN`, `DB_SECRET_ARN`: JSON with
`password`, as Secrets Manager stores database credentials) or, where they are set (the local stack), from
`OWNER_DATABASE_URL`, `DATABASE_URL`, `TENANT_DATABASE_URL`. The database is `DATABASE_NAME` unless --database
says otherwise.
"""

from __future__ import annotations

import json
import os
from urllib.parse import unquote, urlsplit

from django.core.management.base import BaseCommand, CommandError

from tenants.bootstrap import ADMIN_ROLE, APP_ROLE, OWNER_ROLE, BootstrapError, bootstrap

PASSWORD_SOURCES = {
    OWNER_ROLE: ("DB_OWNER_SECRET_ARN", "OWNER_DATABASE_URL"),
    ADMIN_ROLE: ("DB_ADMIN_SECRET_ARN", "DATABASE_URL"),
    APP_ROLE: ("DB_SECRET_ARN", "TENANT_DATABASE_URL"),
}


def _secret_password(arn: str) -> str:
    import boto3

    value = boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION")).get_secret_value(SecretId=arn)
    text = value["SecretString"]
    try:
        return json.loads(text)["password"]
    except (ValueError, KeyError, TypeError):
        return text  # a plain-text secret is the password itself


def role_passwords(env) -> dict[str, str]:
    passwords = {}
    for role, (secret_var, url_var) in PASSWORD_SOURCES.items():
        if env.get(url_var):  # a host that reaches the database (the local stack) knows the URLs
            passwords[role] = unquote(urlsplit(env[url_var]).password or "")
        elif env.get(secret_var):
            passwords[role] = _secret_password(env[secret_var])
    return passwords


def master_connector(env):
    if env.get("DB_MASTER_SECRET_ARN"):
        from dataapi_backend import dbapi

        cluster = env.get("DB_CLUSTER_ARN")
        if not cluster:
            raise CommandError("DB_MASTER_SECRET_ARN needs DB_CLUSTER_ARN (the cluster the Data API reaches)")

        def connect(database: str):
            return dbapi.connect(
                resource_arn=cluster,
                secret_arn=env["DB_MASTER_SECRET_ARN"],
                database=database,
                region_name=env.get("AWS_REGION", "us-east-1"),
                endpoint_url=env.get("DATA_API_ENDPOINT") or None,
            )

        return connect
    if env.get("MASTER_DATABASE_URL"):
        import psycopg

        url = urlsplit(env["MASTER_DATABASE_URL"])

        def connect(database: str):
            return psycopg.connect(url._replace(scheme="postgresql", path=f"/{database}").geturl(), autocommit=True)

        return connect
    raise CommandError(
        "set DB_MASTER_SECRET_ARN (the cluster's master secret, over the Data API) or MASTER_DATABASE_URL"
    )


class Command(BaseCommand):
    help = "Create the roles and the database as the cluster's master user (not a superuser), one statement a call."

    def add_arguments(self, parser):
        parser.add_argument("--database", help="the application database (default: DATABASE_NAME)")

    def handle(self, *args, database, **options):
        env = os.environ
        database = database or env.get("DATABASE_NAME")
        if not database or not database.replace("_", "a").isalnum() or database[0].isdigit():
            raise CommandError("give the database name (--database or DATABASE_NAME): letters, digits, underscores")
        connect = master_connector(env)
        try:
            bootstrap(connect, database, role_passwords(env), log=self.stdout.write)
        except BootstrapError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"bootstrap of {database!r} done"))
