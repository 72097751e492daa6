"""scoring: consumes accepted revisions, keeps the tables in PostgreSQL, feeds broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError
from starlette.applications import Starlette

from services.scoring import store
from services.scoring.core import ScoringState
from shared.adapters import db, kafka
from shared.adapters.db import Database
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.outbox import OutboxRelay
from shared.adapters.service import keep_running, running
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness, health_routes
from shared.contract.messages import AcceptedResult, ResultCheck, results_topic_message

log = structlog.get_logger()

APPLIED = Counter("podium_scoring_revisions_total",
                  "Result revisions and their checks consumed", ["outcome"])
BATCH_SECONDS = Histogram(
    "podium_scoring_batch_seconds", "Time to score and persist one batch",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
VERSION = Gauge("podium_scoring_tables_version", "Version of the tables")
LAST_SEQ = Gauge("podium_scoring_last_seq", "The feed's last seq, as scoring numbered it")
LAG = Gauge("podium_scoring_consumer_lag_messages",
            "Messages on the results topic that scoring has not consumed yet")


class Scoring:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False, "leader": False})

    def lifespan(self, app: Starlette) -> contextlib.AbstractAsyncContextManager[None]:
        # Nothing half-done survives a restart of the loop: the state is reloaded from
        # PostgreSQL and consumption resumes at the offsets stored with it.
        return running(keep_running("scoring", self._run, on_failure=self._not_ready))

    def _not_ready(self, error: BaseException) -> None:
        self.readiness.set("postgresql", False)

    async def _run(self) -> None:
        # A pool of its own each time: after PostgreSQL restarts, none of the old connections
        # (the leader's lock among them) is worth keeping.
        database = Database(self.settings.database_url, min_size=2, max_size=4)
        try:
            pool = await database.connect()
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
            await database.close()

    async def _lead(self, pool: db.Pool, conn: db.Connection) -> None:
        games, rules = self.definitions.games, self.definitions.rules
        state = await store.load_state(conn, games, rules)
        await store.publish_missing_tables(conn, state, datetime.now(UTC))
        VERSION.set(state.version)
        LAST_SEQ.set(state.last_seq)
        log.info("scoring state loaded", events=len(state.events), version=state.version,
                 last_seq=state.last_seq)
        relay = OutboxRelay(
            pool, store.FeedOutbox(self.settings.changes_topic),
            lambda: kafka.new_producer(self.settings), self.readiness,
        )
        relay_task = asyncio.create_task(keep_running("feed relay", relay.run))
        try:
            await kafka.create_topics_when_reachable(self.settings)
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
        consumer = kafka.new_consumer(self.settings)
        await consumer.start()
        # The topic was created with this many partitions (kafka.topic_layout).
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
            await _observe_lag(consumer)
            if not batches:
                continue
            started = time.perf_counter()
            results: list[AcceptedResult | ResultCheck] = []
            next_offsets: dict[int, int] = {}
            # Partition by partition keeps each event's revisions in order; the order
            # across events does not change the tables.
            for tp, messages in batches.items():
                for message in messages:
                    try:
                        results.append(results_topic_message(message.value or b""))
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
            LAST_SEQ.set(state.last_seq)
            APPLIED.labels("applied").inc(plan.applied)
            APPLIED.labels("ignored").inc(len(results) - plan.applied)
            BATCH_SECONDS.observe(time.perf_counter() - started)


async def _observe_lag(consumer: AIOKafkaConsumer) -> None:
    """The end of each partition as the last fetch saw it, minus where scoring is."""
    lag = 0
    for tp in consumer.assignment():
        end = consumer.highwater(tp)
        if end is not None:
            lag += max(0, end - await consumer.position(tp))
    LAG.set(lag)


def create_app(settings: Settings) -> Starlette:
    scoring = Scoring(settings, load_definitions(settings.games_dir))
    routes = health_routes(scoring.readiness, required=("postgresql", "kafka", "leader"))
    return Starlette(routes=routes, lifespan=scoring.lifespan)
