"""`python -m devstack {up,down,status,run,test} [dev|test]`: what `make run/test/stop` call."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .postgres import PostgresError
from .stack import PROJECT_ROOT, Stack, spec

BOLD, GREEN, RED, RESET = ("\033[1m", "\033[32m", "\033[31m", "\033[0m") if sys.stdout.isatty() else ("",) * 4


class Steps:
    """Numbered progress lines; a failing step names itself and where its log is."""

    def __init__(self, total: int):
        self.total, self.n = total, 0

    def run(self, title: str, fn, *args):
        self.n += 1
        print(f"{BOLD}[{self.n}/{self.total}] {title}{RESET}", flush=True)
        started = time.monotonic()
        try:
            result = fn(*args)
        except (PostgresError, RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            print(f"{RED}✗ {title} failed: {exc}{RESET}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        print(f"  {GREEN}done{RESET} in {time.monotonic() - started:.1f}s", flush=True)
        return result


# Switches a developer may set for `make run` (they win over the stack's env file); everything else comes from the
# stack, so a sourced .local/env of another stack can never point the tests at the wrong database.
USER_SWITCHES = ("USE_DATA_API", "DATA_API_ROLLOUT_PERCENTAGE", "DEBUG_DATA_API")


def _user_switches() -> dict[str, str]:
    return {k: os.environ[k] for k in USER_SWITCHES if k in os.environ}


def _check_configuration(stack: Stack) -> None:
    """Validate the configuration before starting anything: a bad value stops here with one line."""
    from django.core.exceptions import ImproperlyConfigured

    from hospitality.config import database_config

    try:
        database_config({**stack.environment(), **_user_switches()})
    except ImproperlyConfigured as exc:
        print(f"{RED}configuration error: {exc}{RESET}", file=sys.stderr)
        raise SystemExit(2) from None


def _django_env(stack: Stack, **overrides) -> dict[str, str]:
    env = dict(os.environ)
    env.update(stack.environment())
    env["HOSPITALITY_ENV_FILE"] = str(stack.spec.env_file)
    env.update(overrides)
    return env


# What the server process does not need: the owner's credentials (migrations) and the Django-suite superuser.
SERVER_OMITS = ("OWNER_DATABASE_URL", "DB_OWNER_SECRET_ARN", "SUITE_DATABASE_URL", "DB_SUITE_SECRET_ARN")


def _server_env(stack: Stack, **overrides) -> dict[str, str]:
    """The server's environment: the stack's, minus what only operators need, and no env file to read it back."""
    env = {k: v for k, v in _django_env(stack, **_user_switches(), **overrides).items() if k not in SERVER_OMITS}
    env["HOSPITALITY_ENV_FILE"] = ""
    return env


def _manage(stack: Stack, *args: str, **overrides) -> None:
    log = stack.spec.root / "manage.log"
    with open(log, "ab") as fh:
        fh.write(f"\n$ manage.py {' '.join(args)}\n".encode())
        fh.flush()
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_ROOT,
            env=_django_env(stack, **{**_user_switches(), **overrides}),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} exited with {result.returncode}; log: {log}")


def _migrate(stack: Stack) -> None:
    # Migrations and policies run as the owner role, which owns every table; the app and admin roles cannot run DDL.
    owner = stack.environment()["OWNER_DATABASE_URL"]
    _manage(stack, "migrate", "--noinput", DATABASE_URL=owner)
    _manage(stack, "rls_apply", DATABASE_URL=owner)
    _manage(stack, "context_keys", "sync", DATABASE_URL=owner)
    _manage(stack, "rls_verify", DATABASE_URL=owner)


def cmd_prepare(stack: Stack, total_steps: int = 3) -> Steps:
    """Everything `make run` does before starting the server (benchmarks use it alone)."""
    _check_configuration(stack)
    steps = Steps(total_steps)
    steps.run("Starting PostgreSQL and the Data API emulator", stack.up)
    steps.run("Applying migrations and row-level security (as hospitality_owner)", _migrate, stack)
    steps.run(
        "Creating the staff user and the demo tenants (progress in the log)",
        _seed,
        stack,
        stack.spec.root / "demo-credentials.json",
    )
    return steps


def cmd_run(stack: Stack, extra: list[str], server: str = "runserver") -> int:
    cmd_prepare(stack)
    creds = stack.credentials()
    admin = creds["demo_admin"]
    demo_file = stack.spec.root / "demo-credentials.json"
    demo = json.loads(demo_file.read_text())
    addr = os.environ.get("RUNSERVER_ADDR", "127.0.0.1:8000")
    base = f"http://{addr}"
    token = demo["api_tokens"]["alice@tenant-seaside-001"]
    jwt = demo["jwts"].get("bob@tenant-mountain-002", "")
    print(
        f"""
{BOLD}hospitality is starting on {base}{RESET}
  Tenant API  {base}/api/bookings/      (docs: {base}/docs/, schema: {base}/schema/openapi.json)
  Admin       {base}/admin/             user {admin["username"]} / password {admin["password"]}
  Health      {base}/health
  Data API    {stack.emulator_url()}   (local emulator; the tenant path uses it: USE_DATA_API=true)
  Env file    {stack.spec.env_file}     (`source` it for manage.py or the AWS CLI)

  Demo tenants: tenant-seaside-001 (alice, owner), tenant-mountain-002 (bob, manager), tenant-city-003 (carol)
  Demo users' password: {demo["users"]["alice"]}   (all credentials: {demo_file})
  curl -H 'Authorization: Token {token}' {base}/api/bookings/
  curl -H 'Authorization: Bearer {jwt[:24]}…' {base}/api/entities/   (full JWT in {demo_file.name})
