"""What one benchmark run measured, and the figures (the JSON line) derived from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.media import flat_figures
from bench.stats import (
    Delivery,
    Submission,
    answer_times,
    percentile,
    ratio,
    statuses,
    summarize,
)

# Targets of issues 7 and 14: (key, comparison, bound).
TARGETS: list[tuple[str, str, float]] = [
    ("e2e_p99_ms", "<=", 100),
    ("e2e_floor_ratio", "<=", 1.5),
    ("e2e_peer_ratio", "<=", 1),
    ("pipeline_p99_ms", "<=", 30),
    ("fanout_deliveries_per_s", ">=", 100_000),
    ("fanout_clients", ">=", 10_000),
    ("scale_clients", ">=", 40_000),
    ("scale_lost", "<=", 0),
    ("ws_kib_per_connection", "<=", 20),
    ("ingest_per_s", ">=", 1_000),
    ("ingest_p99_ms", "<=", 30),
    ("rebuild_s", "<=", 2),
]


# Podium's steady run again with the sinks in the ordinary scheduling class, competing with
# the servers for the two cores (bench.audience.Audience says why they yield otherwise).
CONTENDED = "podium, sinks contending"

# How bench.rest reads: straight from broadcast, with If-None-Match, through a cache.
REST_WAYS = ("direct", "revalidated", "cached")


@dataclass(frozen=True)
class FanoutStep:
    """One burst of results fanned out by one server to `clients` connections."""

    target: str  # "podium" or "floor"
    clients: int
    results: int
    deliveries: int  # frames the sinks counted
    seconds: float  # first byte to last byte at the sinks
    server_cpu_s: float  # the server's CPU time over the same burst
    clients_cpu_s: float  # the sink and probe processes' CPU time over it
    closed: int  # sink connections the server closed meanwhile

    @property
    def per_s(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    @property
    def us_per_delivery(self) -> float:
        return self.server_cpu_s / self.deliveries * 1e6 if self.deliveries else 0.0

    @property
    def client_us_per_delivery(self) -> float:
        return self.clients_cpu_s / self.deliveries * 1e6 if self.deliveries else 0.0


@dataclass(frozen=True)
class LatencyRun:
    """Answer-to-arrival latency of one load shape on one target."""

    target: str  # "podium", "pipeline" (podium at 50 clients), CONTENDED, "floor" or "peer"
    load: str  # e.g. "steady 5/s" or "burst of 50"
    clients: int
    submissions: list[Submission]
    delivery: Delivery
    stages: dict[str, list[float]]  # latency split at the topics (Podium only)

    @property
    def errors(self) -> dict[int, int]:
        return {status: count for status, count in statuses(self.submissions).items()
                if status not in (0, 202)}


@dataclass(frozen=True)
class IngestRun:
    workers: int
    seconds: float
    submissions: list[Submission]
    client_cpu_s: float  # the load generator's own CPU time

    @property
    def accepted(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == 202]

    @property
    def per_s(self) -> float:
        return len(self.accepted) / self.seconds

    @property
    def statuses(self) -> dict[int, int]:
        return statuses(self.submissions)


@dataclass
class Results:
    quick: bool
    machine: dict[str, Any] = field(default_factory=dict)
    memory: tuple[int, int, int] | None = None  # (baseline KiB, with clients KiB, clients)
    fanout: list[FanoutStep] = field(default_factory=list)
    latency: list[LatencyRun] = field(default_factory=list)
    ingest: IngestRun | None = None
    rebuild_s: float | None = None
    scale: dict[str, Any] | None = None  # bench.scale.scale_out()
    rest: dict[str, dict[str, float]] | None = None  # bench.rest.rest_reads()
    media: dict[str, Any] | None = None  # bench.media.media_benchmark()
    notes: list[str] = field(default_factory=list)

    def latencies(self, target: str, load: str = "steady") -> list[float]:
        """Every (probe, result) latency of target's runs whose load starts with load."""
        return [v for run in self.latency if run.target == target and run.load.startswith(load)
                for v in run.delivery.latencies]

    def quantile_ms(self, target: str, q: float, load: str = "steady") -> float | None:
        values = self.latencies(target, load)
        return percentile(values, q) * 1000 if values else None

    def top_fanout(self, target: str) -> FanoutStep | None:
        steps = [step for step in self.fanout if step.target == target]
        return max(steps, key=lambda step: step.clients, default=None)

    def figures(self) -> dict[str, Any]:
        # At the steady load the floor carries without queueing; the bursts apart.
        e2e_p99 = self.quantile_ms("podium", 99)
        floor_p99 = self.quantile_ms("floor", 99)
        peer_p99 = self.quantile_ms("peer", 99)
        top = self.top_fanout("podium")
        answers = answer_times(self.ingest.accepted) if self.ingest else []
        scale = self.scale or {}
        rest = self.rest or {}
        return {
            "e2e_p50_ms": _round(self.quantile_ms("podium", 50)),
            "e2e_p99_ms": _round(e2e_p99),
            "floor_p50_ms": _round(self.quantile_ms("floor", 50)),
            "floor_p99_ms": _round(floor_p99),
            "e2e_floor_ratio": _round(ratio(e2e_p99, floor_p99), 2),
            "peer_p50_ms": _round(self.quantile_ms("peer", 50)),
            "peer_p99_ms": _round(peer_p99),
            "e2e_peer_ratio": _round(ratio(e2e_p99, peer_p99), 2),
            "contended_p50_ms": _round(self.quantile_ms(CONTENDED, 50)),
            "contended_p99_ms": _round(self.quantile_ms(CONTENDED, 99)),
            "burst_p99_ms": _round(self.quantile_ms("podium", 99, "burst")),
            "floor_burst_p99_ms": _round(self.quantile_ms("floor", 99, "burst")),
            "peer_burst_p99_ms": _round(self.quantile_ms("peer", 99, "burst")),
            "pipeline_p50_ms": _round(self.quantile_ms("pipeline", 50)),
            "pipeline_p99_ms": _round(self.quantile_ms("pipeline", 99)),
            "scale_clients": scale.get("clients"),
            "scale_lost": scale.get("lost"),
            "scale_reconnected": scale.get("reconnected"),
            "scale_replicas": scale.get("replicas"),
            **{f"rest_{way}_per_s": round(rest[way]["per_s"]) if way in rest else None
               for way in REST_WAYS},
            "fanout_clients": top.clients if top else None,
            "fanout_deliveries_per_s": round(top.per_s) if top else None,
            "ws_kib_per_connection": _round(
                (self.memory[1] - self.memory[0]) / self.memory[2] if self.memory else None),
            "ingest_per_s": _round(self.ingest.per_s if self.ingest else None),
            "ingest_p99_ms": _round(summarize(answers).p99 * 1000 if answers else None),
            "rebuild_s": _round(self.rebuild_s, 2),
            **{key: _round(value, 3) for key, value in flat_figures(self.media).items()},
        }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def verdict(key: str, value: float | None) -> str:
    for name, comparison, bound in TARGETS:
        if name == key:
            if value is None:
                return "not measured"
            met = value <= bound if comparison == "<=" else value >= bound
            return ("met" if met else "missed") + f" (target {comparison} {bound:,g})"
    return ""
