"""Helpers for the schedule's tests (flow and page): registration files, the real
`podium entries import`, units read from broadcast. This module holds no tests of its own."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from shared.domain.games import Event
from tests.flow.events import games_delegations
from tests.flow.test_scoring_events import eventually

HEADER = ("项目代码", "号码", "姓名", "代表团", "队员", "备注")


def entry_rows(event: Event, prefix: str, per_delegation: int = 2) -> list[list[str]]:
    """`per_delegation` entries of every delegation in `event`, bibs `<prefix><dd><n>`:
    a prefix of its own keeps a test's bibs apart from every other test's."""
    rows = []
    for number, code in enumerate(games_delegations(), start=1):
        for n in range(1, per_delegation + 1):
            name = f"{code}选手{n}"
            members = "、".join(f"{name}{m}" for m in "甲乙丙丁") if event.kind == "team" else ""
            rows.append([event.id, f"{prefix}{number:02d}{n}", name, code, members, ""])
    return rows


def write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_entries(stack: Stack, path: Path) -> subprocess.CompletedProcess[str]:
    """`podium entries import FILE` with the real CLI against the session's database."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "podium"), "entries", "import", str(path)],
        env=stack.env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )


async def unit_page(broadcast: httpx.AsyncClient, unit_id: str) -> dict[str, Any]:
    answer = await broadcast.get(f"/v1/units/{unit_id}")
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def unit_when(broadcast: httpx.AsyncClient, unit_id: str, what: str,
                    check: Any) -> dict[str, Any]:
    """The unit's page once `check(page)` holds."""
    async def page() -> dict[str, Any] | None:
        found = await unit_page(broadcast, unit_id)
        return found if check(found) else None
    return await eventually(page, f"{unit_id}: {what}")


def start_list_bibs(page: dict[str, Any]) -> list[str]:
    return [row["bib"] for row in page["start_list"]]
