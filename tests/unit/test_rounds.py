"""An event's rounds as results come in (shared/domain/rounds.py): the shipped sprint's three
heats into its final, with times as officials type them, ties at the cut, a heat with DNS,
and a corrected heat before and after the final has a result."""

from dataclasses import replace
from decimal import Decimal

import pytest

from shared.domain.engine import Entry
from shared.domain.qualification import NextUnit
from shared.domain.rounds import (
    Advance,
    RoundResult,
    Undecided,
    advance,
    feeding_round,
    first_round,
    first_round_lists,
    next_round,
    time_key,
)
from shared.domain.start_lists import Entrant
from shared.domain.unit_status import Refusal, UnitState, status_after_result
from tests.unit.schedule_fixtures import shipped_event

SPRINT = shipped_event("ath-youth-m-100m")  # 3 heats {Q: 2, q: 2}, 8 lanes, lane-draw
SWIM = shipped_event("swm-youth-m-50m-free")  # 3 heats {Q: 0, q: 8}, 8 lanes, by-mark
PLAIN = shipped_event("ath-youth-m-800m")  # a final alone
HEATS = SPRINT.units[:3]
FINAL = SPRINT.units[3]


def result(heat: int, spec: str, status: str = "official") -> tuple[str, RoundResult]:
    """A heat's result from tokens "bib:rank:mark" or "bib:DNS"; bib A1 is of delegation a."""
    entries = []
    for token in spec.split():
        bib, outcome, *mark = token.split(":")
        ok = outcome.isdigit()
        entries.append(Entry(rank=int(outcome) if ok else None, bib=bib,
                             delegation={"A": "jiefang", "B": "macun", "C": "boai"}[bib[0]],
                             competitor=f"选手{bib}", status="OK" if ok else outcome,
                             mark=mark[0] if mark else None))
    return f"{SPRINT.id}/heat-{heat}", RoundResult(status, tuple(entries))


HEAT_RESULTS = dict([
    result(1, "A1:1:10.90 A2:2:10.95 A3:3:11.00 A4:4:11.20 A5:DNS"),
    result(2, "B1:1:10.85 B2:2:11.01 B3:3:11.02 B4:DNF"),
    result(3, "C1:1:10.92 C2:2:10.98 C3:3:11.05 C4:DSQ:10.80"),
])


def final_unit(*, has_result: bool = False, listed: bool = False,
               status: str = "scheduled") -> NextUnit:
    state = replace(UnitState.planned(FINAL.starts_at), status=status)  # type: ignore[arg-type]
    start_list = None
    if listed:
        derived = advance(SPRINT, HEATS[0], HEAT_RESULTS, [final_unit()])
        assert isinstance(derived, Advance)
        start_list = derived.next_round.start_lists[0]
    return NextUnit(FINAL.unit_id, state, has_result, start_list)


def bibs(outcome: Advance) -> list[str]:
    return [position.entry.bib for position in outcome.next_round.start_lists[0].positions]


def test_the_rounds_of_an_event() -> None:
    assert first_round(SPRINT) == HEATS
    assert first_round(PLAIN) == PLAIN.units
    assert feeding_round(SPRINT, HEATS[1]) == HEATS
    assert feeding_round(SPRINT, FINAL) == ()
    assert next_round(SPRINT, HEATS[0]) == (FINAL,)


def test_the_first_round_is_drawn_into_the_heats() -> None:
    entries = [Entrant(f"{code[:2]}{n}", f"{code}{n}", code) for code in
               ("jiefang", "macun", "boai", "qinyang") for n in (1, 2)]
    lists = first_round_lists(SPRINT, entries)
    assert not isinstance(lists, Refusal)
    assert [start_list.unit_id for start_list in lists] == [u.unit_id for u in HEATS]
    assert sorted(p.entry.bib for s in lists for p in s.positions) == sorted(e.bib for e in entries)
    too_many = [Entrant(f"X{n}", f"x{n}", "qinyang") for n in range(25)]
    refused = first_round_lists(SPRINT, too_many)
    assert refused == Refusal("25 entries do not fit 3 unit(s) of 8 lanes: add a heat")


def test_times_as_typed_are_the_keys_of_q() -> None:
    assert time_key("10.90") == Decimal("10.90")
    assert time_key("1:02.45") == Decimal("62.45")
    assert time_key("10.9O") is None  # a typo is no time: no q place
    assert time_key(None) is None


def test_nothing_goes_on_until_every_heat_is_official() -> None:
    waiting = {**HEAT_RESULTS, f"{SPRINT.id}/heat-3": replace(
        HEAT_RESULTS[f"{SPRINT.id}/heat-3"], status="provisional")}
    assert advance(SPRINT, HEATS[2], waiting, [final_unit()]) is None
    missing = {key: value for key, value in HEAT_RESULTS.items() if not key.endswith("3")}
    assert advance(SPRINT, HEATS[0], missing, [final_unit()]) is None
    assert advance(SPRINT, FINAL, HEAT_RESULTS, [final_unit()]) is None  # the final feeds none


