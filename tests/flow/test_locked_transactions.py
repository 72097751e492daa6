"""`db.locked_transaction` on the real PostgreSQL: its locks held until it ends, and a
transaction that is not durable commits without waiting for the disk, for itself only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from launcher.stack import Stack
from shared.adapters import db


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    assert stack.database_url is not None
    pool = await db.create_pool(stack.database_url, max_size=2, session_state=False)
    try:
        yield pool
    finally:
        await pool.close()


async def test_only_a_transaction_that_is_not_durable_skips_the_flush(pool: db.Pool) -> None:
    async with pool.acquire() as conn:
        async with db.locked_transaction(conn, 11, durable=False):
            assert await conn.fetchval("SHOW synchronous_commit") == "off"
        assert await conn.fetchval("SHOW synchronous_commit") == "on"  # SET LOCAL: its own
        async with db.locked_transaction(conn, 11):
            assert await conn.fetchval("SHOW synchronous_commit") == "on"


async def test_every_lock_is_held_until_the_transaction_ends(pool: db.Pool) -> None:
    async with pool.acquire() as holder, pool.acquire() as other:
        async with db.locked_transaction(holder, 13, 12, durable=False):
            held = await other.fetch(
                "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted")
            assert {row["objid"] for row in held} >= {12, 13}
            waiting = asyncio.create_task(_lock_and_release(other, 12))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # the second holder waits for the first
        await asyncio.wait_for(waiting, 10)


async def _lock_and_release(conn: db.Connection, key: int) -> None:
    async with db.locked_transaction(conn, key):
        pass
