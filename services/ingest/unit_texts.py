# Chinese messages use full-width punctuation on purpose.
"""The units' refusals in Chinese beside their English (texts.py does the same for the
engine's rank rules).

shared/domain/unit_status.py, qualification.py and start_lists.py word their reasons in
English only; the rules live there, once, and are only translated here, pattern by pattern.
tests/unit/test_ingest_units.py makes every one of them fire, so a rewording there fails a
test here.
"""

from __future__ import annotations

import re

from services.ingest.texts import Text, Translations, translated

_STATUS_ZH = {
    "scheduled": "按计划", "start_list": "已发布秩序册", "running": "进行中", "delayed": "推迟",
    "postponed": "延期", "unofficial": "待确认", "official": "成绩正式", "cancelled": "成绩已取消",
}


def status_zh(status: str) -> str:
    return _STATUS_ZH.get(status, status)


_UNIT: Translations = (
    (re.compile(r"starts_at applies to delayed, postponed and scheduled, not to (\w+)"),
     lambda m: f"只有推迟（delayed）、延期（postponed）和按计划（scheduled）可以填写开始时间，"
               f"{status_zh(m[1])}（{m[1]}）不能"),
    (re.compile(r"a running unit has started and cannot be delayed; .*"),
     lambda m: "进行中的赛次已经开始，不能推迟；如果改到其他日子请设为延期（postponed），"
               "如果误设为进行中请设回按计划（scheduled）"),
    (re.compile(r"a postponed unit needs its new start first: .*"),
     lambda m: "延期的赛次需要先确定新的开始时间：请先设为按计划（scheduled）并填写开始时间，"
               "再设为进行中"),
    (re.compile(r"a postponed unit has no start to delay: .*"),
     lambda m: "延期的赛次没有可推迟的开始时间：请设为按计划（scheduled）并填写新的开始时间"),
    (re.compile(r"the unit's result awaits confirmation; confirm or correct the result "
                r"instead of setting it (\w+)"),
     lambda m: f"该赛次成绩待确认：请确认或更正成绩，不能设为{status_zh(m[1])}"),
    (re.compile(r"an official unit cannot be set (\w+); correct its result instead"),
     lambda m: f"成绩已正式的赛次不能设为{status_zh(m[1])}；请更正成绩"),
    (re.compile(r"the unit's result was withdrawn \(cancelled\); enter a new result revision "
                r"instead of setting it (\w+)"),
     lambda m: f"该赛次成绩已取消；请录入新的成绩版本，不能设为{status_zh(m[1])}"),
    (re.compile(r"the unit is (\w+): its start list can no longer change once it has started"),
     lambda m: f"该赛次{status_zh(m[1])}：已经开始，秩序册不能再改"),
    (re.compile(r"starts_at needs its UTC offset, e.g. (.*)"),
     lambda m: f"开始时间需要带时区，例如 {m[1]}"),
    (re.compile(r"a unit (\w+) starts later: (\S+) is not after its current start (\S+)"),
     lambda m: f"{status_zh(m[1])}的赛次只能更晚开始：{m[2]} 不晚于当前开始时间 {m[3]}"),
    (re.compile(r"a delay needs the new starts_at"),
     lambda m: "推迟需要填写新的开始时间（starts_at）"),
    (re.compile(r"a postponed unit is scheduled again at its new start: give starts_at"),
     lambda m: "延期的赛次重新安排时需要填写新的开始时间（starts_at）"),
    (re.compile(r"(\S+) already has a result: its start list stays as it was run, so the "
                r"corrected heat no longer changes who goes on"),
     lambda m: f"{m[1]} 已有成绩：其秩序册保持比赛时的样子，更正预赛成绩不再改变晋级名单，"
               "因此不能接受此更正"),
    (re.compile(r"(\S+) is (\w+): its start list can no longer change"),
     lambda m: f"{m[1]} {status_zh(m[2])}：其秩序册不能再改，因此不能接受此更正"),
    (re.compile(r"(\d+) entries do not fit (\d+) unit\(s\) of (\d+) lanes: add a heat"),
     lambda m: f"{m[1]} 名报名运动员排不进 {m[2]} 个赛次（每个 {m[3]} 道）：请增加预赛组数"),
)


def unit_text(reason: str) -> Text:
    """A units' rule's reason in both languages (English alone if it has no translation)."""
    return translated(reason, _UNIT)
