"""`python -m bench [all|fanout|e2e|rest|scale|ingest|rebuild|media] [--quick]`: Podium
against its targets.

Starts its own system (bench.system), measures the parts asked for, and prints one JSON
object as its last line (keys not measured are null). A full `all` run also writes
docs/benchmarks.md and its plots (elsewhere with --report); --quick (2,000 clients,
shorter loads) only prints unless --report is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import orjson
import uvloop

from bench import report
from bench.audience import Audience, sinks_can_yield
from bench.fanout import saturate, wait_idle
from bench.figures import CONTENDED, FanoutStep, IngestRun, LatencyRun, Results
from bench.floor import Floor
from bench.latency import collect, measure, ready
from bench.load import (
    EVENT_IDS,
    Revisions,
    Send,
    burst,
    ingest_client,
    ingest_load,
    poster,
    steady,
)
from bench.media import media_benchmark
from bench.peer import Peer, peer_binary
from bench.rest import READ, rest_reads
from bench.scale import ScalePlan, scale_out
from bench.stats import Key, answer_times, statuses, summarize
from bench.system import (
    PACE_ADDITIONS,
    System,
    cpu_pace,
    disk_flushes,
    machine_state,
    rss_kib,
    start_system,
    wait_quiet,
)
from bench.tap import Tap
from shared.adapters.settings import REPO_ROOT

PARTS = ("fanout", "e2e", "rest", "scale", "ingest", "rebuild", "media")
# Connections the officials' side uses for bursts: ingest's own pool has 20.
BURST_CONNECTIONS = 20
# After connecting, before reading the server's memory: its subscriptions are processed.
SETTLE_S = 2.0
# Results sent through the whole path before the pipeline is measured, not counted: a
# fresh broker's JVM is still compiling its hot paths, and the time a result spent between
# ingest's relay and scoring fell from a median of 9.8 ms over the first 20 results to
# 3.7 ms by the 160th (bench e2e --quick, 10/s). A games runs all day, on a warm broker.
WARM_UP_RESULTS = 300
WARM_UP_RATE = 20.0
REBUILD_TIMEOUT_S = 240
# Bound on a burst's way to the changes topic (50 results took 1.6 s on a busy machine).
PASS_ON_WITHIN_S = 60.0
# Frame size for the floor when Podium's own was not measured (a result of 8 entries).
DEFAULT_FRAME_BYTES = 1900


@dataclass(frozen=True)
class Plan:
    clients: int  # sinks at the full size; the sweep also measures fractions of it
    probes: int
    # The honest load: what the floor carries at `clients` without queueing. Its server
    # delivered 84k frames/s at saturation to 10,040 clients and its clients cost as much
    # again on the same 2 cores; 2/s offers 20k/s, a quarter of that (5/s, 60 %, still
    # queued: p50 1.3 s on a busy machine, 2026-12-01).
    steady_rate: float
    # A p99 over (probe, result) pairs is set by the slowest few results, whose probes all
    # come late together: over 60 results it was the worst one or two, and the three
    # 60-result stretches of one 180-result run gave Podium 115.4, 101.4 and 99.9 ms and
    # Centrifugo 140.0, 125.6 and 178.5 (2026-12-04). 180 spread it over the slowest ~5.
    steady_count: int
    burst: int
    pipeline_probes: int  # the pipeline's own latency: this few clients, no fan-out cost
    pipeline_rate: float
    pipeline_count: int  # 300: the two halves of a 100-result run gave p99 28.2 and 38.6 ms
    scale: ScalePlan
    fanout_results: int  # per saturating burst at the full size (more at smaller sizes)
    ingest_workers: int
    ingest_s: float
    ingest_limit: int

    @property
    def sweep(self) -> list[int]:
        return [self.clients // 10, self.clients // 4, self.clients // 2, self.clients]

    def fanout_burst(self, sinks: int) -> int:
        # About the same number of deliveries at every size, one revision per event.
        return min(len(EVENT_IDS), self.fanout_results * self.clients // max(1, sinks))


FULL = Plan(clients=10_000, probes=40, steady_rate=2, steady_count=180, burst=50,
            pipeline_probes=50, pipeline_rate=10, pipeline_count=300,
            scale=ScalePlan(viewers=40_000, replicas=4, results=60, kill_after=20),
            fanout_results=100, ingest_workers=16, ingest_s=20, ingest_limit=20_000)
QUICK = Plan(clients=2_000, probes=20, steady_rate=10, steady_count=60, burst=30,
             pipeline_probes=50, pipeline_rate=10, pipeline_count=50,
             scale=ScalePlan(viewers=4_000, replicas=2, results=20, kill_after=8),
             fanout_results=60, ingest_workers=16, ingest_s=8, ingest_limit=8_000)

STARTED = time.monotonic()
Measured = TypeVar("Measured", FanoutStep, list[LatencyRun], IngestRun)


# The machine's 1-minute load average as each figure was taken: others share the 2 cores.
LOADS: list[str] = []


def say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def note_load(what: str) -> None:
    load = os.getloadavg()[0]
    LOADS.append(f"{what} {load:.1f}")
    say(f"  load average {load:.1f}")


def tell(measured: Measured) -> Measured:
    """Prints what was just measured and the load average meanwhile; returns it."""
    if isinstance(measured, FanoutStep):
        say(f"  {measured.target}: {measured.deliveries:,} deliveries in"
            f" {measured.seconds:.2f} s = {measured.per_s:,.0f}/s,"
            f" server {measured.us_per_delivery:.1f} µs CPU each,"
            f" clients {measured.client_us_per_delivery:.1f} µs")
        note_load(f"fan-out {measured.target} {measured.clients:,}")
    elif isinstance(measured, IngestRun):
        answers = summarize(answer_times(measured.accepted))
        say(f"  ingest: {measured.per_s:,.1f} accepted/s, p99 {answers.p99 * 1000:.1f} ms,"
            f" statuses {measured.statuses}, load generator"
            f" {measured.client_cpu_s / measured.seconds:.0%} of a core")
        note_load("ingest")
    else:
        for run in measured:
            summary = run.delivery.summary
            say(f"  {run.target}, {run.load}: p50 {summary.p50 * 1000:.1f} ms, p99"
                f" {summary.p99 * 1000:.1f} ms, lost {run.delivery.missing}, errors {run.errors}")
        note_load(" and ".join(f"{run.target} {run.load}" for run in measured))
    return measured


async def measure_podium(system: System, plan: Plan, parts: set[str], results: Results,
                         send: Send, revisions: Revisions) -> None:
    broadcast, scoring = system.broadcast_pids(), system.pid("scoring")
    assert system.stack.kafka_bootstrap is not None
    tap = Tap(system.stack.kafka_bootstrap)
    await tap.start()
    audience = Audience(system.live_url())
    try:
        # One probe first, to see a result through to broadcast before its baseline.
        await audience.add_probes(1)
        await ready(send, revisions, audience)
        baseline = sum(map(rss_kib, broadcast))
        await audience.grow(plan.sweep, plan.probes - 1)
        say(f"{audience.sinks:,} sinks + {audience.probes} probes connected to broadcast")
        await asyncio.sleep(SETTLE_S)
        results.memory = (baseline, sum(map(rss_kib, broadcast)), audience.sinks)
        await ready(send, revisions, audience)

        async def send_burst() -> list[Key]:
            sent = await burst(send, revisions, plan.fanout_burst(audience.sinks))
            if set(statuses(sent)) != {202}:
                say(f"  answers to the burst: {statuses(sent)}")
            return [s.key for s in sent if s.status == 202]

        async def scored(keys: list[Key]) -> None:
            if not await tap.wait_scored(keys, within_s=PASS_ON_WITHIN_S):
                await wait_idle(scoring)  # the tap cannot tell: wait until scoring rests

        async def fan_out() -> None:
            say(f"fan-out at {audience.clients:,} clients")
            results.fanout.append(tell(await saturate("podium", broadcast, audience,
                                                      send_burst, scored)))

        if "fanout" in parts:
            await fan_out()
        if "e2e" in parts:
            say(f"end to end: {plan.steady_count} results at {plan.steady_rate:g}/s, "
                f"then a burst of {plan.burst}")
            if not sinks_can_yield():
                results.notes.append(
                    "end to end: the sinks contended for the cores in every run, as they"
                    " could not leave the idle scheduling class again (that takes root or"
                    " `ulimit -e 20`): the steady runs' figures are the contended ones")
                say(f"  {results.notes[-1]}")
            results.latency += tell(await measure(
                "podium", send, revisions, audience, plan.steady_rate, plan.steady_count,
                plan.burst, tap))
            say("  the steady load again with the sinks contending for the cores")
            results.latency += tell(await measure(
                CONTENDED, send, revisions, audience, plan.steady_rate, plan.steady_count, 0,
                sinks_yield=False))
        if "fanout" in parts:
            for sinks in reversed(plan.sweep[:-1]):
                await audience.drop_to(sinks)
                await fan_out()
    finally:
        await audience.close()
        await tap.stop()
        if tap.error:
            results.notes.append(f"latency split: {tap.error}")


async def measure_pipeline(system: System, plan: Plan, results: Results, send: Send,
                           revisions: Revisions) -> None:
    """Podium's whole path with a small audience: what the pipeline itself costs, split
    into its stages by the tap."""
    assert system.stack.kafka_bootstrap is not None
    tap = Tap(system.stack.kafka_bootstrap)
    await tap.start()
    audience = Audience(system.live_url())
    try:
        await audience.add_probes(plan.pipeline_probes)
        await ready(send, revisions, audience)
        say(f"warm-up: {WARM_UP_RESULTS} results at {WARM_UP_RATE:g}/s, not counted")
        warming = await steady(send, revisions, WARM_UP_RATE, WARM_UP_RESULTS)
        await collect(audience, {s.key for s in warming}, within_s=PASS_ON_WITHIN_S)
        say(f"pipeline: {plan.pipeline_count} results at {plan.pipeline_rate:g}/s to"
            f" {audience.clients} clients")
        results.latency += tell(await measure("pipeline", send, revisions, audience,
                                              plan.pipeline_rate, plan.pipeline_count, 0,
                                              tap))
    finally:
        await audience.close()
        await tap.stop()
        if tap.error:
            results.notes.append(f"latency split (pipeline): {tap.error}")


def podium_frame_bytes(results: Results) -> int:
    """The size of Podium's `result` frames, for the floor's and the peer's messages."""
    sizes = [run.delivery.frame_bytes for run in results.latency if run.target == "podium"]
    return int(statistics.median(sizes)) if sizes else DEFAULT_FRAME_BYTES


