"""ingest: officials' results in, made durable in PostgreSQL, relayed to Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import structlog
from prometheus_client import Counter, Histogram
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.ingest import answers, store
from services.ingest.assignments import my_events_document
from services.ingest.audit import history_document
from services.ingest.openapi import openapi_document
from services.ingest.results_desk import (
    awaiting_document,
    created_document,
    progress_document,
    token_document,
)
from services.ingest.tournament import Refused, follow_confirmation, follow_match
from services.ingest.units import (
    EventUnits,
    StatusRefused,
    UnitChangesOutbox,
    apply_result,
    confirm_unit,
    entry_unit_document,
    registered_entries,
    set_status,
    status_document,
    stored_updates,
)
from services.ingest.validation import (
    bib_issues,
    check_note,
    check_result,
    check_status,
    check_token_request,
    claims_records,
    requested_event,
    requested_revision,
    requested_unit,
)
from shared.adapters import db, kafka
from shared.adapters.db import DATABASE_DOWN, Database
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.outbox import OutboxRelay
from shared.adapters.rates import RatePerKey
from shared.adapters.service import keep_running, running
from shared.adapters.settings import Settings
from shared.adapters.tokens import (
    FoundTokens,
    Token,
    create_desk_token,
    list_tokens,
    refused,
    revoke_desk_token,
)
from shared.adapters.web import (
    ProblemError,
    Readiness,
    health_routes,
    problem_handlers,
    with_headers,
)
from shared.domain.checks import CheckAction, awaits_confirmation
from shared.domain.games import Event
from shared.domain.schedule import GAMES_TIMEZONE
from shared.domain.units import RANKING_PHASE, Unit

log = structlog.get_logger()

ANSWERS = Counter("podium_ingest_answers_total", "Answers to POST /v1/results", ["status"])
ACCEPTED = Counter("podium_ingest_results_accepted_total",
                   "Result revisions accepted (202), by the event's venue", ["venue"])
LATENCY = Histogram(
    "podium_ingest_seconds", "Time to answer POST /v1/results",
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# A hung database must not hold an official's phone waiting: past this, answer 503. A request
# cut off while committing is safe to repeat: the very same submission is answered 200.
DATABASE_TIMEOUT_S = 10
HEALTH_PROBE_S = 1.0

ENTER_DIR = Path(__file__).parent / "enter"
DESK_DIR = Path(__file__).parent / "desk"
# Tokens whose request rates are remembered; the least recent is forgotten first (and starts
# again with a full burst). Far more than the tokens of a games.
RATED_TOKENS = 10_000
# The pages keep the official's token in localStorage, so they run only their own scripts, no
# other site may frame them (to overlay them and steal a click), a file is only what its type
# says, and no address leaves them in a Referer. On every file under /enter and /desk: a CSP
# on /enter alone is sidestepped by opening /enter/index.html.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'none';"
                               " frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class Ingest:
    def __init__(self, settings: Settings, definitions: Definitions) -> None:
        self.settings = settings
        self.games = definitions.games
        self.readiness = Readiness({"postgresql": False, "kafka": False})
        self.rules = definitions.rules
        # Only transaction-scoped locks: nothing of a session outlives its request.
        self.database = Database(settings.database_url, max_size=20, migrate=settings.migrate,
                                 session_state=False)
        self.relay: OutboxRelay | None = None
        self.tokens = FoundTokens()
        self.openapi = orjson.dumps(openapi_document(self.games))
        self.rates: RatePerKey[int] = RatePerKey(settings.ingest_token_requests_per_s,
                                                 settings.ingest_token_request_burst,
                                                 RATED_TOKENS)

    # --- answers ------------------------------------------------------------------------

    async def post_result(self, request: Request) -> Response:
        # Who asks comes first, then what they may do, then what they sent; a body declared
        # too large is refused before anything else, unread.
        if _declared_length(request) > answers.MAX_BODY_BYTES:
            raise answers.too_large()
        token = await self._holder(request)
        raw = await _read_body(request)
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise answers.not_json(str(error)) from None
        event = requested_event(payload, self.games)
        asked = requested_unit(payload, self.games)
        venue = asked.venue if asked is not None else event.venue if event else None
        if event is not None and venue is not None and not token.may_enter_for(venue):
            raise answers.venue_not_allowed(token, event, self.games, venue)
        others = []
        if event is not None and claims_records(payload):
            # A claim must beat the records standing when its unit began: some may have been
            # set in the event's other units.
            async with _database():
                others = [other for other in await store.unit_results(self.database.pool, event)
                          if asked is None or other.unit_id != asked.unit_id]
        body, issues = check_result(payload, self.games, others)
        if body is None:
            raise answers.invalid(issues)
        event = self.games.event(body.event_id)
        unit = event.unit(body.unit_phase) if event is not None else None
        assert event is not None and unit is not None, "check_result knows the event and unit"
        entries = body.normalized_entries
        status = body.status
        waits = awaits_confirmation(token.role, status, event.sport, self.rules)

        async def units_follow(conn: db.Connection, stored: store.StoredEvent) -> None:
            # A recorder's official result waits for a referee; withdrawing or downgrading
            # an official result would change the tables without one, so it may not.
            if token.role == "recorder" and status != "official" and await store.counted_status(
                    conn, event.id, unit.phase, before=body.revision) == "official":
                raise answers.recorder_cannot_withdraw(event, status)
            # The unit's state moves with its result, in the same transaction.
            units = EventUnits.of(self.games, event, stored)
            problems = bib_issues(entries, units.entrants, self.games, event)
            if problems:
                raise answers.invalid(problems)
            refused = await apply_result(conn, units, unit, status, awaiting_confirmation=waits)
            if refused is not None:
                raise answers.round_closed(unit, event, refused.reason)
            if event.tournament is not None:
                refuse_match(unit, event, await follow_match(
                    conn, units, unit, body.revision, status, body.match, waits=waits))
            await units.save(conn)

        async with _database():
            outcome = await store.accept_revision(
                self.database.pool, event_id=body.event_id, revision=body.revision,
                status=status, note=body.note, entries=entries, token_id=token.id,
                phase=unit.phase, awaits_confirmation=waits, match=body.match,
                unit_ids=[each.unit_id for each in event.units], within=units_follow,
            )
        if isinstance(outcome, store.Conflict):
            raise answers.conflict(outcome, event)
        if not outcome.created:
            return JSONResponse(outcome.answer(), status_code=200)
        self._relay_wake()
        ACCEPTED.labels(unit.venue).inc()
        log.info("result accepted", event_id=body.event_id, phase=unit.phase,
                 revision=body.revision, status=body.status, waits=waits, by=token.name)
        return JSONResponse(outcome.answer(), status_code=202)

    async def confirm(self, request: Request) -> Response:
        """`POST /v1/results/{event_id}/{revision}/confirm[?phase=...]`: a referee of the
        venue or the desk, not who entered it, makes a waiting revision count (or ends a
        review)."""
        return await self._check(request, "confirm")

    async def review(self, request: Request) -> Response:
        """`POST /v1/results/{event_id}/{revision}/review[?phase=...]` `{"note"}`: an
        official result under review (a protest, 申诉), shown with the note until a
        confirmation or a correction ends it."""
        return await self._check(request, "review")

    async def _check(self, request: Request, action: CheckAction) -> Response:
        token = await self._holder(request)
        event = self._event(request)
        unit = self._unit_of(event, request)
        if not token.may_confirm_for(unit.venue):
            if token.role in ("referee", "admin") or not token.may_enter_for(unit.venue):
                raise answers.venue_not_allowed(token, event, self.games, unit.venue)
            raise answers.may_not_check(token, action)
        revision = requested_revision(request.path_params["revision"])
        if revision is None:
            raise answers.no_revision(event, request.path_params["revision"])
        raw = await _read_body(request)
        try:
            payload = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError as error:
            raise answers.not_json(str(error)) from None
        note, issues = check_note(payload, required=action == "review")
        if issues:
            raise answers.invalid(issues)

        async def unit_follows(conn: db.Connection) -> None:
            # A confirmation makes the unit official, in the same transaction.
            if action == "confirm":
                await confirm_unit(conn, self.games, event, unit)
            if action == "confirm" and event.tournament is not None:
                # A match's confirmed result counts now: the ranking may follow.
                units = await EventUnits.load(conn, self.games, event)
                refuse_match(unit, event, await follow_confirmation(conn, units, unit, revision))
                await units.save(conn)

        async with _database():
            outcome = await store.add_check(self.database.pool, event_id=event.id,
                                            phase=unit.phase, revision=revision, action=action,
                                            note=note, token=token, within=unit_follows)
        if isinstance(outcome, store.CheckRefused):
            raise answers.check_refused(outcome, event, action)
        if not outcome.created:
            return JSONResponse(outcome.answer(), status_code=200)
        self._relay_wake()
        log.info("result checked", unit_id=unit.unit_id, revision=revision, action=action,
                 by=token.name)
        return JSONResponse(outcome.answer(), status_code=202)

    async def my_awaiting(self, request: Request) -> Response:
        """`GET /v1/my/awaiting`: the results of the token's venues awaiting confirmation."""
        token = await self._holder(request)
        event_ids = [e.id for e in self.games.events
                     if any(token.may_enter_for(unit.venue) for unit in e.units)]
        async with _database(), self.database.pool.acquire() as conn:
            current = await store.current_revisions(conn, event_ids)
            waiting = [unit_id for unit_id, revision in current.items() if revision.waiting]
            entered = await store.entered(self.database.pool, [
                (event_id, phase, current[unit_id].revision)
                for unit_id in waiting for event_id, _, phase in [unit_id.partition("/")]])
            updates = await stored_updates(conn, waiting)
        return JSONResponse(awaiting_document(token, self.games, current, entered, updates))

    async def unit_status(self, request: Request) -> Response:
        """`POST /v1/units/{unit_id}/status`: an official of the unit's venue (or the desk)
        sets it running, delayed, postponed or back to scheduled."""
        token = await self._holder(request)
        unit, event = self._unit(request)
        if not token.may_enter_for(unit.venue):
            raise answers.venue_not_allowed(token, event, self.games, unit.venue)
        raw = await _read_body(request)
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise answers.not_json(str(error)) from None
        body, issues = check_status(payload)
        if body is None:
            raise answers.invalid(issues)
        async with _database(), self.database.pool.acquire() as conn, conn.transaction():
            outcome = await set_status(conn, self.games, event, unit, body.status,
                                       body.starts_at, body.note)
        if isinstance(outcome, StatusRefused):
            raise answers.unit_refused(unit, event, outcome.reason, conflict=outcome.conflict)
        self._relay_wake()
        log.info("unit status set", unit_id=unit.unit_id, status=outcome.status, by=token.name)
        return JSONResponse(status_document(outcome))

    async def my_unit(self, request: Request) -> Response:
        """`GET /v1/my/units/{unit_id}`: the unit as its officials enter its result: its
        state, start list and current revision."""
        token = await self._holder(request)
        unit, event = self._unit(request)
        if not token.may_enter_for(unit.venue):
            raise answers.venue_not_allowed(token, event, self.games, unit.venue)
        async with _database(), self.database.pool.acquire() as conn:
            updates = await stored_updates(conn, [unit.unit_id])
            current = await store.current_revisions(self.database.pool, [event.id])
            entrants = await registered_entries(conn, event.id)
        return JSONResponse(entry_unit_document(
            self.games, unit, updates.get(unit.unit_id), current.get(unit.unit_id), entrants))

    # --- the results desk -----------------------------------------------------------------

    async def desk_progress(self, request: Request) -> Response:
        """`GET /v1/desk/progress?date=YYYY-MM-DD`: the units of the day by venue."""
        await self._admin(request)
        day = _day(request.query_params.get("date"))
        async with _database(), self.database.pool.acquire() as conn:
            current = await store.current_revisions(conn)
            updates = await stored_updates(conn, [unit.unit_id for unit in self.games.units])
        return JSONResponse(progress_document(self.games, datetime.now(UTC), day, current,
                                              updates))

    async def desk_tokens(self, request: Request) -> Response:
        await self._admin(request)
        async with _database():
            listings = await list_tokens(self.database.pool)
        now = datetime.now(UTC)
        return JSONResponse({"tokens": [token_document(listing, now) for listing in listings]})

    async def desk_create_token(self, request: Request) -> Response:
        """`POST /v1/desk/tokens`: a new token, made by (and recorded against) the admin."""
        admin = await self._admin(request)
        raw = await _read_body(request)
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise answers.not_json(str(error)) from None
        wanted, issues = check_token_request(payload, self.games, datetime.now(UTC))
        if wanted is None:
            raise answers.invalid(issues)
        async with _database():
            token, secret = await create_desk_token(
                self.database.pool, _secret(request), wanted.role, wanted.name, wanted.venues,
                expires_at=wanted.expires_at)
        log.info("token created", token=token.id, role=token.role, name=token.name,
                 by=admin.name)
        entry_url = self.settings.ingest_public_url or str(request.base_url).rstrip("/")
        return JSONResponse(created_document(token, secret, wanted.expires_at,
                                             f"{entry_url.rstrip('/')}/enter"),
                            status_code=201, headers={"Cache-Control": "no-store"})

    async def desk_revoke_token(self, request: Request) -> Response:
        admin = await self._admin(request)
        token_id = request.path_params["token_id"]
        if not token_id.isdigit() or len(token_id) > 18:
            raise answers.no_such_token(token_id)
        async with _database():
            name = await revoke_desk_token(self.database.pool, _secret(request),
                                           int(token_id))
            listings = [] if name is None else await list_tokens(self.database.pool)
        if name is None:
            raise answers.no_such_token(token_id)
        self.tokens.forget(int(token_id))
        log.info("token revoked", token=int(token_id), name=name, by=admin.name)
        listing = next(item for item in listings if item.token.id == int(token_id))
        return JSONResponse(token_document(listing, datetime.now(UTC)))

    async def history(self, request: Request) -> Response:
        token = await self._holder(request)
        event = self._event(request)
        unit = self._unit_of(event, request)
        if not token.may_enter_for(unit.venue):
            raise answers.venue_not_allowed(token, event, self.games, unit.venue)
        async with _database():
            revisions = await store.event_revisions(self.database.pool, event.id, unit.phase)
        return JSONResponse(history_document(event, revisions))

    async def my_events(self, request: Request) -> Response:
        token = await self._holder(request)
        event_ids = [e.id for e in self.games.events if token.may_enter_for(e.venue)]
        async with _database():
            current = await store.current_revisions(self.database.pool, event_ids)
        return JSONResponse(my_events_document(token, self.games, datetime.now(UTC), current))

    async def openapi_json(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")

    # --- shared steps -------------------------------------------------------------------

    def database_down(self, request: Request, error: Exception) -> ProblemError:
        self.readiness.set("postgresql", False)
        return answers.database_down()

    async def _holder(self, request: Request) -> Token:
        """The active token of an official or the desk the request carries, within its rate
        of requests; refused otherwise."""
        secret = _secret(request)
        if not secret:
            raise answers.no_token()
        async with _database():
            token = await self.tokens.find(self.database.pool, secret)
            why = None if token else await refused(self.database.pool, secret)
        if token is None:
            raise answers.unknown_token(why)
        now = time.monotonic()
        if not self.rates.take(token.id, now):
            raise answers.too_many_requests(self.rates.wait_s(token.id, now))
        if not token.enters_results:
            raise answers.media_key()
        return token

    async def _admin(self, request: Request) -> Token:
        token = await self._holder(request)
        if token.role != "admin":
            raise answers.desk_only()
        return token

    def _event(self, request: Request) -> Event:
        event_id = request.path_params["event_id"]
        event = self.games.event(event_id)
        if event is None:
            raise answers.unknown_event(event_id)
        return event

    def _unit_of(self, event: Event, request: Request) -> Unit:
        """The unit of `event` that `?phase=` names (none: its ranking, the final); any
        other query parameter is refused rather than ignored (a misspelt `phase` would
        otherwise show or check the final)."""
        unknown = sorted(set(request.query_params) - {"phase"})
        if unknown:
            raise answers.unknown_parameters(unknown, ["phase"])
        phase = request.query_params.get("phase", RANKING_PHASE)
        unit = event.unit(phase)
        if unit is None:
            raise answers.unknown_unit(f"{event.id}/{phase}")
        return unit

    def _unit(self, request: Request) -> tuple[Unit, Event]:
        unit_id = request.path_params["unit_id"]
        unit = self.games.unit(unit_id)
        event = self.games.event(unit.event_id) if unit is not None else None
        if unit is None or event is None:
            raise answers.unknown_unit(unit_id)
        return unit, event

    def _relay_wake(self) -> None:
        assert self.relay is not None, "the relay starts with the pool"
        self.relay.wake()

    # --- life -----------------------------------------------------------------------------

    def lifespan(self, app: Starlette) -> contextlib.AbstractAsyncContextManager[None]:
        return running(self._run(), database=self.database)

    async def _run(self) -> None:
        """Connects to PostgreSQL, then watches it and runs the outbox relay."""
        pool = await self.database.connect()
        self.readiness.set("postgresql", True)
        # Results (and their checks) and units' states in one relay: a result writes both.
        relay = self.relay = OutboxRelay(
            pool, (store.SubmissionsOutbox(self.settings.results_topic),
                   UnitChangesOutbox(self.settings.results_topic)),
            lambda: kafka.new_producer(self.settings), self.readiness)

        async def relay_forever() -> None:
            await kafka.create_topics_when_reachable(self.settings)
            # A relay that stopped would strand every accepted result in the outbox.
            await keep_running("outbox relay", relay.run)

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._watch_database())
            tasks.create_task(relay_forever())

    async def _watch_database(self) -> None:
        # /healthz must turn healthy again once PostgreSQL is back, even if no official
        # happens to submit anything in the meantime. Answering is not enough: a standby
        # (after a failover, or one the URL points at by mistake) answers every read and
        # refuses every result, so ingest is ready only where it can write.
        was_read_only = False
        while True:
            try:
                async with asyncio.timeout(HEALTH_PROBE_S * 2):
                    writable = bool(await self.database.pool.fetchval(_WRITABLE))
                if not writable and not was_read_only:
                    log.warning("PostgreSQL is read-only (a standby?): results are refused"
                                " with 503 until it accepts writes")
                was_read_only = not writable
                self.readiness.set("postgresql", writable)
            except DATABASE_DOWN:
                self.readiness.set("postgresql", False)
            await asyncio.sleep(HEALTH_PROBE_S)


