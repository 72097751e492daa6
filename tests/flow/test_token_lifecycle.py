"""Tokens through the running system: one that expires or is revoked is refused everywhere
within 5 s, its open WebSocket (closed 4401) and SSE stream (an `error` event, then the end)
included; one token sending too much is answered 429 while another is served; the desk
makes and revokes tokens over HTTP, recorded against the admin; an admin token is no media
key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from launcher.stack import Stack
from shared.adapters import db
from shared.adapters.tokens import Role, create_token
from tests.conftest import podium_cli
from tests.flow.events import claim_event
from tests.flow.test_ingest_api import bearer, new_token
from tests.flow.test_live_feed import server_sent_events
from tests.flow.test_live_support import live_url, receive_until, request
from tests.flow.test_scoring_events import eventually

# The contract's bound: a revoked or expired token is refused everywhere within this.
WITHIN_S = 5.0


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    assert stack.database_url is not None
    pool = await db.create_pool(stack.database_url, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def expiring(pool: db.Pool, role: Role, name: str, in_s: float) -> tuple[str, datetime]:
    """A token that expires `in_s` seconds from now, and when."""
    expires_at = datetime.now(UTC) + timedelta(seconds=in_s)
    _, secret = await create_token(pool, role, name, expires_at=expires_at)
    return secret, expires_at


async def subscribed(port: int, key: str) -> websockets.ClientConnection:
    ws = await websockets.connect(live_url(port, key))
    await request(ws, op="subscribe", channels=["results"])
    await receive_until(ws, lambda message: message.get("type") == "subscribed")
    return ws


async def closed_code(ws: websockets.ClientConnection, deadline: float) -> int:
    """The code the server closes `ws` with, before `deadline` (time.monotonic())."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(deadline - time.monotonic()):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_an_expired_token_is_refused_at_ingest_and_its_websocket_closed_within_5_s(
    stack: Stack, pool: db.Pool, ingest: httpx.AsyncClient
) -> None:
    official, _ = await expiring(pool, "official", "裁判 临时", 4)
    key, expires_at = await expiring(pool, "media", "焦作晚报（临时）", 4)
    assert (await ingest.get("/v1/my/events", headers=bearer(official))).status_code == 200
    ws = await subscribed(stack.ports.broadcast, key)
    try:
        # Measured from the expiry: the close comes within the contract's 5 s of it.
        deadline = time.monotonic() + (expires_at - datetime.now(UTC)).total_seconds() + WITHIN_S
        assert await closed_code(ws, deadline) == 4401
    finally:
        await ws.close()
    answer = await ingest.get("/v1/my/events", headers=bearer(official))
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("this token expired on ")
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(live_url(stack.ports.broadcast, key))
    assert refused.value.response.status_code == 401


