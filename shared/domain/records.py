# Chinese messages use full-width punctuation on purpose.
"""Records (纪录): the standing ones from the games file, and those the marks of these games set.

Records are found from the marks, never taken on an official's word (docs/records.md). Given
the latest revision of every unit's result, `detect_records` walks the official ones in time
order and sets, level by level, every record a unit's best mark breaks (or equals, where the
event counts equalling). It is a pure function of those revisions: a correction or cancellation
that removes a mark removes its record and bonus, and the record it had beaten stands again.
An entry's `record` claim is checked against the same findings by `claim_problems`.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from shared.domain.errors import validation_problems
from shared.domain.marks import (
    MEASURES,
    Bilingual,
    Mark,
    MarkedEntry,
    MarkError,
    Measure,
    parse_mark,
)

RecordLevel = Literal["games", "provincial", "national"]
# Lowest first, as rules.RECORD_LEVELS (a test keeps them equal): a level implies the earlier.
LEVELS: Final[tuple[RecordLevel, ...]] = ("games", "provincial", "national")
_LEVEL_NAMES: Final[dict[str, Bilingual]] = {
    "games": Bilingual("games record", "运动会纪录"),
    "provincial": Bilingual("provincial record", "省纪录"),
    "national": Bilingual("national record", "全国纪录"),
}


def _quoted_mark(value: Any) -> Any:
    # YAML reads 10.91 as a float and 1:02.45 as 62.45 (base 60): only quoted text is exact.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write the mark in quotes (mark: '10.91'): unquoted, YAML reads it as "
                         "a number, and 1:02.45 as 62.45")
    return value


class RecordDefinition(BaseModel):
    """A standing record as the `records:` section of the games file lists it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str = Field(min_length=1)
    level: RecordLevel
    mark: Annotated[str, BeforeValidator(_quoted_mark), Field(min_length=1)]
    holder: str = Field(min_length=1)
    # The holder's delegation at these games; optional for provincial and national records,
    # which are mostly held by athletes from elsewhere.
    delegation: str | None = None
    year: int = Field(ge=1900, le=2100)


@dataclass(frozen=True)
class SetAt:
    """Where at these games a record was set: the unit, its result's revision, the entry."""

    unit_id: str
    revision: int
    accepted_at: datetime
    entry: int  # the entry's index in the result
    starts_at: datetime  # the unit's start: with accepted_at, the order records were set in

    @property
    def phase(self) -> str:
        return self.unit_id.partition("/")[2]


@dataclass(frozen=True)
class Record:
    event_id: str
    level: RecordLevel
    mark: Mark
    holder: str
    delegation: str | None
    year: int
    set_at: SetAt | None = None  # None: a record from the games file

    def describe(self) -> Bilingual:
        """Like 10.91 (李明, qinyang, 2020); a record set at these games adds its phase."""
        details = [self.holder, *([self.delegation] if self.delegation else [])]
        phase = [self.set_at.phase] if self.set_at else []
        return Bilingual(f"{self.mark.text} ({', '.join([*details, str(self.year), *phase])})",
                         f"{self.mark.text}（{'，'.join([*details, f'{self.year}年', *phase])}）")

    def document(self) -> dict[str, Any]:
        set_at = self.set_at
        return {
            "event_id": self.event_id, "level": self.level, "mark": self.mark.text,
            "holder": self.holder, "delegation": self.delegation, "year": self.year,
            "set_at": None if set_at is None else {
                "unit_id": set_at.unit_id, "revision": set_at.revision,
                "accepted_at": set_at.accepted_at.isoformat(), "entry": set_at.entry,
            },
        }


@dataclass(frozen=True)
class RecordBook:
    """What the games file says about records: the measures, equalling, the standing records."""

    measures: Mapping[str, Measure]  # event id -> measure; other events keep free-text marks
    equalling: frozenset[str]  # the events where equalling a record sets it (平纪录)
    records: tuple[Record, ...]  # standing before these games, in file order

    def measure(self, event_id: str) -> Measure | None:
        return self.measures.get(event_id)


NO_RECORDS: Final = RecordBook(measures={}, equalling=frozenset(), records=())


# --- The games file's record sections ------------------------------------------------------
# games.py reads them (parse_games), so these rules see the games through what they read of
# them, not through games.py's types: the games import the records, never the other way.

RECORD_SECTIONS: Final = ("measures", "equalling", "records")
# Bar heights rise in steps, so clearing the record height again is the same feat; a time or
# distance only equals to the 0.01 s or cm it is read to. Sports or events may say otherwise.
_EQUALLING_BY_DEFAULT: Final[frozenset[Measure]] = frozenset({"height"})


