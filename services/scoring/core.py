"""scoring's state and how a batch of accepted revisions and their checks changes it: plain
data in, plain data out, so the same code serves the live consumer and `podium rebuild`."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import structlog

from services.scoring.units import UnitRecord, unit_messages, unit_record
from shared.contract import channels
from shared.contract.documents import (
    event_document,
    history_item,
    records_document,
    stamp_table,
    table_documents,
)
from shared.contract.messages import (
    AcceptedResult,
    FeedMessage,
    ResultCheck,
    ResultsMessage,
    UnitUpdate,
)
from shared.domain.checks import NO_CHECKS, Checks, checks_made
from shared.domain.engine import (
    EntryAward,
    EventRecords,
    Tallies,
    award_result,
    compute_standings,
    event_scopes,
    rank_problems,
    standings_of,
)
from shared.domain.games import Event, Games
from shared.domain.records import RecordsReport, UnitResult, detect_records
from shared.domain.rules import Rules
from shared.domain.units import RANKING_PHASE, Unit

log = structlog.get_logger()

# channel -> table document without version/updated_at; the records document is one too.
Tables = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class EventState:
    result: AcceptedResult  # the latest revision applied, as ingest published it
    awards: tuple[EntryAward, ...]  # what the event counts in the tables
    history: tuple[dict[str, Any], ...]
    document: dict[str, Any]
    records: RecordsReport  # what the marks of the counted revision's units set
    checks: Checks = NO_CHECKS  # what the second checks made of `result`
    # While `result` waits for its confirmation: the earlier revision the tables still count
    # (None: none yet). None once `result` counts.
    counted: AcceptedResult | None = None

    @property
    def counts(self) -> bool:
        return self.checks.counts(self.result.awaits_confirmation)


@dataclass(frozen=True)
class Scored:
    event: Event
    awards: tuple[EntryAward, ...]
    records: RecordsReport


@dataclass(frozen=True)
class Plan:
    """What one batch changes; persisted in one transaction, then committed in memory."""

    events: dict[str, EventState]  # the events whose document changed, in their new state
    tables: Tables  # every table, unstamped: what readers have once the plan is persisted
    stamped: dict[str, dict[str, Any]]  # only the tables that changed, as published
    feed: list[FeedMessage]
    version: int
    last_seq: int
    applied: int = 0  # messages applied (several of one event may be in one batch)
    units: dict[str, UnitRecord] = field(default_factory=dict)  # the units that changed
    tallies: Tallies | None = None  # what the tables sum, when the events' awards changed

    @property
    def empty(self) -> bool:
        return not self.events and not self.stamped and not self.units


class StoredRow(NamedTuple):
    """What `submissions` holds about one row, as a message names it."""

    event_id: str
    revision: int
    content_hash: str  # hex
    accepted_at: datetime
    entered_by: str
    phase: str = RANKING_PHASE
    awaits_confirmation: bool = False


def matches_submission(result: AcceptedResult, stored: Mapping[int, StoredRow]) -> bool:
    """Whether a message is exactly a stored revision: the row it names has its event,
    revision, content hash, time, author and wait for a confirmation, and its content has
    that hash. Anything else (a revision a restored database no longer has, another
    producer's message, content altered on the way) must not count."""
    row = stored.get(result.submission_id)
    return (row is not None and result.content_matches_hash()
            and row == StoredRow(result.event_id, result.revision, result.content_hash,
                                 result.accepted_at, result.entered_by, result.phase,
                                 result.awaits_confirmation))


def matches_unit_change(update: UnitUpdate, stored: Mapping[int, UnitUpdate]) -> bool:
    """Whether a unit's state is exactly the row of `unit_changes` it names (a state no
    stored change holds, from a restored database or another producer, must not count)."""
    return stored.get(update.change_id) == update


def _rankings(messages: Sequence[ResultsMessage]) -> list[AcceptedResult]:
    return [message for message in messages
            if isinstance(message, AcceptedResult) and message.ranks_the_event]


def unit_result(games: Games, result: AcceptedResult) -> UnitResult:
    """A unit's revision as the records read it, at its unit's planned start (heats before
    semi-finals before the final, whatever delays did)."""
    unit = games.unit(result.unit_id)
    event = games.event(result.event_id)
    assert event is not None, "only results of the games' events are scored"
    return UnitResult(event_id=result.event_id, phase=result.phase, revision=result.revision,
                      status=result.status,
                      starts_at=unit.starts_at if unit is not None else event.scheduled_at,
                      accepted_at=result.accepted_at, entries=result.entries)


def event_units(games: Games, result: AcceptedResult | None,
                others: Sequence[AcceptedResult]) -> list[UnitResult]:
    """The latest revisions of the event's units, as the records read them: its other
    units' (heats, semi-finals) and its ranking's, when it has one."""
    return [unit_result(games, unit) for unit in (*others, *([result] if result else []))]


def other_units(units: Iterable[UnitRecord]) -> dict[str, list[AcceptedResult]]:
    """Each event's results of units other than its ranking (a final's record holds none)."""
    found: defaultdict[str, list[AcceptedResult]] = defaultdict(list)
    for record in units:
        if record.result is not None:
            # As readers see it: a heat's result awaiting its confirmation sets no record.
            found[record.result.event_id].append(record.result.shown(record.checks))
    return dict(found)


def latest_others(results: Iterable[AcceptedResult],
                  checks: Iterable[ResultCheck]) -> dict[str, list[AcceptedResult]]:
    """`other_units` from the stored rows (`podium rebuild`): each event's latest results
    of units other than its ranking, as readers see them once their checks were made."""
    latest: dict[str, AcceptedResult] = {}
    for result in results:
        known = latest.get(result.unit_id)
        if not result.ranks_the_event and (known is None or result.revision > known.revision):
            latest[result.unit_id] = result
    made: defaultdict[str, list[ResultCheck]] = defaultdict(list)
    for check in checks:
        known = latest.get(check.unit_id)
        if known is not None and check.revision == known.revision:
            made[check.unit_id].append(check)
    found: defaultdict[str, list[AcceptedResult]] = defaultdict(list)
    for unit_id, result in latest.items():
        found[result.event_id].append(result.shown(_checks_made(result, made[unit_id])))
    return dict(found)


def scored(games: Games, rules: Rules, result: AcceptedResult,
           others: Sequence[AcceptedResult] = ()) -> Scored | None:
    """The result's event, its awards and the records its units set; None for a revision
    that cannot be scored.

    ingest checks results against the same games file and rules, so None means the games
    file lost the event or a bug upstream: the revision is logged and skipped rather than
    stopping every other event's scoring. It stays in `submissions` for `podium rebuild`.
    """
    event = games.event(result.event_id)
    if event is None:
        log.error("result for an event not in the games", event_id=result.event_id,
                  revision=result.revision)
        return None
    # Records chain within an event only: its units are all they depend on, and a change of
    # any of them finds them again, so a correction that removes a mark removes its record.
    records = detect_records(games.records, event_units(games, result, others))
    try:
        awards = award_result(event, result, rules, EventRecords.of(records, event.id))
    except ValueError as error:
        log.error("result cannot be scored", event_id=result.event_id,
                  revision=result.revision, error=str(error))
        return None
    return Scored(event, awards, records)


def event_state(
    games: Games, rules: Rules, result: AcceptedResult, history: tuple[dict[str, Any], ...],
    checks: Checks = NO_CHECKS, counted: AcceptedResult | None = None,
    others: Sequence[AcceptedResult] = (),
) -> EventState | None:
    """The event's state with `result` as its latest revision and `checks` what was made of
    it; `history` includes it; `others` the latest results of its other units (their marks
    set records too). While it waits, the tables count `counted`, which counts."""
    visible = result.shown(checks)
    outcome = scored(games, rules, visible, others)
    if outcome is None:
        return None
    document = event_document(games, outcome.event, visible, outcome.awards, history, checks)
    if checks.counts(result.awaits_confirmation) or counted is None:
        # A waiting revision with nothing before it: its awards are nothing, its records none.
        return EventState(result, outcome.awards, history, document, outcome.records, checks)
    before = scored(games, rules, counted, others)
    if before is None:
        return EventState(result, outcome.awards, history, document, outcome.records, checks)
    return EventState(result, before.awards, history, document, before.records, checks,
                      counted)


def next_revision(
    games: Games, rules: Rules, current: EventState | None, result: AcceptedResult,
    others: Sequence[AcceptedResult] = (),
) -> EventState | None:
    """The event's state once `result` is applied: newer than `current`'s revision, or in
    its place (the same number with other content: a restored database took it again)."""
    replacing = current is not None and current.result.revision == result.revision
    history = current.history if current is not None else ()
    if replacing:
        history = history[:-1]
    history = (*history, history_item(result.shown(NO_CHECKS)))
    counted = None
    if result.awaits_confirmation and current is not None:
        # The tables keep what counted until this one is confirmed. In place of a revision
        # that counted itself, what counted before it is not kept: nothing counts meanwhile.
        counted = current.result if current.counts and not replacing else current.counted
    return event_state(games, rules, result, history, NO_CHECKS, counted, others)


def checked(
    games: Games, rules: Rules, current: EventState | None, check: ResultCheck,
    others: Sequence[AcceptedResult] = (),
) -> EventState | None:
    """The event's state once `check` is applied; None when it changes nothing: applied
    already, or (ingest refuses those, so a bug upstream) of another revision or one it
    does not apply to."""
    if current is None or check.id <= current.checks.last_check:
        return None
    result = current.result
    refusal = current.checks.refusal(check.action, result.status, result.awaits_confirmation)
    if check.revision != result.revision or refusal is not None:
        log.error("a check that does not apply", event_id=check.event_id,
                  revision=check.revision, current=result.revision, action=check.action,
                  refusal=refusal)
        return None
    checks = current.checks.after(check.action, check.step(), check.id)
    history = (*current.history[:-1], history_item(result.shown(checks)))
    return event_state(games, rules, result, history, checks, current.counted, others)


def compute_tables(games: Games, rules: Rules, events: Mapping[str, EventState],
                   others: Mapping[str, Sequence[AcceptedResult]] | None = None,
                   tallies: Tallies | None = None) -> Tables:
    """Every table, and the records document beside them: what readers have of the state.
    `others`: each event's results of units other than its ranking, whose records count
    before the event has a ranking (after, its state holds them). `tallies`: the events'
    awards already summed (`event_tallies`), else they are summed here."""
    standings = standings_of(games, rules, tallies) if tallies is not None else (
        compute_standings(games, rules, _awards(events)))
    return {**table_documents(standings, games),
            channels.RECORDS: records_table(games, events, others)}


def records_table(games: Games, events: Mapping[str, EventState],
                  others: Mapping[str, Sequence[AcceptedResult]] | None = None
                  ) -> dict[str, Any]:
    """The records document of `compute_tables`."""
    reports = [state.records for state in events.values()]
    reports += [detect_records(games.records, event_units(games, None, results))
                for event_id, results in (others or {}).items() if event_id not in events]
    return records_document(games, reports)


def _awards(events: Mapping[str, EventState]) -> dict[str, tuple[EntryAward, ...]]:
    return {event_id: state.awards for event_id, state in events.items()}


def event_tallies(games: Games, rules: Rules, events: Mapping[str, EventState]) -> Tallies:
    """What the events' awards sum to in the tables."""
    return Tallies.of(games, rules, _awards(events))


def result_messages(seq: int, event_id: str, document: dict[str, Any]) -> list[FeedMessage]:
    """The messages announcing an event's new document, numbered after `seq`."""
    return [FeedMessage(seq=seq + 1, channel=channels.RESULTS, type="result", data=document),
            FeedMessage(seq=seq + 2, channel=channels.event(event_id), type="result",
                        data=document)]


@dataclass(frozen=True)
class TableChanges:
    stamped: dict[str, dict[str, Any]]
    feed: list[FeedMessage]
    version: int
    last_seq: int


def table_changes(
    published: Mapping[str, dict[str, Any]], tables: Tables, version: int, seq: int,
    now: datetime,
) -> TableChanges:
    """The tables that differ from what readers have, under one new version, each with
    its `update` message numbered after `seq`. Nothing changed: the version stays."""
    moved = [channel for channel, table in tables.items() if published.get(channel) != table]
    if not moved:
        return TableChanges({}, [], version, seq)
    version += 1
    # Only changed tables get the new stamp: a stored table is always exactly the data of
    # the feed message at its seq, so readers loading from PostgreSQL and readers following
    # the feed see the same documents.
    stamped = {channel: stamp_table(tables[channel], version, now) for channel in moved}
    feed = [FeedMessage(seq=seq + index, channel=channel, type="update", data=stamped[channel])
            for index, channel in enumerate(moved, start=1)]
    return TableChanges(stamped, feed, version, seq + len(moved))


@dataclass
class ScoringState:
    games: Games
    rules: Rules
    events: dict[str, EventState] = field(default_factory=dict)
    tables: Tables = field(default_factory=dict)  # as readers have them
    version: int = 0
    last_seq: int = 0
    units: dict[str, UnitRecord] = field(default_factory=dict)
    # What `events`' awards sum to, once a plan has summed them (None: not yet).
    tallies: Tallies | None = None

    def missing(
        self, messages: Sequence[ResultsMessage]
    ) -> list[tuple[str, int]]:
        """The revisions (event id, revision) of the events' rankings to read from
        `submissions` before `messages`: those between an event's applied revision and its
        next one in `messages`. Only a lost topic skips revisions; each event's messages are
        otherwise in order. (A heat's revision skipped so shows when the next arrives.)"""
        # Only the messages' events are looked up: this runs for every batch, and a dict of
        # every event's revision was built each time.
        reached: dict[str, int] = {}
        wanted: list[tuple[str, int]] = []
        for result in _rankings(messages):
            have = reached.get(result.event_id)
            if have is None:
                current = self.events.get(result.event_id)
                have = current.result.revision if current is not None else 0
            wanted += [(result.event_id, revision)
                       for revision in range(have + 1, result.revision)]
            reached[result.event_id] = max(have, result.revision)
        return wanted

    def plan(
        self, messages: Sequence[ResultsMessage], now: datetime,
        earlier: Mapping[tuple[str, int], AcceptedResult] | None = None,
    ) -> Plan:
        """The change `messages` make, each event's revisions and checks applied in order
        and once: `earlier` holds the stored revisions that `missing` asked for. A unit's
        state, and a heat's result and its checks, change only their unit (scored never)."""
        events = dict(self.events)
        changed: dict[str, EventState] = {}
        units = _Units(self.games, dict(self.units), self.last_seq)
        feed = units.feed  # one list: the messages keep the order they were applied in
        applied = 0

        def apply(event_id: str, state: EventState) -> None:
            nonlocal applied
            events[event_id] = changed[event_id] = state
            # Every applied revision and check is announced, even one the same batch
            # supersedes: media see each correction.
            feed.extend(result_messages(units.seq, event_id, state.document))
            units.seq += 2
            applied += 1

        for message in messages:
            if isinstance(message, UnitUpdate):
                applied += units.apply_update(message)
                continue
            if message.phase != RANKING_PHASE:
                applied += (units.apply_check(message) if isinstance(message, ResultCheck)
                            else units.apply_result(message))
                continue
            if isinstance(message, ResultCheck):
                state = checked(self.games, self.rules, events.get(message.event_id), message,
                                units.others(message.event_id))
                if state is not None:
                    apply(message.event_id, state)
                continue
            current = events.get(message.event_id)
            have = current.result.revision if current is not None else 0
            gap = [stored for revision in range(have + 1, message.revision)
                   if (stored := (earlier or {}).get((message.event_id, revision)))]
            for revision in (*gap, message):
                current = events.get(revision.event_id)
                if current is not None and _already_applied(current.result, revision):
                    continue  # a redelivery or replay
                state = next_revision(self.games, self.rules, current, revision,
                                      units.others(revision.event_id))
                if state is not None:
                    apply(revision.event_id, state)
        for event_id in units.others_changed:
            # A heat's marks set records, and records stand for the units after them: the
            # ranking's records (and so its record bonus) are found again.
            current = events.get(event_id)
            if current is None:
                continue
            state = event_state(self.games, self.rules, current.result, current.history,
                                current.checks, current.counted, units.others(event_id))
            if state is None or state == current:
                continue
            events[event_id] = changed[event_id] = state
            if state.document != current.document:
                feed += result_messages(units.seq, event_id, state.document)
                units.seq += 2
        if not changed and not units.others_changed:
            return Plan({}, self.tables, {}, feed, self.version, units.seq, applied,
                        units.changed)
        # Only the changed events' awards are taken out and put in again: summing every
        # event's took most of a result's plan once most events had results.
        tallies = self.tallies or event_tallies(self.games, self.rules, self.events)
        for event_id, state in changed.items():
            before = self.events.get(event_id)
            tallies = tallies.replaced(self.games, event_id,
                                       before.awards if before is not None else (), state.awards)
        tables = self._tables_after(events, changed, units, tallies)
        updates = table_changes(self.tables, tables, self.version, units.seq, now)
        return Plan(changed, tables, updates.stamped, feed + updates.feed, updates.version,
                    updates.last_seq, applied, units.changed, tallies)

    def _tables_after(self, events: Mapping[str, EventState],
                      changed: Mapping[str, EventState], units: "_Units",
                      tallies: Tallies) -> Tables:
        """The tables once `changed` applies. Only the scopes the changed events count in
        are ranked again, and the records document is made again only when records moved:
        making all 16 took 85 % of a result's plan, which went from 1.4 to 0.8 ms of CPU at
        165 events."""
        if self.tallies is None:
            # The first change since loading: every table, so one that a changed rules or
            # games file left stale goes out with it.
            return compute_tables(self.games, self.rules, events, units.all_others(), tallies)
        touched = {scope for event_id in changed
                   for scope in event_scopes(self.games, event_id)}
        tables = {**self.tables,
                  **table_documents(standings_of(self.games, self.rules, tallies, touched),
                                    self.games)}
        records_moved = units.others_changed or channels.RECORDS not in self.tables or any(
            (before := self.events.get(event_id)) is None or before.records != state.records
            for event_id, state in changed.items())
        if records_moved:
            tables[channels.RECORDS] = records_table(self.games, events, units.all_others())
        return tables

    def plan_missing_tables(self, now: datetime) -> Plan:
        """The tables readers have none of yet (a new games, a new group), announced like
        any change of the tables."""
        computed = compute_tables(self.games, self.rules, self.events,
                                  other_units(self.units.values()))
        missing = {channel: table for channel, table in computed.items()
                   if channel not in self.tables}
        updates = table_changes(self.tables, missing, self.version, self.last_seq, now)
        return Plan({}, {**self.tables, **missing}, updates.stamped, updates.feed,
                    updates.version, updates.last_seq)

    def commit(self, plan: Plan) -> None:
        self.events.update(plan.events)
        self.units.update(plan.units)
        if plan.tallies is not None:
            self.tallies = plan.tallies
        self.tables = plan.tables
        self.version = plan.version
        self.last_seq = plan.last_seq


@dataclass
class _Units:
    """The units one batch changes, and their feed messages numbered from `seq`."""

    games: Games
    records: dict[str, UnitRecord]
    seq: int
    changed: dict[str, UnitRecord] = field(default_factory=dict)
    feed: list[FeedMessage] = field(default_factory=list)
    others_changed: set[str] = field(default_factory=set)  # events a heat's result changed

    def _record(self, unit_id: str) -> UnitRecord | None:
        return self.changed.get(unit_id) or self.records.get(unit_id)

    def all_others(self) -> dict[str, list[AcceptedResult]]:
        return other_units({**self.records, **self.changed}.values())

    def others(self, event_id: str) -> list[AcceptedResult]:
        """The latest results of the event's units other than its ranking, as of now: only
        that event's units are read (this runs for every revision a batch applies)."""
        event = self.games.event(event_id)
        records = [self._record(unit.unit_id) for unit in event.units] if event else []
        return other_units(record for record in records if record is not None).get(event_id, [])

    def _announce(self, unit: Unit, record: UnitRecord, *, schedule: bool) -> int:
        self.changed[unit.unit_id] = record
        messages = unit_messages(self.seq, unit, record, schedule=schedule)
        self.feed += messages
        self.seq += len(messages)
        return 1

    def apply_update(self, update: UnitUpdate) -> int:
        """A unit's new state; 1 when applied, 0 for one already seen."""
        unit = self.games.unit(update.unit_id)
        if unit is None:
            log.error("unit state for a unit not in the games", unit_id=update.unit_id)
            return 0
        current = self._record(unit.unit_id)
        if current is not None and not current.is_newer(update):
            return 0
        record = unit_record(self.games, unit, update, current.result if current else None,
                             current.history if current else (),
                             current.checks if current else NO_CHECKS)
        return self._announce(unit, record, schedule=True)

    def apply_result(self, result: AcceptedResult) -> int:
        """A heat's (or semi-final's) result: shown on its unit's page, never scored."""
        unit = self.games.unit(result.unit_id)
        if unit is None:
            log.error("result for a unit not in the games", unit_id=result.unit_id,
                      revision=result.revision)
            return 0
        current = self._record(unit.unit_id)
        if current is not None and current.result is not None \
                and _already_applied(current.result, result):
            return 0
        history = (*(current.history if current else ()), history_item(result.shown(NO_CHECKS)))
        record = unit_record(self.games, unit, current.update if current else None, result,
                             history)
        self.others_changed.add(result.event_id)
        return self._announce(unit, record, schedule=False)

    def apply_check(self, check: ResultCheck) -> int:
        """A check of a heat's result: its page shows what the check made of it."""
        unit = self.games.unit(check.unit_id)
        current = self._record(check.unit_id)
        result = current.result if current is not None else None
        if unit is None or current is None or result is None \
                or check.id <= current.checks.last_check:
            return 0
        refusal = current.checks.refusal(check.action, result.status,
                                         result.awaits_confirmation)
        if check.revision != result.revision or refusal is not None:
            log.error("a check that does not apply", unit_id=check.unit_id,
                      revision=check.revision, current=result.revision, action=check.action,
                      refusal=refusal)
            return 0
        checks = current.checks.after(check.action, check.step(), check.id)
        history = (*current.history[:-1], history_item(result.shown(checks)))
        record = unit_record(self.games, unit, current.update, result, history, checks)
        self.others_changed.add(result.event_id)  # a confirmed heat's marks now set records
        return self._announce(unit, record, schedule=False)


def _already_applied(applied: AcceptedResult, result: AcceptedResult) -> bool:
    """An older revision, or the applied one again. The same number with other content is
    not a duplicate: the message was checked against `submissions`, so that content is the
    stored revision now (a database restored from a backup took the number again)."""
    return result.revision < applied.revision or (
        result.revision == applied.revision and result.content_hash == applied.content_hash)


def replay(
    games: Games, rules: Rules, revisions: Iterable[AcceptedResult],
    checks: Iterable[ResultCheck] = (),
    others: Mapping[str, Sequence[AcceptedResult]] | None = None,
) -> dict[str, EventState]:
    """Every event's state from its ranking's revisions and their checks (any order), as
    scoring applying them one by one would leave it: revisions that cannot be scored are
    left out of the history. ingest accepts a check only of its event's current revision,
    so each revision's checks come after it and before the next revision. `others`: each
    event's latest results of its other units, as readers see them (their records)."""
    by_event: defaultdict[str, dict[int, AcceptedResult]] = defaultdict(dict)
    for result in revisions:
        # A revision seen twice (a republished message) counts once.
        by_event[result.event_id].setdefault(result.revision, result)
    checks_of: defaultdict[tuple[str, int], dict[int, ResultCheck]] = defaultdict(dict)
    for check in checks:
        checks_of[(check.event_id, check.revision)].setdefault(check.id, check)
    events: dict[str, EventState] = {}
    for event_id, results in by_event.items():
        # Awards only for the newest revision that scores (computing them for every
        # superseded revision took most of a rebuild's time).
        kept = [result for _, result in sorted(results.items()) if _scorable(result)]
        if not kept or games.event(event_id) is None:
            continue
        made = [_checks_made(result, checks_of[(event_id, result.revision)].values())
                for result in kept]
        history = tuple(history_item(result.shown(checks))
                        for result, checks in zip(kept, made, strict=True))
        counted = next((result for result, checks in zip(kept[-2::-1], made[-2::-1],
                                                         strict=True)
                        if checks.counts(result.awaits_confirmation)), None)
        state = event_state(games, rules, kept[-1], history, made[-1], counted,
                            (others or {}).get(event_id, ()))
        if state is not None:
            events[event_id] = state
    return events


def _checks_made(result: AcceptedResult, checks: Iterable[ResultCheck]) -> Checks:
    return checks_made(result.status, result.awaits_confirmation,
                       ((check.action, check.step(), check.id)
                        for check in sorted(checks, key=lambda check: check.id)))


def _scorable(result: AcceptedResult) -> bool:
    """Whether `award_result` accepts a revision of an event of the games (the check
    without the awards): a cancellation always, other results when their ranks are valid."""
    return result.status == "cancelled" or not rank_problems(result.entries)
