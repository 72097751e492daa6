"""ingest owns the units' states (docs/architecture.md): the status officials set, what a
result does to its unit, the start lists derived for the next round, and the entries import's
start lists. Each change is written under the event's lock, in the transaction of whatever
caused it, as the unit's next version (`unit_states`) and as an outbox row (`unit_changes`)
that the relay publishes to `podium.results` beside the results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog

from services.ingest.store import CurrentRevision, StoredEvent, lock_event, stored_event
from shared.adapters import db
from shared.adapters.outbox import OutboxRow, unpublished
from shared.contract.messages import StartRow, UnitUpdate
from shared.domain.engine import Entry
from shared.domain.games import Event, Games
from shared.domain.qualification import NextUnit
from shared.domain.rounds import (
    Advance,
    QualifyTag,
    RoundResult,
    Undecided,
    advance,
    feeding_round,
    next_round,
)
from shared.domain.start_lists import Entrant, StartList
from shared.domain.unit_status import (
    TRANSITIONS,
    OfficialStatus,
    Refusal,
    UnitState,
    status_after_result,
    transition,
)
from shared.domain.units import Unit

log = structlog.get_logger()

# Results that stand as a unit's result; a cancelled one leaves the unit without one.
_STANDING = ("provisional", "official")


async def registered_entries(conn: db.Connection, event_id: str) -> tuple[Entrant, ...]:
    """The event's entries as the last import stored them; () without registrations."""
    stored = await conn.fetchval("SELECT entries FROM registrations WHERE event_id = $1",
                                 event_id)
    return tuple(entrant_of(item) for item in stored or ())


def entrant_of(item: Mapping[str, Any]) -> Entrant:
    """An entry as `registrations` stores it."""
    return Entrant(bib=item["bib"], name=item["name"], delegation=item["delegation"],
                   members=tuple(item.get("members") or ()))


def entrant_item(entrant: Entrant) -> dict[str, Any]:
    return {"bib": entrant.bib, "name": entrant.name, "delegation": entrant.delegation,
            "members": list(entrant.members)}


async def stored_updates(conn: db.Connection, unit_ids: Sequence[str]) -> dict[str, UnitUpdate]:
    rows = await conn.fetch("SELECT state FROM unit_states WHERE unit_id = ANY($1::text[])",
                            list(unit_ids))
    return _updates_by_unit(row["state"] for row in rows)


def _updates_by_unit(states: Iterable[Mapping[str, Any]]) -> dict[str, UnitUpdate]:
    return {update.unit_id: update
            for update in (UnitUpdate.model_validate(state) for state in states)}


def delegations_of(
    games: Games, start_list: StartList | None, entrants: Iterable[Entrant]
) -> tuple[str, ...]:
    """Who a unit concerns, in the games file's order: the delegations on its start list,
    else every delegation entered in its event (docs/schedule.md `of_delegation`)."""
    present = (start_list.delegations if start_list is not None
               else {entrant.delegation for entrant in entrants})
    return tuple(code for code in games.delegation_codes if code in present)


