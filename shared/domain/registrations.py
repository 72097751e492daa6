"""Registrations (报名): the delegations' entries, imported from their sheets, kept per event.

docs/api.md "Registrations and start lists": the results desk imports the delegations'
`.xlsx` and `.csv` files (`podium entries import FILE`); reading the file is the CLI's job, and
this module takes its sheets as text (`Sheet`). `import_entries` checks every row against the
games and the rules' entry limits and lists every problem by sheet, row and column; nothing is
accepted unless the whole file is. A file replaces, for each (event, delegation) it has rows
for, that delegation's entries in that event, and says what changed. docs/schedule.md lists
the columns.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from shared.domain.games import EventDefinition, Games
from shared.domain.rules import EntryLimits
from shared.domain.start_lists import Entrant

# Each column's key and the headers that name it (compared without case or spaces). Other
# columns (remarks, ID numbers, ...) are ignored.
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "event": ("event", "event_id", "项目代码", "项目"),
    "bib": ("bib", "号码", "参赛号"),
    "name": ("name", "姓名", "队名"),
    "delegation": ("delegation", "代表团", "单位"),
    "members": ("members", "队员"),
    "gender": ("gender", "性别"),
    "group": ("group", "组别"),
}
REQUIRED_COLUMNS: Final = ("event", "bib", "name", "delegation")
_MEMBER_SEPARATORS: Final = re.compile(r"[、,，;；/\n]+")
_BIB: Final = re.compile(r"[A-Za-z0-9-]{1,16}")
_GENDERS: Final[Mapping[str, str]] = {
    "m": "M", "男": "M", "男子": "M", "f": "F", "女": "F", "女子": "F", "x": "X", "混合": "X",
}


@dataclass(frozen=True)
class Sheet:
    """A sheet's cells as text ("" for a blank cell): its header row and the rows below it."""

    name: str  # the sheet's name, or the CSV file's
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    header_row: int = 1  # the header's row number; rows[0] is the row after it


@dataclass(frozen=True)
class Registrations:
    """The entries of every event that has any, each event's by delegation (the games file's
    order), then in the order they were entered."""

    by_event: Mapping[str, tuple[Entrant, ...]] = field(default_factory=dict)


ChangeKind = Literal["added", "removed", "changed", "new bib"]


@dataclass(frozen=True)
class EntryChange:
    event_id: str
    delegation: str
    kind: ChangeKind  # changed: same bib, another name or members; new bib: same name
    before: Entrant | None
    after: Entrant | None

    def __str__(self) -> str:
        shown = " → ".join(f"{entry.bib} {entry.name}" + (
            f" ({'、'.join(entry.members)})" if entry.members else "")
            for entry in (self.before, self.after) if entry is not None)
        return f"{self.event_id} {self.delegation}: {self.kind} {shown}"


@dataclass(frozen=True)
class Imported:
    registrations: Registrations
    changes: tuple[EntryChange, ...]
    skipped_sheets: tuple[str, ...]  # sheets without any entry column (instructions, lists)


@dataclass(frozen=True)
class Rejected:
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    where: str  # "报名表 row 12"
    cells: Mapping[str, tuple[str, str]]  # column key -> (text, "报名表 row 12, column C (号码)")

    def text(self, key: str) -> str:
        return self.cells[key][0] if key in self.cells else ""

    def at(self, key: str) -> str:
        return self.cells[key][1] if key in self.cells else self.where


@dataclass(frozen=True)
class _Entered:
    row: _Row
    event: EventDefinition
    entry: Entrant


def import_entries(
    sheets: Sequence[Sheet], games: Games, limits: EntryLimits,
    current: Registrations | None = None,
) -> Imported | Rejected:
    """`current` with the file's entries in place of the (event, delegation) pairs it has rows
    for, and the changes; or every problem of the file, and nothing changed."""
    current = current or Registrations()
    problems: list[str] = []
    rows, skipped = _rows(sheets, problems)
    entered = [parsed for row in rows if (parsed := _parse(row, games, problems)) is not None]
    replaced = {(item.event.id, item.entry.delegation) for item in entered}
    problems.extend(_bib_problems(entered, current, replaced))
    problems.extend(_limit_problems(entered, limits))
    if problems:
        return Rejected(tuple(problems))
    return _merge(games, current, entered, replaced, skipped)


def withdraw_entries(
    current: Registrations, event_id: str, delegation: str
) -> tuple[Registrations, tuple[EntryChange, ...]]:
    """`current` without `delegation`'s entries in `event_id`, which a file cannot do (it has no
    rows for them), and the removals."""
    entries = current.by_event.get(event_id, ())
    kept = tuple(entry for entry in entries if entry.delegation != delegation)
    by_event = {key: value for key, value in current.by_event.items() if key != event_id}
    if kept:
        by_event[event_id] = kept
    changes = _changes(event_id, delegation, entries, [])
    return Registrations(by_event), tuple(changes)


