"""The daily report draft for a hand-made day, word for word."""

from datetime import date
from typing import Any

import pytest

from services.broadcast.media.report import daily_report, standing_sentence
from services.broadcast.media.wording import beijing
from tests.unit.media_day import GAMES_DOCUMENT

DAY = date(2024, 9, 21)
NAMES = {d["code"]: d["name"] for d in GAMES_DOCUMENT["delegations"]}


def table(ranks: dict[str, int], updated_at: str, **columns: dict[str, Any]) -> dict[str, Any]:
    """A table whose rows are `ranks` (delegation → rank) with extra columns by delegation."""
    rows = [{"rank": rank, "delegation": code, "name": NAMES[code],
             **{key: values.get(code, 0) for key, values in columns.items()}}
            for code, rank in sorted(ranks.items(), key=lambda item: item[1])]
    return {"group": "all", "version": 40, "updated_at": updated_at, "rows": rows}


OTHERS = ("jiefang", "zhongzhan", "macun", "shanyang", "shifanqu", "xiuwu", "boai", "wuzhi")
STANDINGS = {
    "medals:all": table(
        {"mengzhou": 1, "wenxian": 2, "qinyang": 3, **{code: 4 for code in OTHERS}},
        "2024-09-21T09:58:00+00:00",  # 17:58 in Beijing
        gold={"mengzhou": 7, "wenxian": 6, "qinyang": 5},
        silver={"mengzhou": 2, "wenxian": 4, "qinyang": 3},
        bronze={"mengzhou": 1, "wenxian": 0, "qinyang": 2},
    ),
    "points:all": table(
        {"mengzhou": 1, "qinyang": 2, "wenxian": 2, **{code: 4 for code in OTHERS}},
        "2024-09-21T18:00:00+08:00", points={"mengzhou": 120.5, "qinyang": 98, "wenxian": 98},
    ),
    "combined:all": table(
        {"mengzhou": 1, "qinyang": 3, "wenxian": 2, **{code: 4 for code in OTHERS}},
        "2024-09-21T17:30:00+08:00",
    ),
}


Entry = tuple[int, str, str, str | None, str | None, str | None]


def result(event_id: str, name: str, group: str, at: str, entries: list[Entry],
           status: str = "official", correction: bool = False,
           note: str | None = None) -> dict[str, Any]:
    return {"event": {"id": event_id, "name": name, "group": group, "scheduled_at": at},
            "status": status, "revision": 2 if correction else 1, "correction": correction,
            "note": note, "entries": [
                {"rank": rank, "delegation": code, "delegation_name": NAMES[code],
                 "competitor": competitor, "mark": mark, "record": record, "medal": medal,
                 "points": 0} for rank, code, competitor, mark, record, medal in entries]}


DOCUMENTS = [
    result("ath-youth-m-1500m", "男子1500米", "youth", "2024-09-21T09:00:00+08:00", [
        (1, "qinyang", "李明", "3:58.12", "games", "gold"),
        (2, "mengzhou", "王强", "3:58.40", None, "silver"),
        (3, "wuzhi", "张伟", "4:02.77", None, "bronze"),
    ], correction=True, note="计时错误，更正名次"),
    result("tt-workers-m-singles", "男子单打", "workers", "2024-09-21T10:00:00+08:00", [
        (1, "wenxian", "马超", None, None, "gold"), (2, "qinyang", "罗勇", None, None, "silver"),
        (3, "boai", "杨军", None, None, "bronze"), (3, "xiuwu", "黄磊", None, None, "bronze"),
    ]),
    result("walk-open-m-10km", "男子10公里健步走", "open", "2024-09-21T08:00:00+08:00", [
        (1, "shanyang", "林涛", "1:05:12", None, None),
    ], status="provisional"),
    result("ath-youth-m-100m", "男子100米", "youth", "2024-09-20T09:00:00+08:00", [
        (1, "qinyang", "赵刚", "10.91", "provincial", "gold"),
    ]),
]


