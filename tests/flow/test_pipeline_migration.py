"""Migration 004 on a database that scoring filled before it: each applied revision gets the
submission id and content hash of the row with its content; one applied from a message no
row holds gets none, and that row is sent again so scoring applies what is stored."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg

from launcher.stack import Stack
from shared.adapters import db
from shared.adapters.settings import REPO_ROOT
from shared.contract.messages import AcceptedResult, content_hash
from shared.domain.engine import Entry, Result

AT = datetime(2024, 9, 21, 10, 0, tzinfo=UTC)


@contextlib.asynccontextmanager
async def scratch_database(stack: Stack) -> AsyncIterator[db.Pool]:
    """A database of its own on the session's PostgreSQL, dropped after."""
    assert stack.database_url is not None
    server = await asyncpg.connect(stack.database_url)
    try:
        await server.execute("DROP DATABASE IF EXISTS migration_004")
        await server.execute("CREATE DATABASE migration_004")
        pool = await db.create_pool(stack.database_url.rsplit("/", 1)[0] + "/migration_004")
        try:
            yield pool
        finally:
            await pool.close()
    finally:
        await server.execute("DROP DATABASE IF EXISTS migration_004")
        await server.close()


def migration(name: str) -> str:
    return (REPO_ROOT / "shared" / "migrations" / name).read_text(encoding="utf-8")


def entries(*codes: str) -> list[dict[str, Any]]:
    return [Entry(rank=rank, delegation=code, competitor=f"{code} 1").model_dump()
            for rank, code in enumerate(codes, start=1)]


async def test_applied_revisions_get_their_rows_identity(stack: Stack) -> None:
    async with scratch_database(stack) as conn:
        for name in ("001_initial.sql", "002_ingest_audit.sql"):
            await conn.execute(migration(name))
        token = await conn.fetchval("INSERT INTO tokens (token_hash, role, name) VALUES"
                                    " ('\\x00', 'official', '裁判 张') RETURNING id")
        stored = {"kept": entries("qinyang", "wuzhi"), "diverged": entries("boai", "xiuwu")}
        ids = {}
        for event_id, event_entries in stored.items():
            result = Result.model_validate({"event_id": event_id, "revision": 1,
                                            "status": "official", "entries": event_entries})
            ids[event_id] = await conn.fetchval(
                "INSERT INTO submissions (event_id, revision, status, entries, content_hash,"
                " token_id, published_at) VALUES ($1, 1, 'official', $2, $3, $4, now())"
                " RETURNING id", event_id, event_entries,
                content_hash(event_id, 1, "official", None, result.entries), token)
        # As scoring stored results before: no id, no hash; "diverged" from a stale message.
        applied = {"kept": stored["kept"], "diverged": entries("xiuwu", "boai")}
        for event_id, event_entries in applied.items():
            old = {"event_id": event_id, "revision": 1, "status": "official",
                   "entries": event_entries, "note": None, "accepted_at": AT.isoformat(),
                   "entered_by": "裁判 张"}
            await conn.execute(
                "INSERT INTO event_results (event_id, revision, status, result, history,"
                " document) VALUES ($1, 1, 'official', $2, '[]', '{}')", event_id, old)

        await conn.execute(migration("004_pipeline_identity.sql"))

        results = {row["event_id"]: AcceptedResult.model_validate(row["result"])
                   for row in await conn.fetch("SELECT event_id, result FROM event_results")}
        kept = results["kept"]
        assert (kept.submission_id, kept.content_matches_hash()) == (ids["kept"], True)
        assert (results["diverged"].submission_id, results["diverged"].content_hash) == (0, "")
        unpublished = await conn.fetch(
            "SELECT event_id FROM submissions WHERE published_at IS NULL")
        assert [row["event_id"] for row in unpublished] == ["diverged"]
