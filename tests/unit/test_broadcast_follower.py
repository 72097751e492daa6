"""The feed follower: filling a gap from PostgreSQL (issue 15, point 6: a long gap goes to
the hub in pages, the loop serving everyone else between them), what it does with each
message on the changes topic, and how /healthz learns that it is stuck (point 2)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from services.broadcast import follower as follower_module
from services.broadcast.follower import Follower, fill_gap
from services.broadcast.history import History
from services.broadcast.hub import Hub, HubState
from shared.adapters import kafka
from shared.adapters.db import Database
from shared.adapters.settings import Settings
from shared.adapters.web import Readiness
from shared.contract import channels
from shared.contract.messages import FeedMessage
from tests.flow.test_scoring_events import eventually
from tests.unit.test_broadcast_hub import (
    EVENT,
    GAMES,
    Recorder,
    feed,
    new_hub,
    result,
    table,
)

GAP = 2500


class FeedRows(History):
    """The `feed` table as a list; remembers how many rows each read returned. While
    `answering` is clear, reading it hangs (a database that stopped answering)."""

    def __init__(self, messages: list[FeedMessage]) -> None:
        super().__init__(Database("postgresql://unused"), replay_window=0)
        self.feed = messages
        self.reads: list[int] = []
        self.answering = asyncio.Event()
        self.answering.set()

    async def state(self) -> HubState:
        return HubState(tables={"medals:all": table(1)}, documents={}, recent=[],
                        complete=True, last_seq=1)

    async def last_seq(self) -> int:
        return self.feed[-1].seq

    async def messages(self, after: int, upto: int, limit: int) -> list[FeedMessage]:
        await self.answering.wait()
        rows = [m for m in self.feed if after < m.seq <= upto][:limit]
        self.reads.append(len(rows))
        return rows


async def test_a_long_gap_is_applied_in_pages_with_the_loop_free_between_them() -> None:
    hub = new_hub()
    history = FeedRows([feed(seq, "results", "result", result(seq)) for seq in range(1, GAP + 1)])
    seen_between: list[int] = []

    async def another_connection() -> None:
        while True:
            seen_between.append(hub.last_seq)
            await asyncio.sleep(0)

    other = asyncio.create_task(another_connection())
    await asyncio.sleep(0)
    try:
        await fill_gap(history, hub, GAP)
    finally:
        other.cancel()
    assert hub.last_seq == GAP
    assert sum(history.reads) == GAP and max(history.reads) <= 1000
    # The other task ran between the pages, each time seeing the gap partly filled.
    assert len({seq for seq in seen_between if 0 < seq < GAP}) >= GAP // 1000


LIMIT_S = 10  # only to keep a broken test from hanging


@dataclass
class Record:
    offset: int
    value: bytes | None


@dataclass
class FakeConsumer:
    """The changes topic: what `getmany` hands out, and its end offset."""

    records: list[Record] = field(default_factory=list)
    end: int = 0

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def assign(self, partitions: list[TopicPartition]) -> None: ...

    async def seek_to_end(self, partition: TopicPartition) -> None: ...

    async def position(self, partition: TopicPartition) -> int:
        return 0

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[Any, list[Record]]:
        if not self.records:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        records, self.records = self.records, []
        return {TopicPartition("podium.changes", 0): records}

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {partitions[0]: self.end}


def result_message(seq: int) -> FeedMessage:
    return feed(seq, channels.RESULTS, "result", result(seq))


def update(seq: int, version: int) -> FeedMessage:
    return feed(seq, "medals:all", "update", table(version))


@contextlib.asynccontextmanager
async def following(
    monkeypatch: pytest.MonkeyPatch, consumer: FakeConsumer, history: FeedRows
) -> AsyncIterator[tuple[Hub, Readiness]]:
    monkeypatch.setattr(kafka, "new_consumer", lambda settings, partitions: consumer)
    hub = Hub(GAMES, replay_window=300, coalesce_s=0)
    readiness = Readiness()
    task = asyncio.create_task(Follower(Settings(), history, hub, readiness)._follow())
    try:
        yield hub, readiness
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rejected_so_far() -> float:
    return REGISTRY.get_sample_value("podium_broadcast_feed_rejected_total") or 0.0


async def until(condition: Callable[[], bool], what: str) -> None:
    async def holds() -> bool | None:
        return True if condition() else None
    await eventually(holds, what, limit_s=LIMIT_S)


async def test_messages_that_are_not_feed_messages_are_skipped_and_read_from_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [result_message(1), result_message(2), update(3, 2), result_message(4),
            result_message(5), result_message(6)]
    bad = [
        b"not json", None, b"[]", b'{"seq": "x"}',
        # Well-formed, but not what scoring writes: an update on the results channel, a
        # table update with no table, a result on a channel of no event, a result of an
        # event on another event's channel.
        orjson.dumps({"seq": 4, "channel": "results", "type": "update", "data": table(9)}),
        orjson.dumps({"seq": 4, "channel": "medals:all", "type": "update", "data": {}}),
        orjson.dumps({"seq": 4, "channel": "event:nowhere", "type": "result",
                      "data": {"event": {"id": "nowhere"}}}),
        orjson.dumps({"seq": 4, "channel": channels.event(GAMES.events[1].id),
                      "type": "result", "data": {"event": {"id": EVENT}}}),
        # A seq far ahead of the feed: taken for real, every later message would be "old";
        # one past bigint, which no query can take (json: orjson writes no such number).
        orjson.dumps({"seq": 10**12, **result_message(1).model_dump(exclude={"seq"})}),
        json.dumps({"seq": 2**70, **result_message(1).model_dump(exclude={"seq"})}).encode(),
    ]
    good = [message.to_json() for message in rows[1:3]]
    consumer = FakeConsumer([Record(offset, value) for offset, value in
                             enumerate([*good, *bad, rows[5].to_json()])])
    rejected = rejected_so_far()
    async with following(monkeypatch, consumer, FeedRows(rows)) as (hub, _):
        watcher = Recorder()
        hub.subscribe(watcher, [channels.RESULTS, "medals:all"])
        await until(lambda: hub.last_seq == 6, "the follower reaching the feed's end")
    assert rejected_so_far() - rejected == len(bad)
    # Each message once, in order, as the feed table holds it: the bad ones in between
    # were replaced by what PostgreSQL has.
    assert watcher.seen() == [("results", "result", 2), ("medals:all", "update", 3),
                              ("results", "result", 4), ("results", "result", 5),
                              ("results", "result", 6)]
    assert hub.tables["medals:all"] == table(2)


async def test_a_follower_behind_the_topic_that_stops_moving_is_not_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "STALL_CHECK_S", 0.01, raising=False)
    monkeypatch.setattr(follower_module, "STALLED_AFTER_S", 0.1, raising=False)
    rows = [result_message(1), result_message(2), result_message(3)]
    history = FeedRows(rows)
    # A jump in seq makes the follower read the gap from PostgreSQL, which hangs.
    consumer = FakeConsumer([Record(0, result_message(3).to_json())], end=1)
    history.answering.clear()
    async with following(monkeypatch, consumer, history) as (hub, readiness):
        await until(lambda: readiness.conditions.get("follower") is True, "following")
        await until(lambda: readiness.conditions.get("follower") is False,
                    "the stuck follower reported not ready")
        assert readiness.reasons["follower"].startswith(
            "the feed follower: 1 message(s) not handled, no progress for")
        history.answering.set()
        consumer.records.append(Record(1, result_message(4).to_json()))
        consumer.end = 2
        rows.append(result_message(4))
        await until(lambda: readiness.conditions.get("follower") is True, "ready again")
        assert "follower" not in readiness.reasons
        assert hub.last_seq == 4


async def test_an_idle_follower_at_the_end_of_the_topic_stays_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "STALL_CHECK_S", 0.01, raising=False)
    monkeypatch.setattr(follower_module, "STALLED_AFTER_S", 0.05, raising=False)
    consumer = FakeConsumer([Record(0, result_message(2).to_json())], end=1)
    history = FeedRows([result_message(1), result_message(2)])
    async with following(monkeypatch, consumer, history) as (hub, readiness):
        await until(lambda: hub.last_seq == 2, "following")
        await asyncio.sleep(0.3)
        assert readiness.conditions.get("follower") is True
