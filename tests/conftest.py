"""Real PostgreSQL and Kafka once per session, the three services as processes: shared
by the flow tests and the page tests, so a whole run starts one system."""

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from tests.games import TEST_GAMES_DIR


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    assert TEST_GAMES_DIR.is_dir()  # imported for PODIUM_GAMES_DIR: the services read it
    stack = Stack.throwaway("podium-home-")
    try:
        stack.start_infra()
        stack.start_services()
        stack.wait_healthy(timeout=120)
        yield stack
    finally:
        stack.remove()


def podium_cli(stack: Stack, *args: str) -> str:
    """Runs the real CLI against the session's database; returns its stdout."""
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "podium"), *args],
        env=stack.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.fixture(scope="session")
def official_token(stack: Stack) -> str:
    return podium_cli(stack, "token", "create", "--role", "official", "--name", "裁判 张").strip()\
        .splitlines()[-1]


@pytest.fixture
async def ingest(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=20) as client:
        yield client


@pytest.fixture
async def broadcast(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.url("broadcast"), timeout=20) as client:
        yield client
