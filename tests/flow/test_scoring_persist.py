"""`store.persist` on the real PostgreSQL: a batch is stored whole or not at all, though it
goes as one statement rather than a transaction of several (the live scoring service
keeps running on the same database meanwhile; nothing here is left behind)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from launcher.stack import Stack
from services.scoring import store
from services.scoring.core import Plan
from shared.adapters import db
from shared.contract.messages import FeedMessage

CHANNEL = "medals:persist-test"
TOPIC = "persist-test"


@pytest.fixture
async def conn(stack: Stack) -> AsyncIterator[db.Connection]:
    assert stack.database_url is not None
    conn = await db.connect(stack.database_url)
    try:
        yield conn
    finally:
        await conn.close()


def _plan(seqs: list[int], version: int) -> Plan:
    table = {"rows": [], "version": version}
    return Plan(
        events={}, tables={CHANNEL: table}, stamped={CHANNEL: table},
        feed=[FeedMessage(seq=seq, channel=CHANNEL, type="update", data=table)
              for seq in seqs],
        version=version, last_seq=max(seqs),
    )


async def _stored(conn: db.Connection) -> tuple[object, ...]:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM standings WHERE channel = $1) AS tables,"
        " (SELECT count(*) FROM feed WHERE channel = $1) AS messages,"
        " (SELECT count(*) FROM consumer_offsets WHERE topic = $2) AS offsets,"
        " (SELECT version FROM scoring_state) AS version,"
        " (SELECT last_seq FROM scoring_state) AS last_seq", CHANNEL, TOPIC)
    assert row is not None
    return tuple(row)


async def test_a_batch_one_part_of_which_fails_leaves_nothing(conn: db.Connection) -> None:
    far = 10**12  # above any seq the live service numbers in a test run
    # The table, the version, the offsets and the first message are fine; the second
    # message repeats the first's seq.
    with pytest.raises(asyncpg.UniqueViolationError, match="feed_pkey"):
        await store.persist(conn, _plan([far, far], version=10**9), TOPIC, {0: 7})
    # The live service may score a batch meanwhile: its version and seq move, never to these.
    tables, messages, offsets, version, last_seq = await _stored(conn)
    assert (tables, messages, offsets) == (0, 0, 0)
    assert version != 10**9 and last_seq != far


async def test_a_batch_that_holds_stores_every_part(conn: db.Connection) -> None:
    far = 2 * 10**12
    # Rolled back at the end: the live service's version and feed stay as they were.
    transaction = conn.transaction()
    await transaction.start()
    try:
        await store.persist(conn, _plan([far, far + 1], version=10**9), TOPIC, {0: 7, 3: 9})
        assert await _stored(conn) == (1, 2, 2, 10**9, far + 1)
        assert await conn.fetchval(
            "SELECT document FROM standings WHERE channel = $1", CHANNEL
        ) == {"rows": [], "version": 10**9}
        assert await conn.fetchval(
            "SELECT data FROM feed WHERE seq = $1", far + 1) == {"rows": [], "version": 10**9}
    finally:
        await transaction.rollback()
