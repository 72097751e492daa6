"""The life of a service process: background work that restarts after any failure, and the
lifespan that runs it beside the HTTP server and stops it (then the database) after."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, NoReturn

import structlog
from aiokafka.errors import KafkaError

from shared.adapters.db import DATABASE_DOWN, Database
from shared.adapters.web import Readiness

log = structlog.get_logger()

# Outages of PostgreSQL or Kafka: expected, logged without a traceback.
OUTAGES: tuple[type[BaseException], ...] = (*DATABASE_DOWN, KafkaError)
_FIRST_DELAY_S = 0.5
_MAX_DELAY_S = 5.0
# A run that lasted this long was healthy: the next failure starts the back-off afresh.
_HEALTHY_RUN_S = 30.0


async def keep_running(
    what: str,
    run: Callable[[], Awaitable[None]],
    *,
    on_failure: Callable[[BaseException], None] = lambda error: None,
) -> NoReturn:
    """Runs `run` again whenever it ends or raises, with a growing pause (0.5 s to 5 s).

    A task that stopped at the first error would leave a process that looks alive but has
    silently stopped working (a relay stranding results in the outbox, a frozen board), so
    every exception is retried; only outages are logged without a traceback.
    """
    delay = _FIRST_DELAY_S
    while True:
        started = time.monotonic()
        try:
            await run()
            raise RuntimeError(f"{what} returned")
        except OUTAGES as error:
            log.warning(f"{what} waiting for PostgreSQL or Kafka", error=repr(error), in_s=delay)
            on_failure(error)
        except Exception as error:
            log.exception(f"{what} failed; starting it again", in_s=delay)
            on_failure(error)
        except asyncio.CancelledError as error:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise
            # Nobody cancelled this task: a library let one of its own tasks' cancellation
            # escape (aiokafka 0.14's consumer.stop() does with the broker unreachable).
            # Ending here would leave the process alive with its work silently stopped.
            log.exception(f"{what} ended by a stray cancellation; starting it again",
                          in_s=delay)
            on_failure(error)
        if time.monotonic() - started > _HEALTHY_RUN_S:
            delay = _FIRST_DELAY_S
        await asyncio.sleep(delay)
        delay = min(delay * 2, _MAX_DELAY_S)


@contextlib.asynccontextmanager
async def running(
    *work: Coroutine[Any, Any, None], database: Database | None = None
) -> AsyncIterator[None]:
    """Runs `work` as tasks while the server serves; then cancels them and closes the
    database, in that order (a task may still be using a connection)."""
    tasks = [asyncio.create_task(coroutine) for coroutine in work]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if database is not None:
            await database.close()


class StallWatch:
    """Tells /healthz that a consumer is stuck: behind the end of what it reads and not
    moving for `after_s`, with the reason; and ready again as soon as it moves or catches up.

    Each service feeds it (position, end) every few seconds from a task of its own, so a
    consumer that hangs (a query that never returns, a lost connection that raises nothing)
    is seen even though its own loop no longer runs.
    """

    def __init__(self, readiness: Readiness, condition: str, what: str, after_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._readiness = readiness
        self._condition = condition
        self._what = what
        self._after_s = after_s
        self._clock = clock
        self._behind_since: tuple[int, float] | None = None  # the position, and since when
        readiness.set(condition, True)

    def observe(self, position: int, end: int) -> None:
        now = self._clock()
        if position >= end:
            self._behind_since = None
        elif self._behind_since is None or self._behind_since[0] != position:
            self._behind_since = (position, now)
        if self._behind_since is None or now - self._behind_since[1] < self._after_s:
            if not self._readiness.conditions.get(self._condition, True):
                log.info(f"{self._what} moves again", position=position, end=end)
            self._readiness.set(self._condition, True)
            return
        stalled_s = now - self._behind_since[1]
        if self._readiness.conditions.get(self._condition, True):
            log.error(f"{self._what} is stuck", position=position, end=end,
                      for_s=round(stalled_s, 1))
        self._readiness.set(
            self._condition, False,
            f"{self._what}: {end - position} message(s) not handled, no progress for"
            f" {stalled_s:.0f} s")
