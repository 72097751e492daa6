"""Limits on what one client can make broadcast do: requests per connection, connections
and key checks per address, HTTP requests waiting for their answer. Each refusal is cheap
and answered at once, so a flood costs its sender more than the server."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.adapters.rates import RatePerKey
from shared.adapters.web import ProblemError, problem_response

RETRY_AFTER_S = 2
# Addresses whose key checks are remembered; the oldest is forgotten first. 10,000 is far
# more than the outlets of a games, and ~1 MiB at most.
REMEMBERED_ADDRESSES = 10_000


def unavailable(detail: str) -> ProblemError:
    """A 503 that tells the client when to try again."""
    return ProblemError(503, detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def too_many(detail: str, retry_after_s: float) -> ProblemError:
    """A 429: this client asked for too much; it may try again after `retry_after_s`."""
    return ProblemError(429, detail, headers={"Retry-After": str(max(1, round(retry_after_s)))})


class ConnectionsPerAddress:
    """Open live connections (WebSocket and SSE) per client address, capped."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: dict[str, int] = {}

    def open(self, address: str) -> bool:
        """Counts a new connection from `address`; False (nothing counted) past the cap."""
        count = self._open.get(address, 0)
        if count >= self.cap:
            return False
        self._open[address] = count + 1
        return True

    def close(self, address: str) -> None:
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)


class RatePerAddress(RatePerKey[str]):
    """A token bucket per client address, for the most recently seen addresses."""

    def __init__(self, per_minute: float, burst: float) -> None:
        super().__init__(per_minute / 60, burst, REMEMBERED_ADDRESSES)
        self.per_minute = per_minute


class RequestsInFlight:
    """ASGI middleware: at most `limit` HTTP requests waiting for their answer (counted
    until the response starts, so an SSE stream counts only until it opens); more are
    answered 503 at once. uvicorn's `limit_concurrency` counts open connections instead,
    the WebSockets among them, so with 10,000 screens connected it would refuse every
    REST request. Health and metrics are never refused: they are how a flood is seen."""

    def __init__(self, app: ASGIApp, limit: int, exempt: tuple[str, ...] = ("/healthz", "/metrics")
                 ) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.waiting >= self.limit:
            refusal = problem_response(
                503, "Service Unavailable",
                f"more than {self.limit} requests are waiting for an answer; try again shortly",
                headers={"Retry-After": str(RETRY_AFTER_S)})
            await refusal(scope, receive, send)
            return
        self.waiting += 1
        answered = False

        async def counted(message: Message) -> None:
            nonlocal answered
            if not answered and message["type"] == "http.response.start":
                answered = True
                self.waiting -= 1
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            if not answered:
                self.waiting -= 1
