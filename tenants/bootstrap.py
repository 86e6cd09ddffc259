"""From an empty cluster to the roles and the database this project needs, as the cluster's master user.

On Aurora the master is a member of rds_superuser, not a superuser: it has CREATEROLE and CREATEDB, may grant only
what it holds, and must be a member of a role to hand objects to it. So this runs nothing that needs a superuser,
grants the master membership in the owner role (to create the database owned by it and hand it the schema), sets
the role passwords as SCRAM verifiers computed here (the passwords themselves never travel), and sends one
statement per call (the Data API refuses more). Idempotent: run it again after a change to sql/00_roles.sql or
sql/01_database.sql.

`connect(database)` returns a DB-API connection in autocommit as the master (psycopg, or dataapi_backend.dbapi over
the Data API with the master secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from contextlib import closing

from dataapi_backend.sql_script import split

from .rls import ADMIN_ROLE, APP_ROLE, OWNER_ROLE, SQL_DIR, app_role_defaults

ROLES = (OWNER_ROLE, ADMIN_ROLE, APP_ROLE)
EXTENSIONS = ("pgcrypto", "btree_gist")  # optional: used when the server has them (trusted: no superuser needed)
SCRAM_ITERATIONS = 4096


class BootstrapError(RuntimeError):
    """A step the master could not do, with the one thing to run or fix."""


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677), so ALTER ROLE ... PASSWORD carries no
    plain password: neither the statement text nor a server log shows it."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _one(cursor, sql: str, params=None):
    cursor.execute(sql, params)
    return cursor.fetchone()


def _run(cursor, sql: str, step: str) -> None:
    try:
        cursor.execute(sql)
    except Exception as exc:
        # insufficient_privilege: "permission denied…", "must be member of role…", "must be owner of…" (both drivers)
        if getattr(exc, "sqlstate", None) == "42501":
            raise BootstrapError(
                f"{step}: {str(exc).splitlines()[0]} — run this as the cluster's master user (CREATEROLE and "
                "CREATEDB; on Aurora the master secret), or have it run `GRANT hospitality_owner TO <you>`"
            ) from exc
        raise


def bootstrap(
    connect: Callable[[str], object],
    database: str,
    passwords: Mapping[str, str],
    log: Callable[[str], None] = lambda msg: None,
    maintenance_database: str = "postgres",
    statement_budget: float | None = None,
) -> None:
    """Roles, passwords and the database (see the module). `statement_budget`: the app's statement timeout in
    seconds (TENANT_STATEMENT_TIMEOUT unless given), the app role's one role-level default (rls.app_role_defaults)."""
    missing = [role for role in ROLES if not passwords.get(role)]
    if missing:
        raise BootstrapError(f"no password for {', '.join(missing)}: give each role's secret")
    with closing(connect(maintenance_database)) as conn:
        cursor = conn.cursor()  # type: ignore[attr-defined]
        master, can_create_role, can_create_db = _one(
            cursor, "SELECT current_user::text, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        if not (can_create_role and can_create_db):
            raise BootstrapError(
                f"{master} lacks CREATEROLE or CREATEDB: run this as the cluster's master user (on Aurora, the master "
                "secret; its user is a member of rds_superuser)"
            )
        for statement in split((SQL_DIR / "00_roles.sql").read_text()):
            _run(cursor, statement, "roles")
        for role in ROLES:
            # a SCRAM verifier is base64 and '$:' only: nothing to quote
            _run(cursor, f"ALTER ROLE {role} PASSWORD '{scram_verifier(passwords[role])}'", f"password of {role}")
            # role-level defaults (ALTER ROLE ... SET: the app role may set its own, e.g. synchronous_commit = off)
            # reach every new session of the role; ours have none but the app role's statement budget
            _run(cursor, f"ALTER ROLE {role} RESET ALL", f"settings of {role}")
        for name, value in app_role_defaults(statement_budget).items():
            _run(cursor, f"ALTER ROLE {APP_ROLE} SET {name} = '{value}'", f"settings of {APP_ROLE}")
        log(f"roles {', '.join(ROLES)} ready (passwords from their secrets, the app role's statement budget)")
        # to create the database owned by the owner role and hand it the schema, the master must be a member
        _run(cursor, f"GRANT {OWNER_ROLE} TO CURRENT_USER", "membership in the owner role")
        if _one(cursor, "SELECT count(*) FROM pg_database WHERE datname = %s", [database])[0] == 0:
            _run(
                cursor,
                f"CREATE DATABASE \"{database}\" OWNER {OWNER_ROLE} TEMPLATE template0 ENCODING 'UTF8'",
                "database",
            )
            log(f"database {database!r} created, owned by {OWNER_ROLE}")
        else:
            _run(cursor, f'ALTER DATABASE "{database}" OWNER TO {OWNER_ROLE}', "database owner")
            log(f"database {database!r} exists; owner {OWNER_ROLE}")
        _run(cursor, f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC', "database privileges")
        _run(cursor, f'GRANT CONNECT ON DATABASE "{database}" TO {", ".join(ROLES)}', "database privileges")
    with closing(connect(database)) as conn:
        cursor = conn.cursor()  # type: ignore[attr-defined]
        for extension in EXTENSIONS:
            if _one(cursor, "SELECT count(*) FROM pg_available_extensions WHERE name = %s", [extension])[0]:
                _run(cursor, f"CREATE EXTENSION IF NOT EXISTS {extension}", f"extension {extension}")
        for role in ROLES:
            _run(cursor, f'ALTER ROLE {role} IN DATABASE "{database}" RESET ALL', f"settings of {role}")
        for statement in split((SQL_DIR / "01_database.sql").read_text()):
            _run(cursor, statement, "schema and default privileges")
        log(f"schema public and default privileges of {database!r} ready; next: migrate, rls_apply, context_keys sync")
