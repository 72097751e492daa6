"""Tournament formats, seeding, the final ranking and corrections (docs/tournaments.md)."""

import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.engine import Entry, Result, award_result, rank_problems
from shared.domain.games import Event
from shared.domain.matches import MatchResult, Score
from shared.domain.pools import DEFAULT_SPORT_RULES
from shared.domain.tournaments import (
    KnockoutMatch,
    Place,
    Placing,
    Pool,
    PoolMatch,
    SlotState,
    TournamentFormat,
    correction_conflicts,
    dependents,
    final_ranking,
    format_problems,
    result_problems,
    round_robin,
    tournament_state,
    two_pools_of_four,
)
from tests.unit.shipped import GAMES, RULES

BASKETBALL = DEFAULT_SPORT_RULES["basketball"]
CODES = GAMES.delegation_codes
POOL_A = ("jiefang", "zhongzhan", "macun", "shanyang")
POOL_B = ("shifanqu", "qinyang", "mengzhou", "xiuwu")
FORMAT = two_pools_of_four(POOL_A, POOL_B, BASKETBALL)
# The order each pool finishes in: pool B's is not its draw order.
FINISH = {"A": POOL_A, "B": ("qinyang", "xiuwu", "shifanqu", "mengzhou")}
KNOCKOUT_PHASES = ("sf-1", "sf-2", "p5-8-m1", "p5-8-m2", "p7-8", "p5-6", "bronze", "gold")


def official(event: Event, entries: tuple[Entry, ...]) -> Result:
    return Result(event_id=event.id, revision=1, status="official", entries=entries)


def entries_of(ranking: tuple[Place, ...]) -> tuple[Entry, ...]:
    """The ranking as a result's entries, each team named by its delegation code."""
    return tuple(Entry(rank=place.rank, delegation=place.delegation,
                       competitor=place.delegation) for place in ranking)


def beats(winner: str, loser: str, score: tuple[int, int] = (70, 60)) -> MatchResult:
    return MatchResult(sides=(winner, loser), score=Score(total=score))


def pool_results(
    tournament: TournamentFormat, finish: Mapping[str, Sequence[str]]
) -> dict[str, MatchResult]:
    """Every pool match won by the team that finishes higher in its pool."""
    results = {}
    for pool in tournament.pools:
        order = finish[pool.letter]
        for match in pool.matches:
            first, second = sorted(match.sides, key=order.index)
            results[match.phase] = beats(first, second)
    return results


# sf-1 A1 jiefang v B2 xiuwu, sf-2 B1 qinyang v A2 zhongzhan, p5-8-m1 A3 macun v B4 mengzhou,
# p5-8-m2 B3 shifanqu v A4 shanyang; then the losers' and winners' matches.
KNOCKOUT = {
    "sf-1": beats("xiuwu", "jiefang"), "sf-2": beats("qinyang", "zhongzhan"),
    "p5-8-m1": beats("macun", "mengzhou"), "p5-8-m2": beats("shanyang", "shifanqu"),
    "p7-8": beats("mengzhou", "shifanqu"), "p5-6": beats("shanyang", "macun"),
    "bronze": beats("zhongzhan", "jiefang"), "gold": beats("qinyang", "xiuwu", (81, 79)),
}
WHOLE = {**pool_results(FORMAT, FINISH), **KNOCKOUT}


# --- Formats ------------------------------------------------------------------------------------

def test_the_standard_format() -> None:
    assert format_problems(FORMAT, CODES) == []
    assert [(m.phase, m.sides) for m in FORMAT.knockout] == [
        ("sf-1", ("A1", "B2")), ("sf-2", ("B1", "A2")),
        ("p5-8-m1", ("A3", "B4")), ("p5-8-m2", ("B3", "A4")),
        ("p7-8", ("L:p5-8-m1", "L:p5-8-m2")), ("p5-6", ("W:p5-8-m1", "W:p5-8-m2")),
        ("bronze", ("L:sf-1", "L:sf-2")), ("gold", ("W:sf-1", "W:sf-2")),
    ]
    assert [(p.place, p.slot) for p in FORMAT.placings] == [
        (1, "W:gold"), (2, "L:gold"), (3, "W:bronze"), (4, "L:bronze"),
        (5, "W:p5-6"), (6, "L:p5-6"), (7, "W:p7-8"), (8, "L:p7-8"),
    ]
    assert FORMAT.teams == POOL_A + POOL_B
    with pytest.raises(ValueError, match="pool B has 3 teams, not 4"):
        two_pools_of_four(POOL_A, POOL_B[:3], BASKETBALL)


