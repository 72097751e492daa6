# Chinese texts on the page use full-width punctuation.
"""The entry page enters a heat against its start list (秩序册) in headless Chromium, on a
phone: the competitors are listed, the official types only ranks and marks, DNS is one tap,
and the result names every competitor by bib."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from launcher.stack import Stack
from tests.flow.events import claim_event
from tests.flow.schedule_support import (
    entry_rows,
    import_entries,
    start_list_bibs,
    unit_when,
    write_csv,
)
from tests.flow.test_ingest_api import new_token
from tests.pages.test_entry_page import SignedIn, context, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.flow


async def test_a_heat_is_entered_from_its_start_list(
    stack: Stack, sign_in: SignedIn, broadcast: httpx.AsyncClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    event = claim_event(heats=True)
    imported = import_entries(stack, write_csv(tmp_path / "entries.csv", entry_rows(event, "E")))
    assert imported.returncode == 0, imported.stderr
    unit_id = f"{event.id}/heat-1"
    heat = await unit_when(broadcast, unit_id, "its start list", lambda p: p["start_list"])
    listed = heat["start_list"]
    token = new_token(stack, "official", "--name", "裁判 冯", "--venue", event.venue)
    page = await sign_in(token)
    await page.locator("#event").select_option(event.id)
    await expect(page.locator("#result-form")).to_be_visible()
    # The first unit without a result is offered first: heat 1.
    await expect(page.locator("#unit")).to_have_value("heat-1")
    await expect(page.locator("#start-list-help")).to_be_visible()
    rows = page.locator(".start-row")
    await expect(rows).to_have_count(len(listed))
    await expect(page.locator("#add-row")).to_be_hidden()
    # Names are given, never typed.
    assert await page.locator(".start-row [name=competitor]").count() == 0
    for index, competitor in enumerate(listed):
        row = rows.nth(index)
        await expect(row.locator(".bib")).to_have_text(competitor["bib"])
        await expect(row.locator(".name")).to_have_text(competitor["competitor"])
        await expect(row.locator(".lane")).to_have_text(f"第{competitor['lane']}道")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    starters = len(listed) - 1
    for index in range(starters):
        await rows.nth(index).locator("[name=rank]").fill(str(index + 1))
        await rows.nth(index).locator("[name=mark]").fill(f"{10.9 + index / 10:.2f}")
    last = rows.nth(starters)
    await last.locator(".dns").tap()  # one tap: did not start
    await expect(last.locator("[name=status]")).to_have_value("DNS")
    await expect(last.locator("[name=rank]")).to_be_disabled()
    await page.locator("#result-status").select_option("official")
    await page.locator("#submit").click()
    await expect(page.locator("#accepted")).to_contain_text(
        f"已接受：{event.name} 第1组预赛 第 1 版")

    # The result and the unit's new status travel apart (two outboxes): both arrive.
    shown = await unit_when(broadcast, unit_id, "its official result",
                            lambda p: p["result"] is not None
                            and p["unit"]["status"] == "official")
    assert shown["unit"]["status"] == "official"
    entries = shown["result"]["entries"]
    assert [(e["bib"], e["competitor"], e["delegation"]) for e in entries] == [
        (c["bib"], c["competitor"], c["delegation"]) for c in listed]
    assert [e["rank"] for e in entries] == [*range(1, starters + 1), None]
    assert entries[-1]["status"] == "DNS"
    assert [e["bib"] for e in entries] == start_list_bibs(heat)

    # The next unit is offered, and the heat's result is kept for a correction.
    await page.locator("#unit").select_option("heat-1")
    await expect(page.locator("#next-revision")).to_have_text("本次提交为第 2 版。")
    await expect(rows.nth(0).locator("[name=rank]")).to_have_value("1")
    await expect(rows.nth(starters).locator("[name=status]")).to_have_value("DNS")
