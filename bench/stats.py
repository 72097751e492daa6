"""Plain statistics over what the harness records; no I/O, so unit-tested in milliseconds."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

# A result (or floor message) is identified by (event id, revision).
Key = tuple[str, int]


@dataclass(frozen=True)
class Submission:
    key: Key
    sent: float  # time.monotonic(), the one clock every process on the machine shares
    answered: float
    status: int  # HTTP status; 202 (or 0 for a floor message acknowledged by Kafka) is ok


@dataclass(frozen=True)
class Arrival:
    probe: int
    key: Key
    at: float
    size: int  # frame payload bytes


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p90: float
    p99: float
    max: float

    def row(self, scale: float = 1.0) -> list[str]:
        return [f"{self.count:,}", *(f"{v * scale:.1f}" for v in
                                     (self.p50, self.p90, self.p99, self.max))]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Sequence[float]) -> Summary:
    return Summary(len(values), percentile(values, 50), percentile(values, 90),
                   percentile(values, 99), max(values, default=math.nan))


@dataclass(frozen=True)
class Delivery:
    """Answer-to-arrival latencies of one run, and how far it fell short."""

    latencies: list[float]  # seconds, one per (probe, result) pair that arrived
    missing: int  # (probe, result) pairs that never arrived
    spreads: list[float]  # per result: last probe's arrival minus the first's
    frame_bytes: float  # median payload size of the frames
    by_key: dict[Key, list[float]] = field(default_factory=dict)  # the latencies per result

    @property
    def summary(self) -> Summary:
        return summarize(self.latencies)


def delivery(submissions: Sequence[Submission], arrivals: Sequence[Arrival],
             probes: int) -> Delivery:
    # From the moment it was sent, as an official's device sees it: Centrifugo hands a
    # publication out before it answers the publish call, so from the answer the peer's
    # pairs came out negative; for Podium it adds ingest's answer time (~10 ms).
    sent = {s.key: s.sent for s in submissions if s.status in (0, 202)}
    seen: dict[Key, list[float]] = defaultdict(list)
    latencies = []
    by_key: dict[Key, list[float]] = defaultdict(list)
    for arrival in arrivals:
        if arrival.key in sent:
            seen[arrival.key].append(arrival.at)
            latencies.append(arrival.at - sent[arrival.key])
            by_key[arrival.key].append(latencies[-1])
    return Delivery(
        latencies=latencies,
        missing=len(sent) * probes - len(latencies),
        spreads=[max(times) - min(times) for times in seen.values()],
        frame_bytes=percentile([arrival.size for arrival in arrivals], 50),
        by_key=dict(by_key),
    )


def stages(submissions: Sequence[Submission], arrivals: Sequence[Arrival],
           published: dict[Key, float], scored: dict[Key, float]) -> dict[str, list[float]]:
    """The latency split at the two topics, as a bare consumer saw them (bench.tap)."""
    answered = {s.key: s.answered for s in submissions if s.status == 202}
    both = [key for key in answered if key in published and key in scored]
    return {
        "POST answered -> on the results topic (ingest's relay)":
            [published[key] - answered[key] for key in answered if key in published],
        "results topic -> its message on the changes topic (scoring)":
            [scored[key] - published[key] for key in both],
        "changes topic -> probe (broadcast)":
            [a.at - scored[a.key] for a in arrivals if a.key in answered and a.key in scored],
    }


def statuses(submissions: Sequence[Submission]) -> dict[int, int]:
    """How many answers of each HTTP status (-1: no answer)."""
    counts: dict[int, int] = defaultdict(int)
    for submission in submissions:
        counts[submission.status] += 1
    return dict(sorted(counts.items()))


def answer_times(submissions: Sequence[Submission]) -> list[float]:
    return [s.answered - s.sent for s in submissions]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator
