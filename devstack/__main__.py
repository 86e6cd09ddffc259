"""`python -m devstack {up,down,status,run,test,django-suite,compat,dist,dist-check} [dev|test]`: what
`make run/test/stop/django-suite/compat/dist/dist-check` call."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .lock import StackBusy, ensure_free, exclusive, lock_path
from .postgres import PostgresError
from .stack import PROJECT_ROOT, Stack, spec

# how the printed commands run manage.py: from the project root, with the venv's interpreter (it reads .local/env)
MANAGE = ".venv/bin/python manage.py"
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
SERVER_OMITS = (
    "OWNER_DATABASE_URL",
    "DB_OWNER_SECRET_ARN",
    "SUITE_DATABASE_URL",
    "DB_SUITE_SECRET_ARN",
    "MASTER_DATABASE_URL",
    "DB_MASTER_SECRET_ARN",
)


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


def banner(stack: Stack, base: str, demo_file: Path, production: bool) -> str:
    """What `make run` prints (URLs, logins, commands that work as printed); `make serve` (production) prints no
    secret, only where to find them."""
    admin = stack.credentials()["demo_admin"]
    demo = json.loads(demo_file.read_text())
    if production:
        admin_line = f"user {admin['username']} / password in {stack.secrets_file}"
        password_line = f"Demo users' password and API tokens: {demo_file}"
        token_curl = f'curl -H "Authorization: Token $({MANAGE} issue_token --tenant tenant-seaside-001 --user alice)"'
    else:
        admin_line = f"user {admin['username']} / password {admin['password']}"
        password_line = f"Demo users' password: {demo['users']['alice']}   (all credentials: {demo_file})"
        token_curl = f"curl -H 'Authorization: Token {demo['api_tokens']['alice@tenant-seaside-001']}'"
    return f"""
{BOLD}hospitality is starting on {base}{RESET}
  Tenant API  {base}/api/bookings/      (docs: {base}/docs/, schema: {base}/schema/openapi.json)
  Admin       {base}/admin/             {admin_line}
  Health      {base}/health
  Data API    {stack.emulator_url()}   (local emulator; the tenant path uses it: USE_DATA_API=true)
  Env file    {stack.spec.env_file}     (`source` it for manage.py or the AWS CLI)

  Demo tenants: tenant-seaside-001 (alice, owner), tenant-mountain-002 (bob, manager), tenant-city-003 (carol)
  {password_line}
  {token_curl} {base}/api/bookings/
  curl -H "Authorization: Bearer $({MANAGE} issue_jwt --user bob --tenant tenant-mountain-002)" {base}/api/entities/
