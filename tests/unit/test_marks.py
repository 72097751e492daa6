"""Marks as measurements (docs/records.md "Marks"): every format, every refusal, and marks that
must agree with the ranks."""

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.engine import Entry
from shared.domain.marks import Bilingual, Mark, MarkError, Measure, mark_problems, parse_mark

SETTINGS = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(("text", "measure", "value", "canonical", "hand"), [
    pytest.param("10.91", "time", "10.91", "10.91", False, id="seconds"),
    pytest.param("1:02.45", "time", "62.45", "1:02.45", False, id="m:ss.xx"),
    pytest.param("2:01:33.2", "time", "7293.2", "2:01:33.2", False, id="h:mm:ss.x"),
    pytest.param("2:01:33", "time", "7293", "2:01:33", False, id="whole seconds"),
    pytest.param("15:28.60", "time", "928.60", "15:28.60", False, id="keeps its decimals"),
    pytest.param("9.987", "time", "9.987", "9.987", False, id="thousandths"),
    pytest.param("0:59.10", "time", "59.10", "59.10", False, id="no zero minutes"),
    pytest.param("01:02.45", "time", "62.45", "1:02.45", False, id="no leading zero"),
    pytest.param("0:05:10.2", "time", "310.2", "5:10.2", False, id="no zero hours"),
    pytest.param(" 10.91 ", "time", "10.91", "10.91", False, id="spaces around"),
    # A Chinese input method types digits, points and colons full-width (U+FF01 and on).
    pytest.param("".join(chr(ord(char) + 0xFEE0) for char in "1:02.45"), "time", "62.45",
                 "1:02.45", False, id="full-width"),
    pytest.param("10.9h", "time", "10.9", "10.9h", True, id="hand time"),
    pytest.param("10.9H", "time", "10.9", "10.9h", True, id="hand time, capital H"),
    pytest.param("1:02.4h", "time", "62.4", "1:02.4h", True, id="hand time over a minute"),
    pytest.param("6.35", "distance", "6.35", "6.35", False, id="metres"),
    pytest.param("8.45 m", "distance", "8.45", "8.45", False, id="metres with unit"),
    pytest.param("8.45m", "distance", "8.45", "8.45", False, id="metres with unit, no space"),
    pytest.param("8.45米", "distance", "8.45", "8.45", False, id="metres in Chinese"),
    pytest.param("8.5", "distance", "8.50", "8.50", False, id="to the centimetre"),
    pytest.param("65", "distance", "65.00", "65.00", False, id="whole metres"),
    pytest.param("2.05", "height", "2.05", "2.05", False, id="height"),
    pytest.param("1.9 M", "height", "1.90", "1.90", False, id="height, capital M"),
    pytest.param("9.85", "score", "9.85", "9.85", False, id="score"),
    pytest.param("245", "score", "245", "245", False, id="whole score"),
    pytest.param("628.5", "score", "628.5", "628.5", False, id="shooting score"),
    pytest.param("0", "score", "0", "0", False, id="a score of 0"),
    pytest.param("09.85", "score", "9.85", "9.85", False, id="no leading zero in a score"),
    pytest.param("9.263", "judged", "9.263", "9.263", False, id="judged score"),
])
def test_accepted_formats(text: str, measure: Measure, value: str, canonical: str,
                          hand: bool) -> None:
    mark = parse_mark(text, measure)
    assert mark == Mark(measure=measure, value=Decimal(value), text=canonical, hand=hand)
    assert parse_mark(mark.text, measure) == mark


TIME_FORMATS = ("1:02.45 (m:ss.xx) or 10.91 (seconds); over an hour, 2:01:33.2 (h:mm:ss.x)")


