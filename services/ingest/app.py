"""ingest: officials' results in, made durable in PostgreSQL, relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import asyncpg
import orjson
import structlog
from prometheus_client import Counter, Histogram
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.ingest import store
from services.ingest.validation import check_against_games, parse_body
from shared import bus, db
from shared.definitions import Definitions, load_definitions
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.tokens import Token, find_token
from shared.web import Problem, Readiness, health_routes, problem_response

log = structlog.get_logger()

MAX_BODY_BYTES = 256 * 1024
RETRY_AFTER_S = "5"

ANSWERS = Counter("podium_ingest_answers_total", "Answers to POST /v1/results", ["status"])
LATENCY = Histogram(
    "podium_ingest_seconds", "Time to answer POST /v1/results",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# What an unreachable or restarting PostgreSQL raises through asyncpg.
DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                 asyncpg.CannotConnectNowError, TimeoutError)


class Ingest:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.definitions = definitions
        self.readiness = Readiness({"postgresql": False, "kafka": False})
        self.pool: db.Pool | None = None
        self.relay: OutboxRelay | None = None

    async def _authenticate(self, request: Request) -> Token | Response:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return problem_response(
                401, "Unauthorized", "send the official's token as 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        assert self.pool is not None
        token = await find_token(self.pool, secret.strip())
        if token is None:
            return problem_response(
                401, "Unauthorized", "the token is unknown or revoked",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return token

    async def post_result(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            response = await self._post_result(request)
        except DATABASE_DOWN as error:
            log.warning("database unavailable", error=repr(error))
            self.readiness.set("postgresql", False)
            response = problem_response(
                503, "Service Unavailable",
                "the results database is unreachable; nothing was stored, send it again",
                headers={"Retry-After": RETRY_AFTER_S},
            )
        ANSWERS.labels(str(response.status_code)).inc()
        LATENCY.observe(time.perf_counter() - started)
        return response

    async def _post_result(self, request: Request) -> Response:
        if self.pool is None:
            raise ConnectionError("no database pool yet")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _too_large()
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return _too_large()

        token = await self._authenticate(request)
        if isinstance(token, Response):
            return token
        if token.role == "media":
            return problem_response(403, "Forbidden", "a media key cannot enter results")

        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            return problem_response(
                422, "Unprocessable Content", "the body is not valid JSON",
                [Problem("", f"invalid JSON: {error}")],
            )
        body, problems = parse_body(payload)
        if body is None:
            return _invalid(problems)
        event, problems = check_against_games(body, self.definitions.games)
        if problems or event is None:
            return _invalid(problems)
        if not token.may_enter_for(event.venue):
            return problem_response(
                403, "Forbidden",
                f"this token may enter results for venues {', '.join(token.venues)};"
                f" {event.id} is held at {event.venue}",
            )

        outcome = await store.accept_revision(
            self.pool, event_id=body.event_id, revision=body.revision, status=body.status,
            note=body.note, entries=body.normalized_entries(), token_id=token.id,
        )
        self.readiness.set("postgresql", True)
        if isinstance(outcome, store.Conflict):
            return problem_response(
                409, "Conflict", outcome.detail,
                [Problem("/revision", outcome.detail)],
            )
        if outcome.created:
            assert self.relay is not None
            self.relay.wake()
            log.info("result accepted", event_id=body.event_id, revision=body.revision,
                     status=body.status, by=token.name)
            return JSONResponse(outcome.answer(), status_code=202)
        return JSONResponse(outcome.answer(), status_code=200)

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
        """Retries until PostgreSQL answers, then runs the outbox relay for good."""
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
        await bus.create_topics_when_reachable(self.settings)
        await self.relay.run()


def _too_large() -> Response:
    return problem_response(
        413, "Content Too Large", f"the body exceeds {MAX_BODY_BYTES} bytes"
    )


def _invalid(problems: list[Problem]) -> Response:
    return problem_response(
        422, "Unprocessable Content",
        f"the result has {len(problems)} problem(s); nothing was stored", problems,
    )


def create_app(settings: Settings) -> Starlette:
    ingest = Ingest(settings, load_definitions(settings))
    routes = [
        Route("/v1/results", ingest.post_result, methods=["POST"]),
        # Accepting needs only PostgreSQL: with Kafka down results queue in the outbox.
        *health_routes(ingest.readiness, required=("postgresql",)),
    ]
    return Starlette(routes=routes, lifespan=ingest.lifespan)
