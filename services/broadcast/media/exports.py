"""The tables and each delegation's breakdown as CSV and XLSX, for editors: data to copy and
to check a dispute with, rather than a PDF to retype.

CSV is UTF-8 with a byte order mark, which Excel needs to read Chinese; both formats start
with one header row naming each column in Chinese and English. In XLSX numbers are numbers
(points with two decimals shown), the header row is frozen and filterable, and each column
is as wide as its longest cell.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.broadcast.media.columns import BREAKDOWN_COLUMNS, Column, table_columns
from services.broadcast.media.documents import Document, GamesNames, display_order
from services.broadcast.media.wording import clock


@dataclass(frozen=True)
class Sheet:
    """One table of an export: a sheet of a workbook, or the whole of a CSV file."""

    title: str  # an XLSX sheet name: at most 31 characters, none of []:*?/\
    columns: Sequence[Column]
    rows: Sequence[Document]


def table_sheet(channel: str, table: Document) -> Sheet:
    """The sheet of a table document published on `channel` (e.g. 'medals:youth')."""
    kind, _, group = channel.partition(":")
    return Sheet(f"{kind}-{group}", table_columns(kind, table), table["rows"])


def csv_bytes(sheet: Sheet, games: Document) -> bytes:
    names = GamesNames.of(games)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.label.both() for column in sheet.columns])
    for row in sheet.rows:
        writer.writerow([column.text(row, names) for column in sheet.columns])
    return out.getvalue().encode("utf-8-sig")


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")


def xlsx_bytes(sheets: Sequence[Sheet], games: Document, title: str) -> bytes:
    """A workbook with one sheet per table; `title` goes into its document properties."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    names = GamesNames.of(games)
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    workbook.properties.title = title
    workbook.properties.creator = "Podium"
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        worksheet.append([column.label.both() for column in sheet.columns])
        for row in sheet.rows:
            worksheet.append([column.value(row, names) for column in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            header = worksheet.cell(row=1, column=index)
            header.font, header.fill = _HEADER_FONT, _HEADER_FILL
            header.alignment = Alignment(vertical="center")
            if column.number_format is not None:
                for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = column.number_format
            widest = max(_display_width(column.text(row, names)) for row in sheet.rows) \
                if sheet.rows else 0
            width = max(widest, _display_width(column.label.both())) + 2
            worksheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
        worksheet.freeze_panes = "A2"
        worksheet.auto_filter.ref = worksheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _display_width(text: str) -> int:
    # Spreadsheet widths count Latin characters; a CJK (wide) character takes two.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def tables_title(games: Document, channels: Iterable[str], tables: Mapping[str, Document]) -> str:
    """What a workbook holds, for its properties: the games, each table's version and time."""
    parts = [f"{channel} v{tables[channel]['version']} {clock(tables[channel]['updated_at'])}"
             for channel in channels]
    return f"{games['name']} " + "; ".join(parts)


def breakdown_rows(
    games: Document, documents: Iterable[Document], delegation: str | None = None,
    group: str = "all",
) -> list[dict[str, Any]]:
    """One row per entry that an official result awarded a medal or points, from the event
    documents: what makes up each delegation's line in the tables of `group` ('all' or a
    group code). `delegation` keeps one delegation's rows. Rows follow the delegations'
    order in the games file, then the events' times and ids."""
    names = GamesNames.of(games)
    order = {code: index for index, code in enumerate(names.delegation_order)}
    rows: list[tuple[tuple[int, str, str], dict[str, Any]]] = []
    for document in documents:
        event = document["event"]
        if document["status"] != "official" or group not in ("all", event["group"]):
            continue
        for entry in display_order(document["entries"]):
            if not entry.get("medal") and not entry["points"]:
                continue
            if delegation is not None and entry["delegation"] != delegation:
                continue
            key = (order.get(entry["delegation"], len(order)), event["scheduled_at"], event["id"])
            rows.append((key, {
                "delegation": entry["delegation"], "delegation_name": entry["delegation_name"],
                "event_id": event["id"], "group_name": names.group(event["group"]).zh,
                "event_name": event["name"], "competitor": entry["competitor"],
                "rank": entry["rank"], "mark": entry.get("mark"), "record": entry.get("record"),
                "medal": entry.get("medal"), "points": entry["points"],
                "revision": document["revision"],
                "correction": "更正" if document["correction"] else None,
                "accepted_at": clock(document["accepted_at"]),
            }))
    rows.sort(key=lambda keyed: keyed[0])
    return [row for _, row in rows]


def breakdown_sheet(rows: Sequence[Document], delegation: str | None) -> Sheet:
    return Sheet(f"breakdown-{delegation or 'all'}", BREAKDOWN_COLUMNS, rows)

