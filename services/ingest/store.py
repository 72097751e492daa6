"""ingest's side of PostgreSQL: accepting a revision, reading the audit trail, the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.adapters import db, submissions
from shared.adapters.outbox import OutboxRow, unpublished
from shared.contract.messages import content_hash
from shared.domain.engine import Entry
from shared.domain.games import Event
from shared.domain.matches import MatchResult
from shared.domain.records import UnitResult
from shared.domain.units import RANKING_PHASE


@dataclass(frozen=True)
class Accepted:
    """A revision stored (created now or found identical)."""

    event_id: str
    revision: int
    accepted_at: datetime
    created: bool

    def answer(self) -> dict[str, object]:
        # The very same body for the first answer (202) and every repeat (200).
        return {
            "event_id": self.event_id,
            "revision": self.revision,
            "accepted_at": self.accepted_at.isoformat(),
        }


@dataclass(frozen=True)
class Conflict:
    """A revision that cannot be accepted: it is taken, or it does not follow the current one."""

    revision: int
    current_revision: int
    # Set when the revision is already stored with other content: when and by whom.
    taken_at: datetime | None = None
    taken_by: str | None = None


@dataclass(frozen=True)
class StoredRevision:
    """One accepted revision as the audit trail shows it."""

    revision: int
    status: str
    note: str | None
    entries: tuple[Entry, ...]
    accepted_at: datetime
    entered_by: str
    entered_by_role: str
    published_at: datetime | None
    match: MatchResult | None = None  # a match's result (docs/tournaments.md)


@dataclass(frozen=True)
class CurrentRevision:
    revision: int
    status: str
    accepted_at: datetime


async def lock_event(conn: db.Connection, event_id: str) -> None:
    """Serialises the changes to one event (its units' results and states) until the
    transaction ends, so "current + 1" is checked and taken atomically; other events are
    not held up."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", event_id)


async def accept_revision(
    pool: db.Pool,
    *,
    event_id: str,
    revision: int,
    status: str,
    note: str | None,
    entries: tuple[Entry, ...],
    token_id: int,
    phase: str = RANKING_PHASE,
    match: MatchResult | None = None,
    within: Callable[[db.Connection], Awaitable[None]] | None = None,
) -> Accepted | Conflict:
    """Stores a new revision of the unit `event_id`/`phase`. `within` is the work that
    belongs to the same transaction (the units' states): it runs after the insert, and a
    refusal it raises undoes the revision too."""
    digest = content_hash(event_id, revision, status, note, entries, phase, match)
    async with pool.acquire() as conn, conn.transaction():
        await lock_event(conn, event_id)
        same = await conn.fetchrow(
            "SELECT s.content_hash, s.accepted_at, t.name FROM submissions s"
            " JOIN tokens t ON t.id = s.token_id"
            " WHERE s.event_id = $1 AND s.phase = $2 AND s.revision = $3",
            event_id, phase, revision,
        )
        current = await conn.fetchval(
            "SELECT coalesce(max(revision), 0) FROM submissions"
            " WHERE event_id = $1 AND phase = $2", event_id, phase,
        )
        if same is not None:
            if bytes(same["content_hash"]) == digest:
                return Accepted(event_id, revision, same["accepted_at"], created=False)
            return Conflict(revision, current, same["accepted_at"], same["name"])
        if revision != current + 1:
            return Conflict(revision, current)
        accepted_at = await insert_revision(conn, event_id=event_id, phase=phase,
                                            revision=revision, status=status, note=note,
                                            entries=entries, token_id=token_id, match=match)
        if within is not None:
            await within(conn)
    return Accepted(event_id, revision, accepted_at, created=True)


async def insert_revision(
    conn: db.Connection, *, event_id: str, phase: str, revision: int, status: str,
    note: str | None, entries: tuple[Entry, ...], token_id: int, match: MatchResult | None,
) -> datetime:
    """Inserts a revision the caller has checked, under the event's lock; when it was
    accepted."""
    accepted_at: datetime = await conn.fetchval(
        "INSERT INTO submissions (event_id, phase, revision, status, note, entries,"
        " content_hash, token_id, match) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " RETURNING accepted_at",
        event_id, phase, revision, status, note, [entry.model_dump() for entry in entries],
        content_hash(event_id, revision, status, note, entries, phase, match), token_id,
        None if match is None else match.model_dump(mode="json"),
    )
    return accepted_at


async def event_revisions(
    pool: db.Pool, event_id: str, phase: str = RANKING_PHASE
) -> list[StoredRevision]:
    rows = await pool.fetch(
        "SELECT s.revision, s.status, s.note, s.entries, s.accepted_at, s.published_at,"
        " s.match, t.name, t.role FROM submissions s JOIN tokens t ON t.id = s.token_id"
        " WHERE s.event_id = $1 AND s.phase = $2 ORDER BY s.revision",
        event_id, phase,
    )
    return [
        StoredRevision(
            revision=row["revision"], status=row["status"], note=row["note"],
            entries=tuple(Entry.model_validate(entry) for entry in row["entries"]),
            accepted_at=row["accepted_at"], entered_by=row["name"],
            entered_by_role=row["role"], published_at=row["published_at"],
            match=None if row["match"] is None else MatchResult.model_validate(row["match"]),
        )
        for row in rows
    ]


async def current_revisions(
    pool: db.Pool, event_ids: Sequence[str]
) -> dict[str, CurrentRevision]:
    """The current revision of every unit of these events that has one, by unit id."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (event_id, phase) event_id, phase, revision, status, accepted_at"
        " FROM submissions WHERE event_id = ANY($1::text[])"
        " ORDER BY event_id, phase, revision DESC",
        list(event_ids),
    )
    return {
        f"{row['event_id']}/{row['phase']}": CurrentRevision(
            row["revision"], row["status"], row["accepted_at"])
        for row in rows
    }


async def unit_results(pool: db.Pool, event: Event) -> list[UnitResult]:
    """The latest revision of each of the event's units that has one, whatever its status
    (only an official one sets records)."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (phase) phase, revision, status, entries, accepted_at"
        " FROM submissions WHERE event_id = $1 ORDER BY phase, revision DESC",
        event.id,
    )
    return [
        UnitResult(event_id=event.id, phase=row["phase"], revision=row["revision"],
                   status=row["status"], starts_at=unit.starts_at,
                   accepted_at=row["accepted_at"],
                   entries=tuple(Entry.model_validate(entry) for entry in row["entries"]))
        for row in rows if (unit := event.unit(row["phase"])) is not None
    ]


class SubmissionsOutbox:
    """Accepted revisions not yet on Kafka, oldest first, keyed by event."""

    name = "submissions"
    lock_id = 0x5355424D4954

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def fetch(self, conn: db.Connection, limit: int) -> list[OutboxRow]:
        rows = await conn.fetch(
            f"{submissions.SELECT} WHERE s.published_at IS NULL ORDER BY s.id LIMIT $1", limit
        )
        return [
            OutboxRow(id=row["submission_id"], key=row["event_id"].encode(),
                      value=submissions.accepted(row).model_dump_json().encode())
            for row in rows
        ]

    async def backlog(self, pool: db.Pool) -> tuple[int, float]:
        return await unpublished(pool, "submissions", "accepted_at")

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        await conn.execute(
            "UPDATE submissions SET published_at = now() WHERE id = ANY($1::bigint[])", ids
        )