def test_a_format_reads_from_plain_data() -> None:
    # As a games file would hold it: strings, lists and the rules' `kind`.
    document = FORMAT.model_dump(mode="json")
    assert document["rules"]["match"]["kind"] == "points"
    assert document["knockout"][7] == {"phase": "gold", "sides": ["W:sf-1", "W:sf-2"]}
    assert TournamentFormat.model_validate(document) == FORMAT


def test_round_robin_of_four() -> None:
    # The circle method: jiefang stays, the others turn; the draw's 1st and 2nd meet last.
    assert [(m.phase, m.sides) for m in round_robin("A", POOL_A)] == [
        ("pool-A-m1", ("jiefang", "shanyang")), ("pool-A-m2", ("zhongzhan", "macun")),
        ("pool-A-m3", ("jiefang", "macun")), ("pool-A-m4", ("shanyang", "zhongzhan")),
        ("pool-A-m5", ("jiefang", "zhongzhan")), ("pool-A-m6", ("macun", "shanyang")),
    ]


@given(st.integers(min_value=2, max_value=11))
def test_round_robin_pairs_everyone_once_a_round(size: int) -> None:
    teams = CODES[:size]
    matches = round_robin("C", teams)
    pairings = [frozenset(m.sides) for m in matches]
    assert sorted(pairings, key=sorted) == sorted(
        (frozenset(pair) for pair in combinations(teams, 2)), key=sorted)
    assert [m.phase for m in matches] == [f"pool-C-m{n}" for n in range(1, len(matches) + 1)]
    per_round = size // 2
    for start in range(0, len(matches), per_round):
        playing = [team for m in matches[start:start + per_round] for team in m.sides]
        assert len(playing) == len(set(playing))


def test_pool_problems() -> None:
    tournament = TournamentFormat(rules=BASKETBALL, pools=(
        Pool(letter="A", teams=("jiefang", "zhongzhan", "macun"), matches=(
            PoolMatch(phase="pool-A-m1", sides=("jiefang", "zhongzhan")),
            PoolMatch(phase="pool-A-m2", sides=("zhongzhan", "jiefang")),
            PoolMatch(phase="pool-A-m3", sides=("macun", "wuzhi")),
            PoolMatch(phase="pool-A-m3", sides=("macun", "macun")),
        )),
        Pool(letter="A", teams=("qinyang", "jiefang", "atlantis"),
             matches=round_robin("B", ("qinyang", "jiefang", "atlantis"))),
    ), placings=(Placing(place=1, slot="A1"),))
    assert format_problems(tournament, CODES) == [
        "pools[0] (A).matches[1].sides: zhongzhan and jiefang already meet in pool-A-m1",
        "pools[0] (A).matches[2].sides[1]: wuzhi is not in pool A",
        "pools[0] (A).matches[3].phase: pool-A-m3 is already defined at "
        "pools[0] (A).matches[2].phase",
        "pools[0] (A).matches[3].sides: macun cannot play itself",
        "pools[0] (A).matches: jiefang and macun never meet; in a pool every team meets every "
        "other once",
        "pools[0] (A).matches: zhongzhan and macun never meet; in a pool every team meets every "
        "other once",
        "pools[1] (A).letter: there is already a pool A",
        "pools[1] (A).teams[1]: jiefang is already at pools[0] (A).teams[0]",
        "pools[1] (A).teams[2]: unknown delegation 'atlantis'",
    ]


