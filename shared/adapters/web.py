"""HTTP pieces every service shares: readiness, /healthz, /metrics, problem details and the
one place that turns refusals into them, serving."""

import asyncio
import gc
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import structlog
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.adapters.db import DATABASE_DOWN

log = structlog.get_logger()


READY = Gauge("podium_ready", "1 while the condition holds (as /healthz reports it)",
              ["condition"])


@dataclass
class Readiness:
    """What a service waits for before it can do its job, e.g. {"postgresql": False}. The
    conditions /healthz requires are exported as `podium_ready{condition}` too, so an alert
    sees what /healthz says."""

    conditions: dict[str, bool] = field(default_factory=dict)
    # Why a condition does not hold, in words for the people reading /healthz.
    reasons: dict[str, str] = field(default_factory=dict)
    _required: tuple[str, ...] = ()

    def require(self, names: Sequence[str]) -> None:
        self._required = tuple(names)
        for name in names:
            READY.labels(name).set(self.conditions.get(name, False))

    def set(self, name: str, ready: bool, reason: str | None = None) -> None:
        self.conditions[name] = ready
        if ready or reason is None:
            self.reasons.pop(name, None)
        else:
            self.reasons[name] = reason
        if name in self._required:
            READY.labels(name).set(ready)

    @property
    def waiting_for(self) -> list[str]:
        return [name for name, ready in self.conditions.items() if not ready]


def health_routes(readiness: Readiness, *, required: Sequence[str]) -> list[BaseRoute]:
    """`/healthz` (200 when every required condition holds, else 503) and `/metrics`."""
    readiness.require(required)

    async def healthz(request: Request) -> Response:
        waiting = [name for name in required if not readiness.conditions.get(name, False)]
        body = {
            "status": "ok" if not waiting else "waiting",
            "waiting_for": waiting,
            "conditions": readiness.conditions,
            "reasons": readiness.reasons,
        }
        return JSONResponse(body, status_code=503 if waiting else 200)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return [Route("/healthz", healthz), Route("/metrics", metrics)]


@dataclass(frozen=True)
class Problem:
    """One entry of an RFC 9457 `errors` list: where (a JSON pointer) and what."""

    pointer: str
    detail: str


def problem_response(
    status: int,
    title: str,
    detail: str,
    errors: Sequence[Problem] = (),
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, object] | None = None,
) -> Response:
    """An RFC 9457 problem document; `members` are extensions a client acts on."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status,
                               "detail": detail, **(members or {})}
    if errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in errors]
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


# RFC 9110's names where Python 3.11's http.HTTPStatus still has the older RFC 7231 ones.
_RFC9110_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    return _RFC9110_TITLES.get(status) or HTTPStatus(status).phrase


class ProblemError(Exception):
    """A refusal: a handler raises it, `problem_handlers` answers it as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[Problem] = (),
        headers: Mapping[str, str] | None = None,
        members: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = dict(headers or {})
        self.members = dict(members or {})

    def response(self, request: Request) -> Response:
        return problem_response(self.status, status_title(self.status), self.detail,
                                self.errors, self.headers, self.members)


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


def problem_handlers(
    database_down: Callable[[Request, Exception], ProblemError],
) -> dict[Any, ExceptionHandler]:
    """Starlette's exception handlers for a service: the one place where a refusal becomes
    an answer. `database_down` words the 503 for PostgreSQL out of reach."""

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProblemError)
        return error.response(request)

    async def starlette_refused(request: Request, error: Exception) -> Response:
        # No such path, wrong method: problem details too.
        assert isinstance(error, HTTPException)
        return problem_response(
            error.status_code, status_title(error.status_code),
            f"{request.method} {request.url.path}: {error.detail}",
            headers=dict(error.headers or {}),
        )

    async def unavailable(request: Request, error: Exception) -> Response:
        log.warning("database unavailable", path=request.url.path, error=repr(error))
        return database_down(request, error).response(request)

    return {ProblemError: refused, HTTPException: starlette_refused,
            **{kind: unavailable for kind in DATABASE_DOWN}}


def with_headers(app: ASGIApp, headers: Mapping[str, str]) -> ASGIApp:
    """`app` with `headers` added to every answer it gives (e.g. a page's security headers on
    each of its static files)."""
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1"))
           for name, value in headers.items()]

    async def added(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *raw]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return added


def serve(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    websocket: type[asyncio.Protocol] | None = None,
    reuse_port: bool = False,
    on_shutdown: Callable[[], None] | None = None,
    proxy_headers: bool = True,
) -> None:
    """Run an ASGI app until SIGINT/SIGTERM, on uvloop.

    `websocket`: a protocol class that takes over every WebSocket upgrade request itself
    (uvicorn's keyword arguments), instead of uvicorn's ASGI WebSocket. `reuse_port`: bind
    with SO_REUSEPORT, so several processes serving the same thing share the port and the
    kernel spreads connections over them. `on_shutdown`: called when the stop begins,
    before uvicorn waits for open connections (e.g. to end endless streams).
    `proxy_headers`: uvicorn's own reading of X-Forwarded-For (from 127.0.0.1 by default);
    False leaves the peer address in the request for the app to judge.
    """
    config = uvicorn.Config(
        app, host=host, port=port, loop="uvloop", lifespan="on", access_log=False,
        log_level="warning", ws=websocket or "websockets-sansio", ws_max_size=64 * 1024,
        # Thousands of screens reconnect at once after a restart.
        backlog=4096, proxy_headers=proxy_headers,
    )
    sockets = [_reusable_socket(host, port)] if reuse_port else None
    # What the app built before serving (the games' definitions, its tables) lives as long
    # as the process: kept out of the collector's full passes, which walked it again and
    # again. Under ingest's benchmark 16 full collections of ~80,000 objects took 31-50 ms
    # each, every request waiting meanwhile: its p99.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
    _Server(config, on_shutdown).run(sockets=sockets)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._on_shutdown is not None:
            self._on_shutdown()
        await super().shutdown(sockets)


def _reusable_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock
