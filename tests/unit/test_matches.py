"""Match results under each sport's rules (docs/tournaments.md "Match results")."""

from typing import Literal

import pytest

from shared.domain.matches import (
    MatchResult,
    PointsMatch,
    Problem,
    Score,
    SetsMatch,
    forfeit_score,
    score_problems,
    winning_side,
)
from shared.domain.pools import DEFAULT_SPORT_RULES

BASKETBALL = DEFAULT_SPORT_RULES["basketball"].match
FOOTBALL = DEFAULT_SPORT_RULES["football"].match
VOLLEYBALL = DEFAULT_SPORT_RULES["volleyball"].match
TABLE_TENNIS = DEFAULT_SPORT_RULES["table-tennis"].match


def pairs(spec: str) -> tuple[tuple[int, int], ...]:
    """"25-20 23-25" → ((25, 20), (23, 25))."""
    parsed = []
    for token in spec.split():
        first, second = token.split("-")
        parsed.append((int(first), int(second)))
    return tuple(parsed)


def match(
    total: str,
    *,
    periods: str = "",
    sets: str = "",
    shootout: str = "",
    forfeit: str | None = None,
    sides: tuple[str, str] = ("qinyang", "mengzhou"),
) -> MatchResult:
    (score,) = pairs(total)
    return MatchResult(sides=sides, forfeit=forfeit, score=Score(
        total=score, periods=pairs(periods), sets=pairs(sets),
        shootout=pairs(shootout)[0] if shootout else None,
    ))


VALID = [
    # 20+19+21+18 = 78 and 18+20+15+18 = 71.
    pytest.param(BASKETBALL, False, match("78-71", periods="20-18 19-20 21-15 18-18"),
                 id="basketball with its quarters"),
    # 80-80 after the 4 quarters, then 10-5 in overtime.
    pytest.param(BASKETBALL, True, match("90-85", periods="20-20 20-20 20-20 20-20 10-5"),
                 id="basketball overtime"),
    # 80-80, then 85-85 after the 1st overtime, 93-87 after the 2nd.
    pytest.param(BASKETBALL, False, match("93-87", periods="20-20 20-20 20-20 20-20 5-5 8-2"),
                 id="basketball double overtime"),
    pytest.param(BASKETBALL, False, match("60-58"), id="basketball periods are optional"),
    pytest.param(FOOTBALL, False, match("1-1"), id="football draw in a pool"),
    pytest.param(FOOTBALL, True, match("1-1", shootout="4-3"), id="football penalties"),
    pytest.param(FOOTBALL, True, match("0-2"), id="football knockout won in play"),
    pytest.param(VOLLEYBALL, False, match("3-1", sets="25-20 23-25 25-23 26-24"),
                 id="volleyball 3-1 with a 26-24 set"),
    pytest.param(VOLLEYBALL, True, match("1-3", sets="24-26 25-23 20-25 24-26"),
                 id="volleyball 24-26 sets"),
    pytest.param(VOLLEYBALL, False, match("3-2", sets="25-20 20-25 25-22 22-25 15-13"),
                 id="volleyball 5th set to 15"),
    pytest.param(VOLLEYBALL, False, match("2-3", sets="25-20 20-25 25-22 22-25 18-20"),
                 id="volleyball 5th set past 15 by 2"),
    pytest.param(VOLLEYBALL, False, match("3-0", sets="25-0 25-0 25-0", forfeit="mengzhou"),
                 id="volleyball forfeit"),
    pytest.param(TABLE_TENNIS, False, match("3-2", sets="3-1 1-3 3-2 0-3 3-0"),
                 id="table tennis tie 3-2"),
    pytest.param(BASKETBALL, False, match("0-20", forfeit="qinyang"), id="basketball forfeit"),
    pytest.param(FOOTBALL, True, match("3-0", forfeit="mengzhou"), id="football forfeit"),
]


@pytest.mark.parametrize(("rules", "knockout", "result"), VALID)
def test_valid_results_pass(
    rules: PointsMatch | SetsMatch, knockout: bool, result: MatchResult
) -> None:
    assert score_problems(result, rules, knockout=knockout) == []