@pytest.mark.parametrize(("text", "measure", "problem"), [
    pytest.param("1.02.45", "time", f"'1.02.45' is not a time: write {TIME_FORMATS}",
                 id="points for a colon"),
    pytest.param("1:2.45", "time", f"'1:2.45' is not a time: write {TIME_FORMATS}",
                 id="one-digit seconds"),
    pytest.param("10.91s", "time", f"'10.91s' is not a time: write {TIME_FORMATS}",
                 id="a unit on a time"),
    pytest.param("1'02\"45", "time", f"'1\\'02\"45' is not a time: write {TIME_FORMATS}",
                 id="primes"),
    pytest.param("12345", "time", f"'12345' is not a time: write {TIME_FORMATS}",
                 id="five digits of seconds"),
    pytest.param("1:61.00", "time",
                 "'1:61.00' has 61 seconds: after the minutes, seconds run from 00 to 59",
                 id="61 seconds"),
    pytest.param("1:75:00", "time",
                 "'1:75:00' has 75 minutes: after the hours, minutes run from 00 to 59",
                 id="75 minutes"),
    pytest.param("2:01:60.0", "time",
                 "'2:01:60.0' has 60 seconds: after the minutes, seconds run from 00 to 59",
                 id="60 seconds after hours"),
    pytest.param("75.20", "time", "'75.20' is over a minute: write 1:15.20",
                 id="seconds over a minute"),
    pytest.param("245", "time", "'245' is over a minute: write 4:05", id="a score for a time"),
    pytest.param("75:12.3", "time", "'75:12.3' is over an hour: write 1:15:12.3",
                 id="minutes over an hour"),
    pytest.param("10.9123", "time", "'10.9123' has 4 decimals: times go to 0.001 s at most",
                 id="ten-thousandths"),
    pytest.param("10.91h", "time",
                 "'10.91h': hand times are to 0.1 s, rounded up: write 11.0h",
                 id="hand time to 0.01 s"),
    pytest.param("59.95h", "time",
                 "'59.95h': hand times are to 0.1 s, rounded up: write 1:00.0h",
                 id="hand time rounded up over a minute"),
    pytest.param("-10.91", "time", "'-10.91' is negative: a time is never below 0",
                 id="negative"),
    pytest.param("\N{MINUS SIGN}6.35", "distance",
                 "'\N{MINUS SIGN}6.35' is negative: a distance is never below 0",
                 id="negative with a minus sign"),
    pytest.param("", "time",
                 "the mark is empty: write a time like 10.91, or leave the mark out", id="empty"),
    pytest.param("   ", "height",
                 "the mark is empty: write a height like 2.05, or leave the mark out",
                 id="blank"),
    pytest.param("1" * 21, "score",
                 f"'{'1' * 20}'... is too long for a mark (at most 20 characters): write a "
                 "score like 9.85", id="over-long"),
    pytest.param("0.00", "time", "'0.00' is no time: leave the mark out when there is none",
                 id="zero time"),
    pytest.param("0", "distance",
                 "'0' is no distance: leave the mark out when there is none", id="zero distance"),
    pytest.param("6,35", "distance",
                 "'6,35' is not a distance: write 6.35 or 6.35 m (metres)", id="decimal comma"),
    pytest.param("6.35h", "distance",
                 "'6.35h' is not a distance: write 6.35 or 6.35 m (metres)",
                 id="hand flag on a distance"),
    pytest.param("6.35 cm", "distance",
                 "'6.35 cm' is not a distance: write 6.35 or 6.35 m (metres)",
                 id="centimetres"),
    pytest.param("1234.5", "distance",
                 "'1234.5' is not a distance: write 6.35 or 6.35 m (metres)",
                 id="four digits of metres"),
    pytest.param("6.355", "distance",
                 "'6.355': distances are measured to the centimetre, at most 2 decimals (6.35)",
                 id="millimetres"),
    pytest.param("2.055", "height",
                 "'2.055': heights are measured to the centimetre, at most 2 decimals (6.35)",
                 id="millimetres of height"),
    pytest.param("1:02", "height", "'1:02' is not a height: write 2.05 or 2.05 m (metres)",
                 id="a time for a height"),
    pytest.param("9,85", "score", "'9,85' is not a score: write 9.85 or 245", id="score comma"),
    pytest.param("1e3", "score", "'1e3' is not a score: write 9.85 or 245", id="exponent"),
    pytest.param("nan", "judged", "'nan' is not a score: write 9.85 or 245", id="not a number"),
    pytest.param("9.8512", "score", "'9.8512' is not a score: write 9.85 or 245",
                 id="four decimals of score"),
])
def test_refused_marks_say_how_to_write_them(text: str, measure: Measure, problem: str) -> None:
    with pytest.raises(MarkError) as refused:
        parse_mark(text, measure)
    assert refused.value.problem.en == problem
    assert str(refused.value) == problem


