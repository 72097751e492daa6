"""The daily report draft (战报): plain text in the games' own wording, for editors to paste,
and one per delegation for the county media centres.

    截至9月21日18时，沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜第三名、综合榜第三名

then the day's medallists by event (with corrections noted) and the records broken. The
time is the newest `updated_at` of the tables the standings come from.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Final

from services.broadcast.media.documents import (
    Document,
    GamesNames,
    is_tied,
    medallists,
    official_results_of,
)
from services.broadcast.media.wording import (
    MEDALS,
    RECORDS,
    TABLES,
    beijing,
    hour_words,
    month_day,
    points_text,
    rank_words,
)

# The tables a delegation's ranks are read from, in the order the sentence names them.
REPORT_TABLES: Final = ("medals:all", "points:all", "combined:all")
_MEDAL_WORDS: Final = {"gold": "金", "silver": "银", "bronze": "铜"}


def daily_report(
    games: Document, documents: Iterable[Document], standings: Mapping[str, Document],
    day: date, delegation: str | None = None,
) -> str:
    """The day's report; with `delegation` (a code), that delegation's. `standings` holds at
    least the tables of REPORT_TABLES as they stood when the report is written."""
    missing = [channel for channel in REPORT_TABLES if channel not in standings]
    if missing:
        raise ValueError(f"the report needs the tables {', '.join(missing)}")
    names = GamesNames.of(games)
    if delegation is not None and delegation not in names.delegations:
        raise ValueError(f"unknown delegation {delegation!r}; expected one of "
                         f"{', '.join(names.delegation_order)}")
    results = official_results_of(documents, day)
    as_of = max(beijing(standings[channel]["updated_at"]) for channel in REPORT_TABLES)
    if delegation is None:
        return _games_report(names, results, standings, day, as_of)
    return _delegation_report(names, results, standings, day, as_of, delegation)


def standing_sentence(standings: Mapping[str, Document], delegation: str, as_of: datetime) -> str:
    """'截至9月21日18时，沁阳市代表团以5金3银2铜列奖牌榜第三名、总分榜第三名、综合榜第三名'."""
    return f"截至{month_day(as_of)}{hour_words(as_of)}，{_ranking(standings, delegation)}"


def _ranking(standings: Mapping[str, Document], delegation: str) -> str:
    ranks = []
    for channel in REPORT_TABLES:
        rows = standings[channel]["rows"]
        row = next(row for row in rows if row["delegation"] == delegation)
        ranks.append(f"{TABLES[channel.partition(':')[0]].zh}"
                     f"{rank_words(row['rank'], is_tied(rows, row['rank']))}")
    medals = next(row for row in standings["medals:all"]["rows"]
                  if row["delegation"] == delegation)
    counts = _medal_counts(medals)
    return f"{medals['name']}代表团{f'以{counts}' if counts else ''}列{'、'.join(ranks)}"


def _medal_counts(counts: Mapping[str, int]) -> str:
    """'5金3银2铜', leaving out a colour with none ('3金1铜'); '' for no medal at all."""
    return "".join(f"{counts[medal]}{word}" for medal, word in _MEDAL_WORDS.items()
                   if counts.get(medal))


def _games_report(
    names: GamesNames, results: Sequence[Document], standings: Mapping[str, Document],
    day: date, as_of: datetime,
) -> str:
    order = [row["delegation"] for row in standings["medals:all"]["rows"]]
    decided = sum(1 for document in results if medallists(document))
    lines = [
        f"{names.games.zh}战报（{month_day(day)}）", "",
        f"{month_day(day)}，{names.games.zh}共有{decided}个项目决出奖牌。"
        f"截至{month_day(as_of)}{hour_words(as_of)}，各代表团排名如下：",
        *(f"{_ranking(standings, code)}{'。' if index == len(order) - 1 else '；'}"
          for index, code in enumerate(order)),
        "", "【今日奖牌】",
        *(_medals_line(names, document) for document in results if medallists(document)),
        "", "【打破纪录】",
        *(_records_lines(names, results, None) or ["今日无新纪录。"]),
    ]
    return "\n".join(lines) + "\n"


def _delegation_report(
    names: GamesNames, results: Sequence[Document], standings: Mapping[str, Document],
    day: date, as_of: datetime, delegation: str,
) -> str:
    name = names.delegation(delegation).zh
    points = next(row for row in standings["points:all"]["rows"]
                  if row["delegation"] == delegation)["points"]
    won = [(document, entry) for document in results for entry in medallists(document)
           if entry["delegation"] == delegation]
    day_counts = {medal: sum(1 for _, entry in won if entry["medal"] == medal)
                  for medal in MEDALS}
    lines = [
        f"{names.games.zh}{name}代表团战报（{month_day(day)}）", "",
        f"{standing_sentence(standings, delegation, as_of)}，累计总分{points_text(points)}分。",
    ]
    if won:
        lines.append(f"{month_day(day)}，{name}代表团获得{_medal_counts(day_counts)}：")
        lines.extend(f"{_event_name(names, document)} {MEDALS[entry['medal']].zh} "
                     f"{_competitor(entry, with_delegation=False)}" for document, entry in won)
    else:
        lines.append(f"{month_day(day)}，{name}代表团未获得奖牌。")
    records = _records_lines(names, results, delegation)
    if records:
        lines.extend(["", "【打破纪录】", *records])
    return "\n".join(lines) + "\n"


def _event_name(names: GamesNames, document: Document) -> str:
    event = document["event"]
    return f"{names.group(event['group']).zh}{event['name']}"


def _competitor(entry: Document, with_delegation: bool = True) -> str:
    text = str(entry["competitor"])
    if with_delegation:
        text += f"（{entry['delegation_name']}）"
    if entry.get("mark"):
        text += f"{'' if with_delegation else ' '}{entry['mark']}"
    return text


def _medals_line(names: GamesNames, document: Document) -> str:
    """'青少年组男子1500米：金牌 李明（沁阳市）3:58.12，银牌 …。', ties joined by '、'."""
    parts = []
    for medal, label in MEDALS.items():
        winners = [entry for entry in medallists(document) if entry["medal"] == medal]
        if winners:
            parts.append(f"{label.zh} " + "、".join(_competitor(entry) for entry in winners))
    line = f"{_event_name(names, document)}：{'，'.join(parts)}。"
    if document["correction"]:
        line += f"（成绩更正：{document['note']}）" if document["note"] else "（成绩更正）"
    return line


def _records_lines(
    names: GamesNames, results: Sequence[Document], delegation: str | None
) -> list[str]:
    """'青少年组男子1500米 李明（沁阳市）3:58.12，打破赛会纪录。' for each record entry."""
    return [
        f"{_event_name(names, document)} {_competitor(entry)}，"
        f"打破{RECORDS[entry['record']].zh}。"
        for document in results
        for entry in document["entries"]
        if entry.get("record") and delegation in (None, entry["delegation"])
    ]
