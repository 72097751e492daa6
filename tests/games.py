"""The games the flow and page tests run: the shipped games plus copies of its individual
events, so that every test can claim events of its own (tests/flow/events.py) however many
tests there are. Written once per test process into a temporary folder; PODIUM_GAMES_DIR
points there, so every service a test starts (and every Settings()) reads it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from shared.adapters.definitions import GAMES_FILE, RULES_FILE, default_games_dir

# Copies of the first this many individual events: the suite claims ~170 events today.
COPIES = 120


def _copy(event: dict[str, Any], number: int) -> dict[str, Any]:
    return {**event, "id": f"{event['id']}-t{number}", "name": f"{event['name']}（测试{number}）",
            "name_en": f"{event['name_en']} (test {number})"}


def _write(folder: Path) -> None:
    shipped = default_games_dir()
    document = yaml.safe_load((shipped / GAMES_FILE).read_text(encoding="utf-8"))
    individual = [event for event in document["events"] if event["kind"] == "individual"]
    # Only what the shipped event says of itself: units name phases of the shipped id.
    extra = [_copy({key: value for key, value in event.items() if key != "units"}, number)
             for number, event in enumerate(individual[:COPIES], start=1)]
    document["events"] = [*document["events"], *extra]
    (folder / GAMES_FILE).write_text(yaml.safe_dump(document, allow_unicode=True,
                                                    sort_keys=False), encoding="utf-8")
    shutil.copy(shipped / RULES_FILE, folder / RULES_FILE)


TEST_GAMES_DIR = Path(tempfile.mkdtemp(prefix="podium-test-games-"))
_write(TEST_GAMES_DIR)
atexit.register(shutil.rmtree, TEST_GAMES_DIR, ignore_errors=True)
os.environ["PODIUM_GAMES_DIR"] = str(TEST_GAMES_DIR)
