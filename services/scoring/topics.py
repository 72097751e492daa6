"""scoring keeps the pipeline's two topics honest: they must be the topics that its stored
offsets and the outboxes' published marks refer to. A topic deleted is created again; a
topic created again (a new Kafka topic id) or missing messages scoring has not read (its
stored offset outside what the partition holds) is read again from its beginning, with
everything it carried sent again (docs/architecture.md, "When a topic is lost or recreated").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError, UnknownTopicOrPartitionError
from prometheus_client import Counter

from services.scoring import store
from shared.adapters import db, kafka
from shared.adapters.outbox import OutboxRelay
from shared.adapters.settings import Settings
from shared.adapters.topic_ids import TopicIds

log = structlog.get_logger()

TOPICS_REPLACED = Counter("podium_scoring_topics_replaced_total",
                          "Topics found created again or missing messages, and recovered",
                          ["topic"])
# Between two looks at the topics' ids while consuming: a metadata request each time. A
# topic created again meanwhile is read from its beginning once seen, so a longer interval
# delays results by at most that much, and loses none.
CHECK_INTERVAL_S = 5.0


def position_trouble(
    recorded: uuid.UUID | None, current: uuid.UUID, stored: Mapping[int, int],
    beginning: Mapping[int, int], end: Mapping[int, int],
) -> str | None:
    """Why offsets stored for a topic cannot be trusted on the topic as it is now (None when
    they can): it was created again, or a stored offset lies outside what its partition
    holds, so messages were lost before scoring read them."""
    if recorded is not None and recorded != current:
        return f"the topic was created again (topic id {recorded} is now {current})"
    for partition, offset in sorted(stored.items()):
        if offset > end.get(partition, 0):
            return (f"partition {partition} ends at offset {end.get(partition, 0)}, before the"
                    f" stored offset {offset}: messages were lost")
        if offset < beginning.get(partition, 0):
            return (f"partition {partition} begins at offset {beginning[partition]}, after the"
                    f" stored offset {offset}: messages were deleted unread")
    return None


class Topics:
    """The results topic's position for scoring's consumer, and both topics' identity."""

    def __init__(self, settings: Settings, conn: db.Connection, consumer: AIOKafkaConsumer,
                 relay: OutboxRelay) -> None:
        self._settings = settings
        self._conn = conn
        self._consumer = consumer
        self._relay = relay
        self._ids = TopicIds(settings.kafka_bootstrap)
        self._results = [TopicPartition(settings.results_topic, partition)
                         for partition in range(settings.results_partitions)]
        self._recorded: dict[str, uuid.UUID] = {}
        self._next_check = 0.0

    async def start(self) -> None:
        """Assigns the results topic to the consumer at the stored offsets, once they are
        known to belong to it."""
        await self._ids.start()
        topic, changes = self._settings.results_topic, self._settings.changes_topic
        # The topic was created with this many partitions (kafka.topic_layout).
        self._consumer.assign(self._results)
        ids = await self._ids.of([topic, changes])
        if topic not in ids or changes not in ids:
            raise UnknownTopicOrPartitionError(sorted({topic, changes} - ids.keys()))
        current = ids[topic]
        self._recorded = await store.recorded_topics(self._conn)
        await self._check_changes(ids[changes])
        stored = await store.load_offsets(self._conn, topic)
        beginning, end = await self._range()
        trouble = position_trouble(self._recorded.get(topic), current, stored, beginning, end)
        if trouble is not None:
            await self._read_again(current, beginning, trouble)
            return
        if topic not in self._recorded:
            await self._record(topic, current)
        for tp in self._results:
            if tp.partition in stored:
                self._consumer.seek(tp, stored[tp.partition])
            else:
                await self._consumer.seek_to_beginning(tp)
        self._next_check = time.monotonic() + CHECK_INTERVAL_S

    async def close(self) -> None:
        await self._ids.close()

    async def check_when_due(self) -> None:
        """Between batches: every CHECK_INTERVAL_S, each topic's id against the recorded one."""
        if time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + CHECK_INTERVAL_S
        results, changes = self._settings.results_topic, self._settings.changes_topic
        try:
            ids = await self._ids.of([results, changes])
        except KafkaError as error:
            # The consumer rides out Kafka outages by itself; the check waits for the next time.
            log.info("topics not checked: Kafka does not answer", error=repr(error))
            return
        if results not in ids or changes not in ids:
            # Deleted: nothing can flow until it exists again. Its new id is seen next time.
            log.warning("a topic is missing; creating it",
                        topics=sorted({results, changes} - ids.keys()))
            await kafka.ensure_topics(self._settings.kafka_bootstrap,
                                      kafka.topic_layout(self._settings))
            self._next_check = 0.0
            return
        if ids[results] != self._recorded.get(results):
            beginning, _ = await self._range()
            await self._read_again(ids[results], beginning,
                                   f"the topic was created again (topic id"
                                   f" {self._recorded.get(results)} is now {ids[results]})")
        await self._check_changes(ids[changes])

    async def _check_changes(self, current: uuid.UUID) -> None:
        changes = self._settings.changes_topic
        recorded = self._recorded.get(changes)
        if current == recorded:
            return
        if recorded is None:  # first seen: nothing can be said about what it carried
            await self._record(changes, current)
            return
        log.warning("the changes topic was created again: announcing the newest feed message"
                    " again", topic=changes, topic_id=str(current))
        TOPICS_REPLACED.labels(changes).inc()
        await store.announce_again(self._conn, changes, current)
        self._recorded[changes] = current
        self._relay.wake()

    async def _range(self) -> tuple[dict[int, int], dict[int, int]]:
        beginning = await self._consumer.beginning_offsets(self._results)
        end = await self._consumer.end_offsets(self._results)
        return ({tp.partition: offset for tp, offset in beginning.items()},
                {tp.partition: offset for tp, offset in end.items()})

    async def _record(self, topic: str, topic_id: uuid.UUID) -> None:
        await store.record_topic(self._conn, topic, topic_id)
        self._recorded[topic] = topic_id

    async def _read_again(self, current: uuid.UUID, beginning: Mapping[int, int],
                          trouble: str) -> None:
        topic = self._settings.results_topic
        resent = await store.read_again(self._conn, topic, current, beginning)
        self._recorded[topic] = current
        TOPICS_REPLACED.labels(topic).inc()
        log.warning("the results topic is not what scoring read: reading it from its"
                    " beginning, every accepted revision sent again", topic=topic,
                    trouble=trouble, resent=resent)
        for tp in self._results:
            self._consumer.seek(tp, beginning.get(tp.partition, 0))
        self._next_check = time.monotonic() + CHECK_INTERVAL_S
