"""broadcast: public REST reads, the live feed (WebSocket, SSE, `GET /v1/feed`) and the
board page. The WebSocket side is not ASGI: see websocket.py and shared/adapters/web.py serve()."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.broadcast.access import is_seq, key_from
from services.broadcast.caching import DEFINITIONS_READ, cacheable_json, strong_etag, validated
from services.broadcast.config import LiveSettings, MediaSettings
from services.broadcast.follower import Follower
from services.broadcast.history import History
from services.broadcast.hub import Hub
from services.broadcast.keys import KeyHolder, MediaKeys
from services.broadcast.limits import RequestsInFlight, unavailable
from services.broadcast.live import MAX_EPOCH_LENGTH, Live
from services.broadcast.media_routes import MediaRoutes
from services.broadcast.metrics import LAST_SEQ
from services.broadcast.openapi import openapi_endpoint
from services.broadcast.sse import SseEndpoint, request_address
from services.broadcast.websocket import LiveEndpoint
from shared.adapters.db import Database
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.service import keep_running, running
from shared.adapters.settings import Settings
from shared.adapters.web import ProblemError, Readiness, health_routes, problem_handlers
from shared.contract import channels


class Broadcast:
    def __init__(self, settings: Settings, live_settings: LiveSettings,
                 definitions: Definitions, media_settings: MediaSettings | None = None) -> None:
        self.settings = settings
        self.live_settings = live_settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False, "state": False})
        self.database = Database(settings.database_url, max_size=10,
                                 migrate=settings.migrate)
        self.hub = Hub(definitions.games, replay_window=live_settings.replay_window,
                       coalesce_s=live_settings.coalesce_ms / 1000)
        self.history = History(self.database, live_settings.replay_window)
        self.keys = MediaKeys(live_settings, self.database)
        self.live = Live(self.hub, self.history, self.keys, live_settings, self.readiness)
        self.websocket = LiveEndpoint(self.live, secrets.token_hex(4),
                                      live_settings.ping_interval_s)
        self.sse = SseEndpoint(self.live)
        self.follower = Follower(settings, self.history, self.hub, self.readiness)
        self._games_document = orjson.dumps(definitions.games.public_document())
        self._games_etag = strong_etag(self._games_document)
        LAST_SEQ.set_function(lambda: self.hub.last_seq)
        self.media = MediaRoutes(definitions, self.hub, self.database, self._require_state,
                                 media_settings or MediaSettings(), settings.broadcast_port,
                                 BOARD_DIR)

    def lifespan(self, app: Starlette) -> contextlib.AbstractAsyncContextManager[None]:
        return running(self._start(), self.websocket.keep_alive(), self.media.run(),
                       keep_running("media key checks",
                                    lambda: self.keys.watch(self._key_holders)),
                       database=self.database)

    def _key_holders(self) -> Iterator[KeyHolder]:
        """The open connections a media key let in."""
        yield from self.websocket.connections()
        yield from self.sse.streams()

    async def _start(self) -> None:
        await self.database.connect()
        self.readiness.set("postgresql", True)
        await self.follower.run()

    def database_down(self, request: Request, error: Exception) -> ProblemError:
        return unavailable("the history cannot be read right now")

    def _require_state(self) -> None:
        if not self.readiness.conditions.get("state"):
            raise unavailable("the live state is loading")

    # --- REST -------------------------------------------------------------------

    async def games(self, request: Request) -> Response:
        return validated(request, self._games_document, self._games_etag, DEFINITIONS_READ)

    def _table(self, kind: channels.TableKind, request: Request) -> Response:
        group = request.query_params.get("group", "all")
        self._require_state()
        table = self.hub.tables.get(channels.table(kind, group))
        if table is None:
            groups = ", ".join(["all", *(g.code for g in self.definitions.games.groups)])
            raise ProblemError(400, f"unknown group {group!r}; expected one of {groups}")
        return cacheable_json(request, orjson.dumps(table))

    async def medals(self, request: Request) -> Response:
        return self._table("medals", request)

    async def points(self, request: Request) -> Response:
        return self._table("points", request)

    async def records(self, request: Request) -> Response:
        """`GET /v1/records`: the records document scoring publishes (docs/records.md)."""
        self._require_state()
        document = self.hub.tables.get(channels.RECORDS)
        if document is None:
            raise unavailable("scoring has not published the records yet")
        return cacheable_json(request, orjson.dumps(document))

    async def event(self, request: Request) -> Response:
        event_id = request.path_params["event_id"]
        if self.definitions.games.event(event_id) is None:
            raise ProblemError(404, f"unknown event {event_id!r}")
        self._require_state()
        return cacheable_json(request, orjson.dumps(self.hub.state_of(channels.event(event_id))))

    async def tournament(self, request: Request) -> Response:
        """`GET /v1/events/{event_id}/tournament`: a team event's pool tables and bracket."""
        event_id = request.path_params["event_id"]
        event = self.definitions.games.event(event_id)
        if event is None:
            raise ProblemError(404, f"unknown event {event_id!r}")
        if event.tournament is None:
            raise ProblemError(404, f"{event_id} is not played as a tournament: its ranking is "
                                    f"its result, GET /v1/events/{event_id}")
        self._require_state()
        return cacheable_json(request,
                              orjson.dumps(self.hub.state_of(channels.tournament(event_id))))

    async def schedule(self, request: Request) -> Response:
        """`GET /v1/schedule?date=YYYY-MM-DD&venue=ID&delegation=CODE` (each optional)."""
        games = self.definitions.games
        params = request.query_params
        day = None
        if "date" in params:
            try:
                day = date.fromisoformat(params["date"])
            except ValueError:
                raise ProblemError(400, f"date {params['date']!r} is not a YYYY-MM-DD date")\
                    from None
        venue, delegation = params.get("venue"), params.get("delegation")
        if venue is not None and games.venue(venue) is None:
            raise ProblemError(400, f"unknown venue {venue!r}; GET /v1/games lists them")
        if delegation is not None and games.delegation(delegation) is None:
            raise ProblemError(400, f"unknown delegation {delegation!r}; expected one of "
                                    f"{', '.join(games.delegation_codes)}")
        self._require_state()
        units = self.hub.units.listed(day=day, venue=venue, delegation=delegation)
        return cacheable_json(request, orjson.dumps({"units": units}))

    async def unit(self, request: Request) -> Response:
        """`GET /v1/units/{unit_id}`: the unit, its start list and its latest result."""
        unit_id = request.path_params["unit_id"]
        if self.definitions.games.unit(unit_id) is None:
            raise ProblemError(404, f"unknown unit {unit_id!r}; a unit is <event id>/<phase>,"
                                    " e.g. ath-youth-m-100m/heat-1")
        self._require_state()
        return cacheable_json(request, orjson.dumps(self.hub.unit_document(unit_id)))

    async def feed(self, request: Request) -> Response:
        """`GET /v1/feed?since=SEQ[&limit=N][&channels=a,b]`: the history as JSON pages."""
        self._require_state()
        access = await self.keys.access(
            key_from(request.query_params.get("key"), request.headers.get("authorization")),
            request_address(self.live, request),
        )
        since_text = request.query_params.get("since", "0")
        epoch = request.query_params.get("epoch")
        limit_text = request.query_params.get("limit", str(access.feed_page_limit))
        channels_text = request.query_params.get("channels")
        wanted = None if channels_text is None else [c for c in channels_text.split(",") if c]
        if not is_seq(since_text):
            raise ProblemError(400, "since must be a non-negative integer seq")
        if not is_seq(limit_text) or int(limit_text) == 0:
            raise ProblemError(400, "limit must be a positive integer")
        if wanted is not None and (unknown := self.live.unknown_channels(wanted)):
            raise ProblemError(400, f"unknown channel(s): {', '.join(unknown)}")
        if epoch is not None and len(epoch) > MAX_EPOCH_LENGTH:
            raise ProblemError(400, "epoch must be the `epoch` of a feed page or `subscribed`")
        hub = self.hub
        if epoch is not None and epoch != hub.epoch:
            raise _elsewhere(
                "epoch_changed", hub,
                f"epoch {epoch} is another feed's (this one is {hub.epoch}): the database was"
                " restored or replaced, so its seqs mean nothing here; read the standings"
                " again and continue from last_seq")
        since = int(since_text)
        limit = min(int(limit_text), access.feed_page_limit)
        if since > hub.last_seq and not await hub.reached(
            since, self.live_settings.since_ahead_wait_s
        ):
            raise _elsewhere(
                "since_ahead", hub,
                f"since {since} is ahead of this server's feed (last seq {hub.last_seq}): it"
                " comes from another games or server; read the standings again and continue"
                " from last_seq")
        last_seq = hub.last_seq
        items = await self.history.page(since, last_seq, wanted, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        body = {"since": since, "last_seq": last_seq, "epoch": hub.epoch,
                "next_since": items[-1]["seq"] if more else last_seq, "more": more,
                "items": items}
        return Response(orjson.dumps(body), media_type="application/json")


def _elsewhere(reason: str, hub: Hub, detail: str) -> ProblemError:
    """A 409 for a position that is not one of this feed's: where the feed stands instead."""
    return ProblemError(409, detail, members={"reason": reason, "last_seq": hub.last_seq,
                                              "epoch": hub.epoch})


BOARD_DIR = Path(__file__).parent / "board"


async def board_page(request: Request) -> Response:
    return FileResponse(BOARD_DIR / "index.html")


def create_app(settings: Settings, live_settings: LiveSettings | None = None) -> Starlette:
    broadcast = Broadcast(settings, live_settings or LiveSettings(),
                          load_definitions(settings.games_dir))
    routes = [
        Route("/", board_page),
        Mount("/board", StaticFiles(directory=BOARD_DIR), name="board"),
        Route("/v1/games", broadcast.games),
        Route("/v1/standings/medals", broadcast.medals),
        Route("/v1/standings/points", broadcast.points),
        Route("/v1/events/{event_id}", broadcast.event),
        Route("/v1/events/{event_id}/tournament", broadcast.tournament),
        Route("/v1/records", broadcast.records),
        Route("/v1/schedule", broadcast.schedule),
        Route("/v1/units/{unit_id:path}", broadcast.unit),
        Route("/v1/feed", broadcast.feed),
        Route("/v1/sse", broadcast.sse.handle),
        *broadcast.media.routes(),
        Route("/openapi.json", openapi_endpoint(broadcast.definitions.games)),
        *health_routes(broadcast.readiness,
                       required=("postgresql", "kafka", "state", "follower")),
    ]
    app = Starlette(routes=routes, lifespan=broadcast.lifespan,
                    exception_handlers=problem_handlers(broadcast.database_down),
                    middleware=[Middleware(RequestsInFlight,
                                           limit=broadcast.live_settings.max_requests_in_flight)])
    # __main__ serves the WebSocket side from here (it is not an ASGI route).
    app.state.broadcast = broadcast
    return app
