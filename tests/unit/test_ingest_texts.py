"""Officials' messages in their language: Accept-Language, and the engine's findings in Chinese."""

from __future__ import annotations

import pytest

from services.ingest.texts import engine_text, negotiate
from shared.domain.engine import Entry, rank_problems


@pytest.mark.parametrize(("header", "expected"), [
    ("", "en"),
    ("zh-CN", "zh"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("en;q=0.5, zh-TW;q=0.7", "zh"),
    ("fr-FR, de", "en"),
    ("zh;q=0", "en"),
    ("zh;q=abc", "en"),
    ("ZH-Hans", "zh"),
])
def test_chinese_only_when_preferred_to_english(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def ok(rank: int | None, competitor: str, status: str = "OK",
       record: str | None = None) -> Entry:
    return Entry(rank=rank, delegation="qinyang", competitor=competitor, status=status,
                      record=record)


# Entries that make rank_problems say each thing it can say.
EVERY_FINDING = [
    ok(1, "A"),
    ok(None, "B"),  # an OK entry needs its rank
    ok(0, "C"),  # ranks start at 1
    ok(2, "D", status="DNF"),  # a DNF entry has no rank
    ok(None, "E", status="DNS", record="games"),  # cannot set a record
    ok(1, "A"),  # already listed
    ok(None, "F", status="XX"),  # unknown status
    ok(2, "G", record="world"),  # unknown record level
    ok(4, "H"),  # should be ...: entries ranked better
]


def test_every_engine_finding_has_a_chinese_text() -> None:
    findings = [message for _, _, message in rank_problems(EVERY_FINDING)]
    findings += [message for _, _, message in rank_problems([ok(2, "A")])]  # should be 1
    findings += [message for _, _, message in rank_problems(  # after a tie
        [ok(1, "A"), ok(1, "B"), ok(2, "C")])]
    findings += [message for _, _, message in rank_problems(  # after one better entry
        [ok(1, "A"), ok(3, "B")])]
    assert len(findings) >= 11
    for message in findings:
        text = engine_text(message, {"qinyang": "沁阳市"})
        assert text.en == message
        assert text.zh != message, f"no Chinese for the engine's {message!r}"


def test_translations_keep_the_numbers_and_names() -> None:
    [(_, _, message)] = rank_problems([ok(1, "A"), ok(3, "B")])
    assert engine_text(message, {}).zh == "名次 3 应为 2：前面已有 1 个条目"
    duplicate = next(m for _, _, m in rank_problems([ok(1, "李 明"), ok(2, "李 明")]))
    assert engine_text(duplicate, {"qinyang": "沁阳市"}).zh == "沁阳市的李 明已在第 1 行填写过"


def test_an_unknown_message_stays_in_english() -> None:
    text = engine_text("something new", {})
    assert (text.en, text.zh) == ("something new", "something new")
