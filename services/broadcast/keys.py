"""Media keys, checked against the token table and remembered for a minute, so a
reconnecting outlet does not cost a query per connection.

Nobody else may make the database work for them: a key not even shaped like one is refused
without a query, each address has a small budget of checks of keys not remembered, and only
a few checks run at once, so a flood of made-up keys never takes the pool from the feed."""

from __future__ import annotations

import time
from collections import OrderedDict

from prometheus_client import Counter

from services.broadcast.access import Access, media_access, public_access
from services.broadcast.config import LiveSettings
from services.broadcast.limits import RatePerAddress, too_many, unavailable
from shared.adapters.db import DATABASE_DOWN, Database
from shared.adapters.tokens import find_token, hash_secret, looks_like_secret
from shared.adapters.web import ProblemError

# A revoked key keeps working at most this long on connections opened after the revocation.
KEY_CACHE_S = 60.0
# Keys remembered (granted or refused), the least recently used forgotten first: far more
# than the outlets of a games, so a flood of made-up keys only pushes out other made-up ones.
KEY_CACHE_SIZE = 4096
# Key checks running at once: 3 of the pool's 10 connections, the rest stay for the feed.
KEY_CHECKS_AT_ONCE = 3
# An address may check this many keys not remembered in a row, then as many a minute as
# PODIUM_BROADCAST_KEY_CHECKS_PER_ADDRESS_PER_MINUTE allows (an outlet's few keys pass at once).
KEY_CHECK_BURST = 5

KEY_QUERIES = Counter("podium_broadcast_key_queries_total",
                      "Media keys looked up in PostgreSQL (not remembered, well-formed)")


class MediaKeys:
    def __init__(self, settings: LiveSettings, database: Database) -> None:
        self.public = public_access(settings)
        self.media = media_access(settings)
        self._database = database
        # digest -> (until when, the access granted or the refusal's status and detail)
        self._remembered: OrderedDict[bytes, tuple[float, Access | tuple[int, str]]] = \
            OrderedDict()
        self._checks = RatePerAddress(settings.key_checks_per_address_per_minute,
                                      KEY_CHECK_BURST)
        self._checking = 0

    async def access(self, key: str | None, address: str) -> Access:
        """The access a key grants; refused (401, 403, 429, 503) with a ProblemError."""
        if key is None:
            return self.public
        if not looks_like_secret(key):
            raise ProblemError(401, "unknown or revoked key")
        digest = hash_secret(key)
        now = time.monotonic()
        remembered = self._remembered.get(digest)
        if remembered is None or remembered[0] <= now:
            remembered = self._remembered[digest] = (now + KEY_CACHE_S,
                                                     await self._look_up(key, address, now))
            if len(self._remembered) > KEY_CACHE_SIZE:
                self._remembered.popitem(last=False)
        self._remembered.move_to_end(digest)
        granted = remembered[1]
        if isinstance(granted, tuple):
            raise ProblemError(*granted)
        return granted

    async def _look_up(self, key: str, address: str, now: float) -> Access | tuple[int, str]:
        if not self._checks.take(address, now):
            raise too_many("too many unknown keys from this address; try again in a minute",
                           60 / self._checks.per_minute)
        if self._checking >= KEY_CHECKS_AT_ONCE:
            raise unavailable("keys are being checked for many clients; try again shortly")
        self._checking += 1
        KEY_QUERIES.inc()
        try:
            token = await find_token(self._database.pool, key)
        except DATABASE_DOWN:
            raise unavailable("keys cannot be checked right now") from None
        finally:
            self._checking -= 1
        if token is None:
            return (401, "unknown or revoked key")
        if token.role in ("media", "admin"):
            return self.media
        return (403, f"a {token.role} token is not a media key")
