"""Exports read back as editors' tools read them: CSV through Python's csv with utf-8-sig
(what Excel's BOM detection amounts to), XLSX through openpyxl."""

import csv
import io
import random
from collections import Counter, defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bench.random_results import revision_chain
from services.broadcast.media.exports import (
    breakdown_rows,
    breakdown_sheet,
    csv_bytes,
    table_sheet,
    tables_title,
    xlsx_bytes,
)
from tests.unit.media_day import DAY_SCORED, GAMES_DOCUMENT, revision, scored
from tests.unit.shipped import GAMES

TABLES = DAY_SCORED.tables
ENGLISH = {d["code"]: d["name_en"] for d in GAMES_DOCUMENT["delegations"]}


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_medal_table_as_csv() -> None:
    data = csv_bytes(table_sheet("medals:all", TABLES["medals:all"]), GAMES_DOCUMENT)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header, *rows = read_csv(data)
    assert header == ["名次 Rank", "代码 Code", "代表团 Delegation", "英文名 Name (English)",
                      "金牌 Gold", "银牌 Silver", "铜牌 Bronze", "合计 Total"]
    assert rows == [
        [str(row["rank"]), row["delegation"], row["name"], ENGLISH[row["delegation"]],
         *(str(row[key]) for key in ("gold", "silver", "bronze", "total"))]
        for row in TABLES["medals:all"]["rows"]
    ]
    assert rows[0] == ["1", "qinyang", "沁阳市", "Qinyang", "3", "0", "0", "3"]
    assert len(rows) == 11


def test_the_points_table_as_csv_keeps_two_decimals_and_the_countback() -> None:
    header, *rows = read_csv(csv_bytes(table_sheet("points:youth", TABLES["points:youth"]),
                                       GAMES_DOCUMENT))
    assert header[4:7] == ["总分 Points", "第1名 1st Places", "第2名 2nd Places"]
    assert header[-1] == "第8名 8th Places"
    assert rows[0] == ["1", "qinyang", "沁阳市", "Qinyang", "36.00", "3", *["0"] * 7]
    # the tied bronzes of the double sculls: (6 + 5) / 2 × 2 = 11 each
    assert [row[2:5] for row in rows[3:5]] == [["解放区", "Jiefang District", "11.00"],
                                               ["马村区", "Macun District", "11.00"]]
    assert [float(row[4]) for row in rows] == [row["points"]
                                               for row in TABLES["points:youth"]["rows"]]


def test_the_tables_as_xlsx_read_back_equal() -> None:
    channels = ["medals:all", "points:all", "combined:youth"]
    data = xlsx_bytes([table_sheet(channel, TABLES[channel]) for channel in channels],
                      GAMES_DOCUMENT, tables_title(GAMES_DOCUMENT, channels, TABLES))
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["medals-all", "points-all", "combined-youth"]
    assert workbook.properties.title.startswith(
        "焦作市第十四届运动会 medals:all v17 2024-09-21 18:00")

    medals = workbook["medals-all"]
    values = list(medals.iter_rows(values_only=True))
    assert values[0][0] == "名次 Rank"
    assert values[1:] == [
        (row["rank"], row["delegation"], row["name"], ENGLISH[row["delegation"]], row["gold"],
         row["silver"], row["bronze"], row["total"])
        for row in TABLES["medals:all"]["rows"]
    ]
    assert medals.freeze_panes == "A2"
    assert medals.auto_filter.ref == "A1:H12"
    # "城乡一体化示范区 " is 16 wide, "代表团 Delegation" 17; the long English zone name sets D
    assert medals.column_dimensions["C"].width == 19
    assert medals.column_dimensions["D"].width == len(ENGLISH["shifanqu"]) + 2

    points = workbook["points-all"]
    first = [cell for cell in next(points.iter_rows(min_row=2, max_row=2))]
    assert first[4].value == 36 and isinstance(first[4].value, int | float)
    assert first[4].number_format == "0.00"
    assert [row[4] for row in points.iter_rows(min_row=2, values_only=True)] == [
        row["points"] for row in TABLES["points:all"]["rows"]]
    combined = list(workbook["combined-youth"].iter_rows(values_only=True))
    assert combined[0][4:] == ("综合得分 Score", "奖牌榜名次 Medal Rank", "总分榜名次 Points Rank")
    assert combined[1] == (1, "qinyang", "沁阳市", "Qinyang", 2, 1, 1)


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        xlsx_bytes([], GAMES_DOCUMENT, "empty")


