"""Server-Sent Events `/v1/sse?channels=...`: the live stream for consumers that cannot hold
a WebSocket. Same messages, same snapshots and resumes; `Last-Event-ID` is the `since`.

What waits for the reader is this object's chunks; the response takes them all whenever
the server's buffer for the stream has drained (uvicorn awaits that), so the chunks are
what the reader has not kept up with, and the budget is checked on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from services.broadcast.access import Access, client_address, is_seq, key_from
from services.broadcast.hub import Subscriber
from services.broadcast.limits import RETRY_AFTER_S, too_many, unavailable
from services.broadcast.live import MAX_EPOCH_LENGTH, REPLAY_ALLOWANCE_BYTES, Live
from services.broadcast.metrics import CONNECTIONS, LAGGING_CLOSED
from services.broadcast.outgoing import Outgoing, error
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
        self._wake = asyncio.Event()  # something to send, or the end
        self._taken = asyncio.Event()  # the response took what waited

    def deliver(self, message: Outgoing) -> None:
        if self.ended:
            return
        # Lagging when what waited before this message passes the budget, so a message of
        # any size reaches a reader that keeps up.
        if self._size > self._budget:
            self._lagging()
            return
        self._event(message.type, message.payload, message.seq)

    def send(self, message: Outgoing) -> None:
        self.send_all((message,))

    def send_all(self, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            self._event(message.type, message.payload, message.seq)
        self._asked()

    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        if type_ == "reset":
            # Until the `subscribed` that ends the reset, a break must resume from before
            # it, or the fresh snapshots in between would be lost: no ids meanwhile.
            self._settled = False
        elif type_ == "subscribed":
            self._settled = True
        self._event(type_, payload, seq)
        self._asked()

    def has_room(self) -> bool:
        return self._size <= self.access.buffer_bytes

    async def wait_for_room(self) -> None:
        if self.has_room() or self.ended:
            await asyncio.sleep(0)
            return
        self._taken.clear()
        await self._taken.wait()

    def _asked(self) -> None:
        """Asked-for messages may pass the budget by REPLAY_ALLOWANCE_BYTES, as on WebSockets."""
        limit = self.access.buffer_bytes + REPLAY_ALLOWANCE_BYTES
        if self._size > limit:
            self._lagging()
        else:
            self._budget = min(max(self._budget, self._size), limit)

    def _lagging(self) -> None:
        # The reader is too slow: drop what waits and end; it resumes from the last event
        # it did read.
        LAGGING_CLOSED.inc()
        self._chunks.clear()
        self._size = 0
        self.end()

    def _event(self, type_: str, payload: bytes, seq: int | None) -> None:
        if self.ended:
            return
        if seq is None or not self._settled:
            self._add(b"event: %s\ndata: %s\n\n" % (type_.encode(), payload))
        else:
            self.position = max(self.position, seq)
            self._add(b"id: %d\nevent: %s\ndata: %s\n\n" % (self.position, type_.encode(), payload))

    def _add(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)
        self._wake.set()

    def key_withdrawn(self) -> None:
        """Its media key was revoked or expired: an `error` event, then the end."""
        self._event("error", error("key_withdrawn", "media key revoked or expired"), None)
        self.end()

    def end(self) -> None:
        self.ended = True
        self.live.disconnect(self)
        self._wake.set()
        self._taken.set()

    async def events(self, channels: list[str], since: int | None,
                     epoch: str | None) -> AsyncIterator[bytes]:
        CONNECTIONS.labels("sse", self.access.name).inc()
        self._open_streams.add(self)
        subscribing: asyncio.Task[None] | None = None
        try:
            yield b"retry: %d\n\n" % RETRY_MS
            work = self.live.subscribe(self, channels, since, epoch)
            if work is not None:
                # A replay in slices waits for this stream to be read: it runs beside it.
                subscribing = asyncio.get_running_loop().create_task(work)
                subscribing.add_done_callback(lambda _: self._wake.set())
            while True:
                if self._chunks:
                    chunk = b"".join(self._chunks)
                    self._chunks.clear()
                    self._size = 0
                    self._budget = self.access.buffer_bytes
                    self._taken.set()
                    yield chunk
                elif self.ended:
                    return
                elif subscribing is not None and subscribing.done():
                    if isinstance(subscribing.exception(), DATABASE_DOWN):
                        return  # the client reconnects with Last-Event-ID and tries again
                    subscribing.result()
                    subscribing = None
                else:
                    self._wake.clear()
                    try:
                        async with asyncio.timeout(KEEPALIVE_S):
                            await self._wake.wait()
                    except TimeoutError:
                        yield b": keepalive\n\n"
        finally:
            if subscribing is not None:
                subscribing.cancel()
            self.end()
            self._open_streams.discard(self)
            CONNECTIONS.labels("sse", self.access.name).dec()


class SseEndpoint:
    def __init__(self, live: Live) -> None:
        self.live = live
        self._streams: set[SseStream] = set()

    def streams(self) -> Iterable[SseStream]:
        """Every open stream."""
        return self._streams

    def shutdown(self) -> None:
        """Ends every stream, so the server can stop; clients reconnect with Last-Event-ID."""
        for stream in list(self._streams):
            stream.end()

    async def handle(self, request: Request) -> Response:
        live = self.live
        if not live.ready:
            raise unavailable("the live feed is loading")
        address = request_address(live, request)
        access = await live.keys.access(
            key_from(request.query_params.get("key"), request.headers.get("authorization")),
            address,
        )
        channels = list(dict.fromkeys(
            c for c in request.query_params.get("channels", "").split(",") if c
        ))
        since = request.headers.get("last-event-id") or request.query_params.get("since")
        epoch = request.query_params.get("epoch")
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
        if epoch is not None and len(epoch) > MAX_EPOCH_LENGTH:
            raise ProblemError(400, "epoch must be the `epoch` of a `subscribed` event")
        if not live.connections.open(address):
            raise too_many(f"more than {live.settings.max_connections_per_address} live"
                           f" connections from {address}", RETRY_AFTER_S)
        return _CountedStream(
            stream.events(channels, None if since is None else int(since), epoch),
            release=lambda: live.connections.close(address),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


def request_address(live: Live, request: Request) -> str:
    """The client address of an HTTP request (see access.client_address)."""
    settings = live.settings
    return client_address(settings, request.client.host if request.client else None,
                          request.headers.get(settings.client_address_header))


class _CountedStream(StreamingResponse):
    """A stream that gives back its place among its address's connections however it ends
    (its generator's own `finally` never runs if the client left before it started)."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None],
                 media_type: str, headers: dict[str, str]) -> None:
        super().__init__(content, media_type=media_type, headers=headers)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()
