"""The media benchmark's figures have the shape bench/ reports, and the cache pays."""

from bench.media import flat_figures, media_benchmark


def test_the_media_benchmark_times_cold_and_cached_renders() -> None:
    figures = media_benchmark(runs=2, burst=2)
    assert figures["runs"] == 2
    for output in ("bulletin", "card"):
        timings = figures[output]
        assert timings["bytes"] > 10_000
        assert set(timings["cold"]) == set(timings["cached"]) == {"p50_ms", "p99_ms"}
        assert timings["cached"]["p99_ms"] < timings["cold"]["p50_ms"]
    assert set(figures["loop_lag"]) == {"processes", "threads"}
    flat = flat_figures(figures)
    assert flat["bulletin_cold_p50_ms"] == figures["bulletin"]["cold"]["p50_ms"]
    assert flat["card_cached_p99_ms"] == figures["card"]["cached"]["p99_ms"]
    assert flat["render_loop_lag_p99_ms"] == figures["loop_lag"]["processes"]["p99_ms"]
    assert set(flat_figures(None).values()) == {None}
