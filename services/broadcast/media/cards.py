"""Share cards: PNG images for WeChat and self-media posts (such posts are images),
1080 px wide, with type big enough to read on a phone.

A table card shows every row of a medal, points or combined table of one group; an event
card shows an event's medallists (or, provisional, its leaders). Each names its version and
Beijing time, and carries a QR code to the live page whose address the caller passes in; a
corrected result carries a red 更正 stamp and the official's note.
"""

import io
import re
import threading
from collections.abc import Sequence
from typing import Final

import segno
from PIL import Image, ImageDraw, ImageFont

from services.broadcast.media.documents import Document, GamesNames, display_order, is_tied
from services.broadcast.media.fonts import cjk_font
from services.broadcast.media.wording import (
    CORRECTION,
    MEDALS,
    RECORDS,
    RESULT_STATUSES,
    TABLES,
    UNDER_REVIEW,
    Label,
    clock,
    points_text,
)

WIDTH: Final = 1080
_MARGIN: Final = 60
_INK: Final = (26, 32, 44)
_GREY: Final = (96, 104, 116)
_BAND: Final = (18, 53, 91)
_STRIPE: Final = (241, 244, 248)
_RED: Final = (200, 30, 30)
_AMBER: Final = (196, 120, 0)
_MEDAL_COLOURS: Final = {"gold": (212, 168, 40), "silver": (160, 164, 172),
                         "bronze": (190, 116, 52)}
_QR_SIZE: Final = 250
_MAX_HEIGHT: Final = 4000  # drawn on a tall canvas, then cut to what was used

_Font = ImageFont.FreeTypeFont


# Cards render in a thread pool, and a FreeType face must not be used by two threads at
# once: each thread loads its own.
_thread_fonts = threading.local()


def _font(size: int, bold: bool = False) -> _Font:
    fonts: dict[tuple[int, bool], _Font] = _thread_fonts.__dict__.setdefault("fonts", {})
    if (size, bold) not in fonts:
        face = cjk_font(bold)
        fonts[size, bold] = ImageFont.truetype(str(face.path), size, index=face.index)
    return fonts[size, bold]


class _Card:
    """A canvas drawn top to bottom; `y` is where the next block goes."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, _MAX_HEIGHT), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0

    def text(self, xy: tuple[float, float], text: str, size: int, *, bold: bool = False,
             fill: tuple[int, int, int] = _INK, anchor: str = "la") -> None:
        self.draw.text(xy, text, font=_font(size, bold), fill=fill, anchor=anchor)

    def lines(self, text: str, size: int, width: float, *, bold: bool = False,
              fill: tuple[int, int, int] = _INK, spacing: float = 1.3) -> None:
        """`text` wrapped to `width` px from the left margin, moving `y` below it."""
        for line in _wrapped(text, _font(size, bold), width):
            self.text((_MARGIN, self.y), line, size, bold=bold, fill=fill)
            self.y += int(size * spacing)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.crop((0, 0, WIDTH, self.y)).save(out, format="PNG", optimize=True)
        return out.getvalue()


_TOKENS: Final = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+")


def _wrapped(text: str, font: _Font, width: float) -> list[str]:
    """Greedy line breaks: between CJK characters anywhere, Latin text between words."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if line and font.getlength(line + token) > width and not token.isspace():
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def _fitting(text: str, size: int, width: float) -> int:
    """`size`, or the largest smaller size (down to 14 px) at which `text` fits `width`."""
    while size > 14 and _font(size).getlength(text) > width:
        size -= 1
    return size


def _band(card: _Card, names: GamesNames, title: Label, subtitle: str) -> None:
    """The games' band at the top and the card's title under it."""
    card.draw.rectangle((0, 0, WIDTH, 150), fill=_BAND)
    card.text((_MARGIN, 36), names.games.zh, 46, bold=True, fill=(255, 255, 255))
    card.text((_MARGIN, 98), names.games.en, 26, fill=(200, 214, 230))
    card.y = 190
    # The title leaves room at the right for a stamp.
    card.lines(title.zh, 64, WIDTH - 2 * _MARGIN - 300, bold=True)
    card.lines(title.en, 30, WIDTH - 2 * _MARGIN - 300, fill=_GREY)
    card.y += 6
    card.lines(subtitle, 30, WIDTH - 2 * _MARGIN, fill=_GREY)
    card.y += 20


def _footer(card: _Card, stamp_text: str, live_url: str) -> None:
    """Version and time at the left, the QR code to the live page at the right."""
    card.y += 30
    card.draw.line((_MARGIN, card.y, WIDTH - _MARGIN, card.y), fill=(210, 215, 222), width=3)
    card.y += 40
    top = card.y
    card.image.paste(_qr_image(live_url), (WIDTH - _MARGIN - _QR_SIZE, top))
    card.text((_MARGIN, top + 10), stamp_text, 30)
    card.text((_MARGIN, top + 70), "北京时间 Beijing time (+08:00)", 26, fill=_GREY)
    card.text((_MARGIN, top + 140), "扫码看实时成绩", 38, bold=True)
    card.text((_MARGIN, top + 194), "Scan for live results", 26, fill=_GREY)
    card.y = top + _QR_SIZE + 50


