"""Keeps a broadcast replica's hub in step with the feed: PostgreSQL for the state at
start and for any gap, the changes topic for everything live."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter
from pydantic import ValidationError

from services.broadcast.history import History
from services.broadcast.hub import Hub, HubState
from shared.adapters import kafka
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.service import StallWatch, keep_running
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness
from shared.contract import channels
from shared.contract.messages import FeedMessage

log = structlog.get_logger()

GAPS_FILLED = Counter("podium_broadcast_gap_messages_total", "Feed messages read from PostgreSQL")
REJECTED = Counter("podium_broadcast_feed_rejected_total",
                   "Messages on the changes topic that are not feed messages of these games"
                   " (skipped; the feed table stands in for them)")
# How often the follower's position is compared with the topic's end, and how long it may
# stay behind without moving before /healthz says so. Handling a message takes
# milliseconds, a gap of a whole day from PostgreSQL about a second; 6 s is none of that
# (and 2 + 6 s tells /healthz within 10 s of a stop).
STALL_CHECK_S = 2.0
STALLED_AFTER_S = 6.0

# A gap is read and applied this many messages at a time, the loop free between pages: a
# gap after Kafka was away for an hour can be thousands of messages, and in one burst it
# would hold the loop (and every connection's budget) for as long as they take.
GAP_PAGE = 200


def _feed_message(record: ConsumerRecord[bytes, bytes], hub: Hub) -> FeedMessage | None:
    """The record as a feed message of these games, or None (logged and counted): it must
    parse, name a channel that carries its type, and carry a table or an event's result."""
    try:
        message = FeedMessage.model_validate_json(record.value or b"")
    except ValidationError as error:
        reason = str(error)
    else:
        if _fits(message, hub):
            return message
        reason = f"a {message.type} message on {message.channel!r} that no feed carries"
    _reject(record, reason)
    return None


def _fits(message: FeedMessage, hub: Hub) -> bool:
    data, channel = message.data, message.channel
    if message.type == "update":
        if channel == channels.SCHEDULE:  # `{"units": [item]}`: the items whose state moved
            return isinstance(data.get("units"), list) and all(
                _unit_item(item) for item in data["units"])
        if channels.unit_id_of(channel) is not None:  # a unit's page
            return hub.is_channel(channel) and _unit_item(data.get("unit"))
        # A table, or the records document: the version the tables had when it moved.
        listed = "standing" if channel == channels.RECORDS else "rows"
        return (channel in hub.tables and isinstance(data.get(listed), list)
                and isinstance(data.get("version"), int))
    event = data.get("event")
    event_id = event.get("id") if isinstance(event, dict) else None
    return (isinstance(event_id, str) and hub.is_channel(channels.event(event_id))
            and message.channel in (channels.RESULTS, channels.event(event_id)))


def _unit_item(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("unit_id"), str)
            and isinstance(item.get("version"), int))


def _reject(record: ConsumerRecord[bytes, bytes], reason: str) -> None:
    REJECTED.inc()
    log.error("skipping a message on the changes topic that is not a feed message of these"
              " games; the feed table stands in for it", offset=record.offset,
              reason=reason[:500])


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
        self._handled = 0  # the offset after the last record handled

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
        consumer = kafka.new_consumer(self._settings, partitions=1)
        try:
            await consumer.start()
            partition = TopicPartition(self._settings.changes_topic, 0)
            consumer.assign([partition])
            # Position at the end first, then read the state: whatever is committed
            # after that read is published after this position, so nothing is missed.
            await consumer.seek_to_end(partition)
            self._handled = await consumer.position(partition)
            await self._catch_up()
            self._readiness.set("kafka", True)
            self._readiness.set("state", True)
            log.info("following the feed", last_seq=self._hub.last_seq)
            watch = asyncio.create_task(self._watch(consumer, partition))
            try:
                await self._consume(consumer)
            finally:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch
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
        while True:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            for records in batches.values():
                for record in records:
                    await self._take(record)
                    self._handled = record.offset + 1

    async def _take(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Applies one record. Kafka is trusted only with the next message; the feed table,
        where scoring commits every message before it is published, fills everything else."""
        hub, history = self._hub, self._history
        message = _feed_message(record, hub)
        if message is None:
            # Whatever it stood for is in the feed table.
            await fill_gap(history, hub, await history.last_seq())
        elif message.seq == hub.last_seq + 1:
            hub.publish(message)
        elif message.seq > hub.last_seq:
            await fill_gap(history, hub, message.seq)
            if hub.last_seq < message.seq:
                _reject(record, f"seq {message.seq} is not in the feed, which ends at"
                                f" {hub.last_seq}")

    async def _watch(self, consumer: AIOKafkaConsumer, partition: TopicPartition) -> None:
        """Compares the follower's position with the topic's end every STALL_CHECK_S, for
        /healthz. (Kafka out of reach shows in the consumer's own errors.)"""
        watch = StallWatch(self._readiness, "follower", "the feed follower", STALLED_AFTER_S)
        while True:
            await asyncio.sleep(STALL_CHECK_S)
            try:
                end = (await consumer.end_offsets([partition]))[partition]
            except KafkaError:
                continue
            watch.observe(self._handled, end)
