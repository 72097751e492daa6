"""Reading a registration file as `podium entries import` does: cells as the text they show
(a bib typed 007 stays 007), CSV in UTF-8 or GB 18030, and the sample files in examples/
valid against the shipped games."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from services.cli.entries import UnreadableFile, read_sheets
from shared.adapters.settings import REPO_ROOT
from shared.domain.registrations import Imported, import_entries
from tests.unit.shipped import GAMES, RULES


def test_cells_are_read_as_the_text_they_show(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "田径"
    sheet.append([])  # a blank row above the header
    sheet.append(["项目代码", "号码", "姓名", "代表团", "备注"])
    sheet.append(["ath-youth-m-100m", "007", "李明", "沁阳市", None])
    sheet.append(["ath-youth-m-100m", 8, "王强", "qinyang", 12.5])
    sheet.cell(row=4, column=2).number_format = "000"  # shown 008
    sheet.append(["ath-youth-m-100m", 21.0, "赵刚", "qinyang", True])
    path = tmp_path / "报名.xlsx"
    workbook.save(path)
    [read] = read_sheets(path)
    assert (read.name, read.header_row) == ("田径", 2)
    assert read.header == ("项目代码", "号码", "姓名", "代表团", "备注")
    assert read.rows == (("ath-youth-m-100m", "007", "李明", "沁阳市", ""),
                         ("ath-youth-m-100m", "008", "王强", "qinyang", "12.5"),
                         ("ath-youth-m-100m", "21", "赵刚", "qinyang", "TRUE"))


def test_csv_in_either_encoding(tmp_path: Path) -> None:
    text = "项目代码,号码,姓名,代表团\nath-youth-m-100m,007,李明,沁阳市\n"
    for encoding in ("utf-8-sig", "gb18030"):
        path = tmp_path / f"报名-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        [read] = read_sheets(path)
        assert read.rows == (("ath-youth-m-100m", "007", "李明", "沁阳市"),)
        assert read.name == f"报名-{encoding}"


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("entries.txt", b"x", "a registration file is .xlsx or .csv, not .txt"),
    ("entries.xlsx", b"not a zip", "not a readable .xlsx workbook"),
    ("entries.csv", b"\xff\xfe\xfa\xfb\x81\x30", "neither UTF-8 nor GB 18030"),
])
def test_an_unreadable_file_says_why(tmp_path: Path, name: str, content: bytes,
                                     problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=problem):
        read_sheets(path)


@pytest.mark.parametrize("sample", ["registrations.xlsx", "registrations.csv"])
def test_the_sample_registration_files_are_valid(sample: str) -> None:
    outcome = import_entries(read_sheets(REPO_ROOT / "examples" / sample), GAMES,
                             RULES.entry_limits)
    assert isinstance(outcome, Imported), outcome
    by_event = outcome.registrations.by_event
    assert len(by_event["ath-youth-m-100m"]) == 22  # 2 of each delegation: the limit
    assert len(by_event["ath-youth-m-4x100m"]) == 11  # 1 team each, with its members
    assert all(entry.members for entry in by_event["ath-youth-m-4x100m"])
    assert by_event["ath-youth-m-100m"][0].bib == "0101"  # a leading 0 kept
    assert outcome.skipped_sheets == (("填表说明",) if sample.endswith(".xlsx") else ())
