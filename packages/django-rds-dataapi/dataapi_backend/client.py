import signal
import sys
from typing import Any

from django.db.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    """dbshell runs dataapi_backend.shell, a small SQL shell over the Data API (there is no psql protocol to hand
    a session over to); it authenticates with the secret ARN, so no password ever reaches a command line."""

    executable_name = sys.executable

    @classmethod
    def settings_to_cmd_args_env(
        cls, settings_dict: dict[str, Any], parameters: list[str]
    ) -> tuple[list[str], dict[str, str] | None]:
        options = settings_dict["OPTIONS"]
        args = [cls.executable_name, "-m", "dataapi_backend.shell"]
        args += ["--resource-arn", options["resource_arn"], "--secret-arn", options["secret_arn"]]
        args += ["--database", settings_dict.get("NAME") or "postgres"]
        args += ["--region", options.get("region_name", "us-east-1")]
        if options.get("endpoint_url"):
            args += ["--endpoint-url", options["endpoint_url"]]
        return args + parameters, None

    def runshell(self, parameters: list[str]) -> None:
        # As Django's postgresql client: Ctrl-C belongs to the shell (it drops the statement being typed).
        sigint_handler = signal.getsignal(signal.SIGINT)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            super().runshell(parameters)
        finally:
            signal.signal(signal.SIGINT, sigint_handler)
