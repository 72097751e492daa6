"""Hand-computed cases for every scoring rule (docs/scoring.md), on the shipped games."""

from fractions import Fraction

import pytest

from shared.adapters.definitions import load_games
from shared.contract.documents import table_documents
from shared.domain.engine import (
    Entry,
    EntryAward,
    EventRecords,
    Result,
    Standings,
    apply_result,
    award_result,
    compute_standings,
    points_json,
    rank_problems,
)
from shared.domain.games import Games
from shared.domain.rules import Rules
from tests.unit.shipped import BONUS_RULES, DATA, GAMES, RULES, detected_as_claimed

BIG_BALL_RULES = RULES.model_copy(update={"team_multiplier_by_sport": {"basketball": 4}})
SETUPS: dict[str, tuple[Games, Rules]] = {
    "default": (GAMES, RULES),
    "bonus": (GAMES, BONUS_RULES),
    "big-ball": (load_games(DATA / "games.yaml", BIG_BALL_RULES), BIG_BALL_RULES),
}
CODES = GAMES.delegation_codes
MEDAL_LETTERS = {"G": "gold", "S": "silver", "B": "bronze", "-": None}


def entries(spec: str) -> tuple[Entry, ...]:
    """Entries from tokens like "1", "DNS", "1@games" or "qinyang=2": a rank or status, an
    optional record level (the entry's claim), and the delegation (by default the i-th of the
    games file)."""
    parsed = []
    for index, token in enumerate(spec.split()):
        delegation, _, outcome = token.rpartition("=")
        outcome, _, record = outcome.partition("@")
        parsed.append(Entry(
            rank=int(outcome) if outcome.isdigit() else None,
            status="OK" if outcome.isdigit() else outcome,
            delegation=delegation or CODES[index % len(CODES)],
            competitor=f"competitor {index}",
            record=record or None,
        ))
    return tuple(parsed)


def result(event_id: str, spec: str, revision: int = 1, status: str = "official") -> Result:
    return Result(event_id=event_id, revision=revision, status=status, entries=entries(spec))


def standings_of(*results: Result) -> Standings:
    latest: dict[str, Result] = {}
    for res in results:
        latest = apply_result(latest, res)
    awards: dict[str, tuple[EntryAward, ...]] = {}
    for event_id, res in latest.items():
        event = GAMES.event(event_id)
        assert event is not None
        awards[event_id] = award_result(event, res, RULES)
    return compute_standings(GAMES, RULES, awards)


def medal_table(standings: Standings, scope: str = "all") -> list[tuple[int, str, int, int, int]]:
    return [(r.rank, r.delegation, r.gold, r.silver, r.bronze) for r in standings.medals[scope]]


def points_table(standings: Standings, scope: str = "all") -> list[tuple[int, str, Fraction]]:
    return [(r.rank, r.delegation, r.points) for r in standings.points[scope]]


