"""The benchmark harness's own logic, without Kafka or servers: statistics, the sinks'
frame walking, the figures and the report."""

import asyncio
import os
import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bench import report
from bench.audience import sinks_can_yield, yield_cpu
from bench.clients import SUBSCRIBE, Sink, Tally, Viewer, centrifugo_results, frames_in
from bench.figures import CONTENDED, FanoutStep, IngestRun, LatencyRun, Results, verdict
from bench.stats import Arrival, Submission, delivery, percentile, stages
from bench.system import cpu_pace, disk_flushes


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0


def test_delivery_pairs_arrivals_with_answers() -> None:
    submissions = [Submission(("e1", 1), 1.0, 1.004, 202),
                   Submission(("e2", 1), 2.0, 2.004, 202), Submission(("e3", 1), 2.0, 2.004, 409)]
    arrivals = [Arrival(0, ("e1", 1), 1.010, 100), Arrival(1, ("e1", 1), 1.030, 100),
                Arrival(0, ("e2", 1), 2.020, 120), Arrival(0, ("e3", 1), 3.0, 100)]
    result = delivery(submissions, arrivals, probes=2)
    assert result.latencies == pytest.approx([0.010, 0.030, 0.020])
    assert result.missing == 1  # probe 1 never got e2; e3 was refused, so it is not owed
    assert result.spreads == pytest.approx([0.020, 0.0])
    split = stages(submissions, arrivals, {("e1", 1): 1.002}, {("e1", 1): 1.005})
    assert list(map(len, split.values())) == [1, 1, 2]


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


def server_frame(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x80 | opcode, size)) + payload
    if size < 1 << 16:
        return bytes((0x80 | opcode, 126)) + size.to_bytes(2) + payload
    return bytes((0x80 | opcode, 127)) + size.to_bytes(8) + payload


def test_sink_counts_frames_and_answers_pings_however_reads_split_them() -> None:
    frames = [server_frame(0x1, b"x" * size) for size in (5, 125, 126, 300, 70_000, 2_000)]
    stream = b"".join([frames[0], server_frame(0x9, b"ping"), *frames[1:]])
    for seed in range(20):
        loop = asyncio.new_event_loop()
        opened = loop.create_future()
        tally, transport = Tally(), FakeTransport()
        sink = Sink(tally, b"GET / HTTP/1.1\r\n\r\n", opened)
        sink.connection_made(transport)  # type: ignore[arg-type]
        data = b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + stream
        rng, start = random.Random(seed), 0
        while start < len(data):
            end = start + rng.choice([1, 2, 3, 7, 100, 5_000, 100_000])
            sink.data_received(data[start:end])
            start = end
        loop.close()
        assert tally.frames == len(frames)
        assert tally.bytes == len(stream)
        assert transport.written[-1] == bytes((0x8A, 0x84, 0, 0, 0, 0)) + b"ping"


def sample_results() -> Results:
    submissions = [Submission((f"e{i}", 1), i, i + 0.01, 202) for i in range(10)]
    arrivals = [Arrival(p, s.key, s.answered + 0.02 + p / 1000, 2000)
                for s in submissions for p in range(3)]
    floor = [Arrival(p, a.key, a.at - 0.01, 2000) for p, a in enumerate(arrivals)]
    results = Results(quick=True, machine={
        moment: {"cores": 2.0, "load_1min": 0.5, "busy_share": 0.05}
        for moment in ("before", "after")})
    results.machine["disk"] = {"flushes": 900, "p50_ms": 0.4, "p99_ms": 22.45, "max_ms": 1038.4}
    results.machine["pace_before"] = {"tries": 5.0, "p50_ms": 231.4, "min_ms": 212.0,
                                      "max_ms": 374.2}
    results.machine["pace_after"] = {"tries": 5.0, "p50_ms": 301.0, "min_ms": 290.2,
                                     "max_ms": 310.7}
    results.latency = [
        LatencyRun("podium", "steady 20/s", 13, submissions,
                   delivery(submissions, arrivals, 3), {"stage": [0.01, 0.02]}),
        LatencyRun("floor", "steady 20/s", 13, submissions,
                   delivery(submissions, floor, 3), {}),
        # The same steady load with the sinks contending: 40 ms later at every probe.
        LatencyRun(CONTENDED, "steady 20/s", 13, submissions,
                   delivery(submissions, [Arrival(a.probe, a.key, a.at + 0.04, a.size)
                                          for a in arrivals], 3), {}),
    ]
    results.fanout = [FanoutStep("podium", 10_040, 100, 1_004_000, 10.0, 8.0, 5.0, 0),
                      FanoutStep("podium", 1_040, 165, 171_600, 1.0, 1.0, 0.8, 0)]
    results.memory = (60 * 1024, 130 * 1024, 10_000)
    results.ingest = IngestRun(16, 10.0, submissions * 600, 0.4)
    return results


