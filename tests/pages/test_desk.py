# Chinese texts on the page use full-width punctuation.
"""The results desk (GET /desk on ingest) in headless Chromium against the running system: a
unit whose start has passed without a result shows as late; a recorder's result awaiting
confirmation is confirmed from the desk and the tables move; a token is made (its secret
shown once, with a QR code that signs the entry page in) and revoked; and the entry page,
where a recorder sees what awaits confirmation and a referee confirms it with one tap."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from shared.domain.games import Event
from shared.domain.schedule import GAMES_TIMEZONE
from tests.flow.events import claim_event
from tests.flow.test_ingest_api import bearer, new_token, result
from tests.flow.test_scoring_events import (
    add_medals,
    event_at,
    eventually,
    medal_counts,
    plus,
    table,
)
from tests.pages.test_entry_page import PHONE

pytestmark = pytest.mark.flow

LAPTOP: ViewportSize = {"width": 1366, "height": 900}
WAIT_MS = 20_000  # a bound for a stuck page, not a speed requirement
# PODIUM_DESK_SCREENSHOTS=1 writes the pictures of docs/officials.md into docs/screenshots/.
SCREENSHOT_DIR = os.environ.get("PODIUM_DESK_SCREENSHOTS")


@pytest.fixture
async def context(chromium: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh laptop (empty localStorage); the test fails on any error on the page."""
    context = await chromium.new_context(viewport=LAPTOP, locale="zh-CN",
                                         timezone_id="Asia/Shanghai")
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    await context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture(scope="module")
def admin(stack: Stack) -> str:
    return new_token(stack, "admin", "--name", "成绩处 刘")


async def desk(stack: Stack, context: BrowserContext, admin: str) -> Page:
    page = await context.new_page()
    await page.goto(stack.url("ingest") + "/desk")
    await expect(page.locator("h1")).to_have_text("成绩处控制台")
    await page.locator("#token").fill(admin)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#workspace")).to_be_visible()
    return page


def day_of(event: Event) -> str:
    return event.scheduled_at.astimezone(GAMES_TIMEZONE).date().isoformat()


async def show_day(page: Page, event: Event) -> None:
    await page.locator("#day").select_option(day_of(event))
    await expect(page.locator(f'tr.unit[data-unit="{event.id}/final"]')).to_be_visible(
        timeout=WAIT_MS)


async def test_a_unit_past_its_start_without_a_result_shows_as_late(
    stack: Stack, context: BrowserContext, admin: str
) -> None:
    event = claim_event()  # the games are in 2024: every start has passed
    page = await desk(stack, context, admin)
    await show_day(page, event)
    row = page.locator(f'tr.unit[data-unit="{event.id}/final"]')
    await expect(row).to_have_attribute("data-state", "late")
    await expect(row.locator(".badge")).to_have_text("逾时未报")
    venue = page.locator(f'section.venue[data-venue="{event.venue}"]')
    await expect(venue.locator(".count.state-late")).to_contain_text("逾时未报")
    await row.locator("a.unit-link").click()
    await expect(page.locator("#unit-title")).to_have_text(event.name)
    await expect(page.locator("#unit-current")).to_have_text("尚无成绩")
    await expect(page.locator("#confirm-unit")).to_be_hidden()
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("#unit-title")).to_have_text(event.name_en)


