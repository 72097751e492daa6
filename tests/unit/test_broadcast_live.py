"""The live protocol without I/O: requests, errors, resumes from memory or PostgreSQL, resets."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson

from services.broadcast.access import Access
from services.broadcast.config import LiveSettings
from services.broadcast.history import History
from services.broadcast.hub import HubState
from services.broadcast.keys import MediaKeys
from services.broadcast.live import SLICE_MESSAGES, Live
from services.broadcast.outgoing import Outgoing
from shared.adapters.db import Database
from shared.adapters.web import Readiness
from tests.unit.test_broadcast_hub import GAMES, PUBLIC, Recorder, feed, new_hub, result, table

MEDIA = Access("media", 256, 1 << 22, True, 1000)
EPOCH = "feed-a"


class FeedTable(History):
    """The `feed` table as a list, for resumes older than the memory window."""

    def __init__(self, messages: list[Outgoing]) -> None:
        super().__init__(Database("postgresql://unused"), replay_window=0)
        self.feed = messages
        self.reads = 0

    async def results(self, after: int, upto: int, channels: Sequence[str],
                      limit: int) -> list[Outgoing]:
        self.reads += 1
        return [m for m in self.feed if after < m.seq <= upto and m.channel in channels
                and m.type == "result"][:limit]


def live_with(window: int = 10, ahead_wait_s: float = 0.01, last_seq: int = 12,
              **settings: Any) -> Live:
    """A replica at seq 12 after 3 revisions (results at 1, 5, 9; table updates between),
    or at `last_seq` after a result every 4 seqs, the newest `window` result messages in
    memory."""
    feed = [Outgoing.build(seq, "results", "result", result(seq // 4 + 1)) if seq % 4 == 1
            else Outgoing.build(seq, "medals:all", "update", table(seq))
            for seq in range(1, last_seq + 1)]
    results = [message for message in feed if message.is_result]
    hub = new_hub(window=window)
    hub.load(HubState({"medals:all": table(last_seq), "points:all": table(0)}, {},
                      results[-window:], len(results) <= window, last_seq, EPOCH))
    history = FeedTable(feed)
    live_settings = LiveSettings(since_ahead_wait_s=ahead_wait_s, **settings)
    return Live(hub, history, MediaKeys(live_settings, history.database), live_settings,
                Readiness({"state": True}))


def ask(live: Live, subscriber: Recorder, **request: Any) -> None:
    assert live.handle_request(subscriber, orjson.dumps(request)) is None


def errors(subscriber: Recorder) -> list[str]:
    return [m["error"] for m in subscriber.received if isinstance(m, dict) and "error" in m]


def test_requests_that_are_not_understood_get_errors() -> None:
    live, subscriber = live_with(), Recorder()
    for raw in (b"{", b"\xff", b"[]", b'{"op": 1}', b'{"op": "subscribe"}',
                b'{"op": "subscribe", "channels": ["results"], "since": "5"}'):
        assert live.handle_request(subscriber, raw) is None
    assert errors(subscriber) == ["bad_json", "bad_json", "bad_request", "unknown_op",
                                  "bad_request", "bad_request"]
    assert subscriber.channels == set()


def test_ping_is_answered() -> None:
    live, subscriber = live_with(), Recorder()
    ask(live, subscriber, op="ping")
    assert subscriber.received == [{"type": "pong"}]


def test_the_channel_limit_depends_on_the_key() -> None:
    live = live_with()
    events = [f"event:{event.id}" for event in live.hub.games.events[:40]]
    public, media = Recorder(), Recorder(MEDIA)
    ask(live, public, op="subscribe", channels=events)
    ask(live, media, op="subscribe", channels=events)
    assert errors(public) == ["too_many_channels"] and public.channels == set()
    assert media.channels == set(events)


def test_unknown_channels_are_named_and_the_known_ones_subscribed() -> None:
    live, subscriber = live_with(), Recorder()
    ask(live, subscriber, op="subscribe", channels=["medals:mars", "medals:all"])
    assert errors(subscriber) == ["unknown_channel"]
    assert subscriber.seen() == [("medals:all", "snapshot", 12)]
    ask(live, subscriber, op="unsubscribe", channels=["medals:all"])
    assert subscriber.channels == set()


def test_a_subscription_ends_with_the_seq_it_is_live_from() -> None:
    live, subscriber = live_with(), Recorder()
    ask(live, subscriber, op="subscribe", channels=["results"])
    assert subscriber.received == [{"type": "subscribed", "channels": ["results"], "seq": 12,
                                    "epoch": EPOCH}]


def test_since_replays_the_missed_results_from_memory_then_snapshots() -> None:
    live, subscriber = live_with(), Recorder()
    ask(live, subscriber, op="subscribe", channels=["results", "medals:all"], since=4)
    assert subscriber.seen() == [("results", "result", 5), ("results", "result", 9),
                                 ("medals:all", "snapshot", 12)]
    assert subscriber.received[-1] == {"type": "subscribed", "seq": 12, "epoch": EPOCH,
                                       "channels": ["results", "medals:all"]}
    live.hub.publish(feed(13, "results", "result", result(4)))
    assert subscriber.seen()[-1] == ("results", "result", 13)


async def test_a_public_since_older_than_the_window_resets() -> None:
    live, subscriber = live_with(window=1), Recorder()
    work = live.handle_request(subscriber, orjson.dumps(
        {"op": "subscribe", "channels": ["results", "medals:all"], "since": 1}))
    assert work is not None
    await work
    reset = subscriber.received[0]
    assert isinstance(reset, dict)
    assert (reset["type"], reset["reason"], reset["seq"]) == ("reset", "since_too_old", 12)
    assert subscriber.seen() == [("medals:all", "snapshot", 12)]  # no event has a document
    assert subscriber.channels == {"results", "medals:all"}


async def test_a_media_since_older_than_the_window_replays_from_the_database() -> None:
    live, subscriber = live_with(window=1), Recorder(MEDIA)
    work = live.subscribe(subscriber, ["results", "medals:all"], 0)
    assert work is not None
    await work
    assert subscriber.seen() == [("results", "result", 1), ("results", "result", 5),
                                 ("results", "result", 9), ("medals:all", "snapshot", 12)]
    assert live.history.reads == 1  # type: ignore[attr-defined]


async def test_a_since_ahead_of_the_feed_resets() -> None:
    live, subscriber = live_with(), Recorder()
    work = live.subscribe(subscriber, ["results"], 99)
    assert work is not None
    await work
    reset = subscriber.received[0]
    assert isinstance(reset, dict) and reset["reason"] == "since_ahead"


async def test_a_since_just_ahead_waits_for_the_replica_to_catch_up() -> None:
    live, subscriber = live_with(ahead_wait_s=60), Recorder()
    work = live.subscribe(subscriber, ["results"], 13)
    assert work is not None
    waiting = asyncio.create_task(work)
    await asyncio.sleep(0)
    assert not waiting.done()
    live.hub.publish(feed(13, "results", "result", result(4)))
    await waiting
    # Nothing after 13 yet, and no reset.
    assert subscriber.received == [{"type": "subscribed", "channels": ["results"], "seq": 13,
                                    "epoch": EPOCH}]
    live.hub.publish(feed(14, "results", "result", result(5)))
    assert subscriber.seen() == [("results", "result", 14)]


def test_tables_alone_ignore_since() -> None:
    live, subscriber = live_with(window=1), Recorder()
    assert live.subscribe(subscriber, ["medals:all"], 0) is None
    assert subscriber.seen() == [("medals:all", "snapshot", 12)]


class SlowReader(Recorder):
    """A subscriber whose reader falls behind on demand: `has_room` is False until the test
    calls `drained`, and every batch of asked-for messages is recorded."""

    def __init__(self, access: Access = PUBLIC) -> None:
        super().__init__(access)
        self.batches: list[int] = []
        self.room = True
        self._drained = asyncio.Event()

    def send_all(self, messages: Sequence[Outgoing]) -> None:
        self.batches.append(len(messages))
        self.received.extend(messages)

    def has_room(self) -> bool:
        return self.room

    async def wait_for_room(self) -> None:
        if not self.room:
            await self._drained.wait()
        await asyncio.sleep(0)

    def drained(self) -> None:
        self.room = True
        self._drained.set()


async def test_a_long_replay_goes_out_in_slices_each_waiting_for_the_reader() -> None:
    live = live_with(window=300, last_seq=800)  # 200 results in memory
    reader = SlowReader()
    reader.room = False  # behind already
    work = live.subscribe(reader, ["results", "medals:all"], 0)
    assert work is not None
    replay = asyncio.create_task(work)
    for _ in range(5):
        await asyncio.sleep(0)
    assert reader.batches == [SLICE_MESSAGES]  # one slice, then it waits for the reader
    live.hub.publish(feed(801, "results", "result", result(999)))  # published meanwhile
    reader.drained()
    await replay
    assert max(reader.batches) <= SLICE_MESSAGES and len(reader.batches) > 3
    seen = reader.seen()
    results = [seq for channel, type_, seq in seen if type_ == "result"]
    assert results == list(range(1, 802, 4))  # every one once, 801 included, in order
    assert seen[-1] == ("medals:all", "snapshot", 801)
    assert reader.received[-1] == {"type": "subscribed", "seq": 801, "epoch": EPOCH,
                                   "channels": ["results", "medals:all"]}
    live.hub.publish(feed(802, "results", "result", result(1000)))
    assert reader.seen()[-1] == ("results", "result", 802)


async def test_a_reset_sends_every_events_state_in_slices() -> None:
    live = live_with(window=1)
    documents = {f"event:{event.id}": (index, {"event": {"id": event.id}, "revision": 1})
                 for index, event in enumerate(GAMES.events, start=1)}
    live.hub._documents = documents
    reader = SlowReader()
    work = live.subscribe(reader, ["results"], 1)
    assert work is not None
    await work
    assert sum(reader.batches) == len(GAMES.events) > SLICE_MESSAGES
    assert max(reader.batches) <= SLICE_MESSAGES
    reset = reader.received[0]
    assert isinstance(reset, dict)
    assert (reset["reason"], reset["epoch"]) == ("since_too_old", EPOCH)


async def test_a_since_from_another_feed_resets_and_names_this_feed() -> None:
    live, subscriber = live_with(), Recorder()
    work = live.subscribe(subscriber, ["results", "medals:all"], 4, "feed-b")
    assert work is not None
    await work
    reset = subscriber.received[0]
    assert isinstance(reset, dict)
    assert (reset["type"], reset["reason"], reset["seq"], reset["epoch"]) == \
        ("reset", "epoch_changed", 12, EPOCH)
    assert "feed-b" in reset["detail"]
    assert subscriber.seen() == [("medals:all", "snapshot", 12)]  # nothing replayed
    assert subscriber.received[-1] == {"type": "subscribed", "seq": 12, "epoch": EPOCH,
                                       "channels": ["results", "medals:all"]}


def test_a_since_with_this_feeds_epoch_or_none_replays() -> None:
    for epoch in (EPOCH, None):
        live, subscriber = live_with(), Recorder()
        assert live.subscribe(subscriber, ["results"], 4, epoch) is None
        assert subscriber.seen() == [("results", "result", 5), ("results", "result", 9)]


def test_snapshots_name_the_feed_they_belong_to() -> None:
    live, subscriber = live_with(), Recorder()
    ask(live, subscriber, op="subscribe", channels=["medals:all"])
    snapshot = subscriber.received[0]
    assert isinstance(snapshot, Outgoing)
    assert orjson.loads(snapshot.payload)["epoch"] == EPOCH


def test_an_epoch_that_is_not_a_string_is_a_bad_request() -> None:
    live, subscriber = live_with(), Recorder()
    for epoch in (5, "x" * 65):
        ask(live, subscriber, op="subscribe", channels=["results"], since=4, epoch=epoch)
    assert errors(subscriber) == ["bad_request", "bad_request"]
