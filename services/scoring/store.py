"""scoring's side of PostgreSQL: loading its state and persisting a batch atomically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.scoring.core import EventState, Plan, ScoringState
from shared import db
from shared.bus import encode
from shared.documents import stamp_table
from shared.domain.games import Games
from shared.domain.rules import Rules
from shared.messages import AcceptedResult
from shared.outbox import OutboxRow

CONSUMER = "scoring"
# Held for the life of the process: a second scoring process waits as a standby
# instead of applying the same results concurrently.
SCORING_LOCK = 0x53434F5245


async def load_state(conn: db.Connection, games: Games, rules: Rules) -> ScoringState:
    state = ScoringState(games, rules)
    for row in await conn.fetch("SELECT result, history FROM event_results"):
        result = AcceptedResult.model_validate(row["result"])
        event_state = state.event_state(result, tuple(row["history"]))
        if event_state is not None:
            state.events[result.event_id] = event_state
    counters = await conn.fetchrow("SELECT version, last_seq FROM scoring_state")
    assert counters is not None
    state.version, state.last_seq = counters["version"], counters["last_seq"]
    state.tables = state.compute_tables(state.events)
    return state


async def ensure_tables_published(
    conn: db.Connection, state: ScoringState, now: datetime
) -> None:
    """A new games has no stored tables yet; readers still need every row (zeros)."""
    stored = await conn.fetchval("SELECT count(*) FROM standings")
    if stored == len(state.tables):
        return
    await _upsert_tables(
        conn, {c: stamp_table(t, state.version, now) for c, t in state.tables.items()},
        {}, state.last_seq,
    )


async def _upsert_tables(
    conn: db.Connection,
    stamped: dict[str, dict[str, Any]],
    changed_seq: dict[str, int],
    default_seq: int,
) -> None:
    await conn.executemany(
        "INSERT INTO standings (channel, document, seq) VALUES ($1, $2, $3)"
        " ON CONFLICT (channel) DO UPDATE SET document = excluded.document,"
        " seq = CASE WHEN $4 THEN excluded.seq ELSE standings.seq END",
        [
            (channel, document, changed_seq.get(channel, default_seq), channel in changed_seq)
            for channel, document in stamped.items()
        ],
    )


async def load_offsets(conn: db.Connection, topic: str) -> dict[int, int]:
    rows = await conn.fetch(
        "SELECT partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2",
        CONSUMER, topic,
    )
    return {row["partition"]: row["next_offset"] for row in rows}


async def persist(
    conn: db.Connection, plan: Plan, topic: str, next_offsets: dict[int, int]
) -> None:
    """One transaction: the tables, the feed and the consumer position move together,
    so a crash at any instant leaves either all of the batch or none of it."""
    async with conn.transaction():
        if not plan.empty:
            await conn.executemany(
                "INSERT INTO event_results (event_id, revision, status, result, history,"
                " document) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO UPDATE"
                " SET revision = excluded.revision, status = excluded.status,"
                " result = excluded.result, history = excluded.history,"
                " document = excluded.document, applied_at = now()",
                [_event_row(event_id, state) for event_id, state in plan.events.items()],
            )
            if plan.stamped:
                changed_seq = {
                    item.channel: item.seq for item in plan.feed if item.type == "update"
                }
                await _upsert_tables(conn, plan.stamped, changed_seq, 0)
            await conn.executemany(
                "INSERT INTO feed (seq, channel, type, data) VALUES ($1, $2, $3, $4)",
                [(item.seq, item.channel, item.type, item.data) for item in plan.feed],
            )
            await conn.execute(
                "UPDATE scoring_state SET version = $1, last_seq = $2", plan.version,
                plan.last_seq,
            )
        await conn.executemany(
            "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (consumer, topic, partition)"
            " DO UPDATE SET next_offset = excluded.next_offset",
            [(CONSUMER, topic, partition, offset) for partition, offset in next_offsets.items()],
        )


def _event_row(event_id: str, state: EventState) -> tuple[object, ...]:
    return (
        event_id, state.result.revision, state.result.status,
        state.result.model_dump(mode="json"), list(state.history), state.document,
    )


class FeedOutbox:
    """Feed messages not yet on the changes topic, in seq order."""

    name = "feed"
    lock_id = 0x46454544

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def fetch(self, conn: db.Connection, limit: int) -> list[OutboxRow]:
        rows = await conn.fetch(
            "SELECT seq, channel, type, data FROM feed WHERE published_at IS NULL"
            " ORDER BY seq LIMIT $1",
            limit,
        )
        return [
            OutboxRow(
                id=row["seq"],
                key=row["channel"].encode(),
                value=encode({"seq": row["seq"], "channel": row["channel"],
                              "type": row["type"], "data": row["data"]}),
            )
            for row in rows
        ]

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        await conn.execute(
            "UPDATE feed SET published_at = now() WHERE seq = ANY($1::bigint[])", ids
        )