async def measure_peer(system: System, plan: Plan, results: Results) -> None:
    binary, why_not = await asyncio.to_thread(peer_binary)
    if binary is None:
        say(f"peer: skipped: {why_not}")
        results.notes.append(f"peer (Centrifugo): skipped: {why_not}")
        return
    peer = Peer(binary, system.stack.home / "peer", podium_frame_bytes(results))
    await peer.start()
    audience = Audience(peer.url, protocol="centrifugo")
    try:
        await audience.grow(plan.sweep, plan.probes)
        say(f"peer (Centrifugo): {audience.sinks:,} sinks + {audience.probes} probes connected")
        revisions = Revisions()
        await ready(peer.send, revisions, audience)
        results.latency += tell(await measure("peer", peer.send, revisions, audience,
                                              plan.steady_rate, plan.steady_count, plan.burst))
    finally:
        await audience.close()
        await peer.stop()


async def measure_floor(system: System, plan: Plan, parts: set[str], results: Results) -> None:
    assert system.stack.kafka_bootstrap is not None
    floor = Floor(system.stack.kafka_bootstrap, system.stack.home / "logs",
                  podium_frame_bytes(results))
    revisions = Revisions()
    await floor.start()
    audience = Audience(floor.url)
    try:
        await audience.grow(plan.sweep, plan.probes)
        say(f"floor: {audience.sinks:,} sinks + {audience.probes} probes connected")
        await ready(floor.send, revisions, audience)
        results.latency += tell(await measure("floor", floor.send, revisions, audience,
                                              plan.steady_rate, plan.steady_count, plan.burst))
        if "fanout" in parts:

            async def send_burst() -> list[Key]:
                sent = await burst(floor.send, revisions, plan.fanout_burst(plan.clients))
                return [s.key for s in sent]

            async def relayed(keys: list[Key]) -> None:
                await wait_idle(floor.relay_pid)

            results.fanout.append(tell(await saturate("floor", [floor.server_pid], audience,
                                                      send_burst, relayed)))
    finally:
        await audience.close()
        await floor.stop()


