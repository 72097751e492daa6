"""Limits on who can load broadcast and its database (issue 15, point 5): connections per
address, key checks per address, HTTP requests waiting at once."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from launcher.stack import Stack
from tests.flow.test_live_support import (
    TIMEOUT_S,
    broadcast_metric,
    broadcast_replica,
    live_url,
    media_key,
    receive,
    request,
)

CAP = 4
# How long a `since` ahead of the feed keeps a request waiting: long enough to see the
# places full, short enough to see them free again within TIMEOUT_S (a request whose
# client has gone still waits it out).
AHEAD_WAIT_S = 10
KEY_CHECKS = 5  # in a row from one address (services/broadcast/keys.py KEY_CHECK_BURST)


@pytest.fixture(scope="module")
def limited(stack: Stack) -> Iterator[int]:
    with broadcast_replica(stack, max_connections_per_address=CAP,
                           # None more within the test, however slow the machine.
                           key_checks_per_address_per_minute=0.01,
                           max_requests_in_flight=2, since_ahead_wait_s=AHEAD_WAIT_S) as port:
        yield port


@pytest.fixture(scope="module")
def proxied(stack: Stack) -> Iterator[int]:
    with broadcast_replica(stack, max_connections_per_address=CAP,
                           trusted_proxies="127.0.0.1") as port:
        yield port


def refused_with(status: int) -> pytest.RaisesExc[InvalidStatus]:
    return pytest.raises(InvalidStatus, check=lambda e: e.response.status_code == status)


@contextlib.asynccontextmanager
async def sse(port: int, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.Response]:
    async with (httpx.AsyncClient(timeout=TIMEOUT_S) as client,
                client.stream("GET", f"http://127.0.0.1:{port}/v1/sse",
                              params={"channels": "medals:all"}, headers=headers) as answer):
        yield answer


async def test_connections_per_address_are_capped_over_websocket_and_sse(limited: int) -> None:
    async with contextlib.AsyncExitStack() as opened:
        for _ in range(CAP // 2):
            ws = await opened.enter_async_context(websockets.connect(live_url(limited)))
            await request(ws, op="ping")
            assert await receive(ws) == {"type": "pong"}
            stream = await opened.enter_async_context(sse(limited))
            assert stream.status_code == 200
        # The header is not believed from a peer that is not a configured proxy.
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        with refused_with(429):
            await websockets.connect(live_url(limited), additional_headers=forwarded)
        async with sse(limited, forwarded) as refused:
            assert refused.status_code == 429 and "Retry-After" in refused.headers
            assert str(CAP) in (await refused.aread()).decode()
    # Closed connections free their places (once the server has seen them go).
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            try:
                async with websockets.connect(live_url(limited)) as ws:
                    await request(ws, op="ping")
                    assert await receive(ws) == {"type": "pong"}
                    break
            except InvalidStatus as refused:
                assert refused.response.status_code == 429
                await asyncio.sleep(0.1)


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(proxied: int) -> None:
    def connect(client: str) -> websockets.connect:
        return websockets.connect(live_url(proxied),
                                  additional_headers={"X-Forwarded-For": f"{client}, 127.0.0.1"})

    async with contextlib.AsyncExitStack() as opened:
        for _ in range(CAP):
            await opened.enter_async_context(connect("203.0.113.1"))
        with refused_with(429):
            await connect("203.0.113.1")
        async with connect("203.0.113.2") as other:
            await request(other, op="ping")
            assert await receive(other) == {"type": "pong"}


# The periodic recheck of the keys in use queries too, whenever it falls due.
HANDSHAKE_QUERIES = 'podium_broadcast_key_queries_total{reason="handshake"}'


async def test_unknown_keys_cost_the_database_a_few_queries_per_address(
    stack: Stack, limited: int
) -> None:
    url = f"http://127.0.0.1:{limited}"
    known = media_key(stack)
    async with websockets.connect(live_url(limited, known)):
        pass  # remembered from now on (one of the address's checks)
    queries_before = broadcast_metric(url, HANDSHAKE_QUERIES)
    statuses = []
    for attempt in range(30):
        # Half well-formed keys nobody holds, half not even shaped like a key.
        key = f"pdm_{secrets.token_urlsafe(32)}" if attempt % 2 else f"pdm_{attempt}"
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(live_url(limited, key))
        statuses.append(refused.value.response.status_code)
    checked = KEY_CHECKS - 1
    assert statuses.count(401) == 15 + checked
    assert statuses.count(429) == 15 - checked
    assert broadcast_metric(url, HANDSHAKE_QUERIES) - queries_before \
        == checked
    async with websockets.connect(live_url(limited, known)) as media:
        await request(media, op="ping")
        assert await receive(media) == {"type": "pong"}


async def test_a_flood_of_http_requests_is_answered_503_rather_than_queued(
    limited: int
) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{limited}",
                                 timeout=TIMEOUT_S) as client:
        # A `since` ahead of the feed waits (AHEAD_WAIT_S) for the replica to catch up:
        # two of them fill the replica's two places.
        waiting = [asyncio.create_task(client.get("/v1/feed", params={"since": 10**9}))
                   for _ in range(2)]
        try:
            async with asyncio.timeout(TIMEOUT_S):
                while (answer := await client.get("/v1/standings/medals")).status_code != 503:
                    assert answer.status_code == 200
                    await asyncio.sleep(0.05)
            assert answer.headers["Retry-After"]
            assert answer.headers["content-type"] == "application/problem+json"
            assert (await client.get("/healthz")).status_code == 200
        finally:
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
        # Answered again once the two waiting requests are gone.
        async with asyncio.timeout(TIMEOUT_S):
            while (answer := await client.get("/v1/standings/medals")).status_code == 503:
                assert answer.headers["Retry-After"]
                await asyncio.sleep(0.05)
        assert answer.status_code == 200
