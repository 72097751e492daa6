"""Bearer tokens for officials, media outlets and admins; stored as SHA-256 hashes.

- recorder: enters and corrects results for the venues named on the token (none: every
  venue); an official result it enters waits until a referee or the desk confirms it.
- referee: what a recorder may, and confirms the results others entered at its venues, or
  puts them under review.
- official: v1's role, kept as it was: enters like a referee, confirms nothing. Whether its
  official results wait is the rules file's choice, as for everyone (docs/officials.md).
- admin: the games office's results desk: enters, confirms and reviews at every venue, and
  makes and revokes tokens on the desk page; never a media key.
- media: a media outlet's key; never enters results.

A token may expire (`expires_at`); expired and revoked tokens are refused alike.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Literal

from shared.adapters import db
from shared.domain.schedule import GAMES_TIMEZONE

Role = Literal["recorder", "referee", "official", "admin", "media"]
ROLES: tuple[Role, ...] = ("recorder", "referee", "official", "admin", "media")
# The roles that enter results; all but admin are for the venues on the token.
ENTERING_ROLES: tuple[Role, ...] = ("recorder", "referee", "official", "admin")
_VENUE_ROLES: tuple[Role, ...] = ("recorder", "referee", "official")
_PREFIX: dict[Role, str] = {"official": "pdo_", "recorder": "pdr_", "referee": "pdj_",
                            "media": "pdm_", "admin": "pda_"}
MAX_NAME_LENGTH = 100
_SECRET_BYTES = 32
# What create_token makes: a role's prefix and 32 random bytes in URL-safe base64.
_SECRET_SHAPE = re.compile(r"pd[omarj]_[A-Za-z0-9_-]{43}")
# A token in use: neither revoked nor past its expiry.
_ACTIVE = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"


@dataclass(frozen=True)
class Token:
    id: int
    role: Role
    name: str  # who holds it: the official or the outlet; shown in the audit trail
    venues: tuple[str, ...]  # the entering roles but admin; empty: every venue

    @property
    def enters_results(self) -> bool:
        return self.role in ENTERING_ROLES

    def may_enter_for(self, venue: str) -> bool:
        if self.role == "admin":
            return True
        return self.role in _VENUE_ROLES and (not self.venues or venue in self.venues)

    def may_confirm_for(self, venue: str) -> bool:
        """Whether it may confirm, or put under review, a result of the venue."""
        return self.role == "admin" or (self.role == "referee" and self.may_enter_for(venue))


@dataclass(frozen=True)
class TokenListing:
    """A token as `podium token list` and the desk show it, with what it has entered."""

    token: Token
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    created_by: str | None  # the admin who made it on the desk page; None: `podium token`
    revoked_by: str | None
    results_entered: int
    last_entered_at: datetime | None

    def state(self, now: datetime) -> Literal["active", "revoked", "expired"]:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class Refused:
    """Why a known secret is refused: revoked, or expired, since `at`."""

    reason: Literal["revoked", "expired"]
    at: datetime


def hash_secret(secret: str) -> bytes:
    # The secrets are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow KDF would protect.
    return hashlib.sha256(secret.encode()).digest()


def token_problem(role: Role, name: str | None, venues: tuple[str, ...]) -> str | None:
    """What is wrong with a token to be made, or None: a blank or overlong name, venues on a
    role that has none, a media key without its outlet's name."""
    if venues and role not in _VENUE_ROLES:
        return ("venues apply to recorders, referees and officials only: an admin covers every"
                " venue and a media key enters no results")
    if name is not None:
        name = name.strip()
        if not name:
            return "the name is blank; give the official's or outlet's name"
        if len(name) > MAX_NAME_LENGTH:
            return f"the name is longer than {MAX_NAME_LENGTH} characters"
    elif role == "media":
        return "a media key needs the outlet's name"
    return None


def parse_expiry(text: str, now: datetime) -> datetime:
    """When a token given `--expires TEXT` stops working: a day (`2024-09-30`) is the whole
    of that day in the games' time zone, a time (`2024-09-30T18:00`, the games' zone unless
    it names one) that instant. ValueError for anything else, or a moment already past."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is neither a day (2024-09-30) nor a time"
                             " (2024-09-30T18:00)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=GAMES_TIMEZONE)
    else:
        moment = datetime.combine(day + timedelta(days=1), time(), GAMES_TIMEZONE)
    if moment <= now:
        raise ValueError(f"{text!r} has passed already: a token must expire in the future")
    return moment


async def create_token(
    conn: db.Connection | db.Pool,
    role: Role,
    name: str | None = None,
    venues: tuple[str, ...] = (),
    *,
    expires_at: datetime | None = None,
) -> tuple[Token, str]:
    """A new token and its secret (shown once, never stored).

    Without a name the token is called after its role and number ("referee #7"), so the audit
    trail still tells its holders apart. Raises ValueError with `token_problem`'s reason.
    """
    secret = _new_secret(role, name, venues)
    row = await conn.fetchrow(
        "WITH next AS (SELECT nextval(pg_get_serial_sequence('tokens', 'id')) AS id)"
        " INSERT INTO tokens (id, token_hash, role, name, venues, expires_at)"
        " SELECT next.id, $1, $2, coalesce($3, $2 || ' #' || next.id), $4, $5 FROM next"
        " RETURNING id, name",
        hash_secret(secret),
        role,
        None if name is None else name.strip(),
        list(venues),
        expires_at,
    )
    assert row is not None
    return Token(row["id"], role, row["name"], venues), secret


async def create_desk_token(
    conn: db.Connection | db.Pool, admin_secret: str, role: Role, name: str,
    venues: tuple[str, ...] = (), *, expires_at: datetime | None = None,
) -> tuple[Token, str]:
    """A new token made on the results desk by the admin whose secret this is: through the
    database's own check of that admin (migration 007), recorded as who made it. Raises
    ValueError as create_token does, asyncpg's InsufficientPrivilegeError without an active
    admin token."""
    secret = _new_secret(role, name, venues)
    number: int = await conn.fetchval(
        "SELECT desk_create_token($1, $2, $3, $4, $5, $6)",
        hash_secret(admin_secret), hash_secret(secret), role, name.strip(), list(venues),
        expires_at,
    )
    return Token(number, role, name.strip(), venues), secret


def _new_secret(role: Role, name: str | None, venues: tuple[str, ...]) -> str:
    problem = token_problem(role, name, venues)
    if problem is not None:
        raise ValueError(problem)
    return _PREFIX[role] + secrets.token_urlsafe(_SECRET_BYTES)


def looks_like_secret(text: str) -> bool:
    """Whether `text` has the shape of a secret create_token makes: anything else is no
    token's, and needs no database query to be refused."""
    return _SECRET_SHAPE.fullmatch(text) is not None


