"""The live protocol whatever carries it (WebSocket or SSE): requests, subscriptions,
resuming with `since`, and resets when `since` cannot be honoured.

A subscription goes live in one synchronous step (replay from memory, snapshots, then the
subscriber joins the channels), so no message can fall between the replay and the live
stream. Only a resume that needs PostgreSQL or a replica still catching up awaits first.
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
from services.broadcast.metrics import BYTES_SENT, MESSAGES_SENT, RESUMES
from services.broadcast.outgoing import Outgoing
from shared.adapters.web import Readiness
from shared.contract.channels import RESULTS

# A media resume from PostgreSQL sends at most this many messages; a whole games has
# about 2 per result revision (~500), so only a foreign `since` can reach it.
MAX_DATABASE_REPLAY = 20_000

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
        return self.subscribe(subscriber, channels, since)

    # --- subscriptions ------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, channels: Sequence[str],
                  since: int | None) -> Work | None:
        """The `result` messages after `since`, snapshots of tables (and, without `since`,
        of events), `subscribed`, then live; returns what is left to await, if anything."""
        new = [channel for channel in dict.fromkeys(channels)
               if channel not in subscriber.channels]
        if all(self.hub.is_table(channel) for channel in new):
            since = None  # tables are never replayed: a snapshot is the whole truth
        if since is not None and not (self.hub.recent_floor <= since <= self.hub.last_seq):
            return self._resume(subscriber, new, since)
        self._go_live(subscriber, new, since)
        return None

    def disconnect(self, subscriber: Subscriber) -> None:
        self.hub.disconnect(subscriber)

    def _go_live(self, subscriber: Subscriber, channels: list[str], since: int | None) -> None:
        hub = self.hub
        if since is not None:
            wanted = {channel for channel in channels if not hub.is_table(channel)}
            _send_all(subscriber,
                      [m for m in hub.recent_after(since) if m.channel in wanted])
            RESUMES.labels("memory").inc()
        for channel in channels:
            if hub.is_table(channel) or (since is None and channel != RESULTS):
                hub.send_snapshot(subscriber, channel)
        self._live(subscriber, channels)

    def _live(self, subscriber: Subscriber, channels: list[str]) -> None:
        """Joins the channels and says so with the seq it is live from: everything up to
        it is sent, so it is a safe `since` even for a channel that sent nothing."""
        self.hub.subscribe(subscriber, channels)
        seq = self.hub.last_seq
        subscriber.send_control("subscribed", outgoing.subscribed(channels, seq), seq)

    async def _resume(self, subscriber: Subscriber, channels: list[str], since: int) -> None:
        hub = self.hub
        if since > hub.last_seq and not await hub.reached(since, self.settings.since_ahead_wait_s):
            self._reset(subscriber, channels, "since_ahead",
                        f"since {since} is ahead of this server's feed (last seq"
                        f" {hub.last_seq}): it comes from another games or server")
            return
        replayed = [channel for channel in channels if not hub.is_table(channel)]
        cursor = since
        sent = 0
        while cursor < hub.recent_floor:
            if not subscriber.access.replay_from_database:
                self._reset(subscriber, channels, "since_too_old",
                            f"since {since} is older than the {hub.recent.maxlen} result"
                            f" messages kept for public resumes (from seq {hub.recent_floor});"
                            " a media key resumes from the whole games")
                return
            upto = hub.recent_floor
            older = await self.history.results(cursor, upto, replayed, MAX_DATABASE_REPLAY + 1)
            sent += len(older)
            if sent > MAX_DATABASE_REPLAY:
                self._reset(subscriber, channels, "since_too_old",
                            f"more than {MAX_DATABASE_REPLAY} messages since {since}")
                return
            _send_all(subscriber, older)
            RESUMES.labels("database").inc()
            cursor = upto
        # Nothing awaits from here on: the rest comes from memory, then live.
        self._go_live(subscriber, channels, cursor)

    def _reset(self, subscriber: Subscriber, channels: list[str], reason: str,
               detail: str) -> None:
        """`since` cannot be honoured: say so, then send the channels' state afresh."""
        hub = self.hub
        subscriber.send_control("reset", outgoing.reset(reason, detail, hub.last_seq, channels))
        for channel in channels:
            if channel == RESULTS:
                _send_all(subscriber, hub.result_snapshots())
            else:
                hub.send_snapshot(subscriber, channel)
        self._live(subscriber, channels)
        RESUMES.labels(reason).inc()


def _send_all(subscriber: Subscriber, messages: Sequence[Outgoing]) -> None:
    for message in messages:
        subscriber.send(message)
    if messages:
        MESSAGES_SENT.labels(messages[0].type).inc(len(messages))
        BYTES_SENT.inc(sum(len(message.frame) for message in messages))


def _error(subscriber: Subscriber, code: str, detail: str) -> None:
    subscriber.send_control("error", outgoing.error(code, detail))
