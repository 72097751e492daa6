"""Kafka and PostgreSQL stopped during a stream: accepted results wait (in the outbox, or
in the officials' retries while nothing can be accepted) and all arrive once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from launcher.process import StartStop
from tests.chaos.support import Chaos, Stream
from tests.flow.test_scoring_events import eventually


async def accepted_into_the_outbox(stream: Stream) -> None:
    await stream.accepted_at_least(len(stream.accepted) + 5)


async def told_to_try_again(stream: Stream) -> None:
    refused = stream.unanswered

    async def answered_503() -> bool | None:
        return True if stream.unanswered >= refused + 5 else None
    await eventually(answered_503, "officials told to try again")


WHILE_STOPPED: dict[str, Callable[[Stream], Awaitable[None]]] = {
    "kafka": accepted_into_the_outbox, "postgres": told_to_try_again}


@pytest.mark.parametrize("server", list(WHILE_STOPPED))
async def test_a_server_stopped_mid_stream(server: str, chaos: Chaos) -> None:
    stopped: StartStop | None = getattr(chaos.stack, server)
    assert stopped is not None
    async with chaos.broken_stream() as stream:
        await stream.hold_after(5)
        await asyncio.to_thread(stopped.stop)
        try:
            stream.resume()
            await WHILE_STOPPED[server](stream)
        finally:
            await asyncio.to_thread(stopped.start)
