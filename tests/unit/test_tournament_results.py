"""A tournament as the services handle it (docs/tournaments.md): its format in the games file,
a match's result as ingest checks its body, the ranking's entries, broadcast's tournament
document and channel, and the Chinese of the match problems officials meet most."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from services.broadcast.hub import Hub, HubState
from services.broadcast.tournaments import tournament_document
from services.ingest.texts import match_text
from services.ingest.tournament import ranking_entries
from services.ingest.validation import check_result
from shared.adapters.definitions import load_definitions
from shared.contract import channels
from shared.contract.messages import AcceptedResult, FeedMessage
from shared.contract.unit_documents import result_part, unit_document
from shared.domain.engine import Entry, Result
from shared.domain.errors import DefinitionError
from shared.domain.games import parse_games
from shared.domain.matches import MatchResult, Score, score_problems
from shared.domain.pools import DEFAULT_SPORT_RULES
from shared.domain.start_lists import Entrant
from shared.domain.tournaments import Place, result_problems
from tests.games import TEST_GAMES_DIR, TOURNAMENT, TOURNAMENT_ID
from tests.unit.shipped import RULES
from tests.unit.test_broadcast_hub import COALESCE_S, Recorder
from tests.unit.test_definitions import RAW_GAMES

GAMES = load_definitions(TEST_GAMES_DIR).games
EVENT = GAMES.event(TOURNAMENT_ID)
assert EVENT is not None and EVENT.tournament is not None
FORMAT = EVENT.tournament


# --- The games file -----------------------------------------------------------------------

def parse_problems(event: dict[str, Any]) -> tuple[str, ...]:
    document = copy.deepcopy(RAW_GAMES)
    document["events"].append(event)
    with pytest.raises(DefinitionError) as raised:
        parse_games(document, RULES)
    return raised.value.problems


def test_a_tournament_reads_from_the_games_file_with_the_sports_rules() -> None:
    assert FORMAT.rules == DEFAULT_SPORT_RULES["basketball"]
    assert [match.phase for match in FORMAT.pools[0].matches] == [
        f"pool-A-m{number}" for number in range(1, 7)]
    final = EVENT.unit("final")
    assert final is not None and (final.phase_name, final.phase_name_en) == (
        "最终名次", "Final standings")
    # GET /v1/games names a format only where an event has one.
    events = {event["id"]: event for event in GAMES.public_document()["events"]}
    assert events[TOURNAMENT_ID]["tournament"]["knockout"][7] == {
        "phase": "gold", "sides": ["W:sf-1", "W:sf-2"]}
    assert "tournament" not in events["ath-youth-m-100m"]


def test_every_problem_of_a_tournament_names_its_place_in_the_file() -> None:
    label = f"events[{len(RAW_GAMES['events'])}] ({TOURNAMENT_ID})"
    broken = copy.deepcopy(TOURNAMENT)
    broken["tournament"]["pools"][1]["teams"][0] = "atlantis"
    broken["tournament"]["knockout"][7]["phase"] = "final"
    broken["units"] = [unit for unit in broken["units"] if unit["phase"] != "p7-8"]
    broken["units"].insert(-1, {"phase": "qf-1", "starts_at": "2024-09-22T08:00:00+08:00"})
    assert parse_problems(broken) == (
        f"{label}.tournament.pools[1] (B).teams[0]: unknown delegation 'atlantis'",
        f"{label}.tournament.placings[0].slot: W:gold refers to gold, and there is no such "
        "match",
        f"{label}.tournament.placings[1].slot: L:gold refers to gold, and there is no such "
        "match",
        f"{label}.tournament.knockout[4] (p7-8).phase: p7-8 is not one of the event's units; "
        "list it under units with its start",
        f"{label}.tournament.knockout[7] (final).phase: final is the event's ranking, which "
        "the matches decide; name the match for 1st and 2nd gold",
        f"{label}.units: gold is a unit of the event but no match of its tournament",
        f"{label}.units: qf-1 is a unit of the event but no match of its tournament",
    )


def test_only_a_team_event_of_a_sport_with_rules_is_played_as_a_tournament() -> None:
    label = f"events[{len(RAW_GAMES['events'])}] ({TOURNAMENT_ID})"
    assert parse_problems({**TOURNAMENT, "kind": "individual"}) == (
        f"{label}.tournament: {TOURNAMENT_ID} is an individual event; only team events are "
        "played as tournaments",)
    assert parse_problems({**TOURNAMENT, "sport": "athletics"})[-1] == (
        f"{label}.tournament.rules: athletics has no default rules (those are "
        f"{', '.join(DEFAULT_SPORT_RULES)}): give the match and ranking rules")


# --- A match's result at ingest -------------------------------------------------------------

def body(phase: str = "pool-A-m1", **more: Any) -> dict[str, Any]:
    return {"event_id": TOURNAMENT_ID, "phase": phase, "revision": 1, "status": "official",
            "match": {"sides": ["jiefang", "shanyang"], "score": {"total": [80, 70]}}, **more}


def problems(payload: dict[str, Any]) -> list[tuple[str, str]]:
    checked, issues = check_result(payload, GAMES)
    assert checked is None, "expected problems"
    assert all(issue.text.zh for issue in issues)
    return [(issue.pointer, issue.text.en) for issue in issues]


def test_a_match_result_is_read_with_its_score() -> None:
    checked, issues = check_result(body(), GAMES)
    assert issues == []
    assert checked is not None and checked.normalized_entries == ()
    assert checked.match == MatchResult(sides=("jiefang", "shanyang"),
                                        score=Score(total=(80, 70)))


def test_a_match_takes_a_match_and_the_final_standings_nothing() -> None:
    assert problems(body(entries=[{"rank": 1, "delegation": "jiefang", "competitor": "解放区"}],
                         match=None)) == [
        ("/entries", f"{TOURNAMENT_ID}/pool-A-m1 is a match: its result is its match (sides "
         "and score), not entries"),
        ("/match", "a official result of a match needs its match: sides and score"),
    ]
    assert problems(body("final")) == [
        ("/phase", f"the final standings of {TOURNAMENT_ID} are derived from its matches: "
         "enter each match's result (phase pool-A-m1, sf-1, gold, ...)")]
    assert problems(body(status="cancelled")) == [
        ("/match", "a cancelled match has no score: leave match out (the note says why)")]
    plain = {"event_id": "ath-youth-m-800m", "revision": 1, "status": "official",
             "match": body()["match"]}
    assert problems(plain) == [("/match", "only a match of a team event played as a "
                                "tournament has a match; give entries")]


def test_a_malformed_match_is_pointed_at_inside_it() -> None:
    malformed = body(match={"sides": ["jiefang"], "score": {"total": [80, "x"], "sets": 3}})
    assert [pointer for pointer, _ in problems(malformed)] == [
        "/match/sides/1", "/match/score/total/1", "/match/score/sets"]
    # A body with neither entries nor a match still says what it lacks with its other faults.
    assert [pointer for pointer, _ in problems({"event_id": "ath-youth-m-800m",
                                                "status": "final"})] == [
        "/revision", "/status", "/entries"]


# --- The ranking's entries ------------------------------------------------------------------

def test_the_ranking_names_each_team_by_its_entry_or_its_delegation() -> None:
    ranking = (Place(1, "qinyang"), Place(2, "xiuwu"))
    team = Entrant(bib="B01", name="沁阳市男篮", delegation="qinyang", members=("李明", "王强"))
    assert ranking_entries(ranking, [team], GAMES.delegations) == (
        Entry(rank=1, delegation="qinyang", competitor="沁阳市男篮", members=("李明", "王强"),
              bib="B01"),
        Entry(rank=2, delegation="xiuwu", competitor="修武县"),
    )


# --- broadcast's tournament document and channel --------------------------------------------

def page(phase: str, result: MatchResult | None, status: str = "official",
         revision: int = 1) -> dict[str, Any]:
    unit = EVENT.unit(phase)
    assert unit is not None
    shown = None
    if result is not None:
        accepted = AcceptedResult.of(
            Result(event_id=TOURNAMENT_ID, revision=revision, status=status, entries=()),
            submission_id=revision, accepted_at=datetime(2024, 9, 21, 1, tzinfo=UTC),
            entered_by="记录台", phase=phase, match=result)
        shown = result_part(GAMES, accepted, ())
    return unit_document(GAMES, unit, None, shown)


def beats(winner: str, loser: str, score: tuple[int, int] = (80, 70)) -> MatchResult:
    return MatchResult(sides=(winner, loser), score=Score(total=score))


# Each pool in draw order, every team beating those after it.
POOL_RESULTS = {match.phase: beats(*match.sides) if pool.teams.index(match.sides[0])
                < pool.teams.index(match.sides[1]) else beats(match.sides[1], match.sides[0])
                for pool in FORMAT.pools for match in pool.matches}


def test_the_tournament_document_counts_official_results_and_shows_live_ones() -> None:
    pages = {f"{TOURNAMENT_ID}/{phase}": page(phase, result)
             for phase, result in POOL_RESULTS.items()}
    pages[f"{TOURNAMENT_ID}/sf-1"] = page("sf-1", beats("xiuwu", "jiefang", (30, 28)),
                                          status="provisional")

    def page_of(unit_id: str) -> dict[str, Any]:
        unit = GAMES.unit(unit_id)
        assert unit is not None
        return pages.get(unit_id) or unit_document(GAMES, unit, None, None)

    document = tournament_document(GAMES, EVENT, page_of)
    assert [(row["rank"], row["delegation"], row["points"]) for row in
            document["pools"][0]["rows"]] == [
        (1, "jiefang", 6), (2, "zhongzhan", 5), (3, "macun", 4), (4, "shanyang", 3)]
    semi = next(match for match in document["matches"] if match["phase"] == "sf-1")
    assert [(side["slot"], side["delegation"], side["name"]) for side in semi["sides"]] == [
        ("A1", "jiefang", "解放区"), ("B2", "qinyang", "沁阳市")]
    # sf-1's live score names other sides than its slots give: shown, counted nowhere.
    assert semi["result"] == {"revision": 1, "status": "provisional",
                              "sides": ["xiuwu", "jiefang"], "score": {
                                  "total": [30, 28], "periods": [], "sets": [],
                                  "shootout": None}, "forfeit": None, "winner": None}
    gold = next(match for match in document["matches"] if match["phase"] == "gold")
    assert gold["sides"][0] == {"slot": "W:sf-1", "delegation": None, "name": None,
                                "waiting": "sf-1 is not decided yet"}
    assert [placing["place"] for placing in document["placings"]] == list(range(1, 9))


def test_a_matchs_page_is_followed_by_its_tournament_under_its_seq() -> None:
    hub = Hub(GAMES, replay_window=10, coalesce_s=COALESCE_S, clock=lambda: 0.0)
    hub.load(HubState({"medals:all": {"group": "all", "version": 0, "rows": []}}, {}, [],
                      True, 0))
    channel = channels.tournament(TOURNAMENT_ID)
    assert hub.is_channel(channel) and hub.is_table(channel)
    assert not hub.is_channel(channels.tournament("ath-youth-m-800m"))
    watcher = Recorder()
    hub.subscribe(watcher, [channel])
    first = "pool-A-m1"
    hub.publish(FeedMessage(seq=1, channel=channels.unit(f"{TOURNAMENT_ID}/{first}"),
                            type="update", data=page(first, POOL_RESULTS[first])))
    assert watcher.seen() == [(channel, "update", 1)]
    table = hub.state_of(channel)["pools"][0]["rows"]
    assert [(row["delegation"], row["played"]) for row in table][:1] == [("jiefang", 1)]


# --- Words ------------------------------------------------------------------------------

def test_the_match_problems_officials_meet_most_have_a_chinese_text() -> None:
    basketball = DEFAULT_SPORT_RULES["basketball"].match
    volleyball = DEFAULT_SPORT_RULES["volleyball"].match
    draw = MatchResult(sides=("jiefang", "xiuwu"), score=Score(total=(70, 70)))
    periods = MatchResult(sides=("jiefang", "xiuwu"), score=Score(
        total=(70, 60), periods=((20, 15), (20, 15), (15, 15), (15, 14))))
    short_set = MatchResult(sides=("jiefang", "xiuwu"), score=Score(
        total=(3, 0), sets=((25, 20), (25, 20), (25, 24))))
    found = [message for result, rules in ((draw, basketball), (periods, basketball),
                                           (short_set, volleyball))
             for _, message in score_problems(result, rules, knockout=True)]
    found += [message for _, message in result_problems(
        FORMAT, "pool-A-m1", MatchResult(sides=("xiuwu", "shanyang"), score=Score(
            total=(80, 70))), {})]
    found += [message for _, message in result_problems(FORMAT, "sf-1", draw, {})]
    assert len(found) >= 5
    for message in found:
        text = match_text(message)
        assert text.en == message
        assert text.zh != message, f"no Chinese for {message!r}"
    assert match_text("25-24 is not a finished set: set 3 goes to 25, won by 2 clear "
                      "points").zh == "25-24 不是打完的一局：第 3 局先得 25 分且领先 2 分者胜"
