"""The live hub: the current tables, who subscribes to what, and the fan-out.

Each message is encoded once per channel and the same text is queued for every
subscriber; one writer task per connection drains its queue, so a slow client
never holds up the others.
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from typing import Any

import orjson
from prometheus_client import Counter, Gauge
from starlette.websockets import WebSocket, WebSocketDisconnect

from shared.domain.games import Games

CONNECTIONS = Gauge("podium_broadcast_connections", "Open WebSocket connections")
FRAMES_SENT = Counter("podium_broadcast_frames_total", "Frames sent to clients", ["type"])
LAGGING_CLOSED = Counter("podium_broadcast_lagging_closed_total", "Clients closed for lagging")

# Close code for a client whose queue overflowed; it should reconnect with `since`.
CLOSE_LAGGING = 4008
DEFAULT_QUEUE_LIMIT = 1000


def frame(channel: str, type_: str, seq: int, data: Any) -> str:
    return orjson.dumps({"channel": channel, "type": type_, "seq": seq, "data": data}).decode()


class Client:
    def __init__(self, websocket: WebSocket, queue_limit: int = DEFAULT_QUEUE_LIMIT) -> None:
        self.websocket = websocket
        self.channels: set[str] = set()
        self._queue: deque[str] = deque()
        self._queue_limit = queue_limit
        self._ready = asyncio.Event()
        self._held: list[tuple[str, str, int, str]] | None = None
        self.closed = False

    def hold(self) -> None:
        """Buffers live messages while a replay is being fetched."""
        self._held = []

    def release(self, drop_updates_for: set[str]) -> int:
        """Queues what was held, except table updates a snapshot will supersede.
        Returns the last seq released (0 if none)."""
        held, self._held = self._held or [], None
        last = 0
        for channel, type_, seq, text in held:
            if type_ == "update" and channel in drop_updates_for:
                continue
            self.send_text(text)
            last = seq
        return last

    def deliver(self, channel: str, type_: str, seq: int, text: str) -> None:
        if self._held is not None:
            self._held.append((channel, type_, seq, text))
        else:
            self.send_text(text)

    def send_text(self, text: str) -> None:
        if self.closed:
            return
        if len(self._queue) >= self._queue_limit:
            LAGGING_CLOSED.inc()
            self.closed = True
            self._queue.clear()
            self._queue.append("")  # the writer's signal to close
        else:
            self._queue.append(text)
        self._ready.set()

    async def write_loop(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                text = self._queue.popleft()
                if not text:
                    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                        await self.websocket.close(CLOSE_LAGGING, "lagging: resume with since")
                    return
                await self.websocket.send_text(text)


class Hub:
    def __init__(self, games: Games) -> None:
        self.games = games
        self.tables: dict[str, dict[str, Any]] = {}
        self.last_seq = 0
        self._subscribers: dict[str, set[Client]] = {}
        self.clients: set[Client] = set()
        self._event_channels = {f"event:{event.id}" for event in games.events}

    def is_channel(self, channel: str) -> bool:
        return (
            channel in self.tables or channel == "results" or channel in self._event_channels
        )

    def is_table(self, channel: str) -> bool:
        return channel in self.tables

    def load(self, tables: dict[str, dict[str, Any]], last_seq: int) -> None:
        self.tables = dict(tables)
        self.last_seq = last_seq

    def connect(self, client: Client) -> None:
        self.clients.add(client)
        CONNECTIONS.set(len(self.clients))

    def disconnect(self, client: Client) -> None:
        self.clients.discard(client)
        for channel in client.channels:
            self._subscribers.get(channel, set()).discard(client)
        client.channels.clear()
        CONNECTIONS.set(len(self.clients))

    def subscribe(self, client: Client, channels: Iterable[str]) -> None:
        for channel in channels:
            client.channels.add(channel)
            self._subscribers.setdefault(channel, set()).add(client)

    def unsubscribe(self, client: Client, channels: Iterable[str]) -> None:
        for channel in channels:
            client.channels.discard(channel)
            self._subscribers.get(channel, set()).discard(client)

    def snapshot(self, client: Client, channel: str) -> None:
        # A snapshot shows the state as of the last message applied, hence its seq.
        client.send_text(frame(channel, "snapshot", self.last_seq, self.tables[channel]))
        FRAMES_SENT.labels("snapshot").inc()

    def publish(self, seq: int, channel: str, type_: str, data: dict[str, Any]) -> None:
        """Applies one feed message (in seq order) and fans it out."""
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        if type_ == "update":
            self.tables[channel] = data
        subscribers = self._subscribers.get(channel)
        if not subscribers:
            return
        text = frame(channel, type_, seq, data)
        for client in subscribers:
            client.deliver(channel, type_, seq, text)
        FRAMES_SENT.labels(type_).inc(len(subscribers))
