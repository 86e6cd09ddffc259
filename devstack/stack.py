"""One local stack (dev or test): PostgreSQL, roles, database, emulator, and the env file that describes them.

State lives under `.local/<name>/`; the dev stack's env file is `.local/env`, the test stack's `.local/test/env`.
Starting is idempotent (a second start reuses the data and running services; a crashed run's stale pid files are
recovered) and stopping stops only what this stack started.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

from .postgres import LocalPostgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ROLES = ("hospitality_owner", "hospitality_admin", "hospitality_app")
# The test stack only: a superuser for running Django's own test suite on the backend (it creates databases and
# extensions); never part of the application's roles.
SUITE_ROLE = "hospitality_suite"
# The cluster's master as Aurora has it (a member of rds_superuser there): CREATEROLE and CREATEDB, not a superuser.
# The roles and the database are made by it, through the same bootstrap as on AWS, so that whatever needs a
# superuser fails here first.
MASTER_ROLE = "hospitality_master"
# The test stack only: the seed app's own login, a plain LOGIN role as docs/seed-migration.md has the master create
# it (the adoption refuses the master itself as the seed app's role).
SEED_APP_ROLE = "hospitality_seed_app"
ACCOUNT = "000000000000"
REGION = "us-east-1"


@dataclasses.dataclass(frozen=True)
class StackSpec:
    name: str
    pg_port: int
    emulator_port: int
    database: str
    env_file: Path
    fresh_database: bool  # the test stack drops and recreates its database on every start
    suite_role: bool = False  # a superuser login for Django's own test suite (test stack only)

    @property
    def roles(self) -> tuple[str, ...]:
        return (*ROLES, MASTER_ROLE, SUITE_ROLE, SEED_APP_ROLE) if self.suite_role else (*ROLES, MASTER_ROLE)

    @property
    def root(self) -> Path:
        return PROJECT_ROOT / ".local" / self.name


def spec(name: str) -> StackSpec:
    if name == "dev":
        return StackSpec(
            "dev",
            int(os.environ.get("PG_PORT", 54329)),
            int(os.environ.get("EMULATOR_PORT", 8765)),
            "hospitality",
            PROJECT_ROOT / ".local" / "env",
            fresh_database=False,
        )
    if name == "test":
        return StackSpec(
            "test",
            int(os.environ.get("PG_TEST_PORT", 54339)),
            int(os.environ.get("EMULATOR_TEST_PORT", 8775)),
            "hospitality_test",
            PROJECT_ROOT / ".local" / "test" / "env",
            fresh_database=True,
            suite_role=True,
        )
    raise ValueError(f"unknown stack {name!r}: use 'dev' or 'test'")


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def _secret_suffix() -> str:
    # Secrets Manager appends "-" and six random characters to every secret ARN.
    return "".join(secrets.choice(string.ascii_letters) for _ in range(6))


class Stack:
    def __init__(self, stack_spec: StackSpec, log=print):
        self.spec = stack_spec
        self.log = log
        # the dev stack keeps what `make run` was given; the test stack is recreated by every run
        self.pg = LocalPostgres(stack_spec.root / "postgres", stack_spec.pg_port, durable=not stack_spec.fresh_database)
        self.secrets_file = stack_spec.root / "secrets.json"
        self.emulator_config = stack_spec.root / "emulator.json"
        self.emulator_pid_file = stack_spec.root / "emulator.pid"
        self.emulator_log = stack_spec.root / "emulator.log"

    # -- credentials, generated once and kept -----------------------------------------------------------------
    def credentials(self) -> dict:
        if self.secrets_file.exists():
            creds = json.loads(self.secrets_file.read_text())
            if set(creds["roles"]) == set(self.spec.roles) and "seed_context_key" in creds:
                return creds
        self.spec.root.mkdir(parents=True, exist_ok=True)
        suffix = _secret_suffix()
        creds = {
            "cluster_arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:hospitality-{self.spec.name}",
            "roles": {
                role: {
                    "password": _password(),
                    "secret_arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hospitality/{self.spec.name}/"
                    f"{role.removeprefix('hospitality_')}-{suffix}",
                }
                for role in self.spec.roles
            },
            "demo_admin": {"username": "admin", "password": _password()[:16]},
            "django_secret_key": secrets.token_urlsafe(50),
            "jwt_secret": secrets.token_urlsafe(48),
            "context_key": secrets.token_urlsafe(48),
            "seed_context_key": secrets.token_urlsafe(48),
            "demo_user_password": _password()[:16],
        }
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(creds, fh, indent=2)
        return creds

    def dsn(self, role: str, database: str | None = None) -> str:
        password = self.credentials()["roles"][role]["password"]
        return f"postgres://{role}:{password}@127.0.0.1:{self.spec.pg_port}/{database or self.spec.database}"

    # -- database bootstrap -----------------------------------------------------------------------------------
    def _superuser(self, dbname: str = "postgres"):
        import psycopg  # imported late: the venv may not exist when this module is first imported

        return psycopg.connect(self.pg.superuser_conninfo(dbname), autocommit=True)

    def ensure_database(self) -> None:
        from psycopg import sql

        from hospitality.config import timeouts
        from tenants.bootstrap import bootstrap

        creds = self.credentials()
        with self._superuser() as conn:
            logins = ((MASTER_ROLE, "CREATEROLE CREATEDB"), (SUITE_ROLE, "SUPERUSER"), (SEED_APP_ROLE, ""))
            for role, attributes in logins:
                if role not in self.spec.roles:
                    continue
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    conn.execute(sql.SQL("CREATE ROLE {} LOGIN " + attributes).format(sql.Identifier(role)))
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(creds["roles"][role]["password"])
                    )
                )
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'hospitality_admin'").fetchone():
                # clusters bootstrapped before the trusted path had its own policy gave it BYPASSRLS, which an
                # Aurora master cannot grant: take it back so that this stack is what AWS can be
                conn.execute("ALTER ROLE hospitality_admin NOBYPASSRLS")
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.spec.database]).fetchone()
            if exists and self.spec.fresh_database:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.spec.database)))

        def as_master(database: str):
            import psycopg

            return psycopg.connect(
                self.dsn(MASTER_ROLE, database).replace("postgres://", "postgresql://"), autocommit=True
            )

        bootstrap(
            as_master,
            self.spec.database,
            {role: creds["roles"][role]["password"] for role in ROLES},
            statement_budget=timeouts(os.environ).statement,
        )

    # -- emulator process -------------------------------------------------------------------------------------
    def _write_emulator_config(self) -> bool:
        """Write the emulator's config; True when it changed (a running emulator must then be restarted)."""
        creds = self.credentials()
        config = {
            "host": "127.0.0.1",
            "port": self.spec.emulator_port,
            "postgres": {"host": "127.0.0.1", "port": self.spec.pg_port},
            "clusters": [creds["cluster_arn"]],
            "secrets": {
                c["secret_arn"]: {"username": role, "password": c["password"]} for role, c in creds["roles"].items()
            },
        }
        text = json.dumps(config, indent=2)
        if self.emulator_config.exists() and self.emulator_config.read_text() == text:
            return False
        fd = os.open(self.emulator_config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        return True

    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.spec.emulator_port}"

    def emulator_pid(self) -> int | None:
        try:
            pid = int(self.emulator_pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            return None  # stale pid file from a crashed run
        return pid if b"dataapi_emulator" in cmdline else None

    def _emulator_ready(self) -> bool:
        from dataapi_emulator.control import EmulatorControl

        return EmulatorControl(self.emulator_url(), timeout=1).healthy()

    def start_emulator(self) -> bool:
        changed = self._write_emulator_config()
        if self.emulator_pid() is not None:
            if not changed and self._emulator_ready():
                return False
            self.stop_emulator()  # new secrets or ports: the running one is stale
        with open(self.emulator_log, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dataapi_emulator", "--config", str(self.emulator_config)],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.emulator_pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the Data API emulator exited with code {proc.returncode}; log: {self.emulator_log}"
                )
            if self._emulator_ready():
                return True
            time.sleep(0.1)
        raise RuntimeError(f"the Data API emulator did not answer within 30 s; log: {self.emulator_log}")

    def stop_emulator(self) -> bool:
        pid = self.emulator_pid()
        if pid is None:
            self.emulator_pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if self.emulator_pid() is None:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
        self.emulator_pid_file.unlink(missing_ok=True)
        return True

    # -- env file -----------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        creds = self.credentials()
        roles = creds["roles"]
        return {
            "DJANGO_SECRET_KEY": creds["django_secret_key"],
            "DJANGO_DEBUG": "true",
            "DATA_API_METRICS_FILE": str(self.spec.root / "metrics.jsonl"),
            "TENANT_JWT_SECRET": creds["jwt_secret"],
            # Django signs with the first; the second is the TypeScript app's own (clients/typescript), installed by
            # the same `context_keys sync` and revocable alone (the template's ids are key-1 and seed-1)
            "TENANT_CONTEXT_KEYS": f"local-1:{creds['context_key']},local-seed-1:{creds['seed_context_key']}",
            "SEED_CONTEXT_KEY": f"local-seed-1:{creds['seed_context_key']}",
            # the tenant path goes through the Data API (the emulator); USE_DATA_API=false switches to direct pg
            "USE_DATA_API": "true",
            "DATABASE_URL": self.dsn("hospitality_admin"),
            "OWNER_DATABASE_URL": self.dsn("hospitality_owner"),
            "TENANT_DATABASE_URL": self.dsn("hospitality_app"),
            "DB_CLUSTER_ARN": creds["cluster_arn"],
            "DB_SECRET_ARN": roles["hospitality_app"]["secret_arn"],
            "DB_ADMIN_SECRET_ARN": roles["hospitality_admin"]["secret_arn"],
            "DB_OWNER_SECRET_ARN": roles["hospitality_owner"]["secret_arn"],
            # the cluster's master (CREATEROLE, CREATEDB), for `manage.py bootstrap_database`
            "DB_MASTER_SECRET_ARN": roles[MASTER_ROLE]["secret_arn"],
            "MASTER_DATABASE_URL": self.dsn(MASTER_ROLE, "postgres"),
            "DATABASE_NAME": self.spec.database,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,  # the AWS CLI's name for it (`source .local/env`, then `aws …`)
            "DATA_API_ENDPOINT": self.emulator_url(),
            **(
                {
                    "DB_SUITE_SECRET_ARN": roles[SUITE_ROLE]["secret_arn"],
                    "SUITE_DATABASE_URL": self.dsn(SUITE_ROLE, "postgres"),
                    "DB_SEED_APP_SECRET_ARN": roles[SEED_APP_ROLE]["secret_arn"],
                }
                if self.spec.suite_role
                else {}
            ),
            # boto3 signs every request; the emulator checks that a SigV4 header is present, not the key.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }

    def write_env_file(self) -> Path:
        lines = ["# Written by `python -m devstack`; `source` it to reach the local stack."]
        lines += [f"export {key}='{value}'" for key, value in self.environment().items()]
        self.spec.env_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.spec.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        return self.spec.env_file

    # -- whole stack --------------------------------------------------------------------------------------------
    def up(self) -> None:
        b = self.pg.binaries
        self.log(f"PostgreSQL binaries: {b.version()} from {b.bin_dir} ({b.source})")
        if self.pg.init():
            self.log(f"initialized a new cluster in {self.pg.data_dir}")
        started = self.pg.start()
        self.log(
            f"PostgreSQL {'started' if started else 'already running'} on 127.0.0.1:{self.spec.pg_port} "
            f"(log: {self.pg.log_file})"
        )
        if self.spec.fresh_database and self.stop_emulator():
            # a kept emulator's pooled sessions die with the dropped database: start it again with the new one
            self.log("Data API emulator stopped (the database is recreated)")
        self.ensure_database()
        self.log(f"roles {', '.join(ROLES)} and database {self.spec.database!r} ready")
        started = self.start_emulator()
        self.log(
            f"Data API emulator {'started' if started else 'already running'} at {self.emulator_url()} "
            f"(log: {self.emulator_log})"
        )
        self.log(f"environment written to {self.write_env_file()}")

    def down(self) -> None:
        self.log("Data API emulator " + ("stopped" if self.stop_emulator() else "was not running"))
        self.log("PostgreSQL " + ("stopped" if self.pg.stop() else "was not running"))
