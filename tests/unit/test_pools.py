"""Pool tables with hand-computed tie-breaks (docs/tournaments.md "Pool ranking"), and their
properties for any results."""

import random
from collections.abc import Sequence
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.matches import MatchResult, Score
from shared.domain.pools import DEFAULT_SPORT_RULES, PoolRanking, SportRules, rank_pool

BASKETBALL = DEFAULT_SPORT_RULES["basketball"]
FOOTBALL = DEFAULT_SPORT_RULES["football"]
VOLLEYBALL = DEFAULT_SPORT_RULES["volleyball"]
CODES = {"J": "jiefang", "Z": "zhongzhan", "M": "macun", "S": "shanyang"}
LETTERS = {code: letter for letter, code in CODES.items()}
POOL = tuple(CODES.values())  # J, Z, M, S in draw order


def played(*specs: str) -> list[MatchResult]:
    """Results from "J 80-70 Z" (J scored 80, Z 70); volleyball adds its sets after the sides
    ("J 3-1 Z 25-20 20-25 25-20 25-20"); "J 20-0 Z forfeit" means Z forfeited."""
    def pair(text: str) -> tuple[int, int]:
        first, second = text.split("-")
        return int(first), int(second)

    results = []
    for spec in specs:
        first, total, second, *rest = spec.split()
        sets = tuple(pair(points) for points in rest if points != "forfeit")
        results.append(MatchResult(
            sides=(CODES[first], CODES[second]), score=Score(total=pair(total), sets=sets),
            forfeit=CODES[second] if "forfeit" in rest else None,
        ))
    return results


def table(
    rules: SportRules, results: Sequence[MatchResult], draw: Sequence[str] = ()
) -> list[tuple[int, str, int, str | None]]:
    """(rank, team letter, classification points, decided by) per row."""
    rows = rank_pool(POOL, results, rules, [CODES[letter] for letter in draw])
    return [(row.rank, LETTERS[row.delegation], row.points, row.decided_by) for row in rows]


# --- Basketball (FIBA): 2 for a win, 1 for a loss ---------------------------------------------

def test_basketball_points_in_the_games_between_them() -> None:
    # J: W v Z, L v M, W v S = 2+1+2 = 5; Z: L v J, W v M, W v S = 5; M: 2+1+1 = 4; S: 1+1+2 = 4.
    # J beat Z, so J is above Z although Z's overall difference is far better (Z +38: -2+20+20;
    # J -18: +2-30+10). S beat M, so S is above M.
    results = played("J 70-68 Z", "M 80-50 J", "J 70-60 S", "Z 80-60 M", "Z 80-60 S",
                     "S 70-65 M")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "head-to-head-points"), (2, "Z", 5, "head-to-head-points"),
        (3, "S", 4, "head-to-head-points"), (4, "M", 4, "head-to-head-points"),
    ]


def test_basketball_points_difference_in_the_games_between_them() -> None:
    # J, Z, M 5 points each (2 wins, 1 loss), S 3. Among J, Z, M each won once: 3 points each.
    # Difference among them: J +10-2 = +8, M -5+2 = -3, Z -10+5 = -5. Overall difference would
    # say Z (+35), M (+17), J (+9): it is not looked at.
    results = played("J 80-70 Z", "Z 75-70 M", "M 72-70 J", "J 61-60 S", "Z 100-60 S",
                     "M 80-60 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "head-to-head-difference"), (2, "M", 5, "head-to-head-difference"),
        (3, "Z", 5, "head-to-head-difference"), (4, "S", 3, None),
    ]


def test_basketball_points_scored_in_the_games_between_them() -> None:
    # J, Z, M each won once by 5 among themselves: difference 0 each. Scored among them:
    # Z 75+90 = 165, M 85+60 = 145, J 80+55 = 135. Overall difference (J +30, M +20, Z +10)
    # would order them the other way round.
    results = played("J 80-75 Z", "Z 90-85 M", "M 60-55 J", "J 90-60 S", "Z 70-60 S",
                     "M 80-60 S")
    assert table(BASKETBALL, results) == [
        (1, "Z", 5, "head-to-head-scored"), (2, "M", 5, "head-to-head-scored"),
        (3, "J", 5, "head-to-head-scored"), (4, "S", 3, None),
    ]


