"""Writes docs/screenshots/media-*.png: a bulletin page, a medal table card and an event card,
rendered from random results on the shipped games (bench.media.sample_documents).

    .venv/bin/python scripts/media_screenshots.py

The bulletin page is rasterised by poppler's pdftoppm (Debian's poppler-utils).
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.media import sample_documents
from services.broadcast.media.bulletin import event_bulletin_pdf
from services.broadcast.media.cards import event_card_png, table_card_png

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
LIVE = "https://podium.example/"


def main() -> None:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    games, documents, tables = sample_documents()
    games_document = games.public_document()
    corrected = next(d for d in documents.values()
                     if d["correction"] and d["status"] == "official" and len(d["entries"]) >= 6)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "bulletin.pdf"
        pdf.write_bytes(event_bulletin_pdf(games_document, corrected))
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf),
                        str(SCREENSHOTS / "media-bulletin")], check=True)
    (SCREENSHOTS / "media-card-medals.png").write_bytes(
        table_card_png(games_document, "medals:all", tables["medals:all"],
                       f"{LIVE}#/medals/all"))
    (SCREENSHOTS / "media-card-event.png").write_bytes(
        event_card_png(games_document, corrected, f"{LIVE}#/event/{corrected['event']['id']}"))


if __name__ == "__main__":
    main()
