"""The units' documents (docs/api.md v1.1 "Units, schedule and status"): a unit as the
schedule lists it, and a unit's page (`GET /v1/units/{unit_id}`, channel `unit:<unit_id>`)
with its start list and latest result. Scoring builds them when a unit's state or result
changes; broadcast serves them as they are, and builds a unit's planned document from the
games file while nothing has happened to it."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.contract.documents import checks_part
from shared.contract.messages import AcceptedResult, UnitUpdate
from shared.domain.checks import NO_CHECKS, Checks
from shared.domain.games import Games
from shared.domain.rounds import competitor_key
from shared.domain.schedule import GAMES_TIMEZONE, ScheduledUnit
from shared.domain.unit_status import UnitState
from shared.domain.units import Unit


def schedule_item(unit: Unit, update: UnitUpdate | None) -> dict[str, Any]:
    """A unit of `GET /v1/schedule`: the contract's fields, then its planned start, whether
    its start list is out, the delegations it concerns (on its start list, else entered in its
    event) and the version of its state (0 while it is as planned)."""
    state = update.state() if update is not None else UnitState.planned(unit.starts_at)
    return {
        **ScheduledUnit(unit, state).document(),
        "planned_at": state.planned_at.astimezone(GAMES_TIMEZONE).isoformat(),
        "start_list_published": state.start_list_published,
        "delegations": list(update.delegations) if update is not None else [],
        "version": update.version if update is not None else 0,
    }


def item_state(item: Mapping[str, Any]) -> UnitState:
    """The state a schedule item shows (for the schedule's queries)."""
    return UnitState(
        status=item["status"], planned_at=datetime.fromisoformat(item["planned_at"]),
        starts_at=datetime.fromisoformat(item["starts_at"]), note=item["status_note"],
        start_list_published=item["start_list_published"])


def result_part(
    games: Games,
    result: AcceptedResult,
    history: Sequence[dict[str, Any]],
    checks: Checks = NO_CHECKS,
) -> dict[str, Any]:
    """A heat's (or semi-final's) latest result as its unit's page shows it (`result` as
    readers see it, `unofficial` while it waits), with what the second checks made of it; the
    qualified tags are added with the unit's state (`unit_document`)."""
    names = {d.code: d.name for d in games.delegations}
    earlier = [item for item in history if item["revision"] < result.revision]
    return {
        "revision": result.revision, "status": result.status, "note": result.note,
        "accepted_at": result.accepted_at.isoformat(),
        "correction": any(item["status"] == "official" for item in earlier),
        "entries": [
            {"rank": entry.rank, "bib": entry.bib, "delegation": entry.delegation,
             "delegation_name": names.get(entry.delegation, entry.delegation),
             "competitor": entry.competitor, "status": entry.status, "mark": entry.mark,
             "record": entry.record, "members": list(entry.members)}
            for entry in result.entries
        ],
        "history": list(history),
        **checks_part(checks),
        # A match's sides and score (docs/tournaments.md), beside its (empty) entries.
        **({"match": result.match.model_dump(mode="json")} if result.match is not None else {}),
    }


def event_result_part(event_document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The final's result on its unit's page: the event's document without its `event`."""
    if event_document.get("revision") is None:
        return None
    return {key: value for key, value in event_document.items() if key != "event"}


def unit_document(
    games: Games, unit: Unit, update: UnitUpdate | None, result: Mapping[str, Any] | None
) -> dict[str, Any]:
    """`GET /v1/units/{unit_id}`: the unit (as the schedule lists it), its event, its start
    list and its latest result, each entry of a heat tagged `qualified` Q or q when it goes
    on."""
    event = games.event(unit.event_id)
    assert event is not None, unit.unit_id
    names = {d.code: d.name for d in games.delegations}
    rows = update.start_list if update is not None and update.start_list is not None else ()
    qualified = update.qualified if update is not None else {}
    shown = None
    if result is not None:
        shown = dict(result)
        if unit.parsed_phase.kind in ("heat", "semi"):
            shown["entries"] = [
                {**entry, "qualified": qualified.get(
                    competitor_key(entry["bib"], entry["delegation"], entry["competitor"]))}
                for entry in result["entries"]]
    return {
        "unit": schedule_item(unit, update),
        "event": event.result_document(),
        "start_list": [
            {**row.model_dump(mode="json"),
             "delegation_name": names.get(row.delegation, row.delegation)}
            for row in rows
        ],
        "result": shown,
    }

