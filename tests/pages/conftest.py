"""One headless Debian Chromium for every page test (Playwright never downloads one)."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

# Without the background-networking flags Chromium keeps calling out to hosts this
# machine cannot reach; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()
