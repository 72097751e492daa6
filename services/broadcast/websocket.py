"""WebSocket `/v1/live` served straight on asyncio.

uvicorn hands every upgrade request to a `LiveConnection`, which speaks WebSocket with the
sans-I/O protocol of the `websockets` library (handshake, incoming frames, pings, closes)
and writes the hub's pre-built frames straight to its transport. No task or ASGI hop per
connection or per message: the frames a connection gets in one callback go out in one
`transport.write()` plus a buffer check (one write costs ~8 µs, the floor docs/benchmarks.md
measured), and an idle connection is this object, the protocol's parser and the transport.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections import deque
from typing import Any, cast
from urllib.parse import parse_qs

import structlog
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from services.broadcast.access import Access, key_from
from services.broadcast.hub import Subscriber
from services.broadcast.live import Live, Work
from services.broadcast.metrics import CONNECTIONS, DEAD_CLOSED, LAGGING_CLOSED
from services.broadcast.outgoing import Outgoing, error, text_frame
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.web import ProblemError

log = structlog.get_logger()

LIVE_PATH = "/v1/live"
MAX_MESSAGE_BYTES = 64 * 1024  # larger client messages close the connection with 1009
CLOSE_LAGGING = 4008  # fell behind its buffer budget: reconnect and resume with `since`
MAX_WAITING_REQUESTS = 32  # requests queued behind a resume; more closes with 1008
# The kernel's send buffer per connection. Left to autotuning it grew to ~2 MiB for a client
# that stopped reading (measured: 127 results went out before the close for lagging); 64 KiB
# (the kernel doubles it) bounds that and is ample for a few KiB/s of updates.
SEND_BUFFER_BYTES = 64 * 1024
CLOSE_TIMEOUT_S = 10.0  # for the peer to finish a close handshake (a laggard reads its backlog)
SHUTDOWN_CLOSE_TIMEOUT_S = 2.0
# Pings go out in slices so that 10,000 connections never cost one long pause of the loop.
PING_SLICES = 10

_PING = Frame(Opcode.PING, b"").serialize(mask=False)
_BAD_FRAME = error("bad_frame", "send requests as JSON text frames, not binary")
# The protocol logs every open and close at INFO; thousands of screens make that noise.
_protocol_log = logging.getLogger("podium.broadcast.websocket")
_protocol_log.setLevel(logging.WARNING)


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
    __slots__ = ("_budget", "_busy", "_close_timer", "_endpoint", "_fragments", "_open",
                 "_ping_slice", "_queued", "_server_connections", "_transport", "_waiting",
                 "_ws", "access", "channels", "heard_from")

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
        self._queued: list[bytes] | None = None  # delivered frames not written yet

    # --- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._server_connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.heard_from = True
        self._ws.receive_data(data)
        events = self._ws.events_received()
        self._flush()
        for event in events:
            if isinstance(event, Request):
                self._handshake(event)
            elif self._open:
                self._frame(cast(Frame, event))

    def eof_received(self) -> None:
        self._ws.receive_eof()
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._server_connections.discard(self)
        self._open = False
        # Unconditionally: a resume that finished after the close subscribed it again.
        self._endpoint.live.disconnect(self)
        for pending in (self._close_timer, self._busy):
            if pending is not None:
                pending.cancel()
        if self._ping_slice is not None:
            self._endpoint.closed(self, self._ping_slice)
            self._ping_slice = None

    def resume_writing(self) -> None:
        # The buffer drained after a replay that was allowed to exceed the budget.
        self._budget = self.access.buffer_bytes

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
        if self._queued is None:
            self._queued = [message.frame]
            self._endpoint.write_soon(self)
        else:
            self._queued.append(message.frame)

    def write_queued(self) -> None:
        frames, self._queued = self._queued, None
        if not frames or not self._open:
            return
        transport = self._transport
        transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
        if transport.get_write_buffer_size() > self._budget:
            LAGGING_CLOSED.inc()
            self._close(CLOSE_LAGGING, "lagging: reconnect and resume with since",
                        CLOSE_TIMEOUT_S)

    def send(self, message: Outgoing) -> None:
        if not self._open:
            return
        self.write_queued()  # what was delivered before goes out before this
        if not self._open:
            return
        self._transport.write(message.frame)
        self._budget = max(self._budget,
                           self._transport.get_write_buffer_size() + self.access.buffer_bytes)

    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        self.write_queued()
        if self._open:
            self._transport.write(text_frame(payload))

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
            self._respond(self._ws.reject(404, f"no WebSocket at {path}; the live feed is"
                                               f" {LIVE_PATH}\n"))
        elif not live.ready:
            self._respond(_retry_later(self._ws, "the live feed is loading\n"))
        else:
            key = key_from(parse_qs(query).get("key", [None])[0],
                           request.headers.get("Authorization"))
            if key is None:
                self._accept(request, live.keys.public)
            else:
                self._transport.pause_reading()
                self._busy = asyncio.get_running_loop().create_task(
                    self._accept_with_key(request, key)
                )

    async def _accept_with_key(self, request: Request, key: str) -> None:
        try:
            access = await self._endpoint.live.keys.access(key)
        except ProblemError as refusal:
            text = refusal.detail + "\n"
            self._respond(_retry_later(self._ws, text) if refusal.status == 503
                          else self._ws.reject(refusal.status, text))
            return
        finally:
            self._busy = None
            self._transport.resume_reading()
        self._accept(request, access)

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
        if self._busy is not None:
            if len(self._waiting) >= MAX_WAITING_REQUESTS:
                self._close(CloseCode.POLICY_VIOLATION, "too many requests waiting",
                            CLOSE_TIMEOUT_S)
            else:
                self._waiting.append(raw)
            return
        work = self._endpoint.live.handle_request(self, raw)
        if work is not None:
            self._busy = asyncio.get_running_loop().create_task(self._finish(work))

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
        while self._waiting and self._busy is None and self._open:
            self._request(self._waiting.popleft())

    # --- closing ------------------------------------------------------------------------

    def _stop(self) -> None:
        """No more messages: the connection is closing."""
        if self._open:
            self._open = False
            self._endpoint.live.disconnect(self)

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


def _retry_later(ws: ServerProtocol, text: str) -> Response:
    response = ws.reject(503, text)
    response.headers["Retry-After"] = "2"
    return response
