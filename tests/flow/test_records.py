"""Records found from the marks, on the running system (docs/records.md): a result that breaks
the games record is announced on `records` and in `GET /v1/records`, its bonus moves the points
table, and a correction undoes both; claims and marks the rules refuse are 422s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets

from launcher.stack import Stack
from tests.conftest import podium_cli
from tests.flow.own_games import games_with_rules, http_clients, own_games
from tests.flow.test_live_support import is_a, live_url, receive_until, request

M100 = "ath-youth-m-100m"  # the sample games record: 10.91 (李明, qinyang, 2020)
BONUS = {"games": 3, "provincial": 5, "national": 8}
Message = dict[str, Any]


@pytest.fixture(scope="module")
def bonus_games(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A second games on the session's servers whose rules award a record bonus, which the
    shipped rules do not."""
    home = tmp_path_factory.mktemp("bonus-games")
    games_dir = games_with_rules(home, {"record_bonus": BONUS})
    with own_games(stack, home, "podium_bonus_games", games_dir) as games:
        yield games


@pytest.fixture
async def clients(bonus_games: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with http_clients(bonus_games) as both:
        yield both


def men_100m(revision: int, winner_mark: str) -> dict[str, Any]:
    return {"event_id": M100, "revision": revision, "status": "official", "entries": [
        {"rank": 1, "delegation": "mengzhou", "competitor": "王强", "mark": winner_mark},
        {"rank": 2, "delegation": "wuzhi", "competitor": "赵刚", "mark": "10.97"},
        {"rank": 3, "delegation": "boai", "competitor": "陈晨", "mark": "11.04"},
    ]}


def games_record(document: dict[str, Any]) -> tuple[str, str]:
    record = next(record for record in document["standing"]
                  if (record["event_id"], record["level"]) == (M100, "games"))
    return record["mark"], record["holder"]


def mengzhou_points(table: dict[str, Any]) -> float:
    points: float = next(row["points"] for row in table["rows"]
                         if row["delegation"] == "mengzhou")
    return points


async def latest(ws: websockets.ClientConnection, received: list[Message], channel: str,
                 done: Any) -> Message:
    """The first message of `channel` that `done` accepts, reading on as needed; what was read
    before it stays in `received` for the other channel."""
    while True:
        found = next((m for m in received if m.get("channel") == channel and done(m["data"])),
                     None)
        if found is not None:
            return found
        received += await receive_until(ws, is_a(channel, "update"))


async def test_a_broken_record_is_announced_scores_its_bonus_and_a_correction_undoes_it(
    bonus_games: Stack, clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    ingest, broadcast = clients
    token = podium_cli(bonus_games, "token", "create", "--role", "official", "--name",
                       "裁判 李").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(live_url(bonus_games.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["records", "points:all"])
        received = await receive_until(ws, lambda message: message.get("type") == "subscribed")
        snapshot = next(m for m in received if m.get("channel") == "records")
        assert snapshot["type"] == "snapshot"
        assert games_record(snapshot["data"]) == ("10.91", "李明")
        assert snapshot["data"]["set_here"] == []
        received = []

        answer = await ingest.post("/v1/results", headers=headers, json=men_100m(1, "10.85"))
        assert answer.status_code == 202, answer.text
        update = await latest(ws, received, "records", lambda data: data["set_here"])
        [broken] = update["data"]["set_here"]
        assert (broken["mark"], broken["holder"], broken["delegation"], broken["kind"]) == (
            "10.85", "王强", "mengzhou", "broken")
        assert broken["previous"]["mark"] == "10.91"
        assert broken["set_at"]["unit_id"] == f"{M100}/final"
        assert broken["set_at"]["revision"] == 1
        assert games_record(update["data"]) == ("10.85", "王强")
        points = await latest(ws, received, "points:all",
                              lambda data: mengzhou_points(data) > 0)
        assert mengzhou_points(points["data"]) == 9 + BONUS["games"]

        assert (await broadcast.get("/v1/records")).json() == update["data"]
        event = (await broadcast.get(f"/v1/events/{M100}")).json()
        assert [(e["competitor"], e["record"], e["points"]) for e in event["entries"]] == [
            ("王强", "games", 9 + BONUS["games"]), ("赵刚", None, 7), ("陈晨", None, 0)]

        received = []
        answer = await ingest.post("/v1/results", headers=headers, json=men_100m(2, "10.93"))
        assert answer.status_code == 202, answer.text
        undone = await latest(ws, received, "records", lambda data: not data["set_here"])
        assert games_record(undone["data"]) == ("10.91", "李明")
        points = await latest(ws, received, "points:all",
                              lambda data: mengzhou_points(data) == 9)
        assert points["seq"] > update["seq"]
        assert (await broadcast.get("/v1/records")).json() == undone["data"]
        event = (await broadcast.get(f"/v1/events/{M100}")).json()
        assert [e["record"] for e in event["entries"]] == [None, None, None]


async def problems(ingest: httpx.AsyncClient, token: str, body: dict[str, Any],
                   lang: str = "en") -> list[dict[str, str]]:
    answer = await ingest.post("/v1/results", json=body, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": lang})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, str]] = answer.json()["errors"]
    return errors


async def test_a_claim_the_mark_does_not_support_is_refused_naming_the_standing_record(
    ingest: httpx.AsyncClient, official_token: str
) -> None:
    body = men_100m(1, "10.95")
    body["entries"][0]["record"] = "games"
    body["entries"][1]["mark"] = "10.97"
    assert await problems(ingest, official_token, body) == [{
        "pointer": "/entries/0/record",
        "detail": "record 'games' claimed, but 10.95 does not beat the games record 10.91 "
                  "(李明, qinyang, 2020)"}]
    assert await problems(ingest, official_token, body, "zh-CN") == [{
        "pointer": "/entries/0/record",
        "detail": "申报了运动会纪录，但成绩 10.95 未打破运动会纪录 10.91（李明，qinyang，2020年）"}]


async def test_a_mark_in_the_wrong_format_is_refused_with_its_pointer_and_an_example(
    ingest: httpx.AsyncClient, official_token: str
) -> None:
    body = men_100m(1, "10.85")
    body["entries"][2]["mark"] = "1.02.45"
    assert await problems(ingest, official_token, body) == [{
        "pointer": "/entries/2/mark",
        "detail": "'1.02.45' is not a time: write 1:02.45 (m:ss.xx) or 10.91 (seconds); over "
                  "an hour, 2:01:33.2 (h:mm:ss.x)"}]
    long_jump = {**men_100m(1, "7.35 m"), "event_id": "ath-youth-m-long-jump"}
    long_jump["entries"][1]["mark"] = "7,02"
    long_jump["entries"][2]["mark"] = "6.9"
    assert await problems(ingest, official_token, long_jump, "zh") == [{
        "pointer": "/entries/1/mark",
        "detail": "'7,02' 不是距离成绩：应写作 6.35 或 6.35 m（米）"}]
