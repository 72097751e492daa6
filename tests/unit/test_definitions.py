"""The shipped games and rules files, and the problems a broken definition file reports."""

import copy
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.adapters.definitions import default_games_dir, load_games, load_rules
from shared.domain.errors import DefinitionError
from shared.domain.games import Games
from shared.domain.rules import Rules, SportEntryLimits

DATA = default_games_dir()
RULES = load_rules(DATA / "rules.yaml")
GAMES = load_games(DATA / "games.yaml", RULES)
RAW_GAMES: dict[str, Any] = yaml.safe_load((DATA / "games.yaml").read_text(encoding="utf-8"))
RAW_RULES: dict[str, Any] = yaml.safe_load((DATA / "rules.yaml").read_text(encoding="utf-8"))

CONTRACT_DELEGATIONS = [
    ("jiefang", "解放区"), ("zhongzhan", "中站区"), ("macun", "马村区"), ("shanyang", "山阳区"),
    ("shifanqu", "城乡一体化示范区"), ("qinyang", "沁阳市"), ("mengzhou", "孟州市"),
    ("xiuwu", "修武县"), ("boai", "博爱县"), ("wuzhi", "武陟县"), ("wenxian", "温县"),
]
DOMAIN_SPORTS = {
    "athletics", "swimming", "rowing", "cycling", "shooting", "karate", "badminton", "volleyball",
    "breaking", "children-gymnastics", "basketball", "table-tennis", "football", "tai-chi",
    "qigong", "walking", "trail-running", "climbing",
}


def test_the_shipped_rules_are_the_contract_defaults() -> None:
    assert RULES.place_points == (9, 7, 6, 5, 4, 3, 2, 1)
    assert RULES.medal_places == 3
    assert [RULES.places_awarded(n) for n in (0, 1, 2, 5, 7, 8, 12)] == [0, 0, 1, 4, 6, 8, 8]
    assert RULES.team_multiplier == 2 and RULES.team_multiplier_by_sport == {}
    assert [RULES.record_points(level) for level in ("games", "provincial", "national")] == [0] * 3


def test_the_shipped_games_match_the_contract() -> None:
    assert (GAMES.name, GAMES.name_en) == ("焦作市第十四届运动会", "14th Jiaozuo City Games")
    assert [(d.code, d.name) for d in GAMES.delegations] == CONTRACT_DELEGATIONS
    assert [(g.code, g.name) for g in GAMES.groups] == [
        ("youth", "青少年组"), ("rural", "乡村振兴组"), ("workers", "职工组"),
        ("open", "社会公开组"),
    ]
    assert GAMES.standings_scopes == ("all", "youth", "rural", "workers", "open")
    assert {sport.code for sport in GAMES.sports} >= DOMAIN_SPORTS
    assert len(GAMES.events) >= 150
    kinds = Counter((event.group, event.kind) for event in GAMES.events)
    assert all(kinds[group, kind] > 0 for group in GAMES.group_codes
               for kind in ("individual", "team"))


def test_the_shipped_venues_and_schedule_are_plausible() -> None:
    assert GAMES.venue("taiji-center") is not None
    assert {venue.kind for venue in GAMES.venues} == {"central", "distributed"}
    assert all(venue.host for venue in GAMES.venues if venue.kind == "distributed")
    assert all(GAMES.events_at(venue.id) for venue in GAMES.venues)
    days = {event.scheduled_at.date() for event in GAMES.events}
    assert min(days) >= date(2024, 9, 18) and max(days) <= date(2024, 9, 26) and len(days) >= 5
    assert {event.scheduled_at.utcoffset() for event in GAMES.events} == {timedelta(hours=8)}
    # No venue runs two finals at the same moment.
    assert len({(event.venue, event.scheduled_at) for event in GAMES.events}) == len(GAMES.events)


def test_multipliers_resolve_from_the_rules() -> None:
    assert {event.points_multiplier for event in GAMES.events if event.kind == "team"} == {2}
    assert {event.points_multiplier for event in GAMES.events if event.kind == "individual"} == {1}
    big_ball = RULES.model_copy(update={"team_multiplier_by_sport": {"basketball": 4}})
    games = load_games(DATA / "games.yaml", big_ball)
    multipliers = {(e.sport, e.kind, e.points_multiplier) for e in games.events}
    assert ("basketball", "team", 4) in multipliers
    assert ("basketball", "individual", 1) in multipliers
    assert ("volleyball", "team", 2) in multipliers
    assert ("basketball", "team", 2) not in multipliers


