"""The schedule (赛程) as boards, media and the results desk query it.

`schedule` joins the games file's units with their current states, in start order (a delay
moves a unit); the filters keep what `GET /v1/schedule?date=&venue=&delegation=` asks for,
`now_and_next` is a venue's or the whole games' board, and `late` is the desk's list of units
whose start has passed without anything happening. Days are the games' days, in +08:00.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Final

from shared.domain.start_lists import Entrant, StartList
from shared.domain.unit_status import UnitState
from shared.domain.units import Unit

GAMES_TIMEZONE: Final = timezone(timedelta(hours=8))
_PENDING: Final = frozenset({"scheduled", "start_list", "delayed"})


@dataclass(frozen=True)
class ScheduledUnit:
    unit: Unit
    state: UnitState

    @property
    def starts_at(self) -> datetime:
        """The start as it now stands: a delay or a postponement moves it."""
        return self.state.starts_at

    def document(self, tz: tzinfo = GAMES_TIMEZONE) -> dict[str, Any]:
        """A unit of `GET /v1/schedule` (docs/api.md), its start in the games' zone."""
        return {
            "unit_id": self.unit.unit_id, "event_id": self.unit.event_id,
            "phase": self.unit.phase, "phase_name": self.unit.phase_name,
            "phase_name_en": self.unit.phase_name_en,
            "starts_at": self.starts_at.astimezone(tz).isoformat(), "venue": self.unit.venue,
            "status": self.state.status, "status_note": self.state.note,
        }


def schedule(
    units: Iterable[Unit], states: Mapping[str, UnitState]
) -> tuple[ScheduledUnit, ...]:
    """Every unit with its state (as planned when `states` has none for it), in start order:
    by current start, then planned start, then unit id, so equal starts list stably."""
    items = [ScheduledUnit(unit, states.get(unit.unit_id) or UnitState.planned(unit.starts_at))
             for unit in units]
    return tuple(sorted(items, key=lambda item: (item.starts_at, item.unit.starts_at,
                                                 item.unit.unit_id)))


def on_day(
    items: Iterable[ScheduledUnit], day: date, tz: tzinfo = GAMES_TIMEZONE
) -> tuple[ScheduledUnit, ...]:
    """The units starting on `day` in the games' time zone."""
    return tuple(item for item in items if item.starts_at.astimezone(tz).date() == day)


def at_venue(items: Iterable[ScheduledUnit], venue: str) -> tuple[ScheduledUnit, ...]:
    return tuple(item for item in items if item.unit.venue == venue)


def of_delegation(
    items: Iterable[ScheduledUnit],
    delegation: str,
    start_lists: Mapping[str, StartList],
    entries: Mapping[str, Sequence[Entrant]],
) -> tuple[ScheduledUnit, ...]:
    """The units where `delegation` competes or may still compete.

    A unit with a start list (keyed by unit id) concerns the delegations on it; a unit without
    one yet (a final before its heats are run) concerns every delegation entered in its event
    (`entries`, keyed by event id). An event without entries concerns nobody: v1's free-text
    results name no delegation in advance.
    """
    def concerns(item: ScheduledUnit) -> bool:
        start_list = start_lists.get(item.unit.unit_id)
        if start_list is not None:
            return delegation in start_list.delegations
        return any(entry.delegation == delegation for entry in entries.get(item.unit.event_id, ()))

    return tuple(item for item in items if concerns(item))


@dataclass(frozen=True)
class NowAndNext:
    running: tuple[ScheduledUnit, ...]
    late: tuple[ScheduledUnit, ...]  # due to have started: see `late`
    next: tuple[ScheduledUnit, ...]  # the first `count` units still to start after the instant


def now_and_next(items: Sequence[ScheduledUnit], at: datetime, count: int = 3) -> NowAndNext:
    """A board at instant `at`, for the units given (filter `at_venue` first for one venue).

    Running units, then the ones already due (`late`), then the next `count` to start, each
    delayed one at its new start. Postponed units and units with a result are on none.
    """
    return NowAndNext(
        running=tuple(item for item in items if item.state.status == "running"),
        late=late(items, at),
        next=tuple(item for item in items
                   if item.state.status in _PENDING and item.starts_at >= at)[:count],
    )


def late(
    items: Iterable[ScheduledUnit], at: datetime, grace: timedelta = timedelta(0)
) -> tuple[ScheduledUnit, ...]:
    """Units whose start (as it now stands) passed more than `grace` before `at`, that are
    neither running nor have a result, nor are postponed: the desk chases these."""
    return tuple(item for item in items
                 if item.state.status in _PENDING and item.starts_at + grace < at)


def schedule_document(items: Iterable[ScheduledUnit]) -> dict[str, Any]:
    """The body of `GET /v1/schedule`: `{"units": [...]}` in the order given."""
    return {"units": [item.document() for item in items]}