Stop the server with Ctrl-C; `make stop` stops PostgreSQL and the emulator.
"""


def server_address(server: str, env=os.environ) -> str:
    """Where the server listens: gunicorn's own variable for gunicorn (gunicorn.conf.py reads it too), runserver's
    for runserver; the loopback by default (the local stack's credentials are printed)."""
    return env.get("GUNICORN_BIND" if server == "gunicorn" else "RUNSERVER_ADDR", "127.0.0.1:8000")


def cmd_run(stack: Stack, extra: list[str], server: str = "runserver") -> int:
    cmd_prepare(stack)
    addr = server_address(server)
    demo_file = stack.spec.root / "demo-credentials.json"
    print(banner(stack, f"http://{addr}", demo_file, production=server == "gunicorn"), flush=True)
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


class Artifact:
    """The Lambda artifact, built in the background from the start of the test run (`make package`'s command), for
    tests/deploy to unpack instead of building it on its own critical path (LAMBDA_ZIP)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.zip = folder / "lambda.zip"
        self.zip.unlink(missing_ok=True)
        self.log = folder / "build.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "infrastructure.package", "--output", str(self.zip), "--work",
                 str(folder / "build"), "--record", ""],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def ready(self) -> dict[str, str]:
        """LAMBDA_ZIP for tests/deploy once built; nothing (the suite builds it itself) if the build failed."""
        if self.proc.wait() == 0 and self.zip.exists():
            return {"LAMBDA_ZIP": str(self.zip)}
        print(f"{RED}the background artifact build failed (log: {self.log}); tests/deploy builds it{RESET}")
        return {}


DEPLOY = "tests/deploy"
# Packages that share nothing with tests/deploy while it runs: none injects faults into the shared emulator, flushes
# tables, alters a role or counts every tenant's rows, so the two cores serve both at once. The top-level modules
# (roles read, the template linted, settings parsed, the dev stack's own servers) are among them.
BESIDE_DEPLOY = ("tests/admin", "tests/bookings", "tests/operations", "tests/seed", "tests/tenants_alone")


# the order the lanes take them in: the longest first, so that the short ones fill the end
BESIDE_DEPLOY_LONGEST_FIRST = {"tests/seed": 0, "tests/test_architecture.py": 1, "tests/admin": 2}


def beside_deploy(group: list[str]) -> bool:
    return group[0] in BESIDE_DEPLOY or all(path.endswith(".py") for path in group)


def test_groups() -> list[list[str]]:
    """Every test package but the browser suite (it needs chromium: its own step), then the top-level modules."""
    tests = PROJECT_ROOT / "tests"
    packages = sorted(
        p.name
        for p in tests.iterdir()
        if p.is_dir() and p.name != "browser" and (p / "__init__.py").exists() and any(p.glob("test_*.py"))
    )
    return [[f"tests/{name}"] for name in packages] + [sorted(f"tests/{f.name}" for f in tests.glob("test_*.py"))]


def cmd_test(stack: Stack, extra: list[str], browser_only: bool = False) -> int:
    """All suites on an isolated stack; the browser suite too when Debian's chromium is installed (`make
    test-browser` and .ci/run install it)."""
    with exclusive(lock_path(stack.spec.root), "make test" if not browser_only else "make test-browser"):
        return _test(stack, extra, browser_only)


def _test(stack: Stack, extra: list[str], browser_only: bool) -> int:
    with_browser = browser_only or CHROMIUM.exists()
    total = 4 if browser_only else (7 if with_browser else 6)
    if extra:
        total = 4
    steps = Steps(total)
    steps.run("Starting the isolated test stack (fresh database)", stack.up)
    steps.run("Applying migrations and row-level security (as hospitality_owner)", _migrate, stack)
    step = iter(range(3, total + 1))

    outputs: list[Path] = []
    for stale in stack.spec.root.glob("pytest-*.log"):
        stale.unlink()

    def pytest(title: str, args: list[str], **env: str) -> int:
        number = next(step)
        print(f"{BOLD}[{number}/{total}] {title}{RESET}", flush=True)
        return run_pytest(args, stack.spec.root / f"pytest-{number}.log", **env)

    def two_lanes(jobs: list[tuple[str, list[str], Path, dict]]) -> list[int]:
        """(title, pytest args, log, env) jobs on two lanes, in this order as a lane frees up: the two cores serve
        jobs that cannot disturb each other. Each job's output is printed whole, under its title, when it ends."""
        import concurrent.futures
        import threading

        printing = threading.Lock()

        def run(job: tuple[str, list[str], Path, dict]) -> int:
            title, args, output, env = job
            outputs.append(output)
            with open(output, "w") as kept:
                code = subprocess.call(
                    [sys.executable, "-m", "pytest", *args],
                    cwd=PROJECT_ROOT,
                    env=_django_env(stack, **env),
                    stdout=kept,
                    stderr=subprocess.STDOUT,
                )
            with printing:
                print(f"{BOLD}{title}{RESET}", flush=True)
                sys.stdout.write(output.read_text())
                sys.stdout.flush()
            return code

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as lanes:
            return list(lanes.map(run, jobs))

    def pytest_each(title: str, groups: list[list[str]], **env: str) -> int:
        """One pytest process per group: each test package must pass on its own (nothing it relies on may come
        from another package's imports or fixtures having run first in the same process). The deployment suite,
        mostly fresh processes waiting on each other, runs beside the packages that cannot disturb it (see
        BESIDE_DEPLOY), after the others: the two of them on two lanes, the longest first."""
        number = next(step)
        print(f"{BOLD}[{number}/{total}] {title}{RESET}", flush=True)
        logs = {tuple(group): stack.spec.root / f"pytest-{number}-{index}.log" for index, group in enumerate(groups, 1)}
        beside = [g for g in groups if beside_deploy(g)] if [DEPLOY] in groups else []
        alone = [g for g in groups if g not in beside and g != [DEPLOY]]
        codes = []
        for group in alone:
            print(f"{BOLD}  {' '.join(group)}{RESET}", flush=True)
            codes.append(run_pytest(group, logs[tuple(group)], **env))
        if [DEPLOY] in groups:
            jobs = [(f"  {DEPLOY}", [DEPLOY], logs[(DEPLOY,)], {**env, **artifact.ready()})]
            jobs += [
                (f"  {' '.join(g)} (beside {DEPLOY})", g, logs[tuple(g)], env)
                for g in sorted(beside, key=lambda g: BESIDE_DEPLOY_LONGEST_FIRST.get(g[0], 1))
            ]
            codes += two_lanes(jobs)
        return next((c for c in codes if c), 0)

    def run_pytest(args: list[str], output: Path, **env: str) -> int:
        outputs.append(output)
        # what the run prints, also kept for the secrets scan
        with (
            open(output, "w") as kept,
            subprocess.Popen(
                [sys.executable, "-m", "pytest", *args],
                cwd=PROJECT_ROOT,
                env=_django_env(stack, **env),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ) as proc,
        ):
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                kept.write(line)
        return proc.returncode

    def no_secret_logged() -> int:
        from .log_audit import known_secrets, log_files, scan

        print(f"{BOLD}[{next(step)}/{total}] No secret in any log line of this run{RESET}", flush=True)
        env = {**os.environ, **_django_env(stack)}
        paths = sorted(set(outputs) | set(log_files(stack.spec.root)))
        findings, lines = scan(paths, known_secrets(stack.credentials(), env))
        for finding in findings[:50]:
            print(f"{RED}secret in a log line: {finding}{RESET}")
        print(f"  {lines} lines of {len(paths)} files scanned, {len(findings)} secrets found")
        return 1 if findings else 0

    browser = ("pytest, the browser suite (Debian chromium + Playwright, against gunicorn)", ["tests/browser"])
    try:
        if browser_only:
            return pytest(*browser, USE_DATA_API="true") or no_secret_logged()
        if extra:  # a chosen subset runs once
            return (
                pytest("pytest, the chosen tests (USE_DATA_API=true)", extra, USE_DATA_API="true") or no_secret_logged()
            )
        artifact = Artifact(stack.spec.root / "artifact")  # built while the first packages run
        codes = [
            pytest_each(
                "pytest, tenant path over the Data API (USE_DATA_API=true), each test package on its own",
                test_groups(),
                USE_DATA_API="true",
            )
        ]
        # The direct-PostgreSQL run on one lane; on the other, the admin suite with the trusted path over the Data API
        # (as the staff admin function runs it on Lambda) and the browser suite: their own tenants and users, no
        # fault and no role change, nothing that counts every tenant's rows.
        number = {title: next(step) for title in ("direct", "admin", *(["browser"] if with_browser else []))}
        jobs = [
            (
                f"[{number['direct']}/{total}] pytest, the tenancy and domain suites again over direct PostgreSQL "
                "(USE_DATA_API=false)",
                # the OpenAPI fuzz asks about the API's contract, which the transport does not change: over the
                # Data API only (here and deeper in .ci/run), so that the two lanes end together
                ["tests/isolation", "tests/api", "tests/tenants", "tests/seed", "tests/bookings"]
                + ["--ignore=tests/isolation/test_openapi_fuzz.py"],
                stack.spec.root / f"pytest-{number['direct']}.log",
                {"USE_DATA_API": "false"},
            ),
            (
                f"[{number['admin']}/{total}] pytest, the admin suite again with the trusted path over the Data API "
                "(DB_ADMIN_SECRET_ARN, no DATABASE_URL), beside the direct-PostgreSQL run",
                ["tests/admin"],
                stack.spec.root / f"pytest-{number['admin']}.log",
                {"USE_DATA_API": "true", "DATABASE_URL": ""},
            ),
        ]
        if with_browser:
            title, args = browser
            jobs.append(
                (
                    f"[{number['browser']}/{total}] {title}, beside the direct-PostgreSQL run",
                    args,
                    stack.spec.root / f"pytest-{number['browser']}.log",
                    {"USE_DATA_API": "true"},
                )
            )
        else:
            print(f"{BOLD}browser suite not run: {CHROMIUM} is not installed (`make test-browser` installs it){RESET}")
        codes += two_lanes(jobs)
        codes.append(no_secret_logged())
        return next((c for c in codes if c), 0)
    finally:
        if os.environ.get("KEEP_TEST_STACK") != "1":
            stack.down()


def _script_on_test_stack(stack: Stack, what: str, script: str, extra: list[str]) -> int:
    """`script` (its options after the command) on a fresh test stack, whose environment it is given."""
    with exclusive(lock_path(stack.spec.root), what):
        Steps(1).run("Starting the test stack", stack.up)
        try:
            env = {**os.environ, **stack.environment()}
            return subprocess.call([sys.executable, script, *extra], cwd=PROJECT_ROOT, env=env)
        finally:
            stack.down()


def cmd_django_suite(stack: Stack, extra: list[str]) -> int:
    """Django's own test suite (django-test-suite/run.py) on both backends or one."""
    return _script_on_test_stack(stack, "make django-suite", "django-test-suite/run.py", extra)


def cmd_compat(stack: Stack, extra: list[str]) -> int:
    """Third-party apps' suites on both backends (compat/run.py)."""
    return _script_on_test_stack(stack, "make compat", "compat/run.py", extra)


def cmd_dist_check(stack: Stack) -> int:
    """Both wheels in fresh virtualenvs on Python 3.11 and 3.13, against the test stack's PostgreSQL."""
    from . import dist_check

    with exclusive(lock_path(stack.spec.root), "make dist-check"):
        Steps(1).run("Starting the test stack (its PostgreSQL)", stack.up)
        try:
            dist_check.check(stack)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"{RED}✗ {exc}{RESET}", file=sys.stderr, flush=True)
            return 1
        finally:
            stack.down()
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except StackBusy as exc:
        print(f"{RED}✗ {exc}{RESET}", file=sys.stderr, flush=True)
        return 2


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument(
        "command",
        choices=[
            "up", "down", "status", "prepare", "run", "serve", "test", "test-browser", "django-suite", "compat",
            "dist", "dist-check",
        ],
    )  # fmt: skip
    parser.add_argument("stack", nargs="?", choices=["dev", "test"])
    if argv[:1] in (["run"], ["serve"], ["test"], ["django-suite"], ["compat"]):  # the rest: server/pytest/run.py
        command, extra, name = argv[0], argv[1:], "dev" if argv[0] in ("run", "serve") else "test"
    elif argv[:1] in (["test-browser"], ["dist"], ["dist-check"]):
        command, extra, name = argv[0], [], "test"
    else:
        args = parser.parse_args(argv)
        command, extra, name = args.command, [], args.stack or "dev"
    stack = Stack(spec(name))
    if command == "up":
        if name == "test":  # a run in progress would lose its database
            ensure_free(lock_path(stack.spec.root))
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
    elif command == "django-suite":
        return cmd_django_suite(stack, extra)
    elif command == "compat":
        return cmd_compat(stack, extra)
    elif command == "dist":
        from .dist_check import build

        build()
    elif command == "dist-check":
        return cmd_dist_check(stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
