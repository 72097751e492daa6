"""`python -m bench.hostile [--quick]`: boards while clients attack the live feed.

The acceptance run of issue 15: while 100 clients that never read keep asking for the whole
replay (`subscribe results since 0` / `unsubscribe`, bench.clients Hostiles, connecting
again whenever they are closed) for 60 s, 1,000 honest boards (probes that parse every
frame) must each get every result posted meanwhile, within 2 s of its POST, and
broadcast's resident memory must stay within what its limits allow: its memory before the
attack, the honest connections, and `most_held` for each attacker. Starts its own system;
prints one JSON object as its last line (--quick: 20 attackers, 200 boards, 15 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson
import uvloop

from bench.audience import Audience, ClientProcess
from bench.latency import collect, ready
from bench.load import Revisions, ingest_client, poster, steady
from bench.stats import summarize
from bench.system import System, cpu_seconds, rss_kib, start_system
from services.broadcast.access import public_access
from services.broadcast.config import LiveSettings
from services.broadcast.websocket import most_held

WITHIN_S = 2.0  # the bound from a result's POST to every board
HONEST_KIB = 16  # an honest connection, generously (docs/protocol.md: 6.5 KiB idle)
RSS_EVERY_S = 0.25
COLLECT_WITHIN_S = 30.0


@dataclass(frozen=True)
class Attack:
    hostile: int
    honest: int
    seconds: float
    results_per_s: float


FULL = Attack(hostile=100, honest=1000, seconds=60, results_per_s=0.5)
QUICK = Attack(hostile=20, honest=200, seconds=15, results_per_s=1)


def say(message: str) -> None:
    print(f"[bench.hostile] {message}", file=sys.stderr, flush=True)


async def watch_memory(pid: int, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], rss_kib(pid))
        await asyncio.sleep(RSS_EVERY_S)


async def attack(system: System, plan: Attack) -> dict[str, Any]:
    url, broadcast = system.live_url(), system.pid("broadcast")
    audience = Audience(url)
    revisions = Revisions()
    hostiles = await ClientProcess.start("hostile", url)
    try:
        async with ingest_client(system.stack.ports.ingest, system.token, 4) as client:
            send = poster(client)
            await audience.add_probes(plan.honest)
            await ready(send, revisions, audience)  # every board gets results
            baseline = rss_kib(broadcast)
            say(f"{plan.honest} boards connected; broadcast at {baseline / 1024:.0f} MiB;"
                f" {plan.hostile} attackers start")
            connected = await hostiles.ask("connect", count=plan.hostile)
            peak = [baseline]
            watcher = asyncio.create_task(watch_memory(broadcast, peak))
            cpu_before = cpu_seconds(broadcast), cpu_seconds(hostiles.process.pid)
            try:
                started = time.monotonic()
                submissions = await steady(send, revisions, plan.results_per_s,
                                           round(plan.seconds * plan.results_per_s))
                await asyncio.sleep(max(0.0, started + plan.seconds - time.monotonic()))
                attacks = await hostiles.ask("attacks")
                cpu = (cpu_seconds(broadcast) - cpu_before[0],
                       cpu_seconds(hostiles.process.pid) - cpu_before[1])
                sent = {s.key: s.sent for s in submissions if s.status == 202}
                arrivals = await collect(audience, set(sent), within_s=COLLECT_WITHIN_S)
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
    finally:
        await hostiles.stop()
        await audience.close()
    latencies = [a.at - sent[a.key] for a in arrivals]
    latency = summarize(latencies)
    bound = baseline + plan.honest * HONEST_KIB \
        + plan.hostile * most_held(public_access(LiveSettings())) // 1024
    return {
        "hostile_clients": plan.hostile, "attackers_connected": connected["connected"],
        "honest_clients": plan.honest, "attack_s": plan.seconds, "results": len(sent),
        "refused_posts": len(submissions) - len(sent),
        "deliveries": len(arrivals), "missing": len(sent) * plan.honest - len(arrivals),
        "later_than_2s": sum(1 for t in latencies if t > WITHIN_S),
        "latency_p50_ms": round(latency.p50 * 1000, 1),
        "latency_p99_ms": round(latency.p99 * 1000, 1),
        "latency_max_ms": round(latency.max * 1000, 1),
        "rss_before_mib": round(baseline / 1024, 1), "rss_peak_mib": round(peak[0] / 1024, 1),
        "rss_bound_mib": round(bound / 1024, 1),
        "broadcast_cpu_s": round(cpu[0], 1), "attackers_cpu_s": round(cpu[1], 1),
        "attacker_requests_sent": attacks["requests"],
        "attacker_connections": attacks["connections"],
        "attacker_closed": attacks["closes"], "attacker_refused": attacks["refusals"],
    }


def main() -> int:
    arguments = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    arguments.add_argument("--quick", action="store_true",
                           help=f"{QUICK.hostile} attackers, {QUICK.honest} boards,"
                                f" {QUICK.seconds:g} s")
    arguments.add_argument("--hostile", type=int,
                           help="attackers instead (0: the same run without an attack)")
    args = arguments.parse_args()
    plan = QUICK if args.quick else FULL
    if args.hostile is not None:
        plan = dataclasses.replace(plan, hostile=args.hostile)
    say("starting PostgreSQL, Kafka and the three services")
    system = start_system()
    try:
        figures = uvloop.run(attack(system, plan))
    finally:
        system.stack.remove()
    print(orjson.dumps(figures).decode(), flush=True)
    met = (figures["missing"] == 0 and figures["later_than_2s"] == 0
           and figures["rss_peak_mib"] <= figures["rss_bound_mib"])
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
