"""Qualification by Q and q, the next round's start lists, and a heat corrected afterwards.

Marks are hundredths of a second (lower is better), as the caller's key function would give.
"""

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.qualification import (
    HeatEntry,
    HeatResult,
    NextUnit,
    Qualifier,
    Seeding,
    derive_next_round,
    next_round_start_lists,
    qualifiers,
)
from shared.domain.start_lists import StartList
from shared.domain.unit_status import Refusal, UnitState
from shared.domain.units import QualificationRule
from tests.unit.schedule_fixtures import balanced, entry

EVENT = "ath-youth-m-100m"
Q2_Q2 = QualificationRule(Q=2, q=2)


def heat(number: int, spec: str) -> HeatResult[int]:
    """Entries from tokens "bib:rank:mark", "bib:rank" (no mark) or "bib:DNS[:mark]"."""
    entries = []
    for token in spec.split():
        bib, outcome, *mark = token.split(":")
        ok = outcome.isdigit()
        entries.append(HeatEntry(entry=entry(bib), rank=int(outcome) if ok else None,
                                 status="OK" if ok else outcome,
                                 mark_key=int(mark[0]) if mark else None))
    return HeatResult(f"{EVENT}/heat-{number}", tuple(entries))


THREE_HEATS = [
    heat(1, "A1:1:1090 A2:2:1095 A3:3:1100 A4:4:1120 A5:DNS"),
    heat(2, "B1:1:1085 B2:2:1101 B3:3:1102 B4:DNF"),
    heat(3, "C1:1:1092 C2:2:1098 C3:3:1105 C4:DSQ:1080"),
]


def tagged(found: tuple[Qualifier[int], ...]) -> list[str]:
    return [f"{qualifier.entry.bib} {qualifier.tag}" for qualifier in found]


def test_first_two_of_each_heat_then_the_two_best_marks() -> None:
    # In seeding order: heat winners by mark, then the seconds, then the q by mark. C4's DSQ
    # mark is the best of all but never qualifies; A5 (DNS) and B4 (DNF) neither.
    assert tagged(qualifiers(THREE_HEATS, Q2_Q2)) == [
        "B1 Q", "A1 Q", "C1 Q", "A2 Q", "C2 Q", "B2 Q", "A3 q", "B3 q"]


def test_a_tie_on_the_last_place_by_rank_all_go_on() -> None:
    heats = [heat(1, "A1:1:1090 A2:2:1095 A3:2:1095 A4:4:1100"),
             heat(2, "B1:1:1085 B2:2:1101 B3:3:1102")]
    # A2 and A3 share 2nd: both Q. Then the 2 best of A4 (1100) and B3 (1102).
    assert tagged(qualifiers(heats, Q2_Q2)) == [
        "B1 Q", "A1 Q", "A2 Q", "A3 Q", "B2 Q", "A4 q", "B3 q"]
    tie_at_first = [heat(1, "A1:1:1090 A2:1:1090 A3:3:1100")]
    assert tagged(qualifiers(tie_at_first, QualificationRule(Q=2, q=0))) == ["A1 Q", "A2 Q"]


def test_a_tie_on_the_last_place_by_mark_all_go_on() -> None:
    heats = [heat(1, "A1:1:1090 A2:2:1095 A3:3:1102 A4:4:1110"),
             heat(2, "B1:1:1085 B2:2:1101 B3:3:1100 B4:4:1102")]
    # Rest: B3 1100, A3 1102, B4 1102, A4 1110: the 2nd best mark is shared, so three go on.
    assert tagged(qualifiers(heats, Q2_Q2))[-3:] == ["B3 q", "A3 q", "B4 q"]


def test_a_heat_with_non_starters_and_entries_without_a_mark() -> None:
    heats = [heat(1, "A1:1 A2:2:1095 A3:3 A4:DNS A5:DNS"),
             heat(2, "B1:1:1085 B2:2:1101 B3:3:1130 B4:DSQ:1050")]
    # A1 won without a mark (timing failure): Q, seeded after the marked winner. A3 has no mark
    # and cannot take a q place, so B3 goes on though slower than whatever A3 ran.
    assert tagged(qualifiers(heats, QualificationRule(Q=2, q=1))) == [
        "B1 Q", "A1 Q", "A2 Q", "B2 Q", "B3 q"]
    assert tagged(qualifiers(heats, QualificationRule(Q=2, q=3))) == [
        "B1 Q", "A1 Q", "A2 Q", "B2 Q", "B3 q"]


def test_swimming_goes_on_by_time_alone() -> None:
    assert tagged(qualifiers(THREE_HEATS, QualificationRule(Q=0, q=4))) == [
        "B1 q", "A1 q", "C1 q", "A2 q"]


def test_an_ok_entry_without_rank_is_a_bug_upstream() -> None:
    broken: HeatResult[int] = HeatResult("x/heat-1", (HeatEntry(entry=entry("Z1"), rank=None),))
    with pytest.raises(ValueError, match=r"x/heat-1: an OK entry \(Z1\) has no rank"):
        qualifiers([broken], Q2_Q2)


