"""scoring's loop keeps going through errors: it restarts from PostgreSQL's state."""

import asyncio

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError
from starlette.applications import Starlette

from services.scoring import app
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings


async def test_any_error_restarts_the_loop_instead_of_stopping_scoring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scoring = app.Scoring(Settings(), load_definitions(Settings().games_dir))
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
    async with scoring.lifespan(Starlette()), asyncio.timeout(10):
        await third_run.wait()
    assert waits == [0.5, 1.0]  # growing back-off: an outage is not hammered
    assert scoring.readiness.conditions["postgresql"] is False


async def test_a_stray_cancellation_from_a_library_restarts_the_loop_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiokafka 0.14's consumer.stop() raises its fetch task's CancelledError when Kafka is
    down: scoring's own task was not cancelled, so it must not end there."""
    scoring = app.Scoring(Settings(), load_definitions(Settings().games_dir))
    runs: list[int] = []
    second_run = asyncio.Event()

    async def run() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise asyncio.CancelledError()
        second_run.set()
        await asyncio.Event().wait()

    async def sleep(seconds: float) -> None: ...

    monkeypatch.setattr(scoring, "_run", run)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    async with scoring.lifespan(Starlette()), asyncio.timeout(10):
        await second_run.wait()
    assert scoring.readiness.conditions["postgresql"] is False
