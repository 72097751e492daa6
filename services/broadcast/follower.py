"""Keeps a broadcast replica's hub in step with the feed: PostgreSQL for the state at
start and for any gap, the changes topic for everything live."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from services.broadcast.history import History
from services.broadcast.hub import Hub, HubState
from shared.adapters import kafka
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.service import keep_running
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness
from shared.contract.messages import FeedMessage

log = structlog.get_logger()

GAPS_FILLED = Counter("podium_broadcast_gap_messages_total", "Feed messages read from PostgreSQL")
# A gap is read and applied this many messages at a time, the loop free between pages: a
# gap after Kafka was away for an hour can be thousands of messages, and in one burst it
# would hold the loop (and every connection's budget) for as long as they take.
GAP_PAGE = 200


async def fill_gap(history: History, hub: Hub, upto: int) -> None:
    """Applies from PostgreSQL the feed messages between the hub's seq and `upto`."""
    while hub.last_seq < upto:
        messages = await history.messages(hub.last_seq, upto, GAP_PAGE)
        if not messages:
            return
        for message in messages:
            hub.publish(message)
        GAPS_FILLED.inc(len(messages))
        # The frames of this page go out before the next is applied (LiveEndpoint
        # writes them once the callback ends), and others' requests get their turn.
        await asyncio.sleep(0)


async def _first_state(history: History) -> HubState:
    """The stored state once it has tables: scoring writes the zero tables of a new games
    at its first start, and until then there is nothing to serve (healthz says so)."""
    while True:
        state = await history.state()
        if state.tables:
            return state
        log.info("waiting for scoring's first tables")
        await asyncio.sleep(0.5)


class Follower:
    def __init__(self, settings: Settings, history: History, hub: Hub,
                 readiness: Readiness) -> None:
        self._settings = settings
        self._history = history
        self._hub = hub
        self._readiness = readiness
        self._loaded = False

    async def run(self) -> None:
        """Runs for the life of the process, reconnecting to Kafka and PostgreSQL as needed."""
        await kafka.create_topics_when_reachable(self._settings)
        await keep_running("feed follower", self._follow, on_failure=self._not_ready)

    def _not_ready(self, error: BaseException) -> None:
        # Connected clients keep what they have; /healthz tells what is missing.
        if isinstance(error, KafkaError):
            self._readiness.set("kafka", False)
        elif isinstance(error, DATABASE_DOWN):
            self._readiness.set("postgresql", False)

    async def _follow(self) -> None:
        consumer = kafka.new_consumer(self._settings)
        try:
            await consumer.start()
            partition = TopicPartition(self._settings.changes_topic, 0)
            consumer.assign([partition])
            # Position at the end first, then read the state: whatever is committed
            # after that read is published after this position, so nothing is missed.
            await consumer.seek_to_end(partition)
            await consumer.position(partition)
            await self._catch_up()
            self._readiness.set("kafka", True)
            self._readiness.set("state", True)
            log.info("following the feed", last_seq=self._hub.last_seq)
            await self._consume(consumer)
        finally:
            await consumer.stop()

    async def _catch_up(self) -> None:
        hub, history = self._hub, self._history
        if self._loaded:
            # Connected clients must see what was missed, so replay rather than reload.
            await fill_gap(history, hub, await history.last_seq())
        else:
            hub.load(await _first_state(history))
            self._loaded = True
        self._readiness.set("postgresql", True)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        hub = self._hub
        while True:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            for messages in batches.values():
                for record in messages:
                    message = FeedMessage.model_validate_json(record.value or b"")
                    if message.seq > hub.last_seq + 1:
                        await fill_gap(self._history, hub, message.seq - 1)
                    hub.publish(message)

