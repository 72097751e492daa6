"""Keeps a broadcast replica's hub in step with the feed: PostgreSQL for the state at
start and for any gap, the changes topic for everything live."""

from __future__ import annotations

import asyncio

import orjson
import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from services.broadcast.hub import Hub
from shared import bus, db
from shared.settings import Settings
from shared.web import Readiness

log = structlog.get_logger()

GAPS_FILLED = Counter("podium_broadcast_gap_messages_total", "Feed messages read from PostgreSQL")


async def load_hub(pool: db.Pool, hub: Hub) -> None:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await conn.fetch("SELECT channel, document FROM standings")
        last_seq = await conn.fetchval("SELECT last_seq FROM scoring_state")
    hub.load({row["channel"]: row["document"] for row in rows}, int(last_seq))


async def fill_gap(pool: db.Pool, hub: Hub, upto: int) -> None:
    """Applies from PostgreSQL the feed messages between the hub's seq and `upto`."""
    rows = await pool.fetch(
        "SELECT seq, channel, type, data FROM feed WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        hub.last_seq, upto,
    )
    for row in rows:
        hub.publish(row["seq"], row["channel"], row["type"], row["data"])
    GAPS_FILLED.inc(len(rows))


async def _stored_last_seq(pool: db.Pool) -> int:
    return int(await pool.fetchval("SELECT last_seq FROM scoring_state"))


async def follow(settings: Settings, pool: db.Pool, hub: Hub, readiness: Readiness) -> None:
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
                await fill_gap(pool, hub, await _stored_last_seq(pool))
            else:
                await load_hub(pool, hub)
                loaded = True
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
                            await fill_gap(pool, hub, seq - 1)
                        hub.publish(seq, item["channel"], item["type"], item["data"])
        except (KafkaError, OSError) as error:
            readiness.set("kafka", False)
            log.warning("feed consumer restarting", error=repr(error))
            await asyncio.sleep(1)
        finally:
            await consumer.stop()
