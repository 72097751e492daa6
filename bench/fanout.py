"""A fan-out server's capacity: how many frames per second it hands to its connections.

Offered through the pipeline, a burst reaches broadcast only as fast as ingest and scoring
pass it on, and with a small audience the fan-out is over sooner: the figure would be
theirs. So the server is paused (SIGSTOP) while the burst goes through the stages before
it, and resumed once they are through with it: it then finds the whole burst waiting in
Kafka and fans it out as fast as it can.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable

from bench.audience import Audience
from bench.figures import FanoutStep
from bench.stats import Key
from bench.system import cpu_seconds

# A stage is idle once it uses less than this share of a core over two readings in a row.
IDLE_CPU_SHARE = 0.05
IDLE_READING_S = 0.5
IDLE_WITHIN_S = 90.0
DRAIN_WITHIN_S = 120.0


async def wait_idle(pid: int) -> None:
    """Returns once pid's process tree has been idle for two readings (or after a bound)."""
    deadline = time.monotonic() + IDLE_WITHIN_S
    quiet = 0
    before = cpu_seconds(pid)
    while quiet < 2 and time.monotonic() < deadline:
        await asyncio.sleep(IDLE_READING_S)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - before < IDLE_CPU_SHARE * IDLE_READING_S else 0
        before = now


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


async def saturate(
    target: str, server_pids: list[int], audience: Audience,
    send_burst: Callable[[], Awaitable[list[Key]]],
    passed_on: Callable[[list[Key]], Awaitable[None]],
) -> FanoutStep:
    """send_burst's results, fanned out by the server's processes (server_pids), paused
    until passed_on says the stages before them are through with them."""
    for pid in server_pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        keys = await send_burst()
        await passed_on(keys)
        await audience.counters()  # reset
        server_before, clients_before = _cpu(server_pids), audience.cpu_seconds()
    finally:
        for pid in server_pids:
            os.kill(pid, signal.SIGCONT)
    got = await audience.drain(len(keys) * audience.sinks, within_s=DRAIN_WITHIN_S)
    probed = len(await audience.arrivals())
    return FanoutStep(
        target=target, clients=audience.clients, results=len(keys),
        deliveries=got.frames + probed, seconds=got.last - got.first,
        server_cpu_s=_cpu(server_pids) - server_before,
        clients_cpu_s=audience.cpu_seconds() - clients_before, closed=got.closed,
    )
