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
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import REPO_ROOT, Settings
from shared.domain.games import Event
from tests.flow.test_scoring_events import eventually

GAMES = load_definitions(Settings().games_dir).games
HEADER = ("项目代码", "号码", "姓名", "代表团", "队员", "备注")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅"
_GIVEN = "伟强磊军洋勇杰涛明超亮鹏浩宇博凯芳娜敏静丽艳婷雪琳颖倩欣悦佳蕾晴"


def competitor_name(prefix: str, number: int, n: int) -> str:
    """A name like those on a start list, the same for the same bib."""
    seed = sum(map(ord, prefix)) + number * 7 + n * 13
    return (_SURNAMES[seed % len(_SURNAMES)] + _GIVEN[(seed * 5) % len(_GIVEN)]
            + _GIVEN[(seed * 11 + n) % len(_GIVEN)])


def entry_rows(event: Event, prefix: str) -> list[list[str]]:
    """As many entries of every delegation in `event` as the rules allow (2 competitors, or
    1 team of four), bibs `<prefix><dd><n>`: a prefix of its own keeps a test's bibs apart
    from every other test's."""
    rows = []
    team = event.kind == "team"
    for number, delegation in enumerate(GAMES.delegations, start=1):
        for n in range(1, 2 if team else 3):
            name = f"{delegation.name}代表队" if team else competitor_name(prefix, number, n)
            members = "、".join(competitor_name(prefix, number, 10 + m) for m in range(4)) \
                if team else ""
            rows.append([event.id, f"{prefix}{number:02d}{n}", name, delegation.code,
                         members, ""])
    return rows


def time_text(seconds: float) -> str:
    """A time as officials write it: 10.91, or 1:02.45 past a minute."""
    minutes, rest = divmod(round(seconds * 100), 6000)
    return f"{minutes}:{rest / 100:05.2f}" if minutes else f"{rest / 100:.2f}"


def write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_entries(stack: Stack, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`podium entries import FILE` with the real CLI against the session's database."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "podium"), "entries", "import", str(path), *options],
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
