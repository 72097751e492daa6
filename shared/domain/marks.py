# Chinese messages use full-width punctuation on purpose.
"""Marks as measurements: times, distances, heights and scores parsed into exact values.

An event's `measure` says what its marks are and which one wins (docs/records.md):
- `time`: lower wins. `10.91` (seconds), `1:02.45` (m:ss.xx), `2:01:33.2` (h:mm:ss.x); up to
  3 decimals. A hand time (timed by stopwatch, to 0.1 s) is written with the suffix `h`, as
  World Athletics prints it: `10.9h`.
- `distance`, `height`: higher wins; metres to the centimetre: `6.35`, `8.45 m`, `8.45m`.
- `score`: higher wins; a number a rule counts (shooting 628.5, spot shooting 245). Scores are
  measured, like times: the ranks must follow them and they can set records.
- `judged`: the same numbers (tai chi 9.26), but given by a panel of judges whose tie-breaks
  (the dropped highest and lowest judge, deductions) the mark does not show, so the ranks are
  not checked against them, and one panel's score is no record for another panel to beat.
An event without a measure (matches, battles) keeps v1's free-text marks.

Values are `Decimal`s, never floats: 10.91 must not become 10.9100000000000001, and a mark is
compared exactly with a record.
"""

import bisect
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Final, Literal, Protocol

Measure = Literal["time", "distance", "height", "score", "judged"]
MEASURES: Final[tuple[Measure, ...]] = ("time", "distance", "height", "score", "judged")
# Far longer than any real mark ("2:01:33.25h" is 11), and within ingest's 40 characters.
MAX_MARK_LENGTH: Final = 20


@dataclass(frozen=True)
class Bilingual:
    """A message for officials in English and Chinese; ingest shows the one a client wants."""

    en: str
    zh: str


class MarkError(ValueError):
    """A mark that does not parse under its event's measure; `problem` says how to write it."""

    def __init__(self, problem: Bilingual) -> None:
        super().__init__(problem.en)
        self.problem = problem


@dataclass(frozen=True)
class Mark:
    measure: Measure
    value: Decimal  # seconds (time), metres (distance, height) or points (score, judged)
    text: str  # the canonical way to write it: parse_mark(text, measure) gives this mark back
    hand: bool = False  # a hand time, to 0.1 s

    @property
    def rank_key(self) -> Decimal:
        """Smaller is better, whatever the measure."""
        return self.value if self.measure == "time" else -self.value

    def beats(self, other: "Mark") -> bool:
        """Strictly better than `other`; equal values (10.9 and 10.90) beat neither way."""
        if other.measure != self.measure:
            raise ValueError(f"a {self.measure} mark compared with a {other.measure} mark")
        return self.rank_key < other.rank_key


