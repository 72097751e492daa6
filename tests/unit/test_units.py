"""Units as the games file lists them: phases, their names, and every problem in a unit list."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.games import EventDefinition
from shared.domain.units import (
    Phase,
    QualificationRule,
    UnitDefinition,
    default_qualification,
    default_units,
    event_units,
    games_file_units,
    qualification_rule,
    race_programme,
)
from tests.unit.schedule_fixtures import VENUES, shipped_event
from tests.unit.shipped import GAMES

SPRINT = shipped_event("ath-youth-m-100m")
BASKETBALL = shipped_event("bk-youth-m-5x5")
LABEL = "events[0] (ath-youth-m-100m)"
FINAL_AT = "2024-09-20T09:00:00+08:00"  # the sprint's scheduled_at in the shipped games


def problems_of(units: Any, event: EventDefinition = SPRINT, label: str = LABEL) -> list[str]:
    return event_units(event, units, label, VENUES)[1]


@pytest.mark.parametrize(("phase", "name", "name_en"), [
    ("final", "决赛", "Final"),
    ("heat-1", "第1组预赛", "Heat 1"),
    ("heat-12", "第12组预赛", "Heat 12"),
    ("semi-2", "半决赛第2组", "Semi-final 2"),
    ("pool-A-m3", "A组第3场", "Pool A match 3"),
    ("qf-4", "四分之一决赛4", "Quarter-final 4"),
    ("sf-1", "半决赛1", "Semi-final 1"),
    ("bronze", "铜牌赛", "Bronze medal match"),
    ("p5-6", "第5-6名排位赛", "Classification 5-6"),
    ("p5-8-m2", "第5-8名排位赛第2场", "Classification 5-8 match 2"),
])
def test_phase_names(phase: str, name: str, name_en: str) -> None:
    assert Phase.parse(phase).names == (name, name_en)


@pytest.mark.parametrize(("phase", "problem"), [
    ("heat-0", "'heat-0' is not a phase; phases are final, heat-N"),
    ("Heat-1", "'Heat-1' is not a phase"),
    ("pool-a-m1", "'pool-a-m1' is not a phase"),
    ("semifinal", "'semifinal' is not a phase"),
    ("heat-01", "'heat-01' is not a phase"),
    ("p3-4", "'p3-4': a placement match decides places K to L with 5 <= K < L"),
    ("p6-5", "'p6-5': a placement match decides places K to L with 5 <= K < L"),
    ("p5-6-m1", "'p5-6-m1': one match decides places 5 and 6; write p5-6"),
    ("p5-8", "'p5-8': places 5 to 8 take several matches; number them p5-8-m1, p5-8-m2, ..."),
])
def test_phases_outside_the_grammar_are_refused(phase: str, problem: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(problem)):
        Phase.parse(phase)


def test_an_event_without_units_is_its_final_at_its_scheduled_time() -> None:
    (final,) = default_units(SPRINT)
    assert (final.unit_id, final.phase, final.starts_at, final.venue) == (
        "ath-youth-m-100m/final", "final", SPRINT.scheduled_at, "taiji-center")
    assert (final.phase_name, final.phase_name_en) == ("决赛", "Final")
    assert event_units(SPRINT, None, LABEL, VENUES) == ((final,), [])


def test_every_shipped_event_keeps_working_with_its_default_final() -> None:
    for index, event in enumerate(GAMES.events):
        units, problems = event_units(event, None, f"events[{index}] ({event.id})", VENUES)
        assert problems == []
        assert [unit.unit_id for unit in units] == [f"{event.id}/final"]


def test_a_sprint_programme_for_the_games_file() -> None:
    heats_at = datetime.fromisoformat("2024-09-20T08:00:00+08:00")
    programme = race_programme(heats=3, heats_at=heats_at, final_at=SPRINT.scheduled_at)
    assert games_file_units(programme) == [
        {"phase": "heat-1", "starts_at": "2024-09-20T08:00:00+08:00"},
        {"phase": "heat-2", "starts_at": "2024-09-20T08:08:00+08:00"},
        {"phase": "heat-3", "starts_at": "2024-09-20T08:16:00+08:00"},
        {"phase": "final", "starts_at": FINAL_AT},
    ]
    units, problems = event_units(SPRINT, games_file_units(programme), LABEL, VENUES)
    assert problems == []
    assert (units[0].unit_id, units[0].venue) == (
        "ath-youth-m-100m/heat-1", "taiji-center")


def test_a_programme_with_semi_finals_and_a_stated_rule() -> None:
    heats_at = datetime.fromisoformat("2024-09-20T07:00:00+08:00")
    programme = race_programme(heats=4, heats_at=heats_at, every=timedelta(minutes=6),
                               semis=2, semis_at=heats_at + timedelta(hours=1),
                               final_at=SPRINT.scheduled_at)
    assert [(unit.phase, unit.starts_at.strftime("%H:%M")) for unit in programme] == [
        ("heat-1", "07:00"), ("heat-2", "07:06"), ("heat-3", "07:12"), ("heat-4", "07:18"),
        ("semi-1", "08:00"), ("semi-2", "08:06"), ("final", "09:00"),
    ]
    items = games_file_units(programme)
    items[0]["qualify"] = {"Q": 3, "q": 4}
    units, problems = event_units(SPRINT, items, LABEL, VENUES)
    assert problems == []
    assert qualification_rule(units, "heat", lanes=8) == QualificationRule(Q=3, q=4)
    # The semi-finals state no rule: 2 semis fill the final's 8 lanes, 4 each.
    assert qualification_rule(units, "semi", lanes=8) == QualificationRule(Q=4, q=0)
    with pytest.raises(ValueError, match="semis_at exactly when"):
        race_programme(heats=2, heats_at=heats_at, semis=2, final_at=SPRINT.scheduled_at)


@pytest.mark.parametrize(("heats", "places", "rule"), [
    (3, 8, (2, 2)), (2, 8, (4, 0)), (4, 8, (2, 0)), (5, 8, (1, 3)), (3, 16, (5, 1)),
    (10, 8, (0, 8)), (1, 8, (8, 0)),
])
def test_default_qualification_shares_the_next_rounds_places(
    heats: int, places: int, rule: tuple[int, int]
) -> None:
    found = default_qualification(heats, places)
    assert (found.by_place, found.by_mark) == rule
    assert found.by_place * heats + found.by_mark == places


def test_qualification_rule_in_the_games_file_and_its_problems() -> None:
    assert QualificationRule.model_validate({"Q": 2, "q": 3}).model_dump() == {"Q": 2, "q": 3}
    with pytest.raises(ValidationError, match="Q and q are both 0: nobody would go on"):
        QualificationRule.model_validate({"Q": 0, "q": 0})
    units = [{"phase": "heat-1", "starts_at": "2024-09-20T08:00:00+08:00",
              "qualify": {"Q": -1, "q": 2, "x": 1}},
             {"phase": "final", "starts_at": FINAL_AT}]
    assert problems_of(units) == [
        f"{LABEL}.units[0].qualify.Q: Input should be greater than or equal to 0 (got -1)",
        f"{LABEL}.units[0].qualify.x: unknown field (a typo?)",
    ]


def unit(phase: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"phase": phase, "starts_at": f"2024-09-20T{at}:00+08:00", **extra}


def test_every_problem_of_a_unit_list_is_listed_with_its_label() -> None:
    units = [
        unit("heat-1", "08:00", qualify={"Q": 2, "q": 2}),
        unit("heat-2", "08:40", venue="nowhere", qualify={"Q": 3, "q": 0}),
        unit("semi-1", "08:30"),
        unit("heat-1", "08:10"),
        unit("final", "09:30", qualify={"Q": 1, "q": 0}),
        unit("heat 3", "08:20"),
        {"phase": "semi-2"},
    ]
    assert problems_of(units) == [
        f"{LABEL}.units[5].phase: 'heat 3' is not a phase; phases are final, heat-N, semi-N, "
        "pool-X-mN (pool letter A-Z, match N), qf-N, sf-N, gold, bronze, pK-L (the match for "
        "places K and L) or pK-L-mN (match N of the places K to L)",
        f"{LABEL}.units[6].starts_at: missing (required)",
        f"{LABEL}.units[1].venue: unknown venue 'nowhere'",
        f"{LABEL}.units[3].phase: duplicate 'heat-1', first listed at {LABEL}.units[0]",
        f"{LABEL}.units[4].starts_at: the final starts at 2024-09-20T09:30:00+08:00 but the "
        f"event's scheduled_at is {FINAL_AT}; they must agree (scheduled_at is the final's "
        "start)",
        f"{LABEL}.units[1].qualify: {{Q: 3, q: 0}} differs from {{Q: 2, q: 2}} at "
        f"{LABEL}.units[0]; a round's heats share one rule",
        f"{LABEL}.units[4].qualify: only heats and semi-finals go on by Q and q; 'final' does "
        "not",
        f"{LABEL}.units[2].starts_at: semi-1 starts at 2024-09-20T08:30:00+08:00, not after "
        "heat-2 (2024-09-20T08:40:00+08:00) of an earlier round",
    ]


def test_an_event_needs_its_final() -> None:
    assert problems_of([unit("heat-1", "08:00"), unit("heat-2", "08:10")]) == [
        f"{LABEL}.units: no final; every event ends in its final (phase final), whose result "
        "is the event's ranking",
    ]
    assert problems_of([]) == [
        f"{LABEL}.units: a list of units (phase, starts_at), ending in the final"]
    assert problems_of({"final": "09:00"}) == problems_of([])


def test_a_final_with_a_broken_start_is_not_reported_missing() -> None:
    assert problems_of([{"phase": "final", "starts_at": "09:00"}]) == [
        f"{LABEL}.units[0].starts_at: Input should be a valid datetime or date, input is "
        "too short (got '09:00')",
    ]


def test_numbering_and_knockout_shape() -> None:
    assert problems_of([unit("heat-1", "08:00"), unit("heat-3", "08:10"),
                        unit("final", "09:00")]) == [
        f"{LABEL}.units[1].phase: heat-3 is listed but heat-2 is not; number them 1, 2, 3, ...",
    ]
    label = "events[1] (bk-youth-m-5x5)"
    at = BASKETBALL.scheduled_at.strftime("%H:%M")
    day = BASKETBALL.scheduled_at.date().isoformat()

    def match(phase: str, hour: str) -> dict[str, Any]:
        return {"phase": phase, "starts_at": f"{day}T{hour}:00+08:00"}

    assert problems_of([match("pool-A-m1", "08:00"), match("pool-C-m1", "08:00"),
                        match("qf-1", "10:00"), match("bronze", "12:00"),
                        match("final", at)], BASKETBALL, label) == [
        f"{label}.units[1].phase: pool C is listed but pool B is not; letter the pools A, B, "
        "C, ...",
        f"{label}.units[2].phase: quarter-finals lead to semi-finals; list sf-1 and sf-2",
        f"{label}.units[3].phase: the bronze medal match is played by the losers of sf-1 and "
        "sf-2; list both semi-finals",
    ]
    assert problems_of([match("sf-1", "08:00"), match("sf-2", "08:00"), match("sf-3", "08:00"),
                        match("final", at)], BASKETBALL, label) == [
        f"{label}.units[2].phase: at most 2 sf matches lead to the final",
    ]


def test_a_team_tournament_and_its_round_order() -> None:
    label = "events[1] (bk-youth-m-5x5)"
    day = BASKETBALL.scheduled_at.date().isoformat()
    final_at = BASKETBALL.scheduled_at.strftime("%H:%M")

    def match(phase: str, hour: str) -> dict[str, Any]:
        return {"phase": phase, "starts_at": f"{day}T{hour}:00+08:00"}

    tournament = [match("pool-A-m1", "08:00"), match("pool-A-m2", "09:00"),
                  match("pool-B-m1", "08:00"), match("pool-B-m2", "09:00"),
                  match("sf-1", "10:00"), match("sf-2", "10:00"), match("p5-6", "11:00"),
                  match("bronze", "11:00"), match("final", final_at)]
    units, problems = event_units(BASKETBALL, tournament, label, VENUES)
    assert problems == []
    assert [u.phase_name for u in units][-3:] == ["第5-6名排位赛", "铜牌赛", "决赛"]
    early_semi = [*tournament[:4], match("sf-1", "09:00"), *tournament[5:]]
    assert problems_of(early_semi, BASKETBALL, label) == [
        f"{label}.units[4].starts_at: sf-1 starts at {day}T09:00:00+08:00, not after "
        f"pool-A-m2 ({day}T09:00:00+08:00) of an earlier round",
    ]
    mixed = [match("heat-1", "08:00"), match("pool-A-m1", "08:00"), match("final", final_at)]
    assert problems_of(mixed, BASKETBALL, label) == [
        f"{label}.units[1].phase: 'pool-A-m1' is a match but {label}.units[0] is the race "
        "'heat-1'; an event runs races (heats, semi-finals) or matches (pools, knockout), not "
        "both",
    ]


def test_a_unit_can_be_at_another_venue() -> None:
    units, problems = event_units(
        SPRINT, [unit("heat-1", "08:00", venue="sports-school-gym"), unit("final", "09:00")],
        LABEL, VENUES)
    assert problems == []
    assert [u.venue for u in units] == ["sports-school-gym", "taiji-center"]


def test_units_are_immutable() -> None:
    definition = UnitDefinition.model_validate(unit("final", "09:00"))
    with pytest.raises(ValidationError, match="frozen"):
        definition.phase = "heat-1"
