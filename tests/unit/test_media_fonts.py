"""The CJK font is found in one place, by its face's name, with a clear error without it."""

from pathlib import Path

import pytest
from PIL import ImageFont

from services.broadcast.media import fonts


def test_the_simplified_chinese_face_is_found_in_debians_collection() -> None:
    for bold in (False, True):
        face = fonts.cjk_font(bold)
        assert face.path.suffix == ".ttc"
        family, style = ImageFont.truetype(str(face.path), 12, index=face.index).getname()
        assert (family, style) == ("Noto Sans CJK SC", "Bold" if bold else "Regular")


def test_a_missing_font_names_the_folders_and_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissingError) as raised:
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()
    assert str(raised.value) == (
        f"NotoSansCJK-Regular.ttc (Noto Sans CJK SC) is not in any of {tmp_path}: install "
        "Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), which PDFs and share "
        "cards embed")


def test_a_collection_without_the_face_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serif = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
    (tmp_path / "NotoSansCJK-Regular.ttc").symlink_to(serif)
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontMissingError, match="has no face 'Noto Sans CJK SC'; "
                                                         "it has Noto Serif CJK JP"):
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()
