"""Team-sport matches: how a sport is scored, a match's result, and the checks a result passes.

A match is between two sides (delegation codes). Its score is a total per side, made of the
periods (basketball's quarters, then overtime) or the sets (volleyball; the matches of a
table-tennis team tie) where the sport has them. The rules of each sport are data
(`PointsMatch`, `SetsMatch`), so a games file can give 3x3 basketball or air volleyball its own.
`score_problems` lists every problem of a result at once, each with a JSON pointer into the
result's body (`/score/sets/4`) the way ingest reports request problems; docs/tournaments.md
explains each rule with examples.
"""

from itertools import accumulate
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt

from shared.domain.codes import Code

# (first side's, second side's): points, goals, sets or a period's points, in `sides` order.
Pair = tuple[NonNegativeInt, NonNegativeInt]
# A problem of a result: (JSON pointer into the result body, what is wrong, for the official).
Problem = tuple[str, str]


class FrozenModel(BaseModel):
    """Tournament data: immutable, and refusing unknown fields (a typo in a games file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PointsMatch(FrozenModel):
    """A sport won on a total per side: basketball (points), football (goals)."""

    kind: Literal["points"]
    # Periods before any overtime (basketball: 4 quarters); overtime periods follow one at a
    # time while the score is level. None: the sport's results list no periods.
    periods: PositiveInt | None
    # A pool match may end level (football); a knockout match never does.
    draws_in_pools: bool
    # A knockout match level after play is decided by a shootout (football's penalties).
    shootout: bool
    # A forfeited match is recorded as forfeit_score-0 (FIBA 20-0, football 3-0).
    forfeit_score: PositiveInt


class SetsMatch(FrozenModel):
    """A sport won by sets: volleyball; a table-tennis team tie, where each "set" is one match
    of the tie and its score is the games won (3-1)."""

    kind: Literal["sets"]
    # The first side to win this many sets wins the match: 3 is best of 5.
    sets_to_win: PositiveInt
    # A set goes to set_points, the deciding set (the last possible) to deciding_set_points.
    set_points: PositiveInt
    deciding_set_points: PositiveInt
    # 2: a set level at one point short goes on until a side leads by 2 (26-24); 1: the
    # first to the target wins (a table-tennis match is first to 3 games).
    win_by: Literal[1, 2]

    @property
    def deciding_set(self) -> int:
        """The index of the deciding set in `Score.sets` (4, the 5th, in a best of 5)."""
        return 2 * self.sets_to_win - 2


MatchRules = Annotated[PointsMatch | SetsMatch, Field(discriminator="kind")]


class Score(FrozenModel):
    total: Pair
    periods: tuple[Pair, ...] = ()
    sets: tuple[Pair, ...] = ()
    shootout: Pair | None = None


class MatchResult(FrozenModel):
    """One match's result as the desk enters it; `score` pairs follow the order of `sides`."""

    sides: tuple[Code, Code]
    score: Score
    # The side that forfeited (did not play, or was declared in default), if any.
    forfeit: Code | None = None


def winning_side(result: MatchResult) -> int | None:
    """The index in `sides` of the winner (a shootout decides a level knockout match); None
    for a draw."""
    if result.forfeit is not None:
        return 1 - result.sides.index(result.forfeit)
    first, second = result.score.total
    if first == second and result.score.shootout is not None:
        first, second = result.score.shootout
    if first == second:
        return None
    return 0 if first > second else 1


def forfeit_score(rules: PointsMatch | SetsMatch, forfeiting: int) -> Score:
    """The score a forfeit is recorded as, `forfeiting` being the index of the side that
    forfeited: forfeit_score-0, or every set needed to win at set_points-0 (25-0, 25-0, 25-0)."""
    def won(value: int) -> Pair:
        return (0, value) if forfeiting == 0 else (value, 0)

    if isinstance(rules, PointsMatch):
        return Score(total=won(rules.forfeit_score))
    return Score(total=won(rules.sets_to_win), sets=(won(rules.set_points),) * rules.sets_to_win)


def score_problems(
    result: MatchResult, rules: PointsMatch | SetsMatch, *, knockout: bool, finished: bool = True
) -> list[Problem]:
    """Every problem of `result` under the sport's `rules`, in body order; [] means it stands.

    `knockout`: the match is a knockout or placement match, which no sport lets end level.
    `finished`: the score is the end of the match. A score while it is played (a provisional
    result) may be level, have fewer periods than a game and end in a set still being
    played; what it has so far must add up, and may not be past the end of the match.
    """
    problems: list[Problem] = []
    first, second = result.sides
    if first == second:
        problems.append(("/sides/1", f"{second} cannot play itself"))
    if result.forfeit is not None:
        if result.forfeit not in result.sides:
            problems.append(("/forfeit", f"{result.forfeit} is not one of the sides "
                             f"({first}, {second})"))
        else:
            forfeiting = result.sides.index(result.forfeit)
            expected = forfeit_score(rules, forfeiting)
            if result.score != expected:
                problems.append(("/score", f"a forfeit by {result.forfeit} is recorded as "
                                 f"{_describe(expected)}, with nothing else"))
        return problems
    if isinstance(rules, PointsMatch):
        problems.extend(_points_problems(result.score, rules, knockout, finished))
    else:
        problems.extend(_sets_problems(result.score, rules, finished))
    return problems


