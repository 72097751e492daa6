"""The feed's identity, its epoch (issue 15, point 4): named wherever a position is given
out, and a resume with the position of another feed gets a reset, not a replay of what the
same seqs mean here. A `since` without an epoch resumes as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import orjson
import pytest
import websockets

from launcher.stack import Stack
from tests.flow.events import claim_event
from tests.flow.test_live_resilience import ExampleClient
from tests.flow.test_live_support import (
    TIMEOUT_S,
    EventResults,
    Message,
    broadcast_replica,
    is_a,
    is_result,
    live_url,
    receive,
    receive_until,
    request,
)


async def stored_epoch(stack: Stack) -> str:
    conn = await asyncpg.connect(stack.database_url)
    try:
        epoch: str = await conn.fetchval("SELECT epoch FROM scoring_state")
        return epoch
    finally:
        await conn.close()


async def sse_events(url: str, **params: str) -> AsyncIterator[Message]:
    async with (httpx.AsyncClient(timeout=TIMEOUT_S) as client,
                client.stream("GET", f"{url}/v1/sse", params=params) as answer):
        assert answer.status_code == 200
        async for line in answer.aiter_lines():
            if line.startswith("data: "):
                yield orjson.loads(line[len("data: "):])


async def first_sse(url: str, done: str, **params: str) -> list[Message]:
    """The stream's messages up to the first of type `done`."""
    events: list[Message] = []
    async with asyncio.timeout(TIMEOUT_S):
        async for message in sse_events(url, **params):
            events.append(message)
            if message.get("type") == done:
                return events
    raise AssertionError("the stream ended")


async def test_every_position_names_the_feed_it_belongs_to(
    stack: Stack, broadcast: httpx.AsyncClient
) -> None:
    epoch = await stored_epoch(stack)
    assert len(epoch) == 32
    assert (await broadcast.get("/v1/feed", params={"limit": 1})).json()["epoch"] == epoch
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["medals:all", "results"])
        snapshot, subscribed = await receive(ws), await receive(ws)
    assert (snapshot["type"], snapshot["epoch"]) == ("snapshot", epoch)
    assert (subscribed["type"], subscribed["epoch"]) == ("subscribed", epoch)
    events = await first_sse(stack.url("broadcast"), "subscribed", channels="medals:all")
    assert [m["epoch"] for m in events] == [epoch, epoch]


async def test_a_since_from_another_feed_resets_and_one_without_an_epoch_replays(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    epoch = await stored_epoch(stack)
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    url = live_url(stack.ports.broadcast)
    async with websockets.connect(url) as watcher:
        await request(watcher, op="subscribe", channels=["results"])
        since = (await receive(watcher))["seq"]
        revision = await results.post()
        await receive_until(watcher, is_result(event_id, revision))

    for same_feed in ({}, {"epoch": epoch}):  # v1 clients send no epoch
        async with websockets.connect(url) as ws:
            await request(ws, op="subscribe", channels=["results"], since=since, **same_feed)
            replayed = await receive_until(ws, lambda m: m["type"] == "subscribed")
        assert [m["type"] for m in replayed if m["type"] != "result"] == ["subscribed"]
        assert is_result(event_id, revision)(replayed[0])

    async with websockets.connect(url) as ws:
        await request(ws, op="subscribe", channels=["results", "medals:all"], since=since,
                      epoch="another-feed")
        reset = await receive(ws)
        fresh = await receive_until(ws, lambda m: m["type"] == "subscribed")
    assert (reset["type"], reset["reason"], reset["epoch"]) == ("reset", "epoch_changed", epoch)
    mine = [m for m in fresh if m.get("channel") == "results"
            and m["data"]["event"]["id"] == event_id]
    assert [(m["type"], m["data"]["revision"]) for m in mine] == [("snapshot", revision)]
    assert any(is_a("medals:all", "snapshot")(m) for m in fresh)
    assert fresh[-1]["epoch"] == epoch

    events = await first_sse(stack.url("broadcast"), "subscribed", channels="results",
                             since=str(since), epoch="another-feed")
    assert (events[0]["type"], events[0]["reason"]) == ("reset", "epoch_changed")
    page = await broadcast.get("/v1/feed", params={"since": since, "epoch": "another-feed"})
    assert page.status_code == 409
    assert (page.json()["reason"], page.json()["epoch"]) == ("epoch_changed", epoch)
    assert (await broadcast.get("/v1/feed", params={"since": since, "epoch": epoch})
            ).status_code == 200


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """The session's database; its epoch is put back afterwards, so that the rest of the
    session keeps one feed."""
    conn = await asyncpg.connect(stack.database_url)
    epoch = await conn.fetchval("SELECT epoch FROM scoring_state")
    try:
        yield conn
    finally:
        await conn.execute("UPDATE scoring_state SET epoch = $1", epoch)
        await conn.close()


def is_subscribed(message: Message) -> bool:
    return message.get("type") == "subscribed"


async def test_clients_of_the_feed_before_a_restore_are_reset(
    stack: Stack, database: asyncpg.Connection
) -> None:
    client: ExampleClient | None = None
    try:
        with broadcast_replica(stack) as port:
            client = await ExampleClient.start(stack, ["results", "medals:all"], port)
            await client.until(is_subscribed)
            old = client.messages[-1]["epoch"]
        # Restored from a backup while broadcast was down: the restore gives the database a
        # new epoch, broadcast starts again (on the same port), and the client resumes.
        new = await database.fetchval("SELECT rotate_feed_epoch()")
        assert new != old and len(new) == 32
        with broadcast_replica(stack, port=port):
            await client.until(lambda m: m.get("type") == "reset")
            await client.until(is_subscribed)
    finally:
        if client is not None:
            await client.stop()
    resets = [index for index, m in enumerate(client.messages) if m.get("type") == "reset"]
    resumed = client.messages[resets[0]:]
    assert (resumed[0]["reason"], resumed[0]["epoch"]) == ("epoch_changed", new)
    assert any(is_a("medals:all", "snapshot")(m) for m in resumed)
    assert resumed[-1]["epoch"] == new