REFUSED = [
    pytest.param(BASKETBALL, False, match("70-70"), [
        ("/score/total", "70-70 is a draw, and a match of this sport cannot end level: overtime "
         "is played until one side leads"),
    ], id="no draw in a basketball pool game"),
    pytest.param(BASKETBALL, False, match("78-70", periods="20-18 19-20 21-15 18-18"), [
        ("/score/total", "the periods add up to 78-71, not 78-70"),
    ], id="periods must add up to the total"),
    pytest.param(BASKETBALL, False, match("83-71", periods="20-18 19-20 21-15 18-18 5-0"), [
        ("/score/periods/4", "no overtime after 78-71: overtime is played only when the score "
         "is level"),
    ], id="no overtime after a decided game"),
    pytest.param(BASKETBALL, False, match("60-53", periods="20-18 19-20 21-15"), [
        ("/score/periods", "3 periods given; a game has 4 before any overtime"),
    ], id="four quarters before overtime"),
    # Level after the 4 quarters and after the overtime: another overtime was due.
    pytest.param(BASKETBALL, True, match("85-85", periods="20-20 20-20 20-20 20-20 5-5"), [
        ("/score/total", "85-85 is a draw, and a match of this sport cannot end level: overtime "
         "is played until one side leads"),
    ], id="overtime until one side leads"),
    pytest.param(BASKETBALL, False, match("2-1", sets="25-20 25-20"), [
        ("/score/sets", "this sport is won on points, not sets: leave the sets out"),
    ], id="basketball has no sets"),
    pytest.param(BASKETBALL, True, match("70-70", shootout="3-2"), [
        ("/score/shootout", "this sport has no shootout: leave it out"),
        ("/score/total", "70-70 is a draw, and a match of this sport cannot end level: overtime "
         "is played until one side leads"),
    ], id="basketball has no shootout"),
    pytest.param(FOOTBALL, True, match("1-1"), [
        ("/score/total", "a knockout match level at 1-1 is decided by a shootout: give "
         "/score/shootout"),
    ], id="no draw in a football knockout match"),
    pytest.param(FOOTBALL, False, match("1-1", shootout="5-4"), [
        ("/score/shootout", "a pool match has no shootout: leave it out"),
    ], id="no shootout in a pool"),
    pytest.param(FOOTBALL, True, match("2-1", shootout="5-4"), [
        ("/score/shootout", "a shootout is held only when the match is level, and it ended 2-1"),
    ], id="shootout only after a level match"),
    pytest.param(FOOTBALL, True, match("0-0", shootout="4-4"), [
        ("/score/shootout", "4-4 is not the end of a shootout: it goes on until one side leads"),
    ], id="a shootout has a winner"),
    pytest.param(FOOTBALL, False, match("2-1", periods="1-0 1-1"), [
        ("/score/periods", "this sport's results list no periods: leave them out"),
    ], id="football lists no periods"),
    pytest.param(VOLLEYBALL, False, match("3-1", sets="25-20 23-25 25-23 25-24"), [
        ("/score/sets/3", "25-24 is not a finished set: set 4 goes to 25, won by 2 clear points"),
    ], id="volleyball 25-24 is unfinished"),
    # From 24-24 the first side 2 points clear wins: 26-24 ends the set, 27-24 cannot happen.
    pytest.param(VOLLEYBALL, False, match("3-1", sets="25-20 23-25 25-23 27-24"), [
        ("/score/sets/3", "27-24 is not a finished set: set 4 goes to 25, won by 2 clear points"),
    ], id="volleyball 27-24 is past the end"),
    pytest.param(VOLLEYBALL, False, match("3-1", sets="25-20 23-25 25-23 24-22"), [
        ("/score/sets/3", "24-22 is not a finished set: set 4 goes to 25, won by 2 clear points"),
    ], id="volleyball 24-22 is short of 25"),
    pytest.param(VOLLEYBALL, False, match("3-2", sets="25-20 20-25 25-22 22-25 15-14"), [
        ("/score/sets/4", "15-14 is not a finished set: set 5 goes to 15, won by 2 clear points"),
    ], id="volleyball 5th set 15-14"),
    pytest.param(VOLLEYBALL, False, match("3-2", sets="25-20 20-25 25-22 22-25 25-20"), [
        ("/score/sets/4", "25-20 is not a finished set: set 5 goes to 15, won by 2 clear points"),
    ], id="volleyball 5th set goes to 15 only"),
    pytest.param(VOLLEYBALL, False, match("3-0", sets="25-20 25-20 25-20 25-20"), [
        ("/score/sets/3", "the match was over at 3-0 in sets: no set after that"),
    ], id="volleyball ends at 3 sets"),
    pytest.param(VOLLEYBALL, False, match("2-0", sets="25-20 25-20"), [
        ("/score/sets", "2-0 in sets is not a finished match: the first to 3 sets wins"),
    ], id="volleyball unfinished match"),
    pytest.param(VOLLEYBALL, False, match("3-2", sets="25-20 23-25 25-23 25-21"), [
        ("/score/total", "the sets give 3-1, not 3-2"),
    ], id="volleyball total from the sets"),
    pytest.param(VOLLEYBALL, False, match("3-0"), [
        ("/score/sets", "list the sets played (best of 5, first to 3 sets)"),
    ], id="volleyball needs its sets"),
    # Set 1 is unfinished but counts to qinyang, so 3-0 after set 3, and set 4 is one too many.
    pytest.param(VOLLEYBALL, False,
                 match("3-1", periods="1-0", sets="25-24 25-20 25-20 25-20"), [
                     ("/score/periods", "this sport is won by sets, not periods: leave the "
                      "periods out"),
                     ("/score/sets/0", "25-24 is not a finished set: set 1 goes to 25, won by 2 "
                      "clear points"),
                     ("/score/sets/3", "the match was over at 3-0 in sets: no set after that"),
                     ("/score/total", "the sets give 3-0, not 3-1"),
                 ], id="every problem at once"),
    pytest.param(TABLE_TENNIS, False, match("3-1", sets="4-2 3-0 1-3 3-1"), [
        ("/score/sets/0", "4-2 is not a finished set: set 1 goes to 3"),
    ], id="table tennis match is first to 3 games"),
    pytest.param(TABLE_TENNIS, False, match("2-2", sets="3-0 0-3 3-1 1-3"), [
        ("/score/sets", "2-2 in sets is not a finished match: the first to 3 sets wins"),
    ], id="table tennis tie goes to 3 matches"),
    pytest.param(BASKETBALL, False, match("70-60", sides=("qinyang", "qinyang")), [
        ("/sides/1", "qinyang cannot play itself"),
    ], id="two different sides"),
    pytest.param(BASKETBALL, False, match("20-0", forfeit="wuzhi"), [
        ("/forfeit", "wuzhi is not one of the sides (qinyang, mengzhou)"),
    ], id="forfeit by a side"),
    pytest.param(BASKETBALL, False, match("2-0", forfeit="mengzhou"), [
        ("/score", "a forfeit by mengzhou is recorded as 20-0, with nothing else"),
    ], id="basketball forfeit is 20-0"),
    pytest.param(VOLLEYBALL, False, match("0-3", sets="0-25 0-25 20-25", forfeit="qinyang"), [
        ("/score", "a forfeit by qinyang is recorded as 0-3 (0-25, 0-25, 0-25), with nothing "
         "else"),
    ], id="volleyball forfeit is 0-25 in each set"),
]


