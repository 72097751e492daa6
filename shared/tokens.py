"""Bearer tokens for officials, media outlets and admins; stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

import asyncpg

from shared import db

Role = Literal["official", "media", "admin"]
ROLES: tuple[Role, ...] = ("official", "media", "admin")
_PREFIX: dict[Role, str] = {"official": "pdo_", "media": "pdm_", "admin": "pda_"}


@dataclass(frozen=True)
class Token:
    id: int
    role: Role
    name: str
    venues: tuple[str, ...]  # empty: every venue

    def may_enter_for(self, venue: str) -> bool:
        return self.role in ("official", "admin") and (not self.venues or venue in self.venues)


def hash_secret(secret: str) -> bytes:
    # The secrets are 256-bit random strings, so a fast hash is enough: there is
    # nothing to brute-force that a slow KDF would protect.
    return hashlib.sha256(secret.encode()).digest()


async def create_token(
    conn: db.Connection | db.Pool, role: Role, name: str, venues: tuple[str, ...] = ()
) -> tuple[Token, str]:
    secret = _PREFIX[role] + secrets.token_urlsafe(32)
    row = await conn.fetchrow(
        "INSERT INTO tokens (token_hash, role, name, venues) VALUES ($1, $2, $3, $4)"
        " RETURNING id",
        hash_secret(secret),
        role,
        name,
        list(venues),
    )
    assert row is not None
    return Token(row["id"], role, name, venues), secret


async def find_token(conn: db.Connection | db.Pool, secret: str) -> Token | None:
    row = await conn.fetchrow(
        "SELECT id, role, name, venues FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_secret(secret),
    )
    if row is None:
        return None
    return Token(row["id"], row["role"], row["name"], tuple(row["venues"]))


async def list_tokens(conn: db.Connection | db.Pool) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT id, role, name, venues, created_at, revoked_at FROM tokens ORDER BY id"
        )
    )


async def revoke_token(conn: db.Connection | db.Pool, token_id: int) -> bool:
    status = await conn.execute(
        "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
    )
    return bool(status == "UPDATE 1")
