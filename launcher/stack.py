"""The whole system on one machine: local PostgreSQL and Kafka when none is configured,
and the three services as separate processes. Used by `podium run` and the flow tests."""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import structlog

from launcher.kafka import LocalKafka
from launcher.postgres import LocalPostgres
from launcher.process import InfraError, ManagedProcess, free_port, log_tail

log = structlog.get_logger()

SERVICES = ("ingest", "scoring", "broadcast")


@dataclass
class Ports:
    ingest: int = 8001
    scoring: int = 8002
    broadcast: int = 8003
    postgres: int = 5433
    kafka: int = 9092
    kafka_controller: int = 9093

    def of(self, service: str) -> int:
        port: int = getattr(self, service)
        return port


@dataclass
class Stack:
    home: Path
    ports: Ports = field(default_factory=Ports)
    database_url: str | None = None  # None: run a local PostgreSQL under home
    kafka_bootstrap: str | None = None  # None: run a local Kafka under home
    extra_env: dict[str, str] = field(default_factory=dict)
    # Broadcast processes sharing its port (SO_REUSEPORT): one process delivers ~100k
    # frames/s at most (docs/benchmarks.md, "The floor"), so big audiences need more than one.
    broadcast_processes: int = 1
    postgres: LocalPostgres | None = None
    kafka: LocalKafka | None = None
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    @classmethod
    def throwaway(cls, prefix: str) -> "Stack":
        """A system in a new temporary folder on free ports, for tests and benchmarks;
        `remove()` stops it and deletes the folder."""
        home = Path(tempfile.mkdtemp(prefix=prefix))
        # Not 0700 like mkdtemp or pytest's tmp_path: PostgreSQL runs as the `postgres`
        # OS user when we are root, so it must be able to get in.
        home.chmod(0o711)
        ports = Ports(
            ingest=free_port(), scoring=free_port(), broadcast=free_port(),
            postgres=free_port(), kafka=free_port(), kafka_controller=free_port(),
        )
        # Every client of a test or a benchmark connects from this machine's one address.
        unlimited = {"PODIUM_BROADCAST_MAX_CONNECTIONS_PER_ADDRESS": "1000000"}
        return cls(home=home, ports=ports, extra_env=unlimited)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)

    @property
    def run_file(self) -> Path:
        return self.home / "run.json"

    def start_infra(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.database_url is None:
            self.postgres = LocalPostgres(
                self.home / "postgres", self.ports.postgres,
                log_file=self.home / "logs/postgres.log",
            )
            self.postgres.start()
            self.database_url = self.postgres.dsn
        if self.kafka_bootstrap is None:
            self.kafka = LocalKafka(
                self.home / "kafka", self.ports.kafka, controller_port=self.ports.kafka_controller,
                log_file=self.home / "logs/kafka.log",
            )
            self.kafka.start()
            self.kafka_bootstrap = self.kafka.bootstrap
        # Lets `podium token create` in another terminal find this games' database.
        self.run_file.write_bytes(orjson.dumps(
            {"database_url": self.database_url, "kafka_bootstrap": self.kafka_bootstrap,
             "ports": self.ports.__dict__}
        ))

    def env(self) -> dict[str, str]:
        assert self.database_url is not None and self.kafka_bootstrap is not None
        return {
            **os.environ,
            "PODIUM_DATABASE_URL": self.database_url,
            "PODIUM_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "PODIUM_HOME": str(self.home),
            "PODIUM_INGEST_PORT": str(self.ports.ingest),
            "PODIUM_SCORING_PORT": str(self.ports.scoring),
            "PODIUM_BROADCAST_PORT": str(self.ports.broadcast),
            **self.extra_env,
        }

    def service(self, name: str) -> ManagedProcess:
        """A service's process; `broadcast-2`, `broadcast-3`... are extra broadcast
        processes on the same port."""
        if name not in self.processes:
            module = name.split("-")[0]
            self.processes[name] = ManagedProcess(
                name, [sys.executable, "-m", f"services.{module}"],
                self.home / "logs" / f"{name}.log", env=self.env(),
            )
        return self.processes[name]

    def start_services(self) -> None:
        for name in SERVICES:
            self.service(name).start()
        for number in range(2, self.broadcast_processes + 1):
            self.service(f"broadcast-{number}").start()

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports.of(service)}"

    def wait_healthy(self, timeout: float = 60.0, services: tuple[str, ...] = SERVICES) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                name = pending[0]
                process = self.processes.get(name)
                if process is not None and not process.running():
                    raise InfraError(
                        f"{name} exited during start; its log:\n"
                        + log_tail(self.home / "logs" / f"{name}.log")
                    )
                try:
                    if client.get(self.url(name) + "/healthz").status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise InfraError(
                        f"{name} not healthy after {timeout:g} s; its log:\n"
                        + log_tail(self.home / "logs" / f"{name}.log")
                    )
                time.sleep(0.2)
        stopped = [name for name, process in self.processes.items() if not process.running()]
        if stopped:
            raise InfraError(f"{', '.join(stopped)} exited during start; see {self.home}/logs")

    def stop_services(self) -> None:
        for name in reversed(self.processes):
            self.processes[name].stop(timeout=15)

    def stop(self) -> None:
        self.stop_services()
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()
        self.run_file.unlink(missing_ok=True)
