"""scoring's side of PostgreSQL: loading its state and persisting a batch atomically."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import structlog

from services.scoring.core import (
    EventState,
    Plan,
    ScoringState,
    StoredRow,
    Tables,
    compute_tables,
    event_state,
    other_units,
)
from services.scoring.units import UnitRecord
from shared.adapters import db, submissions
from shared.adapters.outbox import OutboxRow, unpublished
from shared.contract.documents import unstamp_table
from shared.contract.messages import AcceptedResult, FeedMessage, ResultCheck, UnitUpdate
from shared.domain.checks import Checks, Step
from shared.domain.games import Games
from shared.domain.rules import Rules

log = structlog.get_logger()

CONSUMER = "scoring"
# Held for the life of the process: a second scoring process waits as a standby
# instead of applying the same results concurrently.
SCORING_LOCK = 0x53434F5245


async def load_state(conn: db.Connection, games: Games, rules: Rules) -> ScoringState:
    units = {row["unit_id"]: UnitRecord(
        update=None if row["state"] is None else UnitUpdate.model_validate(row["state"]),
        result=None if row["result"] is None else AcceptedResult.model_validate(row["result"]),
        history=tuple(row["history"]), document=row["document"],
        checks=checks_of(row["checks"]),
    ) for row in await conn.fetch("SELECT unit_id, state, result, history, document, checks"
                                  " FROM unit_documents")}
    others = other_units(units.values())
    events: dict[str, EventState] = {}
    for row in await conn.fetch("SELECT result, history, checks, counted FROM event_results"):
        result = AcceptedResult.model_validate(row["result"])
        counted = (None if row["counted"] is None
                   else AcceptedResult.model_validate(row["counted"]))
        state = event_state(games, rules, result, tuple(row["history"]),
                            checks_of(row["checks"]), counted, others.get(result.event_id, []))
        if state is not None:
            events[result.event_id] = state
    counters = await conn.fetchrow("SELECT version, last_seq FROM scoring_state")
    assert counters is not None
    published = await load_tables(conn)
    computed = compute_tables(games, rules, events, others)
    stale = [channel for channel, table in published.items()
             if channel in computed and computed[channel] != table]
    if stale:
        # Only a changed rules or games file (or a bug) does this. Changes are judged
        # against what readers have, so the next change republishes these tables;
        # `podium rebuild` shows every difference, events included.
        log.warning("stored tables differ from the stored results under the current rules;"
                    " run `podium rebuild`", channels=stale)
    return ScoringState(games, rules, events, published, counters["version"],
                        counters["last_seq"], units)


async def load_tables(conn: db.Connection) -> Tables:
    """Every stored table without its stamp (version, updated_at)."""
    rows = await conn.fetch("SELECT channel, document FROM standings")
    return {row["channel"]: unstamp_table(row["document"]) for row in rows}


async def publish_missing_tables(conn: db.Connection, state: ScoringState, now: datetime) -> None:
    """A new games (or a new group) has no stored table yet: readers need every row, zeros
    included, and a board that loaded the empty state before gets them from the feed."""
    plan = state.plan_missing_tables(now)
    if not plan.empty:
        await persist(conn, plan, topic="", next_offsets={})
        state.commit(plan)


async def load_offsets(conn: db.Connection, topic: str) -> dict[int, int]:
    rows = await conn.fetch(
        "SELECT partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2",
        CONSUMER, topic,
    )
    return {row["partition"]: row["next_offset"] for row in rows}


async def stored_rows(conn: db.Connection, ids: Sequence[int]) -> dict[int, StoredRow]:
    """The submission rows that messages name, to check the messages against: one query
    per batch."""
    if not ids:
        return {}
    rows = await conn.fetch(
        "SELECT s.id, s.event_id, s.phase, s.revision,"
        " encode(s.content_hash, 'hex') AS content_hash, s.accepted_at, t.name,"
        " s.awaits_confirmation FROM submissions s JOIN tokens t ON t.id = s.token_id"
        " WHERE s.id = ANY($1::bigint[])", list(set(ids)))
    return {row["id"]: StoredRow(row["event_id"], row["revision"], row["content_hash"],
                                 row["accepted_at"], row["name"], row["phase"],
                                 row["awaits_confirmation"]) for row in rows}


async def stored_unit_changes(conn: db.Connection, ids: Sequence[int]) -> dict[int, UnitUpdate]:
    """The units' states the outbox `unit_changes` holds, by row id."""
    if not ids:
        return {}
    rows = await conn.fetch("SELECT id, message FROM unit_changes WHERE id = ANY($1::bigint[])",
                            list(set(ids)))
    return {row["id"]: UnitUpdate.model_validate({**row["message"], "change_id": row["id"]})
            for row in rows}


