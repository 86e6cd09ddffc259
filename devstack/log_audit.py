"""`make test`'s last step: no secret in any log line the run wrote.

Scanned: what each pytest run printed, and every log file of the test stack (emulator, PostgreSQL, the management
commands). Looked for: every secret the stack knows (role passwords, Django's secret key, the JWT secret, the
context-signing keys) and anything shaped like a credential the suites mint (an API token, a JWT)."""

from __future__ import annotations

import os
import re
from pathlib import Path

CREDENTIAL_SHAPES = {
    "API token": re.compile(r"hsp_[a-z0-9-]{3,63}\.[A-Za-z0-9_-]{20,}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
}


def known_secrets(credentials: dict, env: dict[str, str]) -> dict[str, str]:
    secrets = {f"password of {role}": c["password"] for role, c in credentials["roles"].items()}
    for name in ("DJANGO_SECRET_KEY", "TENANT_JWT_SECRET"):
        if env.get(name):
            secrets[name] = env[name]
    for item in filter(None, env.get("TENANT_CONTEXT_KEYS", "").split(",")):
        kid, _, key = item.partition(":")
        secrets[f"context key {kid}"] = key
    return {what: value for what, value in secrets.items() if len(value) >= 8}


def scan(paths: list[Path], secrets: dict[str, str]) -> tuple[list[str], int]:
    """Findings as "file:line: what", and how many lines were read."""
    findings, lines = [], 0
    for path in paths:
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            lines += 1
            found = [what for what, value in secrets.items() if value in line]
            found += [what for what, shape in CREDENTIAL_SHAPES.items() if shape.search(line)]
            findings += [f"{path}:{number}: {what}" for what in found]
    return findings, lines


def log_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.log") if p.is_file()) + sorted(
        Path(d) / f for d, _, files in os.walk(root) for f in files if f.endswith(".log.1")
    )
