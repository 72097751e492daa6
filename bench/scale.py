"""Scale-out on real parts: broadcast replicas behind HAProxy, an audience of at least
40,000 WebSocket viewers, one result a second, and one replica killed mid-run.

Each viewer (bench.clients `resumer`) keeps its position in the feed, connects again through
the balancer whenever it is disconnected and resumes with `since`; at the end each tells
which of the results sent it never received. A process opens at most 20,000 files, so the
replicas, the balancers (two sockets per viewer each, bench.balancer) and the viewers'
processes each hold a share.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.audience import SINKS_PER_PROCESS, ClientProcess
from bench.balancer import MAX_CONNECTIONS, Balancer
from bench.load import Revisions, Send, steady
from bench.system import System, rss_kib
from launcher.process import ManagedProcess, free_port

# Viewers per balancer process, leaving HAProxy room under its connection limit.
VIEWERS_PER_BALANCER = MAX_CONNECTIONS * 8 // 10
HEALTHY_WITHIN_S = 120.0
# After the last result: how long the viewers have to catch up, and how often they are asked.
CATCH_UP_WITHIN_S = 90.0
CATCH_UP_POLL_S = 2.0


@dataclass(frozen=True)
class ScalePlan:
    viewers: int
    replicas: int
    results: int  # sent at RATE, one a second
    kill_after: int  # results sent before one replica is killed

    RATE = 1.0


class Replicas:
    """Broadcast processes of the system, each on a port of its own."""

    def __init__(self, system: System, count: int) -> None:
        stack = system.stack
        self.ports = [free_port() for _ in range(count)]
        self.processes = [
            ManagedProcess(f"broadcast-replica-{number}", stack.service("broadcast").argv,
                           stack.home / "logs" / f"broadcast-replica-{number}.log",
                           env={**stack.env(), "PODIUM_BROADCAST_PORT": str(port)})
            for number, port in enumerate(self.ports, start=1)]

    async def start(self) -> None:
        for process in self.processes:
            process.start()
        deadline = time.monotonic() + HEALTHY_WITHIN_S
        async with httpx.AsyncClient(timeout=2.0) as client:
            for port in self.ports:
                while True:
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code \
                                == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"replica on port {port} not healthy in time")
                    await asyncio.sleep(0.5)

    def kill(self, index: int) -> None:
        pid = self.processes[index].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)

    def rss_kib(self) -> list[int]:
        return [rss_kib(p.pid) for p in self.processes if p.pid is not None and p.running()]

    def stop(self) -> None:
        for process in self.processes:
            process.stop(timeout=15)


async def scale_out(system: System, plan: ScalePlan, send: Send, revisions: Revisions,
                    say: Callable[[str], None]) -> dict[str, Any]:
    replicas = Replicas(system, plan.replicas)
    await replicas.start()
    balancers = Balancer(replicas.ports, system.stack.home / "haproxy",
                         count=math.ceil(plan.viewers / VIEWERS_PER_BALANCER))
    balancers.start()
    urls = balancers.urls("/v1/live")
    chunks = [min(SINKS_PER_PROCESS, plan.viewers - start)
              for start in range(0, plan.viewers, SINKS_PER_PROCESS)]
    processes = await asyncio.gather(*(ClientProcess.start("resumer", urls[i % len(urls)])
                                       for i in range(len(chunks))))
    try:
        say(f"scale: {plan.viewers:,} viewers through {len(urls)} HAProxy processes to"
            f" {plan.replicas} replicas")
        started = time.monotonic()
        answers = await asyncio.gather(*(p.ask("connect", count=chunk)
                                         for p, chunk in zip(processes, chunks, strict=True)))
        connected = sum(int(a["connected"]) for a in answers)
        say(f"scale: {connected:,} connected in {time.monotonic() - started:.0f} s"
            f" (failures: {[f for a in answers for f in a['failures']][:2]})")
        memory = replicas.rss_kib()

        async def kill_later() -> None:
            await asyncio.sleep(plan.kill_after / plan.RATE)
            say(f"scale: killing replica 1 (SIGKILL) after {plan.kill_after} results")
            replicas.kill(0)

        killer = asyncio.create_task(kill_later())
        sent = await steady(send, revisions, plan.RATE, plan.results)
        await killer
        keys = [list(s.key) for s in sent if s.status == 202]
        deadline = time.monotonic() + CATCH_UP_WITHIN_S
        while True:
            reports = await asyncio.gather(*(p.ask("missing", keys=keys) for p in processes))
            missing = sum(r["missing"] for r in reports)
            if not missing or time.monotonic() > deadline:
                break
            await asyncio.sleep(CATCH_UP_POLL_S)
        return {
            "clients": connected, "replicas": plan.replicas, "balancers": len(urls),
            "results": len(keys), "lost": missing,
            "incomplete_viewers": sum(r["incomplete"] for r in reports),
            "reconnected": sum(r["reconnects"] for r in reports),
            "resets": sum(r["resets"] for r in reports),
            "open_at_end": sum(r["open"] for r in reports),
            "failed_attempts": sum(r["failed_attempts"] for r in reports),
            "statuses": sorted({s.status for s in sent}),
            "replica_rss_mib": [round(kib / 1024) for kib in memory],
        }
    finally:
        await asyncio.gather(*(p.stop() for p in processes))
        balancers.stop()
        replicas.stop()
