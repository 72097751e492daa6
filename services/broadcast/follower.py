"""Keeps a broadcast replica's hub in step with the feed: PostgreSQL for the state at
start and for any gap, the changes topic for everything live."""

from __future__ import annotations

import asyncio

import orjson
import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from services.broadcast.history import DATABASE_ERRORS, History
from services.broadcast.hub import Hub, HubState
from shared import bus
from shared.settings import Settings
from shared.web import Readiness

log = structlog.get_logger()

GAPS_FILLED = Counter("podium_broadcast_gap_messages_total", "Feed messages read from PostgreSQL")


async def fill_gap(history: History, hub: Hub, upto: int) -> None:
    """Applies from PostgreSQL the feed messages between the hub's seq and `upto`."""
    rows = await history.messages(hub.last_seq, upto)
    for row in rows:
        hub.publish(row["seq"], row["channel"], row["type"], row["data"])
    GAPS_FILLED.inc(len(rows))


async def _first_state(history: History) -> HubState:
    """The stored state once it has tables: scoring writes the zero tables of a new games
    at its first start, and until then there is nothing to serve (healthz says so)."""
    while True:
        state = await history.state()
        if state.tables:
            return state
        log.info("waiting for scoring's first tables")
        await asyncio.sleep(0.5)


async def follow(settings: Settings, history: History, hub: Hub, readiness: Readiness) -> None:
    """Runs for the life of the process, reconnecting to Kafka as needed."""
    loaded = False
    await bus.create_topics_when_reachable(settings)
    while True:
        consumer = bus.new_consumer(settings)
        try:
            await consumer.start()
            partition = TopicPartition(settings.changes_topic, 0)
            consumer.assign([partition])
            # Position at the end first, then read the state: whatever is committed
            # after that read is published after this position, so nothing is missed.
            await consumer.seek_to_end(partition)
            await consumer.position(partition)
            if loaded:
                # Connected clients must see what was missed, so replay rather than reload.
                await fill_gap(history, hub, await history.last_seq())
            else:
                hub.load(await _first_state(history))
                loaded = True
            readiness.set("postgresql", True)
            readiness.set("kafka", True)
            readiness.set("state", True)
            log.info("following the feed", last_seq=hub.last_seq)
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
                for messages in batches.values():
                    for message in messages:
                        item = orjson.loads(message.value or b"{}")
                        seq = int(item["seq"])
                        if seq > hub.last_seq + 1:
                            await fill_gap(history, hub, seq - 1)
                        hub.publish(seq, item["channel"], item["type"], item["data"])
        except (KafkaError, OSError) as error:
            readiness.set("kafka", False)
            log.warning("feed consumer restarting", error=repr(error))
            await asyncio.sleep(1)
        except DATABASE_ERRORS as error:
            # The state or a gap could not be read; connected clients keep what they have.
            readiness.set("postgresql", False)
            log.warning("feed history unreadable, retrying", error=repr(error))
            await asyncio.sleep(1)
        finally:
            await consumer.stop()
