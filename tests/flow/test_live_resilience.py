"""The live feed when things go wrong: restarts, slow and dead clients, several replicas."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from tests.flow.events import claim_event
from tests.flow.test_live_support import (
    TIMEOUT_S,
    EventResults,
    Message,
    broadcast_metric,
    broadcast_replica,
    is_a,
    is_result,
    live_url,
    media_key,
    receive,
    receive_until,
    request,
)

TABLES = [f"{kind}:{scope}" for kind in ("medals", "points", "combined")
          for scope in ("all", "youth", "rural", "workers", "open")]


@pytest.fixture(scope="module")
def quick_replica(stack: Stack) -> Iterator[int]:
    """A second replica that pings every half second and keeps only the 2 newest result
    messages in memory, so dead connections and old resumes show within a test."""
    with broadcast_replica(stack, ping_interval_s=0.5, replay_window=2) as port:
        yield port


class ExampleClient:
    """examples/live_client.py run as a user runs it, its output read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: list[Message] = []

    @classmethod
    async def start(cls, stack: Stack, channels: list[str], port: int | None = None
                    ) -> ExampleClient:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(REPO_ROOT / "examples" / "live_client.py"),
            live_url(port or stack.ports.broadcast), *channels,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    async def until(self, done: Callable[[Message], bool]) -> None:
        assert self.process.stdout is not None
        while not self.messages or not done(self.messages[-1]):
            async with asyncio.timeout(TIMEOUT_S):
                line = await self.process.stdout.readline()
            assert line, "the example client exited"
            self.messages.append(orjson.loads(line))

    def latest(self, channel: str) -> Message:
        return [m for m in self.messages if m.get("channel") == channel][-1]

    async def stop(self) -> None:
        self.process.terminate()
        await self.process.wait()