def _qr_image(url: str) -> Image.Image:
    qr = segno.make_qr(url, error="m")  # always a full QR code: phones read no Micro QR
    modules = qr.symbol_size(border=4)[0]
    out = io.BytesIO()
    qr.save(out, kind="png", scale=max(1, _QR_SIZE // modules), border=4)
    out.seek(0)
    return Image.open(out).convert("RGB").resize((_QR_SIZE, _QR_SIZE), Image.Resampling.NEAREST)


def _disc(card: _Card, centre: tuple[int, int], radius: int, colour: tuple[int, int, int],
          text: str, size: int) -> None:
    x, y = centre
    card.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    card.text(centre, text, size, bold=True, fill=(255, 255, 255), anchor="mm")


def _stamp(card: _Card, words: Label, centre: tuple[int, int]) -> None:
    """A red stamp turned a little, as on a printed correction."""
    stamp = Image.new("RGBA", (300, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    draw.rounded_rectangle((6, 6, 294, 144), radius=14, outline=(*_RED, 255), width=8)
    draw.text((150, 62), words.zh, font=_font(64, True), fill=(*_RED, 255), anchor="mm")
    draw.text((150, 116), words.en.upper(), font=_font(24, True), fill=(*_RED, 255),
              anchor="mm")
    turned = stamp.rotate(10, expand=True, resample=Image.Resampling.BICUBIC)
    card.image.paste(turned, (centre[0] - turned.width // 2, centre[1] - turned.height // 2),
                     turned)


# --- table cards --------------------------------------------------------------------------

_ROW: Final = 104
_MEDAL_KEYS: Final = ("gold", "silver", "bronze")


def table_card_png(games: Document, channel: str, table: Document, live_url: str) -> bytes:
    """Every row of the table published on `channel` (medals:, points: or combined:<group>)."""
    kind, _, group = channel.partition(":")
    if kind not in TABLES:
        raise ValueError(f"unknown table kind {kind!r} in {channel!r}; "
                         f"expected one of {', '.join(TABLES)}")
    names = GamesNames.of(games)
    card = _Card()
    scope = names.group(group)
    _band(card, names, Label(f"{TABLES[kind].zh} · {scope.zh}",
                             f"{TABLES[kind].en} · {scope.en}"),
          f"第{table['version']}版 · 截至 {clock(table['updated_at'])}")
    columns = _table_columns(kind)
    header_y = card.y
    for x, label in columns:
        colour = next((_MEDAL_COLOURS[key] for key, medal in MEDALS.items() if medal == label),
                      _GREY)
        card.text((x, header_y), label.zh, 30, bold=True, fill=colour, anchor="ma")
    card.text((_MARGIN, header_y), "名次", 30, bold=True, fill=_GREY)
    card.text((_MARGIN + 130, header_y), "代表团 Delegation", 30, bold=True, fill=_GREY)
    card.y += 56
    for index, row in enumerate(table["rows"]):
        top = card.y
        if index % 2 == 0:
            card.draw.rectangle((_MARGIN - 20, top, WIDTH - _MARGIN + 20, top + _ROW - 4),
                                fill=_STRIPE)
        middle = top + _ROW // 2 - 2
        tied = is_tied(table["rows"], row["rank"])
        card.text((_MARGIN + 40, middle - (12 if tied else 0)), str(row["rank"]), 48, bold=True,
                  anchor="mm")
        if tied:
            card.text((_MARGIN + 40, middle + 32), "并列", 20, fill=_GREY, anchor="mm")
        delegation = names.delegation(row["delegation"])
        card.text((_MARGIN + 130, middle - 2), delegation.zh, 44, bold=True, anchor="ls")
        room = columns[0][0] - 70 - (_MARGIN + 130)
        card.text((_MARGIN + 130, middle + 36), delegation.en, _fitting(delegation.en, 22, room),
                  fill=_GREY, anchor="ls")
        for (x, _), value in zip(columns, _table_values(kind, row), strict=True):
            card.text((x, middle), value, 44, bold=True, anchor="mm")
        card.y += _ROW
    _footer(card, f"第{table['version']}版 Version {table['version']} · "
                  f"{clock(table['updated_at'])[:16]}", live_url)
    return card.png()


def _table_columns(kind: str) -> Sequence[tuple[int, Label]]:
    """The number columns' centres and headings."""
    if kind == "medals":
        return [(620, MEDALS["gold"]), (735, MEDALS["silver"]), (850, MEDALS["bronze"]),
                (965, Label("合计", "Total"))]
    if kind == "points":
        return [(900, Label("总分", "Points"))]
    return [(640, Label("奖牌榜", "Medals")), (800, Label("总分榜", "Points")),
            (960, Label("综合分", "Score"))]


def _table_values(kind: str, row: Document) -> list[str]:
    if kind == "medals":
        return [str(row[key]) for key in (*_MEDAL_KEYS, "total")]
    if kind == "points":
        return [points_text(row["points"])]
    return [str(row["medal_rank"]), str(row["points_rank"]), str(row["score"])]


# --- event cards --------------------------------------------------------------------------

def event_card_png(games: Document, document: Document, live_url: str) -> bytes:
    """An event's medallists (an official result), its leaders (a provisional one), or its
    cancellation, with the correction stamp and note when the result was corrected."""
    names = GamesNames.of(games)
    event = document["event"]
    group = names.group(event["group"])
    status = document["status"]
    card = _Card()
    subtitle = f"{names.sport(event['sport']).zh} · {names.venue(event['venue']).zh}"
    _band(card, names, Label(f"{group.zh} {event['name']}", f"{group.en} · {event['name_en']}"),
          subtitle)
    if status == "cancelled":
        _stamp(card, RESULT_STATUSES["cancelled"], (WIDTH - _MARGIN - 130, 270))
    elif document["correction"]:
        _stamp(card, CORRECTION, (WIDTH - _MARGIN - 130, 270))
    if status is None:
        card.lines("暂无成绩 No result yet", 44, WIDTH - 2 * _MARGIN, bold=True)
        _footer(card, event["id"], live_url)
        return card.png()
    label = RESULT_STATUSES[status]
    colour = {"official": _INK, "provisional": _AMBER, "unofficial": _AMBER,
              "cancelled": _RED}[status]
    card.lines(f"{label.zh} {label.en} · 第{document['revision']}版", 36, WIDTH - 2 * _MARGIN,
               bold=True, fill=colour)
    if document["note"]:
        heading = ("取消说明" if status == "cancelled"
                   else "更正说明" if document["correction"] else "说明")
        _boxed(card, f"{heading}：{document['note']}",
               _RED if document["correction"] or status == "cancelled" else _GREY)
    if document.get("review"):
        _boxed(card, f"{UNDER_REVIEW.zh} {UNDER_REVIEW.en}：{document['review']['note']}", _RED)
    if status == "cancelled":
        card.lines("本项目成绩已取消", 56, WIDTH - 2 * _MARGIN, bold=True, fill=_RED)
        card.lines("This result has been cancelled", 30, WIDTH - 2 * _MARGIN, fill=_GREY)
    else:
        _podium(card, names, document)
    _footer(card, f"第{document['revision']}版 Rev. {document['revision']} · "
                  f"{clock(document['accepted_at'])[:16]}", live_url)
    return card.png()


def _boxed(card: _Card, text: str, outline: tuple[int, int, int]) -> None:
    """A note in a rounded box across the card."""
    card.y += 10
    top = card.y
    card.y += 20
    lines = _wrapped(text, _font(34, True), WIDTH - 2 * _MARGIN - 40)
    card.draw.rounded_rectangle(
        (_MARGIN - 10, top, WIDTH - _MARGIN + 10, top + 40 + 46 * len(lines)),
        radius=12, outline=outline, width=4)
    for line in lines:
        card.text((_MARGIN + 20, card.y), line, 34, bold=True)
        card.y += 46
    card.y += 40


def _podium(card: _Card, names: GamesNames, document: Document) -> None:
    official = document["status"] == "official"
    entries = [entry for entry in display_order(document["entries"])
               if (entry.get("medal") if official else entry["rank"] and entry["rank"] <= 3)]
    if not entries:
        card.lines("无获奖 No medals awarded", 40, WIDTH - 2 * _MARGIN, fill=_GREY)
        return
    card.y += 10
    for entry in entries:
        top = card.y
        medal = entry.get("medal")
        if medal:
            _disc(card, (_MARGIN + 50, top + 55), 50, _MEDAL_COLOURS[medal],
                  MEDALS[medal].zh[0], 48)
        else:
            _disc(card, (_MARGIN + 50, top + 55), 50, _GREY, str(entry["rank"]), 48)
        x = _MARGIN + 130
        card.text((x, top + 8), entry["competitor"], 50, bold=True)
        delegation = names.delegation(entry["delegation"])
        card.text((x, top + 72), f"{delegation.zh}  {delegation.en}", 28, fill=_GREY)
        if entry.get("mark"):
            card.text((WIDTH - _MARGIN, top + 12), entry["mark"], 48, bold=True, anchor="ra")
        if entry.get("record"):
            badge = RECORDS[entry["record"]]
            text = f"{badge.zh} {badge.en}"
            width = _font(26, True).getlength(text) + 28
            left = WIDTH - _MARGIN - width
            card.draw.rounded_rectangle((left, top + 70, WIDTH - _MARGIN, top + 114), radius=8,
                                        fill=_RED)
            card.text((left + 14, top + 92), text, 26, bold=True, fill=(255, 255, 255),
                      anchor="lm")
        card.y += 126
        if entry.get("members"):
            card.y -= 6
            for line in _wrapped("、".join(entry["members"]), _font(26), WIDTH - x - _MARGIN):
                card.text((x, card.y), line, 26, fill=_GREY)
                card.y += 36
            card.y += 14