@pytest.mark.parametrize(("text", "measure", "zh"), [
    ("1.02.45", "time",
     "'1.02.45' 不是时间成绩：应写作 1:02.45（分:秒）或 10.91（秒）；"
     "超过一小时写 2:01:33.2（时:分:秒）"),
    ("1:61.00", "time", "'1:61.00' 的秒数为 61：分钟后的秒数应在 00 到 59 之间"),
    ("75.20", "time", "'75.20' 超过了一分钟：应写作 1:15.20"),
    ("10.91h", "time", "'10.91h'：手计时精确到 0.1 秒，向上进位：应写作 11.0h"),
    ("-6.35", "distance", "'-6.35' 是负数：距离不能小于 0"),
    ("", "score", "成绩为空：请填写分数（如 9.85），或不填成绩"),
    ("6.355", "distance", "'6.355'：距离精确到厘米，最多 2 位小数（如 6.35）"),
])
def test_refusals_are_also_in_chinese(text: str, measure: Measure, zh: str) -> None:
    with pytest.raises(MarkError) as refused:
        parse_mark(text, measure)
    assert refused.value.problem.zh == zh


def test_a_lower_time_and_a_higher_distance_win() -> None:
    assert parse_mark("10.91", "time").beats(parse_mark("10.95", "time"))
    assert not parse_mark("10.95", "time").beats(parse_mark("10.91", "time"))
    assert parse_mark("59.99", "time").beats(parse_mark("1:00.00", "time"))
    assert parse_mark("8.45", "distance").beats(parse_mark("8.44 m", "distance"))
    assert not parse_mark("8.44", "distance").beats(parse_mark("8.45", "distance"))
    assert parse_mark("2.05", "height").beats(parse_mark("2.03", "height"))
    assert parse_mark("628.5", "score").beats(parse_mark("628.4", "score"))


def test_equal_values_beat_neither_way_whatever_their_decimals() -> None:
    coarse, fine = parse_mark("10.9", "time"), parse_mark("10.90", "time")
    assert (coarse.text, fine.text) == ("10.9", "10.90")
    assert not coarse.beats(fine)
    assert not fine.beats(coarse)


def test_marks_of_different_measures_are_not_compared() -> None:
    with pytest.raises(ValueError, match="a time mark compared with a distance mark"):
        parse_mark("10.91", "time").beats(parse_mark("10.91", "distance"))


@given(hours=st.integers(0, 9), minutes=st.integers(0, 59), seconds=st.integers(0, 59),
       decimals=st.text("0123456789", max_size=3), hand=st.booleans())
@SETTINGS
def test_times_in_any_form_parse_to_their_seconds(
    hours: int, minutes: int, seconds: int, decimals: str, hand: bool
) -> None:
    decimals = decimals[:1] if hand else decimals
    total = Decimal(hours * 3600 + minutes * 60 + seconds) + Decimal(f"0.{decimals or 0}")
    written = f"{hours}:{minutes:02d}:{seconds:02d}" + (f".{decimals}" if decimals else "")
    if total == 0:
        return  # a zero time is refused (tested above)
    mark = parse_mark(written + ("h" if hand else ""), "time")
    assert (mark.value, mark.hand) == (total, hand)
    assert parse_mark(mark.text, "time") == mark
    assert mark.text.removesuffix("h").partition(".")[2] == decimals  # as precise as taken


@given(centimetres=st.integers(1, 99_999), unit=st.sampled_from(["", "m", " m", "米"]),
       measure=st.sampled_from(["distance", "height"]))
@SETTINGS
def test_metres_parse_to_the_centimetre(centimetres: int, unit: str, measure: Measure) -> None:
    metres = Decimal(centimetres) / 100
    mark = parse_mark(f"{metres}{unit}", measure)
    assert mark.value == metres
    assert mark.text == f"{centimetres // 100}.{centimetres % 100:02d}"
    assert parse_mark(mark.text, measure) == mark


@given(values=st.lists(st.decimals(min_value=0, max_value=99_999, places=3), min_size=2,
                       max_size=2),
       measure=st.sampled_from(["score", "judged"]))
