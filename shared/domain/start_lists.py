"""Entries and start lists (秩序册): who starts in a unit, in which order or lane.

An `Entrant` is a competitor entered in an event (docs/api.md "Registrations and start
lists"): its `bib` identifies it across the games. A `StartList` places a unit's entries, by
lane where the unit has lanes, else by order. First rounds are drawn here; the rounds after are
seeded from the qualifiers (shared/domain/qualification.py) with the lane helpers below.

Draws are seeded (`random.Random(seed)`, by default with the unit id), so deriving a start list
again from the same entries gives the same list, and a different list shows that something
changed. docs/schedule.md describes every rule with an example.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.unit_status import Refusal

# The fewest lanes the lane draw's three rank groups fit in (lane_draw_groups).
_LANE_DRAW_LANES: Final = 6


class SeedingSettings(BaseModel):
    """How an event's start lists are made (games.yaml `seeding: {lanes: 8, next_rounds:
    lane-draw}`): its units' lanes (none: a start order), and how the rounds after the first
    are seeded from the qualifiers: `lane-draw` (athletics), `by-mark` (swimming) or `draw`
    (a drawn order, where there are no lanes). The first round is always drawn."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lanes: int | None = Field(default=None, ge=1, le=12)
    next_rounds: Literal["lane-draw", "by-mark", "draw"] = "draw"

    @model_validator(mode="after")
    def _lanes_fit(self) -> "SeedingSettings":
        if self.next_rounds == "draw" and self.lanes is not None:
            raise ValueError("with lanes, the next rounds are seeded lane-draw or by-mark")
        if self.next_rounds != "draw" and self.lanes is None:
            raise ValueError(f"{self.next_rounds} places runners in lanes: give lanes")
        if self.next_rounds == "lane-draw" and (self.lanes or 0) < _LANE_DRAW_LANES:
            raise ValueError(f"the lane draw needs at least {_LANE_DRAW_LANES} lanes "
                             f"(got {self.lanes})")
        return self


@dataclass(frozen=True)
class Entrant:
    """A competitor (or team) entered in an event."""

    bib: str
    name: str
    delegation: str
    members: tuple[str, ...] = ()  # team events: the team's members


@dataclass(frozen=True)
class StartPosition:
    order: int  # 1, 2, ...: the listing order (lane order where there are lanes)
    lane: int | None
    entry: Entrant

    def document(self) -> dict[str, Any]:
        """A row of `GET /v1/units/{unit_id}`'s start list."""
        return {"order": self.order, "lane": self.lane, "bib": self.entry.bib,
                "competitor": self.entry.name, "delegation": self.entry.delegation,
                "members": list(self.entry.members)}


@dataclass(frozen=True)
class StartList:
    unit_id: str
    positions: tuple[StartPosition, ...]

    @property
    def delegations(self) -> frozenset[str]:
        return frozenset(position.entry.delegation for position in self.positions)

    @property
    def entries(self) -> tuple[Entrant, ...]:
        return tuple(position.entry for position in self.positions)


def centre_out(lanes: int) -> tuple[int, ...]:
    """Lanes 1..`lanes` from the centre outwards, right before left: 4 5 3 6 2 7 1 8 for 8
    lanes (swimming's seeding, and where a first round's smaller heats run)."""
    centre = (lanes + 1) // 2
    order = [centre]
    for step in range(1, lanes):
        order.append(centre + (step + 1) // 2 if step % 2 else centre - step // 2)
    return tuple(order)


def lane_draw_groups(lanes: int) -> tuple[tuple[int, ...], ...]:
    """The lanes each rank group is drawn into, best group first (World Athletics' draw for
    rounds after the first): for 8 lanes the best 4 into lanes 3-6, the next 2 into 7-8, the
    last 2 into 1-2; for 9 lanes the best 5 into 3-7, then 8-9, then 1-2."""
    if lanes < _LANE_DRAW_LANES:
        raise ValueError(f"the lane draw needs at least {_LANE_DRAW_LANES} lanes (got {lanes})")
    return tuple(range(3, lanes - 1)), (lanes - 1, lanes), (1, 2)


def positions(
    unit_id: str, entries: Sequence[Entrant], lanes: Sequence[int] | None
) -> StartList:
    """The start list placing `entries` in `lanes` (entries[i] in lanes[i]), or in the given
    order when the unit has no lanes."""
    if lanes is None:
        return StartList(unit_id, tuple(StartPosition(order, None, entry)
                                        for order, entry in enumerate(entries, start=1)))
    placed = sorted(zip(lanes, entries, strict=True), key=lambda pair: pair[0])
    return StartList(unit_id, tuple(StartPosition(order, lane, entry)
                                    for order, (lane, entry) in enumerate(placed, start=1)))


def first_round_start_lists(
    unit_ids: Sequence[str],
    entries: Sequence[Entrant],
    *,
    lanes: int | None,
    order: Literal["draw", "entry"],
    seed: str | None = None,
) -> tuple[StartList, ...] | Refusal:
    """The start lists of an event's first round (its heats, or its final alone).

    `order="draw"` shuffles the entries with `seed` (default: the first unit's id); `"entry"`
    keeps the order they were entered in. The entries are then dealt in turn to the units,
    each delegation's entries one after another, so a delegation's competitors run in
    different heats as far as the heats allow, and heat sizes differ by one at most. Within a
    unit with lanes, its entries take the lanes nearest the centre (`centre_out`), in the
    drawn (or entry) order; without lanes, that order is the start order.
    """
    if not unit_ids:
        raise ValueError("a first round needs at least one unit")
    listed = list(entries)
    if order == "draw":
        random.Random(seed or unit_ids[0]).shuffle(listed)
    if lanes is not None and len(listed) > lanes * len(unit_ids):
        return Refusal(f"{len(listed)} entries do not fit {len(unit_ids)} unit(s) of {lanes} "
                       "lanes: add a heat")
    first_listed = {entry.delegation: index for index, entry in reversed(list(enumerate(listed)))}
    by_delegation = sorted(listed, key=lambda entry: first_listed[entry.delegation])
    dealt: list[list[Entrant]] = [[] for _ in unit_ids]
    for index, entry in enumerate(by_delegation):
        dealt[index % len(unit_ids)].append(entry)
    if order == "draw":
        # Dealing grouped the delegations; draw each unit's running order again.
        for index, unit_entries in enumerate(dealt):
            random.Random(f"{seed or unit_ids[0]}/{index}").shuffle(unit_entries)
    return tuple(
        positions(unit_id, unit_entries,
                  None if lanes is None else centre_out(lanes)[:len(unit_entries)])
        for unit_id, unit_entries in zip(unit_ids, dealt, strict=True)
    )