AWARD_CASES = [
    # Places and full fields.
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 7 8",
                 "9 7 6 5 4 3 2 1", "G S B - - - - -", id="8 starters score 9-7-6-5-4-3-2-1"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 7 8 9",
                 "9 7 6 5 4 3 2 1 0", "G S B - - - - - -", id="9 entries: 9th scores nothing"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 7 8 9 10",
                 "9 7 6 5 4 3 2 1 0 0", "G S B - - - - - - -", id="10 entries"),
    pytest.param("default", "ath-youth-m-100m", "3 1 2 5 4 8 7 6",
                 "6 9 7 4 5 1 2 3", "B G S - - - - -", id="entries listed out of rank order"),
    # Ties.
    pytest.param("default", "ath-youth-m-100m", "1 1 3 4 5 6 7 8",
                 "8 8 6 5 4 3 2 1", "G G B - - - - -", id="tie at 1st: two golds, no silver"),
    pytest.param("default", "ath-youth-m-100m", "1 1 1 4 5 6 7 8",
                 "22/3 22/3 22/3 5 4 3 2 1", "G G G - - - - -",
                 id="three-way tie at 1st shares (9+7+6)/3"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 3 5 6 7 8",
                 "9 7 5.5 5.5 4 3 2 1", "G S B B - - - -", id="tie at 3rd: two bronzes, 5.5 each"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 7 8 8 10",
                 "9 7 6 5 4 3 2 0.5 0.5 0", "G S B - - - - - - -",
                 id="tie at 8th straddles the last scoring place"),
    # Short fields: fewer than 8 starters award starters - 1 places, medals included.
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 7",
                 "9 7 6 5 4 3 0", "G S B - - - -", id="7 starters: places 1-6"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5",
                 "9 7 6 5 0", "G S B - -", id="5 starters: places 1-4"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3",
                 "9 7 0", "G S -", id="3 starters: 2 places, no bronze"),
    pytest.param("default", "ath-youth-m-100m", "1 2", "9 0", "G -", id="2 starters: gold only"),
    pytest.param("default", "ath-youth-m-100m", "1", "0", "-", id="1 starter: nothing awarded"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 4",
                 "9 7 6 2.5 2.5", "G S B - -",
                 id="5 starters: tie at 4th straddles the last awarded place"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 3",
                 "9 7 3 3", "G S B B", id="4 starters: tie at 3rd shares 6 and an unawarded place"),
    pytest.param("default", "ath-youth-m-100m", "1 1",
                 "4.5 4.5", "G G", id="2 starters tied at 1st share 9 and an unawarded place"),
    # DNS, DNF, DSQ.
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 DNS DNS DNS",
                 "9 7 6 5 0 0 0 0", "G S B - - - - -", id="DNS are not starters: 5 starters"),
    pytest.param("default", "ath-youth-m-100m", "1 2 3 4 5 6 DNF DSQ",
                 "9 7 6 5 4 3 0 0", "G S B - - - - -",
                 id="DNF and DSQ started: 8 places, they score nothing"),
    pytest.param("default", "ath-youth-m-100m", "1 DSQ DNF",
                 "9 0 0", "G - -", id="DNF and DSQ count as starters: 3 starters, 2 places"),
    pytest.param("default", "ath-youth-m-100m", "DNS DNS", "0 0", "- -", id="nobody started"),
    # Multipliers.
    pytest.param("default", "bk-youth-m-5x5", "1 2 3 4 5 6 7 8",
                 "18 14 12 10 8 6 4 2", "G S B - - - - -", id="team event x2"),
    pytest.param("default", "ath-youth-m-4x100m", "1 1 3",
                 "16 16 0", "G G -", id="team relay, 3 starters, tie at 1st: (9+7)/2 x2"),
    pytest.param("big-ball", "bk-youth-m-5x5", "1 2 3 4 5 6 7 8",
                 "36 28 24 20 16 12 8 4", "G S B - - - - -", id="sport override: basketball x4"),
    pytest.param("big-ball", "vb-youth-m-team", "1 2 3",
                 "18 14 0", "G S -", id="sport override leaves volleyball at x2"),
    pytest.param("big-ball", "bk-rural-m-spot-shooting", "1 2 3",
                 "9 7 0", "G S -", id="sport override leaves individual basketball at x1"),
    # Record bonus (records found as claimed here): added once, not multiplied.
    pytest.param("default", "ath-youth-m-100m", "1@national 2 3 4 5 6 7 8",
                 "9 7 6 5 4 3 2 1", "G S B - - - - -", id="default rules: records add nothing"),
    pytest.param("bonus", "ath-youth-m-100m", "1@national 2@provincial 3@games 4 5 6 7 8",
                 "15 11 8 5 4 3 2 1", "G S B - - - - -", id="record bonus by level"),
    pytest.param("bonus", "ath-youth-m-4x100m", "1@provincial 2 3 4 5 6 7 8",
                 "22 14 12 10 8 6 4 2", "G S B - - - - -",
                 id="team record bonus is not multiplied"),
    pytest.param("bonus", "ath-youth-m-100m", "1@games",
                 "2", "-", id="record bonus without a scoring place"),
]


@pytest.mark.parametrize(("setup", "event_id", "spec", "points", "medals"), AWARD_CASES)
def test_award_result(setup: str, event_id: str, spec: str, points: str, medals: str) -> None:
    games, rules = SETUPS[setup]
    event = games.event(event_id)
    assert event is not None
    res = result(event_id, spec)
    awards = award_result(event, res, rules, detected_as_claimed(res))
    assert [award.points for award in awards] == [Fraction(p) for p in points.split()]
    assert [award.medal for award in awards] == [MEDAL_LETTERS[m] for m in medals.split()]
    assert [award.record for award in awards] == [entry.record for entry in res.entries]


