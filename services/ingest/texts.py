# Chinese messages use full-width punctuation on purpose.
"""What ingest tells officials, in Chinese and English, and which of the two a client wants.

Officials at the venues read Chinese; API clients mostly English. Every message is written in
both, and `Accept-Language` picks one (English unless Chinese is preferred).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic_core import ErrorDetails

from shared.adapters.web import Problem

Lang = Literal["en", "zh"]


@dataclass(frozen=True)
class Text:
    en: str
    zh: str

    def in_(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Issue:
    """One problem with a submission: where (a JSON pointer) and what, in both languages."""

    pointer: str
    text: Text

    def problem(self, lang: Lang) -> Problem:
        return Problem(self.pointer, self.text.in_(lang))


def negotiate(accept_language: str) -> Lang:
    """Chinese when the client prefers it to English (RFC 9110 q-values; on a tie, the one
    listed first), else English."""
    best: tuple[float, Lang] = (0.0, "en")
    for item in accept_language.split(","):
        tag, *params = item.split(";")
        language = tag.strip().lower().partition("-")[0]
        if language in ("zh", "en"):
            quality = _quality(params)
            if quality > best[0]:
                best = (quality, "zh" if language == "zh" else "en")
    return best[1]


def _quality(params: list[str]) -> float:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0  # a malformed weight counts for nothing
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


# --- Shape problems found by pydantic ---------------------------------------------------

def shape_text(error: ErrorDetails) -> Text:
    """A pydantic error as an official would say it; our own error types carry both texts."""
    kind = error["type"]
    context = error.get("ctx") or {}
    if "zh" in context:  # raised by our validators with both texts (validation.py)
        return Text(str(context["en"]), str(context["zh"]))
    given = error.get("input")
    describe = _SHAPES.get(kind)
    if describe is not None:
        return describe(context, given)
    return Text(error["msg"], f"格式不对：{error['msg']}")


def _choices(context: Mapping[str, object], given: object) -> Text:
    # pydantic lists them as "'a', 'b' or 'c'"
    expected = re.findall(r"'([^']*)'", str(context.get("expected", "")))
    return Text(f"must be one of {', '.join(expected)}; got {given!r}",
                f"应为 {'、'.join(expected)} 之一，收到 {given!r}")


_SHAPES: dict[str, Callable[[Mapping[str, object], object], Text]] = {
    "missing": lambda c, g: Text("required, but missing", "必填，但没有填写"),
    "extra_forbidden": lambda c, g: Text(
        "unknown field (a typo?); it is not part of a result",
        "未知字段（拼写错误？）：结果中没有这一项"),
    "int_type": lambda c, g: Text(f"must be a whole number, not {g!r}", f"应为整数，而不是 {g!r}"),
    "string_type": lambda c, g: Text(f"must be text, not {g!r}", f"应为文字，而不是 {g!r}"),
    "list_type": lambda c, g: Text("must be a list [...]", "应为列表 [...]"),
    "tuple_type": lambda c, g: Text("must be a list [...]", "应为列表 [...]"),
    "model_type": lambda c, g: Text("must be a JSON object {...}", "应为 JSON 对象 {...}"),
    "dict_type": lambda c, g: Text("must be a JSON object {...}", "应为 JSON 对象 {...}"),
    "literal_error": _choices,
    "enum": _choices,
    "string_too_short": lambda c, g: Text("must not be empty", "不能为空"),
    "string_too_long": lambda c, g: Text(
        f"too long: at most {c.get('max_length')} characters",
        f"太长：最多 {c.get('max_length')} 个字符"),
    "too_long": lambda c, g: Text(
        f"too many: at most {c.get('max_length')} items", f"太多：最多 {c.get('max_length')} 项"),
    "greater_than_equal": lambda c, g: Text(
        f"must be at least {c.get('ge')}, not {g!r}", f"不能小于 {c.get('ge')}，收到 {g!r}"),
    "less_than_equal": lambda c, g: Text(
        f"must be at most {c.get('le')}, not {g!r}", f"不能大于 {c.get('le')}，收到 {g!r}"),
}


# --- Problems found by the scoring engine -------------------------------------------------
# shared/domain/engine.py:rank_problems words its findings in English only. The rules live
# there, once; here they are only translated, pattern by pattern. tests/unit/
# test_ingest_texts.py makes every one of them fire, so a rewording there fails a test here.

_ENGINE: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], Mapping[str, str]], str]], ...] = (
    (re.compile(r"unknown status '(.*)'; expected one of (.*)"),
     lambda m, n: f"没有状态 '{m[1]}'；应为 {m[2]} 之一"),
    (re.compile(r"unknown record level '(.*)'; expected one of (.*)"),
     lambda m, n: f"没有纪录级别 '{m[1]}'；应为 {m[2]} 之一"),
    (re.compile(r"an OK entry needs its rank .*"),
     lambda m, n: "成绩正常（OK）的条目必须填写名次（1、2、3……）"),
    (re.compile(r"rank (-?\d+) is not valid: ranks start at 1"),
     lambda m, n: f"名次 {m[1]} 无效：名次从 1 开始"),
    (re.compile(r"a (\w+) entry has no rank; send rank null instead of (-?\d+)"),
     lambda m, n: f"{m[1]} 的条目没有名次：请清空名次（不要填 {m[2]}）"),
    (re.compile(r"a (\w+) entry cannot set a record"),
     lambda m, n: f"{m[1]} 的条目不能创纪录"),
    (re.compile(r"(.*) of ([a-z0-9-]+) is already listed as entry (\d+)"),
     lambda m, n: f"{n.get(m[2], m[2])}的{m[1]}已在第 {int(m[3]) + 1} 行填写过"),
    (re.compile(r"rank (\d+) should be 1: no entry is ranked better"),
     lambda m, n: f"名次 {m[1]} 应为 1：没有排在更前面的条目"),
    (re.compile(r"rank (\d+) follows a tie at (\d+) and should be (\d+)"),
     lambda m, n: f"名次 {m[1]} 应为 {m[3]}：前面有并列第 {m[2]} 名"),
    (re.compile(r"rank (\d+) should be (\d+): (?:1 entry is|(\d+) entries are) ranked better"),
     lambda m, n: f"名次 {m[1]} 应为 {m[2]}：前面已有 {m[3] or 1} 个条目"),
)


def engine_text(message: str, delegation_names: Mapping[str, str]) -> Text:
    """An engine finding in both languages (English alone if it has no translation yet)."""
    for pattern, translate in _ENGINE:
        match = pattern.fullmatch(message)
        if match:
            return Text(message, translate(match, delegation_names))
    return Text(message, message)


# A rule's English message (pattern) and its Chinese (from the pattern's groups).
Translations = tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]


# --- Problems of a match's result (shared/domain/matches.py, tournaments.py) ---------------
# Worded in English there, once; the ones officials meet most are translated here.

_MATCH: Translations = (
    (re.compile(r"(\d+-\d+) is a draw, and (?:a knockout match|a match of this sport) cannot "
                r"end level: overtime is played until one side leads"),
     lambda m: f"{m[1]} 是平局，这场比赛不能打平：加时赛直到一方领先"),
    (re.compile(r"(\d+-\d+) is not a finished set: set (\d+) goes to (\d+)(, won by 2 clear "
                r"points)?"),
     lambda m: f"{m[1]} 不是打完的一局：第 {m[2]} 局先得 {m[3]} 分"
               f"{'且领先 2 分' if m[4] else ''}者胜"),
    (re.compile(r"(\S+) does not play (\S+): (.*) do"),
     lambda m: f"{m[1]} 不参加 {m[2]}：对阵为 {m[3]}"),
    (re.compile(r"the sides of (\S+) are not known yet \((.*)\)"),
     lambda m: f"{m[1]} 的对阵尚未确定（{m[2]}）"),
    (re.compile(r"the periods add up to (\d+-\d+), not (\d+-\d+)"),
     lambda m: f"各节比分合计为 {m[1]}，不是 {m[2]}"),
)


def translated(message: str, translations: Translations) -> Text:
    """A rule's English message in both languages, by the first pattern it matches (English
    alone if it has no translation yet)."""
    for pattern, translate in translations:
        found = pattern.fullmatch(message)
        if found:
            return Text(message, translate(found))
    return Text(message, message)


def match_text(message: str) -> Text:
    """A match result's problem in both languages."""
    return translated(message, _MATCH)