class _Event(Protocol):
    @property
    def sport(self) -> str: ...
    @property
    def scheduled_at(self) -> datetime: ...


class GamesIndex(Protocol):
    """What the record sections are checked against: games.Games has it all."""

    @property
    def events(self) -> Sequence[_Event]: ...
    def event(self, event_id: str) -> _Event | None: ...
    def sport(self, code: str) -> object | None: ...
    def delegation(self, code: str) -> object | None: ...


def parse_records(document: Mapping[str, Any], games: GamesIndex,
                  malformed: Collection[str] = ()) -> tuple[RecordBook, list[str]]:
    """The record sections of a games document, and every problem in them (labelled like
    `records[3] (ath-youth-m-100m games).mark`); the book holds only what is valid.

    What names a `malformed` id (an event, sport or delegation the file declares in a form
    that has problems of its own) is left out without a problem of its own."""
    problems: list[str] = []
    skip = frozenset(malformed)
    measures = _measures(document.get("measures", {}), games, skip, problems)
    equalling = _equalling(document.get("equalling", {}), games, measures, skip, problems)
    records = _records(document.get("records", []), games, measures, skip, problems)
    return RecordBook(measures=measures, equalling=equalling, records=records), problems


def _measures(section: Any, games: GamesIndex, skip: frozenset[str], problems: list[str]
              ) -> dict[str, Measure]:
    if not isinstance(section, dict):
        problems.append("measures: not a mapping of event ids to measures")
        return {}
    measures: dict[str, Measure] = {}
    for event_id, measure in section.items():
        if event_id in skip:
            continue
        if games.event(str(event_id)) is None:
            problems.append(f"measures.{event_id}: unknown event")
        elif measure not in MEASURES:
            problems.append(f"measures.{event_id}: {measure!r} is not a measure; the measures "
                            f"are {', '.join(MEASURES)}")
        else:
            measures[event_id] = measure
    return measures


def _equalling(
    section: Any, games: GamesIndex, measures: Mapping[str, Measure], skip: frozenset[str],
    problems: list[str],
) -> frozenset[str]:
    if not isinstance(section, dict):
        problems.append("equalling: not a mapping of event ids or sports to true or false")
        section = {}
    for key, counts in section.items():
        if key in skip:
            continue
        if games.event(str(key)) is None and games.sport(str(key)) is None:
            problems.append(f"equalling.{key}: neither an event nor a sport")
        elif not isinstance(counts, bool):
            problems.append(f"equalling.{key}: write true or false, not {counts!r}")
    counting = set()
    for event_id, measure in measures.items():
        event = games.event(event_id)
        assert event is not None  # _measures keeps known events only
        by_default = measure in _EQUALLING_BY_DEFAULT
        if section.get(event_id, section.get(event.sport, by_default)) is True:
            counting.add(event_id)
    return frozenset(counting)


def _records(
    section: Any, games: GamesIndex, measures: Mapping[str, Measure], skip: frozenset[str],
    problems: list[str],
) -> tuple[Record, ...]:
    if not isinstance(section, list):
        problems.append("records: not a list of records")
        return ()
    # A games file without events has its own problem; its records' years are not checked.
    games_year = min((event.scheduled_at.year for event in games.events), default=9999)
    labelled: dict[tuple[str, str], tuple[str, Record]] = {}
    for index, item in enumerate(section):
        label = f"records[{index}]"
        if isinstance(item, dict) and {"event", "level"} <= item.keys():
            label += f" ({item['event']} {item['level']})"
        try:
            definition = RecordDefinition.model_validate(item)
        except ValidationError as error:
            problems.extend(validation_problems(error, label))
            continue
        if {definition.event, definition.delegation} & skip:
            continue
        record = _record(label, definition, games, games_year, measures, problems)
        key = (definition.event, definition.level)
        if key in labelled:
            problems.append(f"{label}: a second {definition.level} record of "
                            f"{definition.event}; the first is {labelled[key][0]}")
        elif record is not None:
            labelled[key] = (label, record)
    for (event_id, level), (label, record) in labelled.items():
        for higher in LEVELS[LEVELS.index(level) + 1:]:
            above = labelled.get((event_id, higher))
            if above is not None and record.mark.beats(above[1].mark):
                problems.append(
                    f"{label}.mark: {record.mark.text} beats the {higher} record "
                    f"{above[1].mark.text} ({above[0]}): a lower level's record is never better")
    return tuple(record for _, record in labelled.values())


