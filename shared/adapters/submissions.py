"""Accepted revisions read from `submissions` as the very messages ingest publishes: the
outbox relay, scoring (a revision missing from the topic) and `podium rebuild` read them
alike, so all three see one input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from shared.adapters import db
from shared.contract.messages import AcceptedResult
from shared.domain.units import RANKING_PHASE

SELECT: Final = (
    "SELECT s.id AS submission_id, s.event_id, s.phase, s.revision, s.status, s.note,"
    " s.entries, encode(s.content_hash, 'hex') AS content_hash, s.accepted_at,"
    " t.name AS entered_by, s.match FROM submissions s JOIN tokens t ON t.id = s.token_id"
)


def accepted(row: Any) -> AcceptedResult:
    """One row of SELECT as its message."""
    return AcceptedResult.model_validate(dict(row))


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
