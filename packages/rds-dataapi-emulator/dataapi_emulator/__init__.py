"""A local RDS Data API: the same REST-JSON protocol boto3 speaks to AWS, backed by a real PostgreSQL.

    from dataapi_emulator import EmulatorConfig, EmulatorServer
    server = EmulatorServer(EmulatorConfig(pg_port=5432, clusters=[...], secrets={...})).start()
    boto3.client("rds-data", endpoint_url=server.url, ...)

Importing this package has no side effects; `python -m dataapi_emulator --help` runs it as a process.
"""

from .config import EmulatorConfig, Secret
from .engine import Engine
from .faults import Faults
from .server import EmulatorServer

__all__ = ["EmulatorConfig", "EmulatorServer", "Engine", "Faults", "Secret"]
