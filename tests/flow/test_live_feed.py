"""Catch-up without a WebSocket: `GET /v1/feed` pages and Server-Sent Events `/v1/sse`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import websockets

from launcher.stack import Stack
from tests.flow.events import claim_event
from tests.flow.test_live_support import (
    TIMEOUT_S,
    EventResults,
    is_result,
    live_url,
    media_key,
    receive_until,
    request,
)


async def feed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answer = await client.get("/v1/feed", params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def test_feed_pages_the_whole_history_in_seq_order(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    since = (await feed(broadcast))["last_seq"]
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["results"])
        revisions = [await results.post(), await results.post(note="更正")]
        await receive_until(ws, is_result(event_id, revisions[-1]))

    key = {"key": media_key(stack)}
    whole = await feed(broadcast, since=since, limit=1000, **key)
    last_seq = whole["last_seq"]
    assert (whole["more"], whole["next_since"]) == (False, last_seq)
    # Every message is kept: seq runs without a gap, results and table updates alike.
    assert [item["seq"] for item in whole["items"]] == list(range(since + 1, last_seq + 1))
    assert {item["type"] for item in whole["items"]} == {"result", "update"}

    paged: list[dict[str, Any]] = []
    cursor, more = since, True
    while more:
        page = await feed(broadcast, since=cursor, limit=3)
        paged += page["items"]
        cursor, more = page["next_since"], page["more"]
    assert [item for item in paged if item["seq"] <= last_seq] == whole["items"]

    mine = await feed(broadcast, since=since, channels=f"event:{event_id}")
    assert [item["data"]["revision"] for item in mine["items"]] == revisions
    assert mine["items"][1]["data"]["correction"] is True

    # The public gets pages of at most 100, media keys of at most 1000.
    from_start = await feed(broadcast, since=0, limit=5000)
    assert len(from_start["items"]) == min(100, from_start["last_seq"])
    from_start = await feed(broadcast, since=0, limit=5000, **key)
    assert len(from_start["items"]) == min(1000, from_start["last_seq"])


async def test_feed_refuses_what_it_cannot_answer(broadcast: httpx.AsyncClient) -> None:
    for params in ({"since": "abc"}, {"since": "-1"}, {"limit": "0"},
                   {"channels": "medals:nowhere"}):
        answer = await broadcast.get("/v1/feed", params=params)
        assert answer.status_code == 400, params
        assert answer.headers["content-type"] == "application/problem+json"
    unknown = await broadcast.get("/v1/feed", params={"key": "pdm_not-a-key"})
    assert unknown.status_code == 401
    ahead = await broadcast.get("/v1/feed", params={"since": 10**9})
    assert ahead.status_code == 409
    assert ahead.json()["reason"] == "since_ahead" and ahead.json()["last_seq"] < 10**9


@dataclass
class ServerSentEvent:
    id: int | None
    event: str
    data: dict[str, Any]


async def server_sent_events(response: httpx.Response) -> AsyncIterator[ServerSentEvent]:
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line:
            name, _, value = line.partition(": ")
            fields[name] = value
        elif "data" in fields:
            yield ServerSentEvent(int(fields["id"]) if "id" in fields else None,
                                  fields["event"], orjson.loads(fields["data"]))
            fields = {}
        else:
            fields = {}  # a comment or the retry line


async def events_until(stream: AsyncIterator[ServerSentEvent], event_id: str,
                       revision: int) -> list[ServerSentEvent]:
    received: list[ServerSentEvent] = []
    async with asyncio.timeout(TIMEOUT_S):
        async for event in stream:
            received.append(event)
            data = event.data.get("data", {})
            if event.event == "result" and data.get("revision") == revision \
                    and data["event"]["id"] == event_id:
                return received
    raise AssertionError("the stream ended")


async def test_sse_streams_snapshots_and_live_messages_and_resumes_with_last_event_id(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    params = {"channels": "medals:all,results"}
    async with httpx.AsyncClient(base_url=stack.url("broadcast"), timeout=TIMEOUT_S) as client:
        async with client.stream("GET", "/v1/sse", params=params) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = server_sent_events(response)
            snapshot = await anext(stream)
            assert (snapshot.event, snapshot.data["channel"]) == ("snapshot", "medals:all")
            first = await events_until(stream, event_id, await results.post())
        # Missed while away; Last-Event-ID brings it back, once.
        missed = await results.post()
        resume = {"Last-Event-ID": str(first[-1].id)}
        async with client.stream("GET", "/v1/sse", params=params, headers=resume) as response:
            again = await events_until(server_sent_events(response), event_id, missed)

    replayed = [e for e in again if e.event == "result"]
    assert [e.data["data"]["revision"] for e in replayed] == [missed]
    assert replayed[0].data["seq"] > first[-1].data["seq"]
    # Every event's id is a safe place to resume from: it never goes back.
    ids = [e.id for e in first + again if e.id is not None]
    assert len(ids) == len(first + again) and ids == sorted(ids)


async def test_sse_refuses_bad_requests(broadcast: httpx.AsyncClient) -> None:
    for params, headers in (({}, {}), ({"channels": "medals:nowhere"}, {}),
                            ({"channels": "results"}, {"Last-Event-ID": "later"})):
        answer = await broadcast.get("/v1/sse", params=params, headers=headers)
        assert answer.status_code == 400, (params, headers)