def lanes_of(start_list: StartList) -> dict[str, int | None]:
    return {position.entry.bib: position.lane for position in start_list.positions}


def test_a_final_drawn_by_rank_groups() -> None:
    found = qualifiers(THREE_HEATS, Q2_Q2)
    result = next_round_start_lists(found, [f"{EVENT}/final"], lanes=8)
    assert not isinstance(result, Refusal)
    (final,) = result
    lanes = lanes_of(final)
    # Ranked B1 A1 C1 A2 | C2 B2 | A3 B3: the best 4 drawn into lanes 3-6, the next 2 into
    # 7-8, the last 2 into 1-2.
    assert {lanes[bib] for bib in ("B1", "A1", "C1", "A2")} == {3, 4, 5, 6}
    assert {lanes[bib] for bib in ("C2", "B2")} == {7, 8}
    assert {lanes[bib] for bib in ("A3", "B3")} == {1, 2}
    assert [position.lane for position in final.positions] == list(range(1, 9))
    assert [position.order for position in final.positions] == list(range(1, 9))
    # Drawn again from the same qualifiers: the same lanes.
    assert next_round_start_lists(found, [f"{EVENT}/final"], lanes=8) == result


def test_a_swimming_final_by_mark_from_the_centre() -> None:
    found = qualifiers(THREE_HEATS, QualificationRule(Q=0, q=8))
    result = next_round_start_lists(found, ["swm/final"], lanes=8, seeding="by-mark")
    assert not isinstance(result, Refusal)
    # B1 1085, A1 1090, C1 1092, A2 1095, C2 1098, A3 1100, B2 1101, B3 1102 into 4 5 3 6 2 7 1 8.
    assert lanes_of(result[0]) == {"B2": 1, "C2": 2, "C1": 3, "B1": 4, "A1": 5, "A2": 6,
                                   "A3": 7, "B3": 8}


def test_semi_finals_are_dealt_in_a_serpentine() -> None:
    found = qualifiers(THREE_HEATS, QualificationRule(Q=2, q=0))  # B1 A1 C1 A2 C2 B2
    result = next_round_start_lists(found, ["swm/semi-1", "swm/semi-2"], lanes=8,
                                    seeding="by-mark")
    assert not isinstance(result, Refusal)
    # By mark: B1 1085, A1 1090, C1 1092, A2 1095, C2 1098, B2 1101 dealt 1 2 2 1 1 2.
    assert [lanes_of(start_list) for start_list in result] == [
        {"C2": 3, "B1": 4, "A2": 5}, {"B2": 3, "A1": 4, "C1": 5}]


def test_a_round_without_lanes_gets_a_drawn_order() -> None:
    found = qualifiers(THREE_HEATS, Q2_Q2)
    result = next_round_start_lists(found, [f"{EVENT}/final"], lanes=None, seed="draw-1")
    assert not isinstance(result, Refusal)
    (final,) = result
    assert sorted(position.entry.bib for position in final.positions) == sorted(
        qualifier.entry.bib for qualifier in found)
    assert [(position.order, position.lane) for position in final.positions] == [
        (order, None) for order in range(1, 9)]
    assert next_round_start_lists(found, [f"{EVENT}/final"], lanes=None, seed="draw-1") == result


def test_more_qualifiers_than_lanes_is_refused() -> None:
    heats = [heat(1, "A1:1:1090 A2:2:1095 A3:3:1098"), heat(2, "B1:1:1085 B2:2:1099 B3:3:1100"),
             heat(3, "C1:1:1092 C2:2:1098 C3:3:1100")]
    found = qualifiers(heats, Q2_Q2)  # A3 1098, then B3 and C3 tie for the last q: 9 go on
    assert len(found) == 9
    assert next_round_start_lists(found, [f"{EVENT}/final"], lanes=8) == Refusal(
        f"9 qualifiers do not fit {EVENT}/final with 8 lanes each (a tie at the cut?): the "
        "round needs more lanes or units, or the desk's decision")
    assert not isinstance(next_round_start_lists(found, [f"{EVENT}/final"], lanes=9), Refusal)


FINAL = NextUnit(f"{EVENT}/final",
                 UnitState.planned(datetime.fromisoformat("2024-09-20T09:00:00+08:00")),
                 has_result=False)