async def test_a_confirmation_from_the_desk_moves_the_tables(
    stack: Stack, context: BrowserContext, admin: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient,
) -> None:
    event = claim_event()
    recorder = new_token(stack, "recorder", "--venue", event.venue, "--name", "记录员 赵")
    before = medal_counts((await table(broadcast, "medals"))["rows"])
    first = result(event.id, status="provisional")
    assert (await ingest.post("/v1/results", json=first, headers=bearer(recorder))).status_code \
        == 202
    corrected = result(event.id, 2, note="终点摄像复核")
    corrected["entries"][2]["mark"] = "11.20"
    answer = await ingest.post("/v1/results", json=corrected, headers=bearer(recorder))
    assert answer.json()["awaiting_confirmation"] is True
    await event_at(broadcast, event.id, 2)

    # The public board shows it as awaiting confirmation, its medals not yet given.
    board = await context.new_page()
    await board.goto(f"{stack.url('broadcast')}/#/event/{event.id}")
    event_page = board.locator(f'.event-page[data-event="{event.id}"]')
    await expect(event_page.locator(".badge.status-unofficial").first).to_have_text("待确认")
    await expect(event_page.locator(".medal-badge")).to_have_count(0)

    page = await desk(stack, context, admin)
    await show_day(page, event)
    row = page.locator(f'tr.unit[data-unit="{event.id}/final"]')
    await expect(row).to_have_attribute("data-state", "awaiting")
    await expect(page.locator('#totals li[data-state="awaiting"]')).not_to_have_text(
        "待确认 0")
    await row.locator("a.unit-link").click()
    await expect(page.locator("#unit-current")).to_contain_text("第 2 版（待确认），记录员 赵")
    await expect(page.locator("#unit-current tbody tr")).to_have_count(4)
    # The audit trail: both revisions, newest first, what changed marked.
    history = page.locator("#unit-history > li")
    await expect(history).to_have_count(2)
    await expect(history.first).to_contain_text("结果状态：临时 → 正式")  # as entered
    await expect(history.first.locator("td.changed")).to_have_text(["11.20"])
    if SCREENSHOT_DIR:
        await page.screenshot(path=_shots() / "desk-unit.png", full_page=True)
    await page.locator("#confirm-unit").click()
    await expect(page.locator("#unit-done")).to_have_text(
        "已确认：第 2 版，计入奖牌榜和总分榜", timeout=WAIT_MS)

    expected = plus(before, {"qinyang": "gold", "mengzhou": "silver", "wuzhi": "bronze"},
                    add_medals)

    async def moved() -> bool | None:
        counts = medal_counts((await table(broadcast, "medals"))["rows"])
        return True if counts == expected else None
    await eventually(moved, "the tables counting the result confirmed on the desk")
    await expect(event_page.locator(".badge.status-official").first).to_have_text("正式成绩",
                                                                                timeout=WAIT_MS)
    await expect(history.first.locator(".checks li")).to_contain_text("确认：成绩处 刘")
    await page.locator("a.back").click()
    await expect(row).to_have_attribute("data-state", "done", timeout=WAIT_MS)


async def test_a_token_is_made_handed_over_by_qr_code_and_revoked_on_the_desk(
    stack: Stack, chromium: Browser, context: BrowserContext, admin: str,
    ingest: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event = claim_event()
    page = await desk(stack, context, admin)
    await page.locator(".tabs a[href='#tokens']").click()
    await page.locator("#new-role").select_option("recorder")
    await page.locator("#new-name").fill("记录员 钱")
    await page.locator("#new-venues").select_option(event.venue)
    await page.locator("#new-expires").fill("2099-09-30")
    await page.get_by_role("button", name="生成令牌").click()
    await expect(page.locator("#created")).to_be_visible()
    secret = await page.locator("#created-secret").text_content()
    assert secret is not None and secret.startswith("pdr_")
    qr = page.locator("#created-qr svg")
    await expect(qr).to_be_visible()
    shot = tmp_path / "qr.png"
    await qr.screenshot(path=shot)
    [decoded] = zxingcpp.read_barcodes(Image.open(shot))
    assert decoded.text == f"{stack.url('ingest')}/enter#token={secret}"
    if SCREENSHOT_DIR:
        await page.screenshot(path=_shots() / "desk-tokens.png")

    row = page.locator("#token-table tr.token").first
    await expect(row).to_contain_text("记录员 钱")
    await expect(row).to_contain_text("成绩处 刘")
    mine = await ingest.get("/v1/my/events", headers=bearer(secret))
    assert mine.status_code == 200 and mine.json()["holder"]["role"] == "recorder"

    # Scanned on a phone, the entry page opens signed in, the secret gone from the address.
    phone = await chromium.new_context(viewport=PHONE, locale="zh-CN")
    entry = await phone.new_page()
    await entry.goto(decoded.text)
    await expect(entry.locator("#holder")).to_contain_text("记录员：记录员 钱")
    assert "#token" not in entry.url
    await phone.close()

    await page.get_by_role("button", name="已交给持有人，关闭").click()
    await expect(page.locator("#created")).to_be_hidden()
    await row.get_by_role("button", name="撤销").click()
    await row.get_by_role("button", name="确认撤销").click()
    await expect(row).to_have_attribute("data-state", "revoked")
    await expect(row).to_contain_text("已于")
    answer = await ingest.get("/v1/my/events", headers=bearer(secret))
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]


