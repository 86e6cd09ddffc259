from typing import NoReturn

from django.core.management.base import CommandError
from django.db.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    executable_name = "aws"

    def runshell(self, parameters: list[str]) -> NoReturn:
        # The Data API has no interactive protocol; say what to use instead of failing inside psql.
        options = self.connection.settings_dict["OPTIONS"]
        endpoint = f" --endpoint-url {options['endpoint_url']}" if options.get("endpoint_url") else ""
        raise CommandError(
            "dbshell cannot open an interactive session over the RDS Data API. Run one statement with:\n"
            f"  aws rds-data execute-statement{endpoint} --resource-arn {options.get('resource_arn')} "
            f"--secret-arn {options.get('secret_arn')} --database {self.connection.settings_dict['NAME']} "
            "--sql 'SELECT 1'\n"
            "or use a direct connection: `manage.py dbshell --database default` where DATABASE_URL is set."
        )
