"""Who is connecting: the public, or a media outlet with a media key and higher limits."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.responses import Response

from services.broadcast.config import LiveSettings
from services.broadcast.history import DATABASE_ERRORS, History
from shared.tokens import find_token, hash_secret
from shared.web import problem_response

# A revoked key keeps working at most this long on connections opened after the revocation.
KEY_CACHE_S = 60.0
_KEY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Access:
    name: str  # "public" or "media"
    max_channels: int
    buffer_bytes: int  # unread data allowed in this process before the close for lagging
    replay_from_database: bool  # resumes older than the in-memory window
    feed_page_limit: int  # items per page of GET /v1/feed


@dataclass(frozen=True)
class Refusal:
    status: int  # HTTP status of the refused handshake or request
    detail: str


def public_access(settings: LiveSettings) -> Access:
    # 32 channels: a board needs a handful (tables, results, a few events).
    return Access("public", 32, settings.public_buffer_bytes, False, 100)


def media_access(settings: LiveSettings) -> Access:
    # 256 covers every channel of the games (15 tables, results, 165 events).
    return Access("media", 256, settings.media_buffer_bytes, True, 1000)


def refusal_response(refusal: Refusal) -> Response:
    """The problem-details answer to a refused REST or SSE request."""
    titles = {401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}
    headers = {"Retry-After": "2"} if refusal.status == 503 else None
    return problem_response(refusal.status, titles[refusal.status], refusal.detail,
                            headers=headers)


def is_seq(text: str) -> bool:
    return text.isascii() and text.isdigit()


def key_from(query_key: str | None, authorization: str | None) -> str | None:
    """The media key of a request: `?key=` or `Authorization: Bearer <key>`."""
    if query_key:
        return query_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


class MediaKeys:
    """Checks media keys against the token table, remembering answers for a minute so a
    reconnecting outlet does not cost a query per connection."""

    def __init__(self, settings: LiveSettings, history: History) -> None:
        self.public = public_access(settings)
        self.media = media_access(settings)
        self._history = history
        self._remembered: dict[bytes, tuple[float, Access | Refusal]] = {}

    async def access(self, key: str | None) -> Access | Refusal:
        if key is None:
            return self.public
        digest = hash_secret(key)
        now = time.monotonic()
        remembered = self._remembered.get(digest)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        try:
            token = await find_token(self._history.pool, key)
        except DATABASE_ERRORS:
            return Refusal(503, "keys cannot be checked right now")
        answer: Access | Refusal
        if token is None:
            answer = Refusal(401, "unknown or revoked key")
        elif token.role in ("media", "admin"):
            answer = self.media
        else:
            answer = Refusal(403, f"a {token.role} token is not a media key")
        if len(self._remembered) >= _KEY_CACHE_SIZE:
            self._remembered.clear()
        self._remembered[digest] = (now + KEY_CACHE_S, answer)
        return answer