def _record(
    label: str, definition: RecordDefinition, games: GamesIndex, games_year: int,
    measures: Mapping[str, Measure], problems: list[str],
) -> Record | None:
    """The record a well-formed definition gives, or None with its problems listed."""
    found: list[str] = []
    measure = measures.get(definition.event)
    mark: Mark | None = None
    if games.event(definition.event) is None:
        found.append(f"{label}.event: unknown event {definition.event!r}")
    elif measure is None:
        found.append(f"{label}.event: {definition.event} has no measure; give it one under "
                     "measures: to keep its records")
    elif measure == "judged":
        found.append(f"{label}.event: {definition.event} is judged, and judged events keep no "
                     "records")
    else:
        try:
            mark = parse_mark(definition.mark, measure)
        except MarkError as error:
            found.append(f"{label}.mark: {error.problem.en}")
    if definition.delegation is None and definition.level == "games":
        found.append(f"{label}.delegation: a games record names the holder's delegation")
    elif definition.delegation is not None and games.delegation(definition.delegation) is None:
        found.append(f"{label}.delegation: unknown delegation {definition.delegation!r}")
    if definition.year > games_year:
        found.append(f"{label}.year: {definition.year} is after these games ({games_year})")
    problems.extend(found)
    if found or mark is None:
        return None
    return Record(event_id=definition.event, level=definition.level, mark=mark,
                  holder=definition.holder, delegation=definition.delegation,
                  year=definition.year)


# --- Records set at these games ---------------------------------------------------------

@dataclass(frozen=True)
class UnitResult:
    """One revision of a unit's result (unit_id `<event_id>/<phase>`), with its time order."""

    event_id: str
    phase: str
    revision: int
    status: str  # provisional | official | cancelled: only official results set records
    starts_at: datetime  # the unit's start
    accepted_at: datetime  # when this revision was accepted
    entries: tuple[MarkedEntry, ...]

    @property
    def unit_id(self) -> str:
        return f"{self.event_id}/{self.phase}"


@dataclass(frozen=True)
class NewRecord:
    """A record set at these games: the new record, how, and the one it replaced (if any)."""

    record: Record
    kind: Literal["broken", "equalled"]
    previous: Record | None  # None: no record of this level stood (set with a higher one)

    def document(self) -> dict[str, Any]:
        previous = None if self.previous is None else self.previous.document()
        return {**self.record.document(), "kind": self.kind, "previous": previous}


@dataclass(frozen=True)
class UnitRecords:
    """What one official unit result did to the records of its event."""

    unit_id: str
    before: Mapping[str, Record]  # level -> the record standing when the unit began
    new: tuple[NewRecord, ...]  # highest level first, then the holders in listed order
    tags: Mapping[int, RecordLevel]  # entry index -> the highest level the entry set


@dataclass(frozen=True)
class RecordsReport:
    standing: tuple[Record, ...]  # after every unit, by event (the book's order) and level
    new: tuple[NewRecord, ...]  # in time order
    units: Mapping[str, UnitRecords]  # every official unit, by unit id

    def tags(self, unit_id: str) -> Mapping[int, RecordLevel]:
        """Each entry's detected record, by entry index: what engine.Entry.record means."""
        unit = self.units.get(unit_id)
        return {} if unit is None else unit.tags

    def competitor_levels(self, event_id: str) -> dict[tuple[str, str], RecordLevel]:
        """(delegation, competitor) -> the highest level each set in any unit of the event:
        the record bonus, once per competitor and event (a record in the heat and another in
        the final earn one bonus)."""
        levels: dict[tuple[str, str], RecordLevel] = {}
        for new in self.new:
            record = new.record
            key = (record.delegation or "", record.holder)
            if record.event_id == event_id and (
                key not in levels or LEVELS.index(record.level) > LEVELS.index(levels[key])
            ):
                levels[key] = record.level
        return levels

    def document(self) -> dict[str, Any]:
        """The body proposed for `GET /v1/records`."""
        return {"standing": [record.document() for record in self.standing],
                "set_here": [new.document() for new in self.new]}


