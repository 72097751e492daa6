"""A private PostgreSQL instance in a project folder, reachable only on 127.0.0.1."""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import stat
import subprocess
import time
from pathlib import Path
from typing import IO

import structlog

from launcher.process import InfraError, StartStop, lock_for_use, log_tail, port_open

log = structlog.get_logger()

DATABASE = "podium"
SUPERUSER = "podium"
SERVER_OS_USER = "postgres"
START_TIMEOUT_S = 60
TOOLS = ("initdb", "pg_ctl", "postgres", "psql")

_SETTINGS = """
# Added by launcher/postgres.py for the local Podium instance.
listen_addresses = '127.0.0.1'
# TCP only: no socket files, so no socket-path length limit and no clashes in /tmp.
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
# Results must survive a crash, even locally.
fsync = on
"""

_PG_HBA = """\
# Written by launcher/postgres.py: TCP from this machine only, no password.
host all all 127.0.0.1/32 trust
"""

_CREATE_DATABASE = (
    f"SELECT 'CREATE DATABASE {DATABASE}' "
    f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE}')\\gexec\n"
)


class LocalPostgres(StartStop):
    """One PostgreSQL server over data_dir, started and stopped with pg_ctl.

    PostgreSQL refuses to run as root, so under root the server runs as the `postgres`
    OS user and data_dir is handed to it.
    """

    name = "postgresql"

    def __init__(self, data_dir: Path, port: int, log_file: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log_file = log_file or data_dir.with_name(f"{data_dir.name}.log")
        self._bindir: Path | None = None
        self._owner: pwd.struct_passwd | None = None
        self._lock: IO[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        """Start the server (initialising data_dir on first use) and create the database."""
        if self._lock is not None:
            raise InfraError(f"PostgreSQL on {self.data_dir} is already started")
        started = time.monotonic()
        self._bindir = find_postgres_bindir() or install_postgres()
        self._owner = _server_user()
        self._prepare_dirs()
        # Held by this process from start() to stop(): a server found running on the data
        # dir while the lock is free was left behind by a run that died.
        lock = lock_for_use(self.data_dir.with_name(f"{self.data_dir.name}.lock"),
                            f"PostgreSQL data dir {self.data_dir}")
        try:
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            if self._running():
                log.warning("stopping PostgreSQL left running by an earlier run",
                            data_dir=str(self.data_dir))
                self._pg_ctl("stop", "-m", "fast")
            if port_open("127.0.0.1", self.port):
                raise InfraError(
                    f"cannot start PostgreSQL: 127.0.0.1:{self.port} is already in use")
            # pg_ctl's output goes to the log file, not a pipe: the server inherits it and a
            # pipe would keep subprocess.run waiting for as long as the server runs.
            self._pg_ctl("start", "-t", str(START_TIMEOUT_S), "-o", f"-p {self.port}")
        except BaseException:
            lock.close()
            raise
        self._lock = lock
        atexit.register(self.stop)
        try:
            self._run([self._tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                       "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres"],
                      as_owner=False, stdin=_CREATE_DATABASE)
        except BaseException:
            self.stop()
            raise
        log.info("postgres ready", dsn=self.dsn, seconds=round(time.monotonic() - started, 1))

    def ended(self) -> str | None:
        """Why the server is gone, None while it runs or before start. pg_ctl detaches the
        server, so there is no exit status to tell."""
        if self._lock is None or self._running():
            return None
        return "its server is gone"

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut, committed data is safe."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        atexit.unregister(self.stop)
        try:
            if self._running():  # it may have died on its own
                self._pg_ctl("stop", "-m", "fast")
        finally:
            lock.close()
        log.info("postgres stopped", port=self.port)

    def _prepare_dirs(self) -> None:
        owner = self._owner
        if owner is not None:
            # Checked before creating anything, so a refused path leaves no debris behind.
            closed = [f"{d} ({stat.filemode(d.stat().st_mode)})"
                      for d in reversed(self.data_dir.parents)
                      if d.exists() and not _searchable(d, owner)]
            if closed:
                raise InfraError(
                    f"the {SERVER_OS_USER} OS user, which runs PostgreSQL here because we are "
                    f"root, cannot reach {self.data_dir}; closed to it: {', '.join(closed)}. "
                    "Use a data dir it can reach, e.g. under a tempfile.mkdtemp() folder "
                    "chmod-ed to 0o711 (not pytest's tmp_path: pytest keeps "
                    "/tmp/pytest-of-<user> at 0700), or open those folders with chmod o+x")
        missing = [d for d in self.data_dir.parents if not d.exists()]
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if owner is not None:
            # Folders made just now are ours to open up for the server user; others are not.
            for folder in missing:
                folder.chmod(folder.stat().st_mode | 0o111)
            os.chown(self.data_dir, owner.pw_uid, owner.pw_gid)

    def _initdb(self) -> None:
        log.info("initialising PostgreSQL data dir", data_dir=str(self.data_dir))
        self._run([self._tool("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                   "--encoding=UTF8", "--locale=C.UTF-8", "--auth=trust", "--no-instructions"])
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(_SETTINGS)
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)

    def _running(self) -> bool:
        status = self._exec([self._tool("pg_ctl"), "status", "-D", str(self.data_dir)])
        return status.returncode == 0

    def _pg_ctl(self, action: str, *args: str) -> None:
        with self.log_file.open("a") as out:
            result = self._exec(
                [self._tool("pg_ctl"), action, "-w", "-D", str(self.data_dir), *args], out=out)
        if result.returncode != 0:
            raise InfraError(f"`pg_ctl {action}` failed (exit {result.returncode}) for "
                             f"{self.data_dir}; last lines of {self.log_file}:\n"
                             f"{log_tail(self.log_file)}")

    def _run(self, argv: list[str], as_owner: bool = True, stdin: str = "") -> None:
        result = self._exec(argv, as_owner=as_owner, stdin=stdin)
        if result.returncode != 0:
            output = "\n".join(result.stdout.splitlines()[-30:])
            raise InfraError(f"`{Path(argv[0]).name}` failed (exit {result.returncode}) for "
                             f"{self.data_dir}:\n{output}")

    def _exec(self, argv: list[str], as_owner: bool = True, stdin: str = "",
              out: IO[str] | None = None) -> subprocess.CompletedProcess[str]:
        owner = self._owner if as_owner else None
        return subprocess.run(
            argv, input=stdin, text=True, check=False,
            stdout=out or subprocess.PIPE, stderr=subprocess.STDOUT,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            extra_groups=[] if owner else None,
            # The server user may not be allowed into the caller's working directory.
            cwd="/" if owner else None,
        )

    def _tool(self, name: str) -> str:
        assert self._bindir is not None, "start() resolves the PostgreSQL binaries"
        return str(self._bindir / name)


def _server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as: None means the current one."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        raise InfraError(
            f"PostgreSQL refuses to run as root and there is no `{SERVER_OS_USER}` OS user to "
            f"run it as; create one (useradd --system --user-group {SERVER_OS_USER}) or run "
            "as a normal user") from None


def _searchable(folder: Path, user: pwd.struct_passwd) -> bool:
    mode = folder.stat()
    if mode.st_uid == user.pw_uid:
        return bool(mode.st_mode & stat.S_IXUSR)
    if mode.st_gid == user.pw_gid:
        return bool(mode.st_mode & stat.S_IXGRP)
    return bool(mode.st_mode & stat.S_IXOTH)


def find_postgres_bindir() -> Path | None:
    """The folder with initdb, pg_ctl, postgres and psql: pg_config's, Debian's, or PATH's."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                check=False)
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))
    # Debian keeps server binaries off PATH, one folder per major version; newest first.
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True,
                         key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    return next((d for d in candidates if all((d / t).is_file() for t in TOOLS)), None)


def install_postgres() -> Path:
    """Install PostgreSQL with apt-get (root only) and return its binaries folder."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise InfraError(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) were not found; "
            "install them (Debian/Ubuntu: sudo apt-get install -y postgresql) or put their "
            "folder on PATH")
    log.info("installing PostgreSQL with apt-get…")
    # We run our own data dir and port; keep Debian from creating and starting its own
    # 'main' cluster on 5432.
    no_cluster = Path("/etc/postgresql-common/createcluster.d/podium.conf")
    no_cluster.parent.mkdir(parents=True, exist_ok=True)
    no_cluster.write_text("create_main_cluster = false\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update"],
                 ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
            raise InfraError(f"`{' '.join(argv)}` failed (exit {result.returncode}):\n{output}")
    bindir = find_postgres_bindir()
    if bindir is None:
        raise InfraError("apt-get installed postgresql but initdb/pg_ctl are still not found "
                         "under /usr/lib/postgresql/*/bin")
    return bindir
