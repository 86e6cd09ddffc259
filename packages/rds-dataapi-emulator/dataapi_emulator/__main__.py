"""A local AWS RDS Data API in front of a PostgreSQL server.

    dataapi-emulator --postgres-url postgresql://USER:PASSWORD@HOST:5432 [--port 8765]
    dataapi-emulator --config emulator.json [--port N]

The login of --postgres-url becomes a secret; --secret adds more, --cluster-arn names the cluster(s) it answers for.
What a client needs (endpoint, cluster ARN, secret ARNs) is printed once it listens.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from urllib.parse import unquote, urlsplit

from .config import EmulatorConfig, Secret

DEFAULT_PORT = 8765
DEFAULT_REGION = "us-east-1"
ACCOUNT = "000000000000"  # what moto and LocalStack answer as the account: no real account is named


def default_cluster_arn(region: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:dataapi-emulator"


def secret_arn_for(username: str, region: str) -> str:
    # Secrets Manager's ARNs end in "-" and six characters; these are fixed so that a script can write them down
    return f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:dataapi-emulator/{username}-000000"


def parse_fault(text: str) -> dict:
    try:
        operation, error, rate = text.split(":")
        return {"operation": operation, "error": error, "rate": float(rate)}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fault {text!r}: expected OPERATION:ERROR:RATE, e.g. '*:ThrottlingException:0.1'"
        ) from None


def parse_secret(text: str) -> tuple[str | None, Secret]:
    """`[ARN=]USER[:PASSWORD]`; a password left out is read from $PGPASSWORD, as libpq does."""
    arn, sep, login = text.rpartition("=")
    if sep and not arn.startswith("arn:aws:secretsmanager:"):
        raise argparse.ArgumentTypeError(f"--secret {text!r}: {arn!r} is not a Secrets Manager secret ARN")
    username, _, password = login.partition(":")
    if not username:
        raise argparse.ArgumentTypeError(f"--secret {text!r}: expected [ARN=]USER[:PASSWORD]")
    return arn or None, Secret(username=username, password=password or os.environ.get("PGPASSWORD", ""))


def parse_postgres_url(text: str) -> tuple[str, int, Secret | None]:
    parts = urlsplit(text)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"--postgres-url {text!r}: expected postgresql://[USER[:PASSWORD]@]HOST[:PORT]"
        )
    try:
        port = parts.port or 5432
    except ValueError:
        raise argparse.ArgumentTypeError(f"--postgres-url {text!r}: the port is not a number") from None
    secret = None
    if parts.username:
        password = unquote(parts.password) if parts.password is not None else os.environ.get("PGPASSWORD", "")
        secret = Secret(username=unquote(parts.username), password=password)
    return parts.hostname, port, secret


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dataapi-emulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # an option is spelled out in full, never guessed from a prefix
    )
    where = parser.add_argument_group("PostgreSQL and the ARNs it answers for")
    where.add_argument("--postgres-url", type=parse_postgres_url, help="postgresql://[USER[:PASSWORD]@]HOST[:PORT]")
    where.add_argument("--config", help="JSON file: postgres host/port, clusters, secrets (see the README)")
    where.add_argument("--region", default=DEFAULT_REGION, help=f"region of the ARNs made up here ({DEFAULT_REGION})")
    where.add_argument(
        "--cluster-arn", action="append", default=[], help="a cluster ARN to answer for (repeatable; default: one)"
    )
    where.add_argument(
        "--secret",
        type=parse_secret,
        action="append",
        default=[],
        metavar="[ARN=]USER[:PASSWORD]",
        help="a secret logging in as USER (repeatable; the ARN is made up when left out)",
    )
    where.add_argument("--secrets-endpoint", help="a Secrets Manager endpoint (moto's, say) for secrets not given here")
    serve = parser.add_argument_group("serving")
    serve.add_argument("--host", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"port to listen on ({DEFAULT_PORT}; 0: any free one)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="added latency per call")
    serve.add_argument("--jitter-ms", type=float, default=0.0, help="random extra latency per call, 0..N ms")
    serve.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        help="inject an error: OPERATION:ERROR:RATE (OPERATION may be *)",
    )
    serve.add_argument("--idle-timeout", type=float, help="transaction idle timeout in seconds (AWS: 180)")
    serve.add_argument("--log-level", default="INFO")
    return parser


def configure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> EmulatorConfig:
    if not args.config and not args.postgres_url:
        parser.error("give --postgres-url (or --config)")
    config = EmulatorConfig.from_file(args.config) if args.config else EmulatorConfig(port=DEFAULT_PORT)
    if args.postgres_url:
        config.pg_host, config.pg_port, login = args.postgres_url
        if login is not None:
            args.secret.insert(0, (None, login))
    for arn, secret in args.secret:
        config.secrets[arn or secret_arn_for(secret.username, args.region)] = secret
    config.clusters.extend(arn for arn in args.cluster_arn if arn not in config.clusters)
    if not config.clusters:
        config.clusters.append(default_cluster_arn(args.region))
    if not config.secrets and not args.secrets_endpoint and not config.secrets_manager_endpoint:
        parser.error("no secret to log in with: put USER:PASSWORD in --postgres-url, or give --secret")
    if args.secrets_endpoint:
        config.secrets_manager_endpoint = args.secrets_endpoint
    if args.host:
        config.host = args.host
    if args.port is not None:
        config.port = args.port
    if args.idle_timeout is not None:
        config.transaction_idle_timeout = args.idle_timeout
    return config


def announcement(url: str, config: EmulatorConfig) -> str:
    """What a client needs, as one JSON line (scripts read it) after a line for people."""
    found = {
        "endpoint_url": url,
        "cluster_arns": config.clusters,
        "secret_arns": {arn: secret.username for arn, secret in config.secrets.items()},
    }
    return (
        f"Data API emulator on {url} (PostgreSQL {config.pg_host}:{config.pg_port}); any dummy AWS credentials do\n"
        + json.dumps(found)
    )


def main(argv: list[str] | None = None) -> int:
    from .server import EmulatorServer  # after parsing: --help answers without psycopg's import cost

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = configure(args, parser)
    server = EmulatorServer(config)
    server.engine.faults.configure(latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, rules=args.fault)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server.engine.start()
    print(announcement(server.url, config), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
        server.engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