def test_basketball_a_subset_still_level_is_ranked_again_among_itself() -> None:
    # J, Z, M on 5 points; among the three: 3 points each; difference J +10-6 = +4, Z -10+8 = -2,
    # M -8+6 = -2. J is 1st; Z and M, still level, start again between the two of them: Z beat
    # M, 2 points to 1. Carrying on among all three instead would put M first twice over:
    # scored among the three (M 50+90 = 140, Z 70+58 = 128) and overall difference (M -2+30 =
    # +28, Z -2+10 = +8).
    results = played("J 80-70 Z", "Z 58-50 M", "M 90-84 J", "J 65-60 S", "Z 70-60 S",
                     "M 90-60 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "head-to-head-difference"), (2, "Z", 5, "head-to-head-points"),
        (3, "M", 5, "head-to-head-points"), (4, "S", 3, None),
    ]


# J beat Z, Z beat M, M beat J, each 70-60: among the three everything is level (3 points,
# difference 0, 130 scored each), so their games against S decide.
CIRCLE = ("J 70-60 Z", "Z 70-60 M", "M 70-60 J")


def test_basketball_points_difference_in_all_pool_games() -> None:
    # Against S: J +20, Z +10, M +5, which are their overall differences.
    results = played(*CIRCLE, "J 80-60 S", "Z 70-60 S", "M 65-60 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "difference"), (2, "Z", 5, "difference"), (3, "M", 5, "difference"),
        (4, "S", 3, None),
    ]


def test_basketball_overall_difference_then_the_rest_start_again() -> None:
    # Overall difference J +20, Z +10, M +10: J is 1st, and Z and M start again between
    # themselves: Z beat M.
    results = played(*CIRCLE, "J 80-60 S", "Z 70-60 S", "M 70-60 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "difference"), (2, "Z", 5, "head-to-head-points"),
        (3, "M", 5, "head-to-head-points"), (4, "S", 3, None),
    ]


def test_basketball_points_scored_in_all_pool_games() -> None:
    # Each beat S by 10, so overall differences are level (+10); scored: J 130+90 = 220,
    # Z 130+70 = 200, M 130+50 = 180.
    results = played(*CIRCLE, "J 90-80 S", "Z 70-60 S", "M 50-40 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, "scored"), (2, "Z", 5, "scored"), (3, "M", 5, "scored"), (4, "S", 3, None),
    ]


def test_basketball_teams_level_on_everything_wait_for_the_desks_draw() -> None:
    results = played(*CIRCLE, "J 80-70 S", "Z 80-70 S", "M 80-70 S")
    assert table(BASKETBALL, results) == [
        (1, "J", 5, None), (1, "Z", 5, None), (1, "M", 5, None), (4, "S", 3, None),
    ]
    assert table(BASKETBALL, results, draw="MJZ") == [
        (1, "M", 5, "draw"), (2, "J", 5, "draw"), (3, "Z", 5, "draw"), (4, "S", 3, None),
    ]
    # A draw that leaves one of them out decides nothing.
    assert table(BASKETBALL, results, draw="MJ") == table(BASKETBALL, results)


def test_basketball_forfeit_earns_nothing() -> None:
    # S forfeits to J (20-0) and loses to Z and M: 0 + 1 + 1 = 2 points, not 3; it conceded
    # 20 + 70 + 70 = 160.
    results = played("J 20-0 S forfeit", "Z 70-60 S", "M 70-60 S")
    rows = {LETTERS[row.delegation]: row for row in rank_pool(POOL, results, BASKETBALL)}
    assert (rows["S"].points, rows["S"].lost, rows["S"].conceded) == (2, 3, 160)
    assert (rows["J"].points, rows["J"].won, rows["J"].scored) == (2, 1, 20)


def test_row_counts() -> None:
    results = played("J 70-68 Z", "M 80-50 J", "J 70-60 S")
    row = next(r for r in rank_pool(POOL, results, BASKETBALL) if r.delegation == "jiefang")
    # 70+50+70 = 190 scored, 68+80+60 = 208 conceded.
    assert (row.played, row.won, row.drawn, row.lost) == (3, 2, 0, 1)
    assert (row.scored, row.conceded, row.difference, row.points) == (190, 208, -18, 5)


def test_a_result_of_another_pool_is_refused() -> None:
    stranger = MatchResult(sides=("jiefang", "wuzhi"), score=Score(total=(70, 60)))
    with pytest.raises(ValueError, match="wuzhi not in this pool"):
        rank_pool(POOL, [stranger], BASKETBALL)


# --- Football: 3 for a win, 1 for a draw --------------------------------------------------

