"""`podium run`'s supervisor on fake children and a fake clock: what dies is started again
after a growing pause, the others are left alone, and every step is said."""

from __future__ import annotations

from launcher.process import InfraError
from launcher.supervisor import Supervisor


class FakeChild:
    def __init__(self, name: str) -> None:
        self.name = name
        self.starts = 0
        self.stops = 0
        self.how_it_ended: str | None = None
        self.failing_starts = 0

    def start(self) -> None:
        self.starts += 1
        if self.failing_starts:
            self.failing_starts -= 1
            raise InfraError(f"cannot start {self.name}: 127.0.0.1:8002 is already in use")
        self.how_it_ended = None

    def stop(self) -> None:
        self.stops += 1

    def ended(self) -> str | None:
        return self.how_it_ended


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def supervised(*names: str) -> tuple[Supervisor, dict[str, FakeChild], Clock, list[str]]:
    children = {name: FakeChild(name) for name in names}
    clock = Clock()
    said: list[str] = []
    supervisor = Supervisor(list(children.values()), say=said.append, clock=clock)
    return supervisor, children, clock, said


def test_a_child_that_dies_is_started_again_after_a_pause_and_the_others_keep_running() -> None:
    supervisor, children, clock, said = supervised("postgresql", "kafka", "ingest", "scoring")
    supervisor.check()
    assert said == []
    children["scoring"].how_it_ended = "signal 9"
    supervisor.check()
    assert said == ["scoring exited (signal 9); restarting in 1 s"]
    assert children["scoring"].starts == 0  # not yet: a crash loop must not spin

    clock.now += 1
    supervisor.check()
    scoring = children["scoring"]
    assert (scoring.stops, scoring.starts, scoring.ended()) == (1, 1, None)
    assert said[-1] == "scoring restarted"
    assert all((child.starts, child.stops) == (0, 0)
               for name, child in children.items() if name != "scoring")


def test_a_child_that_keeps_dying_waits_longer_each_time_up_to_a_limit() -> None:
    supervisor, children, clock, said = supervised("kafka")
    kafka = children["kafka"]
    pauses = []
    for _ in range(8):
        kafka.how_it_ended = "exit code 1"
        supervisor.check()
        pause = supervisor.pause_of(kafka)
        assert pause is not None
        pauses.append(pause)
        clock.now += pause
        supervisor.check()
    assert pauses == [1, 2, 4, 8, 16, 30, 30, 30]
    assert said[0] == "kafka exited (exit code 1); restarting in 1 s"
    assert said[-2] == "kafka exited (exit code 1); restarting in 30 s"


def test_a_child_that_ran_a_good_while_starts_again_at_the_shortest_pause() -> None:
    supervisor, children, clock, said = supervised("broadcast")
    broadcast = children["broadcast"]
    for _ in range(3):
        broadcast.how_it_ended = "signal 9"
        supervisor.check()
        clock.now += supervisor.pause_of(broadcast) or 0
        supervisor.check()
    clock.now += 600  # ten minutes of work
    broadcast.how_it_ended = "signal 9"
    supervisor.check()
    assert said[-1] == "broadcast exited (signal 9); restarting in 1 s"


def test_a_restart_that_fails_is_tried_again_later() -> None:
    supervisor, children, clock, said = supervised("scoring")
    scoring = children["scoring"]
    scoring.failing_starts = 2
    scoring.how_it_ended = "signal 15"
    supervisor.check()
    clock.now += 1
    supervisor.check()
    assert said[-1] == ("scoring could not start (cannot start scoring: 127.0.0.1:8002 is"
                        " already in use); trying again in 2 s")
    clock.now += 1
    supervisor.check()
    assert scoring.starts == 1  # still waiting
    clock.now += 1
    supervisor.check()
    clock.now += 4
    supervisor.check()
    assert scoring.starts == 3 and scoring.ended() is None
    assert said[-1] == "scoring restarted"