@pytest.mark.parametrize(("rules", "knockout", "result", "expected"), REFUSED)
def test_invalid_results_list_every_problem(
    rules: PointsMatch | SetsMatch, knockout: bool, result: MatchResult, expected: list[Problem]
) -> None:
    assert score_problems(result, rules, knockout=knockout) == expected


def finished_sets(target: int, win_by: int, limit: int) -> set[tuple[int, int]]:
    """Every final score of a set, found by playing every rally: a set ends the moment one side
    has at least `target` points and leads by `win_by`."""
    finals: set[tuple[int, int]] = set()
    frontier = [(0, 0)]
    seen = {(0, 0)}
    while frontier:
        first, second = frontier.pop()
        if max(first, second) >= target and abs(first - second) >= win_by:
            finals.add((first, second))
            continue
        for following in ((first + 1, second), (first, second + 1)):
            if max(following) <= limit and following not in seen:
                seen.add(following)
                frontier.append(following)
    return finals


@pytest.mark.parametrize(("target", "win_by"), [(25, 2), (15, 2), (21, 2), (3, 1), (11, 1)])
def test_a_set_is_accepted_exactly_when_rallies_can_end_there(
    target: int, win_by: Literal[1, 2]
) -> None:
    # A one-set match, so that the set checked is the deciding one, scored to `target`.
    rules = SetsMatch(kind="sets", sets_to_win=1, set_points=99, deciding_set_points=target,
                      win_by=win_by)
    limit = target + 6
    reachable = finished_sets(target, win_by, limit)
    accepted = set()
    for first in range(limit + 1):
        for second in range(limit + 1):
            if first == second:
                continue
            total = (1, 0) if first > second else (0, 1)
            result = MatchResult(sides=("qinyang", "mengzhou"),
                                 score=Score(total=total, sets=((first, second),)))
            if score_problems(result, rules, knockout=True) == []:
                accepted.add((first, second))
    assert accepted == reachable


@pytest.mark.parametrize(("result", "winner"), [
    pytest.param(match("78-71"), 0, id="more points"),
    pytest.param(match("1-1"), None, id="a draw"),
    pytest.param(match("1-1", shootout="3-4"), 1, id="shootout"),
    pytest.param(match("0-20", forfeit="qinyang"), 1, id="forfeit"),
    pytest.param(match("2-3", sets="25-20 20-25 25-22 22-25 18-20"), 1, id="sets"),
])
def test_winning_side(result: MatchResult, winner: int | None) -> None:
    assert winning_side(result) == winner


def test_forfeit_scores() -> None:
    assert forfeit_score(BASKETBALL, forfeiting=1) == Score(total=(20, 0))
    assert forfeit_score(FOOTBALL, forfeiting=0) == Score(total=(0, 3))
    assert forfeit_score(VOLLEYBALL, forfeiting=0) == Score(
        total=(0, 3), sets=((0, 25), (0, 25), (0, 25)))
    assert forfeit_score(TABLE_TENNIS, forfeiting=1) == Score(
        total=(3, 0), sets=((3, 0), (3, 0), (3, 0)))
