"""What the media print, paste and share, opened as their users open them, over HTTP on the
running system: the PDFs' text (pypdf), the spreadsheets read back (csv, openpyxl) against
the REST tables, the cards' size and QR code (Pillow, zxing-cpp), the report's text; the
render cache and ETags; the tables of a past day read from the feed."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from launcher.stack import Stack
from services.broadcast.day_tables import tables_before
from services.broadcast.media.wording import beijing
from shared.adapters.db import Database
from shared.domain.games import Event
from tests.flow.events import claim_event
from tests.flow.test_scoring_events import event_at, eventually, post_result, table
from tests.unit.test_media_bulletin import pages_text

pytestmark = pytest.mark.flow

NOTE = "终点摄像复核：第一、二名顺序更正"
FIRST = [("qinyang", "李明", "10.91"), ("mengzhou", "王强", "11.02"), ("wuzhi", "赵刚", "11.20"),
         ("boai", "陈晨", "11.31")]
# The photo finish gave the first two each other's times: names and marks both swap places.
CORRECTED = [("mengzhou", "王强", "10.91"), ("qinyang", "李明", "11.02"), *FIRST[2:]]


def entries(order: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [{"rank": rank, "delegation": code, "competitor": name, "mark": mark}
            for rank, (code, name, mark) in enumerate(order, start=1)]


def body(event: Event, revision: int, order: list[tuple[str, str, str]],
         note: str | None = None) -> dict[str, Any]:
    return {"event_id": event.id, "revision": revision, "status": "official",
            "entries": entries(order), "note": note}


@pytest.fixture(scope="module")
async def corrected(stack: Stack, official_token: str) -> AsyncIterator[dict[str, Any]]:
    """An event's official result, then its correction with a note: the document."""
    event = claim_event()
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=20) as ingest, \
            httpx.AsyncClient(base_url=stack.url("broadcast"), timeout=20) as broadcast:
        await post_result(ingest, official_token, body(event, 1, FIRST))
        await post_result(ingest, official_token, body(event, 2, CORRECTED, NOTE))
        yield await event_at(broadcast, event.id, 2)


def pdf_text(content: bytes) -> str:
    """The PDF's text as pypdf extracts it, without whitespace (see pages_text)."""
    return "".join(pages_text(content))


def day_of(document: dict[str, Any]) -> str:
    return beijing(document["event"]["scheduled_at"]).date().isoformat()


def qr_codes(content: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(content)))]


def filename(answer: httpx.Response) -> str:
    found = re.fullmatch(r'inline; filename="(.+)"', answer.headers["content-disposition"])
    assert found, answer.headers
    return found[1]


