"""`GET /v1/events/{id}` and the tables through the running system, as an event's result
goes from provisional to official, is corrected and is cancelled. Also the helpers the
other scoring flow tests share."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from launcher.stack import Stack
from tests.flow.events import claim_event

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], what: str,
                     limit_s: float = 60) -> T:
    """`check`'s first answer that is not None, polling; fails naming `what` after
    `limit_s` seconds (a bound for a stuck system, not a speed requirement)."""
    try:
        async with asyncio.timeout(limit_s):
            while True:
                answer = await check()
                if answer is not None:
                    return answer
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"never happened within {limit_s:g} s: {what}") from None


async def post_result(ingest: httpx.AsyncClient, token: str, body: dict[str, Any]) -> None:
    answer = await ingest.post("/v1/results", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 202, answer.text


async def event_at(broadcast: httpx.AsyncClient, event_id: str, revision: int) -> dict[str, Any]:
    async def document() -> dict[str, Any] | None:
        body: dict[str, Any] = (await broadcast.get(f"/v1/events/{event_id}")).json()
        return body if body["revision"] == revision else None
    return await eventually(document, f"{event_id} at revision {revision}")


async def table(broadcast: httpx.AsyncClient, kind: str, group: str = "all") -> dict[str, Any]:
    answer = await broadcast.get(f"/v1/standings/{kind}", params={"group": group})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def medal_counts(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    return {row["delegation"]: (row["gold"], row["silver"], row["bronze"]) for row in rows}


def points(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {row["delegation"]: row["points"] for row in rows}


async def tables_show(
    broadcast: httpx.AsyncClient, medals: dict[str, tuple[int, int, int]],
    points_by_delegation: dict[str, float], what: str,
) -> None:
    async def shown() -> bool | None:
        medal_rows = (await table(broadcast, "medals"))["rows"]
        points_rows = (await table(broadcast, "points"))["rows"]
        matches = (medal_counts(medal_rows) == medals
                   and points(points_rows) == pytest.approx(points_by_delegation, abs=0.005))
        return True if matches else None
    await eventually(shown, what)


def plus(base: dict[str, T], changes: dict[str, Any], add: Callable[[T, Any], T]) -> dict[str, T]:
    return {code: add(value, changes[code]) if code in changes else value
            for code, value in base.items()}


def add_medals(counts: tuple[int, int, int], medal: str) -> tuple[int, int, int]:
    index = ("gold", "silver", "bronze").index(medal)
    return tuple(count + (1 if place == index else 0)  # type: ignore[return-value]
                 for place, count in enumerate(counts))


def entries(order: list[str]) -> list[dict[str, Any]]:
    """Qinyang, Mengzhou, ... ranked as `order` says: "1", "3" (a tie when repeated) or DNS."""
    codes = ["qinyang", "mengzhou", "wuzhi", "boai", "xiuwu", "wenxian"]
    return [{"rank": int(place) if place.isdigit() else None, "delegation": code,
             "competitor": f"{code} 选手", "status": "OK" if place.isdigit() else place}
            for code, place in zip(codes, order, strict=True)]


async def test_event_document_and_tables_follow_each_revision(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    medals_before = (await table(broadcast, "medals"))["rows"]
    points_before = (await table(broadcast, "points"))["rows"]
    base = {"event_id": event_id}
    # Five starters (the DNS did not start): places 1-4 score 9, 7, 6, 5; the tie at 3rd
    # shares (6 + 5) / 2 and both win bronze; the 5th scores nothing.
    ranked = entries(["1", "2", "3", "3", "5", "DNS"])

    await post_result(ingest, official_token,
                      {**base, "revision": 1, "status": "provisional", "entries": ranked})
    document = await event_at(broadcast, event_id, 1)
    assert document["event"]["id"] == event_id
    assert (document["status"], document["correction"]) == ("provisional", False)
    assert [(e["medal"], e["points"]) for e in document["entries"]] == [(None, 0)] * 6

    await post_result(ingest, official_token,
                      {**base, "revision": 2, "status": "official", "entries": ranked})
    document = await event_at(broadcast, event_id, 2)
    assert [(e["delegation"], e["medal"], e["points"]) for e in document["entries"]] == [
        ("qinyang", "gold", 9), ("mengzhou", "silver", 7), ("wuzhi", "bronze", 5.5),
        ("boai", "bronze", 5.5), ("xiuwu", None, 0), ("wenxian", None, 0)]
    assert document["correction"] is False
    await tables_show(
        broadcast,
        plus(medal_counts(medals_before), {"qinyang": "gold", "mengzhou": "silver",
                                           "wuzhi": "bronze", "boai": "bronze"}, add_medals),
        plus(points(points_before), {"qinyang": 9, "mengzhou": 7, "wuzhi": 5.5, "boai": 5.5},
             lambda total, more: total + more),
        "the official result in the tables")

    corrected = entries(["2", "1", "3", "3", "5", "DNS"])
    await post_result(ingest, official_token, {**base, "revision": 3, "status": "official",
                                               "note": "终点摄影复核", "entries": corrected})
    document = await event_at(broadcast, event_id, 3)
    assert (document["correction"], document["note"]) == (True, "终点摄影复核")
    assert [(e["delegation"], e["medal"], e["points"]) for e in document["entries"][:2]] == [
        ("qinyang", "silver", 7), ("mengzhou", "gold", 9)]
    await tables_show(
        broadcast,
        plus(medal_counts(medals_before), {"qinyang": "silver", "mengzhou": "gold",
                                           "wuzhi": "bronze", "boai": "bronze"}, add_medals),
        plus(points(points_before), {"qinyang": 7, "mengzhou": 9, "wuzhi": 5.5, "boai": 5.5},
             lambda total, more: total + more),
        "the correction in the tables: gold and silver swapped")

    await post_result(ingest, official_token, {**base, "revision": 4, "status": "cancelled",
                                               "note": "器材故障 择期重赛", "entries": []})
    document = await event_at(broadcast, event_id, 4)
    assert (document["status"], document["entries"]) == ("cancelled", [])
    assert [(item["revision"], item["status"], item["note"]) for item in document["history"]] == [
        (1, "provisional", None), (2, "official", None), (3, "official", "终点摄影复核"),
        (4, "cancelled", "器材故障 择期重赛")]
    assert all(item["accepted_at"] for item in document["history"])
    assert document["accepted_at"] == document["history"][-1]["accepted_at"]

    async def counts_removed() -> bool | None:
        medals_now = (await table(broadcast, "medals"))["rows"]
        points_now = (await table(broadcast, "points"))["rows"]
        return True if (medals_now, points_now) == (medals_before, points_before) else None
    await eventually(counts_removed, "the cancellation removing every count of the event")
