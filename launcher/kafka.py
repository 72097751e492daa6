"""A single-node Kafka (KRaft, combined broker+controller) run from jars fetched by Maven."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import structlog

from launcher.process import (
    InfraError,
    ManagedProcess,
    StartStop,
    free_port,
    last_run,
    lock_for_use,
    port_open,
)
from shared.adapters.settings import REPO_ROOT

log = structlog.get_logger()

POM = REPO_ROOT / "kafka" / "pom.xml"

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
# The broker's heap and collector. G1 (the JVM's default here) stopped the broker for
# 6-26 ms a few times a minute under the pipeline's load, and a result crosses it twice;
# ZGC's pauses stay under a millisecond. In rounds of 100 results at 10/s (12 each) the
# worst p99s were 34.0 and 33.8 ms with G1 and 30.5 ms with ZGC, the medians alike, and
# ingest's throughput did not change (docs/benchmarks.md, sixth pass).
BROKER_JVM_OPTIONS = ("-Xms256m", "-Xmx512m", "-XX:+UseZGC")

_LOG4J2_PROPERTIES = """\
# Everything to stdout, which LocalKafka appends to its log file.
status = warn
# Kafka logs its own shutdown; log4j's hook would stop logging before that.
shutdownHook = disable
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
# Full config dumps (thousands of lines per start) only repeat server.properties.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


def default_cache_dir() -> Path:
    """Where downloaded jars live: $PODIUM_CACHE, else <repo>/.cache (git-ignored)."""
    return Path(os.environ.get("PODIUM_CACHE") or REPO_ROOT / ".cache")


def kafka_version() -> str:
    """The broker version pinned in kafka/pom.xml (the single place to change it)."""
    if not POM.is_file():
        raise InfraError(f"{POM} is missing; it pins the Kafka version and lives in the "
                         "Podium repository, so run from a checkout")
    version = ET.parse(POM).findtext("{http://maven.apache.org/POM/4.0.0}properties/"
                                     "{http://maven.apache.org/POM/4.0.0}kafka.version")
    if not version:
        raise InfraError(f"{POM} has no <properties><kafka.version>")
    return version.strip()


