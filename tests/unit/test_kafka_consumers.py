"""How long each kind of consumer lets the broker hold an empty fetch (`kafka.new_consumer`):
long on one partition, where the broker answers as soon as a record arrives, short on
several, where a partition left out of the fetch in flight waits for it to come back."""

import pytest

from shared.adapters import kafka
from shared.adapters.settings import Settings


@pytest.mark.parametrize(("partitions", "hold_ms"), [
    (1, kafka.ONE_PARTITION_FETCH_WAIT_MS),  # broadcast's follower: the changes topic
    (6, kafka.PARTITIONS_FETCH_WAIT_MS),  # scoring: the results topic
])
async def test_the_hold_depends_on_the_partitions_read(partitions: int, hold_ms: int) -> None:
    # Made, never started: aiokafka wants a running loop, not a broker.
    consumer = kafka.new_consumer(Settings(kafka_bootstrap="127.0.0.1:9"), partitions)
    try:
        assert consumer._fetch_max_wait_ms == hold_ms
    finally:
        await consumer.stop()
    assert kafka.PARTITIONS_FETCH_WAIT_MS < kafka.ONE_PARTITION_FETCH_WAIT_MS