def test_a_claim_alone_earns_no_bonus() -> None:
    # The bonus follows the records found from the marks (docs/records.md); an entry's own
    # `record` is only a claim ingest checks.
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    awards = award_result(event, result(event.id, "1@national 2 3"), BONUS_RULES)
    assert [(award.points, award.record) for award in awards] == [(9, None), (7, None), (0, None)]


def test_the_bonus_goes_to_a_record_set_in_another_unit_and_the_badge_stays_there() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    res = result(event.id, "1 2 3")
    heat_record = EventRecords(tags={}, levels={(res.entries[1].delegation, "competitor 1"):
                                                "provincial"})
    awards = award_result(event, res, BONUS_RULES, heat_record)
    assert [(award.points, award.record) for award in awards] == [(9, None), (11, None),
                                                                  (0, None)]


def test_place_is_the_rank_only_when_awarded() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    awards = award_result(event, result(event.id, "1 2 2 4 DNF DNS"), RULES)
    assert [award.place for award in awards] == [1, 2, 2, 4, None, None]
    awards = award_result(event, result(event.id, "1 2 3 4 5 6 7 8 9"), RULES)
    assert [award.place for award in awards][-2:] == [8, None]


def test_an_explicit_points_multiplier_applies() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    tripled = event.model_copy(update={"points_multiplier": 3})
    awards = award_result(tripled, result(event.id, "1 2 3"), RULES)
    assert [award.points for award in awards] == [27, 21, 0]


def test_provisional_results_award_nothing() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    awards = award_result(event, result(event.id, "1 2 3 4", status="provisional"), RULES)
    assert [(a.medal, a.points, a.place) for a in awards] == [(None, 0, None)] * 4
    assert [a.entry.rank for a in awards] == [1, 2, 3, 4]


def test_cancelled_results_award_nothing() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    assert award_result(event, result(event.id, "", status="cancelled"), RULES) == ()


@pytest.mark.parametrize(
    ("res", "message"),
    [
        pytest.param(result("ath-youth-f-100m", "1"), "given with event", id="other event"),
        pytest.param(result("ath-youth-m-100m", "1", status="final"), "status", id="bad status"),
        pytest.param(result("ath-youth-m-100m", "1 2 2 3"), "entries[3].rank", id="bad ranks"),
    ],
)
def test_award_result_refuses_what_ingest_would_refuse(res: Result, message: str) -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        award_result(event, res, RULES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(Fraction(22, 3), 7.33, id="22/3 -> 7.33"),
        pytest.param(Fraction(44, 3), 14.67, id="44/3 -> 14.67"),
        pytest.param(Fraction(1, 8), 0.13, id="0.125 rounds half up"),
        pytest.param(Fraction(1, 200), 0.01, id="0.005 rounds half up"),
        pytest.param(Fraction(11, 2), 5.5, id="5.5 stays"),
        pytest.param(Fraction(0), 0.0, id="zero"),
    ],
)
def test_points_json(value: Fraction, expected: float) -> None:
    assert points_json(value) == expected


def test_medal_table_orders_gold_silver_bronze_and_shares_ranks() -> None:
    standings = standings_of(
        result("ath-youth-m-100m", "qinyang=1 wenxian=2 boai=3 xiuwu=4"),
        result("ath-youth-f-100m", "mengzhou=1 wenxian=2 boai=3 xiuwu=4"),
        result("ath-youth-m-200m", "jiefang=1 wenxian=2 xiuwu=3 zhongzhan=4"),
    )
    assert medal_table(standings) == [
        # Equal rows share a rank and keep the games file's order.
        (1, "jiefang", 1, 0, 0), (1, "qinyang", 1, 0, 0), (1, "mengzhou", 1, 0, 0),
        # Three silvers rank below a single gold.
        (4, "wenxian", 0, 3, 0),
        (5, "boai", 0, 0, 2),
        (6, "xiuwu", 0, 0, 1),
        (7, "zhongzhan", 0, 0, 0), (7, "macun", 0, 0, 0), (7, "shanyang", 0, 0, 0),
        (7, "shifanqu", 0, 0, 0), (7, "wuzhi", 0, 0, 0),
    ]