# A hot standby is in recovery; `default_transaction_read_only` makes every transaction
# read-only (what a primary demoted for maintenance is often given).
_WRITABLE = ("SELECT NOT pg_is_in_recovery()"
             " AND current_setting('transaction_read_only') = 'off'")


def refuse_match(unit: Unit, event: Event, refused: Refused | None) -> None:
    """A match's result that does not stand: its problems (422) or the matches it reaches
    (409)."""
    if refused is not None and refused.issues:
        raise answers.invalid(refused.issues)
    if refused is not None:
        raise answers.match_conflict(unit, event, refused.dependent)


def _database() -> asyncio.Timeout:
    """Bounds the PostgreSQL work of a request (DATABASE_TIMEOUT_S), never the client's upload."""
    return asyncio.timeout(DATABASE_TIMEOUT_S)


def _secret(request: Request) -> str:
    """The Bearer token's secret the request carries ("" without one)."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _day(text: str | None) -> date | None:
    """`?date=` of the desk: a day of the games; none, every day; `today` by the games' clock."""
    if text is None or text == "":
        return None
    if text == "today":
        return datetime.now(GAMES_TIMEZONE).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise answers.bad_day(text) from None


def _declared_length(request: Request) -> int:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


async def _read_body(request: Request) -> bytes:
    """The body; refused once it exceeds the limit (read no further than that)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > answers.MAX_BODY_BYTES:
            raise answers.too_large()
    return bytes(raw)


class CountAnswers:
    """Counts and times the answers to POST /v1/results, whichever handler wrote them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/results":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                ANSWERS.labels(str(message["status"])).inc()
                LATENCY.observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, counted)


