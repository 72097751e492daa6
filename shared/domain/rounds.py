"""An event's rounds as its results come in: the first round's start lists from the entries,
and the next round's from a round of heats once every heat is official (docs/schedule.md).

This joins the rules of units.py, start_lists.py and qualification.py for the services: ingest
calls `advance` after a heat's result in the same transaction that stores it, the entries
import calls `first_round`. Races are timed, so heat marks are times (marks.parse_mark with
measure `time`); a mark that does not parse counts as no mark.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from shared.domain.engine import Entry
from shared.domain.games import Event
from shared.domain.marks import MarkError, parse_mark
from shared.domain.qualification import (
    HeatEntry,
    HeatResult,
    NextRound,
    NextUnit,
    derive_next_round,
    qualifiers,
)
from shared.domain.start_lists import Entrant, StartList, first_round_start_lists
from shared.domain.unit_status import Refusal
from shared.domain.units import Unit, qualification_rule

# The lanes a round without lanes is reckoned to fill when its rule is the default.
_DEFAULT_LANES: Final = 8
QualifyTag = Literal["Q", "q"]


@dataclass(frozen=True)
class RoundResult:
    """A unit's latest result as the rounds read it."""

    status: str  # provisional | official | cancelled
    entries: Sequence[Entry]


def first_round(event: Event) -> tuple[Unit, ...]:
    """The units the entries start in: the heats, or the final alone."""
    heats = tuple(unit for unit in event.units if unit.parsed_phase.kind == "heat")
    return heats or tuple(unit for unit in event.units if unit.phase == "final")


def feeding_round(event: Event, unit: Unit) -> tuple[Unit, ...]:
    """The units of `unit`'s round when that round feeds another (heats, semi-finals); ()
    for the final and for matches."""
    kind = unit.parsed_phase.kind
    if kind not in ("heat", "semi"):
        return ()
    return tuple(other for other in event.units if other.parsed_phase.kind == kind)


def next_round(event: Event, unit: Unit) -> tuple[Unit, ...]:
    """The units a heat (or semi-final) sends its qualifiers to: the semi-finals, else the
    final."""
    semis = tuple(other for other in event.units if other.parsed_phase.kind == "semi")
    if unit.parsed_phase.kind == "heat" and semis:
        return semis
    return tuple(other for other in event.units if other.phase == "final")


def first_round_lists(event: Event, entries: Sequence[Entrant]) -> tuple[StartList, ...] | Refusal:
    """The start lists of the event's first round, drawn from its entries."""
    return first_round_start_lists([unit.unit_id for unit in first_round(event)], entries,
                                   lanes=event.seeding.lanes, order="draw")


def time_key(mark: str | None) -> Decimal | None:
    """A heat mark's key for `q` (lower is better); None when there is no usable time."""
    if mark is None:
        return None
    try:
        return parse_mark(mark, "time").rank_key
    except MarkError:
        return None


def competitor_key(bib: str | None, delegation: str, name: str) -> str:
    """How a competitor is told apart in a round: its bib, or without entries (v1's free
    text) its delegation and name."""
    return bib or f"{delegation}:{name}"


def entrant_key(entrant: Entrant) -> str:
    return competitor_key(entrant.bib, entrant.delegation, entrant.name)


def _heat_result(
    unit_id: str, result: RoundResult, entrants: Mapping[str, Entrant]
) -> HeatResult[Decimal]:
    """The heat's entries as the next round takes them: a bib's entrant as registered (its
    team's members too), else as the result names it."""
    return HeatResult(unit_id, tuple(
        HeatEntry(entry=entrants.get(entry.bib or "") or Entrant(
                      bib=entry.bib or "", name=entry.competitor, delegation=entry.delegation,
                      members=entry.members),
                  rank=entry.rank, status=entry.status, mark_key=time_key(entry.mark))
        for entry in result.entries))


@dataclass(frozen=True)
class Undecided:
    """The qualifiers do not fit the next round (a tie at the cut): its start lists are the
    desk's decision, and the heat's result stands."""

    reason: str


@dataclass(frozen=True)
class Advance:
    """The next round's start lists and how each heat's entries went on."""

    next_round: NextRound
    tags: Mapping[str, Mapping[str, QualifyTag]]  # heat unit id -> entrant_key -> Q or q


def advance(
    event: Event,
    unit: Unit,
    results: Mapping[str, RoundResult],
    next_units: Sequence[NextUnit],
    entrants: Sequence[Entrant] = (),
) -> Advance | Refusal | Undecided | None:
    """What `unit`'s new result does to the next round, given the latest result of each unit
    of its round (`results`, by unit id), the next round's units as they stand and the
    event's entries (`entrants`: a qualifier goes on as registered).

    None when it does nothing: `unit` feeds no round, a unit of its round has no official
    result yet, or the next round was run without start lists derived from this one (its
    results were entered first). Otherwise the (re-)derived start lists; the refusal of a
    correction once the next round has a result or has started; or Undecided when the
    qualifiers do not fit the next round.
    """
    round_units = feeding_round(event, unit)
    if not round_units or not next_units:
        return None
    registered = {entrant.bib: entrant for entrant in entrants}
    heats = []
    for heat in round_units:
        result = results.get(heat.unit_id)
        if result is None or result.status != "official":
            return None
        heats.append(_heat_result(heat.unit_id, result, registered))
    kind: Literal["heat", "semi"] = "heat" if unit.parsed_phase.kind == "heat" else "semi"
    rule = qualification_rule(event.units, kind, event.seeding.lanes or _DEFAULT_LANES)
    seeding = event.seeding.next_rounds
    derived = derive_next_round(
        heats, rule, next_units, lanes=event.seeding.lanes,
        seeding="by-mark" if seeding == "by-mark" else "lane-draw",
    )
    if isinstance(derived, Refusal):
        closed = any(other.has_result or other.state.has_started for other in next_units)
        if not closed:
            return Undecided(derived.reason)
        if all(other.start_list is None for other in next_units):
            return None
        return derived
    tags: dict[str, dict[str, QualifyTag]] = {heat.unit_id: {} for heat in round_units}
    for qualifier in qualifiers(heats, rule):
        tags[qualifier.heat][entrant_key(qualifier.entry)] = qualifier.tag
    return Advance(derived, tags)