def test_lookups() -> None:
    event = GAMES.event("ath-youth-m-100m")
    assert event is not None and (event.venue, event.kind, event.gender) == (
        "taiji-center", "individual", "M")
    assert GAMES.event("no-such-event") is None
    assert GAMES.delegation("wenxian") is not None and GAMES.delegation("beijing") is None
    assert GAMES.sport("tai-chi") is not None
    assert all(e.group == "rural" for e in GAMES.events_in("rural"))
    assert sum(len(GAMES.events_in(group)) for group in GAMES.group_codes) == len(GAMES.events)


def test_public_document_has_the_contract_shape() -> None:
    document = GAMES.public_document()
    assert document["name"] == "焦作市第十四届运动会"
    assert document["delegations"][5] == {"code": "qinyang", "name": "沁阳市", "name_en": "Qinyang"}
    assert document["groups"][0] == {"code": "youth", "name": "青少年组", "name_en": "Youth"}
    assert {"id", "name", "name_en"} <= set(document["venues"][0])
    event = next(e for e in document["events"] if e["id"] == "ath-youth-m-100m")
    units, seeding = event.pop("units"), event.pop("seeding")
    assert event == {
        "id": "ath-youth-m-100m", "sport": "athletics", "name": "男子100米",
        "name_en": "Men's 100m", "group": "youth", "gender": "M", "kind": "individual",
        "venue": "taiji-center", "points_multiplier": 1,
        "scheduled_at": "2024-09-20T09:00:00+08:00",
    }
    # v1.1 adds each event's units and how its start lists are seeded.
    assert seeding == {"lanes": 8, "next_rounds": "lane-draw"}
    assert [unit["unit_id"] for unit in units] == [
        "ath-youth-m-100m/heat-1", "ath-youth-m-100m/heat-2", "ath-youth-m-100m/heat-3",
        "ath-youth-m-100m/final"]
    assert units[0] == {
        "unit_id": "ath-youth-m-100m/heat-1", "phase": "heat-1", "phase_name": "第1组预赛",
        "phase_name_en": "Heat 1", "starts_at": "2024-09-20T07:45:00+08:00",
        "venue": "taiji-center", "qualify": {"Q": 2, "q": 2},
    }
    plain = next(e for e in document["events"] if e["id"] == "ath-youth-m-800m")
    assert [unit["phase"] for unit in plain["units"]] == ["final"]
    assert plain["units"][0]["starts_at"] == plain["scheduled_at"]
    assert yaml.safe_load(yaml.safe_dump(document)) == document  # plain JSON types only


