"""WebSocket `/v1/live` served straight on asyncio.

uvicorn hands every upgrade request to a `LiveConnection`, which speaks WebSocket with the
sans-I/O protocol of the `websockets` library (handshake, incoming frames, pings, closes)
and writes the hub's pre-built frames straight to its transport. No task or ASGI hop per
connection or per message: the frames a connection gets in one callback go out in one
`transport.write()` plus a buffer check (one write costs ~8 µs, the floor docs/benchmarks.md
measured), and an idle connection is this object, the protocol's parser and the transport.

A client cannot make the server queue more than its budget: while its output waits unread
(the transport paused writing) its requests are not read, it is handled at most
REQUESTS_PER_S requests a second, and asked-for messages (replays, snapshots, answers) close
it as lagging past the budget and a bounded allowance, like live ones past the budget.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, cast
from urllib.parse import parse_qs

import structlog
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from services.broadcast.access import Access, client_address, key_from
from services.broadcast.hub import Subscriber
from services.broadcast.limits import RETRY_AFTER_S, too_many, unavailable
from services.broadcast.live import REPLAY_ALLOWANCE_BYTES, Live, Work
from services.broadcast.metrics import CONNECTIONS, DEAD_CLOSED, LAGGING_CLOSED, THROTTLED
from services.broadcast.outgoing import Outgoing, error, text_frame
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.rates import TokenBucket
from shared.adapters.web import ProblemError

log = structlog.get_logger()

LIVE_PATH = "/v1/live"
MAX_MESSAGE_BYTES = 64 * 1024  # larger client messages close the connection with 1009
CLOSE_LAGGING = 4008  # fell behind its buffer budget: reconnect and resume with `since`
CLOSE_KEY_WITHDRAWN = 4401  # its media key was revoked or expired: do not reconnect with it
MAX_WAITING_REQUESTS = 32  # requests waiting their turn (see below); more closes with 1008
# Requests handled per connection: a board sends one `subscribe` and a ping every 4 s, so
# 10 a second (20 at once) is never reached by a client that is not attacking. Beyond it
# the connection is not read until its next request is due (nor while a resume is in
# progress or its output waits unread), and what it had sent already waits its turn.
REQUESTS_PER_S = 10.0
REQUEST_BURST = 20.0
# The kernel's send buffer per connection. Left to autotuning it grew to ~2 MiB for a client
# that stopped reading (measured: 127 results went out before the close for lagging); 64 KiB
# (the kernel doubles it) bounds that and is ample for a few KiB/s of updates.
SEND_BUFFER_BYTES = 64 * 1024
# Bytes joined into one write at most, below what the kernel takes (twice SEND_BUFFER_BYTES)
# and glibc's threshold for mapping a block of its own (128 KiB): a backlog joined whole was
# one write of ~220 KiB per connection after a burst of 100 results, each a fresh mapping
# and a copy of the rest into uvloop's buffer, and the burst's fan-out to 10,040 clients
# fell to ~100,000 deliveries/s at 14 µs of CPU each, 84 % of it in the join.
MAX_JOINED_BYTES = 96 * 1024
# What uvloop reads from a socket at once (its UV_STREAM_RECV_BUF_SIZE): the most a
# connection can have waiting unparsed, as it is not read again until that is handled.
READ_BYTES = 256_000
# What the protocol parses of a client's data at a time, and only while its requests can
# be handled: one read can bring ~4,500 requests of an attacker, and parsed at once they
# would cost the loop ~5 µs each whether or not they are ever handled. 512 bytes hold at
# most 25 pings, so ordinary requests never pass MAX_WAITING_REQUESTS.
PARSE_BYTES = 512
CLOSE_TIMEOUT_S = 10.0  # for the peer to finish a close handshake (a laggard reads its backlog)
SHUTDOWN_CLOSE_TIMEOUT_S = 2.0
# Pings go out in slices so that 10,000 connections never cost one long pause of the loop.
PING_SLICES = 10

_PING = Frame(Opcode.PING, b"").serialize(mask=False)
_BAD_FRAME = error("bad_frame", "send requests as JSON text frames, not binary")
# The protocol logs every open and close at INFO; thousands of screens make that noise.
_protocol_log = logging.getLogger("podium.broadcast.websocket")
_protocol_log.setLevel(logging.WARNING)


def most_held(access: Access) -> int:
    """The most one connection can make this process hold for it, however it behaves: its
    budget and the replay allowance unsent, one read of requests waiting, and a request
    being assembled (docs/protocol.md "Limits")."""
    return access.buffer_bytes + REPLAY_ALLOWANCE_BYTES + READ_BYTES + MAX_MESSAGE_BYTES


class LiveEndpoint:
    """The WebSocket side of the live server: the protocol class uvicorn instantiates for
    each upgrade request, the open connections and their keepalive pings."""

    def __init__(self, live: Live, replica_id: str, ping_interval_s: float) -> None:
        self.live = live
        self.replica_id = replica_id
        self.ping_interval_s = ping_interval_s
        self._slices: list[set[LiveConnection]] = [set() for _ in range(PING_SLICES)]
        self._counter = itertools.count()
        self._unwritten: list[LiveConnection] = []

    def write_soon(self, connection: LiveConnection) -> None:
        """Writes the connection's queued frames once the current callback ends.

        The follower applies a whole Kafka batch in one callback, so every frame a
        connection gets from it goes out in one `transport.write()`. The write, not the
        bytes, is the cost: joining 2 frames halved the CPU per frame, 8 cut it to a
        seventh (docs/benchmarks.md). A lone message waits for nothing: call_soon.
        """
        if not self._unwritten:
            asyncio.get_running_loop().call_soon(self._write_all)
        self._unwritten.append(connection)

    def _write_all(self) -> None:
        connections, self._unwritten = self._unwritten, []
        for connection in connections:
            connection.write_queued()

    def protocol_class(self) -> type[asyncio.Protocol]:
        endpoint = self

        class EndpointConnection(LiveConnection):
            __slots__ = ()

            # The keyword arguments uvicorn passes to a WebSocket protocol class.
            def __init__(self, config: object, server_state: Any, app_state: object,
                         _loop: object = None) -> None:
                super().__init__(endpoint, server_state.connections)

        return EndpointConnection

    def connections(self) -> Iterable[LiveConnection]:
        """Every open connection."""
        for ping_slice in self._slices:
            yield from ping_slice

    def opened(self, connection: LiveConnection) -> set[LiveConnection]:
        CONNECTIONS.labels("websocket", connection.access.name).inc()
        ping_slice = self._slices[next(self._counter) % PING_SLICES]
        ping_slice.add(connection)
        return ping_slice

    def closed(self, connection: LiveConnection, ping_slice: set[LiveConnection]) -> None:
        CONNECTIONS.labels("websocket", connection.access.name).dec()
        ping_slice.discard(connection)

    async def keep_alive(self) -> None:
        """Pings every connection once per interval; one that answered nothing to the
        previous ping is dropped (its peer is gone without a TCP close)."""
        for tick in itertools.count():
            await asyncio.sleep(self.ping_interval_s / PING_SLICES)
            for connection in list(self._slices[tick % PING_SLICES]):
                connection.keepalive()


class LiveConnection(asyncio.Protocol, Subscriber):
    __slots__ = ("_address", "_budget", "_busy", "_close_timer", "_endpoint", "_fragments",
                 "_open", "_output_paused", "_ping_slice", "_queued", "_queued_bytes",
                 "_requests", "_room", "_server_connections", "_throttle", "_transport",
                 "_unread", "_unread_at", "_waiting", "_ws", "access", "channels", "heard_from")

    _transport: asyncio.Transport

    def __init__(self, endpoint: LiveEndpoint, server_connections: set[Any]) -> None:
        self._endpoint = endpoint
        self._server_connections = server_connections
        self._ws = ServerProtocol(max_size=MAX_MESSAGE_BYTES, logger=_protocol_log)
        self.access = endpoint.live.keys.public
        self.channels: set[str] = set()
        self._open = False  # from the handshake until either side starts closing
        self.heard_from = True  # received anything since the last ping
        self._fragments: tuple[Opcode, list[bytes]] | None = None
        self._busy: asyncio.Task[None] | None = None  # a key check or a resume in progress
        self._waiting: deque[bytes] = deque()  # requests that arrived meanwhile
        self._budget = 0  # bytes this process may hold unsent before the close for lagging
        self._close_timer: asyncio.TimerHandle | None = None
        self._ping_slice: set[LiveConnection] | None = None
        # Delivered frames not written yet: one frame as it is, several in a list (see
        # deliver).
        self._queued: bytes | list[bytes] | None = None
        self._queued_bytes = 0  # of _queued
        self._address: str | None = None  # counted against its cap from the handshake
        self._output_paused = False  # the transport holds more than the budget unsent
        self._room: asyncio.Event | None = None  # set when paused output has drained
        self._requests: TokenBucket | None = None  # from the handshake on
        self._throttle: asyncio.TimerHandle | None = None  # reading resumes when it fires
        self._unread = b""  # received, not parsed yet from _unread_at on
        self._unread_at = 0

    # --- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._server_connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.heard_from = True
        if self._unread_at < len(self._unread):
            data = self._unread[self._unread_at:] + data
        self._unread, self._unread_at = data, 0
        self._parse()

    def eof_received(self) -> None:
        rest = self._unread[self._unread_at:]
        self._unread, self._unread_at = b"", 0
        if rest:
            self._receive(rest)
        self._ws.receive_eof()
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._server_connections.discard(self)
        self._open = False
        # Unconditionally: a resume that finished after the close subscribed it again.
        self._endpoint.live.disconnect(self)
        for pending in (self._close_timer, self._busy, self._throttle):
            if pending is not None:
                pending.cancel()
        if self._ping_slice is not None:
            self._endpoint.closed(self, self._ping_slice)
            self._ping_slice = None
        self._release_address()

    def pause_writing(self) -> None:
        # The client does not read what it has: it gets no more by asking until it does.
        self._output_paused = True
        self._update_reading()

    def resume_writing(self) -> None:
        # Drained, also after a replay that was allowed to exceed the budget.
        self._output_paused = False
        self._budget = self.access.buffer_bytes
        if self._room is not None:
            self._room.set()
        self._carry_on()

    def shutdown(self) -> None:
        """Called by uvicorn when the server stops."""
        if self._open:
            self._close(CloseCode.SERVICE_RESTART,
                        "server restarting: reconnect and resume with since",
                        SHUTDOWN_CLOSE_TIMEOUT_S)
        else:
            self._transport.abort()

    # --- Subscriber -------------------------------------------------------------------

    def deliver(self, message: Outgoing) -> None:
        if not self._open:
            return
        # The common case, one frame per connection and round, allocates nothing the
        # cyclic garbage collector tracks: a list per connection made every fan-out to
        # 10,000 promote thousands of short-lived lists, and the full collections that
        # followed paused the loop for 260-500 ms each (~400,000 objects scanned).
        queued = self._queued
        if queued is None:
            self._queued = message.frame
            self._queued_bytes = len(message.frame)
            self._endpoint.write_soon(self)
            return
        if isinstance(queued, bytes):
            self._queued = [queued, message.frame]
        else:
            queued.append(message.frame)
        self._queued_bytes += len(message.frame)
        if self._queued_bytes >= MAX_JOINED_BYTES:
            self.write_queued()  # the rest of the round queues anew

    def write_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued is None or not self._open:
            return
        transport = self._transport
        data = queued if isinstance(queued, bytes) else b"".join(queued)
        transport.write(data)
        # Lagging when what was unread before this write passes the budget: a message of
        # any size is admitted to a connection that keeps up (the kernel takes 128 KiB of
        # it at most, so a 300 KiB result would otherwise close every reader).
        if transport.get_write_buffer_size() > self._budget + len(data):
            self._lagging()

    def send(self, message: Outgoing) -> None:
        self.send_all((message,))

    def send_all(self, messages: Sequence[Outgoing]) -> None:
        self.write_queued()  # what was delivered before goes out before these
        if self._open and messages:
            self._write_asked(messages[0].frame if len(messages) == 1
                              else b"".join(message.frame for message in messages))

    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        self.write_queued()
        if self._open:
            self._write_asked(text_frame(payload))

    def has_room(self) -> bool:
        return self._transport.get_write_buffer_size() <= self.access.buffer_bytes

    async def wait_for_room(self) -> None:
        if self.has_room() or not self._open:
            await asyncio.sleep(0)
            return
        if self._room is None:
            self._room = asyncio.Event()
        self._room.clear()
        await self._room.wait()

    def _write_asked(self, data: bytes) -> None:
        """Asked-for data may take the buffer beyond the budget by REPLAY_ALLOWANCE_BYTES
        (live.py paces replays so that they never need more); live messages meanwhile may
        join it there until it drains."""
        transport = self._transport
        transport.write(data)
        limit = self.access.buffer_bytes + REPLAY_ALLOWANCE_BYTES
        buffered = transport.get_write_buffer_size()
        if buffered > limit:
            self._lagging()
        else:
            self._budget = min(max(self._budget, buffered), limit)

    def _lagging(self) -> None:
        LAGGING_CLOSED.inc()
        self._close(CLOSE_LAGGING, "lagging: reconnect and resume with since", CLOSE_TIMEOUT_S)

    def key_withdrawn(self) -> None:
        self._close(CLOSE_KEY_WITHDRAWN, "media key revoked or expired", CLOSE_TIMEOUT_S)

    def keepalive(self) -> None:
        if not self._open:
            return
        if not self.heard_from:
            DEAD_CLOSED.inc()
            self._transport.abort()
            return
        self.heard_from = False
        self._transport.write(_PING)

    # --- the handshake ------------------------------------------------------------------

    def _handshake(self, request: Request) -> None:
        path, _, query = request.path.partition("?")
        live = self._endpoint.live
        if path != LIVE_PATH:
            self._refuse(ProblemError(404, f"no WebSocket at {path}; the live feed is"
                                           f" {LIVE_PATH}"))
        elif not live.ready:
            self._refuse(unavailable("the live feed is loading"))
        else:
            settings = live.settings
            peer = self._transport.get_extra_info("peername")
            address = client_address(settings, peer[0] if peer else None,
                                     request.headers.get(settings.client_address_header))
            if not live.connections.open(address):
                self._refuse(too_many(f"more than {settings.max_connections_per_address}"
                                      f" live connections from {address}", RETRY_AFTER_S))
                return
            self._address = address
            key = key_from(parse_qs(query).get("key", [None])[0],
                           request.headers.get("Authorization"))
            if key is None:
                self._accept(request, live.keys.public)
            else:
                self._busy = asyncio.get_running_loop().create_task(
                    self._accept_with_key(request, key, address)
                )

    async def _accept_with_key(self, request: Request, key: str, address: str) -> None:
        try:
            access = await self._endpoint.live.keys.access(key, address)
        except ProblemError as refusal:
            self._refuse(refusal)
            return
        finally:
            self._busy = None
        self._accept(request, access)
        self._parse()  # what the client sent after its handshake waited for the answer

    def _refuse(self, refusal: ProblemError) -> None:
        self._release_address()  # its place is free at once, not when the peer has gone
        response = self._ws.reject(refusal.status, refusal.detail + "\n")
        response.headers.update(refusal.headers)
        self._respond(response)

    def _release_address(self) -> None:
        if self._address is not None:
            self._endpoint.live.connections.close(self._address)
            self._address = None

    def _accept(self, request: Request, access: Access) -> None:
        response = self._ws.accept(request)
        if response.status_code == 101:
            # Tells a client (and a test) which replica serves it when several share a port.
            response.headers["Podium-Replica"] = self._endpoint.replica_id
        self._respond(response)
        if self._ws.state is not State.OPEN:
            return
        self.access = access
        self._budget = access.buffer_bytes
        self._requests = TokenBucket(REQUESTS_PER_S, REQUEST_BURST, time.monotonic())
        self._transport.set_write_buffer_limits(high=access.buffer_bytes)
        sock = self._transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self._open = True
        self._ping_slice = self._endpoint.opened(self)

    def _respond(self, response: Response) -> None:
        self._ws.send_response(response)
        self._flush()

    # --- frames and requests ------------------------------------------------------------

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._message(opcode, bytes(frame.data))
            else:
                self._fragments = (opcode, [bytes(frame.data)])
        elif opcode is Opcode.CONT and self._fragments is not None:
            self._fragments[1].append(bytes(frame.data))
            if frame.fin:
                kind, parts = self._fragments
                self._fragments = None
                self._message(kind, b"".join(parts))
        elif opcode is Opcode.CLOSE:
            self._stop()  # the protocol has answered it already
        # Pings are answered by the protocol; pongs only prove the peer alive.

    def _message(self, opcode: Opcode, data: bytes) -> None:
        if opcode is Opcode.BINARY:
            self.send_control("error", _BAD_FRAME)
        else:
            self._request(data)

    def _request(self, raw: bytes) -> None:
        if len(self._waiting) >= MAX_WAITING_REQUESTS:
            self._close(CloseCode.POLICY_VIOLATION, "too many requests waiting",
                        CLOSE_TIMEOUT_S)
            return
        self._waiting.append(raw)
        self._handle_waiting()

    def _held(self) -> bool:
        """Whether the client's requests must wait: a key check or a resume in progress,
        its output unread, or its request rate spent."""
        return (self._busy is not None or self._output_paused or self._throttle is not None
                or bool(self._waiting))

    def _parse(self) -> None:
        """Hands the protocol what the client sent, PARSE_BYTES at a time while its
        requests can be handled; the rest waits unparsed, and the socket unread."""
        while self._unread_at < len(self._unread) and not self._held():
            chunk = self._unread[self._unread_at:self._unread_at + PARSE_BYTES]
            self._unread_at += len(chunk)
            self._receive(chunk)
        if self._unread_at >= len(self._unread):
            self._unread, self._unread_at = b"", 0
        self._update_reading()

    def _receive(self, data: bytes) -> None:
        self._ws.receive_data(data)
        events = self._ws.events_received()
        self._flush()
        for event in events:
            if isinstance(event, Request):
                self._handshake(event)
            elif self._open:
                self._frame(cast(Frame, event))

    def _handle_waiting(self) -> None:
        """Handles the waiting requests in order while the connection may have more: none
        while a resume is in progress or its output waits unread, and at most
        REQUESTS_PER_S (then it is not read until the next one is due)."""
        loop = asyncio.get_running_loop()
        while (self._waiting and self._open and self._busy is None and not self._output_paused
               and self._throttle is None):
            assert self._requests is not None
            now = time.monotonic()
            if not self._requests.take(now):
                THROTTLED.inc()
                self._throttle = loop.call_later(self._requests.wait_s(now), self._unthrottle)
                return
            work = self._endpoint.live.handle_request(self, self._waiting.popleft())
            if work is not None:
                self._busy = loop.create_task(self._finish(work))

    def _carry_on(self) -> None:
        """What held the requests back is gone: the waiting ones, then the unparsed."""
        self._handle_waiting()
        self._parse()

    def _unthrottle(self) -> None:
        self._throttle = None
        self._carry_on()

    def _update_reading(self) -> None:
        """Reads the socket only while nothing received waits, so a client that sends
        faster than it is served fills its own buffers, not this process."""
        if self._transport.is_closing():
            return
        if self._held() or self._unread:
            self._transport.pause_reading()
        else:
            self._transport.resume_reading()

    async def _finish(self, work: Work) -> None:
        try:
            await work
        except DATABASE_DOWN as problem:
            log.warning("a resume failed", error=repr(problem))
            self._close(CloseCode.TRY_AGAIN_LATER,
                        "the history is unavailable: reconnect and resume with since",
                        CLOSE_TIMEOUT_S)
            return
        self._busy = None
        self._carry_on()

    # --- closing ------------------------------------------------------------------------

    def _stop(self) -> None:
        """No more messages: the connection is closing."""
        if self._open:
            self._open = False
            self._endpoint.live.disconnect(self)
            self._waiting.clear()  # never handled now; the peer's close must be read

    def _close(self, code: int, reason: str, timeout: float) -> None:
        if not self._open:
            return
        self._stop()
        self._close_timer = asyncio.get_running_loop().call_later(
            timeout, self._transport.abort
        )
        self._ws.send_close(code, reason)
        self._flush()

    def _flush(self) -> None:
        """Writes what the protocol has to send; b"" means the TCP side should end."""
        if self._transport.is_closing():
            return
        for data in self._ws.data_to_send():
            if data:
                self._transport.write(data)
            elif self._transport.can_write_eof():
                # Half-close, as `websockets` does: the peer still reads our close frame
                # even when it had more data on the way to us.
                self._transport.write_eof()
            else:
                self._transport.close()
        if self._ws.close_expected() and self._close_timer is None:
            self._close_timer = asyncio.get_running_loop().call_later(
                CLOSE_TIMEOUT_S, self._transport.abort
            )
