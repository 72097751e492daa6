"""`podium run` keeps what it started running: a service, Kafka or PostgreSQL that dies is
started again after a pause, and the others carry on (each service rides out an outage of
the others by itself). At a venue-side installation nobody may be watching the terminal."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from launcher.process import InfraError

# The first restart is quick (a killed service is back within seconds); a child that keeps
# dying at start waits longer each time, so a crash loop does not flood the log or the CPU.
FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 30.0
# A child that ran this long was healthy: its next death starts the pauses afresh.
HEALTHY_RUN_S = 60.0


class Child(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def ended(self) -> str | None:
        """How it ended ("signal 9", "exit code 1"); None while it runs."""
        ...


@dataclass
class _Watch:
    started_at: float
    pause_s: float = FIRST_PAUSE_S
    restart_at: float | None = None  # set while it waits to be started again


class Supervisor:
    """Checks the children on every `check()` and starts again those that have ended, each
    after its pause. Children are started before and stopped after, by their owner."""

    def __init__(self, children: Sequence[Child], *, say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._children = list(children)
        self._say = say
        self._clock = clock
        now = clock()
        self._watches = {id(child): _Watch(started_at=now) for child in self._children}

    def pause_of(self, child: Child) -> float | None:
        """The pause before `child` is started again; None while it runs."""
        watch = self._watches[id(child)]
        return None if watch.restart_at is None else watch.pause_s

    def check(self) -> None:
        now = self._clock()
        for child in self._children:
            watch = self._watches[id(child)]
            if watch.restart_at is None:
                ended = child.ended()
                if ended is not None:
                    self._wait(watch, now)
                    self._say(f"{child.name} exited ({ended}); restarting in"
                              f" {watch.pause_s:g} s")
            elif now >= watch.restart_at:
                self._restart(child, watch, now)

    def _wait(self, watch: _Watch, now: float) -> None:
        if now - watch.started_at >= HEALTHY_RUN_S:
            watch.pause_s = FIRST_PAUSE_S
        watch.restart_at = now + watch.pause_s

    def _restart(self, child: Child, watch: _Watch, now: float) -> None:
        watch.pause_s = min(watch.pause_s * 2, MAX_PAUSE_S)  # for the next time
        try:
            child.stop()  # reaps it and whatever it left behind
            child.start()
        except (InfraError, OSError) as error:
            watch.restart_at = self._clock() + watch.pause_s
            self._say(f"{child.name} could not start ({error}); trying again in"
                      f" {watch.pause_s:g} s")
            return
        watch.started_at = now
        watch.restart_at = None
        self._say(f"{child.name} restarted")
