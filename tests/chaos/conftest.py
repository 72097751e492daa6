"""The chaos tests share the session's system: each starts from a healthy one and leaves
it healthy, whatever it stopped or killed."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from launcher.stack import Stack
from shared.adapters import db
from tests.chaos.support import RECOVERY_S, Chaos
from tests.flow.test_scoring_rebuild import database


@pytest.fixture
def healthy(stack: Stack) -> Iterator[None]:
    stack.wait_healthy(timeout=RECOVERY_S)
    yield
    for process in stack.processes.values():
        if not process.running():
            process.start()
    stack.wait_healthy(timeout=RECOVERY_S)


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    async with database(stack) as pool:
        yield pool


@pytest.fixture
def chaos(stack: Stack, healthy: None, pool: db.Pool, official_token: str,
          broadcast: httpx.AsyncClient) -> Chaos:
    return Chaos(stack, pool, official_token, broadcast)
