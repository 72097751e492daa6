"""scoring: consumes accepted revisions, keeps the tables in PostgreSQL, feeds broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError
from starlette.applications import Starlette

from services.scoring import store
from services.scoring.core import Plan, ScoringState, matches_submission, matches_unit_change
from services.scoring.topics import Topics
from shared.adapters import db, kafka
from shared.adapters.db import Database
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.outbox import OutboxRelay
from shared.adapters.service import StallWatch, keep_running, running
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness, health_routes
from shared.contract.messages import (
    AcceptedResult,
    ResultCheck,
    ResultsMessage,
    UnitUpdate,
    results_topic_message,
)

log = structlog.get_logger()

# outcome: applied; ignored (already applied); malformed (not a message of the topic);
# unmatched (no submission or check row is exactly it).
APPLIED = Counter("podium_scoring_revisions_total",
                  "Result revisions and their checks consumed", ["outcome"])
BATCH_SECONDS = Histogram(
    "podium_scoring_batch_seconds", "Time to score and persist one batch",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
VERSION = Gauge("podium_scoring_tables_version", "Version of the tables")
LAST_SEQ = Gauge("podium_scoring_last_seq", "The feed's last seq, as scoring numbered it")
# How often scoring's position is compared with the results topic's end, and how long it
# may stay behind without moving before /healthz says so: a batch takes milliseconds to
# a second (a rebuild of a whole games' worth), so 10 s behind and still is stuck.
STALL_CHECK_S = 2.0
STALLED_AFTER_S = 10.0
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
        database = Database(self.settings.database_url, min_size=2, max_size=4,
                            migrate=self.settings.migrate)
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
            pool, (store.FeedOutbox(self.settings.changes_topic),),
            lambda: kafka.new_producer(self.settings), self.readiness,
        )
        relay_task = asyncio.create_task(keep_running("feed relay", relay.run))
        try:
            await kafka.create_topics_when_reachable(self.settings)
            consumer = kafka.new_consumer(
                self.settings, partitions=self.settings.results_partitions)
            topics = Topics(self.settings, conn, consumer, relay)
            try:
                await consumer.start()
                await topics.start()
                self.readiness.set("kafka", True)
                watch = asyncio.create_task(_watch(consumer, self.readiness))
                try:
                    await self._consume(conn, consumer, state, relay, topics)
                finally:
                    watch.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watch
            finally:
                await topics.close()
                await consumer.stop()
        finally:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task

    async def _consume(
        self,
        conn: db.Connection,
        consumer: AIOKafkaConsumer,
        state: ScoringState,
        relay: OutboxRelay,
        topics: Topics,
    ) -> None:
        topic = self.settings.results_topic
        while True:
            await topics.check_when_due()
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if not batches:
                continue
            started = time.perf_counter()
            # Partition by partition keeps each event's revisions in order; the order
            # across events does not change the tables.
            messages = [message for records in batches.values() for record in records
                        if (message := _message(record)) is not None]
            next_offsets = {tp.partition: records[-1].offset + 1
                            for tp, records in batches.items()}
            plan, messages, earlier = await _planned(conn, state, messages)
            await store.persist(conn, plan, topic, next_offsets)
            state.commit(plan)
            relay.wake()
            VERSION.set(state.version)
            LAST_SEQ.set(state.last_seq)
            APPLIED.labels("applied").inc(plan.applied)
            APPLIED.labels("ignored").inc(len(messages) + len(earlier) - plan.applied)
            BATCH_SECONDS.observe(time.perf_counter() - started)


def _message(record: ConsumerRecord[bytes, bytes]) -> ResultsMessage | None:
    try:
        return results_topic_message(record.value or b"")
    except ValidationError as error:
        APPLIED.labels("malformed").inc()
        log.error("skipping a malformed result message", partition=record.partition,
                  offset=record.offset, error=str(error))
        return None


async def _planned(
    conn: db.Connection, state: ScoringState, messages: list[ResultsMessage]
) -> tuple[Plan, list[ResultsMessage], dict[tuple[str, int], AcceptedResult]]:
    """The batch's plan, from the messages a stored row holds (`_stored`), and those
    messages and the stored revisions read before them.

    The check's round trip (1.2 of a result's 7 ms in scoring, p50) overlaps the plan:
    the plan assumes every message holds and is made again, the careful way, when one did
    not. A plan is pure, so one made in vain changes nothing."""
    now = datetime.now(UTC)
    if not state.missing(messages):
        checking = asyncio.create_task(_stored(conn, messages))
        await asyncio.sleep(0)  # the task runs to its first wait: the check's query is sent
        plan = state.plan(messages, now)
        held = await checking
        if len(held) == len(messages):
            return plan, held, {}
        messages = held
    else:
        messages = await _stored(conn, messages)
    # A lost topic skipped revisions, or a message did not hold: those before are read.
    earlier = await store.stored_revisions(conn, state.missing(messages))
    return state.plan(messages, now, earlier), messages, earlier


async def _stored(
    conn: db.Connection, messages: list[ResultsMessage]
) -> list[ResultsMessage]:
    """The messages that are exactly a row of `submissions` (a result), of `result_checks`
    (its check) or of `unit_changes` (a unit's state); anything else is not what ingest
    accepted, whatever it says, and is skipped."""
    results = [message for message in messages if isinstance(message, AcceptedResult)]
    updates = [message for message in messages if isinstance(message, UnitUpdate)]
    rows = await store.stored_rows(conn, [result.submission_id for result in results])
    changes = await store.stored_unit_changes(conn, [update.change_id for update in updates])
    checks = await store.stored_checks(conn, [message.id for message in messages
                                              if isinstance(message, ResultCheck)])
    matched: list[ResultsMessage] = []
    for message in messages:
        names: dict[str, object]
        if isinstance(message, UnitUpdate):
            held = matches_unit_change(message, changes)
            names = {"unit_id": message.unit_id, "version": message.version,
                     "change_id": message.change_id}
        elif isinstance(message, ResultCheck):
            held = checks.get(message.id) == message
            names = {"unit_id": message.unit_id, "revision": message.revision,
                     "check_id": message.id}
        else:
            held = matches_submission(message, rows)
            names = {"event_id": message.event_id, "revision": message.revision,
                     "submission_id": message.submission_id}
        if held:
            matched.append(message)
            continue
        APPLIED.labels("unmatched").inc()
        log.error("skipping a message that no stored row holds", **names)
    return matched


async def _watch(consumer: AIOKafkaConsumer, readiness: Readiness) -> None:
    """Every STALL_CHECK_S: how far scoring is behind the results topic (the lag metric),
    and whether it has stopped moving while behind (/healthz)."""
    watch = StallWatch(readiness, "consuming", "scoring", STALLED_AFTER_S)
    while True:
        await asyncio.sleep(STALL_CHECK_S)
        assigned = list(consumer.assignment())
        try:
            ends = await consumer.end_offsets(assigned)
            position = sum([await consumer.position(tp) for tp in assigned])
        except (KafkaError, IllegalStateError):
            continue  # Kafka away, or partitions being reassigned: the consumer says so
        end = sum(ends.values())
        LAG.set(max(0, end - position))
        watch.observe(position, end)


def create_app(settings: Settings) -> Starlette:
    scoring = Scoring(settings, load_definitions(settings.games_dir))
    routes = health_routes(scoring.readiness,
                           required=("postgresql", "kafka", "leader", "relay", "consuming"))
    return Starlette(routes=routes, lifespan=scoring.lifespan)
