"""Inputs and faults that once answered 500 get a clear answer instead: numbers of thousands of
digits wherever a number is read (Python refuses int() of more than 4300 digits, and PostgreSQL
any seq beyond its bigint), invisible names, and a read-only database behind ingest.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import websockets

from launcher.stack import Stack
from tests.flow.events import claim_event
from tests.flow.test_ingest_api import bearer, result, stored_revisions
from tests.flow.test_live_support import live_url, receive, request
from tests.flow.test_scoring_events import eventually

HUGE = "9" * 5000  # past Python's 4300-digit limit for int()
PAST_BIGINT = str(2**63)  # an int in Python, but no seq PostgreSQL can compare with


def unmarked(event_id: str) -> dict[str, Any]:
    """A valid result without marks, so an event of any measure will do (the timed ones,
    where the tests' marks are valid, are few)."""
    body = result(event_id)
    for entry in body["entries"]:
        entry.pop("mark", None)
    return body


@pytest.mark.parametrize("params", [
    {"since": HUGE}, {"limit": HUGE}, {"since": PAST_BIGINT}, {"limit": PAST_BIGINT},
    {"since": "٣"},  # an Arabic-Indic three: a digit to str.isdigit(), no seq
])
async def test_the_feed_refuses_a_seq_or_limit_it_cannot_read(
    broadcast: httpx.AsyncClient, params: dict[str, str]
) -> None:
    answer = await broadcast.get("/v1/feed", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert next(iter(params)) in answer.json()["detail"]


@pytest.mark.parametrize("since", [HUGE, PAST_BIGINT])
async def test_sse_refuses_a_last_event_id_it_cannot_read(
    broadcast: httpx.AsyncClient, since: str
) -> None:
    async with asyncio.timeout(20):  # a stream that opened would never end by itself
        answer = await broadcast.get("/v1/sse", params={"channels": "results"},
                                     headers={"Last-Event-ID": since})
    assert answer.status_code == 400, answer.text
    assert "Last-Event-ID" in answer.json()["detail"]


async def test_websocket_refuses_a_since_it_cannot_read_and_stays_open(stack: Stack) -> None:
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        for since in (HUGE, PAST_BIGINT, str(2**64 - 1)):
            await ws.send(f'{{"op": "subscribe", "channels": ["results"], "since": {since}}}')
            answer = await receive(ws)
            assert answer["type"] == "error" and answer["error"] in ("bad_json", "bad_request")
            assert "since" in answer["detail"] or "number" in answer["detail"], answer
        await request(ws, op="ping")
        assert await receive(ws) == {"type": "pong"}


@pytest.mark.parametrize("length", [HUGE, "²"])
async def test_ingest_refuses_a_content_length_it_cannot_read(
    stack: Stack, official_token: str, length: str
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.ports.ingest)
    try:
        writer.write(f"POST /v1/results HTTP/1.1\r\nHost: ingest\r\n"
                     f"Authorization: Bearer {official_token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{}}"
                     .encode("latin-1"))
        await writer.drain()
        async with asyncio.timeout(20):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.split()[1] == b"400", status_line


async def test_ingest_answers_a_revision_of_thousands_of_digits_with_422(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event = claim_event(any_measure=True)
    raw = orjson.dumps(unmarked(event.id)).replace(b'"revision":1', b'"revision":' + HUGE.encode())
    answer = await ingest.post("/v1/results", content=raw, headers={
        **bearer(official_token), "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    past_bigint = {**unmarked(event.id), "revision": 2**63}
    answer = await ingest.post("/v1/results", json=past_bigint, headers=bearer(official_token))
    assert answer.status_code == 422, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/revision"]
    assert await stored_revisions(ingest, official_token, event.id) == []


async def test_an_invisible_name_is_refused_and_a_name_is_stored_as_it_looks(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event = claim_event(any_measure=True)
    blank = unmarked(event.id)
    blank["entries"][0]["competitor"] = "\u200b"
    answer = await ingest.post("/v1/results", json=blank, headers=bearer(official_token))
    assert answer.status_code == 422, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/entries/0/competitor"]
    twice = unmarked(event.id)
    twice["entries"][1] |= {"delegation": "qinyang", "competitor": "李明\u200b"}
    answer = await ingest.post("/v1/results", json=twice, headers=bearer(official_token))
    assert answer.status_code == 422, answer.text
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/entries/1/competitor"]

    pasted = unmarked(event.id)
    pasted["entries"][0]["competitor"] = "\ufeff李明\u200b"
    answer = await ingest.post("/v1/results", json=pasted, headers=bearer(official_token))
    assert answer.status_code == 202, answer.text
    history = await ingest.get(f"/v1/events/{event.id}/history", headers=bearer(official_token))
    assert history.json()["revisions"][0]["entries"][0]["competitor"] == "李明"


# --- a read-only database ---------------------------------------------------------------------

async def set_read_only(stack: Stack, read_only: bool) -> None:
    """What a failover to a hot standby looks like to ingest: every transaction read-only."""
    assert stack.database_url is not None
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(f"ALTER SYSTEM SET default_transaction_read_only = "
                           f"{'on' if read_only else 'off'}")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


async def ingest_health(ingest: httpx.AsyncClient, status: int) -> dict[str, object] | None:
    answer = await ingest.get("/healthz")
    body: dict[str, object] = answer.json()
    return body if answer.status_code == status else None


async def test_a_read_only_database_makes_ingest_unready_and_answer_503(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event = claim_event(any_measure=True)
    body = unmarked(event.id)
    await set_read_only(stack, True)
    try:
        async def refused() -> httpx.Response | None:
            answer = await ingest.post("/v1/results", json=body, headers=bearer(official_token))
            return None if answer.status_code == 202 else answer
        answer = await eventually(refused, "the first POST after the switch")
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"]
        unready = await eventually(lambda: ingest_health(ingest, 503),
                                   "ingest's /healthz reporting the read-only database")
        assert unready["waiting_for"] == ["postgresql"]
        # Still not ready a while later: the database watch sees the database cannot write.
        await asyncio.sleep(3)
        assert await ingest_health(ingest, 503) is not None
    finally:
        await set_read_only(stack, False)
    await eventually(lambda: ingest_health(ingest, 200), "ingest ready once writes work")
    answer = await ingest.post("/v1/results", json=body, headers=bearer(official_token))
    assert answer.status_code == 202, answer.text
    stack.wait_healthy(timeout=150)