def test_football_head_to_head_beats_goal_difference() -> None:
    # J: W 1-0 v Z, L 0-3 v M, W 1-0 v S = 6 points, difference -1. Z: L, W 4-0, W 3-0 = 6
    # points, difference +6. J beat Z: 3 points to 0 between them. M: W, L, D = 4; S: 1.
    results = played("J 1-0 Z", "M 3-0 J", "J 1-0 S", "Z 4-0 M", "Z 3-0 S", "M 1-1 S")
    assert table(FOOTBALL, results) == [
        (1, "J", 6, "head-to-head-points"), (2, "Z", 6, "head-to-head-points"),
        (3, "M", 4, None), (4, "S", 1, None),
    ]


def test_football_level_head_to_head_then_goal_difference() -> None:
    # J and Z drew 1-1: level between them on points (1), difference (0) and goals (1). Overall:
    # J 0+3-1 = +2, Z 0+1-2 = -1. S: W, W, L = 6; M: L, L, W = 3.
    results = played("J 1-1 Z", "J 3-0 M", "S 1-0 J", "Z 1-0 M", "S 2-0 Z", "M 2-0 S")
    assert table(FOOTBALL, results) == [
        (1, "S", 6, None), (2, "J", 4, "difference"), (3, "Z", 4, "difference"),
        (4, "M", 3, None),
    ]


def test_football_then_goals_scored() -> None:
    # J: D 2-2, W 3-1, L 0-1: 4 points, 5 for, 4 against. Z: D 2-2, W 4-2, L 1-2: 4 points,
    # 7 for, 6 against. Both +1, so goals scored: Z 7, J 5.
    results = played("J 2-2 Z", "J 3-1 M", "S 1-0 J", "Z 4-2 M", "S 2-1 Z", "M 1-0 S")
    assert table(FOOTBALL, results) == [
        (1, "S", 6, None), (2, "Z", 4, "scored"), (3, "J", 4, "scored"), (4, "M", 3, None),
    ]


# --- Volleyball (FIVB): matches won, match points, set ratio, point ratio ---------------------

def test_volleyball_match_points() -> None:
    # J: W 3-2 v Z (2), W 3-0 v M (3), L 0-3 v S (0): 2 wins, 5 points. Z: L 2-3 (1), W 3-0 (3),
    # W 3-1 (3): 2 wins, 7 points; Z is above J although J beat Z. M: L, L, W 3-2 (2): 1 win,
    # 2 points; S: W 3-0 (3), L 1-3 (0), L 2-3 (1): 1 win, 4 points.
    results = played(
        "J 3-2 Z 25-20 20-25 25-20 20-25 15-10", "J 3-0 M 25-20 25-20 25-20",
        "S 3-0 J 25-20 25-20 25-20", "Z 3-0 M 25-20 25-20 25-20",
        "Z 3-1 S 25-20 20-25 25-20 25-20", "M 3-2 S 25-20 20-25 25-20 20-25 15-10",
    )
    assert table(VOLLEYBALL, results) == [
        (1, "Z", 7, "points"), (2, "J", 5, "points"), (3, "S", 4, "points"), (4, "M", 2, "points"),
    ]


def test_volleyball_set_ratio_then_point_ratio() -> None:
    # J and Z: 2 wins, 6 points each. Sets: J 3+3+1 = 7 won, 0+1+3 = 4 lost (7/4); Z 3+3+0 = 6
    # won, 1+1+3 = 5 lost (6/5): J is above Z, who beat J. M and S: 1 win, 3 points, sets 4 won
    # and 6 lost each (2/3). Points: M 60+85+75 = 220 won, 75+95+69 = 239 lost (0.92); S
    # 85+75+69 = 229 won, 95+60+75 = 230 lost (0.996): S is above M, who beat S.
    results = played(
        "J 3-0 M 25-20 25-20 25-20", "J 3-1 S 25-20 20-25 25-20 25-20",
        "Z 3-1 J 25-20 20-25 25-20 25-20", "Z 3-1 M 25-20 20-25 25-20 25-20",
        "S 3-0 Z 25-20 25-20 25-20", "M 3-0 S 25-23 25-23 25-23",
    )
    assert table(VOLLEYBALL, results) == [
        (1, "J", 6, "set-ratio"), (2, "Z", 6, "set-ratio"),
        (3, "S", 3, "point-ratio"), (4, "M", 3, "point-ratio"),
    ]


def test_volleyball_nothing_lost_is_the_best_ratio() -> None:
    # After one round J and M won 3-0: their set ratios (3/0) are both the best and level, so
    # points decide: J 75/60, M 75/30. Z and S lost 0-3 (0/3 each): Z 60/75, S 30/75.
    results = played("J 3-0 Z 25-20 25-20 25-20", "M 3-0 S 25-10 25-10 25-10")
    assert table(VOLLEYBALL, results) == [
        (1, "M", 3, "point-ratio"), (2, "J", 3, "point-ratio"),
        (3, "Z", 0, "point-ratio"), (4, "S", 0, "point-ratio"),
    ]
    # J's 3/0 beats M's 3/1, however many points M won.
    results = played("J 3-0 Z 25-23 25-23 25-23", "M 3-1 S 25-0 25-0 0-25 25-0")
    assert table(VOLLEYBALL, results)[:2] == [(1, "J", 3, "set-ratio"), (2, "M", 3, "set-ratio")]


