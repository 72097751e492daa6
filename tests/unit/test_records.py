"""Records (docs/records.md): the records file, records found from the marks, and claims."""

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.definitions import load_games
from shared.domain.engine import Entry
from shared.domain.errors import DefinitionError
from shared.domain.marks import Bilingual
from shared.domain.records import (
    LEVELS,
    RecordBook,
    RecordsReport,
    UnitResult,
    claim_problems,
    detect_records,
    parse_records,
)
from shared.domain.rules import RECORD_LEVELS
from tests.unit.shipped import DATA, GAMES, RULES

SETTINGS = settings(max_examples=100, deadline=None)
M100 = "ath-youth-m-100m"
HIGH_JUMP = "ath-youth-m-high-jump"
LONG_JUMP = "ath-youth-m-long-jump"
M5000 = "ath-youth-m-5000m"
TAI_CHI = "tc-youth-m-taijiquan"


def record(event: str, level: str, mark: str, holder: str, year: int,
           delegation: str | None = None) -> dict[str, Any]:
    return {"event": event, "level": level, "mark": mark, "holder": holder, "year": year,
            **({"delegation": delegation} if delegation else {})}


DOCUMENT: dict[str, Any] = {
    "measures": {M100: "time", HIGH_JUMP: "height", LONG_JUMP: "distance", M5000: "time",
                 "swm-youth-m-50m-free": "time", TAI_CHI: "judged"},
    "records": [
        record(M100, "games", "10.91", "李明", 2020, "qinyang"),
        record(M100, "provincial", "10.42", "程远", 2019),
        record(M100, "national", "10.18", "邵峰", 2018),
        record(HIGH_JUMP, "games", "2.03", "杨帆", 2016, "shanyang"),
        record(LONG_JUMP, "games", "7.21", "马超", 2020, "qinyang"),
        record(LONG_JUMP, "national", "8.02", "黎航", 2021),  # no provincial record on file
        record(M5000, "games", "15:28.6h", "冯军", 2012, "macun"),  # a hand time
    ],
}


def book_of(document: dict[str, Any]) -> RecordBook:
    book, problems = parse_records(document, GAMES)
    assert problems == []
    return book


BOOK = book_of(DOCUMENT)


def ok(mark: str | None, competitor: str, delegation: str = "qinyang", *, rank: int = 1,
       record: str | None = None, status: str = "OK") -> Entry:
    return Entry(rank=None if status != "OK" else rank, delegation=delegation,
                      competitor=competitor, status=status, mark=mark, record=record)


def unit(event_id: str, phase: str, *entries: Entry, at: str = "09:00", revision: int = 1,
         status: str = "official", accepted_after: int = 20) -> UnitResult:
    starts = datetime.fromisoformat(f"2024-09-20T{at}:00+08:00")
    return UnitResult(event_id=event_id, phase=phase, revision=revision, status=status,
                      starts_at=starts, accepted_at=starts + timedelta(minutes=accepted_after),
                      entries=entries)


def cancelled(result: UnitResult) -> UnitResult:
    return replace(result, revision=result.revision + 1, status="cancelled", entries=(),
                   accepted_at=result.accepted_at + timedelta(hours=3))


def corrected(result: UnitResult, *entries: Entry) -> UnitResult:
    return replace(result, revision=result.revision + 1, entries=entries,
                   accepted_at=result.accepted_at + timedelta(hours=3))


def new_records(report: RecordsReport) -> list[tuple[str, str, str, str, str, str | None]]:
    """(where, level, kind, mark, holder, the previous record's mark) of each record set."""
    return [
        (new.record.set_at.unit_id if new.record.set_at else "file", new.record.level, new.kind,
         new.record.mark.text, new.record.holder,
         new.previous.mark.text if new.previous else None)
        for new in report.new
    ]


