# Chinese texts on the page use full-width punctuation.
"""The board's schedule in headless Chromium against the running system: the day's units
with a delay marked live, a unit's page with its start list and result, "now / next" on the
home view and on the big screen, a delegation's upcoming units; and the schedule's
screenshots (phone and big screen)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from shared.domain.games import Event
from tests.flow.events import claim_event
from tests.flow.schedule_support import entry_rows, import_entries, unit_when, write_csv
from tests.pages.test_board import (  # noqa: F401 - open_board is a fixture
    BIG,
    PHONE,
    SCREENSHOT_DIR,
    OpenBoard,
    assert_on_screen,
    open_board,
)

pytestmark = pytest.mark.flow

GAMES_TZ = timezone(timedelta(hours=8))


def hhmm(value: datetime) -> str:
    return value.astimezone(GAMES_TZ).strftime("%H:%M")


async def set_status(ingest: httpx.AsyncClient, token: str, unit_id: str, status: str,
                     starts_at: datetime | None = None, note: str | None = None) -> None:
    body: dict[str, Any] = {"status": status}
    if starts_at is not None:
        body["starts_at"] = starts_at.isoformat()
    if note is not None:
        body["note"] = note
    answer = await ingest.post(f"/v1/units/{unit_id}/status", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text


async def at_instant(page: Page, instant: datetime, route: str) -> None:
    """The board's clock at `instant` (the games are in 2024), then `route`."""
    await page.clock.set_fixed_time(instant)
    await page.evaluate("route => { location.hash = route; }", route)


async def test_a_delay_and_a_postponement_show_live_with_the_new_time_and_note(
    open_board: OpenBoard, ingest: httpx.AsyncClient, official_token: str,  # noqa: F811
) -> None:
    event = claim_event(any_measure=True)  # no marks posted
    unit_id = f"{event.id}/final"
    planned = event.scheduled_at
    page = await open_board(f"/#/schedule/{planned.astimezone(GAMES_TZ).date()}",
                            viewport=PHONE)
    row = page.locator(f'.unit-row[data-unit="{unit_id}"]')
    await expect(row).to_have_class(re.compile(r"\bstatus-scheduled\b"))
    await expect(row.locator(".unit-title")).to_have_text(event.name)

    later = planned + timedelta(minutes=35)
    await set_status(ingest, official_token, unit_id, "delayed", later, "场地积水，推迟开赛")
    # Live: the same page, no reload.
    await expect(row).to_have_class(re.compile(r"\bstatus-delayed\b"))
    await expect(row.locator(".unit-badge")).to_have_text("推迟")
    await expect(row.locator(".unit-moved")).to_have_text(
        f"推迟至 {hhmm(later)}（原定 {hhmm(planned)}）")
    await expect(row.locator(".unit-note")).to_have_text("场地积水，推迟开赛")
    await expect(row.locator(".unit-time .planned")).to_have_text(hhmm(planned))
    await expect(row.locator(".unit-time time")).to_have_text(hhmm(later))
    # In start order, at its new time.
    starts = await page.locator(".unit-row time").evaluate_all(
        "times => times.map(time => Date.parse(time.getAttribute('datetime')))")
    assert starts == sorted(starts)
    await assert_on_screen(page, "phone schedule")

    next_day = planned + timedelta(days=1)
    await set_status(ingest, official_token, unit_id, "postponed", next_day, "雷电预警")
    await expect(row).to_have_count(0)  # no longer on this day
    await page.locator("#main .day-tabs a", has_text=re.compile(
        rf"{next_day.astimezone(GAMES_TZ).day}日")).first.click()
    moved = page.locator(f'.unit-row[data-unit="{unit_id}"]')
    await expect(moved).to_have_class(re.compile(r"\bstatus-postponed\b"))
    local = next_day.astimezone(GAMES_TZ)
    await expect(moved.locator(".unit-moved")).to_have_text(
        f"延期至 {local.month}月{local.day}日 {hhmm(local)}（原定 {hhmm(planned)}）")
    await expect(moved.locator(".unit-note")).to_have_text("雷电预警")


