"""Child-process plumbing shared by the local Kafka and PostgreSQL runners."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import structlog

log = structlog.get_logger()

# setpriv (util-linux) makes the kernel send SIGTERM to the child when the thread that
# started it dies, so even a SIGKILLed test run or CLI leaves no broker behind. Hence:
# start children from a long-lived thread (normally the main one), not a worker thread.
_DIE_WITH_PARENT = (
    ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
)


class InfraError(Exception):
    """Local infrastructure cannot be provided; the message names what is missing and the fix."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Block until host:port accepts connections; InfraError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not port_open(host, port):
        if time.monotonic() > deadline:
            raise InfraError(f"nothing accepts connections on {host}:{port} after {timeout:g} s")
        time.sleep(0.1)


def lock_for_use(lock_file: Path, what: str) -> IO[bytes]:
    """Take an exclusive lock that lasts while the returned file is open.

    Two servers on one data dir corrupt it (Kafka's controller writes its metadata log
    before the broker notices the other one's lock), so the second start must fail.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InfraError(f"{what} is in use by another process (it holds {lock_file}); "
                         "stop that one first") from None
    return handle


_RUN_HEADER = "\n=== "


def last_run(log_file: Path) -> list[str]:
    """The lines of log_file since a ManagedProcess last started writing to it."""
    try:
        return log_file.read_text(errors="replace").rsplit(_RUN_HEADER, 1)[-1].splitlines()
    except FileNotFoundError:
        return [f"(no log at {log_file})"]


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class StartStop(ABC):
    """A local server started and stopped by us; `with` stops it on the way out."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ManagedProcess:
    """A long-running child in its own process group, output appended to a log file.

    Its own group keeps a terminal's Ctrl-C away from it (the owner decides the shutdown
    order) and lets stop() signal anything it spawned. Every started process is also
    stopped at interpreter exit, so a failing test run leaves no orphans.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        env: Mapping[str, str] | None = None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_file = log_file
        self.env = dict(env) if env is not None else None
        self.pass_fds = tuple(pass_fds)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ended(self) -> str | None:
        """How it ended ("signal 9", "exit code 1"); None while it runs or before start."""
        code = None if self._proc is None else self._proc.poll()
        if code is None:
            return None
        return f"signal {-code}" if code < 0 else f"exit code {code}"

    def start(self) -> None:
        if self.running():
            raise InfraError(f"{self.name} is already running (pid {self.pid})")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            out.write(f"{_RUN_HEADER}{time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n"
                      .encode())
            out.flush()
            self._proc = subprocess.Popen(
                [*_DIE_WITH_PARENT, *self.argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                pass_fds=self.pass_fds,
                process_group=0,
            )
        atexit.register(self.stop)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the group, SIGKILL it after timeout seconds, then reap the child."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        atexit.unregister(self.stop)
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("process did not stop in time, killing it", name=self.name,
                            pid=proc.pid, timeout_s=timeout)
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        # The leader is gone; anything it forked into the group must not outlive it.
        _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
