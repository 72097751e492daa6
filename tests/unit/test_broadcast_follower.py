"""Filling a gap in the feed from PostgreSQL (issue 15, point 6): after Kafka comes back, a
long gap goes to the hub in pages, and the loop serves everyone else between them."""

from __future__ import annotations

import asyncio

from services.broadcast.follower import fill_gap
from services.broadcast.history import History
from shared.adapters.db import Database
from shared.contract.messages import FeedMessage
from tests.unit.test_broadcast_hub import feed, new_hub, result

GAP = 2500


class FeedRows(History):
    """The `feed` table as a list; remembers how many rows each read returned."""

    def __init__(self, messages: list[FeedMessage]) -> None:
        super().__init__(Database("postgresql://unused"), replay_window=0)
        self.feed = messages
        self.reads: list[int] = []

    async def messages(self, after: int, upto: int, limit: int) -> list[FeedMessage]:
        rows = [m for m in self.feed if after < m.seq <= upto][:limit]
        self.reads.append(len(rows))
        return rows


async def test_a_long_gap_is_applied_in_pages_with_the_loop_free_between_them() -> None:
    hub = new_hub()
    history = FeedRows([feed(seq, "results", "result", result(seq)) for seq in range(1, GAP + 1)])
    seen_between: list[int] = []

    async def another_connection() -> None:
        while True:
            seen_between.append(hub.last_seq)
            await asyncio.sleep(0)

    other = asyncio.create_task(another_connection())
    await asyncio.sleep(0)
    try:
        await fill_gap(history, hub, GAP)
    finally:
        other.cancel()
    assert hub.last_seq == GAP
    assert sum(history.reads) == GAP and max(history.reads) <= 1000
    # The other task ran between the pages, each time seeing the gap partly filled.
    assert len({seq for seq in seen_between if 0 < seq < GAP}) >= GAP // 1000