def _points_problems(
    score: Score, rules: PointsMatch, knockout: bool, finished: bool
) -> list[Problem]:
    problems: list[Problem] = []
    if score.periods:
        if rules.periods is None:
            problems.append(("/score/periods", "this sport's results list no periods: leave "
                             "them out"))
        else:
            problems.extend(_period_problems(score, rules.periods, finished))
    if score.sets:
        problems.append(("/score/sets", "this sport is won on points, not sets: leave the sets "
                         "out"))
    level = score.total[0] == score.total[1]
    total = _pair(score.total)
    shootout_decides = knockout and rules.shootout
    if score.shootout is not None and not shootout_decides:
        where = "a pool match" if rules.shootout else "this sport"
        problems.append(("/score/shootout", f"{where} has no shootout: leave it out"))
    elif score.shootout is not None and not level:
        problems.append(("/score/shootout", f"a shootout is held only when the match is "
                         f"level, and it ended {total}"))
    elif score.shootout is not None and score.shootout[0] == score.shootout[1] and finished:
        problems.append(("/score/shootout", f"{_pair(score.shootout)} is not the end of a "
                         "shootout: it goes on until one side leads"))
    if not finished:
        return problems
    if level and shootout_decides and score.shootout is None:
        problems.append(("/score/total", f"a knockout match level at {total} is decided by a "
                         "shootout: give /score/shootout"))
    elif level and not shootout_decides and (knockout or not rules.draws_in_pools):
        where = "a knockout match" if rules.draws_in_pools else "a match of this sport"
        problems.append(("/score/total", f"{total} is a draw, and {where} cannot end level: "
                         "overtime is played until one side leads"))
    return problems


def _period_problems(score: Score, regulation: int, finished: bool) -> list[Problem]:
    problems: list[Problem] = []
    periods = score.periods
    if len(periods) < regulation and finished:
        problems.append(("/score/periods", f"{len(periods)} periods given; a game has "
                         f"{regulation} before any overtime"))
    # The score after each period: an overtime period follows only a level one.
    running = list(accumulate(periods, lambda done, period: (done[0] + period[0],
                                                             done[1] + period[1]), initial=(0, 0)))
    for index in range(regulation, len(periods)):
        before = running[index]
        if before[0] != before[1]:
            problems.append((f"/score/periods/{index}", f"no overtime after {_pair(before)}: "
                             "overtime is played only when the score is level"))
            break
    if running[-1] != score.total:
        problems.append(("/score/total", f"the periods add up to {_pair(running[-1])}, not "
                         f"{_pair(score.total)}"))
    return problems


def _sets_problems(score: Score, rules: SetsMatch, finished: bool) -> list[Problem]:
    problems: list[Problem] = []
    if score.periods:
        problems.append(("/score/periods", "this sport is won by sets, not periods: leave the "
                         "periods out"))
    if score.shootout is not None:
        problems.append(("/score/shootout", "this sport has no shootout: leave it out"))
    best_of = 2 * rules.sets_to_win - 1
    if not score.sets and finished:
        problems.append(("/score/sets", f"list the sets played (best of {best_of}, first to "
                         f"{rules.sets_to_win} sets)"))
        return problems
    won = [0, 0]
    last = len(score.sets) - 1
    for index, (first, second) in enumerate(score.sets):
        pointer = f"/score/sets/{index}"
        if max(won) == rules.sets_to_win:
            problems.append((pointer, f"the match was over at {_pair(won)} in sets: no set "
                             "after that"))
            continue
        target = rules.deciding_set_points if index == rules.deciding_set else rules.set_points
        done = _set_finished(first, second, target, rules.win_by)
        playing = not finished and index == last and _set_in_progress(first, second, target,
                                                                      rules.win_by)
        if not done and not playing:
            clear = ", won by 2 clear points" if rules.win_by == 2 else ""
            problems.append((pointer, f"{first}-{second} is not a finished set: set {index + 1} "
                             f"goes to {target}{clear}"))
        if first != second and not playing:
            won[0 if first > second else 1] += 1
    if max(won) < rules.sets_to_win and finished:
        problems.append(("/score/sets", f"{_pair(won)} in sets is not a finished match: the "
                         f"first to {rules.sets_to_win} sets wins"))
    if tuple(won) != score.total:
        problems.append(("/score/total", f"the sets give {_pair(won)}, not {_pair(score.total)}"))
    return problems


def _set_finished(first: int, second: int, target: int, win_by: int) -> bool:
    # A set ends the moment one side reaches the target with a lead of win_by; from one point
    # short each (24-24) it goes on until a side leads by 2, which ends it at once (26-24).
    high, low = max(first, second), min(first, second)
    if high == target:
        return high - low >= win_by
    return win_by == 2 and high > target and high - low == 2


def _set_in_progress(first: int, second: int, target: int, win_by: int) -> bool:
    # Still being played: short of the target, or (won by 2) level or a point apart past it.
    high, low = max(first, second), min(first, second)
    return high < target or (win_by == 2 and high - low <= 1)


def _pair(pair: tuple[int, int] | list[int]) -> str:
    return f"{pair[0]}-{pair[1]}"


def _describe(score: Score) -> str:
    sets = f" ({', '.join(_pair(s) for s in score.sets)})" if score.sets else ""
    return _pair(score.total) + sets