def write_games(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = copy.deepcopy(RAW_GAMES)
    change(document)
    path = tmp_path / "games.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(load: Callable[[], object]) -> tuple[str, ...]:
    with pytest.raises(DefinitionError) as raised:
        load()
    return raised.value.problems


def event_index(document: dict[str, Any], event_id: str) -> int:
    return next(i for i, event in enumerate(document["events"]) if event["id"] == event_id)


def test_a_broken_games_file_lists_every_problem(tmp_path: Path) -> None:
    def break_events(document: dict[str, Any]) -> None:
        events = document["events"]
        events[0]["venue"] = "nowhere"
        events[1]["sport"] = "chess"
        events[2]["scheduled_at"] = "2024-09-20T09:00:00"
        events[3]["gender"] = "W"
        events[4]["id"] = events[5]["id"]
        del events[6]["kind"]
        events[7]["group"] = "seniors"

    path = write_games(tmp_path, break_events)
    with pytest.raises(DefinitionError) as raised:
        load_games(path, RULES)
    message = str(raised.value)
    assert message.startswith(f"{path}: 9 problems:")
    first, second, renamed = (RAW_GAMES["events"][i]["id"] for i in (0, 1, 4))
    assert f"events[0] ({first}).venue: unknown venue 'nowhere'" in message
    assert f"events[1] ({second}).sport: unknown sport 'chess'" in message
    problems = "\n".join(raised.value.problems)
    assert ".scheduled_at: Input should have timezone info" in problems
    assert ".gender: Input should be 'M', 'F' or 'X' (got 'W')" in problems
    assert f"events[5] ({RAW_GAMES['events'][5]['id']}): duplicate" in problems
    assert "first defined at events[4]" in problems
    assert ".kind: missing (required)" in problems
    assert ".group: unknown group 'seniors'" in problems
    # The renamed event's measure and record name an event the file no longer has; the
    # malformed events' ones are not listed again.
    assert f"measures.{renamed}: unknown event" in problems
    assert f"records[6] ({renamed} games).event: unknown event {renamed!r}" in problems


def test_a_broken_venue_and_delegation_are_named(tmp_path: Path) -> None:
    def break_venues(document: dict[str, Any]) -> None:
        document["delegations"][0]["code"] = "Jie Fang"
        document["delegations"][1]["name_en"] = ""
        distributed = [v for v in document["venues"] if v["kind"] == "distributed"]
        distributed[0]["host"] = "beijing-association"
        del distributed[1]["host"]
        document["venues"][0]["kind"] = "remote"
        document["sponsors"] = []

    problems = problems_of(lambda: load_games(write_games(tmp_path, break_venues), RULES))
    assert "sponsors: unknown section" in problems[0]
    joined = "\n".join(problems)
    assert ("delegations[0] (Jie Fang).code: 'Jie Fang' is not a code: use a-z, 0-9 and "
            "single '-' between them") in joined
    assert "delegations[1] (zhongzhan).name_en: String should have at least 1 character" in joined
    assert ".host: 'beijing-association' is neither a delegation nor an association" in joined
    assert ".host: a distributed venue needs its host delegation or association" in joined
    assert "venues[0] (taiji-center).kind: Input should be 'central' or 'distributed'" in joined
    # A malformed venue is named once, not again at every event held there.
    assert "unknown venue" not in joined
    # Renamed, the delegation is unknown to the games records that name its code.
    assert len(problems[6:]) == sum(1 for record in RAW_GAMES["records"]
                                    if record.get("delegation") == "jiefang")
    assert all(problem.endswith(".delegation: unknown delegation 'jiefang'")
               for problem in problems[6:])


def test_a_group_without_team_events_is_a_problem(tmp_path: Path) -> None:
    def drop_rural_team_events(document: dict[str, Any]) -> None:
        document["events"] = [event for event in document["events"]
                              if not (event["group"] == "rural" and event["kind"] == "team")]
        kept = {event["id"] for event in document["events"]}
        document["measures"] = {event_id: measure for event_id, measure
                                in document["measures"].items() if event_id in kept}

    problems = problems_of(lambda: load_games(write_games(tmp_path, drop_rural_team_events),
                                              RULES))
    assert problems == ("groups[1] (rural): has no team event (every group needs both)",)


def test_an_explicit_points_multiplier_wins(tmp_path: Path) -> None:
    def triple_the_100m(document: dict[str, Any]) -> None:
        document["events"][event_index(document, "ath-youth-m-100m")]["points_multiplier"] = 3

    games = load_games(write_games(tmp_path, triple_the_100m), RULES)
    event = games.event("ath-youth-m-100m")
    assert event is not None and event.points_multiplier == 3


def test_a_rules_override_for_an_unknown_sport_is_a_problem() -> None:
    rules = RULES.model_copy(update={"team_multiplier_by_sport": {"polo": 4}})
    assert problems_of(lambda: load_games(DATA / "games.yaml", rules)) == (
        "rules team_multiplier_by_sport.polo: no such sport in this file",
    )


def test_entry_limits_for_an_unknown_sport_are_a_problem() -> None:
    limits = RULES.entry_limits.model_copy(update={"by_sport": {
        "tai-chi": SportEntryLimits(individual=3), "polo": SportEntryLimits(team=2)}})
    rules = RULES.model_copy(update={"entry_limits": limits})
    assert RULES.entry_limits.individual == 2 and RULES.entry_limits.team == 1
    assert problems_of(lambda: load_games(DATA / "games.yaml", rules)) == (
        "rules entry_limits.by_sport.polo: no such sport in this file",
    )


def test_the_shipped_heats_feed_their_finals() -> None:
    with_heats = [event for event in GAMES.events if event.has_rounds]
    assert {event.sport for event in with_heats} == {"athletics", "swimming"}
    for event in with_heats:
        # Three heats of 8 lanes for 2 entries of each delegation, two for a team each.
        heats = 2 if event.kind == "team" else 3
        assert [unit.phase for unit in event.units] == [
            *(f"heat-{n}" for n in range(1, heats + 1)), "final"]
        assert event.units[-1].starts_at == event.scheduled_at
        assert event.seeding.lanes == 8
        assert event.units[0].qualify is not None
    sprint = GAMES.event("ath-youth-m-100m")
    assert sprint is not None and sprint.seeding.next_rounds == "lane-draw"
    swim = GAMES.event("swm-youth-m-50m-free")
    assert swim is not None and swim.seeding.next_rounds == "by-mark"
    heat = GAMES.unit("swm-youth-m-50m-free/heat-2")
    assert heat is not None and heat.venue == "city-swimming-hall"
    assert GAMES.unit("swm-youth-m-50m-free/heat-9") is None and GAMES.unit("nothing") is None
    assert len(GAMES.units) == len(GAMES.events) + sum(len(e.units) - 1 for e in with_heats)
    assert sum(event.kind == "team" for event in with_heats) == 4  # the youth 4x100 relays


def test_heats_need_times(tmp_path: Path) -> None:
    def untimed(document: dict[str, Any]) -> None:
        del document["measures"]["swm-youth-f-50m-free"]

    problems = problems_of(lambda: load_games(write_games(tmp_path, untimed), RULES))
    index = event_index(RAW_GAMES, "swm-youth-f-50m-free")
    assert (f"events[{index}] (swm-youth-f-50m-free).units: swm-youth-f-50m-free runs heats, "
            "whose marks decide who goes on by time: give it the measure time (measures:)"
            ) in problems


def test_broken_units_and_seeding_are_named(tmp_path: Path) -> None:
    def break_units(document: dict[str, Any]) -> None:
        sprint = document["events"][event_index(document, "ath-youth-m-100m")]
        sprint["units"][1]["phase"] = "heat-7"
        sprint["units"][0]["venue"] = "nowhere"
        swim = document["events"][event_index(document, "swm-youth-m-50m-free")]
        swim["seeding"] = {"lanes": 4, "next_rounds": "lane-draw"}

    problems = problems_of(lambda: load_games(write_games(tmp_path, break_units), RULES))
    sprint = f"events[{event_index(RAW_GAMES, 'ath-youth-m-100m')}] (ath-youth-m-100m)"
    swim = f"events[{event_index(RAW_GAMES, 'swm-youth-m-50m-free')}] (swm-youth-m-50m-free)"
    assert problems == (
        f"{swim}.seeding: the lane draw needs at least 6 lanes (got 4)",
        f"{sprint}.units[0].venue: unknown venue 'nowhere'",
        f"{sprint}.units[2].phase: heat-7 is listed but heat-2, heat-4, heat-5, heat-6 is not; "
        "number them 1, 2, 3, ...",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("events: [unclosed", "not valid YAML", id="invalid YAML"),
        pytest.param("- just\n- a list\n", "the file must hold a YAML mapping", id="not a mapping"),
        pytest.param("name: x\nname_en: y\n", "delegations: missing, or not a list of items",
                     id="missing sections"),
    ],
)
def test_unusable_files_are_definition_errors(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "games.yaml"
    path.write_text(text, encoding="utf-8")
    assert problem in problems_of(lambda: load_games(path, RULES))[0]


def test_a_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(DefinitionError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}: 1 problem:\n  - cannot read the file")


def test_a_broken_rules_file_lists_every_problem(tmp_path: Path) -> None:
    document = copy.deepcopy(RAW_RULES)
    document["place_points"] = [9, 7, 8]
    document["medal_places"] = 4
    document["record_bonus"] = {"games": 2, "world": 10}
    document["ties"] = "best"
    document["bonus"] = 3
    del document["combined"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}: 6 problems:")
    assert set(raised.value.problems) == {
        "place_points: a lower place must not score more: place 3 has 8 but place 2 has 7",
        "medal_places: Input should be less than or equal to 3 (got 4)",
        "record_bonus: unknown record level(s) world; the levels are games, provincial, national",
        "ties: Input should be 'share' (got 'best')",
        "combined: missing (required)",
        "bonus: unknown field (a typo?)",
    }


def test_combined_weights_cannot_both_be_zero(tmp_path: Path) -> None:
    document = copy.deepcopy(RAW_RULES)
    document["combined"] = {"medal_rank_weight": 0, "points_rank_weight": 0}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert problems_of(lambda: load_rules(path)) == (
        "combined: at least one of medal_rank_weight and points_rank_weight must be > 0",
    )


def test_loaded_definitions_are_immutable() -> None:
    with pytest.raises(ValueError, match="frozen"):
        GAMES.events[0].venue = "elsewhere"
    assert isinstance(GAMES, Games) and isinstance(RULES, Rules)
