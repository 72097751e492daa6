"""Server-Sent Events `/v1/sse?channels=...`: the live stream for consumers that cannot hold
a WebSocket. Same messages, same snapshots and resumes; `Last-Event-ID` is the `since`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from services.broadcast.access import Access, is_seq, key_from
from services.broadcast.hub import Subscriber
from services.broadcast.keys import unavailable
from services.broadcast.live import Live
from services.broadcast.metrics import CONNECTIONS, LAGGING_CLOSED
from services.broadcast.outgoing import Outgoing
from shared.adapters.db import DATABASE_DOWN
from shared.adapters.web import ProblemError

# A comment line this often keeps proxies from timing the stream out and makes a write
# fail on a connection whose peer is gone.
KEEPALIVE_S = 15.0
RETRY_MS = 2000  # how long EventSource waits before reconnecting


class SseStream(Subscriber):
    def __init__(self, live: Live, access: Access, open_streams: set[SseStream]) -> None:
        self.live = live
        self.access = access
        self._open_streams = open_streams
        self.channels: set[str] = set()
        # The `id:` of every event is the highest seq sent so far, so the browser's
        # Last-Event-ID is always a safe `since` (a coalesced table update may come late).
        self.position = 0
        self._settled = True  # False from a reset until the `subscribed` that ends it
        self.ended = False
        self._chunks: list[bytes] = []
        self._size = 0  # bytes not yet handed to the server
        self._budget = access.buffer_bytes  # raised while a replay waits, as for WebSockets
        self._wake = asyncio.Event()

    def deliver(self, message: Outgoing) -> None:
        if self.ended:
            return
        self._event(message.type, message.payload, message.seq)
        if self._size > self._budget:
            # The reader is too slow: drop what waits and end; it resumes from the last
            # event it did read.
            LAGGING_CLOSED.inc()
            self._chunks.clear()
            self.end()

    def send(self, message: Outgoing) -> None:
        self._event(message.type, message.payload, message.seq)
        self._budget = max(self._budget, self._size + self.access.buffer_bytes)

    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        if type_ == "reset":
            # Until the `subscribed` that ends the reset, a break must resume from before
            # it, or the fresh snapshots in between would be lost: no ids meanwhile.
            self._settled = False
        elif type_ == "subscribed":
            self._settled = True
        self._event(type_, payload, seq)

    def _event(self, type_: str, payload: bytes, seq: int | None) -> None:
        if seq is None or not self._settled:
            self._add(b"event: %s\ndata: %s\n\n" % (type_.encode(), payload))
        else:
            self.position = max(self.position, seq)
            self._add(b"id: %d\nevent: %s\ndata: %s\n\n" % (self.position, type_.encode(), payload))

    def _add(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)
        self._wake.set()

    def end(self) -> None:
        self.ended = True
        self.live.disconnect(self)
        self._wake.set()

    async def events(self, channels: list[str], since: int | None) -> AsyncIterator[bytes]:
        CONNECTIONS.labels("sse", self.access.name).inc()
        self._open_streams.add(self)
        try:
            yield b"retry: %d\n\n" % RETRY_MS
            work = self.live.subscribe(self, channels, since)
            if work is not None:
                try:
                    await work
                except DATABASE_DOWN:
                    return  # the client reconnects with Last-Event-ID and tries again
            while True:
                if self._chunks:
                    chunk = b"".join(self._chunks)
                    self._chunks.clear()
                    self._size = 0
                    self._budget = self.access.buffer_bytes
                    yield chunk
                elif self.ended:
                    return
                else:
                    self._wake.clear()
                    try:
                        async with asyncio.timeout(KEEPALIVE_S):
                            await self._wake.wait()
                    except TimeoutError:
                        yield b": keepalive\n\n"
        finally:
            self.end()
            self._open_streams.discard(self)
            CONNECTIONS.labels("sse", self.access.name).dec()


class SseEndpoint:
    def __init__(self, live: Live) -> None:
        self.live = live
        self._streams: set[SseStream] = set()

    def shutdown(self) -> None:
        """Ends every stream, so the server can stop; clients reconnect with Last-Event-ID."""
        for stream in list(self._streams):
            stream.end()

    async def handle(self, request: Request) -> Response:
        live = self.live
        if not live.ready:
            raise unavailable("the live feed is loading")
        access = await live.keys.access(
            key_from(request.query_params.get("key"), request.headers.get("authorization"))
        )
        channels = list(dict.fromkeys(
            c for c in request.query_params.get("channels", "").split(",") if c
        ))
        since = request.headers.get("last-event-id") or request.query_params.get("since")
        stream = SseStream(live, access, self._streams)
        if not channels:
            raise ProblemError(400, "name the channels, e.g. ?channels=medals:all,results")
        if unknown := live.unknown_channels(channels):
            raise ProblemError(400, f"unknown channel(s): {', '.join(unknown)}")
        if not live.room_for(stream, channels):
            raise ProblemError(400, f"at most {access.max_channels} channels per stream (a"
                                    " media key allows more)")
        if since is not None and not is_seq(since):
            raise ProblemError(400, "Last-Event-ID (or since) must be a non-negative integer"
                                    " seq")
        return StreamingResponse(
            stream.events(channels, None if since is None else int(since)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