def test_the_sentence_in_the_games_wording() -> None:
    as_of = beijing("2024-09-21T18:00:00+08:00")
    third = {**STANDINGS, "points:all": table(
        {"mengzhou": 1, "wenxian": 2, "qinyang": 3, **{code: 4 for code in OTHERS}},
        "2024-09-21T18:00:00+08:00")}
    assert standing_sentence(third, "qinyang", as_of) == (
        "截至9月21日18时，沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜第三名、综合榜第三名")
    assert standing_sentence(STANDINGS, "qinyang", as_of) == (
        "截至9月21日18时，沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜并列第二名、综合榜第三名")
    assert standing_sentence(STANDINGS, "wenxian", beijing("2024-09-21T18:35:00+08:00")) == (
        "截至9月21日18时35分，温县代表团以6金4银列奖牌榜第二名、总分榜并列第二名、综合榜第二名")
    assert standing_sentence(STANDINGS, "boai", as_of) == (
        "截至9月21日18时，博爱县代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名")


def test_the_days_report() -> None:
    assert daily_report(GAMES_DOCUMENT, DOCUMENTS, STANDINGS, DAY) == """\
焦作市第十四届运动会战报（9月21日）

9月21日，焦作市第十四届运动会共有2个项目决出奖牌。截至9月21日18时，各代表团排名如下：
孟州市代表团以7金2银1铜列奖牌榜第一名、总分榜第一名、综合榜第一名；
温县代表团以6金4银列奖牌榜第二名、总分榜并列第二名、综合榜第二名；
沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜并列第二名、综合榜第三名；
解放区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
中站区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
马村区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
山阳区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
城乡一体化示范区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
修武县代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
博爱县代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名；
武陟县代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名。

【今日奖牌】
青少年组男子1500米：金牌 李明（沁阳市）3:58.12，银牌 王强（孟州市）3:58.40，\
铜牌 张伟（武陟县）4:02.77。（成绩更正：计时错误，更正名次）
职工组男子单打：金牌 马超（温县），银牌 罗勇（沁阳市），铜牌 杨军（博爱县）、黄磊（修武县）。

【打破纪录】
青少年组男子1500米 李明（沁阳市）3:58.12，打破赛会纪录。
"""


def test_a_delegations_report() -> None:
    assert daily_report(GAMES_DOCUMENT, DOCUMENTS, STANDINGS, DAY, "qinyang") == """\
焦作市第十四届运动会沁阳市代表团战报（9月21日）

截至9月21日18时，沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜并列第二名、综合榜第三名，累计总分98分。
9月21日，沁阳市代表团获得1金1银：
青少年组男子1500米 金牌 李明 3:58.12
职工组男子单打 银牌 罗勇

【打破纪录】
青少年组男子1500米 李明（沁阳市）3:58.12，打破赛会纪录。
"""
    assert daily_report(GAMES_DOCUMENT, DOCUMENTS, STANDINGS, DAY, "zhongzhan") == """\
焦作市第十四届运动会中站区代表团战报（9月21日）

截至9月21日18时，中站区代表团列奖牌榜并列第四名、总分榜并列第四名、综合榜并列第四名，累计总分0分。
9月21日，中站区代表团未获得奖牌。
"""


def test_a_day_without_records_says_so() -> None:
    text = daily_report(GAMES_DOCUMENT, DOCUMENTS[1:], STANDINGS, DAY)
    assert text.endswith("【打破纪录】\n今日无新纪录。\n")


def test_the_report_needs_its_tables_and_a_known_delegation() -> None:
    with pytest.raises(ValueError, match="needs the tables combined:all"):
        daily_report(GAMES_DOCUMENT, DOCUMENTS, {k: v for k, v in STANDINGS.items()
                                                 if k != "combined:all"}, DAY)
    with pytest.raises(ValueError, match="unknown delegation 'mars'"):
        daily_report(GAMES_DOCUMENT, DOCUMENTS, STANDINGS, DAY, "mars")
