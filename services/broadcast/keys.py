"""Media keys, checked against the token table and remembered for a minute, so a
reconnecting outlet does not cost a query per connection.

Nobody else may make the database work for them: a key not even shaped like one is refused
without a query, each address has a small budget of checks of keys not remembered, and only
a few checks run at once, so a flood of made-up keys never takes the pool from the feed.

A key revoked or past its expiry is refused within KEY_RECHECK_S (docs/protocol.md "Media
keys"): every granted key that is remembered or in use on an open connection is checked again
that often, all in one query, and the connections of a key no longer granted are closed."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Protocol

import structlog
from prometheus_client import Counter

from services.broadcast.access import Access, media_access, public_access
from services.broadcast.config import LiveSettings
from services.broadcast.limits import RatePerAddress, too_many, unavailable
from shared.adapters.db import DATABASE_DOWN, Database
from shared.adapters.tokens import active_hashes, find_token, hash_secret, looks_like_secret
from shared.adapters.web import ProblemError

log = structlog.get_logger()

# Keys remembered after a check; a granted one is checked again every KEY_RECHECK_S meanwhile.
KEY_CACHE_S = 60.0
# The contract refuses a revoked or expired key everywhere within 5 s: rechecking every 2 s
# leaves 3 s for the query and the closes, and costs one small query per 2 s per process.
KEY_RECHECK_S = 2.0
# Keys remembered (granted or refused), the least recently used forgotten first: far more
# than the outlets of a games, so a flood of made-up keys only pushes out other made-up ones.
KEY_CACHE_SIZE = 4096
# Key checks running at once: 3 of the pool's 10 connections, the rest stay for the feed.
KEY_CHECKS_AT_ONCE = 3
# An address may check this many keys not remembered in a row, then as many a minute as
# PODIUM_BROADCAST_KEY_CHECKS_PER_ADDRESS_PER_MINUTE allows (an outlet's few keys pass at once).
KEY_CHECK_BURST = 5

# By reason: a handshake's key not remembered (what an attacker's unknown keys cost) or the
# periodic recheck of the keys in use (one query every KEY_RECHECK_S, whatever the traffic).
KEY_QUERIES = Counter("podium_broadcast_key_queries_total",
                      "Media keys looked up in PostgreSQL: at a handshake (not remembered,"
                      " well-formed) or in the recheck of those in use", ["reason"])
KEYS_WITHDRAWN = Counter("podium_broadcast_keys_withdrawn_total",
                         "Media keys found revoked or expired while remembered or in use")
_REVOKED = (401, "this media key was revoked or has expired; ask the games office for a new one")


class KeyHolder(Protocol):
    """An open connection that a media key let in (a WebSocket, an SSE stream)."""

    @property
    def access(self) -> Access: ...

    def key_withdrawn(self) -> None:
        """Closes the connection: its key is revoked or expired."""


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
            raise ProblemError(401, "unknown, revoked or expired key")
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
        KEY_QUERIES.labels("handshake").inc()
        try:
            token = await find_token(self._database.pool, key)
        except DATABASE_DOWN:
            raise unavailable("keys cannot be checked right now") from None
        finally:
            self._checking -= 1
        if token is None:
            return (401, "unknown, revoked or expired key")
        if token.role == "media":
            return dataclasses.replace(self.media, key=hash_secret(key))
        # An admin's token opens the results desk; leaked with a media feed's URL, it would
        # open the desk to whoever reads the URL.
        return (403, f"a {token.role} token is not a media key; ask the games office for one")

    async def watch(self, holders: Callable[[], Iterable[KeyHolder]]) -> None:
        """Checks the granted keys again every KEY_RECHECK_S, for ever (PostgreSQL down: the
        next pass tries again)."""
        while True:
            await asyncio.sleep(KEY_RECHECK_S)
            try:
                await self.recheck(list(holders()))
            except DATABASE_DOWN as error:
                log.warning("media keys cannot be checked again right now", error=repr(error))

    async def recheck(self, holders: list[KeyHolder]) -> None:
        """Keys remembered as granted, and those of `holders`, checked in one query; those no
        longer granted are remembered as refused and their connections closed."""
        granted = {digest for digest, (_, access) in self._remembered.items()
                   if isinstance(access, Access)}
        granted |= {holder.access.key for holder in holders if holder.access.key is not None}
        if not granted:
            return
        KEY_QUERIES.labels("recheck").inc()
        active = await active_hashes(self._database.pool, sorted(granted), "media")
        withdrawn = granted - active
        if not withdrawn:
            return
        KEYS_WITHDRAWN.inc(len(withdrawn))
        until = time.monotonic() + KEY_CACHE_S
        for digest in withdrawn:
            self._remembered[digest] = (until, _REVOKED)
        for holder in holders:
            if holder.access.key in withdrawn:
                holder.key_withdrawn()
