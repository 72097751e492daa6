"""ingest: officials' results in, made durable in PostgreSQL, relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

import asyncpg
import orjson
import structlog
from prometheus_client import Counter, Histogram
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.ingest import answers, store
from services.ingest.assignments import my_events_document
from services.ingest.audit import history_document
from services.ingest.openapi import openapi_document
from services.ingest.texts import Lang, negotiate
from services.ingest.validation import check_result, requested_event
from shared import bus, db
from shared.definitions import Definitions, load_definitions
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.tokens import Token, find_token, revoked_at
from shared.web import Readiness, health_routes, problem_response

log = structlog.get_logger()

ANSWERS = Counter("podium_ingest_answers_total", "Answers to POST /v1/results", ["status"])
LATENCY = Histogram(
    "podium_ingest_seconds", "Time to answer POST /v1/results",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# What an unreachable, restarting or overloaded PostgreSQL raises through asyncpg.
DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.exceptions.OperatorInterventionError,
                 asyncpg.exceptions.InsufficientResourcesError, TimeoutError)
# A hung database must not hold an official's phone waiting: past this, answer 503. A request
# cut off while committing is safe to repeat: the very same submission is answered 200.
DATABASE_TIMEOUT_S = 10
HEALTH_PROBE_S = 1.0

ENTER_DIR = Path(__file__).parent / "enter"
# The page keeps the official's token in localStorage, so it runs only its own scripts.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'none';"
                               " frame-ancestors 'none'",
    "Cache-Control": "no-cache",
}

class Ingest:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.games = definitions.games
        self.readiness = Readiness({"postgresql": False, "kafka": False})
        self.pool: db.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.openapi = orjson.dumps(openapi_document(self.games))

    # --- answers ------------------------------------------------------------------------

    async def post_result(self, request: Request) -> Response:
        started = time.perf_counter()
        response = await self._guarded(request, self._post_result)
        ANSWERS.labels(str(response.status_code)).inc()
        LATENCY.observe(time.perf_counter() - started)
        return response

    async def _post_result(self, request: Request, lang: Lang) -> Response:
        # Who asks comes first, then what they may do, then what they sent; a body declared
        # too large is refused before anything else, unread.
        if _declared_length(request) > answers.MAX_BODY_BYTES:
            return answers.too_large(lang)
        token = await self._official(request, lang)
        if isinstance(token, Response):
            return token
        raw = await _read_body(request)
        if raw is None:
            return answers.too_large(lang)
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            return answers.not_json(lang, str(error))
        event = requested_event(payload, self.games)
        if event is not None and not token.may_enter_for(event.venue):
            return answers.venue_not_allowed(lang, token, event, self.games)
        body, issues = check_result(payload, self.games)
        if body is None:
            return answers.invalid(lang, issues)
        event = self.games.event(body.event_id)
        assert event is not None, "check_result knows the event"

        async with _database():
            outcome = await store.accept_revision(
                self._pool(), event_id=body.event_id, revision=body.revision,
                status=body.status, note=body.note, entries=body.normalized_entries(),
                token_id=token.id,
            )
        if isinstance(outcome, store.Conflict):
            return answers.conflict(lang, outcome, event)
        if not outcome.created:
            return JSONResponse(outcome.answer(), status_code=200)
        self._relay().wake()
        log.info("result accepted", event_id=body.event_id, revision=body.revision,
                 status=body.status, by=token.name)
        return JSONResponse(outcome.answer(), status_code=202)

    async def history(self, request: Request) -> Response:
        return await self._guarded(request, self._history)

    async def _history(self, request: Request, lang: Lang) -> Response:
        token = await self._official(request, lang)
        if isinstance(token, Response):
            return token
        event_id = request.path_params["event_id"]
        event = self.games.event(event_id)
        if event is None:
            return answers.unknown_event(lang, event_id)
        if not token.may_enter_for(event.venue):
            return answers.venue_not_allowed(lang, token, event, self.games)
        async with _database():
            revisions = await store.event_revisions(self._pool(), event_id)
        return JSONResponse(history_document(event, revisions))

    async def my_events(self, request: Request) -> Response:
        return await self._guarded(request, self._my_events)

    async def _my_events(self, request: Request, lang: Lang) -> Response:
        token = await self._official(request, lang)
        if isinstance(token, Response):
            return token
        event_ids = [e.id for e in self.games.events if token.may_enter_for(e.venue)]
        async with _database():
            current = await store.current_revisions(self._pool(), event_ids)
        return JSONResponse(my_events_document(token, self.games, datetime.now(UTC), current))

    async def openapi_json(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")

    # --- shared steps -------------------------------------------------------------------

    async def _guarded(
        self, request: Request, handler: Callable[[Request, Lang], Awaitable[Response]]
    ) -> Response:
        """The handler's answer in the caller's language; PostgreSQL out of reach is a 503."""
        lang = negotiate(request.headers.get("accept-language", ""))
        try:
            return await handler(request, lang)
        except DATABASE_DOWN as error:
            log.warning("database unavailable", path=request.url.path, error=repr(error))
            self.readiness.set("postgresql", False)
            return answers.database_down(lang)

    async def _official(self, request: Request, lang: Lang) -> Token | Response:
        """The official's or admin's token the request carries, or the answer refusing it."""
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            return answers.no_token(lang)
        async with _database():
            token = await find_token(self._pool(), secret)
            revoked = None if token else await revoked_at(self._pool(), secret)
        if token is None:
            return answers.unknown_token(lang, revoked)
        if not token.enters_results:
            return answers.media_key(lang)
        return token

    def _pool(self) -> db.Pool:
        if self.pool is None:
            raise ConnectionError("not connected to PostgreSQL yet")
        return self.pool

    def _relay(self) -> OutboxRelay:
        assert self.relay is not None, "the relay starts with the pool"
        return self.relay

    # --- life -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        connect = asyncio.create_task(self._connect())
        try:
            yield
        finally:
            connect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connect
            if self.pool is not None:
                await self.pool.close()

    async def _connect(self) -> None:
        """Retries until PostgreSQL answers, then watches it and runs the outbox relay."""
        while self.pool is None:
            try:
                pool = await db.create_pool(self.settings.database_url, max_size=20)
                await db.migrate(pool)
                self.pool = pool
            except DATABASE_DOWN as error:
                log.warning("waiting for PostgreSQL", error=repr(error))
                await asyncio.sleep(1)
        self.readiness.set("postgresql", True)
        self.relay = OutboxRelay(
            self.pool, store.SubmissionsOutbox(self.settings.results_topic),
            lambda: bus.new_producer(self.settings), self.readiness,
        )
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._watch_database(self.pool))
            tasks.create_task(self._relay_forever(self.relay))

    async def _watch_database(self, pool: db.Pool) -> None:
        # /healthz must turn healthy again once PostgreSQL is back, even if no official
        # happens to submit anything in the meantime.
        while True:
            try:
                async with asyncio.timeout(HEALTH_PROBE_S * 2):
                    await pool.fetchval("SELECT 1")
                self.readiness.set("postgresql", True)
            except DATABASE_DOWN:
                self.readiness.set("postgresql", False)
            await asyncio.sleep(HEALTH_PROBE_S)

    async def _relay_forever(self, relay: OutboxRelay) -> None:
        await bus.create_topics_when_reachable(self.settings)
        while True:
            try:
                await relay.run()
            except Exception:
                # A relay that stopped would strand every accepted result in the outbox.
                log.exception("outbox relay failed; restarting it")
                await asyncio.sleep(1)


def _database() -> asyncio.Timeout:
    """Bounds the PostgreSQL work of a request (DATABASE_TIMEOUT_S), never the client's upload."""
    return asyncio.timeout(DATABASE_TIMEOUT_S)