def test_figures_follow_the_measurements() -> None:
    figures = sample_results().figures()
    # From the moment each was sent: 10 ms to the answer, 20-22 ms more to the probes.
    assert figures["e2e_p50_ms"] == pytest.approx(31.0, abs=0.1)
    assert figures["contended_p50_ms"] == pytest.approx(71.0, abs=0.1)  # not in e2e's
    # The ratio of the p99s at the steady load: 32 ms against the floor's 22.
    assert figures["e2e_floor_ratio"] == pytest.approx(32.0 / 22.0, abs=0.02)
    assert figures["peer_p99_ms"] is None and figures["e2e_peer_ratio"] is None
    assert figures["scale_clients"] is None and figures["rest_cached_per_s"] is None
    assert figures["fanout_clients"] == 10_040
    assert figures["fanout_deliveries_per_s"] == 100_400
    assert figures["ws_kib_per_connection"] == pytest.approx(7.2)
    assert figures["ingest_per_s"] == 600
    assert figures["rebuild_s"] is None
    assert verdict("fanout_deliveries_per_s", 100_400).startswith("met")
    assert verdict("e2e_p99_ms", 101).startswith("missed")
    assert verdict("scale_lost", 0).startswith("met")


def test_report_rewrites_only_its_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    results = sample_results()
    report.write(results, results.figures(), doc)
    doc.write_text(doc.read_text() + "\n## Before and after\nkept by hand\n")
    report.write(results, results.figures(), doc)
    text = doc.read_text()
    assert text.count(report.BEGIN) == 1 and "kept by hand" in text
    assert "| `fanout_deliveries_per_s` | 100,400 | met" in text
    assert "900 flushes of 8 KiB (`fdatasync`, as each COMMIT waits for one) took p50 0.40," \
        " p99 22.4 and at most 1,038.4 ms" in text
    assert "3,000,000 integer additions in one Python thread took p50 231 ms (212-374) over 5" \
        " tries before the run and p50 301 ms (290-311) after" in text
    assert (tmp_path / "benchmarks" / "latency.png").stat().st_size > 10_000
    assert (tmp_path / "benchmarks" / "fanout.png").exists()


def test_sinks_can_yield_says_whether_a_sink_can_contend_again() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as process:
        try:
            yield_cpu(process.pid, True)
            assert os.sched_getscheduler(process.pid) == os.SCHED_IDLE
            if sinks_can_yield():  # root, or RLIMIT_NICE 20
                yield_cpu(process.pid, False)
                assert os.sched_getscheduler(process.pid) == os.SCHED_OTHER
            else:  # so Audience.yielding leaves the sinks where they are
                with pytest.raises(PermissionError):
                    yield_cpu(process.pid, False)
        finally:
            process.kill()


def test_a_viewer_resumes_from_the_highest_seq_with_its_epoch() -> None:
    viewer = Viewer()
    assert viewer.subscribe() == SUBSCRIBE
    buffer = bytearray(b"".join(server_frame(0x1, orjson.dumps(message)) for message in [
        {"type": "subscribed", "channels": ["results"], "seq": 7, "epoch": "e1"},
        {"channel": "results", "type": "result", "seq": 9,
         "data": {"event": {"id": "a"}, "revision": 2}}]))
    buffer += server_frame(0x1, b'{"type":"pong"}')[:3]  # a frame split by the read
    for opcode, payload in frames_in(buffer):
        assert opcode == 0x1
        viewer.message(payload)
    assert len(buffer) == 3
    assert viewer.seen == {("a", 2)}
    assert orjson.loads(viewer.subscribe()) == {"op": "subscribe", "channels": ["results"],
                                                "since": 9, "epoch": "e1"}


def test_centrifugo_pushes_are_read_one_per_line() -> None:
    message = {"channel": "results", "type": "result", "seq": 3,
               "data": {"event": {"id": "b"}, "revision": 1}}
    frame = b"\n".join([b'{"id":1,"connect":{}}',
                        orjson.dumps({"push": {"channel": "results", "pub": {"data": message}}}),
                        orjson.dumps({"push": {"channel": "results", "pub": {"data": {
                            **message, "data": {"event": {"id": "c"}, "revision": 4}}}}})])
    assert centrifugo_results(frame) == [("b", 1), ("c", 4)]


def test_the_pace_probe_times_its_loop() -> None:
    small, large = cpu_pace(tries=3, additions=20_000), cpu_pace(tries=3, additions=2_000_000)
    assert small["tries"] == 3
    assert 0 < small["min_ms"] <= small["p50_ms"] <= small["max_ms"]
    # A hundred times the work: however the host drifts, not as quick as the small loop.
    assert large["min_ms"] > small["max_ms"]


def test_the_disk_probe_times_real_flushes() -> None:
    disk = disk_flushes(seconds=0.3, every_s=0.01)
    assert 5 <= disk["flushes"] <= 31
    assert 0 < disk["p50_ms"] <= disk["p99_ms"] <= disk["max_ms"]
