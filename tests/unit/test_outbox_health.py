"""The outbox relay tells /healthz when accepted rows wait too long for Kafka."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from shared.adapters import outbox
from shared.adapters.outbox import OutboxRelay, OutboxRow
from shared.adapters.web import Readiness


class Waiting:
    """An outbox whose backlog is whatever the test says."""

    topic = "podium.results"

    def __init__(self, name: str = "submissions", lock_id: int = 1) -> None:
        self.name, self.lock_id = name, lock_id
        self.waiting = (0, 0.0)

    async def fetch(self, conn: Any, limit: int) -> Sequence[OutboxRow]:
        return []

    async def mark(self, conn: Any, ids: list[int]) -> None:
        return None

    async def backlog(self, pool: Any) -> tuple[int, float]:
        return self.waiting


async def test_rows_waiting_past_the_bound_make_the_relay_not_ready() -> None:
    source, readiness = Waiting(), Readiness()
    relay = OutboxRelay(pool=None, sources=[source],  # type: ignore[arg-type]
                        new_producer=lambda: None, readiness=readiness)  # type: ignore[arg-type,return-value]
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is True
    source.waiting = (3, outbox.STUCK_AFTER_S + 15)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is False
    assert readiness.reasons["relay"].startswith(
        "3 submissions row(s) committed but not on Kafka yet, the oldest for 45 s")
    source.waiting = (0, 0.0)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is True and "relay" not in readiness.reasons


async def test_one_stuck_outbox_of_a_relay_makes_it_not_ready_whatever_the_others_do() -> None:
    results, units, readiness = Waiting(), Waiting("unit_changes", 2), Readiness()
    relay = OutboxRelay(pool=None, sources=[results, units],  # type: ignore[arg-type]
                        new_producer=lambda: None, readiness=readiness)  # type: ignore[arg-type,return-value]
    results.waiting = (2, outbox.STUCK_AFTER_S + 5)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is False
    assert readiness.reasons["relay"].startswith("2 submissions row(s)")
    results.waiting, units.waiting = (0, 0.0), (7, outbox.STUCK_AFTER_S + 1)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is False
    assert readiness.reasons["relay"].startswith("7 unit_changes row(s)")
    units.waiting = (0, 0.0)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is True


class Statements:
    """A connection that takes every statement (BEGIN and the locks, COMMIT) at once."""

    async def execute(self, query: str, *args: Any) -> str:
        return "OK"


class OnePool:
    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Statements]:
        yield Statements()


class Producer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def start(self) -> None:
        return None

    async def send(self, topic: str, key: bytes, value: bytes) -> asyncio.Future[None]:
        self.sent.append(value)
        taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        taken.set_result(None)
        return taken

    async def stop(self) -> None:
        return None


class SlowBacklog(Waiting):
    """Two rows to publish, and a backlog query that does not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = [OutboxRow(1, b"e1", b"first"), OutboxRow(2, b"e2", b"second")]
        self.marked: list[int] = []
        self.published, self.asked = asyncio.Event(), asyncio.Event()

    async def fetch(self, conn: Any, limit: int) -> Sequence[OutboxRow]:
        rows, self.rows = self.rows, []
        return rows

    async def mark(self, conn: Any, ids: list[int]) -> None:
        self.marked += ids
        self.published.set()

    async def backlog(self, pool: Any) -> tuple[int, float]:
        self.asked.set()
        await asyncio.Event().wait()
        raise AssertionError("never answered")


async def test_a_pass_does_not_wait_for_the_backlog_to_be_read() -> None:
    # The backlog's queries were once made before a pass: a result waited for them.
    source, producer = SlowBacklog(), Producer()
    relay = OutboxRelay(pool=OnePool(), sources=[source],  # type: ignore[arg-type]
                        new_producer=lambda: producer, readiness=Readiness())  # type: ignore[arg-type,return-value]
    running = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(5):
            await source.published.wait()
        assert source.marked == [1, 2] and producer.sent == [b"first", b"second"]
        assert source.asked.is_set()  # read beside the pass, and still unanswered
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