@dataclass
class EventUnits:
    """An event's units as one transaction changes them: each change is kept as the unit's
    next version until `save` writes them all, one version per unit and transaction."""

    games: Games
    event: Event
    entrants: tuple[Entrant, ...]
    stored: dict[str, UnitUpdate]
    now: datetime
    changed: dict[str, UnitUpdate] = field(default_factory=dict)

    @classmethod
    async def load(cls, conn: db.Connection, games: Games, event: Event,
                   entrants: tuple[Entrant, ...] | None = None) -> EventUnits:
        """The event's units under its lock (the caller holds it); `entrants`: the entries
        about to be stored, instead of the stored ones."""
        unit_ids = [unit.unit_id for unit in event.units]
        if entrants is not None:
            return cls(games, event, entrants, await stored_updates(conn, unit_ids),
                       datetime.now(UTC))
        return cls.of(games, event, await stored_event(conn, event.id, unit_ids))

    @classmethod
    def of(cls, games: Games, event: Event, stored: StoredEvent) -> EventUnits:
        """The event's units as read under its lock."""
        return cls(games, event, tuple(entrant_of(item) for item in stored.entries or ()),
                   _updates_by_unit(stored.unit_states), datetime.now(UTC))

    def current(self, unit: Unit) -> UnitUpdate | None:
        return self.changed.get(unit.unit_id) or self.stored.get(unit.unit_id)

    def state(self, unit: Unit) -> UnitState:
        current = self.current(unit)
        return current.state() if current is not None else UnitState.planned(unit.starts_at)

    def start_list(self, unit: Unit) -> StartList | None:
        current = self.current(unit)
        return current.start_list_of() if current is not None else None

    def change(self, unit: Unit, *, state: UnitState | None = None,
               start_list: StartList | None = None,
               qualified: Mapping[str, QualifyTag] | None = None) -> None:
        """Records the unit's new state, start list or qualified tags (each kept as it is
        when not given); a change that leaves everything the same makes no new version."""
        current = self.current(unit)
        if start_list is None:
            start_list = current.start_list_of() if current is not None else None
        if qualified is None:
            qualified = current.qualified if current is not None else {}
        stored = self.stored.get(unit.unit_id)
        candidate = self._update(unit, state or self.state(unit), start_list, qualified,
                                 (stored.version if stored is not None else 0) + 1)
        before = current or self._update(unit, UnitState.planned(unit.starts_at), None, {}, 1,
                                         delegations=())
        unchanged = {"version", "changed_at"}
        if before.model_dump(exclude=unchanged) != candidate.model_dump(exclude=unchanged):
            self.changed[unit.unit_id] = candidate

    def _update(self, unit: Unit, state: UnitState, start_list: StartList | None,
                qualified: Mapping[str, QualifyTag], version: int,
                delegations: tuple[str, ...] | None = None) -> UnitUpdate:
        return UnitUpdate(
            event_id=unit.event_id, unit_id=unit.unit_id, version=version,
            status=state.status, planned_at=state.planned_at, starts_at=state.starts_at,
            note=state.note, start_list_published=state.start_list_published,
            start_list=None if start_list is None
            else tuple(StartRow.of(position) for position in start_list.positions),
            qualified=dict(qualified),
            delegations=delegations if delegations is not None
            else delegations_of(self.games, start_list, self.entrants),
            changed_at=self.now,
        )

    def refresh_delegations(self) -> None:
        """After the entries changed: every unit's `delegations` read again."""
        for unit in self.event.units:
            self.change(unit)

    async def save(self, conn: db.Connection) -> list[UnitUpdate]:
        """Writes every changed unit's new version and its outbox row; returns them."""
        updates = list(self.changed.values())
        if updates:
            # States and their outbox rows in one statement (one round trip), the outbox
            # rows in the order of `updates`.
            states = [u.model_dump(mode="json") for u in updates]
            await conn.execute(
                "WITH saved AS (INSERT INTO unit_states (unit_id, event_id, version, state)"
                "  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[])"
                "  ON CONFLICT (unit_id) DO UPDATE SET version = excluded.version,"
                "  state = excluded.state, updated_at = now())"
                " INSERT INTO unit_changes (event_id, message)"
                " SELECT event_id, message FROM unnest($2::text[], $4::jsonb[])"
                " WITH ORDINALITY AS u (event_id, message, position) ORDER BY position",
                [u.unit_id for u in updates], [u.event_id for u in updates],
                [u.version for u in updates], states,
            )
        self.stored.update(self.changed)
        self.changed.clear()
        return updates


