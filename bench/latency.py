"""End-to-end latency: a submission answered -> its `result` frame at every probe."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bench.audience import Audience
from bench.figures import LatencyRun
from bench.load import Revisions, Send, burst, steady
from bench.stats import Arrival, Key, Submission, delivery, stages
from bench.tap import Tap

READY_TRIES = 10
READY_WAIT_S = 10.0
# Enough for a backlog of a few hundred results at the ~10 results/s scoring first managed.
DRAIN_WITHIN_S = 150.0


async def ready(send: Send, revisions: Revisions, audience: Audience) -> None:
    """Sends single results until one reaches every client: the path is warm (connections,
    caches, a fresh broker's first fetches) and every client is subscribed."""
    for _ in range(READY_TRIES):
        [submission] = await burst(send, revisions, 1)
        got = await audience.drain(audience.sinks, within_s=READY_WAIT_S)
        probed = await collect(audience, {submission.key}, within_s=READY_WAIT_S)
        if got.frames >= audience.sinks and len(probed) >= audience.probes:
            return
    raise RuntimeError(f"no result reached all {audience.clients} clients of {audience.url} "
                       f"in {READY_TRIES} tries")


async def collect(audience: Audience, keys: set[Key], within_s: float) -> list[Arrival]:
    """The probes' arrivals of keys, once every probe has them all or within_s passed."""
    deadline = time.monotonic() + within_s
    arrivals: list[Arrival] = []
    while True:
        arrivals += [a for a in await audience.arrivals() if a.key in keys]
        if len(arrivals) >= len(keys) * audience.probes or time.monotonic() > deadline:
            return arrivals
        await asyncio.sleep(0.1)


async def measure(
    target: str, send: Send, revisions: Revisions, audience: Audience,
    rate: float, steady_count: int, burst_count: int, tap: Tap | None = None,
    sinks_yield: bool = True,
) -> list[LatencyRun]:
    """A steady run, then a burst (unless burst_count is 0), each drained before the next
    starts. The sinks yield the cores during the steady run unless sinks_yield is False,
    and contend during the burst (bench.audience.Audience says why)."""
    # (load, how it is sent, whether the sinks yield meanwhile)
    loads: list[tuple[str, Callable[[], Awaitable[list[Submission]]], bool]] = [
        (f"steady {rate:g}/s", lambda: steady(send, revisions, rate, steady_count),
         sinks_yield),
        (f"burst of {burst_count}", lambda: burst(send, revisions, burst_count), False),
    ]
    if not burst_count:
        loads.pop()
    runs = []
    for load, run, yielding in loads:
        with audience.yielding(yielding):
            submissions = await run()
            keys = {s.key for s in submissions if s.status in (0, 202)}
            await audience.drain(len(keys) * audience.sinks, within_s=DRAIN_WITHIN_S)
        arrivals = await collect(audience, keys, within_s=READY_WAIT_S)
        runs.append(LatencyRun(
            target, load, audience.clients, submissions,
            delivery(submissions, arrivals, audience.probes),
            stages(submissions, arrivals, tap.published, tap.scored) if tap else {}))
    return runs
