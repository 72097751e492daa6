"""ingest's side of PostgreSQL: accepting a revision, reading the audit trail, the outbox."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from shared.adapters import db, submissions
from shared.adapters.outbox import OutboxRow, unpublished
from shared.adapters.tokens import Token
from shared.contract.messages import content_hash
from shared.domain.checks import NO_CHECKS, CheckAction, Checks, Step, checks_made
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
    awaits_confirmation: bool = False

    def answer(self) -> dict[str, object]:
        # The very same body for the first answer (202) and every repeat (200).
        # v1's three fields; a revision that waits for its confirmation says so.
        waits = {"awaiting_confirmation": True} if self.awaits_confirmation else {}
        return {
            "event_id": self.event_id,
            "revision": self.revision,
            "accepted_at": self.accepted_at.isoformat(),
            **waits,
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
class StoredCheck:
    """A confirmation or review of a revision as the audit trail shows it."""

    id: int
    action: CheckAction
    note: str | None
    checked_at: datetime
    by: str
    by_role: str
    token_id: int
    published_at: datetime | None

    def made(self) -> tuple[CheckAction, Step, int]:
        return self.action, Step(self.by, self.checked_at, self.note), self.id


@dataclass(frozen=True)
class StoredRevision:
    """One accepted revision as the audit trail shows it, with its checks."""

    revision: int
    status: str
    note: str | None
    entries: tuple[Entry, ...]
    accepted_at: datetime
    entered_by: str
    entered_by_role: str
    published_at: datetime | None
    awaits_confirmation: bool = False
    checks: tuple[StoredCheck, ...] = ()
    match: MatchResult | None = None  # a match's result (docs/tournaments.md)

    @property
    def made(self) -> Checks:
        return checks_made(self.status, self.awaits_confirmation,
                           (check.made() for check in self.checks))


@dataclass(frozen=True)
class CurrentRevision:
    """A unit's current revision, what the checks made of it, and who entered it."""

    revision: int
    status: str  # as entered
    accepted_at: datetime
    awaits_confirmation: bool = False
    entered_by: str = ""
    token_id: int = 0
    checks: Checks = NO_CHECKS

    @property
    def shown_status(self) -> str:
        """As readers see it: `unofficial` while it waits for its confirmation."""
        return self.checks.shown_status(self.status, self.awaits_confirmation)

    @property
    def waiting(self) -> bool:
        return not self.checks.counts(self.awaits_confirmation)


@dataclass(frozen=True)
class Checked:
    """A check stored (made now, or found the very same as the last one)."""

    event_id: str
    phase: str
    revision: int
    action: CheckAction
    note: str | None
    checked_at: datetime
    by: str
    created: bool

    def answer(self) -> dict[str, object]:
        # v1.1's units: the phase only beside a result that is not the event's ranking.
        unit = {} if self.phase == RANKING_PHASE else {"phase": self.phase}
        return {"event_id": self.event_id, **unit, "revision": self.revision,
                "action": self.action, "note": self.note,
                "checked_at": self.checked_at.isoformat(), "by": self.by}


@dataclass(frozen=True)
class CheckRefused:
    """Why a check cannot be made: `reason` is "no_result", "no_such_revision", "stale",
    "own_entry" or the state's (Checks.refusal)."""

    reason: str
    revision: int
    current: CurrentRevision | None


@dataclass(frozen=True)
class StoredEvent:
    """An event's registrations as the last import stored them (None: none) and its units'
    stored states, read under its lock (`units.EventUnits.of` makes them its units)."""

    entries: list[dict[str, Any]] | None
    unit_states: list[dict[str, Any]]


def _stored_event_columns(event_id: str, unit_ids: str) -> str:
    """The two columns of a StoredEvent, for the parameters named `event_id`, `unit_ids`."""
    return (f"(SELECT entries FROM registrations WHERE event_id = {event_id}) AS entries,"
            f" (SELECT jsonb_agg(state) FROM unit_states WHERE unit_id = ANY({unit_ids}::text[]))"
            " AS unit_states")


def _stored_event(row: Any) -> StoredEvent:
    return StoredEvent(row["entries"], row["unit_states"] or [])


async def stored_event(conn: db.Connection, event_id: str, unit_ids: Sequence[str]) -> StoredEvent:
    """The event's registrations and these units' states, in one round trip."""
    row = await conn.fetchrow(f"SELECT {_stored_event_columns('$1', '$2')}",
                              event_id, list(unit_ids))
    return _stored_event(row)


def event_lock_key(event_id: str) -> int:
    """The advisory lock key of one event: the same in every process and version."""
    return zlib.crc32(event_id.encode())