async def heats_under_way(stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
                          token: str, tmp_path: Path, prefix: str
                          ) -> tuple[Event, dict[str, Any]]:
    """An event with heats, its entries imported, heat 1 official and heat 2 running; the
    event and heat 1's page."""
    event = claim_event(heats=True)
    imported = import_entries(stack, write_csv(tmp_path / f"{prefix}.csv",
                                               entry_rows(event, prefix)))
    assert imported.returncode == 0, imported.stderr
    heat_one, heat_two = event.units[:2]
    first = await unit_when(broadcast, heat_one.unit_id, "its start list",
                            lambda p: p["start_list"])
    await post_heat(ingest, token, first, 1)
    await set_status(ingest, token, heat_two.unit_id, "running")
    await unit_when(broadcast, heat_two.unit_id, "running",
                    lambda p: p["unit"]["status"] == "running")
    return event, first


async def post_heat(ingest: httpx.AsyncClient, token: str, page: dict[str, Any], heat: int,
                    status: str = "official") -> None:
    entries = [{"rank": place, "bib": row["bib"], "delegation": row["delegation"],
                "competitor": row["competitor"], "mark": f"{10.8 + place / 10 + heat / 100:.2f}"}
               for place, row in enumerate(page["start_list"], start=1)]
    answer = await ingest.post("/v1/results", headers={"Authorization": f"Bearer {token}"},
                               json={"event_id": page["unit"]["event_id"],
                                     "phase": page["unit"]["phase"], "revision": 1,
                                     "status": status, "entries": entries})
    assert answer.status_code == 202, answer.text


async def test_a_unit_page_now_next_and_a_delegations_upcoming_units(
    stack: Stack, open_board: OpenBoard, ingest: httpx.AsyncClient,  # noqa: F811
    broadcast: httpx.AsyncClient, official_token: str, tmp_path: Path,
) -> None:
    event, first = await heats_under_way(stack, ingest, broadcast, official_token, tmp_path, "N")
    heat_one, heat_two, heat_three, final = event.units

    page = await open_board(f"/#/unit/{heat_one.unit_id}")
    unit = page.locator(f'.unit-page[data-unit="{heat_one.unit_id}"]')
    await expect(unit.locator(".page-title")).to_have_text(f"{event.name} · 第1组预赛")
    await expect(unit.locator(".start-list tbody tr")).to_have_count(len(first["start_list"]))
    await expect(unit.locator(".start-list tbody tr").first.locator(".bib")).to_have_text(
        first["start_list"][0]["bib"])
    result_rows = unit.locator(".unit-result tbody tr")
    await expect(result_rows).to_have_count(len(first["start_list"]))
    await expect(result_rows.first.locator(".rank")).to_have_text("1")
    await expect(unit.locator(".unit-badge")).to_have_text("成绩正式")

    # The home view at 2 minutes into heat 2: it is on now, heat 3 and the final are next.
    await at_instant(page, heat_two.starts_at + timedelta(minutes=2), "#/")
    now_next = page.locator(".now-next")
    await expect(now_next.locator(f'.now [data-unit="{heat_two.unit_id}"]')).to_be_visible()
    await expect(now_next.locator(f'.next [data-unit="{heat_three.unit_id}"]')).to_be_visible()
    await expect(now_next.locator(f'[data-unit="{heat_one.unit_id}"]')).to_have_count(0)

    # A delegation's page lists its athletes' units still to be decided: the heat it runs
    # in (by its start list) and the final (entered in the event); not the other heats.
    third = await unit_when(broadcast, heat_three.unit_id, "its start list",
                            lambda p: p["start_list"])
    code = third["start_list"][0]["delegation"]
    await page.evaluate("code => { location.hash = `#/delegation/${code}`; }", code)
    upcoming = page.locator(".delegation-upcoming")
    for item in (heat_three, final):
        await expect(upcoming.locator(f'[data-unit="{item.unit_id}"]')).to_be_visible()
    elsewhere = [unit for unit in (heat_one, heat_two) if code not in
                 {row["delegation"] for row in (await unit_when(
                     broadcast, unit.unit_id, "its start list", lambda p: p["start_list"])
                 )["start_list"]}]
    for item in elsewhere:
        await expect(upcoming.locator(f'[data-unit="{item.unit_id}"]')).to_have_count(0)

    # The big screen's rotation has now / next too.
    big = await open_board("/?screen=big&rotate=now,medals:all&dwell=5", viewport=BIG)
    await at_instant(big, heat_two.starts_at + timedelta(minutes=2), "#/")
    await expect(big.locator(f'.slide[data-slide="now"] .now [data-unit="{heat_two.unit_id}"]'))\
        .to_be_visible()
    await assert_on_screen(big, "big now / next", vertical=True)
    await expect(big.locator("#app")).to_have_attribute("data-slide", "medals:all",
                                                        timeout=12_000)