def _declared_length(request: Request) -> int:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it exceeds the limit (read no further than that)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > answers.MAX_BODY_BYTES:
            return None
    return bytes(raw)


async def http_problem(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such path, wrong method) as problem details too."""
    assert isinstance(error, HTTPException)
    return problem_response(
        error.status_code, HTTPStatus(error.status_code).phrase,
        f"{request.method} {request.url.path}: {error.detail}", headers=dict(error.headers or {}),
    )


async def entry_page(request: Request) -> Response:
    return FileResponse(ENTER_DIR / "index.html", headers=PAGE_HEADERS)


def create_app(settings: Settings) -> Starlette:
    ingest = Ingest(settings, load_definitions(settings))
    routes = [
        Route("/v1/results", ingest.post_result, methods=["POST"]),
        Route("/v1/events/{event_id}/history", ingest.history),
        Route("/v1/my/events", ingest.my_events),
        Route("/openapi.json", ingest.openapi_json),
        Route("/enter", entry_page),
        Mount("/enter", StaticFiles(directory=ENTER_DIR), name="enter"),
        # Accepting needs only PostgreSQL: with Kafka down results queue in the outbox.
        *health_routes(ingest.readiness, required=("postgresql",)),
    ]
    return Starlette(routes=routes, lifespan=ingest.lifespan,
                     exception_handlers={HTTPException: http_problem})
