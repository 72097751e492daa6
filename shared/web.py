"""HTTP pieces every service shares: readiness, /healthz, /metrics, problem details, serving."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp


@dataclass
class Readiness:
    """What a service waits for before it can do its job, e.g. {"postgresql": False}."""

    conditions: dict[str, bool] = field(default_factory=dict)

    def set(self, name: str, ready: bool) -> None:
        self.conditions[name] = ready

    @property
    def waiting_for(self) -> list[str]:
        return [name for name, ready in self.conditions.items() if not ready]


def health_routes(readiness: Readiness, *, required: Sequence[str]) -> list[BaseRoute]:
    """`/healthz` (200 when every required condition holds, else 503) and `/metrics`."""

    async def healthz(request: Request) -> Response:
        waiting = [name for name in required if not readiness.conditions.get(name, False)]
        body = {
            "status": "ok" if not waiting else "waiting",
            "waiting_for": waiting,
            "conditions": readiness.conditions,
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
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status,
                               "detail": detail}
    if errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in errors]
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


def serve(app: ASGIApp, host: str, port: int) -> None:
    """Run an ASGI app until SIGINT/SIGTERM, on uvloop."""
    config = uvicorn.Config(
        app, host=host, port=port, loop="uvloop", lifespan="on", access_log=False,
        log_level="warning", ws="websockets-sansio", ws_max_size=64 * 1024,
    )
    uvicorn.Server(config).run()