def detect_records(book: RecordBook, results: Iterable[UnitResult]) -> RecordsReport:
    """Every record the official results set, from the marks alone.

    `results` may hold several revisions of a unit; its latest counts, and only if official.
    Units are taken in time order: by start, then acceptance (then unit id, so the order is
    total). Each level of the unit's event is set by the unit's best electronic mark (and every
    entry equal to it) when it beats that level's standing record, or equals it where the event
    counts equalling, or when no record of the level stands and a higher level is set. Only the
    best counts, as in a race where the runner-up finishes after the winner's record; a field
    event's attempt order is not in the result, so the same holds there. Hand times set no
    record: records are kept to the 0.01 s of electronic timing. A broken record stands for
    the later units; an equalled one leaves the earlier holder standing.
    """
    standing = {(record.event_id, record.level): record for record in book.records}
    new: list[NewRecord] = []
    units: dict[str, UnitRecords] = {}
    for unit in _official_in_time_order(results):
        before: dict[str, Record] = {level: standing[(unit.event_id, level)]
                                     for level in LEVELS if (unit.event_id, level) in standing}
        found = _unit_records(book, unit, before)
        units[unit.unit_id] = found
        new.extend(found.new)
        for record in found.new:
            key = (unit.event_id, record.record.level)
            if record.kind == "broken" and standing.get(key) is record.previous:
                standing[key] = record.record  # the first holder of an equal best
    return RecordsReport(standing=_in_book_order(book, standing.values()), new=tuple(new),
                         units=units)


def games_report(book: RecordBook, reports: Iterable[RecordsReport]) -> RecordsReport:
    """The whole games' report from `detect_records` reports on separate events.

    Records chain within an event only, so each event's results can be read on their own (and
    again whenever one of them changes): an event's records stand as its report has them, the
    records set at these games are in the order they were set."""
    standing = {(record.event_id, record.level): record for record in book.records}
    new: list[NewRecord] = []
    units: dict[str, UnitRecords] = {}
    for report in reports:
        units.update(report.units)
        if not report.new:
            continue  # nothing set: the event's records stand as the book has them
        new.extend(report.new)
        changed = {record.record.event_id for record in report.new}
        standing.update({(record.event_id, record.level): record
                         for record in report.standing if record.event_id in changed})
    return RecordsReport(standing=_in_book_order(book, standing.values()),
                         new=tuple(sorted(new, key=_setting_order)), units=units)


def _in_book_order(book: RecordBook, records: Iterable[Record]) -> tuple[Record, ...]:
    order = {event_id: position for position, event_id in enumerate(book.measures)}
    return tuple(sorted(records, key=lambda record: (order[record.event_id],
                                                     LEVELS.index(record.level))))


def _setting_order(new: NewRecord) -> tuple[datetime, datetime, str]:
    set_at = new.record.set_at
    assert set_at is not None, "a record set at these games says where"
    return set_at.starts_at, set_at.accepted_at, set_at.unit_id


def _official_in_time_order(results: Iterable[UnitResult]) -> list[UnitResult]:
    latest: dict[str, UnitResult] = {}
    for result in results:
        current = latest.get(result.unit_id)
        if current is None or result.revision > current.revision:
            latest[result.unit_id] = result
    return sorted((result for result in latest.values() if result.status == "official"),
                  key=lambda result: (result.starts_at, result.accepted_at, result.unit_id))


def _unit_records(book: RecordBook, unit: UnitResult, before: Mapping[str, Record]
                  ) -> UnitRecords:
    marks = _record_marks(book, unit)
    if not marks:
        return UnitRecords(unit_id=unit.unit_id, before=before, new=(), tags={})
    best = min(marks.values(), key=lambda mark: mark.rank_key)
    holders = [index for index, mark in marks.items() if mark.value == best.value]
    set_levels: list[tuple[RecordLevel, Literal["broken", "equalled"], Record | None]] = []
    for level in reversed(LEVELS):
        previous = before.get(level)
        if previous is None:
            if set_levels:  # a national record is also the first provincial one
                set_levels.append((level, "broken", None))
        elif best.beats(previous.mark):
            set_levels.append((level, "broken", previous))
        elif best.value == previous.mark.value and unit.event_id in book.equalling:
            set_levels.append((level, "equalled", previous))
    new = tuple(
        NewRecord(record=_set_record(unit, index, marks[index], level), kind=kind,
                  previous=previous)
        for level, kind, previous in set_levels
        for index in holders
    )
    tags = {index: set_levels[0][0] for index in holders} if set_levels else {}
    return UnitRecords(unit_id=unit.unit_id, before=before, new=new, tags=tags)


