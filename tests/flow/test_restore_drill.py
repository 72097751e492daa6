"""The restore drill (docs/operations.md "Restore"): results with corrections and a
cancellation, a backup, more results, the database destroyed, the backup restored, the
results after the backup sent again by the officials' side, and everything as it was:
the tables equal `podium rebuild` and the tables before the loss, and a client that
followed the lost feed is reset onto the new one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from tests.conftest import podium_cli
from tests.flow.events import claim_event
from tests.flow.own_games import own_games, recreate_database
from tests.flow.test_backup import backups_in
from tests.flow.test_live_resilience import ExampleClient
from tests.flow.test_scoring_events import entries, event_at, eventually
from tests.games import TEST_GAMES_DIR

NAME = "podium_restore_drill"
TABLES = [(kind, group) for kind in ("medals", "points")
          for group in ("all", "youth", "rural", "workers", "open")]


@pytest.fixture(scope="module")
def drill(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("restore-drill")
    games_dir = home / "games"
    shutil.copytree(TEST_GAMES_DIR, games_dir)
    with own_games(stack, home, NAME, games_dir) as games:
        yield games


def body(event_id: str, revision: int, order: list[str], status: str = "official",
         note: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id, "revision": revision, "status": status, "note": note,
            "entries": [] if status == "cancelled" else entries(order)}


def results_before_and_after() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What the officials entered before the backup (corrections and a cancellation
    among them) and after it (new results and a correction of an earlier one)."""
    events = [claim_event().id for _ in range(7)]
    six = ["1", "2", "3", "4", "5", "6"]
    swapped = ["2", "1", "3", "4", "5", "6"]
    before = [body(event_id, 1, six) for event_id in events[:4]]
    before += [body(events[0], 2, swapped, note="终点录像复核"),
               body(events[1], 2, six, status="cancelled", note="器材故障，择日重赛"),
               body(events[2], 2, ["1", "1", "3", "4", "5", "6"], note="并列第一")]
    after = [body(event_id, 1, six) for event_id in events[4:]]
    after += [body(events[3], 2, swapped, note="成绩更正")]
    return before, after


async def post_all(ingest: httpx.AsyncClient, token: str, bodies: list[dict[str, Any]],
                   expected: tuple[int, ...] = (202,)) -> None:
    for submission in bodies:
        answer = await ingest.post("/v1/results", json=submission,
                                   headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in expected, answer.text


async def tables(broadcast: httpx.AsyncClient) -> dict[str, list[dict[str, Any]]]:
    """Every medal and points table's rows (the version is the new feed's own)."""
    found = {}
    for kind, group in TABLES:
        answer = await broadcast.get(f"/v1/standings/{kind}", params={"group": group})
        assert answer.status_code == 200, answer.text
        found[f"{kind}:{group}"] = answer.json()["rows"]
    return found


async def settled(broadcast: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> None:
    latest = {submission["event_id"]: submission["revision"] for submission in bodies}
    for event_id, revision in latest.items():
        await event_at(broadcast, event_id, revision)


def podium(games: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "podium"), *args],
                          env=games.env(), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


async def test_the_games_come_back_from_a_backup(drill: Stack, tmp_path: Path) -> None:
    token = podium_cli(drill, "token", "create", "--role", "official", "--name",
                       "裁判 王").strip().splitlines()[-1]
    before, after = results_before_and_after()
    client = await ExampleClient.start(drill, ["results", "medals:all"])
    try:
        async with httpx.AsyncClient(base_url=drill.url("ingest"), timeout=20) as ingest, \
                httpx.AsyncClient(base_url=drill.url("broadcast"), timeout=20) as broadcast:
            await client.until(lambda m: m.get("type") == "subscribed")
            await post_all(ingest, token, before)
            await settled(broadcast, before)
            made = podium(drill, "backup", "--out", str(tmp_path))
            assert made.returncode == 0, made.stderr
            [backup_file] = backups_in(tmp_path)
            await post_all(ingest, token, after)
            await settled(broadcast, after)
            lost = await tables(broadcast)
            old_epoch = next(m for m in client.messages if m.get("type") == "subscribed")["epoch"]

        drill.stop_services()
        await recreate_database(drill, NAME)  # the disk is gone: an empty database
        started = time.monotonic()
        restored = podium(drill, "restore", str(backup_file))
        restore_s = time.monotonic() - started
        assert restored.returncode == 0, restored.stderr
        drill.start_services()
        drill.wait_healthy(timeout=120)

        async with httpx.AsyncClient(base_url=drill.url("ingest"), timeout=20) as ingest, \
                httpx.AsyncClient(base_url=drill.url("broadcast"), timeout=20) as broadcast:
            # The token came back with the backup; what the backup lacks is sent again.
            await post_all(ingest, token, after)
            await settled(broadcast, after)
            await eventually(lambda: _equal(broadcast, lost), "the tables as they were")
            await post_all(ingest, token, before + after, expected=(200,))
            rebuilt = podium(drill, "rebuild")
            assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
            medals = (await broadcast.get("/v1/standings/medals")).json()

        await client.until(lambda m: m.get("type") == "reset")
        await client.until(lambda m: m.get("type") == "subscribed")
        await client.until(lambda m: client.latest("medals:all")["data"]["rows"]
                           == medals["rows"])
    finally:
        await client.stop()
    reset = next(m for m in client.messages if m.get("type") == "reset")
    assert reset["reason"] == "epoch_changed" and reset["epoch"] != old_epoch
    print(f"\nrestore drill: {len(before)} + {len(after)} result revisions,"
          f" backup {backup_file.stat().st_size:,} bytes, restore {restore_s:.1f} s")


async def _equal(broadcast: httpx.AsyncClient, expected: dict[str, Any]) -> bool | None:
    return True if await tables(broadcast) == expected else None

