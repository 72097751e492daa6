"""The live hub without I/O: encode once, coalescing, the in-memory window, waiting."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from websockets.frames import Frame
from websockets.streams import StreamReader

from services.broadcast.access import Access
from services.broadcast.hub import Hub, HubState, Subscriber
from services.broadcast.outgoing import Outgoing, text_frame
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.contract.messages import FeedMessage, FeedType

GAMES = load_definitions(Settings().games_dir).games
EVENT = GAMES.events[0].id
PUBLIC = Access("public", 32, 1 << 20, False, 100)
COALESCE_S = 0.05


class Recorder(Subscriber):
    """A subscriber that keeps what it is given; control messages as parsed JSON."""

    def __init__(self, access: Access = PUBLIC) -> None:
        self.access = access
        self.channels: set[str] = set()
        self.received: list[Outgoing | dict[str, Any]] = []

    def deliver(self, message: Outgoing) -> None:
        self.received.append(message)

    def send(self, message: Outgoing) -> None:
        self.received.append(message)

    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        self.received.append(orjson.loads(payload))

    def seen(self) -> list[tuple[str, str, int]]:
        return [(m.channel, m.type, m.seq) for m in self.received if isinstance(m, Outgoing)]


def table(version: int) -> dict[str, Any]:
    return {"group": "all", "version": version, "rows": []}


def result(revision: int) -> dict[str, Any]:
    return {"event": {"id": EVENT}, "revision": revision}


def feed(seq: int, channel: str, type_: FeedType, data: dict[str, Any]) -> FeedMessage:
    return FeedMessage(seq=seq, channel=channel, type=type_, data=data)


def new_hub(window: int = 10, last_seq: int = 0, now: float = 0.0) -> Hub:
    hub = Hub(GAMES, replay_window=window, coalesce_s=COALESCE_S, clock=lambda: now)
    hub.load(HubState({"medals:all": table(0), "points:all": table(0)}, {}, [], True,
                      last_seq))
    return hub


def test_a_message_is_encoded_once_for_every_subscriber() -> None:
    hub = new_hub()
    subscribers = [Recorder() for _ in range(3)]
    for subscriber in subscribers:
        hub.subscribe(subscriber, ["results"])
    hub.publish(feed(1, "results", "result", result(1)))
    frames = [subscriber.received[0] for subscriber in subscribers]
    assert all(frame is frames[0] for frame in frames)
    message = frames[0]
    assert isinstance(message, Outgoing)
    assert orjson.loads(message.payload) == {"channel": "results", "type": "result", "seq": 1,
                                             "data": result(1)}


@pytest.mark.parametrize("size", [10, 125, 126, 65535, 65536, 200_000])
def test_the_frame_is_a_websocket_text_frame_of_the_payload(size: int) -> None:
    payload = b"x" * size
    reader = StreamReader()
    reader.feed_data(text_frame(payload))
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as parsed:
        next(parser)
    assert parsed.value.value.data == payload


def test_older_or_repeated_seqs_are_ignored() -> None:
    hub = new_hub(last_seq=5)
    subscriber = Recorder()
    hub.subscribe(subscriber, ["results"])
    hub.publish(feed(5, "results", "result", result(1)))
    hub.publish(feed(6, "results", "result", result(2)))
    hub.publish(feed(6, "results", "result", result(2)))
    assert subscriber.seen() == [("results", "result", 6)]


async def test_a_burst_of_table_updates_sends_the_first_and_the_last() -> None:
    hub = new_hub()
    subscriber = Recorder()
    hub.subscribe(subscriber, ["medals:all", "results"])
    hub.publish(feed(1, "medals:all", "update", table(1)))
    hub.publish(feed(2, "medals:all", "update", table(2)))
    hub.publish(feed(3, "results", "result", result(1)))  # results are never held back
    hub.publish(feed(4, "medals:all", "update", table(3)))
    assert subscriber.seen() == [("medals:all", "update", 1), ("results", "result", 3)]
    assert hub.tables["medals:all"] == table(3)  # REST reads see it at once
    await asyncio.sleep(COALESCE_S * 3)
    assert subscriber.seen()[-1] == ("medals:all", "update", 4)
    assert len(subscriber.received) == 3


async def test_a_snapshot_taken_while_an_update_waits_is_not_followed_by_it() -> None:
    hub = new_hub()
    early, late = Recorder(), Recorder()
    hub.subscribe(early, ["medals:all"])
    hub.publish(feed(1, "medals:all", "update", table(1)))
    hub.publish(feed(2, "medals:all", "update", table(2)))  # held for the window
    hub.send_snapshot(late, "medals:all")
    hub.subscribe(late, ["medals:all"])
    await asyncio.sleep(COALESCE_S * 3)
    assert early.seen() == [("medals:all", "update", 1), ("medals:all", "update", 2)]
    assert late.seen() == [("medals:all", "snapshot", 2)]


async def test_a_snapshot_is_followed_by_a_newer_update_that_replaced_the_waiting_one() -> None:
    hub = new_hub()
    late = Recorder()
    hub.publish(feed(1, "medals:all", "update", table(1)))
    hub.publish(feed(2, "medals:all", "update", table(2)))  # held for the window
    hub.send_snapshot(late, "medals:all")  # shows table 2
    hub.subscribe(late, ["medals:all"])
    hub.publish(feed(3, "medals:all", "update", table(3)))  # replaces the held one
    await asyncio.sleep(COALESCE_S * 3)
    assert late.seen() == [("medals:all", "snapshot", 2), ("medals:all", "update", 3)]


def test_the_memory_window_keeps_the_newest_results() -> None:
    hub = new_hub(window=2)
    for seq in range(1, 5):
        hub.publish(feed(seq, "results", "result", result(seq)))
    hub.publish(feed(5, "medals:all", "update", table(1)))
    assert hub.recent_floor == 2
    assert [m.seq for m in hub.recent_after(2)] == [3, 4]
    assert [m.seq for m in hub.recent_after(3)] == [4]
    assert hub.recent_after(5) == []


def test_a_loaded_window_that_is_not_the_whole_history_has_a_floor() -> None:
    hub = new_hub()
    recent = [Outgoing.build(seq, "results", "result", result(seq)) for seq in (7, 9)]
    hub.load(HubState({}, {}, recent, False, 10))
    assert hub.recent_floor == 6


def test_event_snapshots_show_the_latest_result_or_the_empty_event() -> None:
    hub = new_hub()
    empty = orjson.loads(hub.snapshot(f"event:{EVENT}").payload)
    assert empty["type"] == "snapshot" and empty["data"]["revision"] is None
    hub.publish(feed(1, f"event:{EVENT}", "result", result(3)))
    assert orjson.loads(hub.snapshot(f"event:{EVENT}").payload)["data"] == result(3)
    assert [orjson.loads(m.payload)["data"] for m in hub.result_snapshots()] == [result(3)]


async def test_waiting_for_a_seq() -> None:
    hub = new_hub(last_seq=3)
    assert await hub.reached(3, 0)
    waiting = asyncio.create_task(hub.reached(5, 10))
    await asyncio.sleep(0)
    hub.publish(feed(4, "results", "result", result(1)))
    assert not waiting.done()
    hub.publish(feed(5, "results", "result", result(2)))
    assert await waiting
    assert not await hub.reached(6, 0.01)
