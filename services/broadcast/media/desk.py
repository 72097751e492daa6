"""What each media route calls (docs/media.md lists the routes): request values checked,
the right documents rendered (through the cache where rendering costs), and the body with
its media type and file name.

A route hands in what broadcast holds: the event documents (`hub.state_of("event:<id>")`)
and the tables (`hub.tables`, channel → table). A `MediaRequestError` carries the HTTP
status and the detail to answer with as a problem.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Final

from services.broadcast.media import bulletin, cards, exports, report
from services.broadcast.media.cache import RenderCache
from services.broadcast.media.documents import Document, official_results_of
from services.broadcast.media.wording import TABLES, Label

PDF: Final = "application/pdf"
PNG: Final = "image/png"
CSV: Final = "text/csv; charset=utf-8"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT: Final = "text/plain; charset=utf-8"
_EXPORT_TYPES: Final = {"csv": CSV, "xlsx": XLSX}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    filename: str  # for Content-Disposition: inline; filename="..."
    etag: str  # a strong validator of the body, quoted


class MediaRequestError(ValueError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def parse_day(text: str) -> date:
    """A route's `{date}`: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MediaRequestError(
            400, f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2024-09-21") from None


class MediaDesk:
    """The media outputs of one games. `public_url` is the board's public address (e.g.
    'https://podium.example/'): cards are shared far beyond the request that made them, so
    their QR codes point there rather than at whatever host a request named."""

    def __init__(self, games: Document, public_url: str, cache: RenderCache | None = None) -> None:
        self.games = games
        self.public_url = public_url if public_url.endswith("/") else public_url + "/"
        self.cache = cache if cache is not None else RenderCache()  # an empty one is falsy
        self.groups = ("all", *(group["code"] for group in games["groups"]))
        self._delegations = tuple(item["code"] for item in games["delegations"])

    # --- PDFs ---------------------------------------------------------------------------

    async def event_bulletin(self, document: Document, phase: Label | None = None) -> Rendered:
        """`GET /v1/events/{event_id}/bulletin.pdf`."""
        event_id, revision = document["event"]["id"], document["revision"]
        suffix = f"-r{revision}" if revision else ""
        return await self._rendered(
            "bulletin", event_id, (document_state(document), phase),
            partial(bulletin.event_bulletin_pdf, self.games, document, phase=phase),
            PDF, f"bulletin-{event_id}{suffix}.pdf")

    async def day_book(
        self, day_text: str, documents: Iterable[Document], tables: Mapping[str, Document]
    ) -> Rendered:
        """`GET /v1/bulletins/{date}.pdf`: `tables` as they stood at the day's end (today:
        the current ones); the book prints the medal and points tables of every scope."""
        day = parse_day(day_text)
        results = official_results_of(documents, day)
        standings = {f"{kind}:{scope}": tables[f"{kind}:{scope}"]
                     for kind in ("medals", "points") for scope in self.groups}
        return await self._rendered(
            "book", day.isoformat(), (revisions(results), versions(standings)),
            partial(bulletin.results_book_pdf, self.games, results, standings, day),
            PDF, f"results-book-{day.isoformat()}.pdf")

    # --- spreadsheets -------------------------------------------------------------------

    async def standings_export(
        self, kind: str, fmt: str, group: str, tables: Mapping[str, Document]
    ) -> Rendered:
        """`GET /v1/standings/{medals|points|combined}.{csv|xlsx}?group=...`."""
        if kind not in TABLES:
            raise MediaRequestError(404, f"unknown table {kind!r}; expected one of "
                                         f"{', '.join(TABLES)}")
        media_type = self._export_type(fmt)
        channel = f"{kind}:{self._group(group)}"
        table = tables[channel]
        return await self._rendered(
            f"table.{fmt}", channel, table["version"],
            partial(_table_export, fmt, self.games, channel, table),
            media_type, f"{kind}-{group}-v{table['version']}.{fmt}")

    async def breakdown_export(
        self, fmt: str, documents: Iterable[Document], delegation: str | None, group: str
    ) -> Rendered:
        """`GET /v1/breakdown.{csv|xlsx}?delegation=CODE&group=...`: the awarded entries
        behind the tables (every delegation's without `delegation`)."""
        media_type = self._export_type(fmt)
        self._check_delegation(delegation)
        documents = list(documents)
        title = exports.breakdown_sheet((), delegation).title
        return await self._rendered(
            f"breakdown.{fmt}", f"{delegation}:{self._group(group)}", revisions(documents),
            partial(_breakdown_export, fmt, self.games, documents, delegation, group),
            media_type, f"{title}-{group}.{fmt}")

    # --- share cards --------------------------------------------------------------------

    async def table_card(self, name: str, tables: Mapping[str, Document]) -> Rendered:
        """`GET /v1/cards/{medals|points|combined}-{group}.png`, `name` the part before .png."""
        kind, _, group = name.partition("-")
        if kind not in TABLES:
            raise MediaRequestError(404, f"unknown card {name!r}: cards of tables are named "
                                         "medals-GROUP, points-GROUP or combined-GROUP")
        channel = f"{kind}:{self._group(group)}"
        table = tables[channel]
        return await self._rendered(
            "card", channel, table["version"],
            partial(cards.table_card_png, self.games, channel, table,
                    f"{self.public_url}#/{kind}/{group}"),
            PNG, f"{name}-v{table['version']}.png")

    async def event_card(self, document: Document) -> Rendered:
        """`GET /v1/cards/event/{event_id}.png`."""
        event_id, revision = document["event"]["id"], document["revision"]
        return await self._rendered(
            "card", f"event:{event_id}", document_state(document),
            partial(cards.event_card_png, self.games, document,
                    f"{self.public_url}#/event/{event_id}"),
            PNG, f"event-{event_id}-r{revision or 0}.png")

    # --- text ---------------------------------------------------------------------------

    async def daily_report(
        self, day_text: str, documents: Iterable[Document], tables: Mapping[str, Document],
        delegation: str | None,
    ) -> Rendered:
        """`GET /v1/reports/{date}?delegation=CODE`: the day's report draft (战报)."""
        day = parse_day(day_text)
        self._check_delegation(delegation)
        results = official_results_of(documents, day)
        standings = {channel: tables[channel] for channel in report.REPORT_TABLES}
        suffix = f"-{delegation}" if delegation else ""
        return await self._rendered(
            "report", f"{day.isoformat()}{suffix}", (revisions(results), versions(standings)),
            partial(_report_text, self.games, results, standings, day, delegation),
            TEXT, f"report-{day.isoformat()}{suffix}.txt")

    async def _rendered(self, kind: str, key: str, version: Hashable,
                        render: Callable[[], bytes], media_type: str, filename: str) -> Rendered:
        output = await self.cache.get(kind, key, version, render)
        return Rendered(output.body, media_type, filename, output.etag)

    def _group(self, group: str) -> str:
        if group not in self.groups:
            raise MediaRequestError(400, f"unknown group {group!r}; expected one of "
                                         f"{', '.join(self.groups)}")
        return group

    def _check_delegation(self, delegation: str | None) -> None:
        if delegation is not None and delegation not in self._delegations:
            raise MediaRequestError(400, f"unknown delegation {delegation!r}; expected one of "
                                         f"{', '.join(self._delegations)}")

    @staticmethod
    def _export_type(fmt: str) -> str:
        if fmt not in _EXPORT_TYPES:
            raise MediaRequestError(404, f"unknown format {fmt!r}; expected csv or xlsx")
        return _EXPORT_TYPES[fmt]


