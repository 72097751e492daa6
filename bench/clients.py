"""An audience in a process of its own: cheap sinks or parsing probes on a WebSocket feed.

`python -m bench.clients sink|probe|hostile|resumer URL MAX_SECONDS [podium|centrifugo]`
reads one JSON command per stdin line and answers each with one JSON line on stdout
(bench.audience drives it): `{"op": "connect", "count": n}`, `{"op": "counters"}` (sinks;
read and reset), `{"op": "arrivals"}` (probes; read and reset), `{"op": "attacks"}`
(hostiles; read), `{"op": "missing", "keys": [...]}` (resumers, bench.scale). The last
argument is the server's protocol: Podium's, or Centrifugo's (the peer, bench.peer). It
exits on end of input or after MAX_SECONDS, whichever comes first, so a crashed harness
leaves no load behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import urlsplit

import orjson
import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SUBSCRIBE = orjson.dumps({"op": "subscribe", "channels": ["results"]})
# Centrifugo's JSON protocol: commands in one frame, one per line; `connect` comes first.
CENTRIFUGO_SUBSCRIBE = b'{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"results"}}'
# The attack of issue 15: ask for the whole replay, drop it, ask again; never read.
REPLAY_ALL = orjson.dumps({"op": "subscribe", "channels": ["results"], "since": 0})
UNSUBSCRIBE = orjson.dumps({"op": "unsubscribe", "channels": ["results"]})
# A hostile client's receive buffer: the smallest the kernel allows, so what it does not
# read piles up in the server rather than in the client's kernel.
HOSTILE_RECEIVE_BUFFER = 4096
HOSTILE_RECONNECT_S = 0.2
# Request pairs per write: as many requests for the server, far fewer calls for the
# harness, whose CPU would otherwise be taken from the server on the same machine.
HOSTILE_PAIRS_PER_WRITE = 64
# Connections opened at once: more overflows the server's listen backlog on a busy machine.
CONNECTING_AT_ONCE = 100
HANDSHAKE_TIMEOUT_S = 60.0
# A screen whose server went away waits up to this long before connecting again, so a
# replica's audience does not arrive at the others all in the same millisecond.
RECONNECT_SPREAD_S = 3.0
# A viewer's first connection is tried again too (a screen would), until this process's
# viewers have failed this many times each on average.
FIRST_TRIES = 5


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (payload < 126 bytes). The all-zero mask is valid and leaves
    the payload as it is, so nothing has to be XORed."""
    assert len(payload) < 126
    return bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload


class Tally:
    """What the sinks of this process received since the last `counters` command."""

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self.first = 0.0
        self.last = 0.0
        self.closed = 0

    def read_and_reset(self) -> dict[str, Any]:
        counters = {"frames": self.frames, "bytes": self.bytes, "first": self.first,
                    "last": self.last, "closed": self.closed}
        self.frames = self.bytes = 0
        self.first = self.last = 0.0
        return counters


def podium_results(data: bytes) -> list[tuple[str, int]]:
    """The results a Podium text frame carries: one `result` message, or none."""
    message = orjson.loads(data)
    if message.get("type") != "result":
        return []
    return [(message["data"]["event"]["id"], message["data"]["revision"])]


def centrifugo_results(data: bytes) -> list[tuple[str, int]]:
    """The results a Centrifugo frame carries: replies one per line, each publication's
    data the same message Podium sends (bench.peer publishes it so)."""
    keys = []
    for line in data.split(b"\n"):
        push = orjson.loads(line).get("push") if line else None
        if push and "pub" in push:
            message = push["pub"]["data"]
            if message.get("type") == "result":
                keys.append((message["data"]["event"]["id"], message["data"]["revision"]))
    return keys


# What a client sends once connected, and how it finds the results in a text frame.
PROTOCOLS: dict[str, tuple[bytes, Callable[[bytes], list[tuple[str, int]]]]] = {
    "podium": (SUBSCRIBE, podium_results),
    "centrifugo": (CENTRIFUGO_SUBSCRIBE, centrifugo_results),
}


