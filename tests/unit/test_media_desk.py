"""The functions the media routes call: request values checked, outputs named and cached."""

import asyncio
import io
from collections.abc import Awaitable, Callable

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from services.broadcast.media.cache import RenderCache
from services.broadcast.media.desk import (
    CSV,
    PDF,
    PNG,
    TEXT,
    XLSX,
    MediaDesk,
    MediaRequestError,
    Rendered,
)
from tests.unit.media_day import DAY_SCORED, GAMES_DOCUMENT

TABLES = DAY_SCORED.tables
DOCUMENTS = list(DAY_SCORED.documents.values())


def desk() -> MediaDesk:
    return MediaDesk(GAMES_DOCUMENT, "https://podium.example")


async def test_a_burst_of_card_requests_renders_once_with_the_public_address() -> None:
    media = desk()
    cards = await asyncio.gather(*(media.table_card("points-youth", TABLES) for _ in range(8)))
    assert {card.body for card in cards} == {cards[0].body} and media.cache.renders == 1
    assert (cards[0].media_type, cards[0].filename) == (PNG, "points-youth-v17.png")
    image = Image.open(io.BytesIO(cards[0].body))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [
        "https://podium.example/#/points/youth"]
    event = await media.event_card(DAY_SCORED.documents["ath-youth-m-1500m"])
    assert event.filename == "event-ath-youth-m-1500m-r2.png"
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(event.body)))] == [
        "https://podium.example/#/event/ath-youth-m-1500m"]


async def test_pdfs_are_named_by_event_revision_and_day() -> None:
    media = desk()
    bulletin = await media.event_bulletin(DAY_SCORED.documents["ath-youth-m-1500m"])
    assert (bulletin.media_type, bulletin.filename) == (PDF, "bulletin-ath-youth-m-1500m-r2.pdf")
    assert bulletin.body.startswith(b"%PDF-")
    book = await media.day_book("2024-09-21", DOCUMENTS, TABLES)
    assert (book.media_type, book.filename) == (PDF, "results-book-2024-09-21.pdf")
    await media.day_book("2024-09-21", DOCUMENTS, TABLES)
    assert media.cache.renders == 2  # the second book came from the cache


async def test_exports_and_reports() -> None:
    media = desk()
    csv = await media.standings_export("medals", "csv", "all", TABLES)
    assert (csv.media_type, csv.filename) == (CSV, "medals-all-v17.csv")
    xlsx = await media.standings_export("combined", "xlsx", "youth", TABLES)
    assert (xlsx.media_type, xlsx.filename) == (XLSX, "combined-youth-v17.xlsx")
    assert load_workbook(io.BytesIO(xlsx.body)).sheetnames == ["combined-youth"]
    breakdown = await media.breakdown_export("xlsx", DOCUMENTS, "qinyang", "all")
    assert breakdown.filename == "breakdown-qinyang-all.xlsx"
    report = await media.daily_report("2024-09-21", DOCUMENTS, TABLES, "qinyang")
    assert (report.media_type, report.filename) == (TEXT, "report-2024-09-21-qinyang.txt")
    assert report.body.decode().startswith("焦作市第十四届运动会沁阳市代表团战报（9月21日）")


@pytest.mark.parametrize(("call", "status", "detail"), [
    (lambda m: m.standings_export("ranks", "csv", "all", TABLES), 404,
     "unknown table 'ranks'; expected one of medals, points, combined"),
    (lambda m: m.standings_export("medals", "pdf", "all", TABLES), 404,
     "unknown format 'pdf'; expected csv or xlsx"),
    (lambda m: m.standings_export("medals", "csv", "mars", TABLES), 400,
     "unknown group 'mars'; expected one of all, youth, rural, workers, open"),
    (lambda m: m.breakdown_export("csv", DOCUMENTS, "mars", "all"), 400,
     "unknown delegation 'mars'; expected one of jiefang, zhongzhan, macun, shanyang, "
     "shifanqu, qinyang, mengzhou, xiuwu, boai, wuzhi, wenxian"),
    (lambda m: m.daily_report("21.9.2024", DOCUMENTS, TABLES, None), 400,
     "'21.9.2024' is not a date: use YYYY-MM-DD, e.g. 2024-09-21"),
])
async def test_bad_request_values_are_named(
    call: Callable[[MediaDesk], Awaitable[Rendered]], status: int, detail: str
) -> None:
    with pytest.raises(MediaRequestError) as raised:
        await call(desk())
    assert (raised.value.status, raised.value.detail) == (status, detail)


async def test_a_bad_card_name_is_named() -> None:
    with pytest.raises(MediaRequestError, match="cards of tables are named medals-GROUP"):
        await desk().table_card("podium-all", TABLES)
    with pytest.raises(MediaRequestError, match="unknown group 'mars'"):
        await desk().table_card("medals-mars", TABLES)


async def test_every_output_is_cached_per_version_with_an_etag_of_its_body() -> None:
    media = desk()
    first = await media.standings_export("points", "xlsx", "all", TABLES)
    again = await media.standings_export("points", "xlsx", "all", TABLES)
    assert again is not first and again.body is first.body and media.cache.renders == 1
    newer = {**TABLES, "points:all": {**TABLES["points:all"], "version": 18}}
    changed = await media.standings_export("points", "xlsx", "all", newer)
    assert media.cache.renders == 2 and changed.filename == "points-all-v18.xlsx"
    assert first.etag.startswith('"') and first.etag != changed.etag
    reports = [await media.daily_report("2024-09-21", DOCUMENTS, TABLES, code)
               for code in (None, "qinyang", None)]
    assert media.cache.renders == 4 and reports[0].etag == reports[2].etag != reports[1].etag


def test_the_desk_renders_through_the_cache_it_is_given() -> None:
    cache = RenderCache()  # empty, so falsy: still the one used
    assert MediaDesk(GAMES_DOCUMENT, "https://podium.example", cache).cache is cache
