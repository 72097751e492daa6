"""The live hub: the current state, who subscribes to what, and the fan-out.

Each feed message is encoded once (`Outgoing`) and the same bytes are handed to every
subscriber without awaiting any of them: a WebSocket subscriber writes them straight to its
transport, so a slow client costs the others nothing and only its own buffer grows (it is
closed past its budget). Table updates of one channel go out at most once per coalescing
window under a burst; the newest is always sent when the window ends. `result` messages
are never delayed or dropped, and the newest of them stay in memory for cheap resumes.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.broadcast.access import Access
from services.broadcast.metrics import (
    BYTES_SENT,
    COALESCED,
    END_TO_END,
    FAN_OUT,
    MESSAGES_SENT,
    SUBSCRIPTIONS,
)
from services.broadcast.outgoing import Outgoing
from services.broadcast.tournaments import tournament_document
from services.broadcast.units import Units
from shared.contract import channels
from shared.contract.documents import event_document
from shared.contract.messages import FeedMessage
from shared.domain.games import Games
from shared.domain.units import RANKING_PHASE


class Subscriber(ABC):
    """A live connection as the hub sees it: a WebSocket or a Server-Sent Events stream."""

    __slots__ = ()
    access: Access
    channels: set[str]

    @abstractmethod
    def deliver(self, message: Outgoing) -> None:
        """A live message, within the connection's buffer budget (the hot path)."""

    @abstractmethod
    def send(self, message: Outgoing) -> None:
        """A replayed message or a snapshot: asked for, so allowed beyond the budget by a
        bounded amount (services/broadcast/live.py REPLAY_ALLOWANCE_BYTES)."""

    @abstractmethod
    def send_control(self, type_: str, payload: bytes, seq: int | None = None) -> None:
        """A message of no channel: `subscribed` and `reset` (with the seq they stand at),
        `error`, `pong`."""

    def send_all(self, messages: Sequence[Outgoing]) -> None:
        """Several replayed messages or snapshots, in order (a transport writes them at once)."""
        for message in messages:
            self.send(message)

    def has_room(self) -> bool:
        """Whether what waits unread is within the connection's budget, so more asked-for
        messages may go out now."""
        return True

    async def wait_for_room(self) -> None:
        """Returns once `has_room`; yields to the other connections at least."""
        await asyncio.sleep(0)


@dataclass(frozen=True)
class HubState:
    """What a replica loads from PostgreSQL at start, all as of `last_seq`."""

    tables: dict[str, dict[str, Any]]
    documents: dict[str, tuple[int, dict[str, Any]]]  # "event:<id>" -> (seq, document)
    recent: list[Outgoing]  # the newest `result` messages, in seq order
    complete: bool  # True when `recent` holds every result message there is
    last_seq: int
    epoch: str = ""  # the feed's identity: seqs of another epoch are another feed's
    units: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit id -> its page