class Sink(asyncio.Protocol):
    """Completes the handshake, subscribes, then only walks frame headers.

    The headers are read, not skipped blindly: the server pings every 20 s and closes a
    connection that does not answer within 20 s more (uvicorn's and websockets' default),
    and the payloads are never looked at.
    """

    def __init__(self, tally: Tally, request: bytes, opened: asyncio.Future[None],
                 subscribe: bytes = SUBSCRIBE) -> None:
        self.tally = tally
        self.request = request
        self.opened = opened
        self.subscribe = subscribe
        self.transport: asyncio.Transport | None = None
        self.head = b""  # the handshake answer so far, or a frame header split by a read
        self.skip = 0  # bytes of the current frame's payload still to come

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.opened.done():
            self.tally.closed += 1
        else:
            self.opened.set_exception(ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        if not self.opened.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(self.head[:end].decode(errors="replace")))
                self.transport.close()
                return
            self.transport.write(client_frame(0x1, self.subscribe))
            self.opened.set_result(None)
            data, self.head = self.head[end + 4:], b""
            if not data:
                return
        tally = self.tally
        tally.bytes += len(data)
        tally.last = time.monotonic()
        if not tally.first:
            tally.first = tally.last
        if self.skip >= len(data):
            self.skip -= len(data)
            return
        self._walk(self.head + data if self.head else data)

    def _walk(self, data: bytes) -> None:
        assert self.transport is not None
        pos, size, frames = self.skip, len(data), 0
        while size - pos >= 2:
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length, start = int.from_bytes(data[pos + 2:pos + 4]), pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, start = int.from_bytes(data[pos + 2:pos + 10]), pos + 10
            opcode = data[pos] & 0x0F
            if opcode >= 0x8:  # control frames: short, handled whole
                if size < start + length:
                    break
                if opcode == 0x9:
                    self.transport.write(client_frame(0xA, data[start:start + length]))
                elif opcode == 0x8:
                    self.transport.close()
            else:
                frames += 1
            pos = start + length
        self.tally.frames += frames
        if pos >= size:
            self.skip, self.head = pos - size, b""
        else:
            self.skip, self.head = 0, data[pos:]


def upgrade_request(url: str) -> tuple[str, int, bytes]:
    """The host, port and handshake request of a WebSocket URL."""
    parts = urlsplit(url)
    request = (
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: cG9kaXVtLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    return parts.hostname or "127.0.0.1", parts.port or 80, request


class Sinks:
    def __init__(self, url: str, protocol: str) -> None:
        self.host, self.port, self.request = upgrade_request(url)
        self.subscribe = PROTOCOLS[protocol][0]
        self.tally = Tally()

    async def open_one(self) -> None:
        loop = asyncio.get_running_loop()
        opened: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(
            lambda: Sink(self.tally, self.request, opened, self.subscribe), self.host,
            self.port)
        await opened

    async def command(self, op: str, request: dict[str, Any]) -> dict[str, Any]:
        if op == "connect":
            return await connect_many(self.open_one, int(request["count"]))
        if op == "counters":
            return self.tally.read_and_reset()
        raise ValueError(f"sinks do not know {op!r}")


class Probes:
    """Full clients that parse every frame and stamp each result's arrival."""

    def __init__(self, url: str, protocol: str) -> None:
        self.url = url
        self.subscribe, self.results = PROTOCOLS[protocol]
        self.arrivals: list[tuple[int, str, int, float, int]] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open_one(self) -> None:
        # No keepalive: behind a server that is seconds behind, the pong to a probe's ping
        # waits in that backlog and websockets would close the probe after 20 s (half of
        # the floor's 40 probes were lost so at 10,000 clients), dropping the slowest pairs.
        websocket = await connect(self.url, compression=None, max_size=None,
                                  open_timeout=HANDSHAKE_TIMEOUT_S, ping_interval=None)
        await websocket.send(self.subscribe.decode())
        self.tasks.append(asyncio.create_task(self.listen(len(self.tasks), websocket)))

    async def listen(self, probe: int, websocket: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                data = await websocket.recv(decode=False)
                arrived = time.monotonic()
                self.arrivals += [(probe, event_id, revision, arrived, len(data))
                                  for event_id, revision in self.results(data)]

    async def command(self, op: str, request: dict[str, Any]) -> dict[str, Any]:
        if op == "connect":
            return await connect_many(self.open_one, int(request["count"]))
        if op == "arrivals":
            arrivals, self.arrivals = self.arrivals, []
            return {"arrivals": arrivals}
        raise ValueError(f"probes do not know {op!r}")


class Hostiles:
    """Clients that complete the handshake, then never read again but keep sending
    `subscribe results since 0` / `unsubscribe`; each connects again whenever the server
    closes it or refuses it, so the attack lasts as long as the process."""

    def __init__(self, url: str, protocol: str) -> None:
        self.host, self.port, self.request = upgrade_request(url)
        self.attackers: list[asyncio.Task[None]] = []
        self.connections = 0  # handshakes completed
        self.refusals = 0  # handshakes refused or failed
        self.closes = 0  # established connections the server ended
        self.requests = 0  # requests the server's TCP stack took

    async def open_one(self) -> None:
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.attackers.append(asyncio.create_task(self.attack(opened)))
        await opened

    async def handshake(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, (self.host, self.port))
        await loop.sock_sendall(sock, self.request)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))

    async def attack(self, opened: asyncio.Future[None]) -> None:
        loop = asyncio.get_running_loop()
        requests = (client_frame(0x1, REPLAY_ALL)
                    + client_frame(0x1, UNSUBSCRIBE)) * HOSTILE_PAIRS_PER_WRITE
        while True:
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, HOSTILE_RECEIVE_BUFFER)
                sock.setblocking(False)
                try:
                    await self.handshake(sock)
                except OSError:
                    self.refusals += 1
                else:
                    self.connections += 1
                    if not opened.done():
                        opened.set_result(None)
                    with contextlib.suppress(OSError):
                        while True:
                            # Waits only while the server takes no more; never reads.
                            await loop.sock_sendall(sock, requests)
                            self.requests += 2 * HOSTILE_PAIRS_PER_WRITE
                            await asyncio.sleep(0)
                    self.closes += 1
            await asyncio.sleep(HOSTILE_RECONNECT_S)

    async def command(self, op: str, request: dict[str, Any]) -> dict[str, Any]:
        if op == "connect":
            return await connect_many(self.open_one, int(request["count"]))
        if op == "attacks":
            return {"connections": self.connections, "refusals": self.refusals,
                    "closes": self.closes, "requests": self.requests}
        raise ValueError(f"hostiles do not know {op!r}")


