"""`podium run` as a user runs it, in its own home on free ports: a service, PostgreSQL or
Kafka killed mid-run is started again and the rest keep running; SIGTERM stops everything and
leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from launcher.process import free_port, port_open
from shared.adapters.settings import REPO_ROOT

T = TypeVar("T")

# Bounds for a stuck system on a busy machine, not speed requirements.
START_S = 240
RECOVER_S = 180
STOP_S = 120


@dataclass
class Run:
    home: Path
    ports: dict[str, int]
    process: subprocess.Popen[bytes]
    output: Path

    def said(self) -> str:
        return self.output.read_text(errors="replace")

    def healthy(self, service: str) -> bool:
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.ports[service]}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    def healthy_or_none(self, service: str) -> Callable[[], bool | None]:
        return lambda: self.healthy(service) or None

    def processes(self) -> dict[int, str]:
        """Every live process started for this run (they all inherit its PODIUM_HOME), by
        pid, with its command line. PostgreSQL's server is not our child (pg_ctl detaches
        it), so the process tree alone would miss it."""
        marker = f"PODIUM_HOME={self.home}".encode()
        found = {}
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if marker not in environ.read_bytes().split(b"\0"):
                    continue
                state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                command = (environ.parent / "cmdline").read_bytes().replace(b"\0", b" ")
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if state != "Z":  # a zombie waiting for init to reap it is gone
                found[int(environ.parent.name)] = command.decode(errors="replace")
        return found

    def service_pid(self, service: str) -> int:
        [pid] = [pid for pid, command in self.processes().items()
                 if f"-m services.{service}" in command]
        return pid


def wait_for(check: Callable[[], T | None], what: str, limit_s: float, run: Run) -> T:
    deadline = time.monotonic() + limit_s
    while (answer := check()) is None:
        assert run.process.poll() is None or what.startswith("podium run to end"), \
            f"podium run ended while waiting for {what}:\n{run.said()[-3000:]}"
        assert time.monotonic() < deadline, f"no {what} within {limit_s} s:\n{run.said()[-3000:]}"
        time.sleep(0.2)
    return answer


@pytest.fixture
def podium_run() -> Iterator[Run]:
    home = Path(tempfile.mkdtemp(prefix="podium-run-"))
    home.chmod(0o711)  # PostgreSQL runs as the postgres OS user when we are root
    ports = {name: free_port() for name in
             ("ingest", "scoring", "broadcast", "postgres", "kafka", "kafka_controller")}
    env = {key: value for key, value in os.environ.items()
           if key not in ("PODIUM_DATABASE_URL", "PODIUM_KAFKA_BOOTSTRAP")}
    env |= {"PODIUM_HOME": str(home),
            # One process per service, so that each one's pid names it (the default is a
            # broadcast process per core).
            "PODIUM_BROADCAST_PROCESSES": "1",
            **{f"PODIUM_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    output = home / "podium-run.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "podium"), "run"], cwd=REPO_ROOT, env=env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, process_group=0)
    run = Run(home, ports, process, output)
    try:
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pid in run.processes():  # only after a failure above
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(home, ignore_errors=True)


def test_what_is_killed_is_restarted_and_sigterm_leaves_nothing_behind(
    podium_run: Run,
) -> None:
    run = podium_run
    wait_for(lambda: "podium is up" in run.said() or None, "start", START_S, run)
    scoring = run.service_pid("scoring")
    others = {service: run.service_pid(service) for service in ("ingest", "broadcast")}

    os.kill(scoring, signal.SIGKILL)
    wait_for(lambda: "scoring exited (signal 9); restarting in 1 s" in run.said() or None,
             "word of scoring's death", RECOVER_S, run)
    wait_for(run.healthy_or_none("scoring"), "scoring healthy again", RECOVER_S, run)
    assert run.service_pid("scoring") != scoring
    assert {service: run.service_pid(service) for service in others} == others
    assert all(run.healthy(service) for service in ("ingest", "broadcast"))

    # The brokers too; the services wait for them and carry on.
    postmaster = int((run.home / "postgres" / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    wait_for(lambda: "postgresql restarted" in run.said() or None, "PostgreSQL restarted",
             RECOVER_S, run)
    [kafka] = [pid for pid, command in run.processes().items() if "kafka.Kafka" in command]
    os.kill(kafka, signal.SIGKILL)
    wait_for(lambda: "kafka exited (signal 9); restarting in 1 s" in run.said() or None,
             "word of Kafka's death", RECOVER_S, run)
    wait_for(lambda: "kafka restarted" in run.said() or None, "Kafka restarted", RECOVER_S, run)
    for service in ("ingest", "scoring", "broadcast"):
        wait_for(run.healthy_or_none(service), f"{service} healthy again", RECOVER_S, run)
    assert {service: run.service_pid(service) for service in others} == others

    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(STOP_S) == 0, run.said()[-3000:]
    assert run.processes() == {}
    assert [name for name, port in run.ports.items() if port_open("127.0.0.1", port)] == []