async def find_token(conn: db.Connection | db.Pool, secret: str) -> Token | None:
    """The active token with this secret; None when unknown, revoked or expired."""
    row = await conn.fetchrow(
        f"SELECT id, role, name, venues FROM tokens WHERE token_hash = $1 AND {_ACTIVE}",
        hash_secret(secret),
    )
    if row is None:
        return None
    return Token(row["id"], row["role"], row["name"], tuple(row["venues"]))


# How long a token found active is taken as active without asking again: the contract
# refuses a revoked or expired token everywhere within 5 s, and an official's burst of
# results then costs one lookup, not one per request (a sixth of a result's statements).
FOUND_TOKEN_S = 2.0
# More secrets than a games has tokens; past it the cache starts again (a flood of made-up
# secrets is refused before any lookup, by their shape).
FOUND_TOKENS_MAX = 10_000


class FoundTokens:
    """The active tokens found by secret in the last FOUND_TOKEN_S: find_token, remembered."""

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self._clock = clock
        self._found: dict[bytes, tuple[Token, float]] = {}

    async def find(self, conn: db.Connection | db.Pool, secret: str) -> Token | None:
        key, now = hash_secret(secret), self._clock()
        found = self._found.get(key)
        if found is not None and now - found[1] < FOUND_TOKEN_S:
            return found[0]
        token = await find_token(conn, secret)
        if token is None:
            self._found.pop(key, None)
            return None
        if len(self._found) >= FOUND_TOKENS_MAX:
            self._found.clear()
        self._found[key] = (token, now)
        return token

    def forget(self, token_id: int) -> None:
        """Drops a token this process just revoked: refused from its next request on."""
        self._found = {key: found for key, found in self._found.items()
                       if found[0].id != token_id}


async def refused(conn: db.Connection | db.Pool, secret: str) -> Refused | None:
    """Why the token with this secret is not active; None when it is unknown (or active)."""
    row = await conn.fetchrow(
        "SELECT revoked_at, expires_at FROM tokens WHERE token_hash = $1", hash_secret(secret)
    )
    if row is None:
        return None
    if row["revoked_at"] is not None:
        return Refused("revoked", row["revoked_at"])
    if row["expires_at"] is not None:
        return Refused("expired", row["expires_at"])
    return None


async def active_hashes(
    conn: db.Connection | db.Pool, hashes: list[bytes], role: Role
) -> set[bytes]:
    """Which of these secrets' hashes belong to active tokens of `role`: one query however
    many there are."""
    rows = await conn.fetch(
        f"SELECT token_hash FROM tokens WHERE token_hash = ANY($1::bytea[]) AND role = $2"
        f" AND {_ACTIVE}",
        hashes, role,
    )
    return {bytes(row["token_hash"]) for row in rows}


async def list_tokens(conn: db.Connection | db.Pool) -> list[TokenListing]:
    rows = await conn.fetch(
        "SELECT t.id, t.role, t.name, t.venues, t.created_at, t.expires_at, t.revoked_at,"
        " maker.name AS created_by, revoker.name AS revoked_by,"
        " (SELECT count(*) FROM submissions s WHERE s.token_id = t.id) AS results_entered,"
        " (SELECT max(s.accepted_at) FROM submissions s WHERE s.token_id = t.id)"
        " AS last_entered_at"
        " FROM tokens t LEFT JOIN tokens maker ON maker.id = t.created_by"
        " LEFT JOIN tokens revoker ON revoker.id = t.revoked_by ORDER BY t.id"
    )
    return [
        TokenListing(
            token=Token(row["id"], row["role"], row["name"], tuple(row["venues"])),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            revoked_at=row["revoked_at"],
            created_by=row["created_by"],
            revoked_by=row["revoked_by"],
            results_entered=row["results_entered"],
            last_entered_at=row["last_entered_at"],
        )
        for row in rows
    ]


async def revoke_token(conn: db.Connection | db.Pool, token_id: int) -> str | None:
    """Revokes a token not revoked yet at once; returns its name, or None if there is no such
    token (or it is revoked already)."""
    name: str | None = await conn.fetchval(
        "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING name",
        token_id,
    )
    return name


async def revoke_desk_token(
    conn: db.Connection | db.Pool, admin_secret: str, token_id: int
) -> str | None:
    """revoke_token on the results desk, by the admin whose secret this is (checked by the
    database, recorded as who revoked it)."""
    name: str | None = await conn.fetchval("SELECT desk_revoke_token($1, $2)",
                                           hash_secret(admin_secret), token_id)
    return name
