"""What each media route calls (docs/media.md lists the routes): request values checked,
the right documents rendered (through the cache where rendering costs), and the body with
its media type and file name.

A route hands in what broadcast holds: the event documents (`hub.state_of("event:<id>")`)
and the tables (`hub.tables`, channel → table). A `MediaRequestError` carries the HTTP
status and the detail to answer with as a problem.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
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
        self.cache = cache or RenderCache()
        self._groups = ("all", *(group["code"] for group in games["groups"]))
        self._delegations = tuple(item["code"] for item in games["delegations"])

    # --- PDFs ---------------------------------------------------------------------------

    async def event_bulletin(self, document: Document, phase: Label | None = None) -> Rendered:
        """`GET /v1/events/{event_id}/bulletin.pdf`."""
        event_id, revision = document["event"]["id"], document["revision"]
        body = await self.cache.get(
            "bulletin", event_id, (revision, phase),
            lambda: bulletin.event_bulletin_pdf(self.games, document, phase=phase),
        )
        suffix = f"-r{revision}" if revision else ""
        return Rendered(body, PDF, f"bulletin-{event_id}{suffix}.pdf")

    async def day_book(
        self, day_text: str, documents: Iterable[Document], tables: Mapping[str, Document]
    ) -> Rendered:
        """`GET /v1/bulletins/{date}.pdf`: `tables` as they stood at the day's end (today:
        the current ones); the book prints the medal and points tables of every scope."""
        day = parse_day(day_text)
        results = official_results_of(documents, day)
        standings = {f"{kind}:{scope}": tables[f"{kind}:{scope}"]
                     for kind in ("medals", "points") for scope in self._groups}
        version = (tuple((d["event"]["id"], d["revision"]) for d in results),
                   tuple((channel, table["version"]) for channel, table in standings.items()))
        body = await self.cache.get(
            "book", day.isoformat(), version,
            lambda: bulletin.results_book_pdf(self.games, results, standings, day),
        )
        return Rendered(body, PDF, f"results-book-{day.isoformat()}.pdf")

    # --- spreadsheets -------------------------------------------------------------------

    def standings_export(
        self, kind: str, fmt: str, group: str, tables: Mapping[str, Document]
    ) -> Rendered:
        """`GET /v1/standings/{medals|points|combined}.{csv|xlsx}?group=...`."""
        if kind not in TABLES:
            raise MediaRequestError(404, f"unknown table {kind!r}; expected one of "
                                         f"{', '.join(TABLES)}")
        media_type = self._export_type(fmt)
        channel = f"{kind}:{self._group(group)}"
        table = tables[channel]
        sheet = exports.table_sheet(channel, table)
        body = (exports.csv_bytes(sheet, self.games) if fmt == "csv" else
                exports.xlsx_bytes([sheet], self.games,
                                   exports.tables_title(self.games, [channel], tables)))
        return Rendered(body, media_type, f"{kind}-{group}-v{table['version']}.{fmt}")

    def breakdown_export(
        self, fmt: str, documents: Iterable[Document], delegation: str | None, group: str
    ) -> Rendered:
        """`GET /v1/breakdown.{csv|xlsx}?delegation=CODE&group=...`: the awarded entries
        behind the tables (every delegation's without `delegation`)."""
        media_type = self._export_type(fmt)
        self._check_delegation(delegation)
        rows = exports.breakdown_rows(self.games, documents, delegation, self._group(group))
        sheet = exports.breakdown_sheet(rows, delegation)
        body = (exports.csv_bytes(sheet, self.games) if fmt == "csv" else
                exports.xlsx_bytes([sheet], self.games, f"{self.games['name']} {sheet.title}"))
        return Rendered(body, media_type, f"{sheet.title}-{group}.{fmt}")

    # --- share cards --------------------------------------------------------------------

    async def table_card(self, name: str, tables: Mapping[str, Document]) -> Rendered:
        """`GET /v1/cards/{medals|points|combined}-{group}.png`, `name` the part before .png."""
        kind, _, group = name.partition("-")
        if kind not in TABLES:
            raise MediaRequestError(404, f"unknown card {name!r}: cards of tables are named "
                                         "medals-GROUP, points-GROUP or combined-GROUP")
        channel = f"{kind}:{self._group(group)}"
        table = tables[channel]
        url = f"{self.public_url}#/{kind}/{group}"
        body = await self.cache.get(
            "card", channel, table["version"],
            lambda: cards.table_card_png(self.games, channel, table, url),
        )
        return Rendered(body, PNG, f"{name}-v{table['version']}.png")

    async def event_card(self, document: Document) -> Rendered:
        """`GET /v1/cards/event/{event_id}.png`."""
        event_id, revision = document["event"]["id"], document["revision"]
        url = f"{self.public_url}#/event/{event_id}"
        body = await self.cache.get(
            "card", f"event:{event_id}", revision,
            lambda: cards.event_card_png(self.games, document, url),
        )
        return Rendered(body, PNG, f"event-{event_id}-r{revision or 0}.png")

    # --- text ---------------------------------------------------------------------------

    def daily_report(
        self, day_text: str, documents: Iterable[Document], tables: Mapping[str, Document],
        delegation: str | None,
    ) -> Rendered:
        """`GET /v1/reports/{date}?delegation=CODE`: the day's report draft (战报)."""
        day = parse_day(day_text)
        self._check_delegation(delegation)
        text = report.daily_report(self.games, documents, tables, day, delegation)
        suffix = f"-{delegation}" if delegation else ""
        return Rendered(text.encode(), TEXT, f"report-{day.isoformat()}{suffix}.txt")

    def _group(self, group: str) -> str:
        if group not in self._groups:
            raise MediaRequestError(400, f"unknown group {group!r}; expected one of "
                                         f"{', '.join(self._groups)}")
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