class Hub:
    def __init__(
        self,
        games: Games,
        *,
        replay_window: int,
        coalesce_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.games = games
        self.tables: dict[str, dict[str, Any]] = {}
        self.last_seq = 0
        self.epoch = ""
        # Every `result` message with a seq above `recent_floor` is in `recent`.
        self.recent: deque[Outgoing] = deque(maxlen=max(1, replay_window))
        self.recent_floor = 0
        self._documents: dict[str, tuple[int, dict[str, Any]]] = {}
        self._event_channels = {channels.event(event.id) for event in games.events}
        # Derived from the units' pages, never numbered themselves: a match's page is followed
        # by its event's tournament under the same seq (services/broadcast/tournaments.py).
        self._tournament_channels = {channels.tournament(event.id): event
                                     for event in games.events if event.tournament is not None}
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._audiences: dict[str, tuple[Subscriber, ...]] = {}
        self._snapshots: dict[str, Outgoing] = {}  # valid while last_seq stays
        self._result_snapshots: list[Outgoing] | None = None  # likewise
        self._coalesce_s = coalesce_s
        self._clock = clock
        self._last_update_at: dict[str, float] = {}
        self._pending: dict[str, Outgoing] = {}
        self._snapshotted_while_pending: dict[str, set[Subscriber]] = {}
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.units = Units(games)

    # --- state -------------------------------------------------------------------------

    def load(self, state: HubState) -> None:
        self.tables = dict(state.tables)
        self._documents = dict(state.documents)
        self.last_seq = state.last_seq
        self.epoch = state.epoch
        self.units.load(state.units)
        self.recent.clear()
        self.recent.extend(state.recent)
        if state.complete or not self.recent:
            self.recent_floor = 0
        else:
            self.recent_floor = self.recent[0].seq - 1
        self._forget_snapshots()

    def is_channel(self, channel: str) -> bool:
        return (channel in self.tables or channel == channels.RESULTS
                or channel in self._event_channels or self._is_unit_channel(channel)
                or channel in self._tournament_channels)

    def is_table(self, channel: str) -> bool:
        """A channel whose snapshot is its whole state (a table; v1.1 the schedule, a unit's
        page and a tournament): sent on every subscription, never replayed."""
        return (channel in self.tables or self._is_unit_channel(channel)
                or channel in self._tournament_channels)

    def _is_unit_channel(self, channel: str) -> bool:
        if channel == channels.SCHEDULE:
            return True
        unit_id = channels.unit_id_of(channel)
        return unit_id is not None and self.units.is_unit(unit_id)

    def recent_after(self, since: int) -> list[Outgoing]:
        """The `result` messages after `since`, which must not be below `recent_floor`."""
        newer: list[Outgoing] = []
        for message in reversed(self.recent):
            if message.seq <= since:
                break
            newer.append(message)
        newer.reverse()
        return newer

    def snapshot(self, channel: str) -> Outgoing:
        """The channel's current state as of `last_seq`: a table, or an event's document."""
        cached = self._snapshots.get(channel)
        if cached is None:
            cached = Outgoing.build(self.last_seq, channel, "snapshot", self.state_of(channel),
                                    self.epoch)
            self._snapshots[channel] = cached
        return cached

    def result_snapshots(self) -> list[Outgoing]:
        """The `results` channel's state: every event's latest result, oldest first. Built
        once per seq: a crowd reset at once (a restart) costs one encoding, not one each."""
        if self._result_snapshots is None:
            latest = sorted(self._documents.values(), key=lambda item: item[0])
            self._result_snapshots = [
                Outgoing.build(self.last_seq, channels.RESULTS, "snapshot", doc, self.epoch)
                for _, doc in latest]
        return self._result_snapshots

    def _forget_snapshots(self) -> None:
        self._snapshots.clear()
        self._result_snapshots = None

    def state_of(self, channel: str) -> dict[str, Any]:
        if channel in self.tables:
            return self.tables[channel]
        if channel == channels.SCHEDULE:
            return self.units.snapshot()
        unit_id = channels.unit_id_of(channel)
        if unit_id is not None:
            return self.unit_document(unit_id)
        played = self._tournament_channels.get(channel)
        if played is not None:
            return tournament_document(self.games, played, self.unit_document)
        stored = self._documents.get(channel)
        if stored is not None:
            return stored[1]
        event_id = channels.event_id_of(channel)
        event = None if event_id is None else self.games.event(event_id)
        assert event is not None, channel
        return event_document(self.games, event, None, (), ())

    def unit_document(self, unit_id: str) -> dict[str, Any]:
        """`GET /v1/units/{unit_id}`: the unit's page (its final's result is its event's)."""
        event = self._documents.get(channels.event(unit_id.partition("/")[0]))
        return self.units.document(unit_id, event[1] if event is not None else None)

    async def reached(self, seq: int, wait_s: float) -> bool:
        """Waits until this replica has applied `seq`; False after `wait_s` seconds."""
        if self.last_seq >= seq:
            return True
        waiter = (seq, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(wait_s):
                await waiter[1]
            return True
        except TimeoutError:
            return False
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    # --- subscribers -------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, channels: Iterable[str]) -> None:
        for channel in channels:
            subscriber.channels.add(channel)
            self._subscribers.setdefault(channel, set()).add(subscriber)
            self._audiences.pop(channel, None)
            SUBSCRIPTIONS.labels(channel).inc()

    def unsubscribe(self, subscriber: Subscriber, channels: Iterable[str]) -> None:
        for channel in list(channels):
            if channel not in subscriber.channels:
                continue
            subscriber.channels.discard(channel)
            self._subscribers[channel].discard(subscriber)
            self._audiences.pop(channel, None)
            SUBSCRIPTIONS.labels(channel).dec()

    def disconnect(self, subscriber: Subscriber) -> None:
        self.unsubscribe(subscriber, subscriber.channels)

    def send_snapshot(self, subscriber: Subscriber, channel: str) -> None:
        snapshot = self.snapshot(channel)
        subscriber.send(snapshot)
        MESSAGES_SENT.labels("snapshot").inc()
        BYTES_SENT.inc(len(snapshot.frame))
        if channel in self._pending:
            # The snapshot already shows the waiting update; sending it too would go back.
            self._snapshotted_while_pending.setdefault(channel, set()).add(subscriber)

    def _audience(self, channel: str) -> tuple[Subscriber, ...]:
        # A tuple rebuilt only after the channel's subscribers change: iterating it stays
        # safe while a subscriber closes itself mid-fan-out.
        audience = self._audiences.get(channel)
        if audience is None:
            audience = self._audiences[channel] = tuple(self._subscribers.get(channel, ()))
        return audience

    # --- the feed ----------------------------------------------------------------------

    def publish(self, feed: FeedMessage) -> None:
        """Applies one feed message (in seq order; older ones are ignored) and fans it out."""
        seq, channel, data = feed.seq, feed.channel, feed.data
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        self._forget_snapshots()
        message = Outgoing.build(seq, channel, feed.type, data)
        if self._is_unit_channel(channel):
            # Every change of every unit reaches its subscribers: these are never coalesced.
            self.units.apply(channel, data)
            self._fan_out(message)
            self._fan_out_tournament(seq, channel)
        elif feed.type == "update":
            self.tables[channel] = data
            self._publish_update(message)
        else:
            if channel in self._event_channels:
                self._documents[channel] = (seq, data)
                self._fan_out_final(seq, channel)
            self._remember(message)
            self._fan_out(message)
            if channel == channels.RESULTS:
                accepted_at = data.get("accepted_at")
                if isinstance(accepted_at, str):
                    accepted = datetime.fromisoformat(accepted_at).timestamp()
                    END_TO_END.observe(max(0.0, time.time() - accepted))
        if self._waiters:
            for waited, future in self._waiters:
                if waited <= seq and not future.done():
                    future.set_result(None)

    def _fan_out_final(self, seq: int, event_channel: str) -> None:
        """An event's new result is its final's: that unit's page follows, under the seq of
        the event's message."""
        event_id = channels.event_id_of(event_channel)
        event = None if event_id is None else self.games.event(event_id)
        final = None if event is None else event.unit(RANKING_PHASE)
        if final is None:
            return
        channel = channels.unit(final.unit_id)
        if self._audience(channel):
            self._fan_out(Outgoing.build(seq, channel, "update",
                                         self.unit_document(final.unit_id)))

    def _fan_out_tournament(self, seq: int, unit_channel: str) -> None:
        """A match's new page changes its event's tournament: it follows, under the seq of the
        match's message."""
        unit_id = channels.unit_id_of(unit_channel)
        if unit_id is None:
            return
        channel = channels.tournament(unit_id.partition("/")[0])
        if channel in self._tournament_channels and self._audience(channel):
            self._fan_out(Outgoing.build(seq, channel, "update", self.state_of(channel)))

    def _remember(self, message: Outgoing) -> None:
        if len(self.recent) == self.recent.maxlen:
            self.recent_floor = self.recent[0].seq
        self.recent.append(message)

    def _publish_update(self, message: Outgoing) -> None:
        channel = message.channel
        if channel in self._pending:
            self._pending[channel] = message
            # Snapshots taken so far show the older pending table, not this one: those
            # subscribers need the update after all.
            self._snapshotted_while_pending.pop(channel, None)
            COALESCED.inc()
            return
        now = self._clock()
        due = self._last_update_at.get(channel, float("-inf")) + self._coalesce_s
        if now >= due:
            self._last_update_at[channel] = now
            self._fan_out(message)
        else:
            self._pending[channel] = message
            asyncio.get_running_loop().call_later(due - now, self._flush_pending, channel)

    def _flush_pending(self, channel: str) -> None:
        message = self._pending.pop(channel)
        self._last_update_at[channel] = self._clock()
        self._fan_out(message, skip=self._snapshotted_while_pending.pop(channel, None))

    def _fan_out(self, message: Outgoing, skip: set[Subscriber] | None = None) -> None:
        audience = self._audience(message.channel)
        if not audience:
            return
        started = time.perf_counter()
        if skip:
            audience = tuple(subscriber for subscriber in audience if subscriber not in skip)
        for subscriber in audience:
            subscriber.deliver(message)
        FAN_OUT.observe(time.perf_counter() - started)
        MESSAGES_SENT.labels(message.type).inc(len(audience))
        BYTES_SENT.inc(len(message.frame) * len(audience))