def test_knockout_problems() -> None:
    tournament = FORMAT.model_copy(update={
        "knockout": tuple(KnockoutMatch(phase=phase, sides=sides) for phase, sides in (
            ("sf-1", ("A5", "C1")),
            ("sf-2", ("W:gold", "B1")),
            ("bronze", ("L:bronze", "W:pool-A-m1")),
            ("gold", ("W:sf-2", "B1")),
            ("sf-1", ("W:sf-9", "A2")),
        )),
        "placings": (Placing(place=1, slot="W:sf-1"), Placing(place=2, slot="L:sf-1")),
    })
    assert format_problems(tournament, CODES) == [
        "knockout[0] (sf-1).sides[0]: A5 refers to place 5 of pool A, which has 4 teams",
        "knockout[0] (sf-1).sides[1]: C1 refers to pool C, and there is none",
        "knockout[1] (sf-2).sides[0]: W:gold refers to gold, which comes later (knockout[3]); "
        "a match draws only on matches listed before it",
        "knockout[2] (bronze).sides[0]: L:bronze refers to this match itself",
        "knockout[2] (bronze).sides[1]: pool-A-m1 is a pool match; pool teams go on by their "
        "place in the pool (A1, A2, ...)",
        "knockout[3] (gold).sides[1]: B1 is already used at knockout[1] (sf-2).sides[1]",
        "knockout[4] (sf-1).phase: sf-1 is already defined at knockout[0] (sf-1).phase",
        "knockout[4] (sf-1).sides[0]: W:sf-9 refers to sf-9, and there is no such match",
        "knockout: matches feed each other in a cycle: sf-2 → gold → sf-2",
    ]


def test_placing_problems() -> None:
    tournament = FORMAT.model_copy(update={"placings": tuple(
        Placing(place=place, slot=slot) for place, slot in (
            (1, "W:gold"), (1, "L:gold"), (3, "W:bronze"), (9, "L:bronze"), (5, "W:gold"),
        ))})
    assert format_problems(tournament, CODES) == [
        "placings[1].place: place 1 is already decided at placings[0]",
        "placings[3].place: place 9, but only 8 teams play",
        "placings[4].slot: W:gold is already used at placings[0].slot",
        "placings: nothing decides place 2, 4; the places run from 1 with no gap",
    ]


def test_slots_are_checked_as_they_are_read() -> None:
    with pytest.raises(ValueError, match="'X:sf-1' is not a slot"):
        KnockoutMatch(phase="gold", sides=("X:sf-1", "A1"))


# --- Seeding ------------------------------------------------------------------------------------

def sides(state_phase: tuple[SlotState, SlotState]) -> list[tuple[str, str | None, str | None]]:
    return [(side.slot, side.team, side.waiting) for side in state_phase]


def test_nothing_is_seeded_before_the_pools_finish() -> None:
    state = tournament_state(FORMAT, {})
    assert sides(state.match("sf-1").sides) == [
        ("A1", None, "pool A is not complete"), ("B2", None, "pool B is not complete"),
    ]
    assert sides(state.match("gold").sides) == [
        ("W:sf-1", None, "sf-1 is not decided yet"), ("W:sf-2", None, "sf-2 is not decided yet"),
    ]
    assert final_ranking(FORMAT, {}) is None


def test_semi_finals_seeded_from_two_pools() -> None:
    only_a = {phase: result for phase, result in WHOLE.items() if phase.startswith("pool-A")}
    state = tournament_state(FORMAT, only_a)
    assert sides(state.match("sf-1").sides) == [
        ("A1", "jiefang", None), ("B2", None, "pool B is not complete"),
    ]
    state = tournament_state(FORMAT, pool_results(FORMAT, FINISH))
    assert [(m.phase, m.sides[0].team, m.sides[1].team) for m in state.knockout[:4]] == [
        ("sf-1", "jiefang", "xiuwu"), ("sf-2", "qinyang", "zhongzhan"),
        ("p5-8-m1", "macun", "mengzhou"), ("p5-8-m2", "shifanqu", "shanyang"),
    ]
    assert [table.complete for table in state.pools] == [True, True]
    assert [row.delegation for row in state.pools[1].rows] == list(FINISH["B"])


