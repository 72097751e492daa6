# Chinese texts on the page use full-width punctuation.
"""A team tournament on the board in headless Chromium against the running system: the
day's matches with a live score, the pool tables and the bracket updating live as matches
are posted through ingest, the big screen's slide of the day's matches; and their
screenshots (desktop, phone, big screen)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from shared.adapters.settings import REPO_ROOT
from tests.flow.test_tournament import FINISH, match, pool_matches
from tests.games import TOURNAMENT_ID
from tests.pages.test_board import (  # noqa: F401 - open_board is a fixture
    BIG,
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    OpenBoard,
    assert_on_screen,
    open_board,
)
from tests.pages.test_board_schedule import GAMES_TZ, at_instant

pytestmark = pytest.mark.flow

# The pools' day, mid-morning: the board's "today" is the clock's.
POOL_DAY = datetime(2024, 9, 21, 10, 0, tzinfo=GAMES_TZ)


async def post(ingest: httpx.AsyncClient, token: str, body: dict[str, object]) -> None:
    answer = await ingest.post("/v1/results", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 202, answer.text


def row(page: Page, pool: str, delegation: str) -> object:
    return page.locator(f'.pool-table[data-pool="{pool}"] tr[data-delegation="{delegation}"]')


async def test_pool_tables_and_bracket_follow_the_matches_live(
    open_board: OpenBoard, ingest: httpx.AsyncClient, official_token: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    target = REPO_ROOT / "docs" / "screenshots" if SCREENSHOT_DIR else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page = await open_board("/", viewport=DESKTOP)
    await at_instant(page, POOL_DAY, f"#/event/{TOURNAMENT_ID}")
    section = page.locator(f'.tournament[data-event="{TOURNAMENT_ID}"]')
    await expect(section.locator(".pool-table")).to_have_count(2)
    sf1 = section.locator('.bracket .match[data-phase="sf-1"]')
    await expect(sf1.locator(".side").first).to_have_attribute("data-slot", "A1")
    await expect(sf1.locator(".side").first).to_have_attribute("data-delegation", "")

    first, *others = pool_matches(FINISH)
    # A score while the first match is played: on the day's list at once, marked live; the
    # table counts only official results.
    await post(ingest, official_token, {**first, "status": "provisional", "match": {
        **first["match"], "score": {"total": [20, 18], "periods": [[20, 18]]}}})
    today = section.locator('.day-matches .match[data-phase="pool-A-m1"]')
    await expect(today.locator(".badge.live")).to_have_text("进行中")
    await expect(today.locator('.side[data-delegation="jiefang"] .score')).to_have_text(" 20")
    await expect(row(page, "A", "jiefang").locator("td").nth(1)).to_have_text("0")

    await post(ingest, official_token, {**first, "revision": 2})
    await expect(row(page, "A", "jiefang").locator(".points")).to_have_text("2")
    await expect(section.locator('.pool-table[data-pool="A"] tbody tr').first).to_have_attribute(
        "data-delegation", "jiefang")
    for body in others:
        await post(ingest, official_token, body)
    # Both pools complete: the semi-finals' slots fill, live.
    await expect(sf1.locator(".side").first).to_have_attribute("data-delegation", "jiefang")
    await expect(sf1.locator(".side").nth(1)).to_have_attribute("data-delegation", "xiuwu")
    await expect(section.locator('.pool-table[data-pool="B"]')).to_have_attribute(
        "data-complete", "true")
    await expect(row(page, "B", "qinyang").locator(".points")).to_have_text("6")
    await page.screenshot(path=target / "board-desktop-tournament.png", full_page=True)

    # The knockout day: a semi-final's live score on the day's list and in the bracket.
    knockout_day = POOL_DAY.replace(day=22, hour=14, minute=30)
    await post(ingest, official_token, {**match("sf-1", "jiefang", "xiuwu", (33, 30)),
                                        "status": "provisional"})
    phone = await open_board("/", viewport=PHONE)
    await at_instant(phone, knockout_day, f"#/event/{TOURNAMENT_ID}")
    live = phone.locator('.day-matches .match[data-phase="sf-1"]')
    await expect(live.locator(".badge.live")).to_be_visible()
    await expect(live.locator('.side[data-delegation="xiuwu"] .score')).to_have_text(" 30")
    await assert_on_screen(phone, "a tournament on a phone")
    await phone.screenshot(path=target / "board-phone-tournament.png", full_page=True)

    big = await open_board(f"/?screen=big&rotate=matches:{TOURNAMENT_ID}", viewport=BIG)
    await at_instant(big, knockout_day, "#/")  # a new hash renders the slide again
    slide = big.locator(f'.slide[data-slide="matches:{TOURNAMENT_ID}"]')
    semi = slide.locator('.day-matches .match[data-phase="sf-1"]')
    await expect(semi.locator(".badge.live")).to_be_visible()
    await expect(slide.locator(".day-matches .match")).to_have_count(8)
    await assert_on_screen(big, "the day's matches on the big screen", vertical=True)
    await big.screenshot(path=target / "board-big-matches.png")
