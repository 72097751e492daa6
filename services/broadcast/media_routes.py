"""The media's HTTP routes (docs/media.md): bulletins and results books as PDF, the tables
and breakdowns as CSV and XLSX, share cards as PNG, the daily report as text, and the embed
pages for other websites' frames.

Every output is rendered by `media.desk.MediaDesk` in the render processes, once per
version of what it shows (the cache), and answered with an ETag of its body: a client or
proxy that sends it back in If-None-Match gets 304 until the output changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Any, Final

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from services.broadcast.caching import etag_matches
from services.broadcast.config import MediaSettings
from services.broadcast.day_tables import DayTables
from services.broadcast.hub import Hub
from services.broadcast.limits import unavailable
from services.broadcast.media.cache import RenderCache
from services.broadcast.media.desk import MediaDesk, MediaRequestError, Rendered, parse_day
from services.broadcast.media.processes import RenderProcesses
from services.broadcast.media.wording import TABLES, beijing
from shared.adapters.db import Database
from shared.adapters.definitions import Definitions
from shared.adapters.web import ProblemError
from shared.contract import channels

# Outputs change with every new version: a cache may keep one but must ask again each time
# (with If-None-Match, answered 304 while it is current).
CACHE_CONTROL: Final = "public, no-cache"
EMBED_VIEWS: Final = (*TABLES, "results")
EMBED_PAGE: Final = "embed.html"

RENDERS = Counter("podium_media_renders_total",
                  "Media outputs rendered; a request served from the render cache adds none",
                  ["kind"])


def embed_policy(frame_ancestors: str) -> str:
    """The embed pages' Content-Security-Policy: their own scripts, styles and live
    connection only, in a frame of the sites `frame_ancestors` allows."""
    return ("default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none';"
            f" frame-ancestors {frame_ancestors}")


class MediaRoutes:
    def __init__(self, definitions: Definitions, hub: Hub, database: Database,
                 require_state: Callable[[], None], settings: MediaSettings,
                 broadcast_port: int, board_dir: Path) -> None:
        self.games = definitions.games
        self.hub = hub
        self.require_state = require_state
        self.settings = settings
        self.processes = RenderProcesses(settings.render_processes)
        self.desk = MediaDesk(self.games.public_document(), settings.live_page(broadcast_port),
                              RenderCache(executor=self.processes,
                                          on_render=lambda kind: RENDERS.labels(kind).inc()))
        self.day_tables = DayTables(database, self.games, definitions.rules,
                                    lambda: self.hub.tables)
        self.days = frozenset(beijing(event.scheduled_at).date() for event in self.games.events)
        self.embed_file = board_dir / EMBED_PAGE
        self.embed_headers = {"Content-Security-Policy": embed_policy(
            settings.embed_frame_ancestors), "Cache-Control": "no-cache"}

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/events/{event_id}/bulletin.pdf", self.bulletin),
            Route("/v1/bulletins/{date}.pdf", self.book),
            Route("/v1/standings/{table}.{format}", self.table_export),
            Route("/v1/breakdown.{format}", self.breakdown),
            Route("/v1/cards/event/{event_id}.png", self.event_card),
            Route("/v1/cards/{name}.png", self.table_card),
            Route("/v1/reports/{date}", self.report),
            Route("/embed/{view}", self.embed),
        ]

    async def run(self) -> None:
        """For the service's lifespan: the render workers started and warm before the first
        request waits for them; stopped with the service."""
        try:
            await asyncio.wrap_future(self.processes.start())
            await asyncio.Event().wait()
        finally:
            self.processes.shutdown(wait=False, cancel_futures=True)

    # --- the routes ------------------------------------------------------------------------

    async def bulletin(self, request: Request) -> Response:
        document = self._event_document(request.path_params["event_id"])
        return await self._answer(request, self.desk.event_bulletin(document))

    async def book(self, request: Request) -> Response:
        day = self._games_day(request.path_params["date"])
        tables = await self.day_tables.at_end_of(day)
        return await self._answer(
            request, self.desk.day_book(day.isoformat(), self._documents(), tables))

    async def report(self, request: Request) -> Response:
        day = self._games_day(request.path_params["date"])
        delegation = request.query_params.get("delegation")
        tables = await self.day_tables.at_end_of(day)
        return await self._answer(request, self.desk.daily_report(
            day.isoformat(), self._documents(), tables, delegation))

    async def table_export(self, request: Request) -> Response:
        self.require_state()
        return await self._answer(request, self.desk.standings_export(
            request.path_params["table"], request.path_params["format"],
            request.query_params.get("group", "all"), self.hub.tables))

    async def breakdown(self, request: Request) -> Response:
        self.require_state()
        return await self._answer(request, self.desk.breakdown_export(
            request.path_params["format"], self._documents(),
            request.query_params.get("delegation"), request.query_params.get("group", "all")))

    async def table_card(self, request: Request) -> Response:
        self.require_state()
        return await self._answer(
            request, self.desk.table_card(request.path_params["name"], self.hub.tables))

    async def event_card(self, request: Request) -> Response:
        document = self._event_document(request.path_params["event_id"])
        return await self._answer(request, self.desk.event_card(document))

    async def embed(self, request: Request) -> Response:
        view = request.path_params["view"]
        if view not in EMBED_VIEWS:
            raise ProblemError(404, f"unknown embed {view!r}; expected one of "
                                    f"{', '.join(EMBED_VIEWS)}")
        query = request.query_params
        for name, allowed in (("group", self.desk.groups), ("overlay", ("0", "1")),
                              ("lang", ("zh", "en"))):
            if name in query and query[name] not in allowed:
                raise ProblemError(400, f"unknown {name} {query[name]!r}; expected one of "
                                        f"{', '.join(allowed)}")
        return FileResponse(self.embed_file, headers=self.embed_headers)

    # --- helpers ---------------------------------------------------------------------------

    def _event_document(self, event_id: str) -> dict[str, Any]:
        if self.games.event(event_id) is None:
            raise ProblemError(404, f"unknown event {event_id!r}")
        self.require_state()
        return self.hub.state_of(channels.event(event_id))

    def _documents(self) -> list[dict[str, Any]]:
        return [self.hub.state_of(channels.event(event.id)) for event in self.games.events]

    def _games_day(self, text: str) -> date:
        """A day the games hold events on: the only ones with a book or a report (and so
        the only ones a request can make broadcast render)."""
        try:
            day = parse_day(text)
        except MediaRequestError as error:
            raise ProblemError(error.status, error.detail) from None
        if day not in self.days:
            raise ProblemError(404, f"the games hold no events on {day.isoformat()}; their days"
                                    f" are {', '.join(d.isoformat() for d in sorted(self.days))}")
        self.require_state()
        return day

    async def _answer(self, request: Request, rendering: Awaitable[Rendered]) -> Response:
        try:
            rendered = await rendering
        except MediaRequestError as error:
            raise ProblemError(error.status, error.detail) from None
        except BrokenProcessPool:
            raise unavailable("the renderer restarted; ask again") from None
        headers = {"ETag": rendered.etag, "Cache-Control": CACHE_CONTROL}
        if etag_matches(request.headers.get("if-none-match"), rendered.etag):
            return Response(status_code=304, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{rendered.filename}"'
        return Response(rendered.body, media_type=rendered.media_type, headers=headers)