Stop the server with Ctrl-C; `make stop` stops PostgreSQL and the emulator.
""",
        flush=True,
    )
    os.chdir(PROJECT_ROOT)
    if server == "gunicorn":  # the production server and its config file (gunicorn.conf.py), DEBUG off
        argv = [sys.executable, "-m", "gunicorn", "--bind", addr, *extra]
        env = _server_env(
            stack, DJANGO_DEBUG="false", DJANGO_SECURE_COOKIES="false", DJANGO_SECURE_SSL_REDIRECT="false"
        )
    else:
        argv = [sys.executable, "manage.py", "runserver", addr, *extra]
        env = _server_env(stack)
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def _seed(stack: Stack, demo_file) -> None:
    creds = stack.credentials()
    _manage(
        stack,
        "ensure_staff_user",
        "--username",
        creds["demo_admin"]["username"],
        DEMO_ADMIN_PASSWORD=creds["demo_admin"]["password"],
    )
    _manage(stack, "seed_demo", "--credentials-file", str(demo_file), DEMO_USER_PASSWORD=creds["demo_user_password"])


CHROMIUM = Path("/usr/bin/chromium")


def cmd_test(stack: Stack, extra: list[str], browser_only: bool = False) -> int:
    """All suites on an isolated stack; the browser suite too when Debian's chromium is installed (`make
    test-browser` and .ci/run install it)."""
    with_browser = browser_only or CHROMIUM.exists()
    total = 3 if browser_only else (6 if with_browser else 5)
    steps = Steps(total)
    steps.run("Starting the isolated test stack (fresh database)", stack.up)
    steps.run("Applying migrations and row-level security (as hospitality_owner)", _migrate, stack)
    step = iter(range(3, total + 1))

    def pytest(title: str, args: list[str], **env: str) -> int:
        print(f"{BOLD}[{next(step)}/{total}] {title}{RESET}", flush=True)
        return subprocess.run(
            [sys.executable, "-m", "pytest", *args], cwd=PROJECT_ROOT, env=_django_env(stack, **env)
        ).returncode

    browser = ("pytest, the browser suite (Debian chromium + Playwright, against gunicorn)", ["tests/browser"])
    try:
        if browser_only:
            return pytest(*browser, USE_DATA_API="true")
        if extra:  # a chosen subset runs once
            return pytest("pytest, the chosen tests (USE_DATA_API=true)", extra, USE_DATA_API="true")
        codes = [
            pytest(
                "pytest, tenant path over the Data API (USE_DATA_API=true)",
                ["--ignore=tests/browser"],
                USE_DATA_API="true",
            ),
            pytest(
                "pytest, the tenancy and domain suites again over direct PostgreSQL (USE_DATA_API=false)",
                ["tests/tenancy", "tests/bookings"],
                USE_DATA_API="false",
            ),
            # the trusted path over the Data API, as the staff admin function runs it on Lambda
            pytest(
                "pytest, the admin suite again with the trusted path over the Data API (DB_ADMIN_SECRET_ARN, no "
                "DATABASE_URL)",
                ["tests/admin"],
                USE_DATA_API="true",
                DATABASE_URL="",
            ),
        ]
        if with_browser:
            codes.append(pytest(*browser, USE_DATA_API="true"))
        else:
            print(f"{BOLD}browser suite not run: {CHROMIUM} is not installed (`make test-browser` installs it){RESET}")
        return next((c for c in codes if c), 0)
    finally:
        if os.environ.get("KEEP_TEST_STACK") != "1":
            stack.down()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "prepare", "run", "serve", "test", "test-browser"])
    parser.add_argument("stack", nargs="?", choices=["dev", "test"])
    if argv[:1] in (["run"], ["serve"], ["test"]):  # everything after the command goes to the server / pytest
        command, extra, name = argv[0], argv[1:], "test" if argv[0] == "test" else "dev"
    elif argv[:1] == ["test-browser"]:
        command, extra, name = "test-browser", [], "test"
    else:
        args = parser.parse_args(argv)
        command, extra, name = args.command, [], args.stack or "dev"
    stack = Stack(spec(name))
    if command == "up":
        Steps(1).run(f"Starting the {name} stack", stack.up)
    elif command == "down":
        stack.down()
    elif command == "prepare":
        cmd_prepare(stack)
    elif command == "status":
        pg, emu = stack.pg.running_pid(), stack.emulator_pid()
        print(f"PostgreSQL: {'running (pid %d)' % pg if pg else 'stopped'}")
        print(f"emulator:   {'running (pid %d)' % emu if emu else 'stopped'}")
    elif command == "run":
        return cmd_run(stack, extra)
    elif command == "serve":
        return cmd_run(stack, extra, server="gunicorn")
    elif command == "test":
        return cmd_test(stack, extra)
    elif command == "test-browser":
        return cmd_test(stack, [], browser_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