def document_state(document: Document) -> tuple[object, ...]:
    """What an event document is at (a cache version): its revision, and what the second
    check made of it, which changes within one revision (a confirmation, a review)."""
    review = document.get("review")
    return document["revision"], document["status"], review["at"] if review else None


def revisions(documents: Iterable[Document]) -> tuple[tuple[object, ...], ...]:
    """What a set of event documents is at: each event's state (a cache version)."""
    return tuple((d["event"]["id"], *document_state(d)) for d in documents if d["revision"])


def versions(tables: Mapping[str, Document]) -> tuple[tuple[str, int], ...]:
    return tuple((channel, table["version"]) for channel, table in tables.items())


# What the desk hands the render processes: module-level, so they pickle.

def _table_export(fmt: str, games: Document, channel: str, table: Document) -> bytes:
    sheet = exports.table_sheet(channel, table)
    if fmt == "csv":
        return exports.csv_bytes(sheet, games)
    return exports.xlsx_bytes([sheet], games, exports.tables_title(games, [channel],
                                                                    {channel: table}))


def _breakdown_export(fmt: str, games: Document, documents: list[Document],
                      delegation: str | None, group: str) -> bytes:
    sheet = exports.breakdown_sheet(
        exports.breakdown_rows(games, documents, delegation, group), delegation)
    if fmt == "csv":
        return exports.csv_bytes(sheet, games)
    return exports.xlsx_bytes([sheet], games, f"{games['name']} {sheet.title}")


def _report_text(games: Document, results: list[Document], tables: Mapping[str, Document],
                 day: date, delegation: str | None) -> bytes:
    return report.daily_report(games, results, tables, day, delegation).encode()
