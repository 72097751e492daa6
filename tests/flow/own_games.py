"""A second games on the session's PostgreSQL server and Kafka: a database, topics and
service processes of its own, for a test that must change the rules or destroy the
database without disturbing the other tests."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yaml

from launcher.process import free_port
from launcher.stack import Ports, Stack
from shared.adapters.definitions import default_games_dir


def server_url(stack: Stack, database: str) -> str:
    """The session's PostgreSQL server, database `database`."""
    assert stack.database_url is not None
    return stack.database_url.rsplit("/", 1)[0] + "/" + database


async def recreate_database(stack: Stack, name: str) -> None:
    """Drops the database `name` (if any) and creates it empty."""
    conn = await asyncpg.connect(server_url(stack, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@contextlib.contextmanager
def own_games(stack: Stack, home: Path, name: str, games_dir: Path) -> Iterator[Stack]:
    """The three services of a games called `name`, running on the session's servers."""
    asyncio.run(recreate_database(stack, name))
    games = Stack(
        home=home, ports=Ports(ingest=free_port(), scoring=free_port(), broadcast=free_port()),
        database_url=server_url(stack, name), kafka_bootstrap=stack.kafka_bootstrap,
        extra_env={"PODIUM_GAMES_DIR": str(games_dir),
                   "PODIUM_RESULTS_TOPIC": f"{name}.results",
                   "PODIUM_CHANGES_TOPIC": f"{name}.changes"},
    )
    try:
        games.start_infra()  # both given: only writes the run file the CLI reads
        games.start_services()
        games.wait_healthy(timeout=120)
        yield games
    finally:
        games.stop()


@contextlib.asynccontextmanager
async def http_clients(
    games: Stack,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """ingest's and broadcast's HTTP clients for a games of its own."""
    async with httpx.AsyncClient(base_url=games.url("ingest"), timeout=20) as ingest, \
            httpx.AsyncClient(base_url=games.url("broadcast"), timeout=20) as broadcast:
        yield ingest, broadcast


def games_with_rules(home: Path, rules: dict[str, Any]) -> Path:
    """A copy of the shipped games in `home`, its rules file with `rules`' keys replaced."""
    games_dir = home / "games"
    shutil.copytree(default_games_dir(), games_dir)
    shipped = yaml.safe_load((games_dir / "rules.yaml").read_text(encoding="utf-8"))
    (games_dir / "rules.yaml").write_text(
        yaml.safe_dump({**shipped, **rules}, allow_unicode=True), encoding="utf-8")
    return games_dir