async def test_clients_converge_across_a_broadcast_restart(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    clients = [await ExampleClient.start(stack, ["results", "medals:all"]) for _ in range(3)]
    service = stack.service("broadcast")
    try:
        for client in clients:
            await client.until(is_a("medals:all", "snapshot"))  # subscribed
        first = await results.post()
        for client in clients:
            await client.until(is_result(event_id, first))
        await asyncio.to_thread(service.stop, 15)
        try:
            # Posted while no broadcast runs: the clients must still get them.
            await results.post()
            await results.post(note="更正")
        finally:
            service.start()
            await asyncio.to_thread(stack.wait_healthy, 60)
        last = await results.post()
        for client in clients:
            await client.until(is_result(event_id, last))
        table = (await broadcast.get("/v1/standings/medals")).json()
        for client in clients:
            if client.latest("medals:all")["data"]["version"] < table["version"]:
                await client.until(lambda m: m.get("channel") == "medals:all"
                                   and m["data"]["version"] >= table["version"])
    finally:
        for client in clients:
            await client.stop()

    for client in clients:
        received = [m for m in client.messages if m.get("type") == "result"]
        mine = [m for m in received if m["data"]["event"]["id"] == event_id]
        assert [m["data"]["revision"] for m in mine] == [1, 2, 3, last]
        seqs = [m["seq"] for m in received]
        assert seqs == sorted(set(seqs)), "a result message came twice or out of order"
        page = (await broadcast.get("/v1/feed", params={
            "since": seqs[0] - 1, "channels": "results", "limit": 1000})).json()
        assert [m["seq"] for m in page["items"] if m["seq"] <= seqs[-1]] == seqs, "a gap"
        assert client.latest("medals:all")["data"]["rows"] == table["rows"]


async def test_a_client_that_stops_reading_is_closed_while_others_keep_receiving(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    url, port = stack.url("broadcast"), stack.ports.broadcast
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    closed_before = broadcast_metric(url, "podium_broadcast_lagging_closed_total")
    # A tiny receive window and a one-message queue: the kernel and the client library
    # hold almost nothing, so what it does not read piles up in the server.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    async with (websockets.connect(live_url(port), sock=sock, max_queue=1) as slow,
                websockets.connect(live_url(port)) as reader):
        await request(slow, op="subscribe", channels=[*TABLES, "results", f"event:{event_id}"])
        await request(reader, op="subscribe", channels=["results"])
        while broadcast_metric(url, "podium_broadcast_lagging_closed_total") == closed_before:
            assert results.revision < 200, "never closed for lagging"
            revision = await results.post()
            await receive_until(reader, is_result(event_id, revision))
        seen: list[Message] = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                seen.append(await receive(slow))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008

    # It resumes from the last seq it read and misses nothing.
    async with websockets.connect(live_url(port)) as resumed:
        await request(resumed, op="subscribe", channels=["results"],
                      since=max(m["seq"] for m in seen))
        revision = await results.post()
        replayed = await receive_until(resumed, is_result(event_id, revision))
    revisions = [m["data"]["revision"] for m in seen + replayed
                 if m["type"] == "result" and m["channel"] == "results"
                 and m["data"]["event"]["id"] == event_id]
    assert revisions == list(range(1, revision + 1))


async def test_two_replicas_give_the_same_seq(
    stack: Stack, quick_replica: int, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    async with (websockets.connect(live_url(stack.ports.broadcast)) as one,
                websockets.connect(live_url(quick_replica)) as other):
        for ws in (one, other):
            await request(ws, op="subscribe", channels=["results", f"event:{event_id}"])
        revision = await results.post()
        got = [await receive_until(ws, is_result(event_id, revision, f"event:{event_id}"))
               for ws in (one, other)]
    one, other = ([(m["channel"], m["seq"], m["data"]) for m in messages
                   if m.get("type") == "result"] for messages in got)
    assert one == other and len(one) == 2


async def test_replicas_can_share_a_port(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    with broadcast_replica(stack, port=stack.ports.broadcast):
        clients = [await websockets.connect(live_url(stack.ports.broadcast)) for _ in range(24)]
        try:
            replicas = {ws.response.headers["Podium-Replica"] for ws in clients
                        if ws.response is not None}
            for ws in clients:
                await request(ws, op="subscribe", channels=["results"])
            revision = await results.post()
            got = [(await receive_until(ws, is_result(event_id, revision)))[-1] for ws in clients]
        finally:
            for ws in clients:
                await ws.close()
    # The kernel spread the connections over both processes (24 on one: 2 ** -23).
    assert len(replicas) == 2
    assert len({orjson.dumps(message) for message in got}) == 1


async def test_dead_connections_are_dropped_by_server_pings(quick_replica: int) -> None:
    url = f"http://127.0.0.1:{quick_replica}"
    dropped_before = broadcast_metric(url, "podium_broadcast_dead_closed_total")
    async with websockets.connect(live_url(quick_replica)) as alive:
        # Completes the handshake, then never answers: a phone that lost its network.
        reader, writer = await asyncio.open_connection("127.0.0.1", quick_replica)
        writer.write(b"GET /v1/live HTTP/1.1\r\nHost: podium\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert b" 101 " in await reader.readline()
        async with asyncio.timeout(TIMEOUT_S):  # the server ends it (or the test fails)
            with contextlib.suppress(ConnectionResetError):
                while await reader.read(1024):  # its pings, unanswered
                    pass
        writer.close()
        # The client that answers the pings stayed connected all along.
        await request(alive, op="ping")
        assert await receive(alive) == {"type": "pong"}
    assert broadcast_metric(url, "podium_broadcast_dead_closed_total") > dropped_before


async def test_resumes_beyond_the_memory_window_reset_the_public_and_replay_for_media(
    stack: Stack, quick_replica: int, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    url = live_url(quick_replica)
    async with websockets.connect(url) as watcher:
        await request(watcher, op="subscribe", channels=["results"])
        first = await results.post()
        since = (await receive_until(watcher, is_result(event_id, first)))[-1]["seq"]
        # 4 result messages (results + event) push `since` out of the 2 kept in memory.
        missed = [await results.post(), await results.post()]
        await receive_until(watcher, is_result(event_id, missed[-1]))

    async with websockets.connect(url) as public:
        await request(public, op="subscribe", channels=["results", "medals:all"], since=since)
        reset = await receive(public)
        fresh = await receive_until(public, is_a("medals:all", "snapshot"))
    assert (reset["type"], reset["reason"]) == ("reset", "since_too_old")
    latest = {m["data"]["event"]["id"]: m["data"]["revision"] for m in fresh
              if m["channel"] == "results"}
    assert latest[event_id] == missed[-1]

    async with websockets.connect(live_url(quick_replica, media_key(stack))) as media:
        await request(media, op="subscribe", channels=["results", "medals:all"], since=since)
        replayed = await receive_until(media, is_a("medals:all", "snapshot"))
    assert [m["data"]["revision"] for m in replayed if m["type"] == "result"] == missed
    seqs = [m["seq"] for m in replayed]
    assert seqs == sorted(set(seqs)) and seqs[0] > since
