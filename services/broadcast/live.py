"""The live protocol whatever carries it (WebSocket or SSE): requests, subscriptions,
resuming with `since`, and resets when `since` cannot be honoured.

A small subscription goes live in one synchronous step (replay from memory, snapshots, then
the subscriber joins the channels), so no message can fall between the replay and the live
stream. A larger one (a long replay, a reset's snapshot of every event, a resume from
PostgreSQL) goes out in slices, each waiting until the connection has read the previous
ones: no connection holds the loop for long, and none holds more than its budget and one
slice. Whatever a channel replays, it joins in the same step as the replay's last slice.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any

import orjson

from services.broadcast import outgoing
from services.broadcast.access import MAX_SEQ
from services.broadcast.config import LiveSettings
from services.broadcast.history import History
from services.broadcast.hub import Hub, Subscriber
from services.broadcast.keys import MediaKeys
from services.broadcast.limits import ConnectionsPerAddress
from services.broadcast.metrics import BYTES_SENT, MESSAGES_SENT, RESUMES
from services.broadcast.outgoing import Outgoing
from shared.adapters.web import Readiness
from shared.contract.channels import RESULTS
from shared.contract.documents import LARGEST_RESULT_BYTES

# A media resume from PostgreSQL sends at most this many messages; a whole games has
# about 2 per result revision (~500), so only a foreign `since` can reach it.
MAX_DATABASE_REPLAY = 20_000
DATABASE_PAGE = 500  # messages read from PostgreSQL at a time for a media resume
# What one step of a subscription sends at most: 64 prebuilt frames are ~0.5 ms of writes
# (docs/benchmarks.md: ~8 µs a write), and a slice stops once it passes SLICE_BYTES.
SLICE_MESSAGES = 64
SLICE_BYTES = 64 * 1024
# How far asked-for messages may take a connection beyond its budget: a slice is only sent
# while the connection is within its budget, and passes SLICE_BYTES by one message at most.
# A connection found beyond budget + this is closed as lagging, replays included.
REPLAY_ALLOWANCE_BYTES = SLICE_BYTES + LARGEST_RESULT_BYTES
MAX_EPOCH_LENGTH = 64

Work = Coroutine[Any, Any, None]


class BadRequest(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class Live:
    def __init__(
        self, hub: Hub, history: History, keys: MediaKeys, settings: LiveSettings,
        readiness: Readiness,
    ) -> None:
        self.hub = hub
        self.history = history
        self.keys = keys
        self.settings = settings
        self.connections = ConnectionsPerAddress(settings.max_connections_per_address)
        self._readiness = readiness

    @property
    def ready(self) -> bool:
        return self._readiness.conditions.get("state", False)

    def unknown_channels(self, channels: Sequence[str]) -> list[str]:
        return [channel for channel in channels if not self.hub.is_channel(channel)]

    def room_for(self, subscriber: Subscriber, channels: Sequence[str]) -> bool:
        new = set(channels) - subscriber.channels
        return len(subscriber.channels) + len(new) <= subscriber.access.max_channels

    # --- requests (WebSocket) -----------------------------------------------------------

    def handle_request(self, subscriber: Subscriber, raw: bytes) -> Work | None:
        """Answers one client request; returns what is left to await, if anything."""
        try:
            return self._answer(subscriber, raw)
        except BadRequest as problem:
            _error(subscriber, problem.code, problem.detail)
            return None

    def _answer(self, subscriber: Subscriber, raw: bytes) -> Work | None:
        try:
            request: Any = orjson.loads(raw)
        except orjson.JSONDecodeError as problem:
            raise BadRequest("bad_json", f"the frame is not valid JSON: {problem}") from None
        if not isinstance(request, dict):
            raise BadRequest("bad_request", "a request is a JSON object with an 'op'")
        op = request.get("op")
        if op == "ping":
            subscriber.send_control("pong", outgoing.PONG)
            return None
        if op not in ("subscribe", "unsubscribe"):
            raise BadRequest("unknown_op",
                             f"unknown op {op!r}; expected subscribe, unsubscribe or ping")
        channels = request.get("channels")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise BadRequest("bad_request", "'channels' must be a list of strings")
        since = request.get("since")
        if since is not None and (not isinstance(since, int) or isinstance(since, bool)
                                  or not 0 <= since <= MAX_SEQ):
            raise BadRequest("bad_request", "'since' must be a non-negative integer seq")
        epoch = request.get("epoch")
        if epoch is not None and (not isinstance(epoch, str) or len(epoch) > MAX_EPOCH_LENGTH):
            raise BadRequest("bad_request", "'epoch' must be the string of a `subscribed`")
        unknown = self.unknown_channels(channels)
        if unknown:
            # The known ones still count: one typo must not leave a board blank.
            _error(subscriber, "unknown_channel", f"unknown channel(s): {', '.join(unknown)}")
            channels = [channel for channel in channels if channel not in unknown]
        if op == "unsubscribe":
            self.hub.unsubscribe(subscriber, channels)
            return None
        if not self.room_for(subscriber, channels):
            raise BadRequest("too_many_channels",
                             f"at most {subscriber.access.max_channels} channels per"
                             " connection (a media key allows more)")
        return self.subscribe(subscriber, channels, since, epoch)

    # --- subscriptions ------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, channels: Sequence[str],
                  since: int | None, epoch: str | None = None) -> Work | None:
        """The `result` messages after `since`, snapshots of tables (and, without `since`,
        of events), `subscribed`, then live; returns what is left to await, if anything.
        A `since` with the `epoch` of another feed (a restored or rebuilt database) resets."""
        hub = self.hub
        new = [channel for channel in dict.fromkeys(channels)
               if channel not in subscriber.channels]
        if all(hub.is_table(channel) for channel in new):
            since = None  # tables are never replayed: a snapshot is the whole truth
        if since is None:
            replay: list[Outgoing] = []
        elif ((epoch is None or epoch == hub.epoch)
              and hub.recent_floor <= since <= hub.last_seq):
            replay = self._replayed(new, hub.recent_after(since))
        else:
            return self._go_live_in_slices(subscriber, new, since, epoch)
        snapshots = [channel for channel in new if self._snapshotted(channel, since)]
        frames = [*replay, *(hub.snapshot(channel) for channel in snapshots)]
        if (len(frames) > SLICE_MESSAGES or sum(len(m.frame) for m in frames) > SLICE_BYTES
                or not subscriber.has_room()):
            return self._go_live_in_slices(subscriber, new, since, epoch)
        if since is not None:
            _send_all(subscriber, replay)
            RESUMES.labels("memory").inc()
        for channel in snapshots:
            hub.send_snapshot(subscriber, channel)
        hub.subscribe(subscriber, new)
        self._subscribed(subscriber, new)
        return None

    def disconnect(self, subscriber: Subscriber) -> None:
        self.hub.disconnect(subscriber)

    def _snapshotted(self, channel: str, since: int | None) -> bool:
        """Tables always start with a snapshot; events only when nothing is replayed."""
        return self.hub.is_table(channel) or (since is None and channel != RESULTS)

    def _replayed(self, channels: Sequence[str], messages: Sequence[Outgoing]
                  ) -> list[Outgoing]:
        wanted = {channel for channel in channels if not self.hub.is_table(channel)}
        return [message for message in messages if message.channel in wanted]

    def _subscribed(self, subscriber: Subscriber, channels: list[str]) -> None:
        """Says the channels are live from `seq`: everything up to it is sent, so it is a
        safe `since` even for a channel that sent nothing."""
        seq = self.hub.last_seq
        subscriber.send_control("subscribed", outgoing.subscribed(channels, seq, self.hub.epoch),
                                seq)

    async def _go_live_in_slices(self, subscriber: Subscriber, channels: list[str],
                                 since: int | None, epoch: str | None) -> None:
        hub = self.hub
        replayed = [] if since is None else [c for c in channels if not hub.is_table(c)]
        if since is not None:
            await self._replay(subscriber, channels, replayed, since, epoch)
            # Nothing was awaited since the replay's last slice: no message fell between.
            hub.subscribe(subscriber, replayed)
        for index, channel in enumerate(c for c in channels if c not in replayed):
            if index % SLICE_MESSAGES == 0 or not subscriber.has_room():
                await subscriber.wait_for_room()
            if self._snapshotted(channel, since):
                hub.send_snapshot(subscriber, channel)
            hub.subscribe(subscriber, [channel])  # with its snapshot: nothing falls between
        self._subscribed(subscriber, channels)

    async def _replay(self, subscriber: Subscriber, channels: list[str], replayed: list[str],
                      since: int, epoch: str | None) -> None:
        """The result messages of `replayed` after `since`, or a reset and those after it,
        from PostgreSQL (media), then from memory in slices; returns right after the last
        slice, so the caller joins the channels in the same step."""
        hub = self.hub
        cursor = since
        source = "memory"  # how the resume is served, for the metric ("": a reset)
        if epoch is not None and epoch != hub.epoch:
            source, cursor = "", await self._reset(
                subscriber, channels, "epoch_changed",
                f"since {since} is a seq of another feed (epoch {epoch}; this one is"
                f" {hub.epoch}): the database was restored or replaced")
        elif since > hub.last_seq and not await hub.reached(since,
                                                            self.settings.since_ahead_wait_s):
            source, cursor = "", await self._reset(
                subscriber, channels, "since_ahead",
                f"since {since} is ahead of this server's feed (last seq {hub.last_seq}): it"
                " comes from another games or server")
        from_database = 0
        while True:
            if cursor < hub.recent_floor:
                if not subscriber.access.replay_from_database:
                    cursor = await self._reset(
                        subscriber, channels, "since_too_old",
                        f"since {cursor} is older than the {hub.recent.maxlen} result messages"
                        f" kept for public resumes (from seq {hub.recent_floor}); a media key"
                        " resumes from the whole games")
                    source = ""
                    continue
                upto = hub.recent_floor
                older = await self.history.results(cursor, upto, replayed, DATABASE_PAGE)
                from_database += len(older)
                if from_database > MAX_DATABASE_REPLAY:
                    cursor = await self._reset(subscriber, channels, "since_too_old",
                                               f"more than {MAX_DATABASE_REPLAY} messages since"
                                               f" {since}")
                    source = ""
                    continue
                await self._send_in_slices(subscriber, older)
                source = "database"
                cursor = older[-1].seq if len(older) == DATABASE_PAGE else upto
                continue
            newer = hub.recent_after(cursor)
            step = _slice(newer)
            _send_all(subscriber, self._replayed(replayed, step))
            if len(step) == len(newer):
                if source:
                    RESUMES.labels(source).inc()
                return
            cursor = step[-1].seq
            await subscriber.wait_for_room()

    async def _reset(self, subscriber: Subscriber, channels: list[str], reason: str,
                     detail: str) -> int:
        """`since` cannot be honoured: says so and sends the state of the replayed channels
        afresh (the tables get theirs as any resume does); returns the seq they show."""
        hub = self.hub
        seq = hub.last_seq
        subscriber.send_control("reset", outgoing.reset(reason, detail, seq, channels,
                                                        hub.epoch))
        snapshots = [*(hub.result_snapshots() if RESULTS in channels else ()),
                     *(hub.snapshot(channel) for channel in channels
                       if channel != RESULTS and not hub.is_table(channel))]
        await self._send_in_slices(subscriber, snapshots)
        RESUMES.labels(reason).inc()
        return seq

    async def _send_in_slices(self, subscriber: Subscriber, messages: Sequence[Outgoing]
                              ) -> None:
        start = 0
        while start < len(messages):
            await subscriber.wait_for_room()
            step = _slice(messages[start:])
            _send_all(subscriber, step)
            start += len(step)


def _slice(messages: Sequence[Outgoing]) -> Sequence[Outgoing]:
    """The first messages, up to SLICE_MESSAGES, ending with the one that passes SLICE_BYTES."""
    size = 0
    for count, message in enumerate(messages[:SLICE_MESSAGES], start=1):
        size += len(message.frame)
        if size >= SLICE_BYTES:
            return messages[:count]
    return messages[:SLICE_MESSAGES]


def _send_all(subscriber: Subscriber, messages: Sequence[Outgoing]) -> None:
    if not messages:
        return
    subscriber.send_all(messages)
    MESSAGES_SENT.labels(messages[0].type).inc(len(messages))
    BYTES_SENT.inc(sum(len(message.frame) for message in messages))


def _error(subscriber: Subscriber, code: str, detail: str) -> None:
    subscriber.send_control("error", outgoing.error(code, detail))
