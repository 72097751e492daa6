"""Every rule a submitted result is checked against, with the JSON pointers it reports."""

from __future__ import annotations

from typing import Any

import pytest

from services.ingest.validation import (
    MAX_ENTRIES,
    MAX_MEMBERS,
    MAX_REVISION,
    check_result,
    requested_event,
)
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from tests.unit.test_names import full_width

GAMES = load_definitions(Settings().games_dir).games
INDIVIDUAL = next(event for event in GAMES.events if event.kind == "individual")
TEAM = next(event for event in GAMES.events if event.kind == "team")


def entry(rank: Any, delegation: str = "qinyang", competitor: str = "李明",
          **more: Any) -> dict[str, Any]:
    return {"rank": rank, "delegation": delegation, "competitor": competitor, **more}


def body(*entries: dict[str, Any], **more: Any) -> dict[str, Any]:
    listed = list(entries) if entries else [entry(1)]
    return {"event_id": INDIVIDUAL.id, "revision": 1, "status": "official", "entries": listed,
            **more}


def pointers(payload: Any) -> list[str]:
    checked, issues = check_result(payload, GAMES)
    assert checked is None, "expected problems"
    assert all(issue.text.en and issue.text.zh for issue in issues)
    return [issue.pointer for issue in issues]


def test_a_valid_result_is_normalised() -> None:
    checked, issues = check_result(body(
        entry(1, competitor=" 李明 ", mark=" 10.91 ", record="games"),
        entry(2, "mengzhou", "王强", mark="  "),
        entry(None, "wuzhi", "赵刚", status="DSQ"),
        note="  photo finish  ",
    ), GAMES)
    assert issues == []
    assert checked is not None
    first, second, third = checked.normalized_entries()
    assert (first.competitor, first.mark, first.record) == ("李明", "10.91", "games")
    assert second.mark is None
    assert (third.rank, third.status) == (None, "DSQ")
    assert checked.note == "photo finish"


def test_defaults_make_the_same_entry_as_explicit_values() -> None:
    implicit, _ = check_result(body(entry(1)), GAMES)
    explicit, _ = check_result(body(entry(1, status="OK", mark=None, record=None, members=[])),
                               GAMES)
    assert implicit is not None and explicit is not None
    assert implicit.normalized_entries() == explicit.normalized_entries()


def test_missing_fields_are_each_pointed_at() -> None:
    assert pointers({"entries": [{}]}) == [
        "/event_id", "/revision", "/status", "/entries/0/delegation", "/entries/0/competitor",
    ]


def test_the_body_must_be_an_object() -> None:
    assert pointers([body()]) == [""]


def test_unknown_fields_are_refused_with_escaped_pointers() -> None:
    assert pointers(body(entry(1, **{"time/s": "10.9"}), extra=1)) == [
        "/entries/0/time~1s", "/extra",
    ]


@pytest.mark.parametrize("field", ["9" * 5000, "²", "7"])
def test_an_unknown_field_named_like_a_number_is_refused_too(field: str) -> None:
    # Field names are never entry numbers, however they look: int() of 5000 digits or of
    # "²" raised out of the ordering of the problems and answered 500.
    assert pointers(body(entry(1, **{field: 1}), **{field: 2})) == [
        "/entries/0/" + field, "/" + field,
    ]


@pytest.mark.parametrize(("field", "value"), [
    ("revision", "1"), ("revision", 1.0), ("revision", True), ("revision", 0),
    ("revision", MAX_REVISION + 1), ("status", "final"), ("status", None), ("entries", {}),
    ("note", 5), ("event_id", 12),
])
def test_top_level_fields_have_types_and_bounds(field: str, value: Any) -> None:
    assert pointers({**body(), field: value}) == [f"/{field}"]


@pytest.mark.parametrize(("field", "value"), [
    ("rank", "1"), ("rank", 1.5), ("rank", True), ("status", "DQ"), ("record", "world"),
    ("mark", 10.91), ("competitor", None), ("members", "张三,李四"),
    ("competitor", "x" * 201), ("mark", "9" * 41), ("competitor", "   "),
    ("competitor", "\u200b"), ("competitor", "\u3000"), ("competitor", "\ufeff\u2060"),
    ("competitor", "李\x00明"), ("competitor", "李\n明"), ("mark", "10.9\t"),
])
def test_entry_fields_have_types_and_bounds(field: str, value: Any) -> None:
    assert pointers(body({**entry(1), field: value})) == [f"/entries/0/{field}"]


def test_unknown_event_suggests_the_closest() -> None:
    checked, issues = check_result({**body(), "event_id": INDIVIDUAL.id[:-1]}, GAMES)
    assert checked is None
    assert [issue.pointer for issue in issues] == ["/event_id"]
    assert repr(INDIVIDUAL.id) in issues[0].text.en


def test_unknown_delegations_are_each_pointed_at() -> None:
    assert pointers(body(entry(1, "qinyan"), entry(2, "mengzhou", "王强"), entry(3, "Boai"))) == [
        "/entries/0/delegation", "/entries/2/delegation",
    ]


def test_field_problems_are_all_listed_at_once() -> None:
    assert pointers({
        "event_id": "no-such-event", "revision": 0, "status": "official",
        "entries": [entry(1, "nowhere"), entry("2", competitor=""), entry(3, record="world")],
    }) == [
        "/event_id", "/revision", "/entries/0/delegation", "/entries/1/rank",
        "/entries/1/competitor", "/entries/2/record",
    ]


