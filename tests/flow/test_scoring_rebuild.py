"""`podium rebuild` against the session's system: the real CLI, the real database.

Also the helpers the crash test shares: the CLI runner, waiting until scoring has applied
every accepted revision, and the tables the pure engine gives for the stored revisions."""

import asyncio
import contextlib
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from launcher.stack import Stack
from shared.adapters import db
from shared.adapters.definitions import load_games, load_rules
from shared.adapters.settings import REPO_ROOT
from shared.contract.documents import table_documents
from shared.domain.engine import Result, standings_after
from shared.domain.games import Games
from shared.domain.rules import Rules
from tests.flow.events import claim_event
from tests.flow.test_scoring_events import entries, event_at, eventually, post_result, table
from tests.games import TEST_GAMES_DIR

RULES = load_rules(TEST_GAMES_DIR / "rules.yaml")
GAMES = load_games(TEST_GAMES_DIR / "games.yaml", RULES)


def podium_rebuild(
    stack: Stack, *args: str, games_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the real `podium rebuild` against the session's database and Kafka."""
    env = stack.env() | ({"PODIUM_GAMES_DIR": str(games_dir)} if games_dir else {})
    return subprocess.run(
        [str(Path(sys.executable).parent / "podium"), "rebuild", *args],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


@contextlib.asynccontextmanager
async def database(stack: Stack) -> AsyncIterator[db.Pool]:
    assert stack.database_url is not None
    pool = await db.create_pool(stack.database_url, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def unapplied(pool: db.Pool) -> int:
    """Accepted revisions newer than what scoring stored, over every event (its final's:
    heats are never scored)."""
    count = await pool.fetchval(
        "SELECT coalesce(sum(s.revision - coalesce(e.revision, 0)), 0) FROM"
        " (SELECT event_id, max(revision) AS revision FROM submissions WHERE phase = 'final'"
        " GROUP BY event_id) s LEFT JOIN event_results e USING (event_id)")
    return int(count)


async def caught_up(pool: db.Pool) -> None:
    """Until scoring applied every accepted revision and its feed reached Kafka."""
    async def done() -> bool | None:
        pending = await pool.fetchval("SELECT count(*) FROM feed WHERE published_at IS NULL")
        return True if await unapplied(pool) == 0 and pending == 0 else None
    await eventually(done, "scoring applying every accepted revision", limit_s=120)


async def stored_revisions(pool: db.Pool) -> list[Result]:
    """Every stored revision of an event's ranking (its final's: heats are never scored)
    that counts or counted: one that waits for its second check and was never confirmed is
    left out, so each event's newest one here is what the tables count (docs/api.md, "A
    second check before a result counts")."""
    rows = await pool.fetch(
        "SELECT s.event_id, s.revision, s.status, s.note, s.entries FROM submissions s"
        " WHERE s.phase = 'final' AND (NOT s.awaits_confirmation OR EXISTS (SELECT FROM"
        " result_checks c WHERE c.event_id = s.event_id AND c.phase = s.phase"
        " AND c.revision = s.revision AND c.action = 'confirm'))")
    return [result_input(dict(row)) for row in rows]


def result_input(body: Mapping[str, Any]) -> Result:
    """A submission (as posted or as stored) as the engine takes it."""
    return Result.model_validate({key: body.get(key) for key in
                                  ("event_id", "revision", "status", "note", "entries")})


def engine_tables(games: Games, rules: Rules, revisions: Iterable[Result]) -> dict[str, Any]:
    """The tables the pure engine gives: each event's newest revision, scored."""
    return table_documents(standings_after(games, rules, revisions), games)


async def test_stored_state_equals_the_rebuild(stack: Stack) -> None:
    async with database(stack) as pool:
        await caught_up(pool)
    completed = podium_rebuild(stack)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "equal the recomputation" in completed.stdout


def test_apply_is_refused_while_scoring_runs(stack: Stack) -> None:
    completed = podium_rebuild(stack, "--apply")
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "a scoring process is running" in completed.stderr
    assert "PostgreSQL backend" in completed.stderr  # who holds the lock
    assert "Nothing was changed" in completed.stderr


def rules_with_points(folder: Path, place_points: list[int]) -> Path:
    """A copy of the games' files whose rules score places 1..8 as `place_points`."""
    shutil.copytree(TEST_GAMES_DIR, folder)
    rules = yaml.safe_load((folder / "rules.yaml").read_text(encoding="utf-8"))
    rules["place_points"] = place_points
    (folder / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True),
                                       encoding="utf-8")
    return folder


async def test_changed_rules_rebuilt_with_apply_give_the_new_tables(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event_id = claim_event().id
    await post_result(ingest, official_token, {"event_id": event_id, "revision": 1,
                                               "status": "official",
                                               "entries": entries(["1", "2", "3", "4", "5", "6"])})
    await event_at(broadcast, event_id, 1)
    new_points = [12, 8, 6, 5, 4, 3, 2, 1]
    games_dir = rules_with_points(tmp_path / "games", new_points)
    new_rules = load_rules(games_dir / "rules.yaml")

    scoring = stack.service("scoring")
    scoring.stop()  # --apply needs the scoring lock
    try:
        async with database(stack) as pool:
            await caught_up(pool)
            check = podium_rebuild(stack, games_dir=games_dir)
            assert check.returncode == 1, check.stdout + check.stderr
            assert f"event {event_id}:\n  entry 1 (qinyang qinyang 选手): points 9 → 12\n" \
                   "  entry 2 (mengzhou mengzhou 选手): points 7 → 8\n" in check.stdout
            assert "table points:all:\n" in check.stdout

            applied = podium_rebuild(stack, "--apply", games_dir=games_dir)
            assert applied.returncode == 0, applied.stdout + applied.stderr
            assert "feed messages published" in applied.stdout
            assert podium_rebuild(stack, games_dir=games_dir).returncode == 0
            assert podium_rebuild(stack).returncode == 1  # the shipped rules now differ

            document = (await broadcast.get(f"/v1/events/{event_id}")).json()
            assert [entry["points"] for entry in document["entries"]] == [12, 8, 6, 5, 4, 0]
            expected = engine_tables(GAMES, new_rules, await stored_revisions(pool))

        # Boards follow the feed: broadcast's tables show the new points without a restart.
        async def boards_show_new_points() -> bool | None:
            shown = (await table(broadcast, "points"))["rows"]
            return True if shown == expected["points:all"]["rows"] else None
        await eventually(boards_show_new_points, "broadcast serving the rebuilt points table")
    finally:
        restored = podium_rebuild(stack, "--apply")
        scoring.start()
        await asyncio.to_thread(stack.wait_healthy, 120, ("scoring",))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert podium_rebuild(stack).returncode == 0