async def lock_event(conn: db.Connection, event_id: str) -> None:
    """Serialises the changes to one event (its units' results and states) until the
    transaction ends, so "current + 1" is checked and taken atomically; other events are
    not held up."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", event_lock_key(event_id))


def event_transaction(
    conn: db.Connection, event_id: str
) -> contextlib.AbstractAsyncContextManager[None]:
    """A transaction that holds the event's lock (`lock_event`) from its first round trip."""
    return db.locked_transaction(conn, event_lock_key(event_id))


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
    awaits_confirmation: bool = False,
    match: MatchResult | None = None,
    unit_ids: Sequence[str] = (),
    within: Callable[[db.Connection, StoredEvent], Awaitable[None]] | None = None,
) -> Accepted | Conflict:
    """Stores a new revision of the unit `event_id`/`phase`. `within` is the work that
    belongs to the same transaction (the units' states, what a recorder may not do, a
    tournament's ranking), given the event as stored with `unit_ids`' states: it runs after
    the insert, and a refusal it raises undoes the revision too."""
    row = _RevisionRow.of(event_id=event_id, phase=phase, revision=revision, status=status,
                          note=note, entries=entries, token_id=token_id, match=match,
                          awaits_confirmation=awaits_confirmation)
    async with pool.acquire() as conn, event_transaction(conn, event_id):
        # The unit's current revision, the one asked for if taken, the event as stored, and
        # the insert when the revision asked for is the next: one round trip. (The insert
        # is the CTE's, so `s` still reads the unit as it was: no row where one was put.)
        same = await conn.fetchrow(
            "WITH now_current AS (SELECT coalesce(max(revision), 0) AS current"
            "  FROM submissions WHERE event_id = $1 AND phase = $2),"
            f" inserted AS (INSERT INTO submissions ({_REVISION_COLUMNS})"
            f"  SELECT {_REVISION_PARAMETERS} FROM now_current WHERE current + 1 = $3"
            "  RETURNING accepted_at)"
            " SELECT now_current.current, s.content_hash, s.accepted_at, s.awaits_confirmation,"
            " t.name, (SELECT accepted_at FROM inserted) AS inserted_at,"
            f" {_stored_event_columns('$1', '$11')}"
            " FROM now_current LEFT JOIN submissions s"
            "  ON s.event_id = $1 AND s.phase = $2 AND s.revision = $3"
            " LEFT JOIN tokens t ON t.id = s.token_id",
            *row, list(unit_ids),
        )
        assert same is not None, "one row whatever is stored"
        current: int = same["current"]
        if same["content_hash"] is not None:
            if bytes(same["content_hash"]) == row.content_hash:
                return Accepted(event_id, revision, same["accepted_at"], created=False,
                                awaits_confirmation=same["awaits_confirmation"])
            return Conflict(revision, current, same["accepted_at"], same["name"])
        if same["inserted_at"] is None:
            return Conflict(revision, current)
        accepted_at: datetime = same["inserted_at"]
        if within is not None:
            await within(conn, _stored_event(same))
    return Accepted(event_id, revision, accepted_at, created=True,
                    awaits_confirmation=awaits_confirmation)


async def counted_status(
    conn: db.Connection, event_id: str, phase: str, *, before: int
) -> str | None:
    """The status of the unit's latest revision before `before` that counts (None: none):
    the one the tables hold while later ones wait."""
    status: str | None = await conn.fetchval(
        "SELECT s.status FROM submissions s WHERE s.event_id = $1 AND s.phase = $2"
        f" AND s.revision < $3 AND {COUNTS} ORDER BY s.revision DESC LIMIT 1",
        event_id, phase, before,
    )
    return status


# A revision of `submissions s` that counts: it waits for no confirmation, or has had it.
COUNTS: Final = ("(NOT s.awaits_confirmation OR EXISTS (SELECT FROM result_checks c"
                 " WHERE c.event_id = s.event_id AND c.phase = s.phase"
                 " AND c.revision = s.revision AND c.action = 'confirm'))")


