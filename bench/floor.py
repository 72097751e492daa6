"""The floor: Podium's hop count with no work in it, on the same broker and machine.

harness (produce, acknowledged = "answered") -> Kafka -> relay process (consume, produce)
-> Kafka -> server process (consume, `websockets.broadcast` the value as it is).
The value is a ready frame shaped and sized like Podium's `result` messages, so the same
probes time it. Run as `python -m bench.floor relay|server BOOTSTRAP [PORT]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.audience import CLIENT_LIFETIME_S
from bench.stats import Key
from launcher.process import ManagedProcess, free_port, wait_for_port
from shared.adapters.kafka import ensure_topics

TOPIC_IN = "bench.floor.in"
TOPIC_OUT = "bench.floor.out"


def new_producer(bootstrap: str) -> AIOKafkaProducer:
    # Durable like ingest's answer (acks=all), nothing waited for (linger 0).
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)


async def consumer_at_end(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    await consumer.seek_to_end(partition)
    return consumer


async def relay(bootstrap: str) -> None:
    consumer = await consumer_at_end(bootstrap, TOPIC_IN)
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        async for message in consumer:
            await producer.send(TOPIC_OUT, message.value)
    finally:
        await consumer.stop()
        await producer.stop()


async def server(bootstrap: str, port: int) -> None:
    subscribers: set[ServerConnection] = set()

    async def handler(websocket: ServerConnection) -> None:
        try:
            async for _ in websocket:  # any message counts as the subscription
                subscribers.add(websocket)
        finally:
            subscribers.discard(websocket)

    consumer = await consumer_at_end(bootstrap, TOPIC_OUT)
    try:
        # No keepalive: when the floor falls behind, a pong waits behind seconds of queued
        # frames and websockets closes the connection after 20 s (1,000 of 2,000 probe
        # pairs lost at 10,000 clients), which would drop exactly the slowest deliveries.
        async with serve(handler, "127.0.0.1", port, compression=None, max_size=64 * 1024,
                         ping_interval=None):
            async for message in consumer:
                broadcast(subscribers, message.value, text=True)
    finally:
        await consumer.stop()


def floor_frame(key: Key, size: int) -> bytes:
    """A `result` message naming key, padded to size bytes."""
    event_id, revision = key

    def frame(pad: str) -> bytes:
        return orjson.dumps({"channel": "results", "type": "result", "seq": revision,
                             "data": {"event": {"id": event_id}, "revision": revision,
                                      "pad": pad}})

    return frame("x" * max(0, size - len(frame(""))))


class Floor:
    """The relay and server processes, and the harness's producer."""

    def __init__(self, bootstrap: str, logs: Path, frame_size: int) -> None:
        self.bootstrap = bootstrap
        self.frame_size = frame_size
        self.port = free_port()
        command = [sys.executable, "-m", "bench.floor"]
        self.processes = [
            ManagedProcess("floor-relay", [*command, "relay", bootstrap],
                           logs / "floor-relay.log"),
            ManagedProcess("floor-server", [*command, "server", bootstrap, str(self.port)],
                           logs / "floor-server.log"),
        ]
        self.producer = new_producer(bootstrap)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def relay_pid(self) -> int:
        return self._pid(0)

    @property
    def server_pid(self) -> int:
        return self._pid(1)

    def _pid(self, index: int) -> int:
        pid = self.processes[index].pid
        assert pid is not None, f"{self.processes[index].name} is not running"
        return pid

    async def start(self) -> None:
        await ensure_topics(self.bootstrap, {TOPIC_IN: 1, TOPIC_OUT: 1})
        for process in self.processes:
            process.start()
        await asyncio.to_thread(wait_for_port, "127.0.0.1", self.port, 30)
        await self.producer.start()

    async def send(self, key: Key) -> int:
        await self.producer.send_and_wait(TOPIC_IN, floor_frame(key, self.frame_size))
        return 0

    async def stop(self) -> None:
        await self.producer.stop()
        for process in self.processes:
            process.stop(timeout=10)


def main() -> None:
    role, bootstrap = sys.argv[1], sys.argv[2]
    work = relay(bootstrap) if role == "relay" else server(bootstrap, int(sys.argv[3]))

    async def bounded() -> None:
        async with asyncio.timeout(CLIENT_LIFETIME_S):
            await work

    # The default asyncio loop: docs/benchmarks.md ("The floor") measured
    # websockets.broadcast() fastest on it (p50 36 ms at 10,050 clients, 42-59 ms with uvloop).
    with contextlib.suppress(TimeoutError):
        asyncio.run(bounded())


if __name__ == "__main__":
    main()