def test_a_team_medal_counts_once() -> None:
    team = Entry(rank=1, delegation="qinyang", competitor="沁阳市队",
                      members=tuple(f"队员{n}" for n in range(12)))
    second = Entry(rank=2, delegation="mengzhou", competitor="孟州市队")
    third = Entry(rank=3, delegation="wuzhi", competitor="武陟县队")
    standings = standings_of(Result(event_id="bk-youth-m-5x5", revision=1, status="official",
                                         entries=(team, second, third)))
    qinyang = next(row for row in standings.medals["all"] if row.delegation == "qinyang")
    assert (qinyang.gold, qinyang.total) == (1, 1)
    assert points_table(standings)[0] == (1, "qinyang", Fraction(18))


def test_points_table_countback_and_shared_ranks() -> None:
    standings = standings_of(
        result("ath-youth-m-100m",
               "qinyang=1 mengzhou=2 wuzhi=3 boai=4 xiuwu=5 wenxian=6 macun=7 shanyang=8"),
        result("ath-youth-f-100m",
               "wuzhi=1 boai=2 xiuwu=3 wenxian=4 macun=5 shanyang=6 mengzhou=7 jiefang=8"),
        # Two starters tied: they share 9 and an unawarded place, and both have one 1st place.
        result("ath-youth-m-200m", "zhongzhan=1 shifanqu=1"),
    )
    assert points_table(standings) == [
        (1, "wuzhi", Fraction(15)),
        (2, "boai", Fraction(12)),
        (3, "xiuwu", Fraction(10)),
        # 9 points each: qinyang's one 1st place beats mengzhou's 2nd and 7th.
        (4, "qinyang", Fraction(9)),
        (5, "mengzhou", Fraction(9)),
        (6, "wenxian", Fraction(8)),
        (7, "macun", Fraction(6)),
        # Equal on points and every place count: a shared rank, games file order.
        (8, "zhongzhan", Fraction(9, 2)),
        (8, "shifanqu", Fraction(9, 2)),
        (10, "shanyang", Fraction(4)),
        (11, "jiefang", Fraction(1)),
    ]
    qinyang, mengzhou = standings.points["all"][3:5]
    assert qinyang.place_counts == (1, 0, 0, 0, 0, 0, 0, 0)
    assert mengzhou.place_counts == (0, 1, 0, 0, 0, 0, 1, 0)


def test_countback_goes_on_to_2nd_places() -> None:
    standings = standings_of(
        result("ath-youth-m-100m",
               "jiefang=1 qinyang=2 mengzhou=3 wuzhi=4 boai=5 xiuwu=6 wenxian=7 macun=8"),
        result("ath-youth-f-100m",
               "jiefang=1 wuzhi=2 mengzhou=3 qinyang=4 boai=5 xiuwu=6 wenxian=7 macun=8"),
    )
    assert points_table(standings)[:5] == [
        (1, "jiefang", 18),
        # 12 points and no 1st place each: a 2nd place beats mengzhou's two 3rds; qinyang and
        # wuzhi (a 2nd and a 4th each) are equal on everything and share the rank.
        (2, "qinyang", 12), (2, "wuzhi", 12), (4, "mengzhou", 12),
        (5, "boai", 8),
    ]


def test_a_correction_replaces_the_earlier_revision() -> None:
    first = result("ath-youth-m-100m", "qinyang=1 mengzhou=2 wuzhi=3 boai=4")
    corrected = result("ath-youth-m-100m", "mengzhou=1 qinyang=2 wuzhi=3 boai=4", revision=2)
    standings = standings_of(first, corrected)
    assert standings == standings_of(corrected)
    assert medal_table(standings)[:3] == [
        (1, "mengzhou", 1, 0, 0), (2, "qinyang", 0, 1, 0), (3, "wuzhi", 0, 0, 1),
    ]
    # A late redelivery of revision 1 changes nothing.
    assert standings_of(first, corrected, first) == standings


def test_a_cancellation_removes_the_counts() -> None:
    official = result("ath-youth-m-100m", "qinyang=1 mengzhou=2 wuzhi=3 boai=4")
    cancelled = result("ath-youth-m-100m", "", revision=2, status="cancelled")
    assert standings_of(official, cancelled) == standings_of()
    assert all(row.total == 0 and row.rank == 1 for row in standings_of(official, cancelled)
               .medals["all"])


