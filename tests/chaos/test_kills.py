"""SIGKILL mid-stream: each service in turn, and both outbox relays while they are sending.
A 2xx answer is a promise kept through any crash; a crash never counts anything twice."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from launcher.process import ManagedProcess
from tests.chaos.support import RECOVERY_S, Chaos, streaming, watching
from tests.flow.test_scoring_events import eventually


async def kill(process: ManagedProcess) -> None:
    """SIGKILL, then wait until the process is gone (which reaps it)."""
    assert process.pid is not None
    os.killpg(process.pid, signal.SIGKILL)

    async def gone() -> bool | None:
        return True if not process.running() else None
    await eventually(gone, f"{process.name} gone after SIGKILL")


@pytest.mark.parametrize("service", ["ingest", "scoring", "broadcast"])
async def test_a_service_killed_mid_stream_loses_and_doubles_nothing(
    service: str, chaos: Chaos
) -> None:
    process = chaos.stack.service(service)
    async with chaos.broken_stream() as stream:
        for accepted in (3, 8, 13):
            await stream.accepted_at_least(accepted)
            await kill(process)
            process.start()
            await asyncio.to_thread(chaos.stack.wait_healthy, RECOVERY_S, (service,))
    if service == "ingest":
        assert stream.unanswered, "no kill met a POST"


async def test_relays_killed_while_sending_resend_what_they_had(chaos: Chaos) -> None:
    """Kafka frozen (SIGSTOP) holds both relays' sends in flight: accepted results pile up
    in the outbox; ingest and scoring are killed with sends unanswered, and Kafka may still
    append what reached its socket, so some rows are sent again after the restarts."""
    stack = chaos.stack
    assert stack.kafka is not None and stack.kafka.pid is not None
    before, during = chaos.stream(revisions=12), chaos.stream(revisions=6, events=2)
    ingest, scoring = stack.service("ingest"), stack.service("scoring")
    async with watching(stack) as watchers:
        async with streaming(before):
            await before.accepted_at_least(4)
        os.killpg(stack.kafka.pid, signal.SIGSTOP)
        try:
            async with streaming(during):
                pass
            waiting = await chaos.pool.fetchval(
                "SELECT count(*) FROM submissions WHERE published_at IS NULL")
            assert waiting, "the relay published while Kafka was frozen"
            await kill(ingest)
            await kill(scoring)
        finally:
            os.killpg(stack.kafka.pid, signal.SIGCONT)
        ingest.start()
        scoring.start()
        await asyncio.to_thread(stack.wait_healthy, RECOVERY_S)
        await chaos.assert_recovered(watchers, before, during)
