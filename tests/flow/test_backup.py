"""`podium backup` and `podium restore` on the running system's PostgreSQL: a backup taken
while the games run restores into an empty database with every row, and nothing else."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import asyncpg
import httpx
import orjson

from launcher.stack import Stack
from services.scoring import store
from shared.adapters.settings import REPO_ROOT
from tests.flow.events import claim_event
from tests.flow.test_scoring_events import entries, event_at, post_result


def podium(stack: Stack, *args: str, database_url: str | None = None,
           ) -> subprocess.CompletedProcess[str]:
    env = stack.env()
    if database_url is not None:
        env["PODIUM_DATABASE_URL"] = database_url
    return subprocess.run([str(Path(sys.executable).parent / "podium"), *args], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)


def backups_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("podium-backup-*.tar"))


def database_url(stack: Stack, name: str) -> str:
    base, _, _ = stack.env()["PODIUM_DATABASE_URL"].rpartition("/")
    return f"{base}/{name}"


async def new_database(stack: Stack, name: str) -> str:
    conn = await asyncpg.connect(stack.env()["PODIUM_DATABASE_URL"])
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(stack, name)


async def rows(url: str, sql: str) -> list[dict[str, object]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


SUBMISSIONS = "SELECT event_id, revision, status, entries::text FROM submissions ORDER BY id"
STANDINGS = "SELECT channel, document::text FROM standings ORDER BY channel"


async def test_a_backup_restores_into_an_empty_database(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    event_id = claim_event().id
    await post_result(ingest, official_token, {"event_id": event_id, "revision": 1,
                                               "status": "official",
                                               "entries": entries(["1", "2", "3", "4", "5", "6"])})
    await post_result(ingest, official_token, {"event_id": event_id, "revision": 2,
                                               "status": "official", "note": "成绩更正",
                                               "entries": entries(["2", "1", "3", "4", "5", "6"])})
    await event_at(broadcast, event_id, 2)

    made = podium(stack, "backup", "--out", str(tmp_path))
    assert made.returncode == 0, made.stderr
    [backup_file] = backups_in(tmp_path)
    with tarfile.open(backup_file) as archive:
        names = sorted(archive.getnames())
        manifest = orjson.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names == ["database.dump", "games.yaml", "manifest.json", "rules.yaml"]
    original = stack.env()["PODIUM_DATABASE_URL"]
    source_submissions = await rows(original, SUBMISSIONS)
    assert manifest["counts"]["submissions"] == len(source_submissions)
    assert f"{len(source_submissions)} result revisions" in made.stdout

    target = await new_database(stack, "restore_target")
    restored = podium(stack, "restore", str(backup_file), database_url=target)
    assert restored.returncode == 0, restored.stderr
    assert await rows(target, SUBMISSIONS) == source_submissions
    assert await rows(target, STANDINGS) == await rows(original, STANDINGS)

    again = podium(stack, "restore", str(backup_file), database_url=target)
    assert again.returncode == 1
    assert "restore only into an empty database" in again.stderr


async def test_a_restore_refuses_a_damaged_backup_and_a_running_scoring(
    stack: Stack, tmp_path: Path,
) -> None:
    made = podium(stack, "backup", "--out", str(tmp_path), "--keep", "1")
    assert made.returncode == 0, made.stderr
    [backup_file] = backups_in(tmp_path)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(backup_file) as source, tarfile.open(damaged, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "games.yaml":
                data += b"# edited\n"
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    target = await new_database(stack, "restore_damaged")
    refused = podium(stack, "restore", str(damaged), database_url=target)
    assert refused.returncode == 1
    assert "games.yaml is missing or damaged" in refused.stderr

    holder = await asyncpg.connect(target)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", store.SCORING_LOCK)
        busy = podium(stack, "restore", str(backup_file), database_url=target)
    finally:
        await holder.close()
    assert busy.returncode == 1
    assert "a scoring process is running" in busy.stderr


async def test_keep_leaves_only_the_newest_backups(stack: Stack, tmp_path: Path) -> None:
    for _ in range(3):
        assert podium(stack, "backup", "--out", str(tmp_path), "--keep", "2").returncode == 0
    assert len(backups_in(tmp_path)) == 2