def test_level_teams_wait_for_the_desks_draw() -> None:
    # jiefang, zhongzhan and macun beat one another in a circle, each 70-60, and each beat
    # shanyang 80-70: level on everything.
    circle = {"pool-A-m5": beats("jiefang", "zhongzhan"), "pool-A-m2": beats("zhongzhan", "macun"),
              "pool-A-m3": beats("macun", "jiefang")}
    against_shanyang = {"pool-A-m1": beats("jiefang", "shanyang", (80, 70)),
                        "pool-A-m4": beats("zhongzhan", "shanyang", (80, 70)),
                        "pool-A-m6": beats("macun", "shanyang", (80, 70))}
    results = {**circle, **against_shanyang}
    state = tournament_state(FORMAT, results)
    assert state.pools[0].ties_to_draw == (("jiefang", "zhongzhan", "macun"),)
    level = ("jiefang, zhongzhan, macun are level for places 1-3 of pool A: the desk's draw "
             "decides")
    assert sides(state.match("sf-1").sides)[0] == ("A1", None, level)
    assert sides(state.match("p5-8-m2").sides)[1] == ("A4", "shanyang", None)
    drawn = tournament_state(FORMAT, results, {"A": ("macun", "jiefang", "zhongzhan")})
    assert [drawn.match(phase).sides[side].team for phase, side in
            (("sf-1", 0), ("sf-2", 1), ("p5-8-m1", 0))] == ["macun", "jiefang", "zhongzhan"]
    assert drawn.pools[0].ties_to_draw == ()


# --- The final ranking --------------------------------------------------------------------------

def test_final_ranking_of_a_whole_tournament() -> None:
    assert final_ranking(FORMAT, {k: v for k, v in WHOLE.items() if k != "p7-8"}) is None
    ranking = final_ranking(FORMAT, WHOLE)
    assert ranking is not None
    assert [(place.rank, place.delegation) for place in ranking] == [
        (1, "qinyang"), (2, "xiuwu"), (3, "zhongzhan"), (4, "jiefang"),
        (5, "shanyang"), (6, "macun"), (7, "mengzhou"), (8, "shifanqu"),
    ]
    # It scores as any result of a team event: places 9-7-6-5-4-3-2-1, x2.
    event = GAMES.event("bk-rural-m-village-5x5")
    assert event is not None
    awards = award_result(event, official(event, entries_of(ranking)), RULES)
    assert [award.points for award in awards] == [18, 14, 12, 10, 8, 6, 4, 2]
    assert [award.medal for award in awards][:4] == ["gold", "silver", "bronze", None]


SIX_TEAMS = TournamentFormat(
    rules=BASKETBALL,
    pools=tuple(Pool(letter=letter, teams=teams, matches=round_robin(letter, teams))
                for letter, teams in (("A", POOL_A[:3]), ("B", POOL_B[:3]))),
    knockout=tuple(KnockoutMatch(phase=phase, sides=pair) for phase, pair in (
        ("sf-1", ("A1", "B2")), ("sf-2", ("B1", "A2")),
        ("bronze", ("L:sf-1", "L:sf-2")), ("gold", ("W:sf-1", "W:sf-2")))),
    placings=tuple(Placing(place=place, slot=slot) for place, slot in enumerate(
        ("W:gold", "L:gold", "W:bronze", "L:bronze"), start=1)),
)


def test_teams_the_format_does_not_place_share_the_next_rank() -> None:
    assert format_problems(SIX_TEAMS, CODES) == []
    # Pools finish in draw order: sf-1 jiefang v qinyang, sf-2 shifanqu v zhongzhan.
    results = {**pool_results(SIX_TEAMS, {"A": POOL_A[:3], "B": POOL_B[:3]}),
               "sf-1": beats("jiefang", "qinyang"), "sf-2": beats("zhongzhan", "shifanqu"),
               "bronze": beats("qinyang", "shifanqu"), "gold": beats("zhongzhan", "jiefang")}
    entries = final_ranking(SIX_TEAMS, results)
    assert entries is not None
    assert [(e.rank, e.delegation) for e in entries] == [
        (1, "zhongzhan"), (2, "jiefang"), (3, "qinyang"), (4, "shifanqu"),
        (5, "macun"), (5, "mengzhou"),
    ]
    # 6 starters: 5 places are awarded. The two equal 5th share places 5 and 6: (4 + 0) / 2
    # = 2 each, x2 for a team event.
    event = GAMES.event("bk-rural-m-village-5x5")
    assert event is not None
    awards = award_result(event, official(event, entries_of(entries)), RULES)
    assert [award.points for award in awards] == [18, 14, 12, 10, 4, 4]


