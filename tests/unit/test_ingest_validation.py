"""Every rule a submitted result is checked against, with the JSON pointers it reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.ingest.validation import (
    MAX_ENTRIES,
    MAX_MEMBERS,
    MAX_REVISION,
    check_result,
    claims_records,
    requested_event,
)
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.domain.engine import Entry
from shared.domain.records import UnitResult
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
        entry(1, competitor=" 李明 ", mark=" 10.85 ", record="games"),
        entry(2, "mengzhou", "王强", mark="  "),
        entry(None, "wuzhi", "赵刚", status="DSQ"),
        note="  photo finish  ",
    ), GAMES)
    assert issues == []
    assert checked is not None
    first, second, third = checked.normalized_entries
    assert (first.competitor, first.mark, first.record) == ("李明", "10.85", "games")
    assert second.mark is None
    assert (third.rank, third.status) == (None, "DSQ")
    assert checked.note == "photo finish"


def test_defaults_make_the_same_entry_as_explicit_values() -> None:
    implicit, _ = check_result(body(entry(1)), GAMES)
    explicit, _ = check_result(body(entry(1, status="OK", mark=None, record=None, members=[])),
                               GAMES)
    assert implicit is not None and explicit is not None
    assert implicit.normalized_entries == explicit.normalized_entries


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
    assert checked.normalized_entries[0].competitor == "李 明"


def test_members_only_on_team_events() -> None:
    assert pointers(body(entry(1, members=["李明"]))) == ["/entries/0/members"]
    team = {**body(entry(1, competitor="沁阳队", members=[" 张三 ", "李四\u200b"])),
            "event_id": TEAM.id}
    checked, issues = check_result(team, GAMES)
    assert issues == [] and checked is not None
    assert checked.normalized_entries[0].members == ("张三", "李四")
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


# --- Marks and records (docs/records.md) -----------------------------------------------------

def problems(payload: Any, others: tuple[UnitResult, ...] = ()) -> list[tuple[str, str, str]]:
    checked, issues = check_result(payload, GAMES, others)
    assert checked is None, "expected problems"
    return [(issue.pointer, issue.text.en, issue.text.zh) for issue in issues]


def test_a_mark_in_the_wrong_format_is_pointed_at_with_an_example() -> None:
    assert problems(body(entry(1, mark="10.91"), entry(2, "mengzhou", "王强", mark="1.02.45"),
                         entry(3, "wuzhi", "赵刚", mark="75.20"))) == [
        ("/entries/1/mark", "'1.02.45' is not a time: write 1:02.45 (m:ss.xx) or 10.91 "
         "(seconds); over an hour, 2:01:33.2 (h:mm:ss.x)",
         "'1.02.45' 不是时间成绩：应写作 1:02.45（分:秒）或 10.91（秒）；"
         "超过一小时写 2:01:33.2（时:分:秒）"),
        ("/entries/2/mark", "'75.20' is over a minute: write 1:15.20",
         "'75.20' 超过了一分钟：应写作 1:15.20"),
    ]
    long_jump = {**body(entry(1, mark="6,35")), "event_id": "ath-youth-m-long-jump"}
    assert [pointer for pointer, *_ in problems(long_jump)] == ["/entries/0/mark"]


def test_marks_must_agree_with_the_ranks_where_they_are_measured() -> None:
    slower_first = body(entry(1, mark="11.02"), entry(2, "mengzhou", "王强", mark="10.95"))
    assert problems(slower_first) == [(
        "/entries/1/mark",
        "10.95 beats 11.02 of 李明 (qinyang) but ranks 2, behind its 1: a better mark cannot "
        "rank behind a worse one; check the marks and ranks",
        "10.95 优于李明（qinyang）的 11.02，名次却是第 2，排在其第 1 名之后："
        "成绩更好的不能排在后面；请核对成绩和名次")]
    # Lower wins in a race, higher in a jump; judged scores and unmeasured events are not read.
    shorter_first = {**body(entry(1, mark="6.35"), entry(2, "mengzhou", "王强", mark="6.50")),
                     "event_id": "ath-youth-m-long-jump"}
    assert [pointer for pointer, *_ in problems(shorter_first)] == ["/entries/1/mark"]
    for event_id in ("tc-youth-m-taijiquan", "bad-workers-m-singles"):
        lower_first = {**body(entry(1, mark="9.10"), entry(2, "mengzhou", "王强", mark="9.45")),
                       "event_id": event_id}
        assert check_result(lower_first, GAMES)[1] == [], event_id


def test_a_claim_the_mark_does_not_support_names_the_standing_record() -> None:
    assert problems(body(entry(1, mark="10.95", record="games"),
                         entry(2, "mengzhou", "王强", mark="11.02", record="national"))) == [
        ("/entries/0/record", "record 'games' claimed, but 10.95 does not beat the games "
         "record 10.91 (李明, qinyang, 2020)",
         "申报了运动会纪录，但成绩 10.95 未打破运动会纪录 10.91（李明，qinyang，2020年）"),
        ("/entries/1/record", "record 'national' claimed, but 11.02 does not beat the national "
         "record 10.18 (邵峰, 2018)",
         "申报了全国纪录，但成绩 11.02 未打破全国纪录 10.18（邵峰，2018年）"),
    ]


def test_a_claim_is_checked_against_the_records_of_the_events_other_units() -> None:
    heat_start = INDIVIDUAL.scheduled_at - timedelta(hours=1)
    heat = UnitResult(event_id=INDIVIDUAL.id, phase="heat-1", revision=1, status="official",
                      starts_at=heat_start, accepted_at=heat_start + timedelta(minutes=10),
                      entries=(Entry(rank=1, delegation="mengzhou", competitor="王强",
                                     mark="10.80"),))
    claim = body(entry(1, mark="10.85", record="games"))
    assert check_result(claim, GAMES)[1] == []
    assert problems(claim, (heat,)) == [(
        "/entries/0/record", "record 'games' claimed, but 10.85 does not beat the games record "
        "10.80 (王强, mengzhou, 2024, heat-1)",
        "申报了运动会纪录，但成绩 10.85 未打破运动会纪录 10.80（王强，mengzhou，2024年，heat-1）")]


def test_only_a_body_that_claims_a_record_needs_the_other_units() -> None:
    assert claims_records(body(entry(1, record="games")))
    assert not claims_records(body(entry(1, record=None), entry(2, "mengzhou", "王强")))
    assert not claims_records({"entries": "none"}) and not claims_records([])