async def stored_checks(conn: db.Connection, ids: Sequence[int]) -> dict[int, ResultCheck]:
    """The checks that messages name, as their messages, to check the messages against."""
    if not ids:
        return {}
    return {check.id: check for check in await submissions.checks(conn, sorted(set(ids)))}


async def stored_revisions(
    conn: db.Connection, wanted: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], AcceptedResult]:
    """The stored revisions among `wanted`, by (event id, revision)."""
    if not wanted:
        return {}
    return {(result.event_id, result.revision): result
            for result in await submissions.revisions(conn, wanted)}


async def recorded_topics(conn: db.Connection) -> dict[str, uuid.UUID]:
    """The topic ids that the stored offsets and the published marks refer to."""
    rows = await conn.fetch("SELECT topic, topic_id FROM kafka_topics")
    return {row["topic"]: row["topic_id"] for row in rows}


async def record_topic(conn: db.Connection, topic: str, topic_id: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO kafka_topics (topic, topic_id) VALUES ($1, $2) ON CONFLICT (topic)"
        " DO UPDATE SET topic_id = excluded.topic_id, recorded_at = now()", topic, topic_id)


async def read_again(
    conn: db.Connection, topic: str, topic_id: uuid.UUID, offsets: Mapping[int, int]
) -> int:
    """One transaction: scoring's position on the results topic starts again at `offsets`,
    and every accepted revision and check goes back to the outbox (scoring ignores what it
    already applied). Returns how many revisions will be sent again."""
    async with conn.transaction():
        resent = await conn.fetchval(
            "WITH marked AS (UPDATE submissions SET published_at = NULL"
            " WHERE published_at IS NOT NULL RETURNING 1) SELECT count(*) FROM marked")
        await conn.execute(
            "UPDATE result_checks SET published_at = NULL WHERE published_at IS NOT NULL")
        # The units' states too (each carries its version: what scoring has is kept).
        await conn.execute("UPDATE unit_changes SET published_at = NULL"
                           " WHERE published_at IS NOT NULL")
        await conn.execute("DELETE FROM consumer_offsets WHERE consumer = $1 AND topic = $2",
                           CONSUMER, topic)
        await _store_offsets(conn, topic, offsets)
        await record_topic(conn, topic, topic_id)
    return int(resent)


async def announce_again(conn: db.Connection, topic: str, topic_id: uuid.UUID) -> None:
    """One transaction: the newest feed message goes back to the outbox, for the changes
    topic created again. Broadcast reads the feed's history from PostgreSQL, never from the
    topic: the newest message tells every replica how far the feed has gone, and a replica
    behind fills the rest from the `feed` table."""
    async with conn.transaction():
        await conn.execute("UPDATE feed SET published_at = NULL"
                           " WHERE seq = (SELECT max(seq) FROM feed)")
        await record_topic(conn, topic, topic_id)


async def persist(
    conn: db.Connection, plan: Plan, topic: str, next_offsets: dict[int, int]
) -> None:
    """The tables, the feed and the consumer position move together, so a crash at any
    instant leaves either all of the batch or none of it: one statement, which PostgreSQL
    runs as a transaction of its own (or as part of the caller's).

    One round trip instead of BEGIN, one per table written, the version and COMMIT (seven
    for a result): each was 0.2-0.6 ms on every result's way to the feed."""
    if plan.empty:
        await _store_offsets(conn, topic, next_offsets)
        return
    announced = {item.channel: item.seq for item in plan.feed if item.type == "update"}
    await conn.execute(
        _PERSIST, CONSUMER, topic, *_offset_columns(next_offsets), plan.version, plan.last_seq,
        [_event_row(event_id, state) for event_id, state in plan.events.items()],
        [{"channel": channel, "document": document, "seq": announced[channel]}
         for channel, document in plan.stamped.items()],
        [_unit_row(unit_id, record) for unit_id, record in plan.units.items()],
        [{"seq": item.seq, "channel": item.channel, "type": item.type, "data": item.data}
         for item in plan.feed],
    )


# The consumer $1's next offset in each partition of topic $2: partitions $3, offsets $4.
_OFFSETS_UPSERT = (
    "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset)"
    " SELECT $1, $2, partition, next_offset"
    " FROM unnest($3::int[], $4::bigint[]) AS o (partition, next_offset)"
    " ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset")