def _record_marks(book: RecordBook, unit: UnitResult) -> dict[int, Mark]:
    """Entry index -> mark of the entries that may set a record: OK, with an electronic mark.

    A mark that does not parse (entered before the event had a measure) sets nothing."""
    measure = book.measure(unit.event_id)
    if measure is None or measure == "judged":
        return {}
    marks: dict[int, Mark] = {}
    for index, entry in enumerate(unit.entries):
        if entry.status != "OK" or entry.mark is None:
            continue
        try:
            mark = parse_mark(entry.mark, measure)
        except MarkError:
            continue
        if not mark.hand:
            marks[index] = mark
    return marks


def _set_record(unit: UnitResult, index: int, mark: Mark, level: RecordLevel) -> Record:
    entry = unit.entries[index]
    return Record(
        event_id=unit.event_id, level=level, mark=mark, holder=entry.competitor.strip(),
        delegation=entry.delegation, year=unit.starts_at.year,
        set_at=SetAt(unit_id=unit.unit_id, revision=unit.revision,
                     accepted_at=unit.accepted_at, entry=index, starts_at=unit.starts_at),
    )


# --- Claims --------------------------------------------------------------------------------

def claim_problems(
    book: RecordBook, results: Iterable[UnitResult], submission: UnitResult
) -> list[tuple[int, str, Bilingual]]:
    """Every entry's `record` claim that its mark does not support, as (entry index, "record",
    message), naming the record it fails to break.

    `results` are the games' results so far; `submission` is checked as if it were the unit's
    latest official revision, whatever its status, so a provisional result's claims are
    checked too. A claim at or below the level the mark sets is supported (the detected level
    is what counts). Claims the engine's rank_problems refuses anyway (an unknown level, a DNF
    entry) and marks mark_problems refuses are left to them.
    """
    others = [result for result in results if result.unit_id != submission.unit_id]
    report = detect_records(book, [*others, replace(submission, status="official")])
    unit = report.units[submission.unit_id]
    problems: list[tuple[int, str, Bilingual]] = []
    for index, entry in enumerate(submission.entries):
        level = entry.record
        if level is None or level not in LEVELS or entry.status != "OK":
            continue
        tag = unit.tags.get(index)
        if tag is not None and LEVELS.index(tag) >= LEVELS.index(level):
            continue
        problem = _unsupported(book, submission.event_id, unit, entry.mark, level)
        if problem is not None:
            problems.append((index, "record", problem))
    return problems


def _unsupported(
    book: RecordBook, event_id: str, unit: UnitRecords, given: str | None, level: str
) -> Bilingual | None:
    name = _LEVEL_NAMES[level]
    measure = book.measure(event_id)

    def claimed(en: str, zh: str) -> Bilingual:
        return Bilingual(f"record {level!r} claimed, but {en}", f"申报了{name.zh}，但{zh}")

    if measure is None or measure == "judged":
        how = Bilingual("judged", "由裁判评分") if measure else Bilingual("not measured", "不计量")
        return claimed(f"{event_id} keeps no records: its marks are {how.en}",
                       f"项目 {event_id} 不设纪录：其成绩{how.zh}")
    if given is None:
        return claimed("the entry has no mark to show it", "该条目没有成绩可以证明")
    try:
        mark = parse_mark(given, measure)
    except MarkError:
        return None
    if mark.hand:
        return claimed(f"{mark.text} is hand-timed: records need electronic timing (0.01 s)",
                       f"成绩 {mark.text} 是手计时：纪录须为电子计时（0.01 秒）")
    previous = unit.before.get(level)
    if previous is not None and previous.mark.beats(mark):
        held = previous.describe()
        return claimed(f"{mark.text} does not beat the {name.en} {held.en}",
                       f"成绩 {mark.text} 未打破{name.zh} {held.zh}")
    # Good enough for the record, or no record stood: then another entry set it, or the
    # level is not set at all (an equal mark that does not count, or nothing to break).
    setter = next((new.record for new in unit.new if new.record.level == level), None)
    if setter is not None:
        return claimed(
            f"{mark.text} is not this unit's best: {setter.mark.text} of {setter.holder} "
            f"({setter.delegation}) sets the {name.en}",
            f"成绩 {mark.text} 不是本场最好成绩：{setter.holder}（{setter.delegation}）的 "
            f"{setter.mark.text} 创造了{name.zh}")
    if previous is None:
        return claimed(f"no {name.en} of {event_id} stands to be broken",
                       f"项目 {event_id} 没有可打破的{name.zh}")
    held = previous.describe()
    return claimed(f"{mark.text} only equals the {name.en} {held.en}, and equalling a record "
                   f"does not count in {event_id}",
                   f"成绩 {mark.text} 只是平了{name.zh} {held.zh}，而项目 {event_id} "
                   "平纪录不算创纪录")
