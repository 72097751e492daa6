"""`podium entries import FILE`: the delegations' registrations (报名) into the games.

The results desk's file (`.xlsx` or `.csv`, docs/officials.md lists the columns) is read as
text, cell by cell, checked whole by shared/domain/registrations.py and stored only when
every row is valid: each event's entries, and the start lists of its first round, drawn again
unless that round has started. What changed is printed, event by event. The units' new
states reach the boards through ingest's outbox, like an official's change.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

import openpyxl

from services.cli.located import database_url
from services.ingest.store import lock_event
from services.ingest.units import EventUnits, entrant_item, entrant_of, publish_first_round
from shared.adapters import db
from shared.adapters.definitions import Definitions, load_definitions
from shared.adapters.settings import Settings
from shared.domain.registrations import Imported, Registrations, Sheet, import_entries
from shared.domain.rounds import first_round_lists
from shared.domain.unit_status import Refusal

# One import at a time: each reads every event's entries (a bib is unique across the games).
_IMPORT_LOCK = 0x454E54524945
# Chinese spreadsheets saved as CSV by Excel are GB 18030 (GBK), others UTF-8.
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_ZERO_PADDED = re.compile(r"0+")


class UnreadableFile(Exception):
    """The file cannot be read as a registration file; the message says why."""


def read_sheets(path: Path) -> list[Sheet]:
    """The file's sheets, every cell as the text it shows (a bib typed 007 stays 007)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return _workbook_sheets(path)
        if suffix == ".csv":
            return [_csv_sheet(path.stem, path.read_bytes())]
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot read the file: {error.strerror}") from error
    raise UnreadableFile(f"{path}: a registration file is .xlsx or .csv, not {suffix or 'this'}")


def _workbook_sheets(path: Path) -> list[Sheet]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFile(f"{path}: not a readable .xlsx workbook ({error})") from error
    try:
        return [_sheet(sheet.title, ([_cell_text(cell) for cell in row]
                                     for row in sheet.iter_rows()))
                for sheet in workbook.worksheets]
    finally:
        workbook.close()


class _Cell(Protocol):
    @property
    def value(self) -> Any: ...
    @property
    def number_format(self) -> str: ...


def _cell_text(cell: _Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        # A number shown with a format like 000 (bibs 007) is that text, not 7.
        shown = str(int(value)) if float(value).is_integer() else str(value)
        number_format = cell.number_format or ""
        if _ZERO_PADDED.fullmatch(number_format) and float(value).is_integer():
            shown = shown.zfill(len(number_format))
        return shown
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _csv_sheet(name: str, raw: bytes) -> Sheet:
    for encoding in _CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(f"{name}: the CSV file is neither UTF-8 nor GB 18030 text")
    return _sheet(name, csv.reader(io.StringIO(text, newline="")))


def _sheet(name: str, rows: Iterable[Sequence[str]]) -> Sheet:
    """A sheet whose header is its first row with any text (a title row above is skipped
    only when it is blank)."""
    listed = [tuple(row) for row in rows]
    header_index = next((i for i, row in enumerate(listed) if any(c.strip() for c in row)), None)
    if header_index is None:
        return Sheet(name, (), ())
    return Sheet(name, listed[header_index], tuple(listed[header_index + 1:]),
                 header_row=header_index + 1)


async def entries_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        sheets = read_sheets(Path(args.file))
    except UnreadableFile as problem:
        print(problem, file=sys.stderr)
        return 2
    definitions = load_definitions(settings.games_dir)
    pool = await db.create_pool(database_url(settings), max_size=1)
    try:
        await db.migrate(pool)
        async with pool.acquire() as conn:
            return await _import(conn, definitions, sheets, args.file, check=args.check)
    finally:
        await pool.close()


class _NothingStored(Exception):
    """Rolls the import back (a problem found while storing it, or --check)."""


async def _import(conn: db.Connection, definitions: Definitions, sheets: list[Sheet],
                  file: str, *, check: bool) -> int:
    lines: list[str] = []
    problems: list[str] = []
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _IMPORT_LOCK)
            current = await _registrations(conn)
            outcome = import_entries(sheets, definitions.games, definitions.rules.entry_limits,
                                     current)
            if not isinstance(outcome, Imported):
                _print_problems(file, outcome.problems)
                return 1
            imported = outcome
            problems = await _store(conn, definitions, imported, lines)
            if problems or check:
                raise _NothingStored
    except _NothingStored:
        if problems:
            _print_problems(file, problems)
            return 1
    for skipped in imported.skipped_sheets:
        print(f"skipped sheet {skipped}: it has no registration column")
    for change in imported.changes:
        print(change)
    if not imported.changes:
        print("no changes: the entries are as stored")
    for line in lines:
        print(line)
    print(f"checked, nothing stored (--check): {len(imported.changes)} change(s)" if check
          else f"stored: {len(imported.changes)} change(s)")
    return 0


async def _registrations(conn: db.Connection) -> Registrations:
    rows = await conn.fetch("SELECT event_id, entries FROM registrations")
    return Registrations({row["event_id"]: tuple(entrant_of(item) for item in row["entries"])
                          for row in rows})


async def _store(conn: db.Connection, definitions: Definitions, outcome: Imported,
                 lines: list[str]) -> list[str]:
    """Each changed event's entries and first round; the problems that stop the import."""
    games = definitions.games
    problems: list[str] = []
    for event_id in sorted({change.event_id for change in outcome.changes}):
        event = games.event(event_id)
        assert event is not None, "import_entries knows the events"
        entries = outcome.registrations.by_event.get(event_id, ())
        await lock_event(conn, event_id)
        await conn.execute(
            "INSERT INTO registrations (event_id, entries) VALUES ($1, $2) ON CONFLICT"
            " (event_id) DO UPDATE SET entries = excluded.entries, updated_at = now()",
            event_id, [entrant_item(entry) for entry in entries],
        )
        lists = first_round_lists(event, entries)
        if isinstance(lists, Refusal):
            problems.append(f"{event_id}: {lists.reason}")
            continue
        units = await EventUnits.load(conn, games, event, entries)
        kept = publish_first_round(units, lists)
        if kept:
            lines.append(f"{event_id}: the start lists of {', '.join(kept)} stay as they were"
                         " run (the round has started)")
        else:
            drawn = ", ".join(start_list.unit_id.partition("/")[2] for start_list in lists)
            lines.append(f"{event_id}: start list drawn for {drawn}")
        units.refresh_delegations()
        await units.save(conn)
    return problems


def _print_problems(file: str, problems: Sequence[str]) -> None:
    count = len(problems)
    print(f"{file}: {count} problem{'' if count == 1 else 's'}; nothing was stored:",
          file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
