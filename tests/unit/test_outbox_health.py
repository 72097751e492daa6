"""The outbox relay tells /healthz when accepted rows wait too long for Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.adapters import outbox
from shared.adapters.outbox import OutboxRelay, OutboxRow
from shared.adapters.web import Readiness


class Waiting:
    """An outbox whose backlog is whatever the test says."""

    name = "submissions"
    topic = "podium.results"
    lock_id = 1

    def __init__(self) -> None:
        self.waiting = (0, 0.0)

    async def fetch(self, conn: Any, limit: int) -> Sequence[OutboxRow]:
        return []

    async def mark(self, conn: Any, ids: list[int]) -> None:
        return None

    async def backlog(self, pool: Any) -> tuple[int, float]:
        return self.waiting


async def test_rows_waiting_past_the_bound_make_the_relay_not_ready() -> None:
    source, readiness = Waiting(), Readiness()
    relay = OutboxRelay(pool=None, source=source, new_producer=lambda: None,  # type: ignore[arg-type]
                        readiness=readiness)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is True
    source.waiting = (3, outbox.STUCK_AFTER_S + 15)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is False
    assert readiness.reasons["relay"].startswith(
        "3 submissions row(s) committed but not on Kafka yet, the oldest for 45 s")
    source.waiting = (0, 0.0)
    await relay._observe_backlog()
    assert readiness.conditions["relay"] is True and "relay" not in readiness.reasons