async def measure_system(system: System, plan: Plan, parts: set[str], results: Results) -> None:
    revisions = Revisions()
    ingest_port = system.stack.ports.ingest
    async with ingest_client(ingest_port, system.token, BURST_CONNECTIONS) as client:
        if "e2e" in parts:
            await measure_pipeline(system, plan, results, poster(client), revisions)
        if parts & {"fanout", "e2e"}:
            await measure_podium(system, plan, parts, results, poster(client), revisions)
        if "e2e" in parts:
            say("floor: bare Kafka -> relay -> Kafka -> websockets.broadcast")
            await measure_floor(system, plan, parts, results)
            await measure_peer(system, plan, results)
        if "rest" in parts:
            say(f"rest: wrk on {READ}, directly, with If-None-Match, through HAProxy's cache")
            results.rest = await asyncio.to_thread(rest_reads, system.stack.ports.broadcast,
                                                   system.stack.home / "rest")
            if results.rest is None:
                results.notes.append("rest: skipped: wrk is not installed")
            else:
                say(f"  rest: {results.rest}")
                note_load("rest")
        if "scale" in parts:
            results.scale = await scale_out(system, plan.scale, poster(client), revisions, say)
            say(f"  scale: {results.scale}")
            note_load("scale")
    if "ingest" in parts:
        # Scoring is stopped: on two cores the CPU it would spend scoring hundreds of
        # results a second would be taken from ingest, whose own figure this is.
        system.stack.processes["scoring"].stop(timeout=15)
        # The scale part's 40,000 viewers and replicas take a while to wind down.
        quiet = await asyncio.to_thread(wait_quiet)
        say(f"ingest: {plan.ingest_workers} workers for {plan.ingest_s:g} s (scoring stopped;"
            f" the machine {quiet['busy_share']:.0%} busy before)")
        results.ingest = tell(await ingest_load(ingest_port, system.token, revisions,
                                                plan.ingest_workers, plan.ingest_s,
                                                plan.ingest_limit))