def test_unknown_names_are_listed_with_the_rank_problems() -> None:
    assert pointers({**body(entry(1, "qinyan"), entry(3, "wuzhi", "赵刚")),
                     "event_id": "ath-youth-m-10m"}) == [
        "/event_id", "/entries/0/delegation", "/entries/1/rank",
    ]


def test_limits_on_entries_and_members() -> None:
    many = [entry(i + 1, competitor=f"选手{i}") for i in range(MAX_ENTRIES + 1)]
    assert pointers(body(*many)) == ["/entries"]
    team = {**body(entry(1, competitor="沁阳队",
                         members=[f"队员{i}" for i in range(MAX_MEMBERS + 1)])),
            "event_id": TEAM.id}
    assert pointers(team) == ["/entries/0/members"]


def test_a_note_keeps_line_breaks_but_no_other_control_characters() -> None:
    checked, _ = check_result(body(note="第一行\n第二行\t完"), GAMES)
    assert checked is not None and checked.note == "第一行\n第二行\t完"
    assert pointers(body(note="bell\x07")) == ["/note"]
    assert pointers(body(note="x" * 2001)) == ["/note"]


def test_entries_must_match_the_result_status() -> None:
    assert pointers(body(status="cancelled")) == ["/entries"]
    assert pointers({**body(), "entries": []}) == ["/entries"]
    assert pointers({**body(), "status": "provisional", "entries": []}) == ["/entries"]
    checked, issues = check_result(
        {**body(), "status": "cancelled", "entries": [], "note": "雷雨停赛"}, GAMES)
    assert checked is not None and issues == []


def test_names_are_compared_as_they_look() -> None:
    # An invisible character or a full-width letter does not make another competitor.
    assert pointers(body(entry(1), entry(2, competitor="李明\u200b"))) == ["/entries/1/competitor"]
    typed = full_width("Li") + "\u3000" + full_width("Ming")
    assert pointers(body(entry(1, competitor="Li Ming"), entry(2, competitor=typed))) == [
        "/entries/1/competitor"]
    checked, issues = check_result(body(entry(1, competitor="\ufeff李\u3000明\u200b")), GAMES)
    assert issues == [] and checked is not None
    assert checked.normalized_entries()[0].competitor == "李 明"


def test_members_only_on_team_events() -> None:
    assert pointers(body(entry(1, members=["李明"]))) == ["/entries/0/members"]
    team = {**body(entry(1, competitor="沁阳队", members=[" 张三 ", "李四\u200b"])),
            "event_id": TEAM.id}
    checked, issues = check_result(team, GAMES)
    assert issues == [] and checked is not None
    assert checked.normalized_entries()[0].members == ("张三", "李四")
    blank_member = {**team, "entries": [entry(1, competitor="沁阳队", members=["\u200b"])]}
    assert pointers(blank_member) == ["/entries/0/members/0"]


@pytest.mark.parametrize(("entries", "expected"), [
    ([entry(None)], ["/entries/0/rank"]),  # OK needs a rank
    ([entry(0)], ["/entries/0/rank"]),  # ranks start at 1
    ([entry(1), entry(2, "wuzhi", "赵刚", status="DNF")], ["/entries/1/rank"]),  # DNF unranked
    ([entry(1), entry(None, "wuzhi", "赵刚", status="DNS", record="games")],
     ["/entries/1/record"]),  # only a finisher sets a record
    ([entry(1), entry(2)], ["/entries/1/competitor"]),  # the same competitor twice
    ([entry(1), entry(3, "wuzhi", "赵刚")], ["/entries/1/rank"]),  # a gap
    ([entry(1), entry(1, "wuzhi", "赵刚"), entry(2, "boai", "陈晨")],
     ["/entries/2/rank"]),  # after a tie at 1 comes 3
    ([entry(2), entry(3, "wuzhi", "赵刚")], ["/entries/0/rank", "/entries/1/rank"]),
])
def test_ranks_follow_the_scoring_rules(
    entries: list[dict[str, Any]], expected: list[str]
) -> None:
    assert pointers(body(*entries)) == expected


def test_ties_and_unranked_entries_in_any_order_are_valid() -> None:
    checked, issues = check_result(body(
        entry(3, "wuzhi", "赵刚"), entry(1), entry(2, "mengzhou", "王强"),
        entry(3, "boai", "陈晨"), entry(5, "xiuwu", "孙宇"),
        entry(None, "wenxian", "周杰", status="DNS"),
    ), GAMES)
    assert issues == [] and checked is not None


def test_problems_come_in_the_order_of_the_entries() -> None:
    many = [entry(i + 1, competitor=f"选手{i}") for i in range(12)]
    many[2]["competitor"] = many[0]["competitor"]
    many[10]["status"] = "DNF"
    many[11]["rank"] = 13
    # Numerically: entry 2 before entry 10 (as text, "/entries/10" would sort first).
    assert pointers(body(*many)) == [
        "/entries/2/competitor", "/entries/10/rank", "/entries/11/rank",
    ]


def test_requested_event_reads_only_a_known_event_id() -> None:
    assert requested_event({"event_id": INDIVIDUAL.id, "entries": "junk"}, GAMES) == INDIVIDUAL
    assert requested_event({"event_id": "nope"}, GAMES) is None
    assert requested_event({"event_id": 7}, GAMES) is None
    assert requested_event(["event_id"], GAMES) is None
