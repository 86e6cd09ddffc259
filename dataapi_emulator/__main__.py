"""`python -m dataapi_emulator --config emulator.json [--port N] [--latency-ms X] [--fault OP:ERROR:RATE]`"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .config import EmulatorConfig
from .server import EmulatorServer


def parse_fault(text: str) -> dict:
    try:
        operation, error, rate = text.split(":")
        return {"operation": operation, "error": error, "rate": float(rate)}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fault {text!r}: expected OPERATION:ERROR:RATE, e.g. '*:ThrottlingException:0.1'"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dataapi_emulator", description=__doc__)
    parser.add_argument("--config", required=True, help="JSON file: postgres host/port, clusters, secrets")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per call")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="random extra latency per call, 0..N ms")
    parser.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        help="inject an error: OPERATION:ERROR:RATE (OPERATION may be *)",
    )
    parser.add_argument("--idle-timeout", type=float, help="transaction idle timeout in seconds (AWS: 180)")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    config = EmulatorConfig.from_file(args.config)
    if args.host:
        config.host = args.host
    if args.port is not None:
        config.port = args.port
    if args.idle_timeout is not None:
        config.transaction_idle_timeout = args.idle_timeout
    server = EmulatorServer(config)
    server.engine.faults.configure(latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, rules=args.fault)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger("dataapi_emulator").info(
        "Data API emulator listening on %s (PostgreSQL %s:%s)", server.url, config.pg_host, config.pg_port
    )
    server.engine.start()
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
