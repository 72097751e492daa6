"""broadcast: public REST reads, the live feed (WebSocket, SSE, `GET /v1/feed`) and the
board page. The WebSocket side is not ASGI: see websocket.py and shared/web.py serve()."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import orjson
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.broadcast.access import MediaKeys, Refusal, is_seq, key_from, refusal_response
from services.broadcast.config import LiveSettings
from services.broadcast.follower import follow
from services.broadcast.history import DATABASE_ERRORS, History
from services.broadcast.hub import Hub
from services.broadcast.live import Live
from services.broadcast.sse import SseEndpoint
from services.broadcast.websocket import LiveEndpoint
from shared import db
from shared.definitions import Definitions, load_definitions
from shared.settings import Settings
from shared.web import Readiness, health_routes, problem_response

log = structlog.get_logger()

DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.CannotConnectNowError, TimeoutError)


class Broadcast:
    def __init__(self, settings: Settings, live_settings: LiveSettings,
                 definitions: Definitions) -> None:
        self.settings = settings
        self.live_settings = live_settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False, "state": False})
        self.hub = Hub(definitions.games, replay_window=live_settings.replay_window,
                       coalesce_s=live_settings.coalesce_ms / 1000)
        self.history = History(live_settings.replay_window)
        self.keys = MediaKeys(live_settings, self.history)
        self.live = Live(self.hub, self.history, self.keys, live_settings, self.readiness)
        self.websocket = LiveEndpoint(self.live, secrets.token_hex(4),
                                      live_settings.ping_interval_s)
        self.sse = SseEndpoint(self.live)
        self.pool: db.Pool | None = None
        self._games_document = orjson.dumps(definitions.games.public_document())

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self._start()),
                 asyncio.create_task(self.websocket.keep_alive())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.pool is not None:
                await self.pool.close()

    async def _start(self) -> None:
        while self.pool is None:
            try:
                pool = await db.create_pool(self.settings.database_url, max_size=10)
                await db.migrate(pool)
                self.pool = pool
            except DATABASE_DOWN as error:
                log.warning("waiting for PostgreSQL", error=repr(error))
                await asyncio.sleep(1)
        self.history.attach(self.pool)
        self.readiness.set("postgresql", True)
        await follow(self.settings, self.history, self.hub, self.readiness)

    def _not_ready(self) -> Response | None:
        if self.readiness.conditions.get("state"):
            return None
        return problem_response(503, "Service Unavailable", "the live state is loading",
                                headers={"Retry-After": "2"})

    # --- REST -------------------------------------------------------------------

    async def games(self, request: Request) -> Response:
        return Response(self._games_document, media_type="application/json")

    def _table(self, kind: str, request: Request) -> Response:
        group = request.query_params.get("group", "all")
        if (waiting := self._not_ready()) is not None:
            return waiting
        table = self.hub.tables.get(f"{kind}:{group}")
        if table is None:
            groups = ", ".join(["all", *(g.code for g in self.definitions.games.groups)])
            return problem_response(
                400, "Bad Request", f"unknown group {group!r}; expected one of {groups}"
            )
        return JSONResponse(table)

    async def medals(self, request: Request) -> Response:
        return self._table("medals", request)

    async def points(self, request: Request) -> Response:
        return self._table("points", request)

    async def event(self, request: Request) -> Response:
        event_id = request.path_params["event_id"]
        if self.definitions.games.event(event_id) is None:
            return problem_response(404, "Not Found", f"unknown event {event_id!r}")
        if (waiting := self._not_ready()) is not None:
            return waiting
        return JSONResponse(self.hub.state_of(f"event:{event_id}"))

    async def feed(self, request: Request) -> Response:
        """`GET /v1/feed?since=SEQ[&limit=N][&channels=a,b]`: the history as JSON pages."""
        if (waiting := self._not_ready()) is not None:
            return waiting
        access = await self.keys.access(
            key_from(request.query_params.get("key"), request.headers.get("authorization"))
        )
        if isinstance(access, Refusal):
            return refusal_response(access)
        since_text = request.query_params.get("since", "0")
        limit_text = request.query_params.get("limit", str(access.feed_page_limit))
        channels_text = request.query_params.get("channels")
        channels = None if channels_text is None else [c for c in channels_text.split(",") if c]
        problem = None
        if not is_seq(since_text):
            problem = "since must be a non-negative integer seq"
        elif not is_seq(limit_text) or int(limit_text) == 0:
            problem = "limit must be a positive integer"
        elif channels is not None and (unknown := self.live.unknown_channels(channels)):
            problem = f"unknown channel(s): {', '.join(unknown)}"
        if problem is not None:
            return problem_response(400, "Bad Request", problem)
        since = int(since_text)
        limit = min(int(limit_text), access.feed_page_limit)
        if since > self.hub.last_seq and not await self.hub.reached(
            since, self.live_settings.since_ahead_wait_s
        ):
            return _since_ahead(since, self.hub.last_seq)
        last_seq = self.hub.last_seq
        try:
            items = await self.history.page(since, last_seq, channels, limit + 1)
        except DATABASE_ERRORS:
            return refusal_response(Refusal(503, "the history cannot be read right now"))
        more = len(items) > limit
        items = items[:limit]
        body = {"since": since, "last_seq": last_seq,
                "next_since": items[-1]["seq"] if more else last_seq, "more": more,
                "items": items}
        return Response(orjson.dumps(body), media_type="application/json")


def _since_ahead(since: int, last_seq: int) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": "Conflict", "status": 409, "reason": "since_ahead",
         "detail": f"since {since} is ahead of this server's feed (last seq {last_seq}): it"
                   " comes from another games or server; read the standings again and"
                   " continue from last_seq",
         "last_seq": last_seq},
        status_code=409, media_type="application/problem+json",
    )


BOARD_DIR = Path(__file__).parent / "board"


async def board_page(request: Request) -> Response:
    return FileResponse(BOARD_DIR / "index.html")


def create_app(settings: Settings, live_settings: LiveSettings | None = None) -> Starlette:
    broadcast = Broadcast(settings, live_settings or LiveSettings(), load_definitions(settings))
    routes = [
        Route("/", board_page),
        Mount("/board", StaticFiles(directory=BOARD_DIR), name="board"),
        Route("/v1/games", broadcast.games),
        Route("/v1/standings/medals", broadcast.medals),
        Route("/v1/standings/points", broadcast.points),
        Route("/v1/events/{event_id}", broadcast.event),
        Route("/v1/feed", broadcast.feed),
        Route("/v1/sse", broadcast.sse.handle),
        *health_routes(broadcast.readiness, required=("postgresql", "kafka", "state")),
    ]
    app = Starlette(routes=routes, lifespan=broadcast.lifespan)
    # __main__ serves the WebSocket side from here (it is not an ASGI route).
    app.state.broadcast = broadcast
    return app
