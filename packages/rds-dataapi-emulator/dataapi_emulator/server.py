"""HTTP front end (threaded, keep-alive) and the in-process runner: `EmulatorServer(config).start()`.

Routes POST paths to Data API operations (from botocore's model, in protocol), applies injected faults, counts
calls, and hands the validated body to the responses layer; `/_emulator/` goes to the control API (control.py).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import errors, protocol
from .config import EmulatorConfig
from .control import PREFIX, ControlApi
from .engine import Engine
from .responses import DataApiResponses

log = logging.getLogger("dataapi_emulator")


class Headers(dict):
    """Request headers by lower-cased name; get() takes any case, as email.message's does."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm and delayed ACKs that costs ~40 ms per call.
    disable_nagle_algorithm = True
    # ... and with the header and body in one buffered write (flushed once per request by http.server), a response
    # is one send() instead of two: a system call and a wake-up of the client fewer per call.
    wbufsize = 1 << 16
    server_version = "dataapi-emulator"
    engine: Engine  # these three are set on the subclass made per server (not `responses`: http.server uses it)
    data_api: DataApiResponses
    control: ControlApi

    def parse_request(self) -> bool:
        """The request line and headers, read without http.server's email.message parsing (a tenth of a millisecond
        per call, most of the server's own time on a short statement). Anything that is not a plain HTTP/1.x request
        line goes to the standard parser and its errors."""
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return super().parse_request()
        self.requestline = requestline
        self.command, self.path, self.request_version = words
        headers = Headers()
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(431, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(headers) >= 100:
                self.send_error(431, "Too many headers")
                return False
            name, _, value = line.decode("iso-8859-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        return True

    def log_message(self, fmt, *args):  # route http.server's access log through logging
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", f"emulator-{time.monotonic_ns()}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, exc: errors.DataApiError) -> int:
        body = json.dumps(exc.body()).encode()
        self._send(exc.status, body, {"x-amzn-ErrorType": exc.code})
        return len(body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        limit = self.engine.config.max_request_bytes
        if length > limit:
            # Drain what the client sends (it would see a broken pipe otherwise), then refuse it.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            raise errors.RequestEntityTooLargeException(
                f"Request body of {length} bytes exceeds the Data API limit of {limit} bytes"
            )
        return self.rfile.read(length)

    def do_POST(self):
        if self.path.startswith(PREFIX + "/"):
            return self._control("POST")
        operation = protocol.routes().get(self.path.split("?", 1)[0])
        started = time.perf_counter()
        bytes_in = bytes_out = 0
        code = None
        try:
            body = self._read_body()  # always consumed, so a keep-alive connection stays in step
            bytes_in = len(body)
            if operation is None:
                raise errors.UnknownOperationException(f"Unknown operation {self.path}")
            protocol.check_signature(self.headers.get("Authorization"))
            request = protocol.parse_request(operation, body)
            after = self.engine.faults.before_call(operation)
            payload = self.data_api.dispatch(operation, request)
            self.engine.faults.after_call(after)
            bytes_out = len(payload)
            self._send(200, payload)
        except errors.DataApiError as exc:
            code = exc.code
            bytes_out = self._send_error(exc)
        except (BrokenPipeError, ConnectionResetError):
            code = "ClientDisconnected"
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - no request may crash the server
            log.exception("internal error in %s", operation)
            code = "InternalServerErrorException"
            bytes_out = self._send_error(errors.InternalServerErrorException(f"Internal error: {type(exc).__name__}"))
        finally:
            self.engine.stats.record(
                operation or "Unknown",
                seconds=time.perf_counter() - started,
                bytes_in=bytes_in,
                bytes_out=bytes_out,
                error=code,
            )

    def do_GET(self):
        if self.path.startswith(PREFIX + "/"):
            return self._control("GET")
        self._send_error(errors.UnknownOperationException(f"Unknown operation GET {self.path}"))

    def do_DELETE(self):
        if self.path.startswith(PREFIX + "/"):
            return self._control("DELETE")
        self._send_error(errors.UnknownOperationException(f"Unknown operation DELETE {self.path}"))

    def _control(self, method: str) -> None:
        try:
            body = json.loads(self._read_body() or b"{}") if method == "POST" else {}
            result = self.control.handle(method, self.path.split("?", 1)[0], body)
            self._send(200, json.dumps(result).encode())
        except errors.DataApiError as exc:
            self._send_error(exc)
        except (TypeError, ValueError) as exc:
            self._send_error(errors.BadRequestException(str(exc)))


class EmulatorServer:
    """A threaded HTTP server around one Engine; `start()` returns once it accepts connections."""

    def __init__(self, config: EmulatorConfig, engine: Engine | None = None):
        self.config = config
        self.engine = engine or Engine(config)
        handler = type(
            "BoundHandler",
            (Handler,),
            {"engine": self.engine, "data_api": DataApiResponses(self.engine), "control": ControlApi(self.engine)},
        )
        self.httpd = ThreadingHTTPServer((config.host, config.port), handler)
        self.httpd.daemon_threads = True
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def start(self) -> EmulatorServer:
        self.engine.start()
        self._thread = threading.Thread(target=self.serve_forever, name="dataapi-emulator", daemon=True)
        self._thread.start()
        self.ready.wait()
        return self

    def serve_forever(self) -> None:
        self.ready.set()
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.engine.close()