def frames_in(buffer: bytearray) -> list[tuple[int, bytes]]:
    """The whole (unfragmented, unmasked) server frames at the start of buffer, taken out of
    it as (opcode, payload); a partial frame stays for the next read."""
    frames, pos, size = [], 0, len(buffer)
    while size - pos >= 2:
        length, start = buffer[pos + 1] & 0x7F, pos + 2
        if length == 126:
            length, start = int.from_bytes(buffer[pos + 2:pos + 4]), pos + 4
        elif length == 127:
            length, start = int.from_bytes(buffer[pos + 2:pos + 10]), pos + 10
        if size < start + length:
            break
        frames.append((buffer[pos] & 0x0F, bytes(buffer[start:start + length])))
        pos = start + length
    del buffer[:pos]
    return frames


class Viewer:
    """One screen that must miss nothing: its position in the feed and what it has seen."""

    __slots__ = ("epoch", "position", "reconnects", "resets", "seen")

    def __init__(self) -> None:
        self.position: int | None = None  # the highest seq received, `subscribed` included
        self.epoch: str | None = None
        self.seen: set[tuple[str, int]] = set()
        self.reconnects = 0
        self.resets = 0

    def subscribe(self) -> bytes:
        """Where to go on from after a disconnection (docs/protocol.md, "Resuming")."""
        if self.position is None:
            return SUBSCRIBE
        return orjson.dumps({"op": "subscribe", "channels": ["results"],
                             "since": self.position, "epoch": self.epoch})

    def message(self, data: bytes) -> None:
        message = orjson.loads(data)
        kind = message.get("type")
        if kind == "reset":
            self.resets += 1
        if isinstance(message.get("seq"), int):
            self.position = max(self.position or 0, message["seq"])
        if kind == "subscribed":
            self.epoch = message["epoch"]
        elif kind == "result":
            self.seen.add((message["data"]["event"]["id"], message["data"]["revision"]))


