"""The columns of each table document and of a delegation's breakdown, shared by the CSV and
XLSX exports and the results book, so every output of a table says the same thing."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from services.broadcast.media.documents import Document, GamesNames
from services.broadcast.media.wording import MEDALS, RECORDS, TABLES, Label

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    label: Label
    value: Callable[[Document, GamesNames], Cell]
    number_format: str | None = None  # the XLSX format of a numeric column

    def text(self, row: Document, names: GamesNames) -> str:
        """The cell as CSV and PDF print it: points with their 2 decimals, nothing as ''."""
        value = self.value(row, names)
        if value is None:
            return ""
        if self.number_format == POINTS_FORMAT and isinstance(value, int | float):
            return f"{value:.2f}"
        return str(value)


POINTS_FORMAT: Final = "0.00"
_INTEGER: Final = "0"


def _field(key: str) -> Callable[[Document, GamesNames], Cell]:
    def value(row: Document, names: GamesNames) -> Cell:
        cell: Cell = row.get(key)
        return cell

    return value


def _english_name(row: Document, names: GamesNames) -> Cell:
    return names.delegation(row["delegation"]).en


def _both_names(row: Document, names: GamesNames) -> Cell:
    return f"{row['name']}\n{names.delegation(row['delegation']).en}"


_RANK: Final = Column(Label("名次", "Rank"), _field("rank"), _INTEGER)
# Spreadsheets keep the code and each name in a column of its own; print has less room.
_LEADING: Final = (
    _RANK,
    Column(Label("代码", "Code"), _field("delegation")),
    Column(Label("代表团", "Delegation"), _field("name")),
    Column(Label("英文名", "Name (English)"), _english_name),
)
_PRINTED_LEADING: Final = (_RANK, Column(Label("代表团", "Delegation"), _both_names))
_MEDALS: Final = (
    Column(Label("金牌", "Gold"), _field("gold"), _INTEGER),
    Column(Label("银牌", "Silver"), _field("silver"), _INTEGER),
    Column(Label("铜牌", "Bronze"), _field("bronze"), _INTEGER),
    Column(Label("合计", "Total"), _field("total"), _INTEGER),
)
_COMBINED: Final = (
    Column(Label("综合得分", "Score"), _field("score"), _INTEGER),
    Column(Label("奖牌榜名次", "Medal Rank"), _field("medal_rank"), _INTEGER),
    Column(Label("总分榜名次", "Points Rank"), _field("points_rank"), _INTEGER),
)


def _place_count(place: int) -> Callable[[Document, GamesNames], Cell]:
    def value(row: Document, names: GamesNames) -> Cell:
        counts: Sequence[int] = row.get("places", ())
        return counts[place - 1] if place <= len(counts) else 0

    return value


def _english_ordinal(number: int) -> str:
    teens = 10 <= number % 100 <= 20
    return f"{number}{'th' if teens else {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"


def table_columns(kind: str, table: Document, printed: bool = False) -> tuple[Column, ...]:
    """The columns of a `kind` (medals, points, combined) table; a points table adds its
    countback (how many 1st, 2nd, ... places), as many as the rows carry. `printed`: the
    narrower columns of a page, with both of a delegation's names in one."""
    leading = _PRINTED_LEADING if printed else _LEADING
    if kind == "medals":
        return (*leading, *_MEDALS)
    if kind == "points":
        places = max((len(row.get("places", ())) for row in table["rows"]), default=0)
        countback = tuple(
            Column(Label(f"第{place}名", f"{_english_ordinal(place)} Places"),
                   _place_count(place), _INTEGER)
            for place in range(1, places + 1)
        )
        return (*leading, Column(Label("总分", "Points"), _field("points"), POINTS_FORMAT),
                *countback)
    if kind == "combined":
        return (*leading, *_COMBINED)
    raise ValueError(f"unknown table kind {kind!r}; expected one of {', '.join(TABLES)}")


def _labelled(key: str, labels: dict[str, Label]) -> Callable[[Document, GamesNames], Cell]:
    def value(row: Document, names: GamesNames) -> Cell:
        code = row.get(key)
        return None if code is None else labels[code].zh

    return value


BREAKDOWN_COLUMNS: Final = (
    Column(Label("代码", "Code"), _field("delegation")),
    Column(Label("代表团", "Delegation"), _field("delegation_name")),
    Column(Label("项目代码", "Event ID"), _field("event_id")),
    Column(Label("组别", "Group"), _field("group_name")),
    Column(Label("项目", "Event"), _field("event_name")),
    Column(Label("运动员/队", "Competitor"), _field("competitor")),
    Column(Label("名次", "Rank"), _field("rank"), _INTEGER),
    Column(Label("成绩", "Mark"), _field("mark")),
    Column(Label("纪录", "Record"), _labelled("record", RECORDS)),
    Column(Label("奖牌", "Medal"), _labelled("medal", MEDALS)),
    Column(Label("得分", "Points"), _field("points"), POINTS_FORMAT),
    Column(Label("版本", "Revision"), _field("revision"), _INTEGER),
    Column(Label("更正", "Corrected"), _field("correction")),
    Column(Label("发布时间", "Accepted At"), _field("accepted_at")),
)