class MarkedEntry(Protocol):
    """What these rules read of a result's entry (engine.Entry has it all)."""

    @property
    def rank(self) -> int | None: ...
    @property
    def delegation(self) -> str: ...
    @property
    def competitor(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def mark(self) -> str | None: ...
    @property
    def record(self) -> str | None: ...


@dataclass(frozen=True)
class _Wording:
    """How the problem texts name a measure's marks and show how to write them."""

    noun: Bilingual
    example: str
    formats: Bilingual


_SCORE_WORDING = _Wording(Bilingual("score", "分数"), "9.85",
                          Bilingual("9.85 or 245", "9.85 或 245"))
_WORDINGS: Final[dict[Measure, _Wording]] = {
    "time": _Wording(Bilingual("time", "时间"), "10.91", Bilingual(
        "1:02.45 (m:ss.xx) or 10.91 (seconds); over an hour, 2:01:33.2 (h:mm:ss.x)",
        "1:02.45（分:秒）或 10.91（秒）；超过一小时写 2:01:33.2（时:分:秒）")),
    "distance": _Wording(Bilingual("distance", "距离"), "6.35",
                         Bilingual("6.35 or 6.35 m (metres)", "6.35 或 6.35 m（米）")),
    "height": _Wording(Bilingual("height", "高度"), "2.05",
                       Bilingual("2.05 or 2.05 m (metres)", "2.05 或 2.05 m（米）")),
    "score": _SCORE_WORDING,
    "judged": _SCORE_WORDING,
}

_TIME = re.compile(r"(\d+(?::\d+){0,2})(?:\.(\d+))?(h?)")
_METRIC = re.compile(r"(\d{1,3})(?:\.(\d+))?(?: ?(?:m|米))?")
_SCORE = re.compile(r"(\d{1,5})(?:\.(\d{1,3}))?")
_TIME_DECIMALS: Final = 3
_METRIC_DECIMALS: Final = 2


def parse_mark(text: str, measure: Measure) -> Mark:
    """The mark `text` writes, as an exact value with its canonical text; MarkError if it is not
    a mark of `measure`.

    Spaces around it go, and the full-width digits, points and colons a Chinese input method
    types read as their ASCII twins (NFKC).
    """
    given = unicodedata.normalize("NFKC", text).strip().lower()
    wording = _WORDINGS[measure]
    noun, formats = wording.noun, wording.formats
    if not given:
        raise MarkError(Bilingual(
            f"the mark is empty: write a {noun.en} like {wording.example}, or leave the mark out",
            f"成绩为空：请填写{noun.zh}（如 {wording.example}），或不填成绩"))
    if len(given) > MAX_MARK_LENGTH:
        raise MarkError(Bilingual(
            f"{given[:MAX_MARK_LENGTH]!r}... is too long for a mark (at most {MAX_MARK_LENGTH} "
            f"characters): write a {noun.en} like {wording.example}",
            f"{given[:MAX_MARK_LENGTH]!r}…… 作为成绩太长（最多 {MAX_MARK_LENGTH} 个字符）："
            f"请填写{noun.zh}，如 {wording.example}"))
    if given[0] in "-\N{MINUS SIGN}":
        raise MarkError(Bilingual(f"{given!r} is negative: a {noun.en} is never below 0",
                                  f"{given!r} 是负数：{noun.zh}不能小于 0"))
    if measure == "time":
        mark = _parse_time(given)
    elif measure in ("distance", "height"):
        mark = _parse_metres(given, measure)
    else:
        mark = _parse_score(given, measure)
    if mark is None:
        raise MarkError(Bilingual(f"{given!r} is not a {noun.en}: write {formats.en}",
                                  f"{given!r} 不是{noun.zh}成绩：应写作 {formats.zh}"))
    if mark.value == 0 and measure in ("time", "distance", "height"):
        raise MarkError(Bilingual(
            f"{given!r} is no {noun.en}: leave the mark out when there is none",
            f"{given!r} 不是有效的{noun.zh}：没有成绩时请不填"))
    return mark


def _parse_time(given: str) -> Mark | None:
    match = _TIME.fullmatch(given)
    if match is None:
        return None
    whole, decimals, hand = match[1], match[2] or "", match[3] == "h"
    first, *rest = whole.split(":")
    if len(first) > 4 or any(len(part) != 2 for part in rest):
        return None
    if len(decimals) > _TIME_DECIMALS:
        raise MarkError(Bilingual(
            f"{given!r} has {len(decimals)} decimals: times go to 0.001 s at most",
            f"{given!r} 有 {len(decimals)} 位小数：时间最多精确到 0.001 秒"))
    parts = [int(part) for part in whole.split(":")]
    # After the hours come minutes, after the minutes seconds: each runs from 00 to 59.
    later_units = _SEXAGESIMAL[len(_SEXAGESIMAL) - len(rest):]
    for (unit, before, unit_zh, before_zh), count in zip(later_units, parts[1:], strict=True):
        if count > 59:
            raise MarkError(Bilingual(
                f"{given!r} has {count} {unit}: after the {before}, {unit} run from 00 to 59",
                f"{given!r} 的{unit_zh}数为 {count}：{before_zh}后的{unit_zh}数应在 00 到 59 之间"))
    value = Decimal(0)
    for part in parts[:-1]:
        value = (value + part) * 60
    value += Decimal(f"{parts[-1]}.{decimals}" if decimals else parts[-1])
    text = _time_text(value, len(decimals), hand)
    if len(parts) < 3 and parts[0] > 59:
        # 75.20 or 75:12.3: what they mean is certain, but only one way of writing it is kept.
        raise MarkError(Bilingual(
            f"{given!r} is over {'an hour' if len(parts) == 2 else 'a minute'}: write {text}",
            f"{given!r} 超过了{'一小时' if len(parts) == 2 else '一分钟'}：应写作 {text}"))
    if hand and len(decimals) > 1:
        rounded = value.quantize(Decimal("0.1"), rounding=ROUND_CEILING)
        raise MarkError(Bilingual(
            f"{given!r}: hand times are to 0.1 s, rounded up: write {_time_text(rounded, 1, True)}",
            f"{given!r}：手计时精确到 0.1 秒，向上进位：应写作 {_time_text(rounded, 1, True)}"))
    return Mark(measure="time", value=value, text=text, hand=hand)


_SEXAGESIMAL: Final = (("minutes", "hours", "分钟", "小时"), ("seconds", "minutes", "秒", "分钟"))


def _time_text(value: Decimal, decimals: int, hand: bool) -> str:
    """10.91, 1:02.45, 2:01:33.2: the shortest form, with the decimals the mark was taken to."""
    hours, rest = divmod(value, 3600)
    minutes, seconds = divmod(rest, 60)
    two_digit = f"0{3 + decimals if decimals else 2}.{decimals}f"
    if hours:
        text = f"{int(hours)}:{int(minutes):02d}:{seconds:{two_digit}}"
    elif minutes:
        text = f"{int(minutes)}:{seconds:{two_digit}}"
    else:
        text = f"{seconds:.{decimals}f}"
    return text + ("h" if hand else "")


def _parse_metres(given: str, measure: Measure) -> Mark | None:
    match = _METRIC.fullmatch(given)
    if match is None:
        return None
    decimals = match[2] or ""
    if len(decimals) > _METRIC_DECIMALS:
        noun = _WORDINGS[measure].noun
        raise MarkError(Bilingual(
            f"{given!r}: {noun.en}s are measured to the centimetre, at most 2 decimals (6.35)",
            f"{given!r}：{noun.zh}精确到厘米，最多 2 位小数（如 6.35）"))
    value = Decimal(f"{match[1]}.{decimals or '0'}").quantize(Decimal("0.01"))
    return Mark(measure=measure, value=value, text=f"{value:.2f}")


def _parse_score(given: str, measure: Measure) -> Mark | None:
    match = _SCORE.fullmatch(given)
    if match is None:
        return None
    text = str(int(match[1])) + (f".{match[2]}" if match[2] else "")
    return Mark(measure=measure, value=Decimal(text), text=text)


def mark_problems(
    entries: Sequence[MarkedEntry], measure: Measure | None
) -> list[tuple[int, str, Bilingual]]:
    """Every problem with a result's marks as (entry index, "mark", message), by entry.

    Only OK entries' marks are read: a DSQ entry may carry the rule it broke ("TR16.8") and a
    DNF one how far it went. Two kinds of problems:
    - a mark that is not one of the event's `measure` (nothing is checked without a measure);
    - a better mark that does not rank ahead of a worse one: behind it, or tied with it. Equal
      marks may rank apart (a photo finish, a countback) and entries without a mark are not
      compared. Judged marks are exempt (the panel's tie-breaks are not in the mark), and so
      are hand times: timekeepers' watches read 0.1 s apart while the finish judges place
      the runners, so a hand time may disagree with the places by a tenth. The problem is put
      on the better mark (a mistyped digit is likelier than a wrong place in 1, 2, 3, ...)
      and names the worse-marked entry it should lead: the best-ranked one, once per entry.
    """
    if measure is None:
        return []
    problems: list[tuple[int, str, Bilingual]] = []
    compared: list[tuple[int, int, MarkedEntry, Mark]] = []  # (rank, index, entry, mark)
    for index, entry in enumerate(entries):
        if entry.status != "OK" or entry.mark is None:
            continue
        try:
            mark = parse_mark(entry.mark, measure)
        except MarkError as error:
            problems.append((index, "mark", error.problem))
            continue
        if entry.rank is not None and measure != "judged" and not mark.hand:
            compared.append((entry.rank, index, entry, mark))
    compared.sort(key=lambda item: item[:2])
    # The entry a mark passed is the first, in rank order, of those ranked ahead of it or
    # level with it whose mark it beats: where the running worst mark first gets worse than
    # it. A search of that running worst, not a scan of every pair: a 500-entry result (a
    # mass start) took 70 ms of ingest's loop with the pairs.
    ranks = [rank for rank, _, _, _ in compared]
    worst_so_far = list(itertools.accumulate(
        (mark.rank_key for _, _, _, mark in compared), max))
    for rank, index, _, mark in compared:
        level_or_ahead = bisect.bisect_right(ranks, rank)
        first_worse = bisect.bisect_right(worst_so_far, mark.rank_key, hi=level_or_ahead)
        if first_worse < level_or_ahead:
            other_rank, _, other, other_mark = compared[first_worse]
            problems.append((index, "mark", _order_problem(rank, mark, other_rank, other,
                                                           other_mark)))
    return sorted(problems, key=lambda problem: problem[0])


def _order_problem(rank: int, mark: Mark, other_rank: int, other: MarkedEntry,
                   other_mark: Mark) -> Bilingual:
    whose = f"{other_mark.text} of {other.competitor} ({other.delegation})"
    whose_zh = f"{other.competitor}（{other.delegation}）的 {other_mark.text}"
    if rank == other_rank:
        return Bilingual(
            f"{mark.text} beats {whose} but shares rank {rank} with it: tied ranks need "
            "equal marks; check the marks and ranks",
            f"{mark.text} 优于{whose_zh}，却与其并列第 {rank} 名：名次并列的成绩应相同；"
            "请核对成绩和名次")
    return Bilingual(
        f"{mark.text} beats {whose} but ranks {rank}, behind its {other_rank}: a better "
        "mark cannot rank behind a worse one; check the marks and ranks",
        f"{mark.text} 优于{whose_zh}，名次却是第 {rank}，排在其第 {other_rank} 名之后："
        "成绩更好的不能排在后面；请核对成绩和名次")
