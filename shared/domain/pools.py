"""Pool tables of team sports: classification points and tie-breakers (docs/api.md "Pool
ranking"), as data per sport so a games file can change them.

A ranking is an ordered list of criteria. Overall criteria look at every pool match a team
played; head-to-head criteria look only at the matches among the teams still level. Whenever a
criterion splits level teams into smaller groups, each group is ranked again from the first
criterion, among itself alone: that is FIBA's "applied again to that subset", and for overall
criteria it changes nothing. Teams level on every criterion stay level until the desk's draw
orders them. docs/tournaments.md works an example of every tie-breaker.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from itertools import groupby
from typing import Final, Literal

from pydantic import Field, NonNegativeInt, model_validator

from shared.domain.matches import (
    FrozenModel,
    MatchResult,
    MatchRules,
    PointsMatch,
    SetsMatch,
    winning_side,
)

Criterion = Literal[
    "points",  # classification points
    "won",  # matches won
    "head-to-head-points",  # classification points in the matches among the level teams
    "head-to-head-difference",  # scored - conceded in those matches
    "head-to-head-scored",  # scored in those matches
    "difference",  # scored - conceded in all pool matches
    "scored",  # scored in all pool matches
    "set-ratio",  # scored ÷ conceded: sets won ÷ lost, where the score is in sets
    "point-ratio",  # points won ÷ lost within the sets
]
# How a row's place among the teams level with it was decided: the criterion that set it
# apart, or the desk's draw. A row none needed (apart on the first criterion), or one still
# level with others (sharing their rank until the draw), has None.
DecidedBy = Criterion | Literal["draw"]

_HEAD_TO_HEAD: Final = ("head-to-head-points", "head-to-head-difference", "head-to-head-scored")


class PoolRanking(FrozenModel):
    """Classification points per match, and the order of the criteria that rank a pool."""

    win: NonNegativeInt
    draw: NonNegativeInt
    loss: NonNegativeInt
    forfeit: NonNegativeInt  # the side that forfeited gets these instead of `loss`
    # Volleyball: a match decided in the deciding set (3-2) scores these instead of win / loss.
    deciding_set_win: NonNegativeInt | None = None
    deciding_set_loss: NonNegativeInt | None = None
    order: tuple[Criterion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_criterion_once(self) -> "PoolRanking":
        repeated = sorted({c for c in self.order if self.order.count(c) > 1})
        if repeated:
            raise ValueError(f"order lists {', '.join(repeated)} more than once")
        return self


class SportRules(FrozenModel):
    """How a sport's matches are scored and its pools ranked."""

    match: MatchRules
    ranking: PoolRanking

    @model_validator(mode="after")
    def _deciding_set_needs_sets(self) -> "SportRules":
        ranking = self.ranking
        if isinstance(self.match, PointsMatch) and (
            ranking.deciding_set_win is not None or ranking.deciding_set_loss is not None
        ):
            raise ValueError("deciding_set_win and deciding_set_loss need a sport won by sets")
        return self


_OVERALL_THEN_HEAD_TO_HEAD: Final[tuple[Criterion, ...]] = (
    "points", *_HEAD_TO_HEAD, "difference", "scored"
)
FOOTBALL: Final = SportRules(
    match=PointsMatch(kind="points", periods=None, draws_in_pools=True, shootout=True,
                      forfeit_score=3),
    ranking=PoolRanking(win=3, draw=1, loss=0, forfeit=0, order=_OVERALL_THEN_HEAD_TO_HEAD),
)
# The contract's defaults; a sport not listed here needs its rules in the games file.
DEFAULT_SPORT_RULES: Final[Mapping[str, SportRules]] = {
    # FIBA: 4 quarters then overtime, no draws, a forfeit is 20-0 and earns 0 points.
    "basketball": SportRules(
        match=PointsMatch(kind="points", periods=4, draws_in_pools=False, shootout=False,
                          forfeit_score=20),
        ranking=PoolRanking(win=2, draw=0, loss=1, forfeit=0, order=_OVERALL_THEN_HEAD_TO_HEAD),
    ),
    "football": FOOTBALL,
    # FIVB: best of 5, sets to 25 and the 5th to 15, won by 2; 3-0 and 3-1 earn 3 points, 3-2
    # earns 2 and 2-3 earns 1.
    "volleyball": SportRules(
        match=SetsMatch(kind="sets", sets_to_win=3, set_points=25, deciding_set_points=15,
                        win_by=2),
        ranking=PoolRanking(win=3, draw=0, loss=0, forfeit=0, deciding_set_win=2,
                            deciding_set_loss=1,
                            order=("won", "points", "set-ratio", "point-ratio")),
    ),
    # A team tie is best of 5 matches, each first to 3 games; ranked as "others" are, with
    # the matches won in ties as the score.
    "table-tennis": SportRules(
        match=SetsMatch(kind="sets", sets_to_win=3, set_points=3, deciding_set_points=3,
                        win_by=1),
        ranking=FOOTBALL.ranking,
    ),
}