def test_a_ranking_lists_each_criterion_once() -> None:
    with pytest.raises(ValidationError, match="order lists points more than once"):
        PoolRanking(win=2, draw=0, loss=1, forfeit=0, order=("points", "scored", "points"))


def test_deciding_set_points_need_a_sport_won_by_sets() -> None:
    with pytest.raises(ValidationError, match="need a sport won by sets"):
        SportRules(match=BASKETBALL.match,
                   ranking=VOLLEYBALL.ranking.model_copy(update={"order": ("points",)}))


# --- Properties --------------------------------------------------------------------------------

@st.composite
def pool_results(draw: st.DrawFn, draws_allowed: bool) -> list[MatchResult]:
    """Results of some of a 4-team pool's matches: random scores, now and then a forfeit."""
    results = []
    for first, second in combinations(POOL, 2):
        if not draw(st.booleans()) and draw(st.booleans()):
            continue  # not played yet (a quarter of the matches)
        if draw(st.integers(0, 9)) == 0:
            results.append(MatchResult(sides=(first, second), score=Score(total=(0, 20)),
                                       forfeit=first))
            continue
        score = draw(st.tuples(st.integers(0, 6), st.integers(0, 6)))
        if not draws_allowed and score[0] == score[1]:
            score = (score[0] + 1, score[1])
        results.append(MatchResult(sides=(first, second), score=Score(total=score)))
    return results


@settings(max_examples=200, deadline=None)
@given(pool_results(draws_allowed=False), st.randoms(use_true_random=False))
def test_basketball_table_does_not_depend_on_the_order_of_results(
    results: list[MatchResult], shuffler: random.Random
) -> None:
    shuffled = list(results)
    shuffler.shuffle(shuffled)
    assert rank_pool(POOL, shuffled, BASKETBALL) == rank_pool(POOL, results, BASKETBALL)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([BASKETBALL, FOOTBALL]).flatmap(
    lambda rules: st.tuples(st.just(rules), pool_results(draws_allowed=rules is FOOTBALL))))
def test_table_totals_add_up(case: tuple[SportRules, list[MatchResult]]) -> None:
    rules, results = case
    rows = rank_pool(POOL, results, rules)
    ranking = rules.ranking
    forfeits = sum(1 for r in results if r.forfeit is not None)
    draws = sum(1 for r in results if r.forfeit is None and r.score.total[0] == r.score.total[1])
    decided = len(results) - forfeits - draws
    # A decided match gives win + loss, a forfeit win + forfeit, a draw 2 x draw.
    assert sum(row.points for row in rows) == (
        decided * (ranking.win + ranking.loss) + forfeits * (ranking.win + ranking.forfeit)
        + draws * 2 * ranking.draw)
    assert sum(row.played for row in rows) == 2 * len(results)
    assert sum(row.won for row in rows) == sum(row.lost for row in rows) == len(results) - draws
    assert sum(row.scored for row in rows) == sum(row.conceded for row in rows)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([BASKETBALL, FOOTBALL]).flatmap(
    lambda rules: st.tuples(st.just(rules), pool_results(draws_allowed=rules is FOOTBALL))),
    st.permutations(POOL))
def test_ranks_follow_points_and_a_full_draw_breaks_every_tie(
    case: tuple[SportRules, list[MatchResult]], desk_draw: list[str]
) -> None:
    rules, results = case
    rows = rank_pool(POOL, results, rules)
    for position, row in enumerate(rows):
        # A competition ranking: 1 + the number ranked strictly better.
        assert row.rank == 1 + sum(1 for other in rows if other.rank < row.rank)
        assert row.rank in (position + 1, rows[position - 1].rank)
        assert position == 0 or rows[position - 1].points >= row.points
    drawn = rank_pool(POOL, results, rules, desk_draw)
    assert [row.rank for row in drawn] == [1, 2, 3, 4]
    # The draw only orders teams within a tie: everyone else keeps their rank.
    untied = {row.delegation: row.rank for row in rows
              if [other.rank for other in rows].count(row.rank) == 1}
    assert {row.delegation: row.rank for row in drawn if row.delegation in untied} == untied
