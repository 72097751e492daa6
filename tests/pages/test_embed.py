"""The embeds in headless Chromium, as a media website shows them: inside iframes of a page
served from another origin (a second local server), updating live as results are posted;
and the transparent overlay for OBS."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, FrameLocator, Page, expect

from launcher.process import free_port
from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT
from tests.pages.test_board import fresh_event, podium, post_result

pytestmark = pytest.mark.flow

# The same switch as the board's pictures: docs/screenshots/ instead of a temporary folder.
SCREENSHOT_DIR = os.environ.get("PODIUM_BOARD_SCREENSHOTS")

HOST_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>焦作日报 · 市运会专题</title>
<style>
  body {{ margin: 0; font-family: "Noto Sans CJK SC", sans-serif; background: #f4f1ea; }}
  header {{ background: #8b0000; color: #fff; padding: 12px 24px; font-size: 22px; }}
  main {{ display: flex; gap: 24px; padding: 24px; align-items: flex-start; }}
  iframe {{ border: 1px solid #d8d2c4; background: #fff; }}
  .video {{ width: 600px; height: 640px; border-radius: 8px;
            background: linear-gradient(135deg, #1f6f3f, #0d3b22 60%, #214d7a); }}
  .video iframe {{ border: 0; background: transparent; }}
</style></head>
<body><header>焦作日报 · 市运会专题 (a media website on another origin)</header>
<main>
  <iframe id="medals" title="奖牌榜" src="{broadcast}/embed/medals?group={group}"
          width="430" height="640"></iframe>
  <iframe id="results" title="最新成绩" src="{broadcast}/embed/results"
          width="400" height="640"></iframe>
  <div class="video"><iframe id="overlay" title="直播叠加" allowtransparency="true"
          src="{broadcast}/embed/points?group=all&overlay=1" width="600" height="640"></iframe>
  </div>
</main></body></html>
"""


# The change highlight (board.css `flash`) has run its course.
FADED = ("() => document.getAnimations().every(animation =>"
         " animation.animationName !== 'flash' || animation.playState === 'finished')")


@pytest.fixture(scope="module")
def media_site(stack: Stack) -> Iterator[str]:
    """A media website's page with the embeds, served from another origin (another host
    name and port than broadcast's); `/?group=CODE` names the medal table's group."""

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            group = parse_qs(urlsplit(self.path).query).get("group", ["all"])[0]
            page = HOST_PAGE.format(broadcast=stack.url("broadcast"), group=group).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def context(chromium: Browser) -> AsyncIterator[BrowserContext]:
    context = await chromium.new_context(viewport={"width": 1560, "height": 760},
                                         locale="zh-CN", timezone_id="Asia/Shanghai")
    yield context
    await context.close()


async def open_site(context: BrowserContext, url: str, problems: list[str]) -> Page:
    page = await context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    await page.goto(url)
    return page


async def live(frame: FrameLocator | Page) -> None:
    await expect(frame.locator("body")).to_have_attribute("data-connection", "live",
                                                          timeout=15_000)


async def test_the_embeds_update_live_inside_another_sites_frames(
    context: BrowserContext, media_site: str, ingest: httpx.AsyncClient, official_token: str,
    tmp_path: Path,
) -> None:
    problems: list[str] = []
    event = fresh_event(group="youth")  # of another group once the suite used them all
    page = await open_site(context, f"{media_site}?group={event.group}", problems)
    medals, results = page.frame_locator("#medals"), page.frame_locator("#results")
    await live(medals)
    await live(results)
    gold = medals.locator(f'[data-channel="medals:{event.group}"] tr[data-delegation="xiuwu"]'
                          ' td[data-field="gold"]')
    before = int(await gold.inner_text())

    await post_result(ingest, official_token, event.id,
                      podium("xiuwu", "qinyang", "boai", "wuzhi", marks=("12.01", "12.30")))
    # Bounds for a stuck system, not speed: the whole suite may be keeping the machine busy.
    await expect(gold).to_have_text(str(before + 1), timeout=60_000)
    card = results.locator(f'article[data-event="{event.id}"]')
    await expect(card).to_contain_text("12.01", timeout=60_000)
    await expect(card).to_contain_text("修武县")
    # Links leave the frame for the full board, in a new tab.
    link = medals.locator(".embed-foot a")
    assert await link.get_attribute("target") == "_blank"
    assert (await link.get_attribute("href")) == f"/#/medals/{event.group}"

    overlay = page.frame_locator("#overlay")
    await live(overlay)
    await expect(overlay.locator('[data-channel="points:all"] tbody tr')).to_have_count(11)
    target = REPO_ROOT / "docs" / "screenshots" if SCREENSHOT_DIR else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    for frame in page.frames[1:] if SCREENSHOT_DIR else ():  # the docs' picture unhighlighted
        await frame.wait_for_function(FADED, timeout=15_000)
    await page.screenshot(path=target / "media-embed.png")
    assert (target / "media-embed.png").stat().st_size > 10_000
    assert problems == []  # no script error, no refused frame or connection


async def test_the_overlay_is_transparent_with_only_the_table(
    context: BrowserContext, stack: Stack
) -> None:
    problems: list[str] = []
    page = await open_site(context, stack.url("broadcast") + "/embed/medals?overlay=1&lang=en",
                           problems)
    await live(page)
    backgrounds = await page.evaluate(
        "[document.documentElement, document.body].map("
        "element => getComputedStyle(element).backgroundColor)")
    assert backgrounds == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]
    await expect(page.locator(".embed-head")).to_be_hidden()
    await expect(page.locator(".embed-foot")).to_be_hidden()
    await expect(page.locator('[data-channel="medals:all"] caption')).to_contain_text(
        "Medal")
    assert problems == []
