# Chinese texts on the page use full-width punctuation.
"""The officials' entry page (GET /enter on ingest) in headless Chromium, on a phone-sized
screen, against the running system: sign in, enter, see a problem next to its field, fix it,
submit, and find the result in the tables; and what happens when the venue's network drops.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Route,
    ViewportSize,
    expect,
)

from launcher.stack import Stack
from tests.flow.events import claim_event, record_marks
from tests.flow.test_ingest_api import bearer, new_token
from tests.flow.test_scoring_events import event_at

pytestmark = pytest.mark.flow

PHONE: ViewportSize = {"width": 390, "height": 844}
# Bounds for a stuck page, not speed requirements; the page retries every 5 s.
WAIT_MS = 20_000

SignedIn = Callable[[str], Awaitable[Page]]


@pytest.fixture
async def context(chromium: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh phone (empty localStorage); the test fails on any error on the page."""
    context = await chromium.new_context(viewport=PHONE, locale="zh-CN",
                                         timezone_id="Asia/Shanghai", has_touch=True)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    await context.close()
    assert not errors, f"errors on the page: {errors}"


@pytest.fixture
def sign_in(stack: Stack, context: BrowserContext) -> SignedIn:
    async def signed_in(token: str) -> Page:
        page = await context.new_page()
        await page.goto(stack.url("ingest") + "/enter")
        await expect(page.locator("h1")).to_have_text("成绩录入")
        await page.locator("#token").fill(token)
        await page.get_by_role("button", name="登录").click()
        await expect(page.locator("#workspace")).to_be_visible()
        return page
    return signed_in


async def pick_event(page: Page, event_id: str) -> None:
    await page.locator("#event").select_option(event_id)
    await expect(page.locator("#result-form")).to_be_visible()  # filled with its current result


async def fill_row(page: Page, row: int, rank: str, delegation: str, competitor: str,
                   mark: str = "") -> None:
    entry = page.locator(".entry-row").nth(row)
    await entry.locator("[name=rank]").fill(rank)
    await entry.locator("[name=delegation]").select_option(delegation)
    await entry.locator("[name=competitor]").fill(competitor)
    await entry.locator("[name=mark]").fill(mark)


async def stored(ingest: httpx.AsyncClient, token: str, event_id: str) -> list[dict[str, Any]]:
    history = await ingest.get(f"/v1/events/{event_id}/history", headers=bearer(token))
    revisions: list[dict[str, Any]] = history.json()["revisions"]
    return revisions


