"""scoring's state and how a batch of accepted revisions changes it: plain data in,
plain data out, so the same code serves the live consumer and `podium rebuild`."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from shared.documents import event_document, history_item, stamp_table
from shared.domain.engine import EntryAward, award_result, compute_standings
from shared.domain.games import Games
from shared.domain.rules import Rules
from shared.messages import AcceptedResult

log = structlog.get_logger()


@dataclass(frozen=True)
class EventState:
    result: AcceptedResult
    awards: tuple[EntryAward, ...]
    history: tuple[dict[str, Any], ...]
    document: dict[str, Any]


@dataclass(frozen=True)
class FeedItem:
    seq: int
    channel: str
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """What one batch changes; persisted in one transaction, then committed in memory."""

    events: dict[str, EventState]
    tables: dict[str, dict[str, Any]]  # every table, unstamped, when any changed
    stamped: dict[str, dict[str, Any]]  # every table as published
    feed: list[FeedItem]
    version: int
    last_seq: int

    @property
    def empty(self) -> bool:
        return not self.events


@dataclass
class ScoringState:
    games: Games
    rules: Rules
    events: dict[str, EventState] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = 0
    last_seq: int = 0

    def __post_init__(self) -> None:
        if not self.tables:
            self.tables = self.compute_tables(self.events)

    def compute_tables(self, events: Mapping[str, EventState]) -> dict[str, dict[str, Any]]:
        awards = {event_id: state.awards for event_id, state in events.items()}
        return compute_standings(self.games, self.rules, awards).tables(self.games)

    def event_state(
        self, result: AcceptedResult, history: tuple[dict[str, Any], ...]
    ) -> EventState | None:
        event = self.games.event(result.event_id)
        if event is None:
            # ingest checks against the same games file; a result for an event the
            # file no longer has is kept in PostgreSQL but cannot be scored.
            log.error("result for an event not in the games", event_id=result.event_id)
            return None
        awards = award_result(event, result.to_input(), self.rules)
        document = event_document(self.games, event, result, awards, history)
        return EventState(result, awards, history, document)

    def plan(self, results: Sequence[AcceptedResult], now: datetime) -> Plan:
        events = dict(self.events)
        changed: dict[str, EventState] = {}
        feed: list[FeedItem] = []
        seq = self.last_seq
        for result in results:
            current = events.get(result.event_id)
            if current is not None and result.revision <= current.result.revision:
                continue  # a redelivery or replay: already applied
            history = (*(current.history if current else ()), history_item(result))
            state = self.event_state(result, history)
            if state is None:
                continue
            events[result.event_id] = changed[result.event_id] = state
            for channel in ("results", f"event:{result.event_id}"):
                seq += 1
                feed.append(FeedItem(seq, channel, "result", state.document))
        if not changed:
            return Plan({}, self.tables, {}, [], self.version, self.last_seq)

        tables = self.compute_tables(events)
        moved = [channel for channel, table in tables.items() if self.tables.get(channel) != table]
        version = self.version + 1 if moved else self.version
        stamped = {channel: stamp_table(table, version, now) for channel, table in tables.items()}
        for channel in moved:
            seq += 1
            feed.append(FeedItem(seq, channel, "update", stamped[channel]))
        return Plan(changed, tables, stamped if moved else {}, feed, version, seq)

    def commit(self, plan: Plan) -> None:
        self.events.update(plan.events)
        self.tables = plan.tables
        self.version = plan.version
        self.last_seq = plan.last_seq


def replay(
    games: Games, rules: Rules, revisions: Iterable[AcceptedResult]
) -> dict[str, EventState]:
    """Every event's state from its revisions (any order across events)."""
    state = ScoringState(games, rules)
    ordered = sorted(revisions, key=lambda r: (r.event_id, r.revision))
    for result in ordered:
        current = state.events.get(result.event_id)
        history = (*(current.history if current else ()), history_item(result))
        event_state = state.event_state(result, history)
        if event_state is not None:
            state.events[result.event_id] = event_state
    return state.events