def test_the_breakdown_lists_each_awarded_entry_of_official_results() -> None:
    rows = breakdown_rows(GAMES_DOCUMENT, DAY_SCORED.documents.values(), "qinyang")
    assert [(row["event_id"], row["competitor"], row["medal"], row["points"], row["revision"],
             row["correction"]) for row in rows] == [
        ("ath-youth-m-100m", "李明", "gold", 9, 1, None),
        ("ath-youth-m-1500m", "李明", "gold", 9, 2, "更正"),
        ("row-youth-f-2x", "沁阳市一队", "gold", 18, 1, None),
    ]
    # boai's 2nd place in the cancelled tai chi result counts no more; its 1500m 4th does
    assert [row["event_id"] for row in breakdown_rows(
        GAMES_DOCUMENT, DAY_SCORED.documents.values(), "boai")] == ["ath-youth-m-1500m"]
    # group 'rural' has only the cancelled result: nothing awarded
    assert breakdown_rows(GAMES_DOCUMENT, DAY_SCORED.documents.values(), group="rural") == []


def test_the_breakdown_as_csv_and_xlsx() -> None:
    rows = breakdown_rows(GAMES_DOCUMENT, DAY_SCORED.documents.values(), "qinyang")
    sheet = breakdown_sheet(rows, "qinyang")
    header, *lines = read_csv(csv_bytes(sheet, GAMES_DOCUMENT))
    assert header[:3] == ["代码 Code", "代表团 Delegation", "项目代码 Event ID"]
    assert lines[1] == ["qinyang", "沁阳市", "ath-youth-m-1500m", "青少年组", "男子1500米", "李明",
                        "1", "3:58.12", "赛会纪录", "金牌", "9.00", "2", "更正",
                        "2024-09-21 10:02 (+08:00)"]
    workbook = load_workbook(io.BytesIO(xlsx_bytes([sheet], GAMES_DOCUMENT, "breakdown")))
    assert workbook.sheetnames == ["breakdown-qinyang"]
    sheet_read = workbook["breakdown-qinyang"]
    assert [row[10] for row in sheet_read.iter_rows(min_row=2, values_only=True)] == [9, 9, 18]


def _random_day(seed: int) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    rng = random.Random(seed)
    codes = list(GAMES.delegation_codes)
    events = rng.sample(list(GAMES.events), 6)
    revisions = [
        revision(body["event_id"], body["revision"], body["status"], body["entries"],
                 note=body["note"])
        for event in events
        for body in revision_chain(rng, event, codes, rng.randint(1, 3),
                                   GAMES.records.measure(event.id))
    ]
    day = scored(revisions)
    return day.documents, day.tables


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_the_breakdown_adds_up_to_the_tables(seed: int) -> None:
    """Whatever the results, each delegation's breakdown rows add up to its table rows:
    the medals exactly, the points to within the rounding of each row to 2 decimals."""
    documents, tables = _random_day(seed)
    rows = breakdown_rows(GAMES_DOCUMENT, documents.values())
    medals: dict[str, Counter[str]] = defaultdict(Counter)
    points: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row["medal"]:
            medals[row["delegation"]][row["medal"]] += 1
        points[row["delegation"]].append(row["points"])
    for table_row in tables["medals:all"]["rows"]:
        won = medals[table_row["delegation"]]
        assert [won["gold"], won["silver"], won["bronze"]] == [
            table_row["gold"], table_row["silver"], table_row["bronze"]]
    for table_row in tables["points:all"]["rows"]:
        shares = points[table_row["delegation"]]
        assert sum(shares) == pytest.approx(table_row["points"], abs=0.005 * (len(shares) + 1))
