"""scoring: consumes accepted revisions, keeps the tables in PostgreSQL, feeds broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError
from starlette.applications import Starlette

from services.scoring import store
from services.scoring.core import ScoringState
from shared import bus, db
from shared.definitions import Definitions, load_definitions
from shared.messages import AcceptedResult
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.web import Readiness, health_routes

log = structlog.get_logger()

APPLIED = Counter("podium_scoring_revisions_total", "Result revisions consumed", ["outcome"])
BATCH_SECONDS = Histogram(
    "podium_scoring_batch_seconds", "Time to score and persist one batch",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
VERSION = Gauge("podium_scoring_tables_version", "Version of the tables")

DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.CannotConnectNowError, TimeoutError)


class Scoring:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False, "leader": False})

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(self._run_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run_forever(self) -> None:
        # Nothing half-done survives a restart of the loop: the state is reloaded from
        # PostgreSQL and consumption resumes at the offsets stored with it.
        while True:
            try:
                await self._run()
            except (*DATABASE_DOWN, KafkaError) as error:
                log.warning("scoring restarting its loop", error=repr(error))
                delay = 1.0
            except Exception:
                # E.g. PostgreSQL shutting down mid-query (AdminShutdownError). Retrying
                # beats a process that looks alive but has silently stopped scoring.
                log.exception("scoring failed; restarting its loop")
                delay = 5.0
            self.readiness.set("postgresql", False)
            await asyncio.sleep(delay)

    async def _run(self) -> None:
        pool = await db.create_pool(self.settings.database_url, min_size=2, max_size=4)
        try:
            await db.migrate(pool)
            self.readiness.set("postgresql", True)
            async with pool.acquire() as leader:
                log.info("waiting to be the active scoring process")
                await leader.execute("SELECT pg_advisory_lock($1)", store.SCORING_LOCK)
                self.readiness.set("leader", True)
                try:
                    await self._lead(pool, leader)
                finally:
                    self.readiness.set("leader", False)
        finally:
            await pool.close()

    async def _lead(self, pool: db.Pool, conn: db.Connection) -> None:
        games, rules = self.definitions.games, self.definitions.rules
        state = await store.load_state(conn, games, rules)
        await store.publish_missing_tables(conn, state, datetime.now(UTC))
        VERSION.set(state.version)
        log.info("scoring state loaded", events=len(state.events), version=state.version,
                 last_seq=state.last_seq)
        relay = OutboxRelay(
            pool, store.FeedOutbox(self.settings.changes_topic),
            lambda: bus.new_producer(self.settings), self.readiness,
        )
        relay_task = asyncio.create_task(relay.run())
        try:
            await bus.create_topics_when_reachable(self.settings)
            consumer = await self._start_consumer(conn)
            try:
                await self._consume(conn, consumer, state, relay)
            finally:
                await consumer.stop()
        finally:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task

    async def _start_consumer(self, conn: db.Connection) -> AIOKafkaConsumer:
        topic = self.settings.results_topic
        consumer = bus.new_consumer(self.settings)
        await consumer.start()
        # The topic was created with this many partitions (bus.topic_layout).
        assigned = [TopicPartition(topic, p) for p in range(self.settings.results_partitions)]
        consumer.assign(assigned)
        offsets = await store.load_offsets(conn, topic)
        for tp in assigned:
            if tp.partition in offsets:
                consumer.seek(tp, offsets[tp.partition])
            else:
                await consumer.seek_to_beginning(tp)
        self.readiness.set("kafka", True)
        return consumer

    async def _consume(
        self,
        conn: db.Connection,
        consumer: AIOKafkaConsumer,
        state: ScoringState,
        relay: OutboxRelay,
    ) -> None:
        topic = self.settings.results_topic
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if not batches:
                continue
            started = time.perf_counter()
            results: list[AcceptedResult] = []
            next_offsets: dict[int, int] = {}
            # Partition by partition keeps each event's revisions in order; the order
            # across events does not change the tables.
            for tp, messages in batches.items():
                for message in messages:
                    try:
                        results.append(AcceptedResult.model_validate_json(message.value or b""))
                    except ValidationError as error:
                        APPLIED.labels("malformed").inc()
                        log.error("skipping a malformed result message", partition=tp.partition,
                                  offset=message.offset, error=str(error))
                next_offsets[tp.partition] = messages[-1].offset + 1
            plan = state.plan(results, datetime.now(UTC))
            await store.persist(conn, plan, topic, next_offsets)
            state.commit(plan)
            relay.wake()
            VERSION.set(state.version)
            APPLIED.labels("applied").inc(plan.applied)
            APPLIED.labels("ignored").inc(len(results) - plan.applied)
            BATCH_SECONDS.observe(time.perf_counter() - started)


def create_app(settings: Settings) -> Starlette:
    scoring = Scoring(settings, load_definitions(settings))
    routes = health_routes(scoring.readiness, required=("postgresql", "kafka", "leader"))
    return Starlette(routes=routes, lifespan=scoring.lifespan)
