"""A games day for the media renderers' tests: result revisions on the shipped games, scored
by the real engine into the documents broadcast holds (event documents and stamped tables)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bench.media import published
from shared.contract.messages import AcceptedResult
from shared.domain.engine import Entry, Result
from tests.unit.shipped import GAMES, RULES

GAMES_DOCUMENT: dict[str, Any] = GAMES.public_document()
DAY = date(2024, 9, 21)
TABLES_AT = datetime.fromisoformat("2024-09-21T18:00:00+08:00")
LIVE = "https://podium.example/#/event/"


def revision(
    event_id: str, number: int, status: str, entries: Sequence[dict[str, Any]],
    note: str | None = None, at: str = "2024-09-21T10:02:11+08:00",
) -> AcceptedResult:
    result = Result(event_id=event_id, revision=number, status=status, note=note,
                    entries=tuple(Entry.model_validate(entry) for entry in entries))
    return AcceptedResult.of(result, submission_id=number, accepted_at=datetime.fromisoformat(at),
                             entered_by="裁判 张")


@dataclass(frozen=True)
class ScoredDay:
    documents: dict[str, dict[str, Any]]  # event id -> `GET /v1/events/{id}`
    tables: dict[str, dict[str, Any]]  # channel -> stamped table document


def scored(revisions: Sequence[AcceptedResult], version: int = 17) -> ScoredDay:
    """The documents after `revisions` as scoring publishes them."""
    return ScoredDay(*published(GAMES, RULES, revisions, version, TABLES_AT))


def _ok(rank: int, delegation: str, competitor: str, mark: str, **more: Any) -> dict[str, Any]:
    return {"rank": rank, "delegation": delegation, "competitor": competitor, "mark": mark,
            **more}


MEN_1500M_FIRST = [
    _ok(1, "mengzhou", "王强", "3:58.40"),
    _ok(2, "qinyang", "李明", "3:58.12"),
    _ok(3, "wuzhi", "张伟", "4:02.77"),
    _ok(4, "boai", "赵刚", "4:05.01"),
    {"rank": None, "delegation": "xiuwu", "competitor": "刘洋", "status": "DNF"},
    {"rank": None, "delegation": "wenxian", "competitor": "陈杰", "status": "DNS"},
]
MEN_1500M_CORRECTED = [
    _ok(1, "qinyang", "李明", "3:58.12", record="games"),
    _ok(2, "mengzhou", "王强", "3:58.40"),
    *MEN_1500M_FIRST[2:],
]
CORRECTION_NOTE = "计时错误，更正名次"
WOMEN_DOUBLE_SCULLS = [
    _ok(1, "qinyang", "沁阳市一队", "7:31.20", members=["周芳", "吴娜"]),
    _ok(2, "mengzhou", "孟州市队", "7:35.02", members=["徐敏", "孙静"]),
    _ok(3, "jiefang", "解放区队", "7:40.55", members=["胡艳", "朱霞"]),
    _ok(3, "macun", "马村区队", "7:40.55", members=["高平", "林秀兰"]),
    _ok(5, "wuzhi", "武陟县队", "7:52.10", members=["何桂英", "郭海燕"]),
]
CANCEL_NOTE = "器材故障 成绩取消 择期重赛"

REVISIONS = [
    revision("ath-youth-m-100m", 1, "official", [
        _ok(1, "qinyang", "李明", "10.88", record="games"), _ok(2, "mengzhou", "王强", "11.02"),
        _ok(3, "wuzhi", "赵刚", "11.10"), _ok(4, "xiuwu", "黄磊", "11.25"),
    ], at="2024-09-20T09:12:00+08:00"),
    revision("ath-youth-m-1500m", 1, "official", MEN_1500M_FIRST, at="2024-09-21T09:20:00+08:00"),
    revision("ath-youth-m-1500m", 2, "official", MEN_1500M_CORRECTED, note=CORRECTION_NOTE,
             at="2024-09-21T10:02:11+08:00"),
    revision("row-youth-f-2x", 1, "official", WOMEN_DOUBLE_SCULLS, at="2024-09-21T09:31:00+08:00"),
    revision("tc-rural-m-traditional", 1, "official", [
        _ok(1, "wenxian", "马超", "9.45"), _ok(2, "boai", "罗勇", "9.30"),
        _ok(3, "xiuwu", "杨军", "9.10"),
    ], at="2024-09-21T09:00:00+08:00"),
    revision("tc-rural-m-traditional", 2, "cancelled", [], note=CANCEL_NOTE,
             at="2024-09-21T11:00:00+08:00"),
    revision("walk-open-m-10km", 1, "provisional", [
        _ok(1, "shanyang", "林涛", "1:05:12"), _ok(2, "zhongzhan", "何军", "1:06:40"),
    ], at="2024-09-21T09:30:00+08:00"),
]
DAY_SCORED = scored(REVISIONS)
