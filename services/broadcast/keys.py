"""Media keys, checked against the token table and remembered for a minute, so a
reconnecting outlet does not cost a query per connection."""

from __future__ import annotations

import time

from services.broadcast.access import Access, media_access, public_access
from services.broadcast.config import LiveSettings
from shared.adapters.db import DATABASE_DOWN, Database
from shared.adapters.tokens import find_token, hash_secret
from shared.adapters.web import ProblemError

# A revoked key keeps working at most this long on connections opened after the revocation.
KEY_CACHE_S = 60.0
_KEY_CACHE_SIZE = 1024
RETRY_AFTER_S = 2


def unavailable(detail: str) -> ProblemError:
    """A 503 that tells the client when to try again."""
    return ProblemError(503, detail, headers={"Retry-After": str(RETRY_AFTER_S)})


class MediaKeys:
    def __init__(self, settings: LiveSettings, database: Database) -> None:
        self.public = public_access(settings)
        self.media = media_access(settings)
        self._database = database
        # digest -> (until when, the access granted or the refusal's status and detail)
        self._remembered: dict[bytes, tuple[float, Access | tuple[int, str]]] = {}

    async def access(self, key: str | None) -> Access:
        """The access a key grants; refused (401, 403, 503) with a ProblemError."""
        if key is None:
            return self.public
        digest = hash_secret(key)
        now = time.monotonic()
        remembered = self._remembered.get(digest)
        if remembered is None or remembered[0] <= now:
            try:
                token = await find_token(self._database.pool, key)
            except DATABASE_DOWN:
                raise unavailable("keys cannot be checked right now") from None
            answer: Access | tuple[int, str]
            if token is None:
                answer = (401, "unknown or revoked key")
            elif token.role in ("media", "admin"):
                answer = self.media
            else:
                answer = (403, f"a {token.role} token is not a media key")
            if len(self._remembered) >= _KEY_CACHE_SIZE:
                self._remembered.clear()
            remembered = self._remembered[digest] = (now + KEY_CACHE_S, answer)
        granted = remembered[1]
        if isinstance(granted, tuple):
            raise ProblemError(*granted)
        return granted