async def add_check(
    pool: db.Pool, *, event_id: str, phase: str, revision: int, action: CheckAction,
    note: str | None, token: Token,
    within: Callable[[db.Connection], Awaitable[None]] | None = None,
) -> Checked | CheckRefused:
    """Stores a confirmation or review of the unit's current revision, under the event's
    lock; the very same check as the last one, by the same token, is found, not repeated.
    `within` is the work of the same transaction once it is stored (the unit's state)."""
    unit_id = f"{event_id}/{phase}"
    async with pool.acquire() as conn, event_transaction(conn, event_id):
        current = (await current_revisions(conn, [event_id])).get(unit_id)
        if current is None:
            return CheckRefused("no_result", revision, None)
        if revision != current.revision:
            reason = "stale" if revision < current.revision else "no_such_revision"
            return CheckRefused(reason, revision, current)
        last = await conn.fetchrow(
            "SELECT action, note, checked_at, token_id FROM result_checks"
            " WHERE event_id = $1 AND phase = $2 AND revision = $3 ORDER BY id DESC LIMIT 1",
            event_id, phase, revision,
        )
        if (last is not None and last["token_id"] == token.id and last["action"] == action
                and last["note"] == note):
            return Checked(event_id, phase, revision, action, note, last["checked_at"],
                           token.name, created=False)
        refusal = current.checks.refusal(action, current.status, current.awaits_confirmation)
        if refusal is not None:
            return CheckRefused(refusal, revision, current)
        if action == "confirm" and current.token_id == token.id:
            return CheckRefused("own_entry", revision, current)
        checked_at = await conn.fetchval(
            "INSERT INTO result_checks (event_id, phase, revision, action, note, token_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) RETURNING checked_at",
            event_id, phase, revision, action, note, token.id,
        )
        if within is not None:
            await within(conn)
    return Checked(event_id, phase, revision, action, note, checked_at, token.name,
                   created=True)


def _stored_check(row: Any) -> StoredCheck:
    return StoredCheck(id=row["id"], action=row["action"], note=row["note"],
                       checked_at=row["checked_at"], by=row["name"], by_role=row["role"],
                       token_id=row["token_id"], published_at=row["published_at"])


class _RevisionRow(NamedTuple):
    """A revision's row in `submissions`, as the statements' parameters in this order."""

    event_id: str
    phase: str
    revision: int
    status: str
    note: str | None
    entries: list[dict[str, Any]]
    content_hash: bytes
    token_id: int
    awaits_confirmation: bool
    match: dict[str, Any] | None

    @classmethod
    def of(
        cls, *, event_id: str, phase: str, revision: int, status: str, note: str | None,
        entries: tuple[Entry, ...], token_id: int, match: MatchResult | None,
        awaits_confirmation: bool,
    ) -> _RevisionRow:
        return cls(event_id, phase, revision, status, note,
                   [entry.model_dump() for entry in entries],
                   content_hash(event_id, revision, status, note, entries, phase, match),
                   token_id, awaits_confirmation,
                   None if match is None else match.model_dump(mode="json"))


_REVISION_COLUMNS: Final = ", ".join(_RevisionRow._fields)
# Typed: in an INSERT's SELECT, PostgreSQL does not take the types from the columns.
_REVISION_PARAMETERS: Final = ("$1::text, $2::text, $3::int, $4::text, $5::text, $6::jsonb,"
                               " $7::bytea, $8::bigint, $9::boolean, $10::jsonb")


async def insert_revision(
    conn: db.Connection, *, event_id: str, phase: str, revision: int, status: str,
    note: str | None, entries: tuple[Entry, ...], token_id: int, match: MatchResult | None,
    awaits_confirmation: bool = False,
) -> datetime:
    """Inserts a revision the caller has checked, under the event's lock; when it was
    accepted."""
    accepted_at: datetime = await conn.fetchval(
        f"INSERT INTO submissions ({_REVISION_COLUMNS}) VALUES ({_REVISION_PARAMETERS})"
        " RETURNING accepted_at",
        *_RevisionRow.of(event_id=event_id, phase=phase, revision=revision, status=status,
                         note=note, entries=entries, token_id=token_id, match=match,
                         awaits_confirmation=awaits_confirmation),
    )
    return accepted_at


async def event_revisions(
    pool: db.Pool, event_id: str, phase: str = RANKING_PHASE
) -> list[StoredRevision]:
    rows = await pool.fetch(
        "SELECT s.revision, s.status, s.note, s.entries, s.accepted_at, s.published_at,"
        " s.awaits_confirmation, s.match, t.name, t.role FROM submissions s"
        " JOIN tokens t ON t.id = s.token_id WHERE s.event_id = $1 AND s.phase = $2"
        " ORDER BY s.revision",
        event_id, phase,
    )
    checks: dict[int, list[StoredCheck]] = {}
    for row in await pool.fetch(
        f"{submissions.CHECKS_SELECT} WHERE c.event_id = $1 AND c.phase = $2 ORDER BY c.id",
        event_id, phase,
    ):
        checks.setdefault(row["revision"], []).append(_stored_check(row))
    return [
        StoredRevision(
            revision=row["revision"], status=row["status"], note=row["note"],
            entries=tuple(Entry.model_validate(entry) for entry in row["entries"]),
            accepted_at=row["accepted_at"], entered_by=row["name"],
            entered_by_role=row["role"], published_at=row["published_at"],
            awaits_confirmation=row["awaits_confirmation"],
            checks=tuple(checks.get(row["revision"], ())),
            match=None if row["match"] is None else MatchResult.model_validate(row["match"]),
        )
        for row in rows
    ]


