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


# A team event played as a tournament (docs/tournaments.md): the standard 2 x 4 format of
# basketball, its pools on 21 Sep, its knockout on 22 Sep, its rules the sport's defaults.
TOURNAMENT_ID = "bk-rural-m-village-5x5-cup"
POOLS = {"A": ["jiefang", "zhongzhan", "macun", "shanyang"],
         "B": ["shifanqu", "qinyang", "mengzhou", "xiuwu"]}
KNOCKOUT = [("sf-1", "A1", "B2", "14:00"), ("sf-2", "B1", "A2", "15:30"),
            ("p5-8-m1", "A3", "B4", "09:00"), ("p5-8-m2", "B3", "A4", "10:30"),
            ("p7-8", "L:p5-8-m1", "L:p5-8-m2", "17:00"),
            ("p5-6", "W:p5-8-m1", "W:p5-8-m2", "17:00"),
            ("bronze", "L:sf-1", "L:sf-2", "19:30"), ("gold", "W:sf-1", "W:sf-2", "19:30")]
PLACINGS = ["W:gold", "L:gold", "W:bronze", "L:bronze", "W:p5-6", "L:p5-6", "W:p7-8", "L:p7-8"]
TOURNAMENT: dict[str, Any] = {
    "id": TOURNAMENT_ID, "sport": "basketball", "name": "男子村BA篮球杯赛",
    "name_en": "Men's Village Basketball Cup", "group": "rural", "gender": "M", "kind": "team",
    "venue": "qinyang-sports-center", "scheduled_at": "2024-09-22T19:30:00+08:00",
    "units": [
        *({"phase": f"pool-{letter}-m{number}",
           "starts_at": f"2024-09-21T{8 + number:02d}:{'00' if letter == 'A' else '30'}:00+08:00"}
          for letter in POOLS for number in range(1, 7)),
        *({"phase": phase, "starts_at": f"2024-09-22T{hour}:00+08:00"}
          for phase, _, _, hour in KNOCKOUT),
        {"phase": "final", "starts_at": "2024-09-22T19:30:00+08:00"},
    ],
    "tournament": {
        "pools": [{"letter": letter, "teams": teams} for letter, teams in POOLS.items()],
        "knockout": [{"phase": phase, "sides": [first, second]}
                     for phase, first, second, _ in KNOCKOUT],
        "placings": [{"place": place, "slot": slot}
                     for place, slot in enumerate(PLACINGS, start=1)],
    },
}


def _write(folder: Path) -> None:
    shipped = default_games_dir()
    document = yaml.safe_load((shipped / GAMES_FILE).read_text(encoding="utf-8"))
    individual = [event for event in document["events"] if event["kind"] == "individual"]
    # Only what the shipped event says of itself: units name phases of the shipped id.
    extra = [_copy({key: value for key, value in event.items() if key != "units"}, number)
             for number, event in enumerate(individual[:COPIES], start=1)]
    document["events"] = [*document["events"], *extra, TOURNAMENT]
    (folder / GAMES_FILE).write_text(yaml.safe_dump(document, allow_unicode=True,
                                                    sort_keys=False), encoding="utf-8")
    shutil.copy(shipped / RULES_FILE, folder / RULES_FILE)


TEST_GAMES_DIR = Path(tempfile.mkdtemp(prefix="podium-test-games-"))
_write(TEST_GAMES_DIR)
atexit.register(shutil.rmtree, TEST_GAMES_DIR, ignore_errors=True)
os.environ["PODIUM_GAMES_DIR"] = str(TEST_GAMES_DIR)
