"""The whole path: CLI token, POST to ingest, Kafka, scoring, PostgreSQL, broadcast."""

import asyncio
from typing import Any

import httpx
import orjson
import websockets

from launcher.stack import Stack
from tests.flow.events import claim_event, games_delegations


async def next_message(ws: websockets.ClientConnection, channel: str, type_: str) -> Any:
    async with asyncio.timeout(30):
        while True:
            message = orjson.loads(await ws.recv())
            if message.get("channel") == channel and message.get("type") == type_:
                return message


async def test_official_result_reaches_websocket_and_rest(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    before = (await broadcast.get("/v1/standings/medals")).json()
    gold_before = {row["delegation"]: row["gold"] for row in before["rows"]}

    live = f"ws://127.0.0.1:{stack.ports.broadcast}/v1/live"
    async with websockets.connect(live) as ws:
        await ws.send(orjson.dumps({"op": "subscribe", "channels": ["medals:all"]}).decode())
        snapshot = await next_message(ws, "medals:all", "snapshot")
        assert sorted(row["delegation"] for row in snapshot["data"]["rows"]) == sorted(
            games_delegations()
        )

        answer = await ingest.post(
            "/v1/results",
            headers={"Authorization": f"Bearer {official_token}"},
            json={
                "event_id": event_id, "revision": 1, "status": "official",
                "entries": [
                    {"rank": 1, "delegation": "qinyang", "competitor": "李明", "mark": "10.91"},
                    {"rank": 2, "delegation": "mengzhou", "competitor": "王强"},
                    {"rank": 3, "delegation": "wuzhi", "competitor": "赵刚"},
                    {"rank": 4, "delegation": "boai", "competitor": "陈晨"},
                    {"rank": 5, "delegation": "xiuwu", "competitor": "孙宇"},
                ],
            },
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["revision"] == 1

        update = await next_message(ws, "medals:all", "update")
        assert update["seq"] > snapshot["seq"]
        rows = {row["delegation"]: row for row in update["data"]["rows"]}
        assert rows["qinyang"]["gold"] == gold_before["qinyang"] + 1
        assert rows["mengzhou"]["silver"] >= 1
        assert rows["wuzhi"]["bronze"] >= 1

    rest = (await broadcast.get("/v1/standings/medals")).json()
    assert rest["rows"] == update["data"]["rows"]
    assert rest["version"] == update["data"]["version"]

    event = (await broadcast.get(f"/v1/events/{event_id}")).json()
    medals = {entry["delegation"]: entry["medal"] for entry in event["entries"]}
    assert medals == {"qinyang": "gold", "mengzhou": "silver", "wuzhi": "bronze",
                      "boai": None, "xiuwu": None}
    # 5 starters: places 1-4 score (9, 7, 6, 5); the 5th gets nothing.
    points = {entry["delegation"]: entry["points"] for entry in event["entries"]}
    assert points == {"qinyang": 9, "mengzhou": 7, "wuzhi": 6, "boai": 5, "xiuwu": 0}
