"""Helpers for the live tests (test_live_*.py): posting results, reading live messages,
extra broadcast replicas. This module holds no tests of its own."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import websockets

from launcher.process import ManagedProcess, free_port, last_run, wait_for_port
from launcher.stack import Stack
from tests.conftest import podium_cli
from tests.flow.events import games_delegations

TIMEOUT_S = 30  # only to keep a broken test from hanging; nothing waits this long normally

Message = dict[str, Any]


_MEDIA_KEYS: dict[str, str] = {}


def media_key(stack: Stack) -> str:
    """A media key of the session's games, created once with the real CLI."""
    home = str(stack.home)
    if home not in _MEDIA_KEYS:
        _MEDIA_KEYS[home] = podium_cli(stack, "token", "create", "--role", "media", "--name",
                                       "焦作日报").strip().splitlines()[-1]
    return _MEDIA_KEYS[home]


def live_url(port: int, key: str | None = None) -> str:
    return f"ws://127.0.0.1:{port}/v1/live" + (f"?key={key}" if key else "")


async def request(ws: websockets.ClientConnection, **body: Any) -> None:
    await ws.send(orjson.dumps(body).decode())


async def receive(ws: websockets.ClientConnection) -> Message:
    async with asyncio.timeout(TIMEOUT_S):
        message: Message = orjson.loads(await ws.recv())
        return message


async def receive_until(
    ws: websockets.ClientConnection, done: Callable[[Message], bool]
) -> list[Message]:
    """Every message up to and including the first one `done` accepts."""
    received: list[Message] = []
    while not received or not done(received[-1]):
        received.append(await receive(ws))
    return received


def is_result(event_id: str, revision: int, channel: str = "results") -> Callable[[Message], bool]:
    def matches(message: Message) -> bool:
        return (message.get("type") == "result" and message["channel"] == channel
                and message["data"]["event"]["id"] == event_id
                and message["data"]["revision"] == revision)
    return matches


def is_a(channel: str, type_: str) -> Callable[[Message], bool]:
    def matches(message: Message) -> bool:
        return message.get("channel") == channel and message.get("type") == type_
    return matches


class EventResults:
    """Posts the revisions of one event, each with a different order of the delegations so
    that every official revision moves the tables."""

    def __init__(self, ingest: httpx.AsyncClient, token: str, event_id: str) -> None:
        self.ingest = ingest
        self.token = token
        self.event_id = event_id
        self.revision = 0

    async def post(self, status: str = "official", note: str | None = None) -> int:
        self.revision += 1
        delegations = games_delegations()
        shift = self.revision % len(delegations)
        order = delegations[shift:] + delegations[:shift]
        entries = [] if status == "cancelled" else [
            {"rank": rank, "delegation": code, "competitor": f"选手{rank}"}
            for rank, code in enumerate(order[:6], start=1)
        ]
        body: dict[str, Any] = {"event_id": self.event_id, "revision": self.revision,
                                "status": status, "entries": entries}
        if note is not None:
            body["note"] = note
        answer = await self.ingest.post(
            "/v1/results", headers={"Authorization": f"Bearer {self.token}"}, json=body
        )
        assert answer.status_code == 202, answer.text
        return self.revision


async def last_seq(broadcast_url: str) -> int:
    async with httpx.AsyncClient(base_url=broadcast_url, timeout=TIMEOUT_S) as client:
        page = (await client.get("/v1/feed", params={"since": 0, "limit": 1})).json()
        seq: int = page["last_seq"]
        return seq


def broadcast_metric(broadcast_url: str, sample: str) -> float:
    """The sum of a metric's samples on one broadcast process: `sample` is a name, or a
    name with labels as Prometheus prints them (`name{label="value"}`)."""
    text = httpx.get(broadcast_url + "/metrics", timeout=TIMEOUT_S).text
    prefixes = (sample + " ",) if "{" in sample else (sample + "{", sample + " ")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(prefixes))


@contextlib.contextmanager
def broadcast_replica(stack: Stack, port: int | None = None, **settings: object) -> Iterator[int]:
    """Another broadcast process on the session's Kafka and PostgreSQL, with its own
    `PODIUM_BROADCAST_*` settings; yields its port once it follows the feed."""
    port = port or free_port()
    env = {**stack.env(), "PODIUM_BROADCAST_PORT": str(port),
           **{f"PODIUM_BROADCAST_{name.upper()}": str(value) for name, value in settings.items()}}
    log_file = stack.home / "logs" / f"broadcast-replica-{port}.log"
    process = ManagedProcess(f"broadcast replica {port}",
                             [sys.executable, "-m", "services.broadcast"], log_file, env=env)
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not any("following the feed" in line for line in last_run(log_file)):
            assert process.running(), "\n".join(last_run(log_file))
            assert time.monotonic() < deadline, "\n".join(last_run(log_file))
            time.sleep(0.1)
        wait_for_port("127.0.0.1", port, timeout=30)
        yield port
    finally:
        process.stop(timeout=15)