async def test_a_recorder_sees_what_awaits_and_a_referee_confirms_it_with_one_tap(
    stack: Stack, chromium: Browser, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    recorder, referee = (new_token(stack, role, "--venue", event.venue, "--name", name)
                         for role, name in (("recorder", "记录员 孙"), ("referee", "裁判长 李")))
    answer = await ingest.post("/v1/results", json=result(event.id), headers=bearer(recorder))
    assert answer.json()["awaiting_confirmation"] is True
    phone = await chromium.new_context(viewport=PHONE, locale="zh-CN",
                                       timezone_id="Asia/Shanghai", has_touch=True)
    try:
        for token in (recorder, referee):
            page = await phone.new_page()
            await page.goto(f"{stack.url('ingest')}/enter#token={token}")
            item = page.locator(f'#awaiting-list li[data-event="{event.id}"]')
            await expect(item).to_be_visible(timeout=WAIT_MS)
            # Exactly what was entered: every line, as it was sent.
            await expect(item.locator("tbody tr")).to_have_count(4)
            await expect(item.locator("tbody tr").first).to_contain_text("沁阳市")
            await expect(item.locator("tbody tr").first).to_contain_text("10.91")
            if token == recorder:
                await expect(item).to_contain_text("本条由您录入，等待另一位裁判长确认")
                await expect(item.locator("button")).to_have_count(0)
        # The referee's phone: one tap.
        if SCREENSHOT_DIR:
            await page.screenshot(path=_shots() / "enter-awaiting.png")
        await item.get_by_role("button", name="确认无误（第 1 版）").tap()
        await expect(page.locator("#awaiting-help")).to_have_text(
            f"已确认：{event.name} 第 1 版，已计入成绩", timeout=WAIT_MS)
        await expect(item).to_be_hidden()
    finally:
        await phone.close()
    document = await event_at(broadcast, event.id, 1)

    async def official() -> bool | None:
        body = (await broadcast.get(f"/v1/events/{event.id}")).json()
        return True if body["status"] == "official" else None
    await eventually(official, "the result confirmed on the phone official")
    assert document["history"][0]["entered_by"] == "记录员 孙"


async def test_the_progress_of_a_day_for_the_docs(
    stack: Stack, context: BrowserContext, admin: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    """The desk's first view on a day with every state: written to tmp_path, or with
    PODIUM_DESK_SCREENSHOTS=1 to docs/screenshots/desk-progress.png."""
    events = [claim_event() for _ in range(3)]
    entering = new_token(stack, "admin", "--name", "成绩处 陈")
    recorder = new_token(stack, "recorder", "--name", "记录员 周")
    posts = [(events[0], entering, "official"), (events[1], recorder, "official"),
             (events[2], entering, "provisional")]
    for event, token, status in posts:
        answer = await ingest.post("/v1/results", json=result(event.id, status=status),
                                   headers=bearer(token))
        assert answer.status_code == 202, answer.text
        await event_at(broadcast, event.id, 1)
    review = await ingest.post(f"/v1/results/{events[0].id}/1/review",
                               headers=bearer(admin), json={"note": "武陟代表团对第三名提出申诉"})
    assert review.status_code == 202, review.text
    page = await desk(stack, context, admin)
    await show_day(page, events[0])
    states = {event.id: await page.locator(f'tr.unit[data-unit="{event.id}/final"]')
              .get_attribute("data-state") for event in events
              if day_of(event) == day_of(events[0])}
    assert states[events[0].id] == "review"
    target = _shots() if SCREENSHOT_DIR else tmp_path
    await page.screenshot(path=target / "desk-progress.png")
    assert (target / "desk-progress.png").stat().st_size > 10_000


def _shots() -> Path:
    target = REPO_ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target
