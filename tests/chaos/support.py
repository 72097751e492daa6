"""What every chaos test does around its fault: a stream of results posted the way an
official's phone posts them (again and again until answered), a few live clients that
reconnect with `since` (examples/live_client.py, as users run it), Kafka reached directly
(messages injected, topics deleted), and the checks once the system has recovered: every
accepted result counted exactly once, the tables equal to `podium rebuild`, every client
converged with no gap. This module holds no tests of its own."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from bench.random_results import Body, random_submissions
from launcher.stack import Stack
from shared.adapters import db
from tests.flow.events import claim_event, games_delegations
from tests.flow.test_live_resilience import ExampleClient
from tests.flow.test_live_support import TIMEOUT_S, Message, media_key
from tests.flow.test_scoring_crash import assert_feed_announces_each_revision_once
from tests.flow.test_scoring_events import eventually
from tests.flow.test_scoring_rebuild import GAMES, caught_up, podium_rebuild

# Long enough for a restarted Kafka or PostgreSQL and every service's reconnection on a
# busy machine; only a broken system waits this long.
RECOVERY_S = 150
CHANNELS = ["results", "medals:all", "points:all"]
TABLES = {"medals:all": "/v1/standings/medals", "points:all": "/v1/standings/points"}


@dataclass
class Stream:
    """Posts each event's revisions in order, a few events at once, at an official's pace.
    A request that gets no answer, or a 503, is sent again as it was (a repeat of a stored
    revision is answered 200); anything else but a 2xx fails the test."""

    ingest_url: str
    token: str
    chains: list[list[Body]]
    rng: random.Random
    accepted: list[Body] = field(default_factory=list)  # answered 2xx, in answer order
    unanswered: int = 0  # attempts cut off, refused or answered 503
    held_after: int | None = None  # the senders wait once this many are accepted...
    resumed: asyncio.Event = field(default_factory=asyncio.Event)  # ...until this is set

    @classmethod
    def of(cls, stack: Stack, token: str, events: int, revisions: int, seed: int) -> Stream:
        rng = random.Random(seed)
        # Individual events: the test games copy them, so there are plenty for every test.
        chosen = [claim_event() for _ in range(events)]
        chains = random_submissions(rng, chosen, games_delegations(), revisions,
                                    GAMES.records.measures)
        return cls(stack.url("ingest"), token, chains, rng)

    @property
    def total(self) -> int:
        return sum(len(chain) for chain in self.chains)

    async def run(self) -> None:
        queue = list(self.chains)
        async with httpx.AsyncClient(base_url=self.ingest_url, timeout=20) as client:
            async def sender() -> None:
                while queue:
                    for body in queue.pop():
                        if self.held_after is not None and len(self.accepted) >= self.held_after:
                            await self.resumed.wait()
                        await self._post(client, body)
                        await asyncio.sleep(self.rng.uniform(0, 0.15))
            await asyncio.gather(*(sender() for _ in range(2)))

    async def _post(self, client: httpx.AsyncClient, body: Body) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with asyncio.timeout(RECOVERY_S):
            while True:
                try:
                    answer = await client.post("/v1/results", json=body, headers=headers)
                except httpx.TransportError:
                    answer = None
                if answer is not None and answer.status_code in (200, 202):
                    self.accepted.append(body)
                    return
                assert answer is None or answer.status_code == 503, answer.text
                self.unanswered += 1
                await asyncio.sleep(0.2)

    async def hold_after(self, count: int) -> None:
        """Returns once `count` results are accepted, the senders waiting for `resume()`, so
        that a fault can be put in place with the rest of the stream still to come."""
        self.held_after = count
        await self.accepted_at_least(count)

    def resume(self) -> None:
        self.resumed.set()

    async def accepted_at_least(self, count: int) -> None:
        async def reached() -> bool | None:
            return True if len(self.accepted) >= count else None
        await eventually(reached, f"{count} results accepted", limit_s=RECOVERY_S)


@contextlib.asynccontextmanager
async def streaming(stream: Stream) -> AsyncIterator[Stream]:
    """Runs the stream while the body injects its fault; waits for it to finish after."""
    task = asyncio.create_task(stream.run())
    try:
        yield stream
        await task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Watcher:
    """An example client whose every line is read as it comes (a client blocked on a full
    pipe would stop answering the server's pings)."""

    def __init__(self, client: ExampleClient) -> None:
        self.client = client
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        stdout = self.client.process.stdout
        assert stdout is not None
        while line := await stdout.readline():
            self.client.messages.append(orjson.loads(line))

    @property
    def messages(self) -> list[Message]:
        return self.client.messages

    def latest(self, channel: str) -> Message | None:
        shown = [m for m in self.messages if m.get("channel") == channel
                 and m.get("type") in ("snapshot", "update")]
        return shown[-1] if shown else None

    def state(self) -> str:
        """For a failure's message: whether the client still runs and is read."""
        reader = "reading" if not self._reader.done() else f"stopped: {self._reader!r}"
        return (f"client exit code {self.client.process.returncode}, {reader},"
                f" {len(self.messages)} messages, the last of types"
                f" {[(m.get('channel'), m.get('type'), m.get('seq')) for m in self.messages[-8:]]}")

    def results(self) -> list[Message]:
        return [m for m in self.messages if m.get("channel") == "results"
                and m.get("type") == "result"]

    async def stop(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.client.stop()


@contextlib.asynccontextmanager
async def watching(stack: Stack, count: int = 3) -> AsyncIterator[list[Watcher]]:
    watchers = [Watcher(await ExampleClient.start(stack, CHANNELS)) for _ in range(count)]
    try:
        for watcher in watchers:
            async def subscribed(watcher: Watcher = watcher) -> bool | None:
                return True if any(m.get("type") == "subscribed" for m in watcher.messages) \
                    else None
            await eventually(subscribed, "the example client subscribed", limit_s=TIMEOUT_S)
        yield watchers
    finally:
        for watcher in watchers:
            await watcher.stop()


async def assert_counted_once(stack: Stack, pool: db.Pool, stream: Stream) -> None:
    """Every revision the stream got a 2xx for is stored once, applied once and announced
    once, and the stored tables equal `podium rebuild`'s recomputation."""
    assert len(stream.accepted) == stream.total
    await caught_up(pool)
    for chain in stream.chains:
        event_id = chain[0]["event_id"]
        stored = await pool.fetch("SELECT revision, status FROM submissions WHERE event_id = $1"
                                  " ORDER BY revision", event_id)
        assert [(row["revision"], row["status"]) for row in stored] == [
            (body["revision"], body["status"]) for body in chain]
        document = await pool.fetchval(
            "SELECT document FROM event_results WHERE event_id = $1", event_id)
        assert [item["revision"] for item in document["history"]] == [
            body["revision"] for body in chain], event_id
    feed = await pool.fetch("SELECT seq, channel, type, data FROM feed ORDER BY seq")
    assert_feed_announces_each_revision_once(feed, stream.chains)
    rebuild = await asyncio.to_thread(podium_rebuild, stack)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr


async def assert_converged(
    stack: Stack, broadcast: httpx.AsyncClient, watchers: list[Watcher], stream: Stream
) -> None:
    """Each client holds the server's tables and the last revision of every event of the
    stream, and got every `results` message from its first one to the server's last,
    each once, in order."""
    key = media_key(stack)
    latest = {chain[0]["event_id"]: chain[-1]["revision"] for chain in stream.chains}

    async def server_results() -> list[Message]:
        items: list[Message] = []
        since, more = 0, True
        while more:
            page = (await broadcast.get("/v1/feed", params={
                "since": since, "channels": "results", "limit": 1000, "key": key})).json()
            items += page["items"]
            since, more = page["next_since"], page["more"]
        return items

    for watcher in watchers:
        async def differences(watcher: Watcher = watcher) -> list[str]:
            found = []
            for channel, path in TABLES.items():
                shown, served = watcher.latest(channel), (await broadcast.get(path)).json()
                if shown is None or shown["data"] != served:
                    found.append(f"{channel}: version {shown and shown['data']['version']},"
                                 f" the server's {served['version']}")
            revisions = {m["data"]["event"]["id"]: m["data"]["revision"]
                         for m in watcher.results()}
            found += [f"{event_id}: revision {revisions.get(event_id)} of {revision}"
                      for event_id, revision in latest.items()
                      if revisions.get(event_id) != revision]
            return found

        async def holds_the_server_state(watcher: Watcher = watcher) -> bool | None:
            return None if await differences() else True
        try:
            await eventually(holds_the_server_state, "a client holding the server's state",
                             limit_s=RECOVERY_S)
        except AssertionError as error:
            raise AssertionError(f"{error}; {await differences()}; {watcher.state()}") from None

    served = [item["seq"] for item in await server_results()]
    for watcher in watchers:
        start = next(m["seq"] for m in watcher.messages if m.get("type") == "subscribed")
        assert [m["seq"] for m in watcher.results()] == [seq for seq in served if seq > start], \
            "a gap or a repeat"


@dataclass
class Chaos:
    """A chaos test's system, its streams, and the checks once it has recovered."""

    stack: Stack
    pool: db.Pool
    token: str
    broadcast: httpx.AsyncClient

    def stream(self, revisions: int = 18, events: int = 3) -> Stream:
        return Stream.of(self.stack, self.token, events, revisions,
                         seed=random.randrange(2**32))

    async def assert_recovered(self, watchers: list[Watcher], *streams: Stream) -> None:
        # Connections from before a PostgreSQL restart are gone; the pool would hand them out.
        await self.pool.expire_connections()
        for stream in streams:
            await assert_counted_once(self.stack, self.pool, stream)
            await assert_converged(self.stack, self.broadcast, watchers, stream)

    @contextlib.asynccontextmanager
    async def broken_stream(self, revisions: int = 18) -> AsyncIterator[Stream]:
        """A stream that the body breaks while clients watch; once the body is done and the
        stream has ended, the checks."""
        stream = self.stream(revisions)
        async with watching(self.stack) as watchers:
            async with streaming(stream):
                yield stream
            await self.assert_recovered(watchers, stream)


async def kafka_send(stack: Stack, topic: str, value: bytes | None, key: bytes = b"chaos",
                     partition: int = 0) -> int:
    """One message straight onto a topic, as a broken or foreign producer would put it;
    returns its offset."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=key, partition=partition)
        offset: int = sent.offset
        return offset
    finally:
        await producer.stop()


async def delete_topic(stack: Stack, topic: str) -> None:
    """Deletes the topic and returns once Kafka no longer lists it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic])

        async def gone() -> bool | None:
            return True if topic not in await admin.list_topics() else None
        await eventually(gone, f"{topic} deleted", limit_s=TIMEOUT_S)
    finally:
        await admin.close()

