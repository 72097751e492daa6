"""Accepted revisions read from `submissions`, and their checks from `result_checks`, as the
very messages ingest publishes: the outbox relay, scoring (a revision missing from the topic,
a check to verify) and `podium rebuild` read them alike, so all three see one input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from shared.adapters import db
from shared.contract.messages import AcceptedResult, ResultCheck
from shared.domain.units import RANKING_PHASE

SELECT: Final = (
    "SELECT s.id AS submission_id, s.event_id, s.phase, s.revision, s.status, s.note,"
    " s.entries, encode(s.content_hash, 'hex') AS content_hash, s.accepted_at,"
    " t.name AS entered_by, s.awaits_confirmation, s.match"
    " FROM submissions s JOIN tokens t ON t.id = s.token_id"
)
# The checks with who made them (the audit trail shows the role too).
CHECKS_SELECT: Final = (
    "SELECT c.id, c.event_id, c.phase, c.revision, c.action, c.note, c.checked_at,"
    " c.token_id, c.published_at, t.name, t.role"
    " FROM result_checks c JOIN tokens t ON t.id = c.token_id"
)


def accepted(row: Any) -> AcceptedResult:
    """One row of SELECT as its message."""
    return AcceptedResult.model_validate(dict(row))


def check(row: Any) -> ResultCheck:
    """One row of CHECKS_SELECT as its message."""
    return ResultCheck(id=row["id"], event_id=row["event_id"], phase=row["phase"],
                       revision=row["revision"], action=row["action"], note=row["note"],
                       by=row["name"], at=row["checked_at"])


async def checks(conn: db.Connection, ids: Sequence[int] | None = None) -> list[ResultCheck]:
    """The stored checks with these ids (None: every check), in no particular order."""
    rows = await conn.fetch(f"{CHECKS_SELECT} WHERE $1::bigint[] IS NULL OR c.id = ANY($1)",
                            None if ids is None else list(ids))
    return [check(row) for row in rows]


async def revisions(conn: db.Connection, wanted: Sequence[tuple[str, int]]) -> list[AcceptedResult]:
    """The stored revisions among `wanted` (event id, revision) of the events' rankings (their
    finals), in no particular order."""
    rows = await conn.fetch(
        f"{SELECT} JOIN unnest($1::text[], $2::integer[]) AS w (event_id, revision)"
        f" ON w.event_id = s.event_id AND w.revision = s.revision"
        f" WHERE s.phase = '{RANKING_PHASE}'",
        [event_id for event_id, _ in wanted], [revision for _, revision in wanted],
    )
    return [accepted(row) for row in rows]
