"""The SSE stream's events: ids that are always a safe resume point, and its budget."""

from __future__ import annotations

from services.broadcast import outgoing
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
    sse.send_control("reset", outgoing.reset("since_ahead", "", 12, ["medals:all"]))
    sse.send(Outgoing.build(12, "medals:all", "snapshot", table(1)))
    sse.send_control("subscribed", outgoing.subscribed(["medals:all"], 12), 12)
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
