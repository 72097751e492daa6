"""A unit's status through the day (docs/api.md "Units, schedule and status").

Three sources move a unit: officials (`POST /v1/units/{unit_id}/status`: running, delayed,
postponed, back to scheduled), the desk publishing its start list, and its results. The allowed
moves are data (`TRANSITIONS`); `transition` applies one or refuses it with a reason worded for
the official who asked. Results are facts and always move the unit: the status mirrors the
latest result (provisional: running, awaiting confirmation: unofficial, official, cancelled).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal, get_args

UnitStatus = Literal[
    "scheduled", "start_list", "running", "delayed", "postponed", "unofficial", "official",
    "cancelled",
]
UNIT_STATUSES: Final = get_args(UnitStatus)
# Who asks: an official (or the desk) by POST, the desk publishing the start list, a result.
Source = Literal["official", "start_list", "result"]
# What officials may ask for (`POST /v1/units/{unit_id}/status`); results set the rest.
OfficialStatus = Literal["running", "delayed", "postponed", "scheduled"]

_BEFORE_START: Final = frozenset[UnitStatus]({"scheduled", "start_list", "delayed"})
_WITH_RESULT: Final = frozenset[UnitStatus]({"unofficial", "official", "cancelled"})
_RESULT_STATUSES: Final = frozenset[UnitStatus]({"running", *_WITH_RESULT})

# For each source and current status, the statuses it may request. Repeating a request is
# allowed where it carries news (a further delay, a new note) or is a retry on a poor network.
TRANSITIONS: Final[Mapping[Source, Mapping[UnitStatus, frozenset[UnitStatus]]]] = {
    "official": {
        **{status: frozenset({"running", "delayed", "postponed", "scheduled"})
           for status in _BEFORE_START},
        # A unit under way can be stopped for another day, or put back when set running early.
        "running": frozenset({"running", "postponed", "scheduled"}),
        "postponed": frozenset({"postponed", "scheduled"}),
        **{status: frozenset() for status in _WITH_RESULT},
    },
    "start_list": {
        **{status: frozenset({"start_list"}) for status in (*_BEFORE_START, "postponed")},
        **{status: frozenset() for status in ("running", *_WITH_RESULT)},
    },
    "result": {status: _RESULT_STATUSES for status in UNIT_STATUSES},
}
# What each source may ask for at all; anything else is a mistake in the caller.
_REQUESTS: Final[Mapping[Source, frozenset[UnitStatus]]] = {
    source: frozenset().union(*by_status.values()) for source, by_status in TRANSITIONS.items()
}

# Why a request is refused, by (current status, requested status) where one reason fits a
# pair, else by current status; "{requested}" is filled in.
_PAIR_REFUSALS: Final[Mapping[tuple[UnitStatus, UnitStatus], str]] = {
    ("running", "delayed"): "a running unit has started and cannot be delayed; set it postponed "
                            "if it stops for another day, or scheduled if it was set running "
                            "by mistake",
    ("postponed", "running"): "a postponed unit needs its new start first: set it scheduled "
                              "with starts_at, then running",
    ("postponed", "delayed"): "a postponed unit has no start to delay: set it scheduled with "
                              "its new starts_at",
}
_STATUS_REFUSALS: Final[Mapping[UnitStatus, str]] = {
    "unofficial": "the unit's result awaits confirmation; confirm or correct the result "
                  "instead of setting it {requested}",
    "official": "an official unit cannot be set {requested}; correct its result instead",
    "cancelled": "the unit's result was withdrawn (cancelled); enter a new result revision "
                 "instead of setting it {requested}",
}


@dataclass(frozen=True)
class UnitState:
    """Where a unit stands: its status, its start as planned and as it now stands (a delay or
    postponement moves it), the note shown with the status, and whether its start list is out."""

    status: UnitStatus
    planned_at: datetime
    starts_at: datetime
    note: str | None = None
    start_list_published: bool = False

    @classmethod
    def planned(cls, starts_at: datetime) -> "UnitState":
        """A unit as the games file lists it: scheduled at its start."""
        return cls(status="scheduled", planned_at=starts_at, starts_at=starts_at)

    @property
    def has_started(self) -> bool:
        return self.status == "running" or self.status in _WITH_RESULT


@dataclass(frozen=True)
class Refusal:
    """A request that cannot be applied; `reason` tells whoever asked what to do instead."""

    reason: str


def transition(
    current: UnitState,
    requested: UnitStatus,
    *,
    source: Source,
    starts_at: datetime | None = None,
    note: str | None = None,
) -> UnitState | Refusal:
    """The unit's state after `source` requests `requested`, or why that cannot be.

    A request its source never makes (an official asking for `official`, which only a result
    sets) is a ValueError: the API's schema refuses those first. Officials give `starts_at`
    with delayed (required, later than the current start), postponed (optional: the new start
    when known) and scheduled (optional, required after a postponement; without it the current
    start stands), and optionally a `note` shown with the status. Running and results keep the
    start; results clear the note. Back to scheduled is `start_list` once the list is out.
    """
    if requested not in _REQUESTS[source]:
        raise ValueError(f"{source} does not request {requested!r}")
    if starts_at is not None and requested not in ("delayed", "postponed", "scheduled"):
        return Refusal(f"starts_at applies to delayed, postponed and scheduled, not to "
                       f"{requested}")
    if requested not in TRANSITIONS[source][current.status]:
        return Refusal(_refusal_reason(current.status, requested, source))
    if starts_at is not None and starts_at.utcoffset() is None:
        return Refusal("starts_at needs its UTC offset, e.g. 2024-09-20T10:30:00+08:00")
    if requested in ("delayed", "postponed") and starts_at is not None \
            and starts_at <= current.starts_at:
        return Refusal(f"a unit {requested} starts later: {starts_at.isoformat()} is not after "
                       f"its current start {current.starts_at.isoformat()}")
    if starts_at is None and requested == "delayed":
        return Refusal("a delay needs the new starts_at")
    if starts_at is None and requested == "scheduled" and current.status == "postponed":
        return Refusal("a postponed unit is scheduled again at its new start: give starts_at")
    if source == "start_list":
        status: UnitStatus = "start_list" if current.status == "scheduled" else current.status
        return replace(current, status=status, start_list_published=True)
    if requested == "scheduled" and current.start_list_published:
        requested = "start_list"
    return replace(current, status=requested, starts_at=starts_at or current.starts_at,
                   note=(note or "").strip() or None)


def status_after_result(result_status: str, *, awaiting_confirmation: bool = False) -> UnitStatus:
    """The status a result gives its unit: provisional is `running`, official `official`
    (`unofficial` while it awaits a referee's confirmation), cancelled `cancelled`."""
    if result_status == "provisional":
        return "running"
    if result_status == "official":
        return "unofficial" if awaiting_confirmation else "official"
    if result_status == "cancelled":
        return "cancelled"
    raise ValueError(f"unknown result status {result_status!r}")


def _refusal_reason(current: UnitStatus, requested: UnitStatus, source: Source) -> str:
    if source == "start_list":
        return f"the unit is {current}: its start list can no longer change once it has started"
    reason = _PAIR_REFUSALS.get((current, requested)) or _STATUS_REFUSALS[current]
    return reason.format(requested=requested)