# Each table's rows arrive as one JSON array of objects named by its columns
# (json_populate_recordset reads them with the table's own column types); data-modifying
# CTEs all run, referenced or not, in the statement's one snapshot.
_PERSIST = (
    "WITH events AS ("
    " INSERT INTO event_results (event_id, revision, status, result, history, document,"
    "  checks, counted)"
    " SELECT event_id, revision, status, result, history, document, checks, counted"
    " FROM json_populate_recordset(NULL::event_results, $7::json)"
    " ON CONFLICT (event_id) DO UPDATE"
    " SET revision = excluded.revision, status = excluded.status,"
    " result = excluded.result, history = excluded.history,"
    " document = excluded.document, checks = excluded.checks,"
    " counted = excluded.counted, applied_at = now()"
    "), tables AS ("
    " INSERT INTO standings (channel, document, seq)"
    " SELECT channel, document, seq FROM json_populate_recordset(NULL::standings, $8::json)"
    " ON CONFLICT (channel) DO UPDATE SET document = excluded.document, seq = excluded.seq"
    "), units AS ("
    " INSERT INTO unit_documents (unit_id, event_id, state, result, history, document,"
    "  checks)"
    " SELECT unit_id, event_id, state, result, history, document, checks"
    " FROM json_populate_recordset(NULL::unit_documents, $9::json)"
    " ON CONFLICT (unit_id) DO UPDATE"
    " SET state = excluded.state, result = excluded.result,"
    " history = excluded.history, document = excluded.document,"
    " checks = excluded.checks, applied_at = now()"
    "), messages AS ("
    " INSERT INTO feed (seq, channel, type, data)"
    " SELECT seq, channel, type, data FROM json_populate_recordset(NULL::feed, $10::json)"
    "), state AS (UPDATE scoring_state SET version = $5, last_seq = $6) "
    + _OFFSETS_UPSERT
)


def _offset_columns(offsets: Mapping[int, int]) -> tuple[list[int], list[int]]:
    return list(offsets), list(offsets.values())


async def _store_offsets(conn: db.Connection, topic: str, offsets: Mapping[int, int]) -> None:
    await conn.execute(_OFFSETS_UPSERT, CONSUMER, topic, *_offset_columns(offsets))


def _event_row(event_id: str, state: EventState) -> dict[str, object]:
    return {
        "event_id": event_id, "revision": state.result.revision,
        "status": state.document["status"], "result": state.result.model_dump(mode="json"),
        "history": list(state.history), "document": state.document,
        "checks": checks_json(state.checks),
        "counted": None if state.counted is None else state.counted.model_dump(mode="json"),
    }


def _unit_row(unit_id: str, record: UnitRecord) -> dict[str, object]:
    return {
        "unit_id": unit_id, "event_id": unit_id.partition("/")[0],
        "state": None if record.update is None else record.update.model_dump(mode="json"),
        "result": None if record.result is None else record.result.model_dump(mode="json"),
        "history": list(record.history), "document": record.document,
        "checks": checks_json(record.checks),
    }


def checks_json(checks: Checks) -> dict[str, Any]:
    """`event_results.checks` and `unit_documents.checks`: what the checks made of the
    latest revision."""
    def step(made: Step | None) -> dict[str, Any] | None:
        return None if made is None else {"by": made.by, "at": made.at.isoformat(),
                                          "note": made.note}

    return {"confirmed": step(checks.confirmed), "review": step(checks.review),
            "last_check": checks.last_check}


def checks_of(stored: dict[str, Any]) -> Checks:
    def step(made: dict[str, Any] | None) -> Step | None:
        return None if made is None else Step(made["by"], datetime.fromisoformat(made["at"]),
                                              made["note"])

    return Checks(confirmed=step(stored.get("confirmed")), review=step(stored.get("review")),
                  last_check=stored.get("last_check", 0))


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
            OutboxRow(id=row["seq"], key=row["channel"].encode(),
                      value=FeedMessage.model_validate(dict(row)).to_json())
            for row in rows
        ]

    async def backlog(self, pool: db.Pool) -> tuple[int, float]:
        return await unpublished(pool, "feed", "created_at")

    async def mark(self, conn: db.Connection, ids: list[int]) -> None:
        await conn.execute(
            "UPDATE feed SET published_at = now() WHERE seq = ANY($1::bigint[])", ids
        )
