"""The results desk (成绩处): the games' progress by day and venue, the tokens, a new token's
QR code. Plain documents for `/v1/desk/...` and the desk page (docs/officials.md "The results
desk")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

import segno

from services.ingest.store import CurrentRevision
from shared.adapters.tokens import Token, TokenListing
from shared.contract.messages import UnitUpdate
from shared.domain.games import Event, Games
from shared.domain.schedule import GAMES_TIMEZONE
from shared.domain.unit_status import UnitState
from shared.domain.units import Unit

# How a unit stands on the desk, in the order the desk lists what needs it.
DeskState = Literal["review", "awaiting", "late", "running", "done", "scheduled"]
DESK_STATES: Final[tuple[DeskState, ...]] = ("review", "awaiting", "late", "running", "done",
                                             "scheduled")


@dataclass(frozen=True)
class DeskUnit:
    """A unit of the programme as it now stands (its state: delayed, postponed, ...)."""

    event: Event
    unit: Unit
    state: UnitState

    @property
    def day(self) -> date:
        return self.state.starts_at.astimezone(GAMES_TIMEZONE).date()


def programme(games: Games, updates: Mapping[str, UnitUpdate]) -> list[DeskUnit]:
    """Every unit in the order of its current start."""
    units = []
    for event in games.events:
        for unit in event.units:
            update = updates.get(unit.unit_id)
            state = update.state() if update is not None else UnitState.planned(unit.starts_at)
            units.append(DeskUnit(event, unit, state))
    return sorted(units, key=lambda item: (item.state.starts_at, item.unit.unit_id))


def desk_state(item: DeskUnit, current: CurrentRevision | None, now: datetime) -> DeskState:
    """`late`: its start (as it now stands) has passed, it has no result and is neither
    running nor postponed; `running`: set running, or a provisional result in; `done`:
    official, counted, or cancelled."""
    if current is None:
        if item.state.status == "running":
            return "running"
        if item.state.status != "postponed" and item.state.starts_at <= now:
            return "late"
        return "scheduled"
    if current.waiting:
        return "awaiting"
    if current.checks.review is not None:
        return "review"
    return "running" if current.status == "provisional" else "done"


def progress_document(
    games: Games, now: datetime, day: date | None, current: Mapping[str, CurrentRevision],
    updates: Mapping[str, UnitUpdate],
) -> dict[str, Any]:
    """The body of `GET /v1/desk/progress?date=`: the units of `day` (None: every day) by
    venue, each with its state and current revision, and the counts of each state."""
    units = programme(games, updates)
    shown = [item for item in units if day is None or item.day == day]
    totals: Counter[str] = Counter()
    venues: dict[str, dict[str, Any]] = {}
    for item in shown:
        revision = current.get(item.unit.unit_id)
        state = desk_state(item, revision, now)
        totals[state] += 1
        venue = venues.get(item.unit.venue)
        if venue is None:
            place = games.venue(item.unit.venue)
            assert place is not None, "games.yaml references are checked"
            venue = venues[item.unit.venue] = {"venue": place.id, "name": place.name,
                                               "name_en": place.name_en, "counts": Counter(),
                                               "units": []}
        venue["counts"][state] += 1
        venue["units"].append(_unit_document(item, state, revision))
    return {
        "date": None if day is None else day.isoformat(),
        "days": sorted({item.day.isoformat() for item in units}),
        "now": now.isoformat(),
        "totals": _counts(totals),
        "venues": [{**venue, "counts": _counts(venue["counts"])} for venue in venues.values()],
    }


def _counts(counter: Counter[str]) -> dict[str, int]:
    return {state: counter[state] for state in DESK_STATES}


def _unit_document(
    item: DeskUnit, state: DeskState, current: CurrentRevision | None
) -> dict[str, Any]:
    review = current.checks.review if current is not None else None
    unit = item.unit
    return {
        "unit_id": unit.unit_id, "event_id": item.event.id, "phase": unit.phase,
        "name": _unit_name(item, "zh"), "name_en": _unit_name(item, "en"),
        "starts_at": item.state.starts_at.astimezone(GAMES_TIMEZONE).isoformat(),
        "unit_status": item.state.status,
        "state": state,
        "revision": current.revision if current else 0,
        "status": current.shown_status if current else None,
        "entered_by": current.entered_by if current else None,
        "accepted_at": current.accepted_at.isoformat() if current else None,
        "review": None if review is None else {"note": review.note, "by": review.by,
                                               "at": review.at.isoformat()},
    }


def _unit_name(item: DeskUnit, lang: Literal["zh", "en"]) -> str:
    """The event's name, and the unit's phase where the event has more than its final."""
    event, unit = item.event, item.unit
    if lang == "zh":
        return event.name if len(event.units) == 1 else f"{event.name} {unit.phase_name}"
    return event.name_en if len(event.units) == 1 else f"{event.name_en}, {unit.phase_name_en}"


def token_document(listing: TokenListing, now: datetime) -> dict[str, Any]:
    """A token as `GET /v1/desk/tokens` lists it (never its secret: only a hash is kept)."""
    token = listing.token

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": token.id, "role": token.role, "name": token.name, "venues": list(token.venues),
        "state": listing.state(now),
        "created_at": listing.created_at.isoformat(), "created_by": listing.created_by,
        "expires_at": moment(listing.expires_at),
        "revoked_at": moment(listing.revoked_at), "revoked_by": listing.revoked_by,
        "results_entered": listing.results_entered,
        "last_entered_at": moment(listing.last_entered_at),
    }


def created_document(token: Token, secret: str, expires_at: datetime | None,
                     entry_url: str) -> dict[str, Any]:
    """The answer to `POST /v1/desk/tokens`: the only time the secret is shown. The entry
    page signs in from `#token=` in its address, so the official scans the QR code and is
    in; the fragment never reaches a server or its logs."""
    signed_in = f"{entry_url}#token={secret}"
    return {
        "id": token.id, "role": token.role, "name": token.name, "venues": list(token.venues),
        "expires_at": None if expires_at is None else expires_at.isoformat(),
        "secret": secret,
        "entry_url": signed_in,
        "qr_svg": segno.make(signed_in, error="m").svg_inline(scale=5, border=2),
    }


def awaiting_document(
    token: Token, games: Games, current: Mapping[str, CurrentRevision],
    entered: Mapping[tuple[str, str, int], tuple[str | None, Sequence[Any]]],
    updates: Mapping[str, UnitUpdate],
) -> dict[str, Any]:
    """The body of `GET /v1/my/awaiting`: the results of the token's venues that wait for
    their confirmation, each exactly as entered, and whether this token may confirm it."""
    names = {delegation.code: delegation.name for delegation in games.delegations}
    items = []
    for item in programme(games, updates):
        unit = item.unit
        revision = current.get(unit.unit_id)
        if revision is None or not revision.waiting or not token.may_enter_for(unit.venue):
            continue
        note, entries = entered[(item.event.id, unit.phase, revision.revision)]
        items.append({
            "unit_id": unit.unit_id, "event_id": item.event.id, "phase": unit.phase,
            "name": _unit_name(item, "zh"), "name_en": _unit_name(item, "en"),
            "venue": unit.venue, "revision": revision.revision, "status": revision.status,
            "note": note, "entered_by": revision.entered_by,
            "accepted_at": revision.accepted_at.isoformat(),
            "entries": [{**entry.model_dump(mode="json"),
                         "delegation_name": names.get(entry.delegation, entry.delegation)}
                        for entry in entries],
            "mine": revision.token_id == token.id,
            "may_confirm": token.may_confirm_for(unit.venue) and revision.token_id != token.id,
        })
    return {"awaiting": items}
