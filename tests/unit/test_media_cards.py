"""Share cards opened as a phone would: the image's size, and its QR code scanned."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import zxingcpp
from PIL import Image

from services.broadcast.media.cards import WIDTH, event_card_png, table_card_png
from tests.unit.media_day import DAY_SCORED, GAMES_DOCUMENT, LIVE

STAMP_RED = (200, 30, 30)


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def scanned(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)
            if barcode.format == zxingcpp.BarcodeFormat.QRCode]


def red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(1 for pixel in image.crop(box).get_flattened_data() if pixel == STAMP_RED)


@pytest.mark.parametrize("channel", ["medals:all", "points:youth", "combined:rural"])
def test_a_table_card_is_1080_wide_and_its_qr_code_opens_the_live_table(channel: str) -> None:
    kind, _, group = channel.partition(":")
    url = f"https://podium.example/#/{kind}/{group}"
    image = opened(table_card_png(GAMES_DOCUMENT, channel, DAY_SCORED.tables[channel], url))
    assert image.width == WIDTH
    # 11 rows of 104 px between the header and the footer: a tall phone screen
    assert 1800 < image.height < 2100
    assert scanned(image) == [url]


def test_a_corrected_events_card_carries_the_stamp_and_its_qr_code() -> None:
    url = LIVE + "ath-youth-m-1500m"
    image = opened(event_card_png(GAMES_DOCUMENT, DAY_SCORED.documents["ath-youth-m-1500m"], url))
    assert image.width == WIDTH
    assert scanned(image) == [url]
    stamp_area = (WIDTH - 400, 150, WIDTH, 420)
    assert red_pixels(image, stamp_area) > 3000
    plain = opened(event_card_png(GAMES_DOCUMENT, DAY_SCORED.documents["ath-youth-m-100m"], url))
    assert red_pixels(plain, stamp_area) == 0


def test_cards_of_other_results_render_with_their_qr_code() -> None:
    for event_id in ("row-youth-f-2x", "tc-rural-m-traditional", "walk-open-m-10km"):
        url = LIVE + event_id
        image = opened(event_card_png(GAMES_DOCUMENT, DAY_SCORED.documents[event_id], url))
        assert image.width == WIDTH and scanned(image) == [url], event_id


def test_an_unknown_table_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown table kind 'rank'"):
        table_card_png(GAMES_DOCUMENT, "rank:all", DAY_SCORED.tables["medals:all"], LIVE)


def test_cards_rendered_in_parallel_threads_equal_those_rendered_alone() -> None:
    def render(channel: str) -> bytes:
        return table_card_png(GAMES_DOCUMENT, channel, DAY_SCORED.tables[channel], LIVE)

    channels = ["medals:all", "points:all", "medals:youth", "points:youth"]
    alone = [render(channel) for channel in channels]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(render, channels)) == alone
