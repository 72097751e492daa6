"""Where the time goes: a bare consumer on Podium's two topics stamps when each result
appears on the results topic (ingest's outbox relay published it) and when its `results`
message appears on the changes topic (scoring published it)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.stats import Key
from shared.adapters.kafka import topic_layout
from shared.adapters.settings import Settings


class Tap:
    def __init__(self, bootstrap: str) -> None:
        settings = Settings()
        self.results_topic, self.changes_topic = settings.results_topic, settings.changes_topic
        self.layout = topic_layout(settings)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.published: dict[Key, float] = {}
        self.scored: dict[Key, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None  # what stopped the tap: the topics' format changed

    async def start(self) -> None:
        await self.consumer.start()
        partitions = [TopicPartition(topic, partition)
                      for topic, count in self.layout.items() for partition in range(count)]
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=1000)
            seen = time.monotonic()
            try:
                for partition, messages in batches.items():
                    for message in messages:
                        self._note(partition.topic, orjson.loads(message.value), seen)
            except (KeyError, TypeError, ValueError) as error:
                self.error = f"cannot read the topics' messages: {error!r}"
                return

    def _note(self, topic: str, value: Any, seen: float) -> None:
        if topic == self.results_topic:
            # A unit's state (`"kind": "unit"`) shares the topic with results (v1: no kind).
            if value.get("kind", "result") == "result":
                self.published.setdefault((value["event_id"], value["revision"]), seen)
        elif value.get("channel") == "results":
            data = value["data"]
            self.scored.setdefault((data["event"]["id"], data["revision"]), seen)

    async def wait_scored(self, keys: list[Key], within_s: float) -> bool:
        """True once every key's message is on the changes topic; False after within_s
        seconds or if the tap stopped."""
        deadline = time.monotonic() + within_s
        while not all(key in self.scored for key in keys):
            if self.error or time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()
