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
