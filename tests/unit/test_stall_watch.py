"""StallWatch: a consumer behind the end of what it reads and not moving is not ready."""

from __future__ import annotations

from shared.adapters.service import StallWatch
from shared.adapters.web import Readiness


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_behind_and_still_for_the_bound_is_not_ready_with_the_reason() -> None:
    readiness, clock = Readiness(), Clock()
    watch = StallWatch(readiness, "follower", "the feed follower", after_s=6, clock=clock)
    assert readiness.conditions == {"follower": True}
    watch.observe(10, 12)  # behind since 0 s
    clock.now = 5.9
    watch.observe(10, 12)
    assert readiness.conditions["follower"] is True
    clock.now = 6.0
    watch.observe(10, 13)
    assert readiness.conditions["follower"] is False
    assert readiness.reasons["follower"] == (
        "the feed follower: 3 message(s) not handled, no progress for 6 s")
    clock.now = 7.0
    watch.observe(11, 13)  # it moves: ready at once, the reason gone
    assert readiness.conditions["follower"] is True and readiness.reasons == {}


def test_moving_or_caught_up_is_ready_however_long_it_takes() -> None:
    readiness, clock = Readiness(), Clock()
    watch = StallWatch(readiness, "consuming", "scoring", after_s=10, clock=clock)
    for second in range(60):  # a long backlog, one message a second
        clock.now = float(second)
        watch.observe(second, 100)
        assert readiness.conditions["consuming"] is True
    clock.now = 1000.0
    watch.observe(100, 100)  # idle at the end for a long time
    assert readiness.conditions["consuming"] is True
