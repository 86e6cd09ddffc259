"""A PostgreSQL wire-protocol proxy that injects faults and latency on the direct path, as the emulator does on the
Data API path: the same failures (a statement that never reaches the server, a COMMIT that ran but whose answer was
lost) and the same added latency per round trip, on a real psycopg connection to the real server.

Clients must connect without TLS (`sslmode=disable`): the proxy reads the frontend's messages to match statements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import socket
import struct
import threading
import time

# frontend messages that carry SQL: Query (simple protocol) and Parse (extended protocol, server-side binding)
_SQL_MESSAGES = {b"Q", b"P"}
# frontend messages after which the client waits for the server: a round trip the latency applies to
_ROUND_TRIPS = {b"Q", b"S"}


@dataclasses.dataclass
class Rule:
    """Fail the connection at the next frontend statement whose SQL contains `sql` (case-insensitive).
    after=False: the statement never reaches the server. after=True: it runs, the server's answer is dropped."""

    sql: str
    after: bool = False
    skip: int = 0  # let this many matching statements through first
    count: int | None = 1  # None: no limit
    rate: float = 1.0  # probability per matching statement (random.Random(seed) of the proxy)
    injected: int = 0
    seen: int = 0

    def matches(self, text: str, rng: random.Random) -> bool:
        if (self.count is not None and self.injected >= self.count) or self.sql.lower() not in text.lower():
            return False
        self.seen += 1
        if self.seen <= self.skip or rng.random() >= self.rate:
            return False
        self.injected += 1
        return True


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _statement_text(kind: bytes, body: bytes) -> str:
    if kind == b"Q":
        return body.split(b"\0", 1)[0].decode(errors="replace")
    _, query = body.split(b"\0", 2)[:2]  # Parse: statement name, then the query
    return query.decode(errors="replace")


class PgProxy:
    def __init__(self, host: str, port: int, seed: int | None = None):
        self.upstream = (host, port)
        self._rng = random.Random(seed)
        self.rules: list[Rule] = []
        self.latency_s = 0.0
        self.round_trips = 0  # messages the client then waited on (simple queries and Syncs)
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    # -- control ---------------------------------------------------------------------------------------------
    def fail(self, sql: str, *, after: bool = False, skip: int = 0, count: int | None = 1, rate: float = 1.0) -> None:
        with self._lock:
            self.rules.append(Rule(sql, after=after, skip=skip, count=count, rate=rate))

    def delay(self, milliseconds: float) -> None:
        """Add this much latency to every round trip (each simple query and each extended-protocol Sync)."""
        self.latency_s = milliseconds / 1000

    def clear(self) -> None:
        with self._lock:
            self.rules, self.latency_s = [], 0.0

    def close(self) -> None:
        self._closed = True
        self._server.close()

    # -- relaying --------------------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, server)
            threading.Thread(target=link.frontend, daemon=True).start()
            threading.Thread(target=link.backend, daemon=True).start()

    def _rule_for(self, text: str) -> Rule | None:
        with self._lock:
            return next((rule for rule in self.rules if rule.matches(text, self._rng)), None)


class _Link:
    """One client connection and its server connection."""

    def __init__(self, proxy: PgProxy, client: socket.socket, server: socket.socket):
        self.proxy, self.client, self.server = proxy, client, server
        self.drop_answer = threading.Event()

    def cut(self) -> None:
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def frontend(self) -> None:
        try:
            (length,) = struct.unpack("!i", _read_exact(self.client, 4))  # the startup message has no type byte
            self.server.sendall(struct.pack("!i", length) + _read_exact(self.client, length - 4))
            while True:
                kind = _read_exact(self.client, 1)
                (length,) = struct.unpack("!i", _read_exact(self.client, 4))
                body = _read_exact(self.client, length - 4)
                if kind in _SQL_MESSAGES:
                    rule = self.proxy._rule_for(_statement_text(kind, body))
                    if rule and not rule.after:
                        return self.cut()
                    if rule:
                        self.drop_answer.set()
                if kind in _ROUND_TRIPS:
                    self.proxy.round_trips += 1
                    if self.proxy.latency_s:
                        time.sleep(self.proxy.latency_s)
                self.server.sendall(kind + struct.pack("!i", length) + body)
        except (ConnectionError, OSError):
            self.cut()

    def backend(self) -> None:
        try:
            while True:
                kind = _read_exact(self.server, 1)
                header = _read_exact(self.server, 4)
                (length,) = struct.unpack("!i", header)
                message = kind + header + _read_exact(self.server, length - 4)
                if self.drop_answer.is_set():
                    if kind == b"Z":  # the statement ran to the end; its answer never reaches the client
                        return self.cut()
                    continue
                self.client.sendall(message)
        except (ConnectionError, OSError):
            self.cut()


@contextlib.contextmanager
def proxied_alias(alias: str, seed: int | None = None):
    """Django's connection `alias` (the stock postgresql backend) reconnected through a new proxy for the block."""
    from django.db import connections

    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in ("HOST", "PORT", "OPTIONS")}
    proxy = PgProxy(saved["HOST"] or "localhost", int(saved["PORT"] or 5432), seed=seed)
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(proxy.port), OPTIONS={**(saved["OPTIONS"] or {}), "sslmode": "disable"}
    )
    try:
        yield proxy
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        proxy.close()
