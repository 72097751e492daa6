"""Bulletins and results books read back the way their users' tools read them: the text a
PDF reader extracts, the fonts it embeds, its pages."""

import copy
import io
from typing import Any

from pypdf import PdfReader

from services.broadcast.media.bulletin import event_bulletin_pdf, results_book_pdf
from services.broadcast.media.wording import Label
from tests.unit.media_day import CANCEL_NOTE, CORRECTION_NOTE, DAY, DAY_SCORED, GAMES_DOCUMENT

DOCUMENTS = DAY_SCORED.documents
A4 = (595.28, 841.89)  # points


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text without whitespace. fpdf2 maps a CFF font's 2-byte codes to CIDs
    through an embedded CMap, which pypdf reads one byte at a time: each character comes
    with a NUL before it (poppler's pdftotext reads it exactly). So words are compared with
    the NULs and the spacing removed."""
    reader = PdfReader(io.BytesIO(pdf))
    return ["".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages]


def embedded_fonts(pdf: bytes) -> set[str]:
    """The BaseFont of every font whose program the PDF embeds (FontFile, 2 or 3)."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    found.add(str(font["/BaseFont"]))
    return found


def test_a_corrected_result_prints_every_entry_the_stamp_and_the_note() -> None:
    pdf = event_bulletin_pdf(GAMES_DOCUMENT, DOCUMENTS["ath-youth-m-1500m"])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert tuple(float(side) for side in reader.pages[0].mediabox[2:]) == A4
    text = pages_text(pdf)[0]
    for expected in ("焦作市第十四届运动会", "14thJiaozuoCityGames", "成绩公告",
                     "青少年组男子1500米", "Men's1500m", "焦作市太极体育中心",
                     "2024-09-2109:00(+08:00)",
                     # the corrected ranking, with marks, delegations, record, medals, points
                     "1李明沁阳市Qinyang3:58.12赛会纪录GR金牌Gold9",
                     "2王强孟州市Mengzhou3:58.40银牌Silver7",
                     "3张伟武陟县WuzhiCounty4:02.77铜牌Bronze6", "4赵刚博爱县Bo'aiCounty4:05.015",
                     "未完成DNF刘洋", "未出发DNS陈杰",
                     "第2版Rev.22024-09-2110:02(+08:00)", "更正CORRECTED",
                     f"更正说明Correction：{CORRECTION_NOTE}", "第1页/共1页"):
        assert expected in text, expected
    assert embedded_fonts(pdf) == {"/MPDFAA+NotoSansCJKSC", "/MPDFAA+NotoSansCJKSCBold"}


def test_the_font_is_embedded_as_a_subset() -> None:
    pdf = event_bulletin_pdf(GAMES_DOCUMENT, DOCUMENTS["ath-youth-m-100m"])
    # The whole Noto Sans CJK SC face is ~16 MiB; the subset of one bulletin is a few KiB.
    assert len(pdf) < 120_000
    text = pages_text(pdf)[0]
    assert "第1版Rev.1" in text and "更正" not in text
    assert "1李明沁阳市Qinyang10.88赛会纪录GR" in text


def test_a_cancelled_result_shows_cancelled_and_its_note() -> None:
    text = pages_text(event_bulletin_pdf(GAMES_DOCUMENT, DOCUMENTS["tc-rural-m-traditional"]))[0]
    assert "取消CANCELLED" in text and "更正" not in text
    assert f"取消说明Cancellation：{CANCEL_NOTE.replace(' ', '')}" in text
    assert "本项目成绩已取消" in text
    assert "马超" not in text  # the withdrawn revision's entries are gone


def test_a_provisional_result_awards_nothing_on_paper() -> None:
    text = pages_text(event_bulletin_pdf(GAMES_DOCUMENT, DOCUMENTS["walk-open-m-10km"]))[0]
    assert "暂定成绩Provisional" in text
    assert "1林涛山阳区ShanyangDistrict1:05:12" in text
    assert "金牌" not in text


def test_bibs_and_the_phase_are_printed_when_given() -> None:
    document: dict[str, Any] = copy.deepcopy(DOCUMENTS["ath-youth-m-100m"])
    document["entries"][0]["bib"] = "A017"
    text = pages_text(event_bulletin_pdf(GAMES_DOCUMENT, document, phase=Label("决赛", "Final")))
    assert "号码Bib" in text[0] and "1A017李明" in text[0]
    assert "青少年组男子100米决赛" in text[0] and "Men's100m·Final" in text[0]
    without = pages_text(event_bulletin_pdf(GAMES_DOCUMENT, DOCUMENTS["ath-youth-m-100m"]))[0]
    assert "号码Bib" not in without


def test_the_results_book_holds_the_days_official_results_then_the_tables() -> None:
    standings = {channel: DAY_SCORED.tables[channel] for channel in ("medals:all", "points:all")}
    pdf = results_book_pdf(GAMES_DOCUMENT, DOCUMENTS.values(), standings, DAY)
    pages = pages_text(pdf)
    whole = "".join(pages)
    count = len(pages)
    assert all(f"第{number}页/共{count}页" in page for number, page in enumerate(pages, 1))
    assert "成绩册" in pages[0] and "2024年9月21日" in pages[0] and "目录Contents" in pages[0]
    # the two official results of the day, in the order they were held, each once
    assert whole.count("青少年组男子1500米") == 2  # contents and result
    assert whole.index("青少年组男子1500米", len(pages[0])) < whole.index(
        "青少年组女子双人双桨", len(pages[0]))
    for absent in ("男子100米", "男子传统太极拳", "男子10公里健步走"):  # another day, cancelled,
        assert absent not in whole, absent                              # provisional
    assert f"更正说明Correction：{CORRECTION_NOTE}" in whole
    assert "奖牌榜·全部组别" in whole and "总分榜·全部组别" in whole
    assert "第17版v172024-09-2118:00(+08:00)" in whole
    assert "1沁阳市Qinyang3003" in whole  # medals: 3 gold, 0, 0, total 3
    # points, then the countback: three 1st places, none of the 2nd to 8th
    assert "1沁阳市Qinyang36.0030000000" in whole


def test_a_busy_day_overflows_the_contents_onto_more_pages() -> None:
    # 45 events were held on 21 September; the cover page has room for ~30 contents lines.
    many = []
    for index in range(36):
        document = copy.deepcopy(DOCUMENTS["row-youth-f-2x"])
        document["event"]["id"] = f"row-youth-f-2x-{index}"
        document["event"]["name"] = f"女子双人双桨第{index}组"
        many.append(document)
    pdf = results_book_pdf(GAMES_DOCUMENT, many, {"medals:all": DAY_SCORED.tables["medals:all"]},
                           DAY)
    pages = pages_text(pdf)
    assert "女子双人双桨第0组" in pages[0] and "女子双人双桨第35组" not in pages[0]
    assert "女子双人双桨第35组" in pages[1] and "名次Rank" not in pages[1]  # contents only
    assert "名次Rank" in pages[2]  # the results start after the contents
