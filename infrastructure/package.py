"""`make package`: build dist/lambda.zip, the one artifact the template's three functions run.

It holds the runtime lock (requirements.txt) only, as wheels for the Lambda runtime the template names (CPython 3.13,
x86_64 on Amazon Linux 2023, glibc 2.34: manylinux2014 (glibc 2.17) wheels where a package has them, else
manylinux_2_28 ones; both run there), this repository's distributions the lock names (`-e packages/...`) as the
wheels a user installs, the runtime packages of this project, and bytecode
compiled ahead with unchecked-hash invalidation (a zip's timestamps then cannot make Python recompile on a read-only
/var/task at every cold start). No tests, no development stack, no emulator, no benchmarks.

Pruning is limited to what no code path of the functions reads: gettext catalogue sources (.po; the compiled .mo
stay), and botocore's models of AWS services the functions have no IAM permission to call anyway.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.txt"
RUNTIME = "3.13"
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")
# Lambda's limits for a function's code: 50 MB zipped for a direct upload, 250 MB unzipped.
ZIP_LIMIT, UNZIPPED_LIMIT = 50 * 2**20, 250 * 2**20
PROJECT_PACKAGES = ("hospitality", "tenants", "bookings", "operations", "seed_cutover", "sql")
# Development-only parts of runtime packages: the local stack manager and the Django test-suite expectations.
PROJECT_EXCLUDES = ("dataapi_backend/django_test_expectations.py",)
# The AWS services the functions call (and the template lets them call); every other model is dead weight.
BOTOCORE_SERVICES = {"rds-data", "secretsmanager", "cloudwatch", "sts", "sso", "sso-oidc"}


def _split_lock(work: Path) -> tuple[Path, list[Path]]:
    """The lock's registry pins (a requirements file) and this repository's distributions it installs editable."""
    pins, local = [], []
    for line in LOCK.read_text().splitlines():
        if line.startswith("-e "):
            local.append(ROOT / line[3:].strip())
        else:
            pins.append(line)
    registry = work.parent / "lambda-registry-pins.txt"
    registry.write_text("\n".join(pins) + "\n")
    return registry, local


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], check=True)


def _install_wheels(target: Path) -> None:
    registry, local = _split_lock(target)
    wheels = target.parent / "lambda-wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    for distribution in local:  # pure Python: built here, the same wheel `make dist` gives a user
        _pip("wheel", "--no-deps", "--wheel-dir", str(wheels), str(distribution))
    _pip(
        "install",
        "--root-user-action=ignore",
        "--no-deps",
        "--no-compile",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        RUNTIME,
        *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
        "--target",
        str(target),
        "-r",
        str(registry),
        *map(str, sorted(wheels.glob("*.whl"))),
    )


def _copy_project(target: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py")
    for name in PROJECT_PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=skip)
    for rel in PROJECT_EXCLUDES:
        path = target / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _prune(target: Path) -> dict[str, int]:
    removed = {"po": 0, "botocore_models": 0, "bin": 0}
    for po in target.rglob("*.po"):
        removed["po"] += po.stat().st_size
        po.unlink()
    for service in (target / "botocore" / "data").iterdir():
        if service.is_dir() and service.name not in BOTOCORE_SERVICES:
            removed["botocore_models"] += sum(f.stat().st_size for f in service.rglob("*") if f.is_file())
            shutil.rmtree(service)
    bin_dir = target / "bin"  # console scripts with this machine's interpreter path: useless on Lambda
    if bin_dir.exists():
        removed["bin"] = sum(f.stat().st_size for f in bin_dir.iterdir())
        shutil.rmtree(bin_dir)
    return removed


def _collect_static(target: Path) -> None:
    """The admin's and the docs' assets, collected into the artifact for WhiteNoise (staff function)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "hospitality.settings",
        "DJANGO_SECRET_KEY": "collectstatic-only",
        "HOSPITALITY_FUNCTION": "staff-admin",
        "DATABASE_URL": "postgres://collectstatic@127.0.0.1:9/none",
        "HOSPITALITY_ENV_FILE": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import django; django.setup(); "
        "from django.core.management import call_command; call_command('collectstatic', '--noinput', '-v0')"
    )
    (target / "staticfiles").mkdir()  # settings switch STATIC_ROOT to it when it exists
    subprocess.run([sys.executable, "-I", "-S", "-c", code, str(target)], env=env, cwd=target, check=True)