def test_provisional_results_count_nothing_until_official() -> None:
    provisional = result("ath-youth-m-100m", "qinyang=1 mengzhou=2 wuzhi=3", status="provisional")
    assert standings_of(provisional) == standings_of()
    official = result("ath-youth-m-100m", "qinyang=1 mengzhou=2 wuzhi=3", revision=2)
    assert points_table(standings_of(provisional, official))[0] == (1, "qinyang", Fraction(9))


def test_group_tables_count_their_group_and_all_counts_everything() -> None:
    standings = standings_of(
        result("ath-youth-m-100m", "qinyang=1 mengzhou=2 wuzhi=3"),
        result("bk-rural-m-village-5x5", "mengzhou=1 qinyang=2 wuzhi=3"),
    )
    assert points_table(standings, "youth")[:2] == [(1, "qinyang", 9), (2, "mengzhou", 7)]
    assert points_table(standings, "rural")[:2] == [(1, "mengzhou", 18), (2, "qinyang", 14)]
    assert points_table(standings, "all")[:2] == [(1, "mengzhou", 25), (2, "qinyang", 23)]
    assert {row.points for row in standings.points["workers"]} == {0}
    assert all(len(standings.medals[scope]) == len(CODES) for scope in GAMES.standings_scopes)


def test_combined_ranking_worked_example() -> None:
    # The worked example of docs/scoring.md: three youth events.
    standings = standings_of(
        result("ath-youth-m-100m",
               "qinyang=1 mengzhou=2 wuzhi=3 boai=4 xiuwu=5 wenxian=6 macun=7 shanyang=8"),
        result("swm-youth-f-50m-free",
               "mengzhou=1 wuzhi=2 boai=3 qinyang=4 xiuwu=5 wenxian=6 macun=7 jiefang=8"),
        result("bk-youth-m-5x5", "wuzhi=1 boai=2 mengzhou=3 qinyang=4 xiuwu=5"),
    )
    assert medal_table(standings, "youth") == [
        (1, "mengzhou", 1, 1, 1), (1, "wuzhi", 1, 1, 1), (3, "qinyang", 1, 0, 0),
        (4, "boai", 0, 1, 1), (5, "jiefang", 0, 0, 0), (5, "zhongzhan", 0, 0, 0),
        (5, "macun", 0, 0, 0), (5, "shanyang", 0, 0, 0), (5, "shifanqu", 0, 0, 0),
        (5, "xiuwu", 0, 0, 0), (5, "wenxian", 0, 0, 0),
    ]
    assert points_table(standings, "youth") == [
        (1, "wuzhi", 31), (2, "mengzhou", 28), (3, "boai", 25), (4, "qinyang", 24),
        (5, "xiuwu", 8), (6, "wenxian", 6), (7, "macun", 4), (8, "jiefang", 1),
        (8, "shanyang", 1), (10, "zhongzhan", 0), (10, "shifanqu", 0),
    ]
    assert [(r.rank, r.delegation, r.score) for r in standings.combined["youth"]] == [
        (1, "wuzhi", 2), (2, "mengzhou", 3),
        # Both score 7: boai's better points-table rank (3 against 4) decides.
        (3, "boai", 7), (4, "qinyang", 7),
        (5, "xiuwu", 10), (6, "wenxian", 11), (7, "macun", 12),
        (8, "jiefang", 13), (8, "shanyang", 13), (10, "zhongzhan", 15), (10, "shifanqu", 15),
    ]


def test_tables_are_json_ready_documents() -> None:
    standings = standings_of(result("ath-youth-m-100m", "qinyang=1 mengzhou=1 wuzhi=1 boai=4"))
    tables = table_documents(standings, GAMES)
    kinds = ("medals", "points", "combined")
    assert set(tables) == {f"{kind}:{scope}" for kind in kinds for scope in GAMES.standings_scopes}
    medals = tables["medals:youth"]
    assert medals["group"] == "youth"
    assert medals["rows"][0] == {"rank": 1, "delegation": "qinyang", "name": "沁阳市",
                                 "gold": 1, "silver": 0, "bronze": 0, "total": 1}
    points = tables["points:all"]["rows"][0]
    assert points == {"rank": 1, "delegation": "qinyang", "name": "沁阳市", "points": 7.33,
                      "places": [1, 0, 0, 0, 0, 0, 0, 0]}
    combined = tables["combined:open"]["rows"][0]
    assert set(combined) == {"rank", "delegation", "name", "score", "medal_rank", "points_rank"}


