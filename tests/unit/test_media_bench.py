"""The media benchmark's figures have the shape bench/ reports, and the cache pays."""

from bench.media import media_benchmark


def test_the_media_benchmark_times_cold_and_cached_renders() -> None:
    figures = media_benchmark(runs=2)
    assert figures["runs"] == 2
    for output in ("bulletin", "card"):
        timings = figures[output]
        assert timings["bytes"] > 10_000
        assert set(timings["cold"]) == set(timings["cached"]) == {"p50_ms", "p99_ms"}
        assert timings["cached"]["p99_ms"] < timings["cold"]["p50_ms"]
