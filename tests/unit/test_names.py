"""A competitor's name as it is kept and compared: what looks the same is the same name, and a
Chinese name is never changed."""

from __future__ import annotations

import unicodedata

import pytest

from shared.domain.names import competitor_name

# Names as officials type them: two and three characters, a space put in for alignment, the
# middle dot of minority and foreign names, rare characters, and Latin letters.
CHINESE_NAMES = ["李明", "王强", "欧阳娜娜", "买买提·艾力", "迪丽热巴·迪力木拉提", "李 明",
                 "堃", "喆", "䶮", "𠇔", "沁阳市代表队", "Li Ming", "O'Neil", "José"]


def full_width(ascii_text: str) -> str:
    """The full-width forms (U+FF01-U+FF5E) a Chinese input method types for ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) if char != " " else char for char in ascii_text)


@pytest.mark.parametrize("name", CHINESE_NAMES)
def test_a_name_typed_plainly_is_kept_as_it_is(name: str) -> None:
    assert competitor_name(name) == name


def test_no_unified_ideograph_is_changed() -> None:
    # The basic block and extensions A and B: every character a Chinese name is written in.
    blocks = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF)]
    changed = [hex(code) for first, last in blocks for code in range(first, last + 1)
               if competitor_name(chr(code)) != chr(code)]
    assert changed == []


@pytest.mark.parametrize(("typed", "kept"), [
    ("李明\u200b", "李明"),  # zero-width space
    ("\ufeff李明", "李明"),  # byte order mark pasted from a file
    ("李\u2060明", "李明"),  # word joiner
    ("\u202e李明\u202c", "李明"),  # a right-to-left override
    ("李\u00ad明", "李明"),  # soft hyphen
    ("李\u3000明", "李 明"),  # ideographic space
    ("李\u00a0\u00a0明", "李 明"),  # no-break spaces
    ("  李明  ", "李明"),
    (full_width("Li Ming"), "Li Ming"),  # full-width letters typed with a Chinese input method
    (full_width("li") + "\u3000" + full_width("ming"), "li ming"),
    ("⼀", "一"),  # a Kangxi radical that looks like the ideograph
])
def test_what_looks_the_same_is_the_same_name(typed: str, kept: str) -> None:
    assert competitor_name(typed) == kept


@pytest.mark.parametrize("typed", [
    "", "\u200b", "\u200b\u200c\u200d\ufeff", "\u3000", " \u3000\u00a0\u2028 ", "\u2060\u3000",
])
def test_an_invisible_name_is_empty(typed: str) -> None:
    assert competitor_name(typed) == ""


def test_no_format_character_survives() -> None:
    every_format = "".join(chr(code) for code in range(0x110000)
                           if unicodedata.category(chr(code)) == "Cf")
    assert competitor_name(f"李{every_format}明") == "李明"