def java_executable() -> str:
    """$JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not java.is_file():
            raise InfraError(f"JAVA_HOME={home} has no bin/java; point it at a Java 17+ JDK/JRE "
                             "or unset it to use java from PATH")
        return str(java)
    found = shutil.which("java")
    if found is None:
        raise InfraError("Kafka needs Java 17 or newer but `java` is not on PATH; install it "
                         "(apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME")
    return found


def ensure_kafka_jars(cache_dir: Path | None = None) -> Path:
    """Download the broker jars once with Maven; returns the folder holding them.

    A marker holding the pom's digest records a complete download: later calls skip Maven
    entirely until the pom changes.
    """
    version = kafka_version()
    home = (cache_dir or default_cache_dir()) / f"kafka-{version}"
    libs = home / "libs"
    marker = home / "download-complete"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if _read(marker) == digest and libs.is_dir():
        return libs
    home.mkdir(parents=True, exist_ok=True)
    # Parallel test sessions may race here; one downloads, the others wait for it.
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _read(marker) == digest and libs.is_dir():
            return libs
        java_executable()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError("Maven (`mvn`) is needed once to download the Kafka jars but is not "
                             "on PATH; install it (apt-get install -y maven)")
        partial = home / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log.info("downloading Kafka jars…", version=version, into=str(libs))
        started = time.monotonic()
        result = subprocess.run(
            [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM),
             "dependency:copy-dependencies", "-DincludeScope=runtime",
             f"-DoutputDirectory={partial}"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            # Maven prints ANSI colour resets even in batch mode.
            output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
            tail = "\n".join(output.splitlines()[-30:])
            raise InfraError(f"Maven failed (exit {result.returncode}) to download the Kafka "
                             f"{version} jars; check that Maven Central is reachable (proxy "
                             f"settings go in ~/.m2/settings.xml). Maven said:\n{tail}")
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
        marker.write_text(digest)
        log.info("kafka jars downloaded", seconds=round(time.monotonic() - started, 1))
    return libs


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


class LocalKafka(StartStop):
    """One KRaft node (broker and controller in one JVM) bound to 127.0.0.1.

    data_dir keeps the formatted log dirs between runs, so a stopped node starts again
    with its topics, offsets and messages.
    """

    name = "kafka"

    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int | None = None,
        log_file: Path | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.controller_port = controller_port or free_port()
        self.log_file = log_file or data_dir / "kafka.log"
        self.cache_dir = cache_dir
        self._process: ManagedProcess | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's process (its group's leader) while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the node and return once it answers metadata requests."""
        if self._process is not None:
            raise InfraError(f"Kafka on {self.bootstrap} is already started")
        libs = ensure_kafka_jars(self.cache_dir)
        for port in (self.port, self.controller_port):
            if port_open("127.0.0.1", port):
                raise InfraError(f"cannot start Kafka: 127.0.0.1:{port} is already in use "
                                 "(a broker left running, or pick another port)")
        started = time.monotonic()
        lock = lock_for_use(self.data_dir / "in-use.lock", f"Kafka data dir {self.data_dir}")
        try:
            config = self._write_config()
            log_config = self.data_dir / "log4j2.properties"
            log_config.write_text(_LOG4J2_PROPERTIES)
            java = java_executable()
            common = [f"-Dlog4j2.configurationFile={log_config}", "-cp", f"{libs}/*"]
            if not (self.data_dir / "data" / "meta.properties").exists():
                self._format([java, *common], config)
            # The JVM inherits the lock: the data dir stays claimed exactly while it runs.
            process = ManagedProcess(
                "kafka",
                [java, *BROKER_JVM_OPTIONS, *common, "kafka.Kafka", str(config)],
                self.log_file,
                pass_fds=[lock.fileno()],
            )
            process.start()
        finally:
            lock.close()
        self._process = process
        try:
            self._wait_ready(process)
        except BaseException:
            self.stop()
            raise
        log.info("kafka ready", bootstrap=self.bootstrap,
                 seconds=round(time.monotonic() - started, 1))

    def ended(self) -> str | None:
        """How the node ended ("signal 9"); None while it runs or before start."""
        return None if self._process is None else self._process.ended()

    def stop(self) -> None:
        """Shut the node down cleanly (SIGTERM) so the next start needs no log recovery."""
        process, self._process = self._process, None
        if process is not None:
            process.stop(STOP_TIMEOUT_S)
            log.info("kafka stopped", bootstrap=self.bootstrap)

    def _write_config(self) -> Path:
        # Written on every start: the ports may differ between runs. The voter set is static
        # (controller.quorum.voters), so a new controller port does not strand old data.
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},"
                         f"CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir / "data"),
            # Topics are created explicitly (ensure_topics), so a typo fails loudly.
            "auto.create.topics.enable": "false",
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # Few partitions for internal topics: creating 50 of each slows the first join.
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.num.partitions": "4",
            "group.initial.rebalance.delay.ms": "0",
            # After a crash the restarted node waits for its old session to expire before it
            # may register again: 4 s instead of the default 9 s.
            "broker.heartbeat.interval.ms": "500",
            "broker.session.timeout.ms": "4000",
        }
        config = self.data_dir / "server.properties"
        config.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        return config

    def _format(self, java: list[str], config: Path) -> None:
        # The cluster id lands in data/meta.properties; later starts reuse it from there.
        log.info("formatting Kafka storage", data_dir=str(self.data_dir))
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            result = subprocess.run(
                [*java, "kafka.tools.StorageTool", "format",
                 "--cluster-id", _new_cluster_id(), "--config", str(config)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                timeout=START_TIMEOUT_S, check=False,
            )
        if result.returncode != 0:
            raise InfraError(f"formatting Kafka storage in {self.data_dir} failed "
                             f"(exit {result.returncode}); {_failure_details(self.log_file)}")

    def _wait_ready(self, process: ManagedProcess) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _broker_answers(self.port):
            if not process.running():
                raise InfraError(f"Kafka exited during startup; {_failure_details(self.log_file)}")
            if time.monotonic() > deadline:
                raise InfraError(f"Kafka did not answer on {self.bootstrap} within "
                                 f"{START_TIMEOUT_S:g} s; {_failure_details(self.log_file)}")
            time.sleep(0.1)


def _failure_details(log_file: Path) -> str:
    """The first errors of the latest run and where it stopped, for InfraError messages."""
    run = last_run(log_file)
    # The shutdown that follows a fatal error fills the tail; the cause is an ERROR line
    # and the exception printed under it.
    errors = [f"{line}\n{run[i + 1]}" for i, line in enumerate(run[:-1]) if " ERROR " in line]
    details = "\n".join(["first errors:", *errors[:3], ""]) if errors else ""
    if any("UnsupportedClassVersionError" in line for line in run):
        details = f"Kafka {kafka_version()} needs Java 17 or newer (set JAVA_HOME).\n{details}"
    return details + f"last lines of {log_file}:\n" + "\n".join(run[-15:])


def _new_cluster_id() -> str:
    # Kafka's Uuid text form: URL-safe base64 of 16 bytes without padding. Kafka itself
    # never hands out ids starting with "-" (they read as command-line flags).
    while True:
        text = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _broker_answers(port: int) -> bool:
    """True once the broker answers a Metadata request that lists a live broker.

    An open port proves less: only a broker that finished startup and is unfenced lists
    itself. Metadata v4 is the oldest version Kafka 4 accepts and simple to encode by hand.
    """
    client_id = b"podium-probe"
    request = (struct.pack(">hhih", 3, 4, 0, len(client_id)) + client_id
               + struct.pack(">i?", 0, False))  # topics: empty list; no auto-creation
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            with sock.makefile("rb") as reader:
                # size, correlation id, throttle time, number of brokers
                head = reader.read(16)
    except OSError:
        return False
    return len(head) == 16 and struct.unpack(">iiii", head)[3] > 0
