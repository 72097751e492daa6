"""A 2xx means durable: with the Kafka broker down results are still accepted and reach the
tables once it is back, in order and counted once; with PostgreSQL down nothing is confirmed
(503 with Retry-After), and the system recovers by itself when it returns.

Both tests stop shared infrastructure, so whatever happens they start it again and wait until
every service is healthy before they end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from launcher.stack import Stack
from shared.domain.games import Event
from tests.flow.events import claim_event
from tests.flow.test_ingest_api import bearer
from tests.flow.test_scoring_events import event_at, eventually, medal_counts, table

RECOVERY_S = 150


@pytest.fixture
def healthy_before_and_after(stack: Stack) -> Iterator[None]:
    stack.wait_healthy(timeout=RECOVERY_S)
    yield
    stack.wait_healthy(timeout=RECOVERY_S)


def podium_events(count: int) -> list[Event]:
    """Events from pools the other tests draw little from, several groups and both kinds."""
    pools = [("team", "youth")] * 10 + [("individual", "open")] * 5 + [("team", "workers")] * 4
    pools += [("team", "rural")] * 3 + [("team", "open")] * 3
    return [claim_event(kind, group, any_measure=True) for kind, group in pools[:count]]


def podium(
    event_id: str, revision: int, winner: str, runner_up: str, **more: Any
) -> dict[str, Any]:
    """Five starters, so places 1-4 score and 1-3 win medals."""
    order = [winner, runner_up, "wuzhi", "boai", "xiuwu"]
    return {"event_id": event_id, "revision": revision, "status": "official", **more,
            "entries": [{"rank": place, "delegation": code, "competitor": f"{code} 代表"}
                        for place, code in enumerate(order, start=1)]}


def plus_medals(
    before: dict[str, tuple[int, int, int]], gains: dict[str, tuple[int, int, int]]
) -> dict[str, tuple[int, int, int]]:
    zero = (0, 0, 0)
    return {code: (counts[0] + gains.get(code, zero)[0], counts[1] + gains.get(code, zero)[1],
                   counts[2] + gains.get(code, zero)[2]) for code, counts in before.items()}


async def medals_become(
    broadcast: httpx.AsyncClient, expected: dict[str, tuple[int, int, int]], what: str
) -> None:
    async def shown() -> bool | None:
        return True if medal_counts((await table(broadcast, "medals"))["rows"]) == expected \
            else None
    await eventually(shown, what)


async def test_results_accepted_while_kafka_is_down_reach_the_tables_in_order_once(
    stack: Stack, healthy_before_and_after: None, official_token: str,
    ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
) -> None:
    assert stack.kafka is not None
    events = podium_events(25)
    before = medal_counts((await table(broadcast, "medals"))["rows"])
    # 50 results: each event's first result, then its correction swapping gold and silver.
    # Only the corrections may count; a lost, doubled or reordered one shows in the tables.
    bodies = [podium(e.id, 1, "qinyang", "mengzhou") for e in events]
    bodies += [podium(e.id, 2, "mengzhou", "qinyang", note="终点录像复核") for e in events]

    stack.kafka.stop()
    try:
        for body in bodies:
            answer = await ingest.post("/v1/results", json=body, headers=bearer(official_token))
            assert answer.status_code == 202, answer.text
        healthz = await ingest.get("/healthz")
        assert healthz.status_code == 200, "accepting needs PostgreSQL only"
        for event in events[:3]:  # stored, waiting in the outbox for Kafka
            history = (await ingest.get(f"/v1/events/{event.id}/history",
                                        headers=bearer(official_token))).json()
            assert [(r["revision"], r["published"]) for r in history["revisions"]] == [
                (1, False), (2, False)]
    finally:
        stack.kafka.start()
    stack.wait_healthy(timeout=RECOVERY_S)

    for event in events:
        document = await event_at(broadcast, event.id, 2)
        assert [item["revision"] for item in document["history"]] == [1, 2]
        assert [(e["delegation"], e["medal"]) for e in document["entries"][:3]] == [
            ("mengzhou", "gold"), ("qinyang", "silver"), ("wuzhi", "bronze")]
        assert document["correction"] is True

    await medals_become(broadcast, plus_medals(before, {
        "mengzhou": (len(events), 0, 0), "qinyang": (0, len(events), 0),
        "wuzhi": (0, 0, len(events))}), "each event's final result counted exactly once")


async def test_postgresql_down_answers_503_with_retry_after_and_the_system_recovers(
    stack: Stack, healthy_before_and_after: None, official_token: str,
    ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
) -> None:
    assert stack.postgres is not None
    event_id = claim_event().id
    body = podium(event_id, 1, "wenxian", "jiefang")
    before = medal_counts((await table(broadcast, "medals"))["rows"])

    stack.postgres.stop()
    try:
        for attempt in range(3):  # the same answer on every try, the pool's reconnects included
            answer = await ingest.post("/v1/results", json=body,
                                       headers=bearer(official_token, "zh-CN"))
            assert answer.status_code == 503, (attempt, answer.text)
            assert answer.headers["retry-after"] == "5"
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"].startswith("成绩数据库暂时无法连接")
        listing = await ingest.get("/v1/my/events", headers=bearer(official_token))
        assert listing.status_code == 503 and listing.headers["retry-after"] == "5"

        async def ingest_unhealthy() -> dict[str, Any] | None:
            health = await ingest.get("/healthz")
            return health.json() if health.status_code == 503 else None
        waiting = await eventually(ingest_unhealthy, "ingest reporting PostgreSQL unreachable")
        assert waiting["waiting_for"] == ["postgresql"]
    finally:
        stack.postgres.start()
    # Ingest first: a venue must be able to submit again as soon as the database is back.
    stack.wait_healthy(timeout=RECOVERY_S, services=("ingest",))

    # Nothing of the 503s was stored: the very same body is new now, not a repeat.
    answer = await ingest.post("/v1/results", json=body, headers=bearer(official_token))
    assert answer.status_code == 202, answer.text
    document = await event_at(broadcast, event_id, 1)
    assert (document["entries"][0]["delegation"], document["entries"][0]["medal"]) == (
        "wenxian", "gold")
    await medals_become(broadcast, plus_medals(before, {
        "wenxian": (1, 0, 0), "jiefang": (0, 1, 0), "wuzhi": (0, 0, 1)}),
        "the live tables updated again after PostgreSQL came back")
    # (The scoring outbox marks Kafka unready on a database error and only rechecks it when it
    # has something to publish, so "every service healthy" is checked once results flow.)
    stack.wait_healthy(timeout=RECOVERY_S)
