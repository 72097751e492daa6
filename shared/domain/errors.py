"""Problems in a games' definition files (games.yaml, rules.yaml), reported all at once.

A service refuses to start on a broken definition, and whoever edits the file should see every
problem in one go, each named by file, item and field, rather than fix them one restart at a time.
"""

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails


class DefinitionError(ValueError):
    """A definition file that cannot be used; `problems` lists each one as "item.field: what"."""

    def __init__(self, source: Path | str, problems: Sequence[str]) -> None:
        self.source = source  # the file, or what the definition was read from
        self.problems = tuple(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        listing = "".join(f"\n  - {problem}" for problem in self.problems)
        super().__init__(f"{source}: {count}:{listing}")


def validation_problems(error: ValidationError, item: str = "") -> list[str]:
    """One "item.field: message" line per error pydantic found, in a wording editors understand."""
    return [
        f"{_field_path(item, detail['loc'])}: {_describe(detail)}"
        for detail in error.errors()
    ]


def _field_path(item: str, loc: tuple[int | str, ...]) -> str:
    path = item
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _describe(detail: ErrorDetails) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        return "unknown field (a typo?)"
    if kind == "value_error":
        # Our own validators' messages are already worded for editors; drop pydantic's prefix.
        return str(detail.get("ctx", {}).get("error", detail["msg"]))
    return f"{detail['msg']} (got {detail['input']!r})"