async def current_revisions(
    conn: db.Connection | db.Pool, event_ids: Sequence[str] | None = None
) -> dict[str, CurrentRevision]:
    """The current revision of every unit of these events (None: every event) that has one,
    by unit id."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (s.event_id, s.phase) s.event_id, s.phase, s.revision, s.status,"
        " s.accepted_at, s.awaits_confirmation, s.token_id, t.name FROM submissions s"
        " JOIN tokens t ON t.id = s.token_id"
        " WHERE $1::text[] IS NULL OR s.event_id = ANY($1::text[])"
        " ORDER BY s.event_id, s.phase, s.revision DESC",
        None if event_ids is None else list(event_ids),
    )
    checked = [row for row in rows if row["awaits_confirmation"] or row["status"] == "official"]
    made: dict[tuple[str, str, int], list[StoredCheck]] = {}
    if checked:
        for row in await conn.fetch(
            f"{submissions.CHECKS_SELECT} WHERE (c.event_id, c.phase, c.revision) IN"
            " (SELECT * FROM unnest($1::text[], $2::text[], $3::int[])) ORDER BY c.id",
            [row["event_id"] for row in checked], [row["phase"] for row in checked],
            [row["revision"] for row in checked],
        ):
            made.setdefault((row["event_id"], row["phase"], row["revision"]),
                            []).append(_stored_check(row))
    return {
        f"{row['event_id']}/{row['phase']}": CurrentRevision(
            row["revision"], row["status"], row["accepted_at"], row["awaits_confirmation"],
            row["name"], row["token_id"],
            checks_made(row["status"], row["awaits_confirmation"],
                        (check.made() for check in made.get(
                            (row["event_id"], row["phase"], row["revision"]), ()))))
        for row in rows
    }


async def entered(
    pool: db.Pool, revisions: Iterable[tuple[str, str, int]]
) -> dict[tuple[str, str, int], tuple[str | None, tuple[Entry, ...]]]:
    """The note and entries of these revisions (event id, phase, revision), as entered."""
    keys = list(revisions)
    rows = await pool.fetch(
        "SELECT event_id, phase, revision, note, entries FROM submissions"
        " WHERE (event_id, phase, revision) IN"
        " (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]))",
        [key[0] for key in keys], [key[1] for key in keys], [key[2] for key in keys],
    )
    return {(row["event_id"], row["phase"], row["revision"]):
            (row["note"], tuple(Entry.model_validate(entry) for entry in row["entries"]))
            for row in rows}


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
    """Accepted revisions and their checks not yet on Kafka, oldest first, keyed by event.

    Both take their ids from one sequence under the event's lock, so one relay publishing
    them in id order publishes each event's revisions and checks in the order they were
    accepted: a check after its revision, the next revision after both."""

    name = "submissions"
    lock_id = 0x5355424D4954

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def fetch(self, conn: db.Connection, limit: int) -> list[OutboxRow]:
        revisions = await conn.fetch(
            f"{submissions.SELECT} WHERE s.published_at IS NULL ORDER BY s.id LIMIT $1", limit
        )
        checks = await conn.fetch(
            f"{submissions.CHECKS_SELECT} WHERE c.published_at IS NULL ORDER BY c.id LIMIT $1",
            limit,
        )
        rows = [
            OutboxRow(id=row["submission_id"], key=row["event_id"].encode(),
                      value=submissions.accepted(row).model_dump_json().encode())
            for row in revisions
        ] + [
            OutboxRow(id=row["id"], key=row["event_id"].encode(),
                      value=submissions.check(row).model_dump_json().encode())
            for row in checks
        ]
        return sorted(rows, key=lambda row: row.id)[:limit]

    async def backlog(self, pool: db.Pool) -> tuple[int, float]:
        revisions, revisions_s = await unpublished(pool, "submissions", "accepted_at")
        checks, checks_s = await unpublished(pool, "result_checks", "checked_at")
        return revisions + checks, max(revisions_s, checks_s)

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        # The ids are of either table (one sequence), never of both; one statement.
        await conn.execute(
            "WITH revisions AS (UPDATE submissions SET published_at = now()"
            "  WHERE id = ANY($1::bigint[]))"
            " UPDATE result_checks SET published_at = now() WHERE id = ANY($1::bigint[])", ids
        )

