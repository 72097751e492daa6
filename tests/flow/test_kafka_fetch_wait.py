"""A consumer of one partition lets the broker hold an empty fetch for long
(`kafka.ONE_PARTITION_FETCH_WAIT_MS`) to spare idle fetches; on the real Kafka a record
still arrives as soon as it is sent, not when the hold ends."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from aiokafka import TopicPartition

from launcher.stack import Stack
from shared.adapters import kafka
from shared.adapters.settings import Settings

SENDS = 5
# Each record is sent this long after the consumer took the one before, so the next fetch
# is waiting at the broker: were it held to its end, the record would take ~450 ms.
SEND_AFTER_S = 0.05


async def test_a_held_fetch_answers_as_soon_as_a_record_arrives(stack: Stack) -> None:
    assert stack.kafka_bootstrap is not None
    settings = Settings(kafka_bootstrap=stack.kafka_bootstrap)
    topic = f"test.fetch-wait.{uuid.uuid4().hex[:8]}"
    await kafka.ensure_topics(stack.kafka_bootstrap, {topic: 1})
    producer = kafka.new_producer(settings)
    consumer = kafka.new_consumer(settings, partitions=1)
    await producer.start()
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_end(partition)
        waits = []
        for number in range(SENDS):
            await asyncio.sleep(SEND_AFTER_S)
            sent = time.monotonic()
            await producer.send_and_wait(topic, str(number).encode())
            message = await asyncio.wait_for(consumer.getone(), timeout=10)
            waits.append(time.monotonic() - sent)
            assert message.value == str(number).encode()
    finally:
        await consumer.stop()
        await producer.stop()
    hold_s = kafka.ONE_PARTITION_FETCH_WAIT_MS / 1000
    assert statistics.median(waits) < hold_s / 2, (waits, hold_s)
