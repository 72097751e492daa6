"""/healthz tells the truth (docs/operations.md "Alerts"): broadcast whose follower stopped
while the changes topic grew says so within 10 s, with the reason, and is ready again by
itself once the follower moves."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import httpx

from launcher.stack import Stack
from tests.chaos.support import kafka_send
from tests.flow.test_scoring_events import eventually


async def health(client: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get("/healthz")).json()
    return body


async def test_a_stopped_follower_is_not_ready_within_10_s_then_ready_again(
    stack: Stack, broadcast: httpx.AsyncClient,
) -> None:
    assert (await broadcast.get("/healthz")).status_code == 200
    assert stack.database_url is not None
    holder = await asyncpg.connect(stack.database_url)
    try:
        # The follower meets a message that is not a feed message and reads the feed table
        # instead, where a long transaction (a migration, a stuck admin session) holds it
        # and the feed's counters.
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("LOCK TABLE feed, scoring_state IN ACCESS EXCLUSIVE MODE")
        await kafka_send(stack, "podium.changes", b"not a feed message")
        stopped = time.monotonic()

        async def not_ready() -> dict[str, Any] | None:
            body = await health(broadcast)
            return body if "follower" in body["waiting_for"] else None

        body = await eventually(not_ready, "broadcast reporting its stuck follower", 10)
        noticed_s = time.monotonic() - stopped
        assert body["status"] == "waiting"
        assert body["reasons"]["follower"].startswith(
            "the feed follower: 1 message(s) not handled, no progress for")
        await transaction.rollback()
    finally:
        await holder.close()

    async def ready() -> bool | None:
        return True if (await broadcast.get("/healthz")).status_code == 200 else None

    await eventually(ready, "broadcast ready again once its follower moves", 30)
    assert "follower" not in (await health(broadcast))["reasons"]
    print(f"\nbroadcast reported its stopped follower after {noticed_s:.1f} s")
