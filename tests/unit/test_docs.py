"""The repository carries its own contract: no doc or comment sends a reader to a file
outside it, and every link between the docs leads somewhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from shared.adapters.settings import REPO_ROOT

TEXT_SUFFIXES = {".py", ".md", ".js", ".html", ".css", ".yaml", ".yml", ".toml", ".sh",
                 ".sql", ".xml", ".cfg", ".txt"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run"}
# Reference files that live beside the repository, not in it, and machine paths.
OUTSIDE = re.compile(r"\b(CONTRACT|PERFORMANCE|DOMAIN)\.md\b|(?<![\w.])/(work|home|root|Users)/")
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    paths = [REPO_ROOT / line for line in listed.splitlines()]
    return [path for path in paths if path.is_file()
            and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES)]


def test_nothing_refers_to_a_file_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in tracked_text_files() if path.name != "test_docs.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_links_between_the_docs_resolve() -> None:
    broken = []
    for path in tracked_text_files():
        if path.suffix != ".md":
            continue
        for target, _ in LINK.findall(path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(REPO_ROOT)} -> {target}")
    assert broken == []


def test_the_outside_pattern_matches_what_it_must() -> None:
    assert OUTSIDE.search("see /work/shared/CONTRACT.md")
    assert OUTSIDE.search("(PERFORMANCE.md measured)")
    assert not OUTSIDE.search("docs/api.md and ./work/x and shared/data/jiaozuo-14/")
