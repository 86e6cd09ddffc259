"""`make dist` and `make dist-check`: this repository's two distributions as a user gets them.

dist: each package under packages/ built into a wheel and an sdist (dist/packages/).
dist-check: on each Python given (3.11 and 3.13 by default), two fresh virtualenvs with nothing of this repository
but one wheel each (and what it declares): the emulator's serves the test stack's PostgreSQL through its
`dataapi-emulator` command; the backend's (no psycopg in it, so Django's own postgresql backend cannot even import)
runs the tests of packages/example-project, a Django project of its own, against it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .stack import PROJECT_ROOT, Stack

DISTRIBUTIONS = {"django-rds-dataapi": "dataapi_backend", "rds-dataapi-emulator": "dataapi_emulator"}
OUT = PROJECT_ROOT / "dist" / "packages"
EXAMPLE = PROJECT_ROOT / "packages" / "example-project"
PYTHONS = ("3.11", "3.13")


def build() -> dict[str, Path]:
    """Wheel and sdist of each distribution; returns each one's wheel."""
    shutil.rmtree(OUT, ignore_errors=True)
    for name in DISTRIBUTIONS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "uv",
                "build",
                "--quiet",
                "--out-dir",
                str(OUT),
                str(PROJECT_ROOT / "packages" / name),
            ],
            check=True,
        )
    wheels = {name: next(OUT.glob(name.replace("-", "_") + "-*.whl")) for name in DISTRIBUTIONS}
    for path in sorted(OUT.glob("*.*[!e]")):  # not uv's .gitignore
        print(f"  {path.relative_to(PROJECT_ROOT)} ({path.stat().st_size // 1024} KiB)", flush=True)
    return wheels


def find_python(version: str) -> str:
    from infrastructure.package import find_python as found

    python = found(version)
    if python is None:
        raise RuntimeError(f"no Python {version} found (on the PATH or under pyenv): `pyenv install {version}`")
    return python


def clean_env(**extra: str) -> dict[str, str]:
    """Nothing of this repository's environment (no PYTHONPATH, no project settings): only what a user has."""
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **extra}


def virtualenv(python: str, folder: Path, wheel: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-qq"]
    subprocess.run([*pip, "install", str(wheel)], check=True, env=clean_env())
    return folder / "bin" / "python"


def installed(python: Path) -> set[str]:
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    )
    return {entry["name"].lower() for entry in json.loads(listing.stdout)}


def check_backend_alone(python: Path) -> None:
    """The backend's wheel pulls no psycopg, and imports without Django's postgresql backend being importable."""
    found = installed(python)
    if any(name.startswith("psycopg") for name in found):
        raise RuntimeError(f"the backend's wheel pulled psycopg: {sorted(found)}")
    code = (
        "import sys\n"
        "import dataapi_backend, dataapi_backend.dbapi\n"
        "from django.conf import settings; settings.configure()\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "import dataapi_backend.base\n"
        "try:\n"
        "    import django.db.backends.postgresql.base\n"
        "except ImproperlyConfigured:\n"
        "    pass\n"
        "else:\n"
        "    sys.exit('django.db.backends.postgresql imported: psycopg is there')\n"
        "assert 'psycopg' not in sys.modules\n"
    )
    subprocess.run([str(python), "-c", code], check=True, env=clean_env(), cwd="/")


def start_emulator(python: Path, postgres_url: str, log: Path) -> tuple[subprocess.Popen, dict]:
    """`dataapi-emulator` from its venv, on a free port; returns what it prints for clients."""
    command = python.parent / "dataapi-emulator"
    out = log.open("w")
    proc = subprocess.Popen(
        [str(command), "--postgres-url", postgres_url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=out,
        text=True,
        env=clean_env(),
    )
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("{"):
            return proc, json.loads(line)
    proc.kill()
    raise RuntimeError(f"dataapi-emulator did not announce itself within 30 s; its log: {log}")


def run_example(python: Path, announced: dict) -> None:
    [(secret_arn, _role)] = announced["secret_arns"].items()
    env = clean_env(
        DATAAPI_ENDPOINT=announced["endpoint_url"],
        DATAAPI_CLUSTER_ARN=announced["cluster_arns"][0],
        DATAAPI_SECRET_ARN=secret_arn,
        AWS_ACCESS_KEY_ID="emulator",  # any dummy credentials do against the emulator
        AWS_SECRET_ACCESS_KEY="emulator",
        PYTHONDONTWRITEBYTECODE="1",
    )
    subprocess.run([str(python), "manage.py", "test", "--noinput", "-v", "2"], cwd=EXAMPLE, env=env, check=True)


def check(stack: Stack, pythons: tuple[str, ...] = PYTHONS) -> None:
    print("==> building both distributions", flush=True)
    wheels = build()
    root = stack.spec.root.parent / "dist-check"
    suite = stack.credentials()["roles"]["hospitality_suite"]  # a login that may create the test database
    postgres_url = f"postgresql://hospitality_suite:{suite['password']}@127.0.0.1:{stack.spec.pg_port}"
    for version in pythons:
        python = find_python(version)
        print(f"==> Python {version} ({python}): a virtualenv per wheel", flush=True)
        emulator = virtualenv(python, root / f"py{version}-emulator", wheels["rds-dataapi-emulator"])
        backend = virtualenv(python, root / f"py{version}-backend", wheels["django-rds-dataapi"])
        check_backend_alone(backend)
        print(f"  backend alone: {', '.join(sorted(installed(backend)))}", flush=True)
        proc, announced = start_emulator(emulator, postgres_url, root / f"py{version}-emulator.log")
        try:
            print(f"  dataapi-emulator on {announced['endpoint_url']}; the example project's tests:", flush=True)
            run_example(backend, announced)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"==> both wheels work on Python {' and '.join(pythons)}", flush=True)
