"""Exactly-once effect under crashes: a few hundred results with corrections go through
ingest over HTTP while the scoring process is SIGKILLed at random moments and restarted.
Afterwards the stored tables must equal `podium rebuild`'s recomputation and the pure
engine's, and the feed must announce each accepted revision exactly once.

What the feed guarantees (docs/scoring.md): scoring announces every revision it applies,
even one superseded within the same batch, and never one it had already applied, so each
accepted revision of an event has exactly one message on `results` and one on
`event:<id>`, in revision order. (`podium rebuild --apply` may announce an event again when
its recomputed document differs; this test's events never differ.)
"""

import asyncio
import os
import random
import signal
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import httpx

from bench.random_results import Body, random_submissions
from launcher.stack import Stack
from shared.adapters import db
from shared.contract import channels
from shared.contract.documents import unstamp_table
from shared.domain.engine import award_result, points_json
from shared.domain.games import Event
from tests.flow.events import claim_event, games_delegations
from tests.flow.test_scoring_events import eventually, post_result, table
from tests.flow.test_scoring_rebuild import (
    GAMES,
    RULES,
    caught_up,
    database,
    engine_tables,
    podium_rebuild,
    result_input,
    stored_revisions,
    unapplied,
)

RESULTS = 300
MINIMUM_KILLS = 5
SENDERS = 4


@dataclass(frozen=True)
class Kill:
    delay_s: float  # the random wait since the previous restart (or the sending's start)
    waiting: int  # accepted revisions scoring had not applied yet, just before the kill


def claim_events() -> list[Event]:
    """Events of two groups and both kinds, leaving plenty for the other tests."""
    # Their marks are in each event's measure (bench/random_results.py).
    return ([claim_event("individual", "youth", any_measure=True) for _ in range(36)]
            + [claim_event("team", "youth", any_measure=True) for _ in range(12)]
            + [claim_event("individual", "open", any_measure=True) for _ in range(6)]
            + [claim_event("team", "open", any_measure=True) for _ in range(2)])


async def send(ingest: httpx.AsyncClient, token: str, chains: list[list[Body]],
               rng: random.Random) -> None:
    """Each event's revisions in order, several events at once, at an official's pace, so
    the sending spans many kills."""
    queue = list(chains)

    async def sender() -> None:
        while queue:
            for body in queue.pop():
                await post_result(ingest, token, body)
                await asyncio.sleep(rng.uniform(0, 0.25))

    await asyncio.gather(*(sender() for _ in range(SENDERS)))


async def kill_scoring_repeatedly(
    stack: Stack, pool: db.Pool, rng: random.Random, sending: "asyncio.Task[None]"
) -> list[Kill]:
    """SIGKILLs scoring at random moments (while it starts, while it catches up, while it
    idles; every other time after pausing it so that revisions pile up) until the sending
    is done and it was killed at least MINIMUM_KILLS times; then leaves it restarted and
    healthy."""
    scoring = stack.service("scoring")
    kills: list[Kill] = []
    try:
        while not sending.done() or len(kills) < MINIMUM_KILLS:
            delay_s = rng.uniform(0.2, 4.0)
            await asyncio.sleep(delay_s)
            assert scoring.pid is not None
            if len(kills) % 2 == 0 and not sending.done():
                # Scoring keeps up with the senders within milliseconds, so a kill at a
                # random moment rarely meets unapplied work; paused, it falls behind first.
                os.killpg(scoring.pid, signal.SIGSTOP)
                await asyncio.sleep(rng.uniform(0.3, 1.0))
            waiting = await unapplied(pool)
            os.killpg(scoring.pid, signal.SIGKILL)
            while True:
                if not scoring.running():  # which also reaps it
                    break
                await asyncio.sleep(0.01)
            kills.append(Kill(delay_s, waiting))
            scoring.start()
    finally:
        if not scoring.running():
            scoring.start()
        await asyncio.to_thread(stack.wait_healthy, 120, ("scoring",))
    return kills


