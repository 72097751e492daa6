"""First-round start lists and the lane orders the later rounds use."""

from collections import Counter
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.start_lists import (
    Entrant,
    StartList,
    StartPosition,
    centre_out,
    first_round_start_lists,
    lane_draw_groups,
)
from shared.domain.unit_status import Refusal
from tests.unit.schedule_fixtures import balanced, entry
from tests.unit.shipped import GAMES

HEATS = ["ath-youth-m-100m/heat-1", "ath-youth-m-100m/heat-2"]


def test_lane_orders() -> None:
    assert centre_out(8) == (4, 5, 3, 6, 2, 7, 1, 8)
    assert centre_out(9) == (5, 6, 4, 7, 3, 8, 2, 9, 1)
    assert centre_out(6) == (3, 4, 2, 5, 1, 6)
    assert lane_draw_groups(8) == ((3, 4, 5, 6), (7, 8), (1, 2))
    assert lane_draw_groups(9) == ((3, 4, 5, 6, 7), (8, 9), (1, 2))
    assert lane_draw_groups(6) == ((3, 4), (5, 6), (1, 2))
    with pytest.raises(ValueError, match="the lane draw needs at least 6 lanes"):
        lane_draw_groups(5)


def bibs(start_lists: tuple[StartList, ...] | Refusal) -> list[list[tuple[int | None, str]]]:
    assert not isinstance(start_lists, Refusal)
    return [[(p.lane, p.entry.bib) for p in start_list.positions] for start_list in start_lists]


def test_a_final_in_entry_order_fills_the_centre_lanes() -> None:
    entries = [entry(f"{n}") for n in range(1, 6)]
    # 1 2 3 4 5 into lanes 4 5 3 6 2, listed by lane.
    assert bibs(first_round_start_lists(["x/final"], entries, lanes=8, order="entry")) == [
        [(2, "5"), (3, "3"), (4, "1"), (5, "2"), (6, "4")]]


def test_heats_in_entry_order_separate_each_delegations_competitors() -> None:
    entries = [entry("Q1", "qinyang"), entry("M1", "mengzhou"), entry("Q2", "qinyang"),
               entry("W1", "wuzhi"), entry("W2", "wuzhi")]
    # Grouped by delegation (Q1 Q2 M1 W1 W2) and dealt in turn to heat 1, 2, 1, 2, 1.
    assert bibs(first_round_start_lists(HEATS, entries, lanes=None, order="entry")) == [
        [(None, "Q1"), (None, "M1"), (None, "W2")], [(None, "Q2"), (None, "W1")]]
    start_lists = first_round_start_lists(HEATS, entries, lanes=None, order="entry")
    assert not isinstance(start_lists, Refusal)
    assert start_lists[0].positions[1] == StartPosition(2, None, entries[1])
    assert start_lists[0].positions[1].document() == {
        "order": 2, "lane": None, "bib": "M1", "competitor": "competitor M1",
        "delegation": "mengzhou", "members": []}


def test_a_drawn_first_round_is_the_same_for_the_same_seed() -> None:
    entries = [entry(f"{n}", code) for n, code in enumerate(GAMES.delegation_codes)]
    drawn = first_round_start_lists(HEATS, entries, lanes=8, order="draw")
    assert drawn == first_round_start_lists(HEATS, entries, lanes=8, order="draw",
                                            seed=HEATS[0])
    assert drawn != first_round_start_lists(HEATS, entries, lanes=8, order="draw",
                                            seed="another draw")
    # 11 entries in two heats: 6 in lanes 2-7, 5 in lanes 2-6.
    assert [[lane for lane, _ in heat] for heat in bibs(drawn)] == [
        [2, 3, 4, 5, 6, 7], [2, 3, 4, 5, 6]]


def test_more_entries_than_lanes_is_refused() -> None:
    entries = [entry(f"{n}") for n in range(17)]
    assert first_round_start_lists(HEATS, entries, lanes=8, order="draw") == Refusal(
        "17 entries do not fit 2 unit(s) of 8 lanes: add a heat")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(GAMES.delegation_codes[:5]), max_size=24),
       st.integers(min_value=1, max_value=4), st.sampled_from(["draw", "entry"]))
def test_first_rounds_place_everyone_once_in_balanced_heats(
    delegations: list[str], units: int, order: Literal["draw", "entry"]
) -> None:
    entries = [Entrant(bib=f"{n}", name=f"n{n}", delegation=code)
               for n, code in enumerate(delegations)]
    unit_ids = [f"x/heat-{n}" for n in range(1, units + 1)]
    result = first_round_start_lists(unit_ids, entries, lanes=8, order=order)
    per_delegation = Counter(delegations)
    for start_list in balanced(result, entries, units, lanes=8):
        # A delegation has at most its share of each heat (rounded up).
        counts = Counter(entry.delegation for entry in start_list.entries)
        assert all(count <= -(-per_delegation[code] // units) for code, count in counts.items())
        assert {p.lane for p in start_list.positions} == set(
            centre_out(8)[:len(start_list.positions)])
