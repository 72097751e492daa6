"""The local Kafka and PostgreSQL runners: start, use, restart, stop, leave nothing behind."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from launcher.kafka import LocalKafka
from launcher.postgres import LocalPostgres
from launcher.process import free_port
from shared.adapters.kafka import ensure_topics

TOPIC = "podium.infra-test"


@pytest.fixture
def infra_dir() -> Iterator[Path]:
    # Not tmp_path: pytest keeps /tmp/pytest-of-<user> at mode 0700, which the postgres OS
    # user (the server's user when tests run as root) cannot traverse. This folder is ours.
    folder = Path(tempfile.mkdtemp(prefix="podium-infra-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder)


async def test_kafka_and_postgres_start_restart_and_stop_cleanly(infra_dir: Path) -> None:
    children_before = set(_children())
    postgres = LocalPostgres(infra_dir / "postgres", free_port())
    kafka = LocalKafka(infra_dir / "kafka", free_port())
    with postgres, kafka:
        await ensure_topics(kafka.bootstrap, {TOPIC: 2})
        await ensure_topics(kafka.bootstrap, {TOPIC: 2})  # existing topics are fine

        assert await _select_one(postgres.dsn) == 1
        postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])
        postgres.stop()
        _wait_gone(postmaster)
        postgres.start()
        assert await _select_one(postgres.dsn) == 1

        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap,
                                    group_id="infra-test", auto_offset_reset="earliest",
                                    enable_auto_commit=False)
        await producer.start()
        await consumer.start()
        try:
            await producer.send_and_wait(TOPIC, b"before restart", key=b"k")
            assert (await asyncio.wait_for(consumer.getone(), 30)).value == b"before restart"
            await consumer.commit()

            # The same clients ride out a broker restart on the same data dir and port.
            kafka.stop()
            kafka.start()
            await producer.send_and_wait(TOPIC, b"after restart", key=b"k")
            assert (await asyncio.wait_for(consumer.getone(), 60)).value == b"after restart"
        finally:
            await consumer.stop()
            await producer.stop()
        postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])

    _wait_gone(postmaster)
    assert not (postgres.data_dir / "postmaster.pid").exists()
    # Other tests' session fixtures may have children of their own running.
    assert set(_children()) <= children_before


async def _select_one(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        value: int = await conn.fetchval("select 1")
        return value
    finally:
        await conn.close()


def _process_state(pid: int) -> str | None:
    """The /proc state letter of pid, None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def _wait_gone(pid: int, timeout: float = 5.0) -> None:
    # The postmaster is not our child (pg_ctl detaches it): a zombie awaiting init counts
    # as gone.
    deadline = time.monotonic() + timeout
    while _process_state(pid) not in (None, "Z"):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(0.05)


def _children() -> list[int]:
    me = str(os.getpid())
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if ppid == me:
            children.append(int(stat.parent.name))
    return children
