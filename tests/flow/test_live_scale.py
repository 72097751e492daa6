"""2,000 concurrent WebSocket clients all receive the update a posted result causes.

The clients run in a child process (`swarm`), so this process keeps few file descriptors
and the two busy cores are shared the way they would be by real screens."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import httpx
import orjson
import websockets

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from tests.flow.events import claim_event
from tests.flow.test_live_support import EventResults, broadcast_metric, live_url

CLIENTS = 2000
SWARM_TIMEOUT_S = 180  # generous: 2,000 handshakes on two busy cores take a while


async def _client(url: str, ready: asyncio.Queue[int]) -> dict[str, Any]:
    async with websockets.connect(url, open_timeout=SWARM_TIMEOUT_S) as ws:
        await ws.send('{"op": "subscribe", "channels": ["medals:all"]}')
        snapshot = orjson.loads(await ws.recv())
        await ready.put(snapshot["seq"])
        while True:
            message = orjson.loads(await ws.recv())
            if message["type"] == "update" and message["data"]["version"] > \
                    snapshot["data"]["version"]:
                return {"seq": message["seq"], "version": message["data"]["version"]}


async def _swarm(url: str, count: int) -> None:
    ready: asyncio.Queue[int] = asyncio.Queue()
    clients = []
    # Connect in waves: a burst of 2,000 SYNs at once would overflow the listen backlog.
    while len(clients) < count:
        wave = min(250, count - len(clients))
        clients += [asyncio.create_task(_client(url, ready)) for _ in range(wave)]
        for _ in range(wave):
            await ready.get()
    print("ready", flush=True)
    updates = await asyncio.gather(*clients)
    print(orjson.dumps(updates).decode(), flush=True)


def swarm(url: str, count: int) -> None:
    """The child process: `count` clients on medals:all; prints "ready" once all have
    their snapshot, then, once each has an update, a JSON list of what each received."""
    asyncio.run(asyncio.wait_for(_swarm(url, count), SWARM_TIMEOUT_S))


async def test_two_thousand_clients_all_receive_the_update(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    url = live_url(stack.ports.broadcast)
    code = f"from tests.flow.test_live_scale import swarm; swarm({url!r}, {CLIENTS})"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(SWARM_TIMEOUT_S):
            assert (await process.stdout.readline()).strip() == b"ready"
        connections = broadcast_metric(stack.url("broadcast"),
                                       'podium_broadcast_connections{access="public",'
                                       'transport="websocket"}')
        assert connections >= CLIENTS
        await EventResults(ingest, official_token, claim_event().id).post()
        async with asyncio.timeout(SWARM_TIMEOUT_S):
            output = await process.stdout.read()
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    updates = orjson.loads(output.splitlines()[-1])
    table = (await broadcast.get("/v1/standings/medals")).json()
    assert len(updates) == CLIENTS
    # All of them got the same message: one seq, the table REST now shows.
    assert {(u["seq"], u["version"]) for u in updates} == {(updates[0]["seq"], table["version"])}
