"""Clients that attack the live feed cannot stall the boards (issue 15, point 1).

The attackers never read past the handshake but keep sending `subscribe results since 0` /
`unsubscribe`, reconnecting whenever they are closed. Every honest subscriber must still
get every result, and broadcast's memory must stay within what its budgets allow. A reduced
size of the issue's acceptance run (100 attackers, 1,000 boards, 60 s), which is
`python -m bench.hostile`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import websockets

from bench.audience import ClientProcess
from launcher.stack import Stack
from services.broadcast.access import public_access
from services.broadcast.config import LiveSettings
from services.broadcast.websocket import most_held
from tests.flow.events import claim_event
from tests.flow.test_live_support import (
    EventResults,
    Message,
    broadcast_metric,
    broadcast_replica,
    is_result,
    live_url,
    receive,
    receive_until,
    request,
)

HOSTILE = 20  # as many as stalled every board in the measurement
HONEST = 200
RESULTS = 10
# What broadcast may hold for the attackers (websocket.most_held each), plus room for the
# honest connections and the interpreter's own growth under load.
RSS_GROWTH_BOUND = HOSTILE * most_held(public_access(LiveSettings())) + 64 * (1 << 20)


@pytest.fixture(scope="module")
def attacked_replica(stack: Stack) -> Iterator[int]:
    """A replica of its own, so the attack's aftermath cannot reach other tests."""
    with broadcast_replica(stack) as port:
        yield port


async def _subscribed(port: int) -> websockets.ClientConnection:
    ws = await websockets.connect(live_url(port))
    await request(ws, op="subscribe", channels=["results"])
    assert (await receive(ws))["type"] == "subscribed"
    return ws


async def test_clients_that_never_read_but_keep_asking_for_replays_stall_no_board(
    attacked_replica: int, official_token: str, ingest: httpx.AsyncClient
) -> None:
    port = attacked_replica
    url = f"http://127.0.0.1:{port}"
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    honest = [await _subscribed(port) for _ in range(HONEST)]
    received: list[list[Message]] = [[] for _ in honest]
    rss_before = broadcast_metric(url, "process_resident_memory_bytes")
    hostiles = await ClientProcess.start("hostile", live_url(port))
    try:
        connected = await hostiles.ask("connect", count=HOSTILE)
        assert connected["connected"] == HOSTILE, connected
        for _ in range(RESULTS):
            revision = await results.post()
            got = await asyncio.gather(*(receive_until(ws, is_result(event_id, revision))
                                         for ws in honest))
            for messages, more in zip(received, got, strict=True):
                messages += more
        rss_during = broadcast_metric(url, "process_resident_memory_bytes")
        attacks = await hostiles.ask("attacks")
    finally:
        await hostiles.stop()
        for ws in honest:
            await ws.close()

    for messages in received:
        revisions = [m["data"]["revision"] for m in messages
                     if m.get("type") == "result" and m["data"]["event"]["id"] == event_id]
        assert revisions == list(range(1, RESULTS + 1))
    # The attack ran all along: each attacker sent requests, and was closed or paused.
    assert attacks["requests"] >= 2 * HOSTILE, attacks
    assert rss_during - rss_before < RSS_GROWTH_BOUND, (rss_before, rss_during)
