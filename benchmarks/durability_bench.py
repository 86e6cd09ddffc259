"""Writes through gunicorn while its workers recycle: is every acknowledged write in the database, and nothing that
was answered "nothing was saved"? As `make serve` runs it (gunicorn.conf.py, gthread workers), with workers
recycling every few requests (GUNICORN_MAX_REQUESTS) so that many writes are the first request of a new worker,
and no warm-up request: the server is used as soon as its port accepts connections.

CLIENTS threads POST /api/entities/ with a demo API token, each write named uniquely; the names each answer
acknowledged (2xx), refused as unsaved (503) or left unknown (502) are then counted against the database through
the admin role's own connection. Printed per transport (the Data API through the emulator, and direct PostgreSQL):
writes, acknowledged, worker boots, acknowledged but missing, saved though answered 503. Target: 0 and 0."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import socket
import sys
import threading
import time

import psycopg

from .common import ROOT, load_stack_env, start_gunicorn

CLIENTS = 8
WRITES = 600
MAX_REQUESTS = 15  # a recycle every 15-16 requests per worker: ~40 new workers per run
TENANT_TOKEN_KEY = "alice@tenant-seaside-001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def writer(port: int, token: str, names: list[str], outcomes: dict[str, int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for name in names:
        body = json.dumps({"entity_type": "venue", "name": name})
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        try:
            conn.request("POST", "/api/entities/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            outcomes[name] = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            outcomes[name] = 0  # no answer: the client cannot know, as with a 502
            conn.close()
    conn.close()


def run(transport: str, env: dict[str, str], token: str) -> dict:
    port = free_port()
    prefix = f"durability-{transport}-{secrets.token_hex(4)}-"
    log_path = ROOT / ".local" / f"durability-bench-{transport}.log"
    server = start_gunicorn(
        port,
        log_path,
        {
            **env,
            "USE_DATA_API": "true" if transport == "data-api" else "false",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS),
        },
    )
    outcomes: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 30
        while True:  # the port only: no request warms a worker before the first write
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not start (log: {log_path})")
                time.sleep(0.1)
        names = [f"{prefix}{i}" for i in range(WRITES)]
        started = time.monotonic()
        threads = [
            threading.Thread(target=writer, args=(port, token, names[i::CLIENTS], outcomes)) for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        saved = {row[0] for row in conn.execute("SELECT name FROM entities WHERE name LIKE %s", [prefix + "%"])}
        conn.execute("DELETE FROM entities WHERE name LIKE %s", [prefix + "%"])
    acknowledged = {n for n, status in outcomes.items() if 200 <= status < 300}
    refused = {n for n, status in outcomes.items() if status == 503}
    boots = len(re.findall(r"Booting worker with pid", log_path.read_text()))
    return {
        "writes": len(outcomes),
        "acknowledged": len(acknowledged),
        "answered_503": len(refused),
        "answered_502_or_none": sum(1 for s in outcomes.values() if s in (0, 502)),
        "other": sorted({s for s in outcomes.values() if not (200 <= s < 300) and s not in (0, 502, 503)}),
        "worker_boots": boots,
        "acknowledged_but_missing": len(acknowledged - saved),
        "saved_but_answered_503": len(refused & saved),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    env = load_stack_env()
    demo = json.loads((ROOT / ".local" / "dev" / "demo-credentials.json").read_text())
    token = demo["api_tokens"][TENANT_TOKEN_KEY]
    print(
        f"gunicorn, 2 gthread workers recycling every {MAX_REQUESTS} requests, {CLIENTS} clients, {WRITES} writes "
        "(POST /api/entities/), no warm-up:"
    )
    failed = False
    for transport in ("data-api", "pg"):
        r = run(transport, env, token)
        print(
            f"  {transport:<8} {r['writes']} writes in {r['seconds']}s, {r['worker_boots']} worker boots: "
            f"{r['acknowledged']} acknowledged, {r['answered_503']} answered 503, {r['answered_502_or_none']} 502 "
            f"or no answer{', other statuses ' + str(r['other']) if r['other'] else ''}; acknowledged but missing "
            f"{r['acknowledged_but_missing']}, saved though answered 503 {r['saved_but_answered_503']}"
        )
        failed |= bool(r["acknowledged_but_missing"] or r["saved_but_answered_503"])
    print(f"  target: 0 acknowledged but missing, 0 saved though answered 503: {'MISSED' if failed else 'met'}")


if __name__ == "__main__":
    main()