def test_the_first_two_of_each_heat_and_the_two_best_times_fill_the_final() -> None:
    outcome = advance(SPRINT, HEATS[2], HEAT_RESULTS, [final_unit()])
    assert isinstance(outcome, Advance)
    # The lane draw: the best four (by place, then time) in lanes 3-6, C2 B2 in 7-8, the q in 1-2.
    lanes = {p.entry.bib: p.lane for p in outcome.next_round.start_lists[0].positions}
    assert {lanes[bib] for bib in ("B1", "A1", "C1", "A2")} == {3, 4, 5, 6}
    assert {lanes[bib] for bib in ("C2", "B2")} == {7, 8}
    assert {lanes[bib] for bib in ("A3", "B3")} == {1, 2}
    # Tags per heat: A5 (DNS), B4 (DNF) and C4 (DSQ, the best time of all) never go on.
    assert outcome.tags == {
        f"{SPRINT.id}/heat-1": {"A1": "Q", "A2": "Q", "A3": "q"},
        f"{SPRINT.id}/heat-2": {"B1": "Q", "B2": "Q", "B3": "q"},
        f"{SPRINT.id}/heat-3": {"C1": "Q", "C2": "Q"},
    }
    assert set(outcome.next_round.goes_on) == set(outcome.next_round.start_lists[0].entries)


def test_qualifiers_go_on_as_registered() -> None:
    # A result names a team by bib; the final's start list takes the team as entered, with
    # its members, which the heat's result need not repeat.
    team = Entrant("A1", "选手A1", "jiefang", members=("甲", "乙", "丙", "丁"))
    outcome = advance(SPRINT, HEATS[0], HEAT_RESULTS, [final_unit()], [team])
    assert isinstance(outcome, Advance)
    placed = {p.entry.bib: p.entry for p in outcome.next_round.start_lists[0].positions}
    assert placed["A1"] == team and placed["B1"].members == ()


def test_a_tie_at_the_cut_that_overfills_the_final_is_left_to_the_desk() -> None:
    tied = {**HEAT_RESULTS, **dict([result(3, "C1:1:10.92 C2:2:10.98 C3:3:11.02 C4:DSQ")])}
    outcome = advance(SPRINT, HEATS[2], tied, [final_unit()])
    assert isinstance(outcome, Undecided)
    assert outcome.reason.startswith("9 qualifiers do not fit")


def test_swimming_goes_on_by_time_into_lanes_from_the_centre() -> None:
    swim_results = {key.replace(SPRINT.id, SWIM.id): value for key, value in HEAT_RESULTS.items()}
    final = NextUnit(SWIM.units[3].unit_id, UnitState.planned(SWIM.units[3].starts_at), False)
    outcome = advance(SWIM, SWIM.units[0], swim_results, [final])
    assert isinstance(outcome, Advance)
    lanes = {p.entry.bib: p.lane for p in outcome.next_round.start_lists[0].positions}
    # The eight best times: B1 10.85 in lane 4, A1 10.90 in 5, C1 10.92 in 3, ...
    assert (lanes["B1"], lanes["A1"], lanes["C1"], lanes["A2"]) == (4, 5, 3, 6)
    assert "C3" not in lanes and "A4" not in lanes


def test_a_corrected_heat_re_derives_the_final_until_it_has_a_result() -> None:
    # Heat 2 corrected: B2 disqualified; B3 is 2nd and goes on by place, C3 takes a q.
    corrected = {**HEAT_RESULTS, **dict([result(2, "B1:1:10.85 B3:2:11.02 B4:DNF B2:DSQ")])}
    before = final_unit(listed=True)
    outcome = advance(SPRINT, HEATS[1], corrected, [before])
    assert isinstance(outcome, Advance)
    assert [entrant.bib for entrant in outcome.next_round.drops_out] == ["B2"]
    assert [entrant.bib for entrant in outcome.next_round.goes_on] == ["C3"]
    assert "B2" not in bibs(outcome) and "C3" in bibs(outcome)

    closed = advance(SPRINT, HEATS[1], corrected, [final_unit(listed=True, has_result=True)])
    assert closed == Refusal(f"{FINAL.unit_id} already has a result: its start list stays as "
                             "it was run, so the corrected heat no longer changes who goes on")
    running = advance(SPRINT, HEATS[1], corrected, [final_unit(listed=True, status="running")])
    assert running == Refusal(f"{FINAL.unit_id} is running: its start list can no longer change")


def test_a_final_run_without_the_heats_start_list_takes_late_heats_as_they_come() -> None:
    # The final's result was entered before the heats' (v1's way): nothing to re-derive.
    assert advance(SPRINT, HEATS[0], HEAT_RESULTS, [final_unit(has_result=True)]) is None


@pytest.mark.parametrize(("status", "awaiting", "unit"), [
    ("provisional", False, "running"), ("official", False, "official"),
    ("official", True, "unofficial"), ("cancelled", False, "cancelled"),
])
def test_a_result_gives_its_unit_a_status(status: str, awaiting: bool, unit: str) -> None:
    assert status_after_result(status, awaiting_confirmation=awaiting) == unit


def test_an_unknown_result_status_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown result status"):
        status_after_result("final")
