"""Bearer tokens for officials, media outlets and admins; stored as SHA-256 hashes.

- official: enters and corrects results, for the venues named on the token (none: every venue),
  and reads the audit trail of those events.
- admin: the games office's results desk: everything an official may do, at every venue.
  Tokens themselves are managed only with `podium token` (database access), so a leaked
  admin token cannot mint or revoke tokens.
- media: a media outlet's key; never enters results.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.adapters import db

Role = Literal["official", "media", "admin"]
ROLES: tuple[Role, ...] = ("official", "media", "admin")
_PREFIX: dict[Role, str] = {"official": "pdo_", "media": "pdm_", "admin": "pda_"}
MAX_NAME_LENGTH = 100
_SECRET_BYTES = 32
# What create_token makes: a role's prefix and 32 random bytes in URL-safe base64.
_SECRET_SHAPE = re.compile(r"pd[oma]_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Token:
    id: int
    role: Role
    name: str  # who holds it: the official or the outlet; shown in the audit trail
    venues: tuple[str, ...]  # officials only; empty: every venue

    @property
    def enters_results(self) -> bool:
        return self.role in ("official", "admin")

    def may_enter_for(self, venue: str) -> bool:
        if self.role == "admin":
            return True
        return self.role == "official" and (not self.venues or venue in self.venues)


@dataclass(frozen=True)
class TokenListing:
    """A token as `podium token list` shows it, with what it has entered so far."""

    token: Token
    created_at: datetime
    revoked_at: datetime | None
    results_entered: int
    last_entered_at: datetime | None


def hash_secret(secret: str) -> bytes:
    # The secrets are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow KDF would protect.
    return hashlib.sha256(secret.encode()).digest()


async def create_token(
    conn: db.Connection | db.Pool,
    role: Role,
    name: str | None = None,
    venues: tuple[str, ...] = (),
) -> tuple[Token, str]:
    """A new token and its secret (shown once, never stored).

    Without a name the token is called after its role and number ("official #7"), so the audit
    trail still tells its holders apart. Raises ValueError for a blank or overlong name, or
    venues on a token that is not an official's.
    """
    if venues and role != "official":
        raise ValueError("venues apply to officials only: an admin covers every venue and a"
                         " media key enters no results")
    if name is not None:
        name = name.strip()
        if not name:
            raise ValueError("the name is blank; give the official's or outlet's name")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"the name is longer than {MAX_NAME_LENGTH} characters")
    secret = _PREFIX[role] + secrets.token_urlsafe(_SECRET_BYTES)
    row = await conn.fetchrow(
        "WITH next AS (SELECT nextval(pg_get_serial_sequence('tokens', 'id')) AS id)"
        " INSERT INTO tokens (id, token_hash, role, name, venues)"
        " SELECT next.id, $1, $2, coalesce($3, $2 || ' #' || next.id), $4 FROM next"
        " RETURNING id, name",
        hash_secret(secret),
        role,
        name,
        list(venues),
    )
    assert row is not None
    return Token(row["id"], role, row["name"], venues), secret


def looks_like_secret(text: str) -> bool:
    """Whether `text` has the shape of a secret create_token makes: anything else is no
    token's, and needs no database query to be refused."""
    return _SECRET_SHAPE.fullmatch(text) is not None


async def find_token(conn: db.Connection | db.Pool, secret: str) -> Token | None:
    """The active token with this secret; None when unknown or revoked."""
    row = await conn.fetchrow(
        "SELECT id, role, name, venues FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_secret(secret),
    )
    if row is None:
        return None
    return Token(row["id"], row["role"], row["name"], tuple(row["venues"]))


async def revoked_at(conn: db.Connection | db.Pool, secret: str) -> datetime | None:
    """When the token with this secret was revoked; None when it is unknown or active."""
    when: datetime | None = await conn.fetchval(
        "SELECT revoked_at FROM tokens WHERE token_hash = $1", hash_secret(secret)
    )
    return when


async def list_tokens(conn: db.Connection | db.Pool) -> list[TokenListing]:
    rows = await conn.fetch(
        "SELECT t.id, t.role, t.name, t.venues, t.created_at, t.revoked_at,"
        " count(s.id) AS results_entered, max(s.accepted_at) AS last_entered_at"
        " FROM tokens t LEFT JOIN submissions s ON s.token_id = t.id"
        " GROUP BY t.id ORDER BY t.id"
    )
    return [
        TokenListing(
            token=Token(row["id"], row["role"], row["name"], tuple(row["venues"])),
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
            results_entered=row["results_entered"],
            last_entered_at=row["last_entered_at"],
        )
        for row in rows
    ]


async def revoke_token(conn: db.Connection | db.Pool, token_id: int) -> str | None:
    """Revokes an active token at once; returns its name, or None if there is no such token."""
    name: str | None = await conn.fetchval(
        "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING name",
        token_id,
    )
    return name