def standing(report: RecordsReport, event_id: str) -> dict[str, tuple[str, str, str]]:
    """level -> (mark, holder, where it was set) of the event's standing records."""
    return {
        record.level: (record.mark.text, record.holder,
                       record.set_at.unit_id if record.set_at else "file")
        for record in report.standing if record.event_id == event_id
    }


# --- The records file -------------------------------------------------------------------

def test_levels_are_the_rules_levels() -> None:
    assert LEVELS == RECORD_LEVELS


def test_the_sample_records_give_every_athletics_and_swimming_event_a_measure() -> None:
    book = GAMES.records
    measured = {event.id for event in GAMES.events if event.sport in ("athletics", "swimming")}
    assert measured <= book.measures.keys()
    assert {book.measures[event_id] for event_id in measured} == {"time", "distance", "height"}
    assert {record.event_id for record in book.records if record.level == "games"} == measured
    assert book.equalling == {"ath-youth-m-high-jump", "ath-youth-f-high-jump"}
    assert book.measure("bk-youth-m-5x5") is None


def test_every_problem_in_the_records_sections_is_listed() -> None:
    document = {
        "measures": {M100: "time", "ath-youth-m-10m": "time", HIGH_JUMP: "speed",
                     TAI_CHI: "judged", LONG_JUMP: "distance"},
        "equalling": {"swiming": True, "athletics": "yes"},
        "records": [
            record(M100, "games", "10.91", "李明", 2020, "qinyang"),
            record(M100, "games", "10.95", "王强", 2016, "mengzhou"),
            record(M100, "provincial", "10.95", "程远", 2019),
            record("ath-youth-m-200m", "games", "22.18", "王浩", 2016, "mengzhou"),
            record(TAI_CHI, "games", "9.50", "陈雪", 2020, "jiefang"),
            record(LONG_JUMP, "games", "7,21", "马超", 2025),
            {**record("ath-youth-m-400m", "world", "49.62", "", 2020), "place": "焦作"},
            record("ath-youth-m-100mh", "national", "13.50", "许涛", 2020, "qinyan"),
            "10.91",
        ],
    }
    book, problems = parse_records(document, GAMES)
    assert problems == [
        "measures.ath-youth-m-10m: unknown event",
        "measures.ath-youth-m-high-jump: 'speed' is not a measure; the measures are time, "
        "distance, height, score, judged",
        "equalling.swiming: neither an event nor a sport",
        "equalling.athletics: write true or false, not 'yes'",
        "records[1] (ath-youth-m-100m games): a second games record of ath-youth-m-100m; the "
        "first is records[0] (ath-youth-m-100m games)",
        "records[3] (ath-youth-m-200m games).event: ath-youth-m-200m has no measure; give it "
        "one under measures: to keep its records",
        "records[4] (tc-youth-m-taijiquan games).event: tc-youth-m-taijiquan is judged, and "
        "judged events keep no records",
        "records[5] (ath-youth-m-long-jump games).mark: '7,21' is not a distance: write 6.35 or "
        "6.35 m (metres)",
        "records[5] (ath-youth-m-long-jump games).delegation: a games record names the holder's "
        "delegation",
        "records[5] (ath-youth-m-long-jump games).year: 2025 is after these games (2024)",
        "records[6] (ath-youth-m-400m world).level: Input should be 'games', 'provincial' or "
        "'national' (got 'world')",
        "records[6] (ath-youth-m-400m world).holder: String should have at least 1 character "
        "(got '')",
        "records[6] (ath-youth-m-400m world).place: unknown field (a typo?)",
        "records[7] (ath-youth-m-100mh national).event: unknown event 'ath-youth-m-100mh'",
        "records[7] (ath-youth-m-100mh national).delegation: unknown delegation 'qinyan'",
        "records[8]: Input should be a valid dictionary or instance of RecordDefinition (got "
        "'10.91')",
        "records[0] (ath-youth-m-100m games).mark: 10.91 beats the provincial record 10.95 "
        "(records[2] (ath-youth-m-100m provincial)): a lower level's record is never better",
    ]
    assert [(r.event_id, r.level) for r in book.records] == [
        (M100, "games"), (M100, "provincial")]
    assert book.equalling == set()  # athletics' "yes" is no true