def test_a_single_pool_ranks_the_event_by_itself() -> None:
    teams = (*POOL_A, "wuzhi")
    single = TournamentFormat(
        rules=BASKETBALL, pools=(Pool(letter="A", teams=teams, matches=round_robin("A", teams)),),
        placings=tuple(Placing(place=place, slot=f"A{place}") for place in range(1, 6)))
    assert format_problems(single, CODES) == []
    finish = ("wuzhi", "macun", "jiefang", "shanyang", "zhongzhan")
    entries = final_ranking(single, pool_results(single, {"A": finish}))
    assert entries is not None
    assert [(e.rank, e.delegation) for e in entries] == list(enumerate(finish, start=1))


# --- Dependencies and corrections ----------------------------------------------------------

@pytest.mark.parametrize(("phase", "expected"), [
    pytest.param("pool-A-m1", KNOCKOUT_PHASES, id="a pool match reaches every match after it"),
    pytest.param("sf-1", ("bronze", "gold"), id="semi-final"),
    pytest.param("p5-8-m2", ("p7-8", "p5-6"), id="placement semi-final"),
    pytest.param("gold", (), id="gold"),
])
def test_dependents(phase: str, expected: tuple[str, ...]) -> None:
    assert dependents(FORMAT, phase) == expected


def test_dependents_of_an_unknown_match() -> None:
    with pytest.raises(ValueError, match="no match 'sf-3' in this tournament"):
        dependents(FORMAT, "sf-3")


def test_pool_corrections() -> None:
    pools_and_semis = {k: v for k, v in WHOLE.items() if k.startswith(("pool", "sf"))}
    # pool-A-m5 was jiefang 70-60 zhongzhan. Won by zhongzhan instead, zhongzhan is A1 and
    # jiefang A2: both semi-finals change sides.
    swapped = beats("zhongzhan", "jiefang")
    assert correction_conflicts(FORMAT, "pool-A-m5", swapped, pools_and_semis) == ("sf-1", "sf-2")
    # With every match played, the 3rd-place match and the final follow the semi-finals; the
    # pools' 3rd and 4th, and so the placement matches, stay as they were.
    assert correction_conflicts(FORMAT, "pool-A-m5", swapped, WHOLE) == (
        "sf-1", "sf-2", "bronze", "gold")
    # Nothing played after the pools: the semi-finals are simply seeded again.
    pools_only = pool_results(FORMAT, FINISH)
    assert correction_conflicts(FORMAT, "pool-A-m5", swapped, pools_only) == ()
    # A new score that keeps every place disturbs nothing, even after the final.
    wider = beats("jiefang", "zhongzhan", (75, 60))
    assert correction_conflicts(FORMAT, "pool-A-m5", wider, WHOLE) == ()
    # Withdrawn: pool A is no longer complete, so nothing drawing on it has its sides.
    assert correction_conflicts(FORMAT, "pool-A-m5", None, pools_and_semis) == ("sf-1", "sf-2")


def test_knockout_corrections() -> None:
    # sf-1 was xiuwu over jiefang; reversed, both the final and the 3rd-place match change.
    reversed_semi = beats("jiefang", "xiuwu")
    assert correction_conflicts(FORMAT, "sf-1", reversed_semi, WHOLE) == ("bronze", "gold")
    assert correction_conflicts(FORMAT, "gold", beats("xiuwu", "qinyang"), WHOLE) == ()


def test_a_result_that_no_longer_fits_its_seeding_counts_for_nothing() -> None:
    corrected = {**WHOLE, "pool-A-m5": beats("zhongzhan", "jiefang")}
    state = tournament_state(FORMAT, corrected)
    assert state.mismatched == ("sf-1", "sf-2", "bronze", "gold")
    assert state.match("sf-1").result is None
    assert final_ranking(FORMAT, corrected) is None


# --- Checking a result against the tournament ---------------------------------------------------