async def test_schedule_screenshots(
    stack: Stack, open_board: OpenBoard, ingest: httpx.AsyncClient,  # noqa: F811
    broadcast: httpx.AsyncClient, official_token: str, tmp_path: Path,
) -> None:
    """The schedule on a phone and now / next on the big screen, with heats run, a heat
    running, a delay and a postponement. Written to tmp_path, or to docs/screenshots/ with
    PODIUM_BOARD_SCREENSHOTS=1."""
    target = REPO_ROOT / "docs" / "screenshots" if SCREENSHOT_DIR else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    event, first = await heats_under_way(stack, ingest, broadcast, official_token, tmp_path, "S")
    heat_one, heat_two, heat_three, final = event.units
    await set_status(ingest, official_token, heat_three.unit_id, "delayed",
                     heat_three.starts_at + timedelta(minutes=20), "起点发令枪故障，更换中")
    await set_status(ingest, official_token, final.unit_id, "postponed",
                     note="雷电预警，决赛时间另行通知")
    await unit_when(broadcast, heat_three.unit_id, "delayed",
                    lambda p: p["unit"]["status"] == "delayed")
    instant = heat_two.starts_at + timedelta(minutes=3)
    day = instant.astimezone(GAMES_TZ).date()

    # By delegation: one that runs in heats 1 and 3, so its day shows a heat run, the
    # delayed heat and the postponed final.
    third = await unit_when(broadcast, heat_three.unit_id, "its start list",
                            lambda p: p["start_list"])
    code = next(row["delegation"] for row in third["start_list"]
                if row["delegation"] in {entry["delegation"] for entry in first["start_list"]})
    route = f"#/schedule/{day}/delegation/{code}"
    phone = await open_board(f"/{route}", viewport=PHONE)
    await at_instant(phone, instant, route)
    await expect(phone.locator(f'.unit-row[data-unit="{heat_three.unit_id}"]')).to_have_class(
        re.compile(r"\bstatus-delayed\b"))
    await expect(phone.locator(f'.unit-row[data-unit="{final.unit_id}"]')).to_have_class(
        re.compile(r"\bstatus-postponed\b"))
    await phone.screenshot(path=target / "board-phone-schedule.png", full_page=True)
    await at_instant(phone, instant, f"#/unit/{heat_one.unit_id}")
    await expect(phone.locator(".unit-result tbody tr").first).to_be_visible()
    await phone.screenshot(path=target / "board-phone-unit.png", full_page=True)

    big = await open_board("/?screen=big&rotate=now", viewport=BIG)
    await at_instant(big, instant, "#/")
    await expect(big.locator(f'.now [data-unit="{heat_two.unit_id}"]')).to_be_visible()
    await big.screenshot(path=target / "board-big-now.png")
    for name in ("board-phone-schedule.png", "board-phone-unit.png", "board-big-now.png"):
        assert (target / name).stat().st_size > 10_000

