"""Benchmark of `podium rebuild` on a whole games of accepted revisions with corrections.

    .venv/bin/python -m bench.rebuild [--revisions 20000] [--seed 14]

Starts a throwaway PostgreSQL, stores the revisions in `submissions` as ingest would, then
times the rebuild three ways: the first run (nothing stored yet, everything differs), the
run with --apply, and a check of the stored state (the usual run), the latter also through
the real CLI (interpreter start included). The last stdout line is a JSON summary; its
`rebuild_s` (the check) is the figure the target is set for: at most 2 s for 20,000 revisions.
"""

import argparse
import asyncio
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.random_results import random_submissions
from launcher.postgres import LocalPostgres
from launcher.process import free_port
from services.scoring import rebuild
from shared.adapters import db
from shared.adapters.definitions import load_definitions
from shared.adapters.logs import configure_logging
from shared.adapters.settings import Settings
from shared.adapters.tokens import create_token
from shared.contract.messages import content_hash
from shared.domain.engine import Entry


async def store_submissions(pool: db.Pool, revisions: int, seed: int) -> int:
    """Stores `revisions` accepted revisions over every event; returns how many events."""
    games = load_definitions(Settings().games_dir).games
    chains = random_submissions(random.Random(seed), list(games.events),
                                list(games.delegation_codes), revisions, games.records.measures)
    token, _ = await create_token(pool, "official", "bench")
    rows = []
    for body in (body for chain in chains for body in chain):
        entries = tuple(Entry.model_validate(entry) for entry in body["entries"])
        rows.append((body["event_id"], body["revision"], body["status"], body["note"],
                     [entry.model_dump() for entry in entries],
                     content_hash(body["event_id"], body["revision"], body["status"],
                                  body["note"], entries), token.id))
    await pool.executemany(
        "INSERT INTO submissions (event_id, revision, status, note, entries, content_hash,"
        " token_id, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())", rows)
    return len(chains)


async def timed_rebuild(pool: db.Pool, settings: Settings, *, apply: bool) -> float:
    definitions = load_definitions(settings.games_dir)
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await rebuild.rebuild(conn, definitions, apply=apply, out=io.StringIO())
    return time.perf_counter() - started


def timed_cli(dsn: str) -> tuple[float, int]:
    podium = Path(sys.executable).parent / "podium"
    started = time.perf_counter()
    completed = subprocess.run([str(podium), "rebuild"], env={**os.environ,
                               "PODIUM_DATABASE_URL": dsn}, capture_output=True, check=False)
    return time.perf_counter() - started, completed.returncode


async def timed_rebuilds(dsn: str, revisions: int, seed: int) -> dict[str, object]:
    settings = Settings(database_url=dsn)
    pool = await db.create_pool(dsn, max_size=2)
    try:
        await db.migrate(pool)
        events = await store_submissions(pool, revisions, seed)
        first = await timed_rebuild(pool, settings, apply=False)
        applied = await timed_rebuild(pool, settings, apply=True)
        check = await timed_rebuild(pool, settings, apply=False)
    finally:
        await pool.close()
    return {"revisions": revisions, "events": events, "rebuild_s": round(check, 3),
            "first_rebuild_s": round(first, 3), "apply_s": round(applied, 3)}


def bench(revisions: int, seed: int) -> dict[str, object]:
    # Not a pytest tmp folder: PostgreSQL runs as the `postgres` user when we are root.
    folder = Path(tempfile.mkdtemp(prefix="podium-bench-"))
    folder.chmod(0o711)
    try:
        with LocalPostgres(folder / "postgres", free_port()) as postgres:
            summary = asyncio.run(timed_rebuilds(postgres.dsn, revisions, seed))
            cli, exit_code = timed_cli(postgres.dsn)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**summary, "cli_s": round(cli, 3), "cli_exit": exit_code}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--revisions", type=int, default=20_000)
    arguments.add_argument("--seed", type=int, default=14)
    args = arguments.parse_args()
    configure_logging("warning")
    summary = bench(args.revisions, args.seed)
    print(orjson.dumps(summary).decode())


if __name__ == "__main__":
    main()