async def test_an_official_fixes_the_problem_shown_at_its_field_and_the_result_is_counted(
    stack: Stack, sign_in: SignedIn, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    token = new_token(stack, "official", "--name", "裁判 孙", "--venue", event.venue)
    page = await sign_in(token)
    await expect(page.locator("#holder")).to_contain_text("裁判 孙")
    # Only this venue's events are offered.
    offered = await page.locator("#event option").evaluate_all(
        "options => options.map(option => option.value).filter(Boolean)")
    assert event.id in offered
    listing = (await ingest.get("/v1/my/events", headers=bearer(token))).json()
    assert offered == [item["id"] for item in listing["events"]]

    await pick_event(page, event.id)
    await expect(page.locator("#next-revision")).to_have_text("本次提交为第 1 版。")
    # Phone-sized: nothing sticks out sideways.
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.locator("#result-status").select_option("official")
    await fill_row(page, 0, "1", "qinyang", "李明", "10.91")
    await fill_row(page, 1, "2", "mengzhou", "王强", "11.02")
    await fill_row(page, 2, "4", "wuzhi", "赵刚", "11.20")  # 4th of three: should be 3
    await page.locator("#submit").click()

    third = page.locator(".entry-row").nth(2)
    await expect(third.locator(".field-error[data-field=rank]")).to_have_text(
        "名次 4 应为 3：前面已有 2 个条目")
    await expect(third.locator("[name=rank]")).to_have_class(re.compile(r"\binvalid\b"))
    assert await page.locator(".field-error:not(:empty)").count() == 1
    assert await stored(ingest, token, event.id) == []

    await third.locator("[name=rank]").fill("3")
    await page.locator("#submit").click()
    await expect(page.locator("#accepted")).to_contain_text(f"已接受：{event.name} 第 1 版")
    assert await page.locator(".field-error:not(:empty)").count() == 0

    document = await event_at(broadcast, event.id, 1)
    assert [(e["delegation"], e["competitor"], e["mark"], e["medal"])
            for e in document["entries"]] == [
        ("qinyang", "李明", "10.91", "gold"), ("mengzhou", "王强", "11.02", "silver"),
        ("wuzhi", "赵刚", "11.20", None)]  # three starters: places 1-2 only
    assert document["history"][0]["entered_by"] == "裁判 孙"
    await page.locator("#history summary").click()
    await expect(page.locator("#history-list li").first).to_contain_text("裁判 孙")
    await expect(page.locator("#next-revision")).to_have_text("本次提交为第 2 版。")


async def test_a_submission_waits_while_the_network_is_cut_and_is_sent_when_it_returns(
    stack: Stack, sign_in: SignedIn, context: BrowserContext, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient,
) -> None:
    event = claim_event()
    token = new_token(stack, "official", "--name", "裁判 周")
    page = await sign_in(token)
    await pick_event(page, event.id)
    await fill_row(page, 0, "1", "xiuwu", "孙宇")
    await fill_row(page, 1, "2", "boai", "陈晨")

    await context.set_offline(True)
    await page.locator("#submit").click()
    outbox = page.locator("#outbox")
    await expect(outbox).to_be_visible()
    await expect(page.locator("#outbox-title")).to_have_text("未发送的提交：1 条")
    await expect(page.locator("#outbox-list li")).to_contain_text("等待网络")
    await expect(page.locator("#network")).to_be_visible()
    kept = await page.evaluate("JSON.parse(localStorage.getItem('podium.enter.outbox'))")
    assert [item["body"]["event_id"] for item in kept] == [event.id]
    assert await stored(ingest, token, event.id) == []  # the test's own network is up

    await context.set_offline(False)
    await expect(outbox).to_be_hidden(timeout=WAIT_MS)
    await expect(page.locator("#accepted")).to_contain_text("第 1 版")
    assert await page.evaluate("localStorage.getItem('podium.enter.outbox')") == "[]"
    document = await event_at(broadcast, event.id, 1)
    assert [e["competitor"] for e in document["entries"]] == ["孙宇", "陈晨"]
    assert document["status"] == "provisional"


async def test_an_answer_lost_on_the_way_back_is_resent_and_counted_once(
    stack: Stack, sign_in: SignedIn, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    token = new_token(stack, "official", "--name", "裁判 吴")
    page = await sign_in(token)
    await pick_event(page, event.id)
    await fill_row(page, 0, "1", "wenxian", "周杰", "2:01.5")
    await page.locator("#result-status").select_option("official")

    async def lose_the_answer(route: Route) -> None:
        # The server gets the submission and stores it; the answer never reaches the phone.
        await route.fetch()
        await route.abort("internetdisconnected")
    await page.route("**/v1/results", lose_the_answer, times=1)

    await page.locator("#submit").click()
    await expect(page.locator("#outbox-list li")).to_contain_text("等待网络")
    assert [r["revision"] for r in await stored(ingest, token, event.id)] == [1]
    # Resent by itself, the very same body is answered 200: the first answer.
    await expect(page.locator("#accepted")).to_contain_text(
        "已接受（此前已收到，不会重复计算）", timeout=WAIT_MS)
    await expect(page.locator("#outbox")).to_be_hidden()
    document = await event_at(broadcast, event.id, 1)
    assert [item["revision"] for item in document["history"]] == [1]
    assert [r["revision"] for r in await stored(ingest, token, event.id)] == [1]


async def test_suspicious_entries_are_confirmed_before_they_are_sent(
    stack: Stack, sign_in: SignedIn, ingest: httpx.AsyncClient
) -> None:
    event = claim_event(record=True)
    token = new_token(stack, "official", "--name", "裁判 郑")
    page = await sign_in(token)
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("h1")).to_have_text("Result entry")
    await pick_event(page, event.id)
    # A record claim stands only on a mark that breaks the record (docs/records.md).
    first, second = record_marks(event, 2)
    await fill_row(page, 0, "1", "qinyang", "李明", first)
    await fill_row(page, 1, "2", "mengzhou", "李明", second)  # the same name, another delegation
    await page.locator(".entry-row").nth(0).locator("[name=record]").select_option("games")
    await page.locator("#submit").click()

    warnings = page.locator("#confirm-list li")
    await expect(warnings).to_have_text([
        "“李明” is listed 2 times (rows 1, 2)", "Row 1, 李明: Games record"])
    await page.get_by_role("button", name="Go back").click()
    await expect(page.locator("#confirm")).to_be_hidden()
    assert await stored(ingest, token, event.id) == []

    await page.locator("#submit").click()
    await page.get_by_role("button", name="Submit anyway").click()
    await expect(page.locator("#accepted")).to_contain_text(f"Accepted: {event.name_en} revision 1")
    [revision] = await stored(ingest, token, event.id)
    assert revision["entries"][0]["record"] == "games"


# --- the page's own protection: headers on every file, nothing left behind at sign-out -----

ENTER_FILES = ["/enter", "/enter/", "/enter/index.html", "/enter/enter.js", "/enter/enter.css"]


@pytest.mark.parametrize("path", ENTER_FILES)
async def test_every_file_of_the_page_carries_its_protection(
    ingest: httpx.AsyncClient, path: str
) -> None:
    answer = await ingest.get(path)
    assert answer.status_code == 200, path
    csp = answer.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
    assert answer.headers.get("x-content-type-options") == "nosniff", path
    assert answer.headers.get("referrer-policy") == "no-referrer", path


@pytest.mark.parametrize("path", ["/enter", "/enter/index.html"])
async def test_the_page_cannot_be_framed_nor_run_injected_script(
    stack: Stack, context: BrowserContext, path: str
) -> None:
    page = await context.new_page()
    await page.goto(stack.url("ingest") + path)
    await expect(page.locator("h1")).to_have_text("成绩录入")
    # Script that got into the page some other way does not run under the CSP.
    ran = await page.evaluate("""() => new Promise((resolve) => {
        window.__injected = false;
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.append(script);
        setTimeout(() => resolve(window.__injected), 200);
    })""")
    assert ran is False
    # Another site framing the page (to overlay it and steal a click) gets nothing.
    framing = await context.new_page()
    await framing.route("http://other.example/", lambda route: route.fulfill(
        content_type="text/html",
        body=f'<iframe src="{stack.url("ingest")}{path}"></iframe>'))
    await framing.goto("http://other.example/")
    frame = await (await framing.wait_for_selector("iframe")).content_frame()
    assert frame is not None
    await frame.wait_for_load_state()
    # Chromium shows its own error page in the frame instead.
    assert not frame.url.startswith(stack.url("ingest")), frame.url
    assert await frame.locator("#token").count() == 0


async def test_signing_out_leaves_no_token_in_the_browser(
    stack: Stack, sign_in: SignedIn, context: BrowserContext
) -> None:
    event = claim_event(any_measure=True)  # nothing is sent, no mark typed
    token = new_token(stack, "official", "--name", "裁判 冯")
    page = await sign_in(token)
    await pick_event(page, event.id)
    await fill_row(page, 0, "1", "qinyang", "李明")
    await context.set_offline(True)
    await page.locator("#submit").click()
    await expect(page.locator("#outbox-title")).to_have_text("未发送的提交：1 条")
    # A submission rejected earlier, kept with the token it was sent with.
    await page.evaluate("""(token) => localStorage.setItem("podium.enter.rejected",
        JSON.stringify([{id: "r1", token, body: {event_id: "x", revision: 1, entries: []},
                         rowOf: [], problem: {detail: "no"}}]))""", token)

    # Unsent submissions are not thrown away without asking.
    questions: list[str] = []

    async def answer(dialog: Dialog, accept: bool) -> None:
        questions.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    await page.locator("#signout").click()
    await expect(page.locator("#workspace")).to_be_visible()
    assert "1" in questions[0]
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    await page.locator("#signout").click()
    await expect(page.locator("#signin")).to_be_visible()
    await expect(page.locator("#outbox")).to_be_hidden()
    assert token not in await page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert set(await page.evaluate("Object.keys(localStorage)")) <= {"podium.enter.lang"}

    # Back online, nothing is sent under the old token.
    await context.set_offline(False)
    await page.reload()
    await expect(page.locator("#signin")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('podium.enter.outbox')") is None