def test_result_problems_name_the_sides() -> None:
    pools = pool_results(FORMAT, FINISH)
    assert result_problems(FORMAT, "pool-A-m1", beats("jiefang", "wuzhi"), {}) == [
        ("/sides/1", "wuzhi does not play pool-A-m1: jiefang v shanyang do"),
    ]
    assert result_problems(FORMAT, "pool-A-m1", beats("shanyang", "jiefang"), {}) == []
    assert result_problems(FORMAT, "sf-1", beats("xiuwu", "jiefang"), {}) == [
        ("/sides", "the sides of sf-1 are not known yet (A1: pool A is not complete; B2: pool B "
         "is not complete)"),
    ]
    assert result_problems(FORMAT, "sf-1", beats("xiuwu", "jiefang"), pools) == []
    assert result_problems(FORMAT, "sf-1", beats("qinyang", "jiefang"), pools) == [
        ("/sides/0", "qinyang does not play sf-1: jiefang v xiuwu do"),
    ]
    level = MatchResult(sides=("jiefang", "xiuwu"), score=Score(total=(70, 70)))
    assert result_problems(FORMAT, "sf-1", level, pools) == [
        ("/score/total", "70-70 is a draw, and a match of this sport cannot end level: overtime "
         "is played until one side leads"),
    ]
    with pytest.raises(ValueError, match="no match 'sf-3'"):
        result_problems(FORMAT, "sf-3", level, pools)


def test_football_knockout_draw_needs_its_shootout() -> None:
    football = FORMAT.model_copy(update={"rules": DEFAULT_SPORT_RULES["football"]})
    level = MatchResult(sides=("jiefang", "xiuwu"), score=Score(total=(1, 1)))
    pools = pool_results(football, FINISH)
    assert result_problems(football, "pool-A-m1", level.model_copy(
        update={"sides": ("jiefang", "shanyang")}), pools) == []
    assert result_problems(football, "sf-1", level, pools) == [
        ("/score/total", "a knockout match level at 1-1 is decided by a shootout: give "
         "/score/shootout"),
    ]


# --- Properties ---------------------------------------------------------------------------------

@st.composite
def played_tournaments(draw: st.DrawFn) -> tuple[dict[str, MatchResult], dict[str, list[str]]]:
    """A 2 x 4 tournament played to the end with random scores, and a full draw per pool so
    that no tie is left open."""
    results: dict[str, MatchResult] = {}
    scores = st.tuples(st.integers(40, 90), st.integers(1, 30))
    for pool in FORMAT.pools:
        for match in pool.matches:
            high, margin = draw(scores)
            pair = draw(st.permutations(match.sides))
            results[match.phase] = beats(pair[0], pair[1], (high, high - margin))
    draws = {pool.letter: draw(st.permutations(pool.teams)) for pool in FORMAT.pools}
    for phase in KNOCKOUT_PHASES:  # in playing order, each seeded by those before
        state = tournament_state(FORMAT, results, draws).match(phase)
        teams = [side.team for side in state.sides if side.team is not None]
        assert len(teams) == 2
        winner = draw(st.sampled_from(teams))
        results[phase] = beats(winner, next(team for team in teams if team != winner))
    return results, draws


@settings(max_examples=100, deadline=None)
@given(played_tournaments(), st.randoms(use_true_random=False))
def test_every_played_tournament_ranks_each_team_once(
    tournament: tuple[dict[str, MatchResult], dict[str, list[str]]], shuffler: random.Random
) -> None:
    results, draws = tournament
    ranking = final_ranking(FORMAT, results, draws)
    assert ranking is not None
    entries = entries_of(ranking)
    assert [entry.rank for entry in entries] == list(range(1, 9))
    assert sorted(entry.delegation for entry in entries) == sorted(POOL_A + POOL_B)
    assert rank_problems(entries) == []
    # The gold medal match's winner is 1st; a result's order in the mapping does not matter.
    gold = results["gold"]
    assert entries[0].delegation == gold.sides[0]
    phases = list(results)
    shuffler.shuffle(phases)
    assert final_ranking(FORMAT, {phase: results[phase] for phase in phases}, draws) == ranking
    # Entering a match's result again unchanged conflicts with nothing.
    phase = shuffler.choice(phases)
    assert correction_conflicts(FORMAT, phase, results[phase], results, draws) == ()
    event = GAMES.event("bk-youth-m-5x5")
    assert event is not None
    points = [a.points for a in award_result(event, official(event, entries), RULES)]
    assert sum(points) == Fraction(2 * sum(RULES.place_points))