def _rows(sheets: Sequence[Sheet], problems: list[str]) -> tuple[list[_Row], tuple[str, ...]]:
    rows: list[_Row] = []
    skipped: list[str] = []
    for sheet in sheets:
        columns = _columns(sheet, problems)
        if columns is None:
            skipped.append(sheet.name)
            continue
        if not set(REQUIRED_COLUMNS) <= columns.keys():
            continue  # the header's problem says so; its rows cannot be read
        for number, cells in enumerate(sheet.rows, start=sheet.header_row + 1):
            texts = {key: (cells[index].strip() if index < len(cells) else "", where)
                     for key, (index, where) in columns.items()}
            if any(text for text, _ in texts.values()):
                rows.append(_Row(f"{sheet.name} row {number}", {
                    key: (text, f"{sheet.name} row {number}, {where}")
                    for key, (text, where) in texts.items()
                }))
    return rows, tuple(skipped)


def _columns(sheet: Sheet, problems: list[str]) -> dict[str, tuple[int, str]] | None:
    """Each known column's index and description ("column C (号码)"); None for a sheet
    without any known column."""
    headers = {_normalised(name): key for key, names in COLUMNS.items() for name in names}
    columns: dict[str, tuple[int, str]] = {}
    where = f"{sheet.name} row {sheet.header_row}"
    for index, header in enumerate(sheet.header):
        key = headers.get(_normalised(header))
        if key is None:
            continue
        described = f"column {_letter(index)} ({header.strip()})"
        if key in columns:
            problems.append(f"{where}, {described}: a second {key} column, beside "
                            f"{columns[key][1]}")
            continue
        columns[key] = (index, described)
    if not columns:
        return None
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            problems.append(f"{where}: no {key} column (headed {' or '.join(COLUMNS[key])})")
    return columns


def _normalised(header: str) -> str:
    return re.sub(r"\s+", "", header).casefold()


def _letter(index: int) -> str:
    """The spreadsheet letters of the 0-based column `index`: A, ..., Z, AA, AB, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _parse(row: _Row, games: Games, problems: list[str]) -> _Entered | None:
    """The row's entry, or None after listing its problems."""
    found = len(problems)
    event = _event(row, games, problems)
    bib = row.text("bib")
    if not bib:
        problems.append(f"{row.at('bib')}: the bib is required")
    elif not _BIB.fullmatch(bib):
        problems.append(f"{row.at('bib')}: bib {bib!r} may use letters, digits and '-' only, "
                        "16 at most")
    name = row.text("name")
    if not name:
        problems.append(f"{row.at('name')}: the name is required")
    delegation = _lookup(row, "delegation", {d.code: d.code for d in games.delegations}
                         | {d.name: d.code for d in games.delegations}, problems,
                         "a code like qinyang or a name like 沁阳市")
    members = tuple(member.strip() for member in _MEMBER_SEPARATORS.split(row.text("members"))
                    if member.strip())
    if event is not None:
        _check_event_fit(row, event, members, games, problems)
    if len(problems) > found or event is None or delegation is None:
        return None
    return _Entered(row, event, Entrant(bib=bib, name=name, delegation=delegation, members=members))


def _event(row: _Row, games: Games, problems: list[str]) -> EventDefinition | None:
    event_id = row.text("event")
    if not event_id:
        problems.append(f"{row.at('event')}: the event id is required")
        return None
    event = games.event(event_id)
    if event is None:
        named = [candidate.id for candidate in games.events if candidate.name == event_id]
        hint = f"; {event_id} is the name of {', '.join(named)}: write the event id" if named \
            else ""
        problems.append(f"{row.at('event')}: unknown event {event_id!r}{hint}")
    return event


def _lookup(
    row: _Row, key: str, known: Mapping[str, str], problems: list[str], expected: str
) -> str | None:
    text = row.text(key)
    if not text:
        problems.append(f"{row.at(key)}: the {key} is required")
        return None
    if text not in known:
        problems.append(f"{row.at(key)}: unknown {key} {text!r} (expected {expected})")
        return None
    return known[text]