async def test_the_bulletin_prints_the_result_and_the_correction(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    event_id = corrected["event"]["id"]
    answer = await broadcast.get(f"/v1/events/{event_id}/bulletin.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert filename(answer) == f"bulletin-{event_id}-r2.pdf"
    text = pdf_text(answer.content)
    for _, name, mark in CORRECTED:
        assert name in text and mark in text
    assert "更正" in text and NOTE in text and corrected["event"]["name"] in text
    assert "第2版" in text
    # The ETag is the output's version: asked again with it, nothing is sent.
    assert answer.headers["cache-control"] == "public, no-cache"
    again = await broadcast.get(f"/v1/events/{event_id}/bulletin.pdf",
                                headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == answer.headers["etag"]


async def test_the_results_book_of_the_day_holds_the_corrected_result(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    day = day_of(corrected)
    answer = await broadcast.get(f"/v1/bulletins/{day}.pdf")
    assert answer.status_code == 200, answer.text
    assert filename(answer) == f"results-book-{day}.pdf"
    text = pdf_text(answer.content)
    assert "成绩册" in text and NOTE in text
    assert all(name in text and mark in text for _, name, mark in CORRECTED)
    assert "奖牌榜" in text and "总分榜" in text


async def same_version(broadcast: httpx.AsyncClient, kind: str, path: str,
                       group: str = "all") -> tuple[dict[str, Any], httpx.Response]:
    """The REST table and an export of it at the same version (scoring may still be
    applying an earlier test's results between the two requests)."""
    async def both() -> tuple[dict[str, Any], httpx.Response] | None:
        rest = await table(broadcast, kind, group)
        answer = await broadcast.get(path, params={"group": group})
        assert answer.status_code == 200, answer.text
        return (rest, answer) if f"-v{rest['version']}." in filename(answer) else None
    return await eventually(both, f"{path} at the REST table's version")


def medal_cells(row: dict[str, Any]) -> list[Any]:
    return [row["rank"], row["delegation"], row["name"], row["gold"], row["silver"],
            row["bronze"], row["total"]]


async def test_the_csv_tables_equal_the_rest_tables(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    rest, answer = await same_version(broadcast, "medals", "/v1/standings/medals.csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert header[:3] == ["名次 Rank", "代码 Code", "代表团 Delegation"]
    assert [[row[0], row[1], row[2], *row[4:]] for row in rows] == [
        [str(cell) for cell in medal_cells(line)] for line in rest["rows"]]
    rest, answer = await same_version(broadcast, "points", "/v1/standings/points.csv", "youth")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))[1:]
    assert [(row[1], row[4]) for row in rows] == [
        (line["delegation"], f"{line['points']:.2f}") for line in rest["rows"]]


async def test_the_xlsx_tables_read_back_equal_the_rest_tables(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    rest, answer = await same_version(broadcast, "medals", "/v1/standings/medals.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content))["medals-all"]
    values = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [[row[0], row[1], row[2], *row[4:]] for row in values] == [
        medal_cells(line) for line in rest["rows"]]
    rest, answer = await same_version(broadcast, "points", "/v1/standings/points.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content))["points-all"]
    values = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(row[1], row[4]) for row in values] == [
        (line["delegation"], pytest.approx(line["points"])) for line in rest["rows"]]
    assert all(isinstance(row[4], int | float) for row in values)  # numbers, not text


async def test_the_breakdown_names_the_results_behind_a_delegations_line(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    answer = await broadcast.get("/v1/breakdown.csv", params={"delegation": "mengzhou"})
    assert answer.status_code == 200, answer.text
    assert filename(answer) == "breakdown-mengzhou-all.csv"
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    event_id = corrected["event"]["id"]
    ours = [row for row in rows if event_id in row.values()]
    assert len(ours) == 1 and "王强" in ours[0].values() and "更正" in ours[0].values()
    assert {row["代码 Code"] for row in rows} == {"mengzhou"}


async def test_share_cards_are_1080_wide_with_a_qr_code_to_the_live_page(
    stack: Stack, broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    live_page = stack.url("broadcast") + "/"
    answer = await broadcast.get("/v1/cards/medals-all.png")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.content)).width == 1080
    assert qr_codes(answer.content) == [live_page + "#/medals/all"]
    event_id = corrected["event"]["id"]
    answer = await broadcast.get(f"/v1/cards/event/{event_id}.png")
    assert answer.status_code == 200 and filename(answer) == f"event-{event_id}-r2.png"
    assert Image.open(io.BytesIO(answer.content)).width == 1080
    assert qr_codes(answer.content) == [f"{live_page}#/event/{event_id}"]


def renders(metrics: str, kind: str) -> float:
    found = re.search(rf'^podium_media_renders_total{{kind="{kind}"}} (\S+)$', metrics, re.M)
    return float(found[1]) if found else 0.0


async def test_a_burst_of_requests_for_a_new_card_renders_it_once(
    stack: Stack, official_token: str, broadcast: httpx.AsyncClient, ingest: httpx.AsyncClient
) -> None:
    event = claim_event()
    await post_result(ingest, official_token, body(event, 1, FIRST))
    await event_at(broadcast, event.id, 1)
    before = renders((await broadcast.get("/metrics")).text, "card")
    answers = await asyncio.gather(*(broadcast.get(f"/v1/cards/event/{event.id}.png")
                                     for _ in range(20)))
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert len({answer.headers["etag"] for answer in answers}) == 1
    assert renders((await broadcast.get("/metrics")).text, "card") == before + 1


async def test_the_daily_report_names_the_medallists_and_the_correction(
    broadcast: httpx.AsyncClient, corrected: dict[str, Any]
) -> None:
    day = day_of(corrected)
    answer = await broadcast.get(f"/v1/reports/{day}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert text.startswith("焦作市第十四届运动会战报") and corrected["event"]["name"] in text
    assert "金牌 王强（孟州市）10.91" in text and f"成绩更正：{NOTE}" in text
    # The games' days are in the past: their tables are those of the day's end, read from
    # the feed (before this system's first tables: zero, as of the day's last minute).
    assert "截至" in text and "23时59分" in text
    mine = await broadcast.get(f"/v1/reports/{day}", params={"delegation": "mengzhou"})
    assert mine.text.startswith("焦作市第十四届运动会孟州市代表团战报")
    assert "王强" in mine.text


async def test_a_past_moments_tables_are_the_last_the_feed_published_before_it(
    stack: Stack, official_token: str, broadcast: httpx.AsyncClient, ingest: httpx.AsyncClient
) -> None:
    event = claim_event()
    await post_result(ingest, official_token, body(event, 1, FIRST))
    await event_at(broadcast, event.id, 1)
    assert stack.database_url is not None
    database = Database(stack.database_url, max_size=1)
    await database.connect()
    try:
        async def settled_table() -> dict[str, Any] | None:
            shown = await table(broadcast, "medals")
            stored = await database.pool.fetchval(
                "SELECT document FROM standings WHERE channel = 'medals:all'")
            return shown if shown == stored else None
        then = await eventually(settled_table, "medals:all stored and served")
        moment = await database.pool.fetchval("SELECT now()")
        await post_result(ingest, official_token, body(event, 2, CORRECTED, NOTE))
        await event_at(broadcast, event.id, 2)
        now = await eventually(
            lambda: _newer(broadcast, then["version"]), "medals:all after the correction")
        assert now["rows"] != then["rows"]
        at_moment = await tables_before(database, moment)
        assert at_moment["medals:all"] == then
        assert (await tables_before(database, await database.pool.fetchval("SELECT now()")))[
            "medals:all"]["version"] >= now["version"]
    finally:
        await database.close()


async def _newer(broadcast: httpx.AsyncClient, version: int) -> dict[str, Any] | None:
    shown = await table(broadcast, "medals")
    return shown if shown["version"] > version else None


@pytest.mark.parametrize(("path", "status", "detail"), [
    ("/v1/events/no-such-event/bulletin.pdf", 404, "unknown event 'no-such-event'"),
    ("/v1/bulletins/21.9.2024.pdf", 400, "'21.9.2024' is not a date"),
    ("/v1/bulletins/2030-01-01.pdf", 404, "the games hold no events on 2030-01-01"),
    ("/v1/reports/2030-01-01", 404, "the games hold no events on 2030-01-01"),
    ("/v1/standings/ranks.csv", 404, "unknown table 'ranks'"),
    ("/v1/standings/medals.pdf", 404, "unknown format 'pdf'"),
    ("/v1/standings/medals.csv?group=mars", 400, "unknown group 'mars'"),
    ("/v1/breakdown.xlsx?delegation=mars", 400, "unknown delegation 'mars'"),
    ("/v1/cards/podium-all.png", 404, "cards of tables are named"),
    ("/v1/cards/event/no-such-event.png", 404, "unknown event 'no-such-event'"),
    ("/embed/ranks", 404, "unknown embed 'ranks'"),
    ("/embed/medals?group=mars", 400, "unknown group 'mars'"),
    ("/embed/medals?overlay=yes", 400, "unknown overlay 'yes'"),
])
async def test_bad_requests_are_problems_that_name_the_value(
    broadcast: httpx.AsyncClient, path: str, status: int, detail: str
) -> None:
    answer = await broadcast.get(path)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert detail in answer.json()["detail"]


async def test_only_the_embeds_may_be_framed(broadcast: httpx.AsyncClient) -> None:
    embed = await broadcast.get("/embed/medals", params={"group": "youth"})
    assert embed.status_code == 200 and embed.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    for path in ("/", "/v1/standings/medals", "/v1/cards/medals-all.png"):
        other = await broadcast.get(path)
        assert "frame-ancestors" not in other.headers.get("content-security-policy", ""), path