async def entry_page(request: Request) -> Response:
    return FileResponse(ENTER_DIR / "index.html", headers=PAGE_HEADERS)


def page_files(directory: Path) -> ASGIApp:
    return with_headers(StaticFiles(directory=directory, html=True), PAGE_HEADERS)


async def desk_page(request: Request) -> Response:
    return FileResponse(DESK_DIR / "index.html", headers=PAGE_HEADERS)


def create_app(settings: Settings) -> Starlette:
    ingest = Ingest(settings, load_definitions(settings.games_dir))
    routes = [
        Route("/v1/results", ingest.post_result, methods=["POST"]),
        Route("/v1/results/{event_id}/{revision}/confirm", ingest.confirm, methods=["POST"]),
        Route("/v1/results/{event_id}/{revision}/review", ingest.review, methods=["POST"]),
        Route("/v1/events/{event_id}/history", ingest.history),
        Route("/v1/units/{unit_id:path}/status", ingest.unit_status, methods=["POST"]),
        Route("/v1/my/events", ingest.my_events),
        Route("/v1/my/units/{unit_id:path}", ingest.my_unit),
        Route("/v1/my/awaiting", ingest.my_awaiting),
        Route("/v1/desk/progress", ingest.desk_progress),
        Route("/v1/desk/tokens", ingest.desk_tokens),
        Route("/v1/desk/tokens", ingest.desk_create_token, methods=["POST"]),
        Route("/v1/desk/tokens/{token_id}/revoke", ingest.desk_revoke_token, methods=["POST"]),
        Route("/openapi.json", ingest.openapi_json),
        Route("/enter", entry_page),
        Mount("/enter", page_files(ENTER_DIR), name="enter"),
        Route("/desk", desk_page),
        Mount("/desk", page_files(DESK_DIR), name="desk"),
        # Accepting needs only PostgreSQL: with Kafka down results queue in the outbox. But
        # a relay that has not published for long is a stuck pipeline, and /healthz says so.
        *health_routes(ingest.readiness, required=("postgresql", "relay")),
    ]
    return Starlette(routes=routes, lifespan=ingest.lifespan,
                     middleware=[Middleware(CountAnswers)],
                     exception_handlers=problem_handlers(ingest.database_down))
