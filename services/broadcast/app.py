"""broadcast: public REST reads, the live WebSocket feed and the board page."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from services.broadcast.follower import follow
from services.broadcast.hub import Client, Hub, frame
from shared import db
from shared.definitions import Definitions, load_definitions
from shared.documents import event_document
from shared.settings import Settings
from shared.web import Readiness, health_routes, problem_response

log = structlog.get_logger()

DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.CannotConnectNowError, TimeoutError)
MAX_CHANNELS = 200


class Broadcast:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False, "state": False})
        self.hub = Hub(definitions.games)
        self.pool: db.Pool | None = None
        self._games_document = orjson.dumps(definitions.games.public_document())

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(self._start())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
        self.readiness.set("postgresql", True)
        await follow(self.settings, self.pool, self.hub, self.readiness)

    # --- REST -------------------------------------------------------------------

    async def games(self, request: Request) -> Response:
        return Response(self._games_document, media_type="application/json")

    def _table(self, kind: str, request: Request) -> Response:
        group = request.query_params.get("group", "all")
        channel = f"{kind}:{group}"
        if not self.readiness.conditions.get("state"):
            return problem_response(503, "Service Unavailable", "standings are loading",
                                    headers={"Retry-After": "2"})
        table = self.hub.tables.get(channel)
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
        event = self.definitions.games.event(event_id)
        if event is None:
            return problem_response(404, "Not Found", f"unknown event {event_id!r}")
        if self.pool is None:
            return problem_response(503, "Service Unavailable", "the database is not ready",
                                    headers={"Retry-After": "2"})
        document = await self.pool.fetchval(
            "SELECT document FROM event_results WHERE event_id = $1", event_id
        )
        if document is None:
            document = event_document(self.definitions.games, event, None, (), ())
        return JSONResponse(document)

    # --- WebSocket ----------------------------------------------------------------

    async def live(self, websocket: WebSocket) -> None:
        await websocket.accept()
        client = Client(websocket)
        self.hub.connect(client)
        writer = asyncio.create_task(client.write_loop())
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self._handle(client, message.get("text"))
        except WebSocketDisconnect:
            pass
        finally:
            self.hub.disconnect(client)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await writer

    def _error(self, client: Client, code: str, detail: str) -> None:
        client.send_text(orjson.dumps({"type": "error", "error": code, "detail": detail}).decode())

    async def _handle(self, client: Client, text: str | None) -> None:
        if text is None:
            self._error(client, "bad_frame", "send JSON text frames, not binary")
            return
        try:
            request: Any = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            self._error(client, "bad_json", f"the frame is not valid JSON: {error}")
            return
        if not isinstance(request, dict):
            self._error(client, "bad_request", "a request is a JSON object with an 'op'")
            return
        op = request.get("op")
        if op == "ping":
            client.send_text('{"type":"pong"}')
        elif op in ("subscribe", "unsubscribe"):
            channels = request.get("channels")
            if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
                self._error(client, "bad_request", "'channels' must be a list of strings")
                return
            unknown = [c for c in channels if not self.hub.is_channel(c)]
            if unknown:
                self._error(client, "unknown_channel", f"unknown channel(s): {', '.join(unknown)}")
            known = [c for c in channels if c not in unknown]
            if op == "unsubscribe":
                self.hub.unsubscribe(client, known)
            else:
                await self._subscribe(client, known, request.get("since"))
        else:
            self._error(client, "unknown_op", f"unknown op {op!r}; expected subscribe,"
                        " unsubscribe or ping")

    async def _subscribe(self, client: Client, channels: list[str], since: object) -> None:
        new = [c for c in dict.fromkeys(channels) if c not in client.channels]
        if len(client.channels) + len(new) > MAX_CHANNELS:
            self._error(client, "too_many_channels", f"at most {MAX_CHANNELS} channels")
            return
        if since is not None and (not isinstance(since, int) or isinstance(since, bool)
                                  or since < 0):
            self._error(client, "bad_request", "'since' must be a non-negative integer seq")
            return
        tables = {c for c in new if self.hub.is_table(c)}
        replayed = [c for c in new if c not in tables]
        if since is None or not replayed or self.pool is None:
            self.hub.subscribe(client, new)
        else:
            client.hold()
            self.hub.subscribe(client, new)
            upto = self.hub.last_seq
            rows = await self.pool.fetch(
                "SELECT seq, channel, type, data FROM feed WHERE seq > $1 AND seq <= $2"
                " AND channel = ANY($3::text[]) ORDER BY seq",
                since, upto, replayed,
            )
            for row in rows:
                client.send_text(frame(row["channel"], row["type"], row["seq"], row["data"]))
            client.release(drop_updates_for=tables)
        for channel in new:
            if channel in tables:
                self.hub.snapshot(client, channel)


BOARD_DIR = Path(__file__).parent / "board"


async def board_page(request: Request) -> Response:
    return FileResponse(BOARD_DIR / "index.html")


def create_app(settings: Settings) -> Starlette:
    broadcast = Broadcast(settings, load_definitions(settings))
    routes = [
        Route("/", board_page),
        Mount("/board", StaticFiles(directory=BOARD_DIR), name="board"),
        Route("/v1/games", broadcast.games),
        Route("/v1/standings/medals", broadcast.medals),
        Route("/v1/standings/points", broadcast.points),
        Route("/v1/events/{event_id}", broadcast.event),
        WebSocketRoute("/v1/live", broadcast.live),
        *health_routes(broadcast.readiness, required=("postgresql", "kafka", "state")),
    ]
    return Starlette(routes=routes, lifespan=broadcast.lifespan)
