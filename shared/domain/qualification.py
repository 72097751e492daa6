"""Who goes on from a round of heats, and the next round's start lists (docs/schedule.md).

From each heat the first `Q` places go on (tag `Q`), then the `q` best marks of the rest across
all the round's heats (tag `q`). Entries tied on the last place that goes on all go on, on `Q`
(equal ranks) as on `q` (equal marks). DNS, DNF and DSQ never qualify, and an entry without a
mark cannot take a `q` place.

Marks are compared through a key the caller computes per measure (a time's hundredths, a
distance negated: lower is better), so this module never parses a mark.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from shared.domain.start_lists import Entrant, StartList, centre_out, lane_draw_groups, positions
from shared.domain.unit_status import Refusal, UnitState
from shared.domain.units import QualificationRule


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


MarkKey = TypeVar("MarkKey", bound=_Comparable)
# lane-draw: World Athletics' draw by rank groups (sprints and hurdles); by-mark: the best mark
# in the centre lane, then outwards (swimming).
Seeding = Literal["lane-draw", "by-mark"]


@dataclass(frozen=True)
class HeatEntry(Generic[MarkKey]):
    """An entry of a heat's result: rank when OK, and its mark's key (lower is better)."""

    entry: Entrant
    rank: int | None
    status: str = "OK"  # OK | DNF | DSQ | DNS
    mark_key: MarkKey | None = None


@dataclass(frozen=True)
class HeatResult(Generic[MarkKey]):
    unit_id: str
    entries: tuple[HeatEntry[MarkKey], ...]


@dataclass(frozen=True)
class Qualifier(Generic[MarkKey]):
    heat: str  # the unit id of the heat it came from
    result: HeatEntry[MarkKey]
    tag: Literal["Q", "q"]

    @property
    def entry(self) -> Entrant:
        return self.result.entry


def _mark_order(mark: MarkKey | None) -> tuple[bool, MarkKey | None]:
    # No mark sorts after every mark.
    return mark is None, mark


def qualifiers(
    heats: Sequence[HeatResult[MarkKey]], rule: QualificationRule
) -> tuple[Qualifier[MarkKey], ...]:
    """Who goes on, in seeding order: the `Q` qualifiers by place, then by mark, then in
    heat order (every heat winner before any second), then the `q` qualifiers by mark."""
    by_place: list[tuple[int, Qualifier[MarkKey]]] = []
    rest: list[Qualifier[MarkKey]] = []
    for heat_index, heat in enumerate(heats):
        for result in heat.entries:
            if result.status != "OK":
                continue
            if result.rank is None:
                raise ValueError(f"{heat.unit_id}: an OK entry ({result.entry.bib}) has no rank")
            if result.rank <= rule.by_place:
                by_place.append((heat_index, Qualifier(heat.unit_id, result, "Q")))
            elif result.mark_key is not None:
                rest.append(Qualifier(heat.unit_id, result, "q"))
    by_place.sort(key=lambda item: (item[1].result.rank, _mark_order(item[1].result.mark_key),
                                    item[0]))
    rest.sort(key=lambda qualifier: _mark_order(qualifier.result.mark_key))
    by_mark: list[Qualifier[MarkKey]] = []
    for qualifier in rest:
        if len(by_mark) >= rule.by_mark and not (by_mark and _ties(by_mark[-1], qualifier)):
            break
        by_mark.append(qualifier)
    return (*(qualifier for _, qualifier in by_place), *by_mark)


def _ties(last_in: Qualifier[MarkKey], candidate: Qualifier[MarkKey]) -> bool:
    cut, mark = last_in.result.mark_key, candidate.result.mark_key
    return cut is not None and mark is not None and not cut < mark


def next_round_start_lists(
    qualified: Sequence[Qualifier[MarkKey]],
    unit_ids: Sequence[str],
    *,
    lanes: int | None,
    seeding: Seeding = "lane-draw",
    seed: str | None = None,
) -> tuple[StartList, ...] | Refusal:
    """The start lists of the next round's units (`semi-1`, `semi-2`, or the `final`).

    The qualifiers are ranked (lane-draw: in `qualifiers`' seeding order; by-mark: by mark
    alone) and dealt to the units in a serpentine (1 2 3 3 2 1 1 2 ...). Within a unit:
    lane-draw draws each rank group into its lanes (`lane_draw_groups`: best 4 into 3-6, next 2
    into 7-8, last 2 into 1-2); by-mark puts them centre-out (`centre_out`: 4 5 3 6 2 7 1 8);
    without lanes the order is drawn. Draws use `seed` (default each unit's id).
    """
    if not unit_ids:
        raise ValueError("the next round needs at least one unit")
    if lanes is not None and len(qualified) > lanes * len(unit_ids):
        return Refusal(f"{len(qualified)} qualifiers do not fit {', '.join(unit_ids)} with "
                       f"{lanes} lanes each (a tie at the cut?): the round needs more lanes "
                       "or units, or the desk's decision")
    ranked = list(qualified)
    if seeding == "by-mark":
        ranked.sort(key=lambda qualifier: _mark_order(qualifier.result.mark_key))
    dealt: list[list[Entrant]] = [[] for _ in unit_ids]
    for index, qualifier in enumerate(ranked):
        turn, place = divmod(index, len(unit_ids))
        dealt[place if turn % 2 == 0 else len(unit_ids) - 1 - place].append(qualifier.entry)
    start_lists = []
    for unit_id, entries in zip(unit_ids, dealt, strict=True):
        draw = random.Random(unit_id if seed is None else f"{seed}/{unit_id}")
        if lanes is None:
            draw.shuffle(entries)
            start_lists.append(positions(unit_id, entries, None))
        elif seeding == "by-mark":
            start_lists.append(positions(unit_id, entries, centre_out(lanes)[:len(entries)]))
        else:
            drawn: list[int] = []
            for group in lane_draw_groups(lanes):
                drawn += draw.sample(group, len(group))
            # A unit with fewer entries than lanes leaves the last groups' lanes partly empty.
            start_lists.append(positions(unit_id, entries, drawn[:len(entries)]))
    return tuple(start_lists)


@dataclass(frozen=True)
class NextUnit:
    """A unit of the next round as it stands when its start lists are derived (again)."""

    unit_id: str
    state: UnitState
    has_result: bool
    start_list: StartList | None = None


@dataclass(frozen=True)
class NextRound:
    start_lists: tuple[StartList, ...]
    goes_on: tuple[Entrant, ...]  # entered by this derivation, not on the previous start lists
    drops_out: tuple[Entrant, ...]  # on the previous start lists, no longer qualified


def derive_next_round(
    heats: Sequence[HeatResult[MarkKey]],
    rule: QualificationRule,
    next_units: Sequence[NextUnit],
    *,
    lanes: int | None,
    seeding: Seeding = "lane-draw",
    seed: str | None = None,
) -> NextRound | Refusal:
    """The next round's start lists from the heats' results, first or after a heat's correction.

    While no unit of the next round has a result or has started, a corrected heat re-derives
    them (the same results give the same lists). Once one has, its start list stays as it was
    run: the refusal names that unit.
    """
    for unit in next_units:
        if unit.has_result:
            return Refusal(f"{unit.unit_id} already has a result: its start list stays as it "
                           "was run, so the corrected heat no longer changes who goes on")
        if unit.state.has_started:
            return Refusal(f"{unit.unit_id} is {unit.state.status}: its start list can no "
                           "longer change")
    start_lists = next_round_start_lists(
        qualifiers(heats, rule), [unit.unit_id for unit in next_units],
        lanes=lanes, seeding=seeding, seed=seed,
    )
    if isinstance(start_lists, Refusal):
        return start_lists
    before = [entry for unit in next_units if unit.start_list is not None
              for entry in unit.start_list.entries]
    after = [entry for start_list in start_lists for entry in start_list.entries]
    return NextRound(
        start_lists=start_lists,
        goes_on=tuple(entry for entry in after if entry not in before),
        drops_out=tuple(entry for entry in before if entry not in after),
    )