def _compile(target: Path) -> None:
    ok = compileall.compile_dir(
        str(target),
        quiet=1,
        workers=0,
        stripdir=str(target),
        prependdir="/var/task",
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise SystemExit("byte-compiling the artifact failed (see above)")


def _zip(source: Path, output: Path) -> tuple[int, int, int]:
    """Deterministic: sorted entries, fixed timestamps and modes, so the same lock and code give the same bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".zip.tmp")
    unzipped = files = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            zf.writestr(info, data, compresslevel=9)
            unzipped += len(data)
            files += 1
    tmp.replace(output)
    return output.stat().st_size, unzipped, files


def find_python(version: str, *preferred: str) -> str | None:
    """An interpreter of CPython `version` ("3.13"): one of `preferred`, python<version> on the PATH, or pyenv's."""
    candidates = [*preferred, shutil.which(f"python{version}") or ""]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{version}*/bin/python{version}"))
    for candidate in filter(None, candidates):
        found = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
        )
        if found.returncode == 0 and found.stdout.strip() == version:
            return candidate
    return None


def runtime_python() -> str:
    """An interpreter of the Lambda runtime's version (the artifact's bytecode and compiled wheels are for it):
    $LAMBDA_PYTHON, this one, python3.13 on the PATH, or pyenv's."""
    found = find_python(RUNTIME, os.environ.get("LAMBDA_PYTHON", ""), sys.executable)
    if found:
        return found
    raise SystemExit(
        f"the Lambda artifact needs CPython {RUNTIME} (its runtime) to build and to boot: install it (e.g. "
        f"`pyenv install {RUNTIME}`) or point LAMBDA_PYTHON at one"
    )


def build(output: Path, work: Path) -> dict:
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != RUNTIME:
        raise SystemExit(f"build with Python {RUNTIME} (the template's runtime): bytecode is version-specific")
    started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"==> wheels from {LOCK.name} for CPython {RUNTIME} {' / '.join(PLATFORMS)}", flush=True)
    _install_wheels(work)
    print("==> project packages: " + ", ".join(PROJECT_PACKAGES), flush=True)
    _copy_project(work)
    removed = _prune(work)
    print("==> collecting static files for the staff function", flush=True)
    _collect_static(work)
    print("==> pruned " + ", ".join(f"{k} {v / 2**20:.1f} MB" for k, v in removed.items()), flush=True)
    print("==> byte-compiling (unchecked-hash .pyc)", flush=True)
    _compile(work)
    zipped, unzipped, files = _zip(work, output)
    result = {
        "timestamp": time.time(),
        "artifact": str(output.relative_to(ROOT) if output.is_relative_to(ROOT) else output),
        "zipped_bytes": zipped,
        "unzipped_bytes": unzipped,
        "files": files,
        "zipped_mb": round(zipped / 2**20, 1),
        "unzipped_mb": round(unzipped / 2**20, 1),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(
        f"{output}: {result['zipped_mb']} MB zipped (limit {ZIP_LIMIT // 2**20} MB), "
        f"{result['unzipped_mb']} MB unzipped (limit {UNZIPPED_LIMIT // 2**20} MB), {files} files, "
        f"{result['seconds']} s"
    )
    if zipped > ZIP_LIMIT or unzipped > UNZIPPED_LIMIT:
        raise SystemExit("the artifact is over Lambda's limits")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.package", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "lambda.zip")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "lambda", help="staging folder (emptied first)")
    parser.add_argument(
        "--record",
        default=str(ROOT / "benchmarks" / "results" / "package.jsonl"),
        help="append the sizes as one JSON line here ('' to skip)",
    )
    args = parser.parse_args(argv)
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != RUNTIME:
        # the build needs only the standard library and pip: run it under the runtime's interpreter
        python = runtime_python()
        os.chdir(ROOT)
        os.execv(python, [python, "-m", "infrastructure.package", *(sys.argv[1:] if argv is None else argv)])
    result = build(args.output.resolve(), args.work.resolve())
    if args.record:
        record = Path(args.record)
        record.parent.mkdir(parents=True, exist_ok=True)
        with open(record, "a") as fh:
            fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    os.umask(0o022)
    main()