class ViewerConnection(asyncio.Protocol):
    def __init__(self, viewer: Viewer, request: bytes, opened: asyncio.Future[None],
                 closed: asyncio.Future[None]) -> None:
        self.viewer, self.request, self.opened, self.closed = viewer, request, opened, closed
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        if not self.opened.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(bytes(self.buffer[:end]).decode()))
                self.transport.close()
                return
            del self.buffer[:end + 4]
            self.transport.write(client_frame(0x1, self.viewer.subscribe()))
            self.opened.set_result(None)
        for opcode, payload in frames_in(self.buffer):
            if opcode == 0x1:
                self.viewer.message(payload)
            elif opcode == 0x9:
                self.transport.write(client_frame(0xA, payload))
            elif opcode == 0x8:
                self.transport.close()


def _same(connection: ViewerConnection) -> ViewerConnection:
    return connection


class Resumers:
    """Viewers that connect again whenever they are disconnected (after a random wait of up
    to RECONNECT_SPREAD_S, as screens do) and resume with `since`, for bench.scale."""

    def __init__(self, url: str, protocol: str) -> None:
        self.host, self.port, self.request = upgrade_request(url)
        self.viewers: list[Viewer] = []
        self.open = 0
        self.failed_attempts = 0
        self.watchers: list[asyncio.Task[None]] = []

    async def open_one(self) -> None:
        first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        viewer = Viewer()
        self.viewers.append(viewer)
        self.watchers.append(asyncio.create_task(self.watch(viewer, first)))
        await first

    async def watch(self, viewer: Viewer, first: asyncio.Future[None]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            opened: asyncio.Future[None] = loop.create_future()
            closed: asyncio.Future[None] = loop.create_future()
            connection = ViewerConnection(viewer, self.request, opened, closed)
            try:
                await loop.create_connection(functools.partial(_same, connection), self.host,
                                             self.port)
                await asyncio.wait_for(opened, HANDSHAKE_TIMEOUT_S)
            except (OSError, TimeoutError) as error:
                self.failed_attempts += 1
                if not first.done() and self.failed_attempts > FIRST_TRIES * len(self.viewers):
                    first.set_exception(error)
                    return
            else:
                if first.done():
                    viewer.reconnects += 1
                else:
                    first.set_result(None)
                self.open += 1
                await closed
                self.open -= 1
            await asyncio.sleep(random.uniform(0, RECONNECT_SPREAD_S))

    async def command(self, op: str, request: dict[str, Any]) -> dict[str, Any]:
        if op == "connect":
            return await connect_many(self.open_one, int(request["count"]))
        if op == "missing":
            keys = {(event_id, revision) for event_id, revision in request["keys"]}
            short = [len(keys - viewer.seen) for viewer in self.viewers]
            return {"viewers": len(self.viewers), "open": self.open,
                    "incomplete": sum(1 for n in short if n), "missing": sum(short),
                    "reconnects": sum(v.reconnects for v in self.viewers),
                    "resets": sum(v.resets for v in self.viewers),
                    "failed_attempts": self.failed_attempts}
        raise ValueError(f"resumers do not know {op!r}")


async def connect_many(open_one: Callable[[], Awaitable[None]], count: int) -> dict[str, Any]:
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    failures: list[str] = []

    async def one() -> None:
        async with gate:
            try:
                await asyncio.wait_for(open_one(), HANDSHAKE_TIMEOUT_S)
            except (OSError, TimeoutError) as error:
                failures.append(repr(error))

    await asyncio.gather(*(one() for _ in range(count)))
    return {"connected": count - len(failures), "failures": failures[:3],
            "failed": len(failures)}


async def serve(kind: str, url: str, max_seconds: float, protocol: str) -> None:
    kinds: dict[str, type[Sinks | Probes | Hostiles | Resumers]] = {
        "sink": Sinks, "probe": Probes, "hostile": Hostiles, "resumer": Resumers}
    audience = kinds[kind](url, protocol)
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    async with asyncio.timeout(max_seconds):
        while line := await commands.readline():
            request = orjson.loads(line)
            answer = await audience.command(request["op"], request)
            sys.stdout.buffer.write(orjson.dumps(answer) + b"\n")
            sys.stdout.buffer.flush()


def main() -> None:
    kind, url, max_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    protocol = sys.argv[4] if len(sys.argv) > 4 else "podium"
    # uvloop: the sinks' share of the two cores is CPU the servers under test do not get.
    with contextlib.suppress(TimeoutError):
        uvloop.run(serve(kind, url, max_seconds, protocol))


if __name__ == "__main__":
    main()
