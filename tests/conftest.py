"""Real PostgreSQL and Kafka once per session, the three services as processes: shared
by the flow tests and the page tests, so a whole run starts one system."""

import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shared.infra.process import free_port
from shared.settings import REPO_ROOT
from shared.stack import Ports, Stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Not pytest's tmp_path: its folders are 0700, and PostgreSQL runs as the
    # `postgres` user when the tests run as root, so it must be able to get in.
    home = Path(tempfile.mkdtemp(prefix="podium-home-"))
    home.chmod(0o711)
    ports = Ports(
        ingest=free_port(), scoring=free_port(), broadcast=free_port(), postgres=free_port(),
        kafka=free_port(), kafka_controller=free_port(),
    )
    stack = Stack(home=home, ports=ports)
    try:
        stack.start_infra()
        stack.start_services()
        stack.wait_healthy(timeout=120)
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(home, ignore_errors=True)


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
