"""A second games beside the session's: on its PostgreSQL server and Kafka, with a database
and topics of its own, the shipped games file and a rules file that differs where a test
needs it (a record bonus, a second check). This module holds no tests of its own."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from launcher.process import free_port
from launcher.stack import Ports, Stack
from shared.adapters.definitions import default_games_dir


@contextlib.contextmanager
def second_games(stack: Stack, home: Path, name: str, rules: dict[str, Any]) -> Iterator[Stack]:
    """The games `name` (its database and topic prefix), its rules the shipped ones with
    `rules`' keys replaced, its three services running until the block ends."""
    games_dir = home / "games"
    shutil.copytree(default_games_dir(), games_dir)
    shipped = yaml.safe_load((games_dir / "rules.yaml").read_text(encoding="utf-8"))
    (games_dir / "rules.yaml").write_text(
        yaml.safe_dump({**shipped, **rules}, allow_unicode=True), encoding="utf-8")
    assert stack.database_url is not None
    database = f"podium_{name.replace('-', '_')}"
    asyncio.run(_create_database(stack.database_url, database))
    games = Stack(
        home=home, ports=Ports(ingest=free_port(), scoring=free_port(), broadcast=free_port()),
        database_url=stack.database_url.rsplit("/", 1)[0] + f"/{database}",
        kafka_bootstrap=stack.kafka_bootstrap,
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


async def _create_database(server_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
