"""The seed's own Drizzle client (package.json + package-lock.json + *.mjs here), installed with `npm ci` under
.local/seed-client and run one command per process. Used by the coexistence and adoption tests."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

SOURCE = Path(__file__).resolve().parent
WORKDIR = SOURCE.parents[1] / ".local" / "seed-client"
FILES = ("package.json", "package-lock.json", "schema.mjs", "client.mjs")


def install() -> Path:
    """npm ci from the lockfile, again only when the lockfile changed."""
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are on every machine of this project (docs/seed-migration.md)"
    WORKDIR.mkdir(parents=True, exist_ok=True)
    lock_changed = not (WORKDIR / "package-lock.json").exists() or not filecmp.cmp(
        SOURCE / "package-lock.json", WORKDIR / "package-lock.json", shallow=False
    )
    for name in FILES:
        shutil.copy(SOURCE / name, WORKDIR / name)
    if lock_changed or not (WORKDIR / "node_modules" / "drizzle-orm").exists():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=WORKDIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert installed.returncode == 0, installed.stderr
    return WORKDIR


def client(**env_overrides: str) -> Callable[..., dict]:
    """run(command, tenant, user, role="owner", **arguments) → the client's JSON answer."""
    workdir = install()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        **env_overrides,
    }

    def run(command: str, tenant: str, user: str, role: str = "owner", **arguments) -> dict:
        result = subprocess.run(
            ["node", "client.mjs", command, tenant, user, role, json.dumps(arguments)],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.stdout, result.stderr
        return json.loads(result.stdout)

    return run
