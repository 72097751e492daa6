"""The system under test: the whole stack in a fresh home, and what /proc says about it."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import timeit
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile
from launcher.stack import Stack
from shared.adapters import db
from shared.adapters.settings import Settings
from shared.adapters.tokens import create_token

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class System:
    stack: Stack
    token: str

    def live_url(self) -> str:
        return f"ws://127.0.0.1:{self.stack.ports.broadcast}/v1/live"

    def pid(self, service: str) -> int:
        pid = self.stack.processes[service].pid
        assert pid is not None, f"{service} is not running"
        return pid

    def broadcast_pids(self) -> list[int]:
        """Every broadcast process on the port (`broadcast`, `broadcast-2`, ...)."""
        return [self.pid(name) for name in self.stack.processes
                if name == "broadcast" or name.startswith("broadcast-")]


def start_system() -> System:
    """With as many broadcast processes as `podium run` would start (Settings)."""
    stack = Stack.throwaway("podium-bench-")
    stack.broadcast_processes = Settings().broadcast_processes
    # The benchmark sends as fast as ingest answers, all with one token.
    stack.extra_env.update(PODIUM_INGEST_TOKEN_REQUESTS_PER_S="1e9",
                           PODIUM_INGEST_TOKEN_REQUEST_BURST="1000000000")
    try:
        stack.start_infra()
        stack.start_services()
        stack.wait_healthy(timeout=170)
        return System(stack, asyncio.run(_official_token(stack)))
    except BaseException:
        stack.remove()
        raise



async def _official_token(stack: Stack) -> str:
    assert stack.database_url is not None
    pool = await db.create_pool(stack.database_url, max_size=1)
    try:
        return (await create_token(pool, "official", "bench official"))[1]
    finally:
        await pool.close()


def process_tree(pid: int) -> list[int]:
    """pid and its descendants: a service that forks workers is measured whole."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, ()))
    return tree


def rss_kib(pid: int) -> int:
    """Resident memory of pid's process tree, in KiB."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except FileNotFoundError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by pid's process tree."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def wait_quiet(busy_below: float = 0.25, within_s: float = 60.0) -> dict[str, float]:
    """Waits (at most within_s) until what the previous part left behind has ended: the
    machine's CPU busy below busy_below over a second. Returns the last sample."""
    deadline = time.monotonic() + within_s
    state = machine_state(1.0)
    while state["busy_share"] >= busy_below and time.monotonic() < deadline:
        state = machine_state(1.0)
    return state


def disk_flushes(seconds: float = 10.0, every_s: float = 0.01) -> dict[str, float]:
    """How long the disk under the benchmark's folders takes to make 8 KiB durable
    (`fdatasync`, as each COMMIT of PostgreSQL waits for one), every every_s for seconds:
    p50, p99 and the longest, in ms. A result's way waits for two (ingest's and scoring's
    COMMIT), so the disk's tail is a floor under the pipeline's."""
    took: list[float] = []
    with tempfile.TemporaryFile() as file:
        block, deadline = b"\0" * 8192, time.monotonic() + seconds
        while time.monotonic() < deadline:
            os.pwrite(file.fileno(), block, len(took) % 128 * len(block))
            started = time.perf_counter()
            os.fdatasync(file.fileno())
            took.append((time.perf_counter() - started) * 1000)
            time.sleep(every_s)
    return {"flushes": len(took), "p50_ms": percentile(took, 50), "p99_ms": percentile(took, 99),
            "max_ms": max(took)}


# A fixed piece of pure-Python work. One instance of this machine ran it in 88-143 ms
# within a few minutes, idle (2026-12-04): the cores' pace moves under every figure, so a
# run says the pace it had, before and after.
PACE_ADDITIONS = 3_000_000


def cpu_pace(tries: int = 5, additions: int = PACE_ADDITIONS) -> dict[str, float]:
    """How long one core takes for `additions` integer additions in this interpreter, in
    ms over `tries`: p50, the quickest and the slowest."""
    took = [seconds * 1000 for seconds in timeit.repeat(
        "total = 0\nfor number in range(additions): total += number",
        globals={"additions": additions}, repeat=tries, number=1)]
    return {"tries": float(tries), "p50_ms": percentile(took, 50), "min_ms": min(took),
            "max_ms": max(took)}


def machine_state(sample_s: float = 2.0) -> dict[str, float]:
    """How busy the machine is right now: what other work leaves to the benchmark."""
    def busy_and_total() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    busy_before, total_before = busy_and_total()
    time.sleep(sample_s)
    busy_after, total_after = busy_and_total()
    return {
        "cores": float(os.cpu_count() or 0),
        "load_1min": os.getloadavg()[0],
        "busy_share": (busy_after - busy_before) / max(1, total_after - total_before),
    }
