"""The seed's own Drizzle client (package.json + package-lock.json + *.mjs here), installed with `npm ci` under
.local/seed-client (with the drop-in module clients/typescript copied in: .npmrc install-links) and run one command
per process. Used by the coexistence and adoption tests; `npm_ci` also installs the drop-in module for its tests."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

SOURCE = Path(__file__).resolve().parent
ROOT = SOURCE.parents[1]
WORKDIR = ROOT / ".local" / "seed-client"  # as deep as SOURCE: "file:../../clients/typescript" resolves the same
FILES = ("package.json", "package-lock.json", ".npmrc", "schema.mjs", "client.mjs")
DROP_IN = ROOT / "clients" / "typescript"


def _fingerprint(*directories: Path) -> str:
    """What an install depends on: the lockfiles and the drop-in module's own files."""
    digest = hashlib.sha256()
    for directory in directories:
        for path in sorted(directory.glob("*")):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def npm_ci(workdir: Path, fingerprint: str) -> None:
    """npm ci from the lockfile, again only when what it installs changed."""
    npm = shutil.which("npm")
    assert npm, "Node.js and npm are on every machine of this project (docs/development.md)"
    stamp = workdir / "node_modules" / ".installed-from"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    stamp.write_text(fingerprint)


def install() -> Path:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(SOURCE / name, WORKDIR / name)
    npm_ci(WORKDIR, _fingerprint(SOURCE, DROP_IN))
    return WORKDIR


def client(**env_overrides: str) -> Callable[..., dict]:
    """run(command, tenant, user, role="owner", **arguments) → the client's JSON answer."""
    workdir = install()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        # the drop-in module's key: the TypeScript app's own key id, installed beside Django's
        "TENANT_CONTEXT_KEY": os.environ["SEED_CONTEXT_KEY"],
        "TENANT_EXTERNAL_IDENTITIES": "false",
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