async def latest_results(
    conn: db.Connection, event_id: str, phases: Sequence[str]
) -> dict[str, RoundResult]:
    """The latest result of each of these units of the event that has one, by unit id."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (phase) phase, status, entries FROM submissions"
        " WHERE event_id = $1 AND phase = ANY($2::text[]) ORDER BY phase, revision DESC",
        event_id, list(phases),
    )
    return {
        f"{event_id}/{row['phase']}": RoundResult(
            row["status"], tuple(Entry.model_validate(entry) for entry in row["entries"]))
        for row in rows
    }


async def apply_result(
    conn: db.Connection, units: EventUnits, unit: Unit, status: str, *,
    awaiting_confirmation: bool = False,
) -> Refusal | None:
    """What a result just stored does to its unit (its status: `unofficial` while it awaits
    its confirmation) and, for a heat, to the next round; the refusal of a heat's correction
    once the next round has a result or has started. The caller saves `units`."""
    state = transition(units.state(unit), status_after_result(
        status, awaiting_confirmation=awaiting_confirmation), source="result")
    assert isinstance(state, UnitState), "results always move their unit"
    units.change(unit, state=state)
    round_units = feeding_round(units.event, unit)
    if not round_units:
        return None
    following = next_round(units.event, unit)
    results = await latest_results(conn, unit.event_id,
                                   [u.phase for u in (*round_units, *following)])
    next_units = [
        NextUnit(u.unit_id, units.state(u),
                 has_result=results.get(u.unit_id, RoundResult("cancelled", ())).status
                 in _STANDING,
                 start_list=units.start_list(u))
        for u in following
    ]
    outcome = advance(units.event, unit, results, next_units, units.entrants)
    if isinstance(outcome, Advance):
        _apply_advance(units, outcome, following, round_units)
    elif isinstance(outcome, Undecided):
        log.warning("the next round's start lists are left to the desk", unit=unit.unit_id,
                    reason=outcome.reason)
    return outcome if isinstance(outcome, Refusal) else None


async def confirm_unit(conn: db.Connection, games: Games, event: Event, unit: Unit) -> None:
    """A confirmation of the unit's result just stored: the unit is official, its new
    version saved (the caller holds the event's lock)."""
    units = await EventUnits.load(conn, games, event)
    state = transition(units.state(unit), "official", source="result")
    assert isinstance(state, UnitState), "results always move their unit"
    units.change(unit, state=state)
    await units.save(conn)


@dataclass(frozen=True)
class StatusRefused:
    reason: str
    conflict: bool  # the unit's state says no (409), rather than the request being wrong (422)


async def set_status(
    conn: db.Connection, games: Games, event: Event, unit: Unit, requested: OfficialStatus,
    starts_at: datetime | None, note: str | None,
) -> UnitUpdate | StatusRefused:
    """An official's status for the unit, under the event's lock; its new version saved."""
    await lock_event(conn, event.id)
    units = await EventUnits.load(conn, games, event)
    current = units.state(unit)
    outcome = transition(current, requested, source="official", starts_at=starts_at, note=note)
    if isinstance(outcome, Refusal):
        return StatusRefused(outcome.reason,
                             requested not in TRANSITIONS["official"][current.status])
    units.change(unit, state=outcome)
    await units.save(conn)
    update = units.current(unit)
    assert update is not None
    return update


def _apply_advance(
    units: EventUnits, outcome: Advance, following: Sequence[Unit], round_units: Sequence[Unit]
) -> None:
    lists = {start_list.unit_id: start_list for start_list in outcome.next_round.start_lists}
    for unit in following:
        published = transition(units.state(unit), "start_list", source="start_list")
        assert isinstance(published, UnitState), "advance refuses a round that has started"
        units.change(unit, state=published, start_list=lists[unit.unit_id])
    for heat in round_units:
        units.change(heat, qualified=outcome.tags.get(heat.unit_id, {}))


def publish_first_round(units: EventUnits, lists: Sequence[StartList]) -> list[str]:
    """The first round's new start lists (from the entries), unless it has started; returns
    the units whose lists stay as they were run."""
    by_unit = {start_list.unit_id: start_list for start_list in lists}
    first = [unit for unit in units.event.units if unit.unit_id in by_unit]
    started = [unit.unit_id for unit in first if units.state(unit).has_started]
    if started:
        return started
    for unit in first:
        published = transition(units.state(unit), "start_list", source="start_list")
        assert isinstance(published, UnitState), "a unit that has not started takes a list"
        units.change(unit, state=published, start_list=by_unit[unit.unit_id])
    return []


class UnitChangesOutbox:
    """Units' states not yet on Kafka, oldest first, keyed by event like its results."""

    name = "unit_changes"
    lock_id = 0x554E495453

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def fetch(self, conn: db.Connection, limit: int) -> list[OutboxRow]:
        rows = await conn.fetch(
            "SELECT id, event_id, message FROM unit_changes WHERE published_at IS NULL"
            " ORDER BY id LIMIT $1",
            limit,
        )
        return [OutboxRow(id=row["id"], key=row["event_id"].encode(),
                          value=orjson.dumps({**row["message"], "change_id": row["id"]}))
                for row in rows]

    async def backlog(self, pool: db.Pool) -> tuple[int, float]:
        return await unpublished(pool, "unit_changes", "created_at")

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        await conn.execute(
            "UPDATE unit_changes SET published_at = now() WHERE id = ANY($1::bigint[])", ids
        )


def status_document(update: UnitUpdate) -> dict[str, Any]:
    """The answer to `POST /v1/units/{unit_id}/status`: the unit's state as it now stands."""
    return {"unit_id": update.unit_id, "status": update.status,
            "starts_at": update.starts_at.isoformat(), "planned_at": update.planned_at.isoformat(),
            "status_note": update.note, "version": update.version}


def entry_unit_document(
    games: Games, unit: Unit, update: UnitUpdate | None, current: CurrentRevision | None,
    entrants: Sequence[Entrant],
) -> dict[str, Any]:
    """The body of `GET /v1/my/units/{unit_id}`: the unit, its state, its start list (empty
    until one is published), every competitor entered in its event (to enter a unit without
    a start list by bib), and its current revision (0: none yet)."""
    state = update.state() if update is not None else UnitState.planned(unit.starts_at)
    names = {d.code: d.name for d in games.delegations}
    rows = update.start_list if update is not None and update.start_list else ()
    return {
        "unit": {**unit.document(), "status": state.status,
                 "starts_at": state.starts_at.isoformat(),
                 "planned_at": state.planned_at.isoformat(), "status_note": state.note,
                 "version": update.version if update is not None else 0},
        "start_list": [{**row.model_dump(mode="json"),
                        "delegation_name": names.get(row.delegation, row.delegation)}
                       for row in rows],
        "entries": [{**entrant_item(entrant),
                     "delegation_name": names.get(entrant.delegation, entrant.delegation)}
                    for entrant in entrants],
        "current_revision": current.revision if current else 0,
        "current_status": current.status if current else None,
    }