@SETTINGS
def test_scores_round_trip_and_the_higher_wins(values: list[Decimal], measure: Measure) -> None:
    first, second = (parse_mark(str(value), measure) for value in values)
    assert (first.value, second.value) == tuple(values)
    assert parse_mark(first.text, measure) == first
    assert first.beats(second) == (values[0] > values[1])


def tenths_written(tenths: int) -> str:
    minutes, rest = divmod(tenths, 600)
    return f"{minutes}:{rest // 10:02d}.{rest % 10}"


@given(tenths=st.lists(st.integers(1, 35_999), min_size=2, max_size=2))
@SETTINGS
def test_the_lower_time_wins(tenths: list[int]) -> None:
    first, second = (parse_mark(tenths_written(value), "time") for value in tenths)
    assert (first.value, second.value) == tuple(Decimal(value) / 10 for value in tenths)
    assert first.beats(second) == (tenths[0] < tenths[1])


# --- Marks agree with ranks ----------------------------------------------------------------

def entry(rank: int | None, mark: str | None, competitor: str, delegation: str = "qinyang",
          status: str = "OK") -> Entry:
    return Entry(rank=rank, delegation=delegation, competitor=competitor, status=status,
                      mark=mark)


def english(problems: list[tuple[int, str, Bilingual]]) -> list[tuple[int, str, str]]:
    return [(index, field, text.en) for index, field, text in problems]


def test_marks_in_rank_order_are_fine() -> None:
    entries = [entry(1, "10.91", "李明"), entry(2, "11.02", "王强", "mengzhou"),
               entry(3, "11.02", "赵刚", "wuzhi"), entry(None, "10.50", "孙磊", status="DSQ")]
    assert mark_problems(entries, "time") == []


def test_a_better_time_ranked_behind_a_worse_one() -> None:
    entries = [entry(1, "10.91", "李明"), entry(2, "11.02", "王强", "mengzhou"),
               entry(3, "10.95", "赵刚", "wuzhi")]
    problems = mark_problems(entries, "time")
    assert english(problems) == [
        (2, "mark", "10.95 beats 11.02 of 王强 (mengzhou) but ranks 3, behind its 2: a better "
                    "mark cannot rank behind a worse one; check the marks and ranks"),
    ]
    assert problems[0][2].zh == (
        "10.95 优于王强（mengzhou）的 11.02，名次却是第 3，排在其第 2 名之后："
        "成绩更好的不能排在后面；请核对成绩和名次")


def test_a_longer_jump_ranked_behind_a_shorter_one() -> None:
    entries = [entry(1, "7.90", "马超"), entry(2, "8.10 m", "罗斌", "xiuwu"),
               entry(3, "7.95", "宋强", "boai")]
    assert english(mark_problems(entries, "distance")) == [
        (1, "mark", "8.10 beats 7.90 of 马超 (qinyang) but ranks 2, behind its 1: a better mark "
                    "cannot rank behind a worse one; check the marks and ranks"),
        (2, "mark", "7.95 beats 7.90 of 马超 (qinyang) but ranks 3, behind its 1: a better mark "
                    "cannot rank behind a worse one; check the marks and ranks"),
    ]


def test_one_problem_per_entry_naming_the_best_ranked_worse_mark() -> None:
    # The winner's 12.50 should have been 10.50: every other runner beats it, once each.
    entries = [entry(1, "12.50", "李明"), entry(2, "11.02", "王强", "mengzhou"),
               entry(3, "11.10", "赵刚", "wuzhi")]
    assert [(index, text.en.split(" but")[0]) for index, _, text in
            mark_problems(entries, "time")] == [
        (1, "11.02 beats 12.50 of 李明 (qinyang)"),
        (2, "11.10 beats 12.50 of 李明 (qinyang)"),
    ]


def test_equal_marks_may_rank_apart_but_tied_ranks_need_equal_marks() -> None:
    photo_finish = [entry(1, "10.91", "李明"), entry(2, "10.91", "王强", "mengzhou")]
    assert mark_problems(photo_finish, "time") == []
    tied = [entry(1, "10.91", "李明"), entry(1, "10.95", "王强", "mengzhou")]
    problems = mark_problems(tied, "time")
    assert english(problems) == [
        (0, "mark", "10.91 beats 10.95 of 王强 (mengzhou) but shares rank 1 with it: tied ranks "
                    "need equal marks; check the marks and ranks"),
    ]
    assert problems[0][2].zh == (
        "10.91 优于王强（mengzhou）的 10.95，却与其并列第 1 名：名次并列的成绩应相同；"
        "请核对成绩和名次")