def test_a_corrected_heat_re_derives_the_final_until_it_has_a_result() -> None:
    first = derive_next_round(THREE_HEATS, Q2_Q2, [FINAL], lanes=8)
    assert not isinstance(first, Refusal)
    assert sorted(e.bib for e in first.goes_on) == ["A1", "A2", "A3", "B1", "B2", "B3", "C1",
                                                    "C2"]
    assert first.drops_out == ()
    # Heat 2 corrected: B2 disqualified. B3 is now 2nd (Q); the q places go to A3 and C3.
    corrected = [THREE_HEATS[0], heat(2, "B1:1:1085 B2:DSQ:1101 B3:2:1102 B4:DNF"),
                 THREE_HEATS[2]]
    published = replace(FINAL, start_list=first.start_lists[0])
    unchanged = derive_next_round(THREE_HEATS, Q2_Q2, [published], lanes=8)
    assert unchanged == replace(first, goes_on=())  # a correction that moves nobody
    again = derive_next_round(corrected, Q2_Q2, [published], lanes=8)
    assert not isinstance(again, Refusal)
    assert [e.bib for e in again.goes_on] == ["C3"]
    assert [e.bib for e in again.drops_out] == ["B2"]
    run = replace(published, has_result=True)
    assert derive_next_round(corrected, Q2_Q2, [run], lanes=8) == Refusal(
        f"{EVENT}/final already has a result: its start list stays as it was run, so the "
        "corrected heat no longer changes who goes on")
    running = replace(published, state=replace(published.state, status="running"))
    assert derive_next_round(corrected, Q2_Q2, [running], lanes=8) == Refusal(
        f"{EVENT}/final is running: its start list can no longer change")


@st.composite
def heat_results(draw: st.DrawFn) -> list[HeatResult[int]]:
    """1-4 heats; ranks follow hidden times (ties frequent), and some OK entries lost their
    mark."""
    heats = []
    for number in range(1, draw(st.integers(min_value=1, max_value=4)) + 1):
        size = draw(st.integers(min_value=0, max_value=8))
        statuses = draw(st.lists(st.sampled_from(["OK"] * 6 + ["DNS", "DNF", "DSQ"]),
                                 min_size=size, max_size=size))
        times = draw(st.lists(st.integers(min_value=0, max_value=8), min_size=size,
                              max_size=size))
        marked = draw(st.lists(st.booleans() | st.just(True), min_size=size, max_size=size))
        ok_times = [t for t, status in zip(times, statuses, strict=True) if status == "OK"]
        heats.append(HeatResult(f"{EVENT}/heat-{number}", tuple(
            HeatEntry(entry=entry(f"{number}-{index}"),
                      rank=1 + sum(1 for other in ok_times if other < time)
                      if status == "OK" else None,
                      status=status, mark_key=time if marked[index] else None)
            for index, (status, time) in enumerate(zip(statuses, times, strict=True)))))
    return heats


RULES = st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=4)
                  ).filter(lambda pair: pair != (0, 0)).map(
                      lambda pair: QualificationRule(Q=pair[0], q=pair[1]))
SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(heat_results(), RULES)
def test_who_goes_on_follows_the_rule(heats: list[HeatResult[int]], rule: QualificationRule
                                      ) -> None:
    found = qualifiers(heats, rule)
    tags = {qualifier.entry.bib: qualifier.tag for qualifier in found}
    assert len(tags) == len(found)  # nobody twice
    results = [result for heat in heats for result in heat.entries]
    for result in results:
        by_place = result.status == "OK" and result.rank is not None \
            and result.rank <= rule.by_place
        assert (tags.get(result.entry.bib) == "Q") == by_place
        if result.status != "OK":
            assert result.entry.bib not in tags
    rest = [r for r in results if r.status == "OK" and r.entry.bib not in tags
            and r.mark_key is not None]
    by_mark = [q.result.mark_key for q in found if q.tag == "q"]
    assert all(mark is not None for mark in by_mark)
    if len(by_mark) < rule.by_mark:
        assert rest == []  # every eligible mark went on
    if by_mark:
        cut = max(mark for mark in by_mark if mark is not None)
        # Everyone left out is strictly slower than the last to go on; more than q go on only
        # when they tie at the cut.
        assert all(r.mark_key is not None and r.mark_key > cut for r in rest)
        if len(by_mark) > rule.by_mark:
            assert by_mark.count(cut) >= 2


@SETTINGS
@given(heat_results(), RULES, st.randoms(use_true_random=False))
def test_heat_order_does_not_change_who_goes_on(
    heats: list[HeatResult[int]], rule: QualificationRule, shuffler: Any
) -> None:
    shuffled = list(heats)
    shuffler.shuffle(shuffled)
    assert Counter(tagged(qualifiers(heats, rule))) == Counter(tagged(qualifiers(shuffled, rule)))


@SETTINGS
@given(heat_results(), RULES, st.integers(min_value=1, max_value=3),
       st.sampled_from(["lane-draw", "by-mark"]))
def test_next_round_places_every_qualifier_once(
    heats: list[HeatResult[int]], rule: QualificationRule, units: int, seeding: Seeding
) -> None:
    found = qualifiers(heats, rule)
    unit_ids = [f"{EVENT}/semi-{n}" for n in range(1, units + 1)]
    result = next_round_start_lists(found, unit_ids, lanes=8, seeding=seeding)
    for start_list in balanced(result, [q.entry for q in found], units, lanes=8):
        lanes = [position.lane or 0 for position in start_list.positions]
        assert lanes == sorted(set(lanes))  # listed in lane order, each lane once
        assert all(1 <= lane <= 8 for lane in lanes)
