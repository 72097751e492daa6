"""scoring's loop keeps going through errors: it restarts from PostgreSQL's state."""

import asyncio
import contextlib

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError

from services.scoring import app
from shared.definitions import load_definitions
from shared.settings import Settings


async def test_any_error_restarts_the_loop_instead_of_stopping_scoring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scoring = app.Scoring(Settings(), load_definitions(Settings()))
    errors: list[Exception] = [
        KafkaConnectionError(),
        # What a query gets when PostgreSQL shuts down under it: not a connection error.
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    ]
    third_run = asyncio.Event()

    async def run() -> None:
        if errors:
            raise errors.pop(0)
        third_run.set()
        await asyncio.Event().wait()

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(scoring, "_run", run)
    monkeypatch.setattr(asyncio, "sleep", sleep)  # the loop's back-off, not a real wait
    loop = asyncio.create_task(scoring._run_forever())
    try:
        async with asyncio.timeout(10):
            await third_run.wait()
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert waits == [1.0, 5.0]
    assert scoring.readiness.conditions["postgresql"] is False