def _check_event_fit(
    row: _Row, event: EventDefinition, members: tuple[str, ...], games: Games,
    problems: list[str],
) -> None:
    """Members as the event's kind needs them, and the row's gender and group, if given."""
    if event.kind == "individual" and members:
        problems.append(f"{row.at('members')}: {event.id} is an individual event and takes no "
                        "team members")
    if event.kind == "team" and not members:
        problems.append(f"{row.at('members')}: {event.id} is a team event: list its members, "
                        "separated by 、 or ,")
    repeated = [member for member, count in Counter(members).items() if count > 1]
    if repeated:
        problems.append(f"{row.at('members')}: {'、'.join(repeated)} listed twice in one team")
    gender = row.text("gender")
    if gender:
        code = _GENDERS.get(gender.casefold())
        if code is None:
            problems.append(f"{row.at('gender')}: unknown gender {gender!r} (expected M, F, X, "
                            "男, 女 or 混合)")
        elif event.gender != "X" and code != event.gender:
            problems.append(f"{row.at('gender')}: {gender} does not fit {event.id}, a "
                            f"{event.gender} event")
    group = row.text("group")
    if group:
        codes = {g.code: g.code for g in games.groups} | {g.name: g.code for g in games.groups}
        if codes.get(group) != event.group:
            problems.append(f"{row.at('group')}: group {group!r} does not fit {event.id}, an "
                            f"event of the {event.group} group")


def _bib_problems(
    entered: Sequence[_Entered], current: Registrations, replaced: set[tuple[str, str]]
) -> Iterator[str]:
    """A bib names one competitor across the games: the same name and delegation wherever it
    is entered, and once per event."""
    owners: dict[str, tuple[Entrant, str]] = {}  # bib -> its entry, and where it was found
    for event_id, entries in current.by_event.items():
        for entry in entries:
            if (event_id, entry.delegation) not in replaced:
                owners.setdefault(entry.bib, (entry, f"{event_id}, entered earlier"))
    in_event: dict[tuple[str, str], str] = {}
    for item in entered:
        entry, bib_at = item.entry, item.row.at("bib")
        seen = in_event.setdefault((item.event.id, entry.bib), item.row.where)
        if seen != item.row.where:
            yield f"{bib_at}: bib {entry.bib} is already entered in {item.event.id} at {seen}"
            continue
        owner, owner_at = owners.setdefault(entry.bib, (entry, item.row.where))
        if (owner.name, owner.delegation) != (entry.name, entry.delegation):
            yield (f"{bib_at}: bib {entry.bib} is {entry.name} ({entry.delegation}) here but "
                   f"{owner.name} ({owner.delegation}) at {owner_at}; a bib names one "
                   "competitor")


def _limit_problems(entered: Sequence[_Entered], limits: EntryLimits) -> Iterator[str]:
    within: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in entered:
        limit = limits.limit_for(item.event)
        rows = within[(item.event.id, item.entry.delegation)]
        if len(rows) < limit:
            rows.append(item.row.where)
            continue
        yield (f"{item.row.where}: {item.entry.delegation} may enter {limit} in "
               f"{item.event.id} ({item.event.kind}); {', '.join(rows)} already do")


def _merge(
    games: Games, current: Registrations, entered: Sequence[_Entered],
    replaced: set[tuple[str, str]], skipped: tuple[str, ...],
) -> Imported:
    pairs: dict[tuple[str, str], list[Entrant]] = defaultdict(list)
    for event_id, entries in current.by_event.items():
        for entry in entries:
            if (event_id, entry.delegation) not in replaced:
                pairs[(event_id, entry.delegation)].append(entry)
    for item in entered:
        pairs[(item.event.id, item.entry.delegation)].append(item.entry)
    by_event: dict[str, tuple[Entrant, ...]] = {}
    changes: list[EntryChange] = []
    for event in games.events:
        by_event[event.id] = tuple(entry for code in games.delegation_codes
                                   for entry in pairs.get((event.id, code), ()))
        for code in games.delegation_codes:
            if (event.id, code) in replaced:
                changes.extend(_changes(event.id, code, current.by_event.get(event.id, ()),
                                        pairs[(event.id, code)]))
    return Imported(
        registrations=Registrations({key: value for key, value in by_event.items() if value}),
        changes=tuple(changes),
        skipped_sheets=skipped,
    )


def _changes(
    event_id: str, delegation: str, current: Sequence[Entrant], new: Sequence[Entrant]
) -> list[EntryChange]:
    before = {entry.bib: entry for entry in current if entry.delegation == delegation}
    after = {entry.bib: entry for entry in new}
    removed = [entry for bib, entry in before.items() if bib not in after]
    changes: list[EntryChange] = []
    for bib, entry in after.items():
        old = before.get(bib)
        if old is None:
            # The same competitor under a new bib is one change, not a removal and an addition.
            renamed = next((gone for gone in removed if gone.name == entry.name), None)
            if renamed is not None:
                removed.remove(renamed)
            changes.append(EntryChange(event_id, delegation,
                                       "added" if renamed is None else "new bib", renamed, entry))
        elif old != entry:
            changes.append(EntryChange(event_id, delegation, "changed", old, entry))
    changes.extend(EntryChange(event_id, delegation, "removed", entry, None) for entry in removed)
    return changes
