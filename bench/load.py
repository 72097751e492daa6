"""Officials' side of the load: result bodies, revisions that never collide, and schedules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import orjson

from bench.figures import IngestRun
from bench.http import HttpClient, HttpError
from bench.random_results import performance_mark
from bench.stats import Key, Submission
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings

# One submission's work: send it, return its HTTP status (0 for a floor message).
Send = Callable[[Key], Awaitable[int]]

_GAMES = load_definitions(Settings().games_dir).games
EVENT_IDS = [event.id for event in _GAMES.events]
DELEGATIONS = [delegation.code for delegation in _GAMES.delegations]
COMPETITORS = ["李明", "王强", "赵刚", "陈晨", "孙宇", "周杰", "吴磊", "郑浩"]
# Connections and the first requests of each worker, not part of the figures; long enough
# for a fresh broker's JVM to compile its hot paths (ingest took 1,048/s from the 5th
# second on, 923/s over all 20 after 2 s of warm-up, in one run).
WARM_UP_S = 5.0


class Revisions:
    """The next revision of each event. Every submission of an event is answered before
    the next one of that event is sent, so revisions stay current + 1."""

    def __init__(self) -> None:
        self.current: dict[str, int] = {}
        self._cursor = 0

    def next_event(self) -> str:
        event_id = EVENT_IDS[self._cursor % len(EVENT_IDS)]
        self._cursor += 1
        return event_id

    def claim(self, event_id: str) -> Key:
        revision = self.current.get(event_id, 0) + 1
        self.current[event_id] = revision
        return event_id, revision

    def release(self, key: Key) -> None:
        """Forgets a revision that was not accepted, so the next one takes its place."""
        if self.current.get(key[0]) == key[1]:
            self.current[key[0]] = key[1] - 1


def result_body(key: Key) -> dict[str, object]:
    """A realistic official result: eight ranked starters, rotating delegations."""
    event_id, revision = key
    offset = revision + EVENT_IDS.index(event_id)
    return {
        "event_id": event_id, "revision": revision, "status": "official",
        "note": None if revision == 1 else "bench: corrected result",
        "entries": [
            {"rank": place + 1, "delegation": DELEGATIONS[(offset + place) % len(DELEGATIONS)],
             "competitor": COMPETITORS[place],
             "mark": performance_mark(_GAMES.records.measure(event_id), place + revision % 7)}
            for place in range(len(COMPETITORS))
        ],
    }


def ingest_client(port: int, token: str, connections: int) -> HttpClient:
    return HttpClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"}, connections)


def poster(client: HttpClient) -> Send:
    async def send(key: Key) -> int:
        return await client.post("/v1/results", orjson.dumps(result_body(key)))

    return send


async def submit(send: Send, key: Key, revisions: Revisions) -> Submission:
    sent = time.monotonic()
    try:
        status = await send(key)
    except HttpError:
        status = -1
    answered = time.monotonic()
    if status not in (0, 202):
        revisions.release(key)
    return Submission(key, sent, answered, status)


async def steady(send: Send, revisions: Revisions, rate: float, count: int) -> list[Submission]:
    """count submissions started at a fixed rate, whether or not earlier ones are answered."""
    started = time.monotonic()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        key = revisions.claim(revisions.next_event())
        tasks.append(asyncio.create_task(submit(send, key, revisions)))
    return list(await asyncio.gather(*tasks))


async def burst(send: Send, revisions: Revisions, count: int) -> list[Submission]:
    """count submissions of distinct events, all sent at once."""
    assert count <= len(EVENT_IDS), "a burst has one revision per event"
    keys = [revisions.claim(revisions.next_event()) for _ in range(count)]
    return list(await asyncio.gather(*(submit(send, key, revisions) for key in keys)))


async def closed_loop(send: Send, revisions: Revisions, workers: int, seconds: float,
                      limit: int) -> list[Submission]:
    """workers each sending one submission after another, for seconds or limit in all.

    Worker w owns the events w, w + workers, ...: no two in-flight submissions share an
    event, so every revision is the current one + 1.
    """
    assert workers <= len(EVENT_IDS)
    deadline = time.monotonic() + seconds
    done: list[Submission] = []

    async def worker(events: Sequence[str]) -> None:
        turn = 0
        while time.monotonic() < deadline and len(done) < limit:
            key = revisions.claim(events[turn % len(events)])
            done.append(await submit(send, key, revisions))
            turn += 1

    await asyncio.gather(*(worker(EVENT_IDS[w::workers]) for w in range(workers)))
    return done


async def ingest_load(port: int, token: str, revisions: Revisions, workers: int,
                      seconds: float, limit: int) -> IngestRun:
    """The closed loop against one ingest process, after a short unrecorded warm-up."""
    async with ingest_client(port, token, workers) as client:
        send = poster(client)
        await closed_loop(send, revisions, workers, WARM_UP_S, limit)
        cpu_before, started = time.process_time(), time.monotonic()
        submissions = await closed_loop(send, revisions, workers, seconds, limit)
        return IngestRun(workers, time.monotonic() - started, submissions,
                         time.process_time() - cpu_before)
