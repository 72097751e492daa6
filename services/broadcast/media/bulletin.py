"""Printable A4 PDFs: an event's result bulletin (成绩公告) and a day's results book (成绩册).

fpdf2 embeds Noto Sans CJK SC (OpenType/CFF, from a .ttc) as a subset, so a bulletin of one
event is a few tens of KiB and prints the same everywhere. Each page carries the games'
header and "page n of N"; a corrected result carries a red 更正 stamp and the official's
note, a cancelled one 取消 and its note.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Final

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace as CellStyle
from fpdf.outline import OutlineSection

from services.broadcast.media.columns import Column, table_columns
from services.broadcast.media.documents import (
    Document,
    GamesNames,
    display_order,
    official_results_of,
)
from services.broadcast.media.fonts import cjk_font
from services.broadcast.media.wording import (
    CORRECTION,
    ENTRY_STATUSES,
    MEDALS,
    RECORDS,
    RESULT_STATUSES,
    TABLES,
    UNDER_REVIEW,
    Label,
    clock,
    points_text,
)

_FONT: Final = "NotoSansCJKSC"
_RED: Final = (200, 30, 30)
_GREY: Final = (90, 90, 90)
_HEADINGS: Final = CellStyle(emphasis="BOLD", fill_color=(226, 231, 238))
_LINE: Final = 5.5  # mm per line of 9 pt table text
_CONTENTS_LINE: Final = 6.5


class _Sheets(FPDF):
    """A4 portrait with the games' header and a page-numbered footer on every page."""

    def __init__(self, names: GamesNames, kind: Label, footer: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, bold in (("", False), ("B", True)):
            face = cjk_font(bold)
            self.add_font(_FONT, style, face.path, collection_font_number=face.index)
        self.names, self.kind, self.footer_text = names, kind, footer
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(f"{names.games.zh} {kind.zh} {footer}")
        self.set_creator("Podium")
        self.set_lang("zh-CN")

    def header(self) -> None:
        self.set_font(_FONT, "B", 11)
        self.cell(0, 6, self.names.games.both("  "), align=Align.C,
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, "", 9)
        self.set_text_color(*_GREY)
        self.cell(0, 5, self.kind.both("  "), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.line(self.l_margin, self.y + 1, self.w - self.r_margin, self.y + 1)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(_FONT, "", 8)
        self.set_text_color(*_GREY)
        self.cell(0, 5, self.footer_text, align=Align.L)
        self.set_x(self.l_margin)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页  Page {self.page_no()} of {{nb}}",
                  align=Align.R)
        self.set_text_color(0)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin


def event_bulletin_pdf(
    games: Document, document: Document, *, phase: Label | None = None
) -> bytes:
    """The result bulletin of one event document (`GET /v1/events/{id}`); `phase` names the
    unit (决赛 Final) once results carry units."""
    names = GamesNames.of(games)
    event = document["event"]
    revision = document["revision"]
    footer = event["id"] + (f"  第{revision}版 Rev. {revision}" if revision else "")
    pdf = _Sheets(names, Label("成绩公告", "Result Bulletin"), footer)
    pdf.add_page()
    _result_section(pdf, document, phase)
    return bytes(pdf.output())


def results_book_pdf(
    games: Document, documents: Iterable[Document], standings: Mapping[str, Document],
    day: date,
) -> bytes:
    """The results book of `day`: a cover with contents, every official result of the events
    held that day (in the order held), then the tables in `standings` (channel → table, as
    they stood at the day's end), in the order given."""
    names = GamesNames.of(games)
    results = official_results_of(documents, day)
    day_text = Label(f"{day.year}年{day.month}月{day.day}日", day.strftime("%d %B %Y").lstrip("0"))
    pdf = _Sheets(names, Label("成绩册", "Results Book"), f"成绩册 Results Book  {day.isoformat()}")
    pdf.add_page()
    _cover(pdf, day_text, len(results), len(standings))
    sections = len(results) + len(standings)
    first_page = int((pdf.h - pdf.b_margin - pdf.y) // _CONTENTS_LINE) - 1
    later_pages = int((pdf.h - pdf.b_margin - 30) // _CONTENTS_LINE) - 1
    extra = max(0, -(-(sections - first_page) // later_pages))
    pdf.insert_toc_placeholder(_contents, pages=1 + extra)
    for document in results:
        event = document["event"]
        _keep_room(pdf, 80)
        pdf.start_section(f"{names.group(event['group']).zh} {event['name']}")
        _result_section(pdf, document, None)
        pdf.ln(6)
    for channel, table in standings.items():
        kind, _, group = channel.partition(":")
        title = Label(f"{TABLES[kind].zh} · {names.group(group).zh}",
                      f"{TABLES[kind].en} · {names.group(group).en}")
        _keep_room(pdf, 25 + 9.5 * len(table["rows"]))
        pdf.start_section(title.zh)
        _standings_section(pdf, kind, title, table)
        pdf.ln(6)
    return bytes(pdf.output())


def _keep_room(pdf: _Sheets, height: float) -> None:
    """A new page unless `height` mm (a section's heading and first rows) fit on this one."""
    if pdf.y + min(height, 240) > pdf.h - pdf.b_margin:
        pdf.add_page()


def _cover(pdf: _Sheets, day: Label, results: int, tables: int) -> None:
    pdf.ln(20)
    for text, size in ((pdf.names.games.zh, 24), (pdf.names.games.en, 14), ("成绩册", 30),
                       ("Results Book", 14), (day.zh, 18), (day.en, 12)):
        pdf.set_font(_FONT, "B" if size > 14 else "", size)
        pdf.cell(0, size * 0.55, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    pdf.ln(4)
    pdf.set_font(_FONT, "", 10)
    pdf.cell(0, 6, f"正式成绩 {results} 项 Official results: {results}    "
                   f"成绩榜 {tables} 个 Tables: {tables}",
             align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font(_FONT, "B", 12)
    pdf.cell(0, 7, "目录 Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _contents(pdf: FPDF, outline: list[OutlineSection]) -> None:
    pdf.set_font(_FONT, "", 10)
    pdf.set_x(pdf.l_margin)
    for section in outline:
        link = pdf.add_link(page=section.page_number)
        pdf.cell(pdf.epw - 20, _CONTENTS_LINE, section.name, link=link)
        pdf.cell(20, _CONTENTS_LINE, str(section.page_number), align=Align.R, link=link,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _result_section(pdf: _Sheets, document: Document, phase: Label | None) -> None:
    names = pdf.names
    event = document["event"]
    group, sport, venue = (names.group(event["group"]), names.sport(event["sport"]),
                           names.venue(event["venue"]))
    top = pdf.y
    pdf.set_font(_FONT, "B", 16)
    title = f"{group.zh} {event['name']}" + (f" {phase.zh}" if phase else "")
    pdf.multi_cell(pdf.width - 40, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 10)
    pdf.set_text_color(*_GREY)
    subtitle = " · ".join([group.en, event["name_en"], *([phase.en] if phase else [])])
    pdf.multi_cell(pdf.width - 40, 5, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    if document["status"] == "cancelled":
        _stamp(pdf, RESULT_STATUSES["cancelled"], top)
    elif document["correction"]:
        _stamp(pdf, CORRECTION, top)
    pdf.ln(2)

    status = document["status"]
    revision = document["revision"]
    facts = [
        ("项目 Sport", sport.both()),
        ("场地 Venue", venue.both()),
        ("日期 Date", clock(event["scheduled_at"])),
        ("状态 Status", RESULT_STATUSES[status].both() if status else "暂无成绩 No result yet"),
    ]
    if revision is not None:
        facts.append(("版本 Revision",
                      f"第{revision}版 Rev. {revision}  {clock(document['accepted_at'])}"))
    facts.append(("计分倍数 Multiplier", f"×{event['points_multiplier']}"))
    pdf.set_font(_FONT, "", 9)
    with pdf.table(col_widths=(28, 62, 28, 62), borders_layout=TableBordersLayout.NONE,
                   first_row_as_headings=False, line_height=5, text_align=Align.L) as grid:
        for index in range(0, len(facts), 2):
            row = grid.row()
            for label, value in facts[index:index + 2]:
                row.cell(label, style=CellStyle(emphasis="BOLD"))
                row.cell(value)
    pdf.ln(2)

    if document["note"]:
        heading = ("取消说明 Cancellation" if status == "cancelled"
                   else "更正说明 Correction" if document["correction"] else "说明 Note")
        pdf.set_draw_color(*_RED)
        pdf.set_font(_FONT, "B", 10)
        pdf.multi_cell(0, 6, f"{heading}：{document['note']}", border=1, padding=2,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(0)
        pdf.ln(3)
    if document.get("review"):
        pdf.set_draw_color(*_RED)
        pdf.set_font(_FONT, "B", 10)
        pdf.multi_cell(0, 6, f"{UNDER_REVIEW.both()}：{document['review']['note']}", border=1,
                       padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(0)
        pdf.ln(3)
    if status == "cancelled":
        pdf.set_font(_FONT, "B", 14)
        pdf.cell(0, 10, "本项目成绩已取消 This result has been cancelled",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    if not document["entries"]:
        return
    _entries_table(pdf, document)


def _stamp(pdf: _Sheets, words: Label, top: float) -> None:
    """A red, slightly turned stamp at the section's top right."""
    x, y, w, h = pdf.w - pdf.r_margin - 36, top, 34, 16
    with pdf.rotation(8, x + w / 2, y + h / 2):
        pdf.set_draw_color(*_RED)
        pdf.set_text_color(*_RED)
        pdf.set_line_width(0.8)
        pdf.rect(x, y, w, h)
        pdf.set_xy(x, y + 1)
        pdf.set_font(_FONT, "B", 16)
        pdf.cell(w, 8, words.zh, align=Align.C)
        pdf.set_xy(x, y + 9)
        pdf.set_font(_FONT, "B", 8)
        pdf.cell(w, 5, words.en.upper(), align=Align.C)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0)
    pdf.set_text_color(0)
    pdf.set_xy(pdf.l_margin, max(pdf.y, top + h + 2))


def _entries_table(pdf: _Sheets, document: Document) -> None:
    entries = display_order(document["entries"])
    counted = document["status"] == "official"
    with_bibs = any(entry.get("bib") for entry in entries)
    headings = ["名次\nRank", *(["号码\nBib"] if with_bibs else []), "姓名\nName",
                "代表团\nDelegation", "成绩\nMark", "纪录\nRecord", "奖牌\nMedal", "得分\nPoints"]
    widths = (15, *((16,) if with_bibs else ()), 54 - (16 if with_bibs else 0), 41, 20, 18, 16,
              16)
    pdf.set_font(_FONT, "", 9)
    with pdf.table(col_widths=widths, headings_style=_HEADINGS, line_height=_LINE,
                   text_align=Align.C, repeat_headings=1) as table:
        table.row(headings)
        for entry in entries:
            delegation = pdf.names.delegation(entry["delegation"])
            record, medal = entry.get("record"), entry.get("medal")
            name = entry["competitor"]
            if entry.get("members"):
                name += "\n" + "、".join(entry["members"])
            rank = (str(entry["rank"]) if entry["rank"] is not None
                    else ENTRY_STATUSES[entry["status"]].both("\n"))
            cells = [rank, *([entry.get("bib") or ""] if with_bibs else []), name,
                     delegation.both("\n"), entry.get("mark") or "",
                     RECORDS[record].both("\n") if record else "",
                     MEDALS[medal].both("\n") if medal else "",
                     points_text(entry["points"]) if counted and entry["rank"] else ""]
            table.row(cells)


def _standings_section(pdf: _Sheets, kind: str, title: Label, table: Document) -> None:
    pdf.set_font(_FONT, "B", 14)
    pdf.cell(0, 8, title.zh, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 9)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 5, f"{title.en}    第{table['version']}版 v{table['version']}  "
                   f"{clock(table['updated_at'])}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(1)
    columns = table_columns(kind, table, printed=True)
    rows = [[column.text(row, pdf.names) for column in columns] for row in table["rows"]]
    headings = [column.label.both("\n") for column in columns]
    pdf.set_font(_FONT, "", 8)
    with pdf.table(col_widths=_fitted_widths(pdf, columns, headings, rows),
                   headings_style=_HEADINGS, line_height=4.5, text_align=Align.C,
                   repeat_headings=1) as grid:
        grid.row(headings)
        for cells in rows:
            grid.row(cells)


def _fitted_widths(
    pdf: _Sheets, columns: Sequence[Column], headings: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> tuple[float, ...]:
    """Column widths in proportion to their widest line (long names wrap at 40 mm)."""
    widths = []
    for index in range(len(columns)):
        lines = [line for text in (headings[index], *(cells[index] for cells in rows))
                 for line in text.split("\n")]
        widest = max(pdf.get_string_width(line) for line in lines)
        widths.append(min(widest + 3, 40.0))
    return tuple(widths)