def test_the_games_file_lists_its_record_problems_with_the_others(tmp_path: Path) -> None:
    path = tmp_path / "games.yaml"
    shipped = (DATA / "games.yaml").read_text(encoding="utf-8")
    path.write_text(
        "record: []\n" + shipped.replace("name_en: 14th Jiaozuo City Games", "name_en: ''")
        + "  - {event: ath-youth-m-800m, level: games, mark: 1:56.84, holder: 孙磊, "
        "delegation: boai, year: 2016}\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_games(path, RULES)
    problems = refused.value.problems
    assert problems[:2] == (
        "record: unknown section (expected name, name_en, delegations, groups, associations, "
        "sports, venues, events, measures, equalling, records)",
        "name_en: the games' name is required text",
    )
    assert problems[2:] == (
        "records[62] (ath-youth-m-800m games).mark: write the mark in quotes (mark: '10.91'): "
        "unquoted, YAML reads it as a number, and 1:02.45 as 62.45",
    )


def test_equalling_by_default_only_for_heights_and_as_sports_or_events_say() -> None:
    assert BOOK.equalling == {HIGH_JUMP}
    book = book_of({**DOCUMENT, "equalling": {"athletics": True, HIGH_JUMP: False}})
    assert book.equalling == {M100, LONG_JUMP, M5000}


# --- Records found from the marks ----------------------------------------------------------

HEAT = unit(M100, "heat-2", ok("11.02", "赵刚", "wuzhi"), ok("10.88", "王强", "mengzhou", rank=2))
FINAL = unit(M100, "final", ok("10.85", "王强", "mengzhou"), ok("10.87", "李明", rank=2),
             ok("10.95", "赵刚", "wuzhi", rank=3), at="17:00")


def test_a_record_broken_in_the_heat_and_again_in_the_final() -> None:
    report = detect_records(BOOK, [FINAL, HEAT])
    assert new_records(report) == [
        (f"{M100}/heat-2", "games", "broken", "10.88", "王强", "10.91"),
        (f"{M100}/final", "games", "broken", "10.85", "王强", "10.88"),
    ]
    assert standing(report, M100) == {"games": ("10.85", "王强", f"{M100}/final"),
                                      "provincial": ("10.42", "程远", "file"),
                                      "national": ("10.18", "邵峰", "file")}
    # The final began with the heat's record standing; only its best mark set the new one.
    assert report.units[f"{M100}/final"].before["games"].mark.text == "10.88"
    assert report.tags(f"{M100}/heat-2") == {1: "games"}
    assert report.tags(f"{M100}/final") == {0: "games"}
    assert report.tags(f"{M100}/semi-1") == {}


def test_a_correction_that_removes_the_final_record_leaves_the_heat_record_standing() -> None:
    correction = corrected(FINAL, ok("10.89", "王强", "mengzhou"), ok("10.90", "李明", rank=2))
    report = detect_records(BOOK, [HEAT, FINAL, correction])
    assert new_records(report) == [
        (f"{M100}/heat-2", "games", "broken", "10.88", "王强", "10.91")]
    assert standing(report, M100)["games"] == ("10.88", "王强", f"{M100}/heat-2")
    assert report.tags(f"{M100}/final") == {}


def test_cancelling_the_heat_makes_the_final_break_the_file_record() -> None:
    report = detect_records(BOOK, [HEAT, FINAL, cancelled(HEAT)])
    assert new_records(report) == [
        (f"{M100}/final", "games", "broken", "10.85", "王强", "10.91")]
    assert f"{M100}/heat-2" not in report.units


def test_removing_the_only_record_restores_the_previous_one() -> None:
    report = detect_records(BOOK, [HEAT, cancelled(HEAT)])
    assert report.new == ()
    assert standing(report, M100)["games"] == ("10.91", "李明", "file")
    slower = detect_records(BOOK, [HEAT, corrected(HEAT, ok("10.92", "王强", "mengzhou"))])
    assert (slower.new, slower.standing) == (report.new, report.standing)
    assert slower.standing == detect_records(BOOK, []).standing


def test_only_official_results_set_records_and_the_latest_revision_counts() -> None:
    provisional = replace(HEAT, status="provisional")
    assert detect_records(BOOK, [provisional]).new == ()
    late_old_revision = [corrected(HEAT, ok("10.70", "王强", "mengzhou")), HEAT]
    assert new_records(detect_records(BOOK, late_old_revision))[0][3] == "10.70"


def test_equalling_counts_where_the_event_says_so() -> None:
    high_jump = unit(HIGH_JUMP, "final", ok("2.03", "罗斌", "xiuwu"))
    dash = unit(M100, "final", ok("10.91", "王强", "mengzhou"))
    report = detect_records(BOOK, [high_jump, dash])
    assert new_records(report) == [
        (f"{HIGH_JUMP}/final", "games", "equalled", "2.03", "罗斌", "2.03")]
    assert report.tags(f"{HIGH_JUMP}/final") == {0: "games"}
    # An equalled record leaves the earlier holder standing.
    assert standing(report, HIGH_JUMP)["games"] == ("2.03", "杨帆", "file")
    counting = book_of({**DOCUMENT, "equalling": {"athletics": True}})
    assert new_records(detect_records(counting, [dash])) == [
        (f"{M100}/final", "games", "equalled", "10.91", "王强", "10.91")]


def test_a_national_record_is_also_a_provincial_and_a_games_record() -> None:
    report = detect_records(BOOK, [unit(M100, "final", ok("10.15", "王强", "mengzhou"),
                                        ok("10.40", "李明", rank=2))])
    assert new_records(report) == [
        (f"{M100}/final", "national", "broken", "10.15", "王强", "10.18"),
        (f"{M100}/final", "provincial", "broken", "10.15", "王强", "10.42"),
        (f"{M100}/final", "games", "broken", "10.15", "王强", "10.91"),
    ]
    assert report.tags(f"{M100}/final") == {0: "national"}
    assert {level: held[0] for level, held in standing(report, M100).items()} == {
        "games": "10.15", "provincial": "10.15", "national": "10.15"}


def test_a_provincial_record_sets_the_games_record_but_not_the_national_one() -> None:
    report = detect_records(BOOK, [unit(M100, "final", ok("10.40", "王强", "mengzhou"))])
    assert [(level, kind) for _, level, kind, *_ in new_records(report)] == [
        ("provincial", "broken"), ("games", "broken")]
    assert report.tags(f"{M100}/final") == {0: "provincial"}


def test_a_missing_level_is_set_by_a_higher_record_only() -> None:
    jump = unit(LONG_JUMP, "final", ok("8.05", "马超"))
    assert new_records(detect_records(BOOK, [jump])) == [
        (f"{LONG_JUMP}/final", "national", "broken", "8.05", "马超", "8.02"),
        (f"{LONG_JUMP}/final", "provincial", "broken", "8.05", "马超", None),
        (f"{LONG_JUMP}/final", "games", "broken", "8.05", "马超", "7.21"),
    ]
    shorter = unit(LONG_JUMP, "final", ok("7.50", "马超"))
    assert new_records(detect_records(BOOK, [shorter])) == [
        (f"{LONG_JUMP}/final", "games", "broken", "7.50", "马超", "7.21")]


def test_equal_best_marks_both_set_the_record_and_the_first_listed_stands() -> None:
    dead_heat = unit(M100, "final", ok("10.85", "王强", "mengzhou"), ok("10.85", "李明"))
    report = detect_records(BOOK, [dead_heat])
    assert new_records(report) == [
        (f"{M100}/final", "games", "broken", "10.85", "王强", "10.91"),
        (f"{M100}/final", "games", "broken", "10.85", "李明", "10.91"),
    ]
    assert report.tags(f"{M100}/final") == {0: "games", 1: "games"}
    assert standing(report, M100)["games"] == ("10.85", "王强", f"{M100}/final")


def test_lower_times_and_longer_jumps_break_records() -> None:
    report = detect_records(BOOK, [
        unit(M100, "final", ok("10.92", "王强", "mengzhou")),
        unit(LONG_JUMP, "final", ok("7.22", "马超"), at="10:00"),
        unit(LONG_JUMP, "final-b", ok("7.20", "罗斌", "xiuwu"), at="11:00"),
    ])
    assert new_records(report) == [
        (f"{LONG_JUMP}/final", "games", "broken", "7.22", "马超", "7.21")]


def test_hand_times_set_no_record_but_a_hand_record_can_be_beaten() -> None:
    assert detect_records(BOOK, [unit(M100, "final", ok("10.8h", "王强", "mengzhou"))]).new == ()
    beaten = unit(M5000, "final", ok("15:28.59", "冯军", "macun"))
    assert new_records(detect_records(BOOK, [beaten])) == [
        (f"{M5000}/final", "games", "broken", "15:28.59", "冯军", "15:28.6h")]
    only_equalled = unit(M5000, "final", ok("15:28.60", "冯军", "macun"))
    assert detect_records(BOOK, [only_equalled]).new == ()


def test_marks_that_cannot_count_set_nothing() -> None:
    report = detect_records(BOOK, [
        unit(M100, "final", ok("10.50", "赵刚", "wuzhi", status="DSQ"), ok("10,80", "王强"),
             ok(None, "李明"), ok("11.00", "孙磊", "boai")),
        unit(TAI_CHI, "final", ok("9.99", "陈雪")),
        unit("bk-youth-m-5x5", "final", ok("88:71", "沁阳市队")),
    ])
    assert report.new == ()
    assert set(report.units) == {f"{M100}/final", f"{TAI_CHI}/final", "bk-youth-m-5x5/final"}


def test_the_record_bonus_goes_once_to_each_competitor_at_the_highest_level() -> None:
    heat = unit(M100, "heat-1", ok("10.88", "王强", "mengzhou"))
    final = unit(M100, "final", ok("10.15", "王强", "mengzhou"), ok("10.60", "李明"), at="17:00")
    report = detect_records(BOOK, [heat, final])
    assert report.competitor_levels(M100) == {("mengzhou", "王强"): "national"}
    assert report.competitor_levels(LONG_JUMP) == {}


def test_the_records_document() -> None:
    report = detect_records(BOOK, [HEAT])
    document = report.document()
    assert document["standing"][0] == {
        "event_id": M100, "level": "games", "mark": "10.88", "holder": "王强",
        "delegation": "mengzhou", "year": 2024,
        "set_at": {"unit_id": f"{M100}/heat-2", "revision": 1,
                   "accepted_at": "2024-09-20T09:20:00+08:00", "entry": 1},
    }
    assert document["standing"][1]["set_at"] is None
    assert len(document["standing"]) == len(DOCUMENT["records"])
    assert document["set_here"] == [{
        **document["standing"][0], "kind": "broken",
        "previous": {"event_id": M100, "level": "games", "mark": "10.91", "holder": "李明",
                     "delegation": "qinyang", "year": 2020, "set_at": None},
    }]


MARKS = ["10.80", "10.85", "10.88", "10.91", "10.95", "11.20"]


@st.composite
def unit_histories(draw: st.DrawFn) -> list[UnitResult]:
    """A day of 100 m units with random marks, distinct starts and some corrections."""
    units: list[UnitResult] = []
    for number in range(draw(st.integers(1, 5))):
        marks = draw(st.lists(st.sampled_from(MARKS), min_size=1, max_size=3))
        first = unit(M100, f"heat-{number + 1}",
                     *(ok(mark, f"runner {index}") for index, mark in enumerate(marks)),
                     at=f"{9 + number:02d}:00", accepted_after=draw(st.integers(1, 600)))
        units.append(first)
        if draw(st.booleans()):
            marks = draw(st.lists(st.sampled_from(MARKS), max_size=3))
            units.append(corrected(first, *(ok(mark, f"runner {index}")
                                            for index, mark in enumerate(marks))))
    return units


@given(history=unit_histories(), data=st.data())
@SETTINGS
def test_records_do_not_depend_on_the_order_results_are_given(
    history: list[UnitResult], data: st.DataObject
) -> None:
    assert detect_records(BOOK, data.draw(st.permutations(history))) == detect_records(
        BOOK, history)


@given(history=unit_histories(), data=st.data())
@SETTINGS
def test_a_cancelled_unit_counts_as_if_it_never_had_a_result(
    history: list[UnitResult], data: st.DataObject
) -> None:
    unit_ids = sorted({result.unit_id for result in history})
    gone = data.draw(st.sampled_from(unit_ids))
    latest = max((r for r in history if r.unit_id == gone), key=lambda r: r.revision)
    without = [result for result in history if result.unit_id != gone]
    assert detect_records(BOOK, [*history, cancelled(latest)]) == detect_records(BOOK, without)


@given(history=unit_histories())
@SETTINGS
def test_the_standing_record_is_the_best_official_mark_or_the_file_one(
    history: list[UnitResult],
) -> None:
    latest: dict[str, UnitResult] = {}
    for result in history:
        if result.revision >= latest.get(result.unit_id, result).revision:
            latest[result.unit_id] = result
    marks = [Decimal(entry.mark) for result in latest.values() for entry in result.entries
             if entry.mark is not None]
    best = min([Decimal("10.91"), *marks])
    assert Decimal(standing(detect_records(BOOK, history), M100)["games"][0]) == best


# --- Claims ----------------------------------------------------------------------------------

def claims(submission: UnitResult, *history: UnitResult,
           book: RecordBook = BOOK) -> list[tuple[int, str, Bilingual]]:
    return claim_problems(book, history, submission)


def claims_en(submission: UnitResult, *history: UnitResult,
              book: RecordBook = BOOK) -> list[tuple[int, str]]:
    return [(index, text.en) for index, _, text in claims(submission, *history, book=book)]


def test_a_claim_the_mark_does_not_support_names_the_standing_record() -> None:
    final = unit(M100, "final", ok("10.95", "王强", "mengzhou", record="games"))
    assert claims(final) == [(0, "record", Bilingual(
        "record 'games' claimed, but 10.95 does not beat the games record 10.91 "
        "(李明, qinyang, 2020)",
        "申报了运动会纪录，但成绩 10.95 未打破运动会纪录 10.91（李明，qinyang，2020年）"))]


def test_claims_at_or_below_the_detected_level_are_accepted() -> None:
    final = unit(M100, "final", ok("10.15", "王强", "mengzhou", record="national"),
                 ok("10.15", "李明", rank=1, record="games"))
    assert claims(final) == []
    assert claims(replace(final, status="provisional")) == []


def test_a_claim_above_the_detected_level() -> None:
    final = unit(M100, "final", ok("10.85", "王强", "mengzhou", record="provincial"))
    assert claims_en(final) == [(0, "record 'provincial' claimed, but 10.85 does not beat the "
                                    "provincial record 10.42 (程远, 2019)")]


def test_a_claim_is_checked_against_a_record_set_earlier_at_these_games() -> None:
    final = unit(M100, "final", ok("10.89", "王强", "mengzhou", record="games"), at="17:00")
    assert claims(final, HEAT) == [(0, "record", Bilingual(
        "record 'games' claimed, but 10.89 does not beat the games record 10.88 "
        "(王强, mengzhou, 2024, heat-2)",
        "申报了运动会纪录，但成绩 10.89 未打破运动会纪录 10.88（王强，mengzhou，2024年，heat-2）"))]


def test_the_submission_replaces_its_units_earlier_revisions() -> None:
    first = unit(M100, "final", ok("10.80", "王强", "mengzhou"))
    correction = corrected(first, ok("10.85", "王强", "mengzhou", record="games"))
    assert claims(correction, first) == []


def test_a_claim_beaten_in_its_own_unit() -> None:
    final = unit(M100, "final", ok("10.85", "王强", "mengzhou"),
                 ok("10.87", "李明", rank=2, record="games"))
    assert claims(final) == [(1, "record", Bilingual(
        "record 'games' claimed, but 10.87 is not this unit's best: 10.85 of 王强 (mengzhou) "
        "sets the games record",
        "申报了运动会纪录，但成绩 10.87 不是本场最好成绩："
        "王强（mengzhou）的 10.85 创造了运动会纪录"))]


def test_an_equal_mark_claims_a_record_only_where_equalling_counts() -> None:
    dash = unit(M100, "final", ok("10.91", "王强", "mengzhou", record="games"))
    assert claims_en(dash) == [(0, "record 'games' claimed, but 10.91 only equals the games "
                                   "record 10.91 (李明, qinyang, 2020), and equalling a record "
                                   "does not count in ath-youth-m-100m")]
    high_jump = unit(HIGH_JUMP, "final", ok("2.03", "罗斌", "xiuwu", record="games"))
    assert claims(high_jump) == []


def test_claims_that_no_mark_can_support() -> None:
    final = unit(M100, "final", ok("10.8h", "王强", "mengzhou", record="games"),
                 ok(None, "李明", rank=2, record="games"),
                 ok("10,80", "赵刚", "wuzhi", rank=3, record="games"),
                 ok("10.70", "孙磊", "boai", status="DNF", record="games"))
    assert claims_en(final) == [
        (0, "record 'games' claimed, but 10.8h is hand-timed: records need electronic timing "
            "(0.01 s)"),
        (1, "record 'games' claimed, but the entry has no mark to show it"),
    ]  # the unreadable mark and the DNF entry are mark_problems' and rank_problems' to refuse


def test_claims_in_events_that_keep_no_records() -> None:
    tai_chi = unit(TAI_CHI, "final", ok("9.80", "陈雪", "jiefang", record="games"))
    assert claims(tai_chi) == [(0, "record", Bilingual(
        "record 'games' claimed, but tc-youth-m-taijiquan keeps no records: its marks are judged",
        "申报了运动会纪录，但项目 tc-youth-m-taijiquan 不设纪录：其成绩由裁判评分"))]
    match = unit("bk-youth-m-5x5", "final", ok("88:71", "沁阳市队", record="national"))
    assert claims_en(match) == [
        (0, "record 'national' claimed, but bk-youth-m-5x5 keeps no records: its marks are not "
            "measured")]


def test_a_claim_at_a_level_with_no_record_on_file() -> None:
    jump = unit(LONG_JUMP, "final", ok("7.50", "马超", record="provincial"))
    assert claims_en(jump) == [(0, "record 'provincial' claimed, but no provincial record of "
                                   "ath-youth-m-long-jump stands to be broken")]


def test_a_claim_at_a_level_another_entry_set_by_a_higher_record() -> None:
    jump = unit(LONG_JUMP, "final", ok("8.05", "马超"), ok("7.50", "罗斌", "xiuwu", rank=2,
                                                        record="provincial"))
    assert claims_en(jump) == [(1, "record 'provincial' claimed, but 7.50 is not this unit's "
                                   "best: 8.05 of 马超 (qinyang) sets the provincial record")]