@dataclass(frozen=True)
class PoolRecord:
    """A team's pool matches added up."""

    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    scored: int = 0  # points, goals, sets won (volleyball) or matches won (table tennis)
    conceded: int = 0
    points: int = 0  # classification points
    set_points_scored: int = 0  # points won within the sets (volleyball), games (table tennis)
    set_points_conceded: int = 0

    @property
    def difference(self) -> int:
        return self.scored - self.conceded

    def __add__(self, other: "PoolRecord") -> "PoolRecord":
        return PoolRecord(**{field.name: getattr(self, field.name) + getattr(other, field.name)
                             for field in fields(PoolRecord)})


@dataclass(frozen=True, kw_only=True)
class PoolRow(PoolRecord):
    rank: int
    delegation: str
    decided_by: DecidedBy | None


def classification_points(result: MatchResult, side: int, rules: SportRules) -> int:
    """What the match earns the side at index `side` in `result.sides`."""
    ranking = rules.ranking
    winner = winning_side(result)
    if winner is None:
        return ranking.draw
    if result.forfeit == result.sides[side]:
        return ranking.forfeit
    in_deciding_set = (isinstance(rules.match, SetsMatch)
                       and min(result.score.total) == rules.match.sets_to_win - 1)
    if winner == side:
        special = ranking.deciding_set_win
        return special if in_deciding_set and special is not None else ranking.win
    special = ranking.deciding_set_loss
    return special if in_deciding_set and special is not None else ranking.loss


def _record(result: MatchResult, side: int, rules: SportRules) -> PoolRecord:
    """What one match adds to the record of the side at index `side`."""
    winner = winning_side(result)
    sets = result.score.sets
    return PoolRecord(
        played=1,
        won=int(winner == side),
        drawn=int(winner is None),
        lost=int(winner == 1 - side),
        scored=result.score.total[side],
        conceded=result.score.total[1 - side],
        points=classification_points(result, side, rules),
        set_points_scored=sum(points[side] for points in sets),
        set_points_conceded=sum(points[1 - side] for points in sets),
    )


def _records(
    teams: Iterable[str], results: Iterable[MatchResult], rules: SportRules
) -> dict[str, PoolRecord]:
    records = dict.fromkeys(teams, PoolRecord())
    for result in results:
        for side, team in enumerate(result.sides):
            records[team] += _record(result, side, rules)
    return records


_Key = tuple[int | Fraction, ...]


def _ratio(won: int, lost: int) -> _Key:
    # Nothing lost is the best ratio, whatever was won; nothing played at all counts as 0.
    if lost == 0:
        return (1, 0) if won else (0, 0)
    return (0, Fraction(won, lost))


_MEASURES: Final[Mapping[str, Callable[[PoolRecord], _Key]]] = {
    "points": lambda record: (record.points,),
    "won": lambda record: (record.won,),
    "difference": lambda record: (record.difference,),
    "scored": lambda record: (record.scored,),
    "set-ratio": lambda record: _ratio(record.scored, record.conceded),
    "point-ratio": lambda record: _ratio(record.set_points_scored, record.set_points_conceded),
}


@dataclass(frozen=True)
class _Block:
    """Teams the criteria place together: one team, or several level on every criterion."""

    teams: tuple[str, ...]
    decided_by: DecidedBy | None


def rank_pool(
    teams: Sequence[str],
    results: Iterable[MatchResult],
    rules: SportRules,
    draw: Sequence[str] = (),
) -> tuple[PoolRow, ...]:
    """The pool table of `teams` (in the pool's draw order) from its official `results`.

    Teams level on every criterion share a rank (1, 2, 2, 4) and keep the pool's order, unless
    `draw` (the desk's draw, best first) lists every one of them: then they are ranked in its
    order, decided by "draw". Raises ValueError for a result of a team outside the pool.
    """
    played = tuple(results)
    for result in played:
        strangers = [side for side in result.sides if side not in teams]
        if strangers:
            raise ValueError(f"{', '.join(strangers)} not in this pool ({', '.join(teams)})")
    overall = _records(teams, played, rules)

    def blocks(group: list[str], decided_by: DecidedBy | None) -> list[_Block]:
        if len(group) == 1:
            return [_Block(tuple(group), decided_by)]
        for criterion in rules.ranking.order:
            if criterion in _HEAD_TO_HEAD:
                among = [r for r in played if r.sides[0] in group and r.sides[1] in group]
                records = _records(group, among, rules)
                measure = _MEASURES[criterion.removeprefix("head-to-head-")]
            else:
                records, measure = overall, _MEASURES[criterion]
            keys = {team: measure(records[team]) for team in group}
            if len(set(keys.values())) > 1:
                split_by = None if criterion == rules.ranking.order[0] else criterion
                ordered = sorted(group, key=keys.__getitem__, reverse=True)
                return [block for _, level in groupby(ordered, key=keys.__getitem__)
                        for block in blocks(list(level), split_by)]
        return [_Block(tuple(group), None)]

    rows: list[PoolRow] = []
    for block in blocks(list(teams), None):
        drawn = len(block.teams) > 1 and set(block.teams) <= set(draw)
        ordered = sorted(block.teams, key=draw.index) if drawn else block.teams
        first = len(rows) + 1
        for offset, team in enumerate(ordered):
            rank = first + offset if drawn else first
            rows.append(PoolRow(rank=rank, delegation=team, **asdict(overall[team]),
                                decided_by="draw" if drawn else block.decided_by))
    return tuple(rows)