def entry(rank: int | None, status: str = "OK", who: str = "", record: str | None = None,
          delegation: str = "qinyang") -> Entry:
    return Entry(rank=rank, delegation=delegation, competitor=who or f"#{rank}{status}",
                      status=status, record=record)


def ranked(*ranks: int) -> list[Entry]:
    return [entry(rank, who=f"competitor {index}") for index, rank in enumerate(ranks)]


@pytest.mark.parametrize(
    "entries_",
    [
        pytest.param(ranked(1, 2, 3, 3, 5), id="1 2 3 3 5"),
        pytest.param(ranked(1, 1, 1, 4), id="1 1 1 4"),
        pytest.param(ranked(3, 1, 2), id="any listing order"),
        pytest.param([*ranked(1, 2), entry(None, "DNF"), entry(None, "DSQ"), entry(None, "DNS")],
                     id="DNF DSQ DNS with rank null"),
        pytest.param([entry(1, record="national"), entry(2, record="games")], id="records"),
        pytest.param([entry(1, who="李明"), entry(2, who="李明", delegation="mengzhou")],
                     id="same name in two delegations"),
        pytest.param([], id="no entries"),
    ],
)
def test_rank_problems_accepts_valid_entries(entries_: list[Entry]) -> None:
    assert rank_problems(entries_) == []


@pytest.mark.parametrize(
    ("entries_", "problems"),
    [
        pytest.param(ranked(1, 2, 2, 3), [(3, "rank", "rank 3 follows a tie at 2 and should be 4")],
                     id="rank after a tie"),
        pytest.param(ranked(1, 3), [(1, "rank", "rank 3 should be 2: 1 entry is ranked better")],
                     id="skipped rank"),
        pytest.param(ranked(1, 2, 4, 4), [
            (2, "rank", "rank 4 should be 3: 2 entries are ranked better"),
            (3, "rank", "rank 4 should be 3: 2 entries are ranked better"),
        ], id="tie at a skipped rank names both"),
        pytest.param(ranked(2, 3), [
            (0, "rank", "rank 2 should be 1: no entry is ranked better"),
            (1, "rank", "rank 3 should be 2: 1 entry is ranked better"),
        ], id="no 1st"),
        pytest.param([entry(None)], [(0, "rank", "an OK entry needs its rank (1, 2, 3, ...)")],
                     id="OK without rank"),
        pytest.param([entry(0)], [(0, "rank", "rank 0 is not valid: ranks start at 1")],
                     id="rank 0"),
        pytest.param([entry(1), entry(2, "DNF")],
                     [(1, "rank", "a DNF entry has no rank; send rank null instead of 2")],
                     id="DNF with a rank"),
        pytest.param([entry(1), entry(None, "DQ")],
                     [(1, "status", "unknown status 'DQ'; expected one of OK, DNF, DSQ, DNS")],
                     id="unknown status"),
        pytest.param([entry(1, record="world")],
                     [(0, "record", "unknown record level 'world'; expected one of games, "
                                    "provincial, national")], id="unknown record level"),
        pytest.param([entry(1), entry(None, "DSQ", record="games")],
                     [(1, "record", "a DSQ entry cannot set a record")], id="record without OK"),
        pytest.param([entry(1, who="李明"), entry(2, who="王强"), entry(3, who="李明 ")],
                     [(2, "competitor", "李明 of qinyang is already listed as entry 0")],
                     id="same competitor twice"),
        pytest.param([entry(1, who="李明"), entry(2, who="李明\u200b")],
                     [(1, "competitor", "李明 of qinyang is already listed as entry 0")],
                     id="same competitor with an invisible character"),
        pytest.param([entry(None, "DNF"), entry(1, "DNS"), entry(None, "DQ"), entry(3)], [
            (1, "rank", "a DNS entry has no rank; send rank null instead of 1"),
            (2, "status", "unknown status 'DQ'; expected one of OK, DNF, DSQ, DNS"),
            (3, "rank", "rank 3 should be 1: no entry is ranked better"),
        ], id="every problem listed"),
    ],
)
def test_rank_problems_names_each_problem(
    entries_: list[Entry], problems: list[tuple[int, str, str]]
) -> None:
    assert rank_problems(entries_) == problems
