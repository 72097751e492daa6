"""ingest's side of PostgreSQL: accepting a revision and the outbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson

from shared import db
from shared.bus import encode
from shared.messages import AcceptedResult, ResultEntry
from shared.outbox import OutboxRow


@dataclass(frozen=True)
class Accepted:
    """A revision stored (created now or found identical)."""

    event_id: str
    revision: int
    accepted_at: datetime
    created: bool

    def answer(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "revision": self.revision,
            "accepted_at": self.accepted_at.isoformat(),
        }


@dataclass(frozen=True)
class Conflict:
    detail: str
    current_revision: int


def content_hash(
    event_id: str, revision: int, status: str, note: str | None, entries: tuple[ResultEntry, ...]
) -> bytes:
    canonical = orjson.dumps(
        {"event_id": event_id, "revision": revision, "status": status, "note": note,
         "entries": [entry.model_dump() for entry in entries]},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).digest()


async def accept_revision(
    pool: db.Pool,
    *,
    event_id: str,
    revision: int,
    status: str,
    note: str | None,
    entries: tuple[ResultEntry, ...],
    token_id: int,
) -> Accepted | Conflict:
    digest = content_hash(event_id, revision, status, note, entries)
    async with pool.acquire() as conn, conn.transaction():
        # Serialises submissions of one event so "current + 1" is checked and taken
        # atomically; other events are not held up.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", event_id)
        same = await conn.fetchrow(
            "SELECT content_hash, accepted_at FROM submissions"
            " WHERE event_id = $1 AND revision = $2",
            event_id, revision,
        )
        current = await conn.fetchval(
            "SELECT coalesce(max(revision), 0) FROM submissions WHERE event_id = $1", event_id
        )
        if same is not None:
            if bytes(same["content_hash"]) == digest:
                return Accepted(event_id, revision, same["accepted_at"], created=False)
            return Conflict(
                f"revision {revision} of {event_id} was already accepted with other content;"
                f" submit a correction as revision {current + 1}",
                current,
            )
        if revision != current + 1:
            return Conflict(
                f"revision {revision} does not follow the current revision {current}"
                f" of {event_id}; expected {current + 1}",
                current,
            )
        accepted_at = await conn.fetchval(
            "INSERT INTO submissions (event_id, revision, status, note, entries, content_hash,"
            " token_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING accepted_at",
            event_id, revision, status, note,
            [entry.model_dump() for entry in entries], digest, token_id,
        )
    return Accepted(event_id, revision, accepted_at, created=True)


class SubmissionsOutbox:
    """Accepted revisions not yet on Kafka, oldest first, keyed by event."""

    name = "submissions"
    lock_id = 0x5355424D4954

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def fetch(self, conn: db.Connection, limit: int) -> list[OutboxRow]:
        rows = await conn.fetch(
            "SELECT s.id, s.event_id, s.revision, s.status, s.note, s.entries, s.accepted_at,"
            " t.name AS entered_by FROM submissions s JOIN tokens t ON t.id = s.token_id"
            " WHERE s.published_at IS NULL ORDER BY s.id LIMIT $1",
            limit,
        )
        return [
            OutboxRow(
                id=row["id"],
                key=row["event_id"].encode(),
                value=encode(AcceptedResult(
                    event_id=row["event_id"], revision=row["revision"], status=row["status"],
                    note=row["note"], entries=row["entries"], accepted_at=row["accepted_at"],
                    entered_by=row["entered_by"],
                ).model_dump(mode="json")),
            )
            for row in rows
        ]

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        await conn.execute(
            "UPDATE submissions SET published_at = now() WHERE id = ANY($1::bigint[])", ids
        )


async def outbox_backlog(pool: db.Pool) -> int:
    count = await pool.fetchval("SELECT count(*) FROM submissions WHERE published_at IS NULL")
    return int(count)
