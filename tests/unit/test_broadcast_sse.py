"""The SSE stream's events: ids that are always a safe resume point, and its budget."""

from __future__ import annotations

import asyncio

from services.broadcast import outgoing
from services.broadcast.live import REPLAY_ALLOWANCE_BYTES
from services.broadcast.outgoing import Outgoing
from services.broadcast.sse import SseStream
from tests.unit.test_broadcast_hub import PUBLIC, result, table
from tests.unit.test_broadcast_live import live_with


def stream() -> SseStream:
    return SseStream(live_with(), PUBLIC, set())


def events(sse: SseStream) -> list[bytes]:
    return b"".join(sse._chunks).split(b"\n\n")[:-1]


def test_ids_never_go_back() -> None:
    sse = stream()
    sse.send(Outgoing.build(9, "results", "result", result(1)))
    sse.deliver(Outgoing.build(7, "medals:all", "update", table(3)))  # coalesced, late
    assert [event.split(b"\n")[0] for event in events(sse)] == [b"id: 9", b"id: 9"]
    assert b'"seq":7' in events(sse)[1]


def test_a_reset_has_no_ids_until_its_subscribed() -> None:
    sse = stream()
    sse.send_control("reset", outgoing.reset("since_ahead", "", 12, ["medals:all"], "feed-a"))
    sse.send(Outgoing.build(12, "medals:all", "snapshot", table(1)))
    sse.send_control("subscribed", outgoing.subscribed(["medals:all"], 12, "feed-a"), 12)
    heads = [event.split(b"\n")[0] for event in events(sse)]
    assert heads == [b"event: reset", b"event: snapshot", b"id: 12"]


def test_a_stream_over_its_budget_ends() -> None:
    sse = stream()
    big = Outgoing.build(1, "results", "result", {"pad": "x" * PUBLIC.buffer_bytes})
    sse.send(big)  # asked for: allowed past the budget
    assert not sse.ended
    sse.deliver(Outgoing.build(2, "results", "result", result(2)))
    assert not sse.ended
    sse.deliver(big)
    assert sse.ended and sse._chunks == []


def test_a_message_larger_than_the_budget_reaches_a_stream_that_keeps_up() -> None:
    sse = stream()
    sse.deliver(Outgoing.build(1, "results", "result", {"pad": "名" * PUBLIC.buffer_bytes}))
    assert not sse.ended
    sse.deliver(Outgoing.build(2, "results", "result", result(2)))  # the big one unread yet
    assert sse.ended


def test_asked_for_messages_end_a_stream_past_its_budget_and_allowance() -> None:
    sse = stream()
    sse.send(Outgoing.build(1, "results", "result", {"pad": "x" * PUBLIC.buffer_bytes}))
    assert not sse.ended and not sse.has_room()
    sse.send(Outgoing.build(2, "results", "result", {"pad": "x" * REPLAY_ALLOWANCE_BYTES}))
    assert sse.ended


async def test_a_replay_waits_until_the_stream_is_read() -> None:
    sse = stream()
    sse.send(Outgoing.build(1, "results", "result", {"pad": "x" * PUBLIC.buffer_bytes}))
    waiting = asyncio.create_task(sse.wait_for_room())
    await asyncio.sleep(0)
    assert not waiting.done()
    events = sse.events(["medals:all"], None, None)
    assert (await anext(events)).startswith(b"retry:")
    assert b'"pad"' in await anext(events)  # the response took what waited
    await asyncio.wait_for(waiting, 5)
    await events.aclose()
