"""The relay half of a transactional outbox: rows committed in PostgreSQL are
published to Kafka in order, then marked; Kafka being down only delays them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge

from shared.adapters import db
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.service import keep_running
from shared.adapters.web import Readiness

log = structlog.get_logger()

T = TypeVar("T")


class KafkaUnavailable(Exception):
    """Kafka did not take the batch; the cause says why."""


PUBLISHED = Counter("podium_outbox_published_total", "Outbox rows published", ["outbox"])
# Rows per pass is published / passes: a pass costs the same round trips for 1 row or 500.
PASSES = Counter("podium_outbox_passes_total", "Relay passes that published rows",
                 ["outbox"])
BACKLOG = Gauge("podium_outbox_backlog_rows", "Rows committed and not yet on Kafka", ["outbox"])
OLDEST = Gauge("podium_outbox_oldest_seconds", "Age of the oldest row not yet on Kafka",
               ["outbox"])
_BATCH = 500
# Rows older than this not on Kafka: the relay is stuck (Kafka away, or refusing), and
# /healthz says so. A healthy relay publishes within milliseconds of the commit.
STUCK_AFTER_S = 30.0
# The backlog's gauges and readiness are read this often, beside the passes: read before a
# pass (until 2026-12-04), their one to three round trips were on the way of a result in
# every second, every other result at 2 a second.
OBSERVE_EVERY_S = 1.0


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: bytes
    value: bytes


class OutboxSource(Protocol):
    name: str
    topic: str
    # Only one relay may publish a given outbox at a time, or two could reorder it.
    lock_id: int

    async def fetch(self, conn: db.Connection, limit: int) -> Sequence[OutboxRow]: ...

    async def mark(self, conn: db.Connection, ids: list[int]) -> None: ...

    async def backlog(self, pool: db.Pool) -> tuple[int, float]:
        """How many rows wait, and how many seconds the oldest has waited (0 for none)."""
        ...


async def unpublished(pool: db.Pool, table: str, stamp: str) -> tuple[int, float]:
    """An outbox table's waiting rows (`published_at IS NULL`, a partial index) and the age
    in seconds of the oldest, by its `stamp` column."""
    row = await pool.fetchrow(
        f"SELECT count(*) AS waiting, extract(epoch FROM now() - min({stamp})) AS oldest"
        f" FROM {table} WHERE published_at IS NULL"
    )
    assert row is not None
    return int(row["waiting"]), float(row["oldest"] or 0)


class OutboxRelay:
    """Publishes the rows of one or more outboxes, each in its own order.

    The outboxes of one service go in one pass: one transaction holding every source's
    lock, one Kafka request for all their rows. ingest's two (results and units' states,
    each result writes a row of both) had a relay each: twice the round trips to
    PostgreSQL and the produce requests per result.
    """

    def __init__(
        self,
        pool: db.Pool,
        sources: Sequence[OutboxSource],
        new_producer: Callable[[], AIOKafkaProducer],
        readiness: Readiness,
    ) -> None:
        assert sources, "a relay publishes at least one outbox"
        self._pool = pool
        self._sources = tuple(sources)
        self._lock_ids = [source.lock_id for source in sources]
        self._new_producer = new_producer
        self._producer: AIOKafkaProducer | None = None
        self._readiness = readiness
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.2
        observer = asyncio.create_task(keep_running(
            f"{'/'.join(self._names)} backlog", self._observe_forever))
        try:
            while True:
                # Cleared before the drain, so a wake() during it triggers the next pass
                # (cleared after, it was lost and the row waited ~1 s for the periodic pass).
                self._wake.clear()
                try:
                    more = await self._drain_once()
                except KafkaUnavailable as error:
                    self._readiness.set("kafka", False)
                    log.warning("outbox relay waiting for Kafka", outboxes=self._names,
                                error=repr(error.__cause__), in_s=backoff)
                    # A fresh producer drops batches queued for a broker that went away.
                    await self._close_producer()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                except DATABASE_DOWN as error:
                    # PostgreSQL trouble says nothing about Kafka: keep the producer.
                    log.warning("outbox relay waiting for PostgreSQL", outboxes=self._names,
                                error=repr(error), in_s=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.2
                if more:
                    continue
                # The periodic pass also picks up rows another replica committed.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
        finally:
            observer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await observer
            await self._close_producer()

    @property
    def _names(self) -> list[str]:
        return [source.name for source in self._sources]

    async def _observe_forever(self) -> None:
        # Kafka up or down: the backlog alert must see rows pile up.
        while True:
            await self._observe_backlog()
            await asyncio.sleep(OBSERVE_EVERY_S)

    async def _observe_backlog(self) -> None:
        stuck = []
        for source in self._sources:
            try:
                rows, oldest_s = await source.backlog(self._pool)
            except DATABASE_DOWN:
                return
            BACKLOG.labels(source.name).set(rows)
            OLDEST.labels(source.name).set(oldest_s)
            if oldest_s > STUCK_AFTER_S:
                stuck.append(f"{rows} {source.name} row(s) committed but not on Kafka yet,"
                             f" the oldest for {oldest_s:.0f} s")
        self._readiness.set("relay", not stuck, (
            "; ".join(stuck) + " (nothing is lost: they go out once Kafka takes them)"
        ) if stuck else None)

    async def _producer_ready(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._new_producer()
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
            self._readiness.set("kafka", True)
        return self._producer

    async def _publish(self, producer: AIOKafkaProducer,
                       batches: Sequence[tuple[OutboxSource, Sequence[OutboxRow]]]) -> None:
        # Every send queued before the first wait: one request for the whole pass.
        futures = [
            await producer.send(source.topic, key=row.key, value=row.value)
            for source, rows in batches for row in rows
        ]
        await asyncio.wait_for(asyncio.gather(*futures), timeout=15)

    @staticmethod
    async def _kafka(step: Awaitable[T]) -> T:
        try:
            return await step
        except (KafkaError, OSError, TimeoutError) as error:
            raise KafkaUnavailable() from error

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError, OSError, TimeoutError):
                await asyncio.wait_for(producer.stop(), timeout=5)

    async def _drain_once(self) -> bool:
        """One pass over every source; whether a source had more rows than one pass takes."""
        # Started even with nothing to send, so /healthz shows Kafka's state when idle.
        producer = await self._kafka(self._producer_ready())
        # Not durable: a mark lost in a crash sends its rows again, which every consumer
        # recognises, and the next pass need not wait for the disk.
        async with self._pool.acquire() as conn, db.locked_transaction(
                conn, *self._lock_ids, durable=False):
            batches = [(source, rows) for source in self._sources
                       if (rows := await source.fetch(conn, _BATCH))]
            if not batches:
                return False
            await self._kafka(self._publish(producer, batches))
            # A crash between the send and this commit publishes the rows again; every
            # consumer recognises what it already has, so the effect stays exactly once.
            for source, rows in batches:
                await source.mark(conn, [row.id for row in rows])
        for source, rows in batches:
            PASSES.labels(source.name).inc()
            PUBLISHED.labels(source.name).inc(len(rows))
        return any(len(rows) == _BATCH for _, rows in batches)