def test_entries_without_marks_or_ranks_are_not_compared() -> None:
    entries = [entry(1, None, "李明"), entry(2, "11.02", "王强", "mengzhou"),
               entry(3, "10.95", "赵刚", "wuzhi"), entry(None, "10.50", "孙磊", status="DNF")]
    assert [index for index, _, _ in mark_problems(entries, "time")] == [2]


def test_judged_and_hand_timed_marks_are_exempt() -> None:
    judged = [entry(1, "9.10", "陈雪"), entry(2, "9.50", "刘婷", "shanyang")]
    assert mark_problems(judged, "judged") == []
    hand = [entry(1, "11.1h", "李明"), entry(2, "11.0h", "王强", "mengzhou"),
            entry(3, "10.95", "赵刚", "wuzhi")]
    assert [index for index, _, _ in mark_problems(hand, "time")] == []


def test_scores_must_agree_with_ranks() -> None:
    entries = [entry(1, "620.3", "邓飞"), entry(2, "624.0", "彭亮", "mengzhou")]
    assert [index for index, _, _ in mark_problems(entries, "score")] == [1]


def pairwise_order_problems(entries: list[Entry]) -> list[tuple[int, str, str]]:
    """The rule as written, over every pair: each entry whose mark beats one ranked ahead of
    it or level with it names the best-ranked such entry (earlier in the list on a tie)."""
    marked = sorted((e.rank, index, e, parse_mark(e.mark, "time"))
                    for index, e in enumerate(entries) if e.rank is not None and e.mark)
    found = []
    for rank, index, _, mark in marked:
        passed = [(other_rank, other) for other_rank, _, other, other_mark in marked
                  if mark.beats(other_mark) and other_rank <= rank]
        if passed:
            other_rank, other = passed[0]
            found.append((index, other.competitor, "shares" if other_rank == rank else "ranks"))
    return sorted(found)


@given(field=st.lists(st.tuples(st.integers(1, 12), st.integers(0, 40)), max_size=40))
@SETTINGS
def test_every_entry_names_the_best_ranked_entry_it_passed(field: list[tuple[int, int]]) -> None:
    # Few distinct ranks and tenths: ties of rank, of mark and of both, in any order.
    entries = [entry(rank, f"10.{tenths:02d}", f"c{index}", f"d{index}")
               for index, (rank, tenths) in enumerate(field)]
    named = [(index, re.search(r" of (\S+) \(\S+\) but (shares|ranks)", text.en))
             for index, _, text in mark_problems(entries, "time")]
    assert [(index, found[1], found[2]) for index, found in named if found] == (
        pairwise_order_problems(entries))


def test_a_mass_start_field_is_checked_in_one_pass() -> None:
    # 500 entries (ingest's limit), one mistyped mark near the back: found and named alike.
    entries = [entry(place + 1, f"{1 + place // 60}:{place % 60:02d}.50", f"c{place}")
               for place in range(500)]
    entries[480] = entry(481, "1:00.10", "c480")
    problems = mark_problems(entries, "time")
    assert [index for index, _, _ in problems] == [480]
    assert problems[0][2].en.startswith("1:00.10 beats 1:00.50 of c0 (qinyang) but ranks 481")


def test_marks_in_the_wrong_format_are_listed_and_left_out_of_the_order() -> None:
    entries = [entry(1, "10,91", "李明"), entry(2, "11.02", "王强", "mengzhou"),
               entry(3, "10.95", "赵刚", "wuzhi"), entry(None, "TR16.8", "孙磊", status="DSQ")]
    assert english(mark_problems(entries, "time")) == [
        (0, "mark", f"'10,91' is not a time: write {TIME_FORMATS}"),
        (2, "mark", "10.95 beats 11.02 of 王强 (mengzhou) but ranks 3, behind its 2: a better "
                    "mark cannot rank behind a worse one; check the marks and ranks"),
    ]


def test_an_event_without_a_measure_keeps_free_text_marks() -> None:
    entries = [entry(1, "21:15", "沁阳市队"), entry(2, "2:1", "孟州市队", "mengzhou")]
    assert mark_problems(entries, None) == []