async def test_a_key_revoked_on_the_desk_closes_its_websocket_and_sse_stream(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    admin = new_token(stack, "admin", "--name", "成绩处 吴")
    made = await ingest.post("/v1/desk/tokens", json={"role": "media", "name": "河南日报"},
                             headers=bearer(admin))
    assert made.status_code == 201, made.text
    key, number = made.json()["secret"], made.json()["id"]
    ws = await subscribed(stack.ports.broadcast, key)
    async with broadcast.stream("GET", "/v1/sse", params={"channels": "results", "key": key},
                                timeout=30) as stream:
        events = server_sent_events(stream)
        assert (await anext(events)).event == "subscribed"
        revoked = await ingest.post(f"/v1/desk/tokens/{number}/revoke", headers=bearer(admin))
        assert revoked.status_code == 200, revoked.text
        deadline = time.monotonic() + WITHIN_S
        assert (revoked.json()["state"], revoked.json()["revoked_by"]) == ("revoked",
                                                                          "成绩处 吴")
        try:
            assert await closed_code(ws, deadline) == 4401
        finally:
            await ws.close()
        async with asyncio.timeout(deadline - time.monotonic()):
            last = [event async for event in events][-1]
    assert (last.event, last.data["error"]) == ("error", "key_withdrawn")
    again = await broadcast.get("/v1/feed", params={"key": key})
    assert again.status_code == 401


async def test_one_token_bursting_gets_429_while_another_is_served(
    stack: Stack, ingest: httpx.AsyncClient
) -> None:
    event = claim_event()
    busy, other = (new_token(stack, "referee", "--venue", event.venue, "--name", name)
                   for name in ("裁判长 忙", "裁判长 闲"))
    path = f"/v1/events/{event.id}/history"

    async def until_refused() -> httpx.Response:
        # Far more requests than the burst allows (600, docs/officials.md), in parallel: the
        # refill (20 a second) cannot keep up with them.
        for _ in range(200):
            answers = await asyncio.gather(*(ingest.get(path, headers=bearer(busy))
                                             for _ in range(40)))
            refused = [answer for answer in answers if answer.status_code == 429]
            if refused:
                return refused[0]
            assert {answer.status_code for answer in answers} == {200}
        raise AssertionError("8,000 requests of one token were all served")

    refused = await until_refused()
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert "too many requests" in refused.json()["detail"]
    served = await ingest.get(path, headers=bearer(other))
    assert served.status_code == 200, served.text

    async def served_again() -> bool | None:
        answer = await ingest.get(path, headers=bearer(busy))
        if answer.status_code == 429:
            await asyncio.sleep(int(answer.headers["Retry-After"]))
            return None
        assert answer.status_code == 200, answer.text
        return True
    await eventually(served_again, "the busy token served again once it waited")


async def test_the_desk_makes_tokens_over_http_recorded_against_the_admin(
    stack: Stack, ingest: httpx.AsyncClient
) -> None:
    event = claim_event()
    admin = new_token(stack, "admin", "--name", "成绩处 郑")
    referee = new_token(stack, "referee", "--venue", event.venue, "--name", "裁判长 孙")
    ask = {"role": "recorder", "name": "记录员 钱", "venues": [event.venue],
           "expires": "2099-12-31"}
    for token, status in ((referee, 403), (admin, 201)):
        answer = await ingest.post("/v1/desk/tokens", json=ask, headers=bearer(token))
        assert answer.status_code == status, answer.text
    created = answer.json()
    assert created["expires_at"] == "2100-01-01T00:00:00+08:00"
    assert created["entry_url"].endswith(f"/enter#token={created['secret']}")
    assert created["qr_svg"].startswith("<svg")
    mine = await ingest.get("/v1/my/events", headers=bearer(created["secret"]))
    assert mine.json()["holder"] == {"name": "记录员 钱", "role": "recorder",
                                     "venues": [event.venue]}

    listed = (await ingest.get("/v1/desk/tokens", headers=bearer(admin))).json()["tokens"]
    row = next(token for token in listed if token["id"] == created["id"])
    assert (row["created_by"], row["state"]) == ("成绩处 郑", "active")
    assert datetime.fromisoformat(row["expires_at"]) == datetime.fromisoformat(
        created["expires_at"])
    assert all("secret" not in token for token in listed)
    cli = podium_cli(stack, "token", "list")
    assert f"#{created['id']}\trecorder\t记录员 钱\t{event.venue}\tactive\t" in cli
    assert "by 成绩处 郑\t2099-12-31 16:00\t0\t-" in cli  # listed in UTC

    bad = await ingest.post("/v1/desk/tokens", headers=bearer(admin), json={
        "role": "admin", "name": " ", "venues": ["nowhere"], "expires": "2020-01-01"})
    assert bad.status_code == 422
    assert {error["pointer"] for error in bad.json()["errors"]} == {"/name"}
    bad = await ingest.post("/v1/desk/tokens", headers=bearer(admin), json={
        "role": "admin", "name": "成绩处 新", "venues": ["nowhere"], "expires": "2020-01-01"})
    assert {error["pointer"] for error in bad.json()["errors"]} == {
        "/venues/0", "/venues", "/expires"}
    assert (await ingest.post("/v1/desk/tokens/999999/revoke",
                              headers=bearer(admin))).status_code == 404
    progress = await ingest.get("/v1/desk/progress", params={"date": "someday"},
                                headers=bearer(admin))
    assert progress.status_code == 400


async def test_an_admin_token_is_no_media_key(stack: Stack, broadcast: httpx.AsyncClient) -> None:
    admin = new_token(stack, "admin", "--name", "成绩处 王")
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(live_url(stack.ports.broadcast, admin))
    assert refused.value.response.status_code == 403
    answer = await broadcast.get("/v1/feed", params={"key": admin})
    assert answer.status_code == 403 and "not a media key" in answer.json()["detail"]


def test_the_cli_makes_expiring_tokens(stack: Stack) -> None:
    printed = podium_cli(stack, "token", "create", "--role", "referee", "--name", "裁判长 冯",
                         "--expires", "2099-06-30T18:00").strip().splitlines()
    assert printed[0].endswith("'裁判长 冯' for every venue, until 2099-06-30 18:00 +0800")
    assert "\t2099-06-30 10:00\t" in podium_cli(stack, "token", "list")  # listed in UTC

