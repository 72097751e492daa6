"""Chinese ordinal ranks, Beijing time and points as the media outputs print them."""

from datetime import UTC, datetime

import pytest

from services.broadcast.media.wording import (
    chinese_number,
    clock,
    hour_words,
    month_day,
    points_text,
    rank_words,
)


def test_chinese_numbers_of_every_rank_a_table_has() -> None:
    assert [chinese_number(n) for n in range(1, 12)] == [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]
    assert [chinese_number(n) for n in (19, 20, 21, 40, 99)] == [
        "十九", "二十", "二十一", "四十", "九十九"]
    for outside in (0, 100):
        with pytest.raises(ValueError, match=f"{outside} is outside 1..99"):
            chinese_number(outside)


def test_ranks_in_words_with_ties() -> None:
    assert rank_words(3, tied=False) == "第三名"
    assert rank_words(3, tied=True) == "并列第三名"
    assert rank_words(11, tied=False) == "第十一名"


def test_times_are_printed_in_beijing_time() -> None:
    utc = datetime(2024, 9, 21, 16, 30, tzinfo=UTC)  # 00:30 the next day in Beijing
    assert clock(utc) == "2024-09-22 00:30 (+08:00)"
    assert clock("2024-09-21T10:02:11.031+00:00") == "2024-09-21 18:02 (+08:00)"
    assert month_day(datetime(2024, 9, 1)) == "9月1日"
    assert hour_words(datetime(2024, 9, 21, 18, 0)) == "18时"
    assert hour_words(datetime(2024, 9, 21, 9, 5)) == "9时5分"
    with pytest.raises(ValueError, match="has no UTC offset"):
        clock("2024-09-21T10:02:11")


def test_points_drop_trailing_zeros() -> None:
    assert [points_text(p) for p in (9, 9.0, 5.5, 4.33, 0.0, 12.1)] == [
        "9", "9", "5.5", "4.33", "0", "12.1"]
