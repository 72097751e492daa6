"""The one place that finds the CJK font every PDF and image embeds: Noto Sans CJK SC.

Debian's `fonts-noto-cjk` (also what the Docker image installs) ships it as OpenType/CFF
collections, NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc, whose faces are the JP, KR,
SC, TC and HK variants (in an order that has changed between releases). The Simplified
Chinese face is found by its name, not by a fixed index.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from PIL import ImageFont

# Where Debian (and Ubuntu) install fonts-noto-cjk, then Fedora's and Arch's places.
FONT_DIRS: Final = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
)
_FILES: Final = {False: "NotoSansCJK-Regular.ttc", True: "NotoSansCJK-Bold.ttc"}
_FACE: Final = "Noto Sans CJK SC"


class FontMissingError(RuntimeError):
    """The CJK font is not installed where Podium looks for it."""


@dataclass(frozen=True)
class FontFace:
    """A face of a font collection: the file and the face's index in it."""

    path: Path
    index: int


@cache
def cjk_font(bold: bool = False) -> FontFace:
    """Noto Sans CJK SC, regular or bold; FontMissingError says where it looked and the fix."""
    name = _FILES[bold]
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            return FontFace(path, _face_index(path, _FACE))
    searched = ", ".join(str(folder) for folder in FONT_DIRS)
    raise FontMissingError(
        f"{name} ({_FACE}) is not in any of {searched}: install Debian's fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk), which PDFs and share cards embed"
    )


def _face_index(path: Path, family: str) -> int:
    families: list[str] = []
    while True:  # FreeType numbers a collection's faces from 0 and refuses one past the last
        try:
            face = ImageFont.truetype(str(path), size=12, index=len(families))
        except OSError:
            break
        families.append(str(face.getname()[0]))
    if family not in families:
        raise FontMissingError(f"{path} has no face {family!r}; it has {', '.join(families)}")
    return families.index(family)
