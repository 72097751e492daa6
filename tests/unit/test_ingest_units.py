"""ingest's side of the units, without a database: every refusal of the units' rules in
Chinese, results by bib, a heat's marks as times, the status body, and the content hash that
still recognises a v1 submission."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

import orjson
import pytest

from services.ingest.store import content_hash
from services.ingest.unit_texts import _UNIT, unit_text
from services.ingest.validation import bib_issues, check_result, check_status
from shared.domain.engine import Entry
from shared.domain.qualification import NextUnit, derive_next_round
from shared.domain.start_lists import Entrant, first_round_start_lists
from shared.domain.unit_status import (
    TRANSITIONS,
    UNIT_STATUSES,
    Refusal,
    UnitState,
    transition,
)
from shared.domain.units import QualificationRule
from tests.unit.shipped import GAMES

SPRINT = GAMES.event("ath-youth-m-100m")
assert SPRINT is not None
AT = datetime.fromisoformat("2024-09-20T09:00:00+08:00")


def every_unit_refusal() -> set[str]:
    """Every reason the units' rules can give, by trying every request on every status."""
    reasons = set()
    for status in UNIT_STATUSES:
        state = replace(UnitState.planned(AT), status=status)
        for source, by_status in TRANSITIONS.items():
            asked = {wanted for wanted_by in by_status.values() for wanted in wanted_by}
            for requested in asked:
                for starts_at in (None, AT - timedelta(hours=1), AT + timedelta(hours=1),
                                  datetime(2024, 9, 20, 10)):
                    outcome = transition(state, requested, source=source, starts_at=starts_at)
                    if isinstance(outcome, Refusal):
                        reasons.add(outcome.reason)
    final = NextUnit("ath-youth-m-100m/final", UnitState.planned(AT), has_result=True)
    started = NextUnit("ath-youth-m-100m/final", replace(UnitState.planned(AT),
                                                         status="running"), has_result=False)
    for unit in (final, started):
        refused = derive_next_round([], QualificationRule(Q=1, q=0), [unit], lanes=8)
        assert isinstance(refused, Refusal)
        reasons.add(refused.reason)
    too_many = first_round_start_lists(["h1"], [Entrant(str(n), "x", "qinyang")
                                                 for n in range(9)], lanes=8, order="entry")
    assert isinstance(too_many, Refusal)
    reasons.add(too_many.reason)
    return reasons


def test_every_refusal_of_the_units_rules_has_its_chinese() -> None:
    reasons = every_unit_refusal()
    untranslated = [reason for reason in reasons if unit_text(reason).zh == reason]
    assert untranslated == []
    # And every translation is used by some rule (none left over from a rewording).
    used = {pattern.pattern for pattern, _ in _UNIT
            if any(pattern.fullmatch(reason) for reason in reasons)}
    assert used == {pattern.pattern for pattern, _ in _UNIT}
    assert unit_text("a delay needs the new starts_at").zh \
        == "推迟需要填写新的开始时间（starts_at）"


def entry(bib: str | None, delegation: str = "qinyang", competitor: str = "李明") -> Entry:
    return Entry(rank=1, bib=bib, delegation=delegation, competitor=competitor)


ENTRANTS = (Entrant("0601", "李明", "qinyang"), Entrant("0701", "王强", "mengzhou"))


def test_where_an_event_has_entries_results_name_them_by_bib() -> None:
    assert bib_issues([entry(None)], (), GAMES, SPRINT) == []  # no entries: v1's free text
    issues = bib_issues([entry("0601"), entry(None), entry("0999"),
                         entry("0701", "qinyang", "王强"), entry("0601", competitor="李名")],
                        ENTRANTS, GAMES, SPRINT)
    assert [(issue.pointer, issue.text.en) for issue in issues] == [
        ("/entries/1/bib", f"{SPRINT.id} has entries: name each competitor by bib (the start "
                           "list has them)"),
        ("/entries/2/bib", f"bib '0999' is not entered in {SPRINT.id}"),
        ("/entries/3/bib", "bib 0701 is 王强 of mengzhou, not of qinyang"),
        ("/entries/4/bib", "bib 0601 is 李明, not 李名: check the bib"),
    ]
    assert issues[2].text.zh == "号码 0701 是孟州市的王强，不是沁阳市的"


def body(**fields: object) -> dict[str, object]:
    return {"event_id": SPRINT.id, "revision": 1, "status": "official",
            "entries": [{"rank": 1, "bib": "0601", "delegation": "qinyang", "competitor": "李明",
                         "mark": "10.91"}], **fields}


def test_a_result_names_its_unit_and_a_heats_marks_are_times() -> None:
    checked, issues = check_result(body(phase="heat-2"), GAMES)
    assert issues == [] and checked is not None and checked.unit_phase == "heat-2"
    assert check_result(body(), GAMES)[0] is not None  # the final, as in v1
    _, issues = check_result(body(phase="semi-1"), GAMES)
    assert [(i.pointer, i.text.en) for i in issues] == [
        ("/phase", f"{SPRINT.id} has no unit 'semi-1'; its units are heat-1, heat-2, heat-3, "
                   "final")]
    bad_mark = body(phase="heat-1")
    bad_mark["entries"] = [{"rank": 1, "delegation": "qinyang", "competitor": "李明",
                            "mark": "10,91"}]
    _, issues = check_result(bad_mark, GAMES)
    assert [i.pointer for i in issues] == ["/entries/0/mark"]
    assert "10,91" in issues[0].text.en and "不是时间成绩" in issues[0].text.zh


def test_the_status_body() -> None:
    checked, issues = check_status({"status": "delayed", "starts_at": "2024-09-20T10:30:00+08:00",
                                    "note": " 雷雨 "})
    assert issues == [] and checked is not None
    assert checked.starts_at == datetime.fromisoformat("2024-09-20T10:30:00+08:00")
    assert checked.note == "雷雨"
    _, issues = check_status({"status": "official", "starts_at": "10:30", "extra": 1})
    assert {issue.pointer for issue in issues} == {"/status", "/starts_at", "/extra"}


@pytest.mark.parametrize("phase", ["final", "heat-1"])
def test_the_content_hash_of_a_unit(phase: str) -> None:
    entries = (Entry(rank=1, delegation="qinyang", competitor="李明"),)
    v1 = content_hash(SPRINT.id, 1, "official", None, entries)
    # v1's formula, as it hashed the submissions stored before v1.1.
    assert v1 == hashlib.sha256(orjson.dumps(
        {"event_id": SPRINT.id, "revision": 1, "status": "official", "note": None,
         "entries": [{"rank": 1, "delegation": "qinyang", "competitor": "李明", "status": "OK",
                      "mark": None, "record": None, "members": ()}]},
        option=orjson.OPT_SORT_KEYS)).digest()
    # A v1 submission hashes as before v1.1: its entries carry no bib, its unit is the final.
    assert (content_hash(SPRINT.id, 1, "official", None, entries, phase) == v1) \
        == (phase == "final")
    with_bib = (replace_bib(entries[0], "0601"),)
    assert content_hash(SPRINT.id, 1, "official", None, with_bib, phase) != \
        content_hash(SPRINT.id, 1, "official", None, entries, phase)


def replace_bib(entry: Entry, bib: str) -> Entry:
    return entry.model_copy(update={"bib": bib})
