"""The durable history: scoring's `feed` table (every message, numbered once, kept for the
whole games), read for a replica's start, for gaps, for resumes and for `GET /v1/feed`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.broadcast.hub import HubState
from services.broadcast.outgoing import Outgoing
from shared.adapters.db import Database
from shared.contract import channels
from shared.contract.messages import FeedMessage


class History:
    """Reads raise what shared.adapters.db.DATABASE_DOWN lists while PostgreSQL is away."""

    def __init__(self, database: Database, replay_window: int) -> None:
        self.database = database
        self.replay_window = replay_window

    async def state(self) -> HubState:
        """Everything a replica starts from, read in one snapshot of the database."""
        pool = self.database.pool
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            counters = await conn.fetchrow("SELECT last_seq, epoch FROM scoring_state")
            assert counters is not None
            last_seq = int(counters["last_seq"])
            tables = await conn.fetch("SELECT channel, document FROM standings")
            documents = await conn.fetch("SELECT event_id, document FROM event_results")
            latest = await conn.fetch(
                "SELECT channel, max(seq) AS seq FROM feed WHERE type = 'result'"
                " AND channel LIKE 'event:%' GROUP BY channel"
            )
            units = await conn.fetch("SELECT unit_id, document FROM unit_documents")
            recent = await conn.fetch(
                "SELECT seq, channel, type, data FROM feed WHERE type = 'result' AND seq <= $1"
                " ORDER BY seq DESC LIMIT $2",
                last_seq, self.replay_window,
            )
        seqs = {row["channel"]: row["seq"] for row in latest}
        by_channel = {channels.event(row["event_id"]): row["document"] for row in documents}
        return HubState(
            tables={row["channel"]: row["document"] for row in tables},
            documents={channel: (seqs.get(channel, 0), doc) for channel, doc in by_channel.items()},
            recent=[_outgoing(row) for row in reversed(recent)],
            complete=len(recent) < self.replay_window,
            last_seq=last_seq,
            epoch=counters["epoch"],
            units={row["unit_id"]: row["document"] for row in units},
        )

    async def last_seq(self) -> int:
        return int(await self.database.pool.fetchval("SELECT last_seq FROM scoring_state"))

    async def messages(self, after: int, upto: int, limit: int) -> list[FeedMessage]:
        """The feed messages in (after, upto], in seq order, the first `limit` of them: a
        replica's gap."""
        rows = await self.database.pool.fetch(
            "SELECT seq, channel, type, data FROM feed WHERE seq > $1 AND seq <= $2 ORDER BY seq"
            " LIMIT $3",
            after, upto, limit,
        )
        return [FeedMessage.model_validate(dict(row)) for row in rows]

    async def results(
        self, after: int, upto: int, channels: Sequence[str], limit: int
    ) -> list[Outgoing]:
        """The `result` messages of `channels` in (after, upto], in seq order."""
        rows = await self.database.pool.fetch(
            "SELECT seq, channel, type, data FROM feed WHERE seq > $1 AND seq <= $2"
            " AND type = 'result' AND channel = ANY($3::text[]) ORDER BY seq LIMIT $4",
            after, upto, list(channels), limit,
        )
        return [_outgoing(row) for row in rows]

    async def page(
        self, after: int, upto: int, channels: Sequence[str] | None, limit: int
    ) -> list[dict[str, Any]]:
        """One page of `GET /v1/feed`: messages in (after, upto], optionally of `channels`."""
        rows = await self.database.pool.fetch(
            "SELECT channel, type, seq, data FROM feed WHERE seq > $1 AND seq <= $2"
            " AND ($3::text[] IS NULL OR channel = ANY($3::text[])) ORDER BY seq LIMIT $4",
            after, upto, None if channels is None else list(channels), limit,
        )
        return [dict(row) for row in rows]


def _outgoing(row: Any) -> Outgoing:
    return Outgoing.build(row["seq"], row["channel"], row["type"], row["data"])