async def test_tables_stay_exact_while_scoring_is_killed(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    chains = random_submissions(rng, claim_events(), games_delegations(), RESULTS,
                                GAMES.records.measures)
    context = f"seed {seed}"

    async with database(stack) as pool:
        sending = asyncio.create_task(send(ingest, official_token, chains, rng))
        try:
            kills = await kill_scoring_repeatedly(stack, pool, rng, sending)
            await sending
        finally:
            sending.cancel()  # only when the killing failed
        await caught_up(pool)
        assert len(kills) >= MINIMUM_KILLS, context
        # The crashes must have met unfinished work, or the test proves little.
        assert any(kill.waiting for kill in kills), (context, kills)

        rebuild = podium_rebuild(stack)
        assert rebuild.returncode == 0, (context, rebuild.stdout, rebuild.stderr)

        # The records document says when each record was set, which the engine's results do
        # not carry: the rebuild above found it equal to the one recomputed from the stored
        # revisions.
        stored = {row["channel"]: unstamp_table(row["document"])
                  for row in await pool.fetch("SELECT channel, document FROM standings")
                  if row["channel"] != channels.RECORDS}
        # The other tests' events come from the database; this test's from what it sent.
        ours = {chain[0]["event_id"] for chain in chains}
        revisions = [revision for revision in await stored_revisions(pool)
                     if revision.event_id not in ours]
        revisions += [result_input(body) for chain in chains for body in chain]
        assert stored == engine_tables(GAMES, RULES, revisions), context

        documents = {row["event_id"]: row["document"] for row in await pool.fetch(
            "SELECT event_id, document FROM event_results WHERE event_id = ANY($1::text[])",
            sorted(ours))}
        for chain in chains:
            assert_document_scores(documents[chain[0]["event_id"]], chain[-1])
            assert [item["revision"] for item in documents[chain[0]["event_id"]]["history"]] \
                == [body["revision"] for body in chain], context

        feed = await pool.fetch("SELECT seq, channel, type, data FROM feed ORDER BY seq")
        assert_feed_announces_each_revision_once(feed, chains)
        await assert_boards_show_the_stored_tables(broadcast, pool)


def assert_document_scores(document: dict[str, Any], body: Body) -> None:
    """The stored event document is the last revision sent, scored by the engine."""
    event = GAMES.event(body["event_id"])
    assert event is not None
    awards = award_result(event, result_input(body), RULES)
    assert (document["revision"], document["status"]) == (body["revision"], body["status"])
    assert [(entry["delegation"], entry["competitor"], entry["medal"], entry["points"])
            for entry in document["entries"]] == [
        (award.entry.delegation, award.entry.competitor, award.medal, points_json(award.points))
        for award in awards]


def assert_feed_announces_each_revision_once(feed: list[Any], chains: list[list[Body]]) -> None:
    assert [row["seq"] for row in feed] == list(range(1, len(feed) + 1))  # gap-free
    for chain in chains:
        event_id = chain[0]["event_id"]
        sent = [(body["revision"], body["status"]) for body in chain]
        for channel in ("results", f"event:{event_id}"):
            announced = [(row["data"]["revision"], row["data"]["status"]) for row in feed
                         if row["channel"] == channel and row["data"]["event"]["id"] == event_id]
            assert announced == sent, (event_id, channel)
    # The tables' updates (v1.1's schedule and unit pages carry their units' versions).
    updates = [row for row in feed if row["type"] == "update"
               and row["channel"].partition(":")[0] in channels.TABLE_KINDS]
    for channel in {row["channel"] for row in updates}:
        versions = [row["data"]["version"] for row in updates if row["channel"] == channel]
        assert all(before < after for before, after in pairwise(versions)), channel


async def assert_boards_show_the_stored_tables(
    broadcast: httpx.AsyncClient, pool: db.Pool
) -> None:
    """Broadcast, which followed the feed through every crash, serves what is stored."""
    stored = {row["channel"]: row["document"]
              for row in await pool.fetch("SELECT channel, document FROM standings")}
    tables = [(kind, scope) for kind in ("medals", "points") for scope in
              ("all", *GAMES.group_codes)]

    async def served_as_stored() -> bool | None:
        for kind, scope in tables:
            if await table(broadcast, kind, scope) != stored[f"{kind}:{scope}"]:
                return None
        records = await broadcast.get("/v1/records")
        return True if records.json() == stored[channels.RECORDS] else None
    await eventually(served_as_stored, "broadcast serving the stored tables")
