"""Kafka clients configured the way every Podium service needs them, and its topics."""

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from shared.adapters.settings import Settings

log = structlog.get_logger()

TOPIC_TIMEOUT_S = 30.0


class TopicsRefused(KafkaError):  # type: ignore[misc]  # aiokafka has no type hints
    """Kafka answered but would not create a topic, or gave it no leader in time."""


def new_producer(settings: Settings) -> AIOKafkaProducer:
    # Idempotence with acks=all: a retried send after a broker hiccup is not duplicated
    # in the log. No linger: every producer is an outbox relay, which sends a whole pass's
    # rows without yielding, so they share a request anyway; a linger only delayed each
    # hop (2 ms on each of a result's two hops).
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


# How long the broker holds a fetch that finds nothing. It answers as soon as a record
# arrives, so on one partition a long hold costs no latency and spares the idle fetches:
# at 20 ms, 50 a second per consumer, two idle broadcast processes took 7.3 % of a core,
# scoring 4.3 % and Kafka 12.8 %; with every consumer at 500 ms, 1.0 %, 0.8 % and 6.4 %.
# Scoring keeps 20 ms (below), about 4 % of a core while idle. On several
# partitions aiokafka leaves out of the next fetch a partition whose records the service
# has not taken yet, and a record arriving there waits for that fetch to come back: short.
# (Six partitions, a record every 50 ms: median 5.6-6.2 ms, at most 40 ms from send to
# `getmany` with a 500 ms hold; 3.8-4.1 ms, at most 8.4 ms with 20.)
ONE_PARTITION_FETCH_WAIT_MS = 500
PARTITIONS_FETCH_WAIT_MS = 20


def new_consumer(settings: Settings, partitions: int) -> AIOKafkaConsumer:
    """A consumer for `partitions` partitions of one broker's topics."""
    # No consumer group: positions are kept by the services themselves (scoring in
    # PostgreSQL, broadcast from the feed's seq), so partitions are assigned by hand.
    # A position outside the partition (the topic was created again, or lost messages)
    # raises OffsetOutOfRangeError instead of jumping silently: each service recovers its
    # own way (scoring reads again, broadcast catches up from PostgreSQL).
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="none",
        fetch_max_wait_ms=(ONE_PARTITION_FETCH_WAIT_MS if partitions == 1
                           else PARTITIONS_FETCH_WAIT_MS),
        isolation_level="read_uncommitted",
    )


def topic_layout(settings: Settings) -> Mapping[str, int]:
    # The changes topic has one partition: its order is the feed's seq order.
    return {settings.results_topic: settings.results_partitions, settings.changes_topic: 1}


async def ensure_topics(bootstrap: str, topics: Mapping[str, int]) -> None:
    """Create the topics (name -> partitions, replication 1) unless they exist.

    Returns once every partition has a leader, so producers and consumers can use them
    at once. Existing topics are left as they are, even with another partition count.
    An unreachable broker raises aiokafka's KafkaConnectionError; a refused topic
    TopicsRefused.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, partitions, 1) for name, partitions in topics.items()])
        failed = [f"{entry[0]}: {for_code(entry[1]).__name__}"
                  for entry in response.topic_errors
                  if entry[1] not in (0, TopicAlreadyExistsError.errno)]
        if failed:
            raise TopicsRefused(f"Kafka on {bootstrap} refused to create topics: "
                                + ", ".join(failed))
        deadline = time.monotonic() + TOPIC_TIMEOUT_S
        while not _all_led(await admin.describe_topics(list(topics))):
            if time.monotonic() > deadline:
                raise TopicsRefused(f"topics {sorted(topics)} on {bootstrap} have no leader "
                                    f"after {TOPIC_TIMEOUT_S:g} s")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def _all_led(described: list[dict[str, Any]]) -> bool:
    return all(
        topic["error_code"] == 0
        and all(p["error_code"] == 0 and p["leader"] >= 0 for p in topic["partitions"])
        for topic in described
    )


async def create_topics_when_reachable(settings: Settings) -> None:
    """Creates the topics, waiting for Kafka as long as it takes."""
    delay = 0.5
    while True:
        try:
            await ensure_topics(settings.kafka_bootstrap, topic_layout(settings))
            return
        except (KafkaError, OSError) as error:
            log.warning("waiting for Kafka to create topics", error=repr(error), in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