def measure_rebuild(results: Results) -> None:
    if not (REPO_ROOT / "bench" / "rebuild.py").exists():
        results.notes.append("rebuild: bench/rebuild.py does not exist yet")
        return
    say("rebuild: bench/rebuild.py")
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.rebuild"], cwd=REPO_ROOT, capture_output=True,
            text=True, timeout=REBUILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        results.notes.append(f"rebuild: bench/rebuild.py took over {REBUILD_TIMEOUT_S} s")
        return
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        results.notes.append(f"rebuild: bench/rebuild.py failed (exit {completed.returncode}):"
                             f" {completed.stderr.strip()[-500:]}")
        return
    summary = orjson.loads(lines[-1])
    results.rebuild_s = summary.get("rebuild_s")
    results.notes.append(f"rebuild: {lines[-1]}")


def main() -> int:
    arguments = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    arguments.add_argument("part", nargs="?", default="all", choices=("all", *PARTS))
    arguments.add_argument("--quick", action="store_true",
                           help="2,000 clients and shorter loads")
    arguments.add_argument("--report", type=Path,
                           help="markdown report to write (plots beside it); by default "
                                f"{report.DOC.relative_to(REPO_ROOT)} for a full run of all parts")
    args = arguments.parse_args()
    doc: Path | None = args.report
    if doc is None and args.part == "all" and not args.quick:
        doc = report.DOC
    parts = set(PARTS) if args.part == "all" else {args.part}
    plan = QUICK if args.quick else FULL
    results = Results(quick=args.quick)
    results.machine["before"] = machine_state()
    say(f"machine before the run: {results.machine['before']}")
    results.machine["pace_before"] = cpu_pace()
    say(f"the cores' pace ({PACE_ADDITIONS:,} additions): {results.machine['pace_before']}")
    if parts & {"e2e", "ingest"}:
        results.machine["disk"] = disk_flushes()
        say(f"the disk's flushes (fdatasync of 8 KiB): {results.machine['disk']}")
    if parts & {"fanout", "e2e", "rest", "scale", "ingest"}:
        say("starting PostgreSQL, Kafka and the three services")
        system = start_system()
        try:
            # uvloop, as the services run: the harness's own CPU is taken from them.
            uvloop.run(measure_system(system, plan, parts, results))
        finally:
            system.stack.remove()
    if "rebuild" in parts:
        measure_rebuild(results)
    if "media" in parts:
        say("media: bulletin and card renders, the event loop's lag during a burst")
        results.media = media_benchmark(runs=5 if args.quick else 20)
    results.machine["after"] = machine_state()
    results.machine["pace_after"] = cpu_pace()
    if LOADS:
        results.notes.append("load average (1 min) as each figure was taken: "
                             + "; ".join(LOADS))
    figures = results.figures()
    if doc is not None:
        say(f"writing {doc}")
        report.write(results, figures, doc)
    print(orjson.dumps(figures).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
