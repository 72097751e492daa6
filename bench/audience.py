"""The harness's side of an audience: sink and probe processes (bench.clients) on one feed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from bench.stats import Arrival
from bench.system import cpu_seconds
from shared.adapters.settings import REPO_ROOT

# Sinks per process: well under the 20,000 open files allowed per process, and enough
# processes to spread the sinks' reading over both cores.
SINKS_PER_PROCESS = 2500
# However the harness ends, its client processes stop by themselves after this.
CLIENT_LIFETIME_S = 900
POLL_S = 0.25
# No frame at any sink for this long: what was going to arrive has arrived.
STALL_S = 5.0
# The RLIMIT_NICE that allows nice 0 (the limit is 20 - nice), the ordinary class's.
NICE_ZERO_RLIMIT = 20


@dataclass(frozen=True)
class Counters:
    frames: int
    bytes: int
    first: float  # monotonic time of the first byte read since the previous reading
    last: float
    closed: int

    def plus(self, other: Counters) -> Counters:
        firsts = [t for t in (self.first, other.first) if t]
        return Counters(self.frames + other.frames, self.bytes + other.bytes,
                        min(firsts, default=0.0), max(self.last, other.last),
                        self.closed + other.closed)


class ClientProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, kind: str, url: str, protocol: str = "podium") -> ClientProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.clients", kind, url, str(CLIENT_LIFETIME_S), protocol,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26,
            cwd=REPO_ROOT,  # bench is not installed: found from the repository's root
        )
        return cls(process)

    async def ask(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(orjson.dumps({"op": op, **fields}) + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.process.pid} exited "
                               f"(code {await self.process.wait()})")
        answer: dict[str, Any] = orjson.loads(line)
        return answer

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def sinks_can_yield() -> bool:
    """Whether the sinks can leave the idle scheduling class again once in it: Linux lets
    a process back into the ordinary class only with CAP_SYS_NICE (root) or an
    RLIMIT_NICE of 20 (`ulimit -e 20`), as the idle class counts as nice 20."""
    return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_NICE)[0] >= NICE_ZERO_RLIMIT


def yield_cpu(pid: int, yielding: bool) -> None:
    """Puts a process in the scheduler's idle class (it runs only when nothing else wants
    the core), or back in the ordinary one."""
    policy = os.SCHED_IDLE if yielding else os.SCHED_OTHER
    os.sched_setscheduler(pid, policy, os.sched_param(0))


class Audience:
    """Sinks and probes connected to one WebSocket URL, subscribed to `results` (of a
    Podium server, or of Centrifugo with protocol="centrifugo").

    The sinks stand for spectators' devices, which are elsewhere in a real games; here they
    share the two cores with the servers under test, and a frame costs a sink ~12 µs of CPU
    to read (6.0 user, 5.9 kernel; a Go sink measured no less), more than it costs the
    server to send. While a steady load is timed they yield (yielding()): they run in the
    idle scheduling class, on CPU the servers, the broker and the probes leave, and still
    read every frame. Under a saturating burst they contend, as otherwise they would not
    drain until the burst was over and the server would wait on them, which no remote
    device makes it do. The probes, which time the frames, always run in the ordinary class.
    """

    def __init__(self, url: str, protocol: str = "podium") -> None:
        self.url = url
        self.protocol = protocol
        self.sink_processes: list[tuple[ClientProcess, int]] = []
        self.probe_processes: list[ClientProcess] = []
        self.probes = 0

    @property
    def sinks(self) -> int:
        return sum(count for _, count in self.sink_processes)

    @property
    def clients(self) -> int:
        return self.sinks + self.probes

    async def add_sinks(self, count: int) -> None:
        """count more sinks, in processes of their own (drop_to can take them away again)."""
        chunks = [min(SINKS_PER_PROCESS, count - start)
                  for start in range(0, count, SINKS_PER_PROCESS)]
        started = await asyncio.gather(*(ClientProcess.start("sink", self.url, self.protocol)
                                       for _ in chunks))
        answers = await asyncio.gather(*(process.ask("connect", count=chunk)
                                         for process, chunk in zip(started, chunks, strict=True)))
        self.sink_processes.extend(zip(started, chunks, strict=True))
        _check_connected(answers, count, "sinks")

    @contextlib.contextmanager
    def yielding(self, yielding: bool = True) -> Iterator[None]:
        """The sinks in the idle scheduling class (if yielding) until the block ends, then
        back in the ordinary one, competing with the servers for the cores. Where they could
        not come back (sinks_can_yield), they stay in the ordinary one."""
        if not (yielding and sinks_can_yield()):
            yield
            return
        pids = [process.process.pid for process, _ in self.sink_processes]
        for pid in pids:
            yield_cpu(pid, True)
        try:
            yield
        finally:
            for pid in pids:
                yield_cpu(pid, False)

    async def drop_to(self, sinks: int) -> None:
        """Closes the most recently added sinks until sinks are left."""
        while self.sinks > sinks:
            process, _ = self.sink_processes.pop()
            await process.stop()
        assert self.sinks == sinks, f"{sinks} is not a boundary of the sinks added"

    async def add_probes(self, count: int) -> None:
        """count more probes, all in one process of their own."""
        if not self.probe_processes:
            self.probe_processes.append(
                await ClientProcess.start("probe", self.url, self.protocol))
        answer = await self.probe_processes[0].ask("connect", count=count)
        _check_connected([answer], count, "probes")
        self.probes += count

    async def grow(self, sinks: list[int], probes: int) -> None:
        """Connects up to each size in sinks in turn, adding a share of the probes after
        each step: a server that iterates its connections in the order they came then
        has probes spread among the sinks, not all first or last."""
        for step, size in enumerate(sinks):
            await self.add_sinks(size - self.sinks)
            await self.add_probes(probes * (step + 1) // len(sinks)
                                  - probes * step // len(sinks))

    async def counters(self) -> Counters:
        """What the sinks received since the previous call (which it resets)."""
        answers = await asyncio.gather(*(p.ask("counters") for p, _ in self.sink_processes))
        return Counters(
            frames=sum(a["frames"] for a in answers),
            bytes=sum(a["bytes"] for a in answers),
            first=min((a["first"] for a in answers if a["first"]), default=0.0),
            last=max((a["last"] for a in answers), default=0.0),
            closed=sum(a["closed"] for a in answers),
        )

    async def drain(self, frames: int, within_s: float) -> Counters:
        """Sums the sinks' counters until they have frames, or within_s seconds pass, or
        nothing arrives for STALL_S (a dropped connection never gets its share)."""
        total = Counters(0, 0, 0.0, 0.0, 0)
        deadline = time.monotonic() + within_s
        quiet_since = time.monotonic()
        while total.frames < frames and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            step = await self.counters()
            if step.frames:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > STALL_S:
                break
            total = total.plus(step)
        return total

    def cpu_seconds(self) -> float:
        """CPU time the client processes have used so far."""
        processes = [p for p, _ in self.sink_processes] + self.probe_processes
        return sum(cpu_seconds(p.process.pid) for p in processes)

    async def arrivals(self) -> list[Arrival]:
        """The results the probes received since the previous call (which it resets)."""
        answers = await asyncio.gather(*(p.ask("arrivals") for p in self.probe_processes))
        return [Arrival(probe, (event_id, revision), at, size)
                for answer in answers
                for probe, event_id, revision, at, size in answer["arrivals"]]

    async def close(self) -> None:
        await self.drop_to(0)
        await asyncio.gather(*(p.stop() for p in self.probe_processes))
        self.probe_processes, self.probes = [], 0


def _check_connected(answers: list[dict[str, Any]], wanted: int, what: str) -> None:
    connected = sum(int(a["connected"]) for a in answers)
    if connected < wanted:
        failures = [f for a in answers for f in a["failures"]]
        raise RuntimeError(f"only {connected} of {wanted} {what} connected; e.g. {failures}")
