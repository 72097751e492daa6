"""The scoring engine: medals and points of one result, and the standings tables they add up to.

Pure functions over plain data (docs/api.md "Scoring rules"; docs/scoring.md explains every rule
with examples). Points are exact `Fraction`s: a three-way tie for 1st is worth (9+7+6)/3 each,
which no decimal holds, and sums of rounded shares would drift from the places' true total.
They are rounded only for JSON, by `points_json`.
"""

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from itertools import groupby
from math import floor
from operator import itemgetter
from types import MappingProxyType
from typing import Final, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.domain.checks import UNOFFICIAL
from shared.domain.games import ALL_GROUPS, Event, Games
from shared.domain.names import competitor_name
from shared.domain.records import RecordLevel, RecordsReport, UnitResult, detect_records
from shared.domain.rules import MEDALS, RECORD_LEVELS, CombinedRanking, Rules
from shared.domain.units import RANKING_PHASE

ENTRY_STATUSES: Final = ("OK", "DNF", "DSQ", "DNS")
RESULT_STATUSES: Final = ("provisional", "official", "cancelled")


class Entry(BaseModel):
    """One competitor's (or team's) line of a result, as the official entered it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int | None
    delegation: str
    competitor: str
    status: str = "OK"  # OK | DNF | DSQ | DNS; checked by rank_problems, not by the type
    mark: str | None = None
    # games | provincial | national: the official's claim, checked against the mark by ingest;
    # what counts is the level detected from the marks (EntryAward.record).
    record: str | None = None
    members: tuple[str, ...] = ()
    # The competitor's bib where the event has entries (registrations); None in v1's free text.
    bib: str | None = None


class Result(BaseModel):
    """One revision of an event's result: it replaces the event's earlier revisions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    revision: int
    status: str  # provisional | official | cancelled; scoring's `unofficial`: waits, awards nothing
    entries: tuple[Entry, ...]
    note: str | None = None


@dataclass(frozen=True)
class EntryAward:
    entry: Entry
    medal: str | None  # gold | silver | bronze
    points: Fraction  # the record bonus included
    place: int | None  # the rank counted back in the points table; None when not awarded
    record: RecordLevel | None = None  # the highest level the entry set in this result


@dataclass(frozen=True)
class EventRecords:
    """What the records found from the marks (records.detect_records) mean for an event's
    ranking: the badges of its entries and the record bonus of its competitors."""

    tags: Mapping[int, RecordLevel]  # entry index -> the highest level it set in the ranking
    # (delegation, competitor) -> the highest level each set in any unit of the event: the
    # bonus goes once per competitor and event, a record in the heat included.
    levels: Mapping[tuple[str, str], RecordLevel]

    @classmethod
    def of(cls, report: RecordsReport, event_id: str) -> "EventRecords":
        """The event's share of a report on (at least) the event's units."""
        return cls(tags=report.tags(f"{event_id}/{RANKING_PHASE}"),
                   levels=report.competitor_levels(event_id))


NO_RECORDS: Final = EventRecords(tags=MappingProxyType({}), levels=MappingProxyType({}))


def ranking_unit(event: Event, result: Result, accepted_at: datetime) -> UnitResult:
    """The event's ranking (its final) as the records read it: it starts at the event's
    `scheduled_at`."""
    return UnitResult(event_id=event.id, phase=RANKING_PHASE, revision=result.revision,
                      status=result.status, starts_at=event.scheduled_at,
                      accepted_at=accepted_at, entries=result.entries)


def points_json(value: Fraction) -> float:
    """`value` rounded half-up to 2 decimals, as the JSON number the contract promises.

    Points are never negative, so half-up is floor(x + 1/2) on hundredths; int / int is then
    correctly rounded, so 733 / 100 prints as 7.33.
    """
    return floor(value * 100 + Fraction(1, 2)) / 100


def rank_problems(entries: Sequence[Entry]) -> list[tuple[int, str, str]]:
    """Every problem in a result's entries as (entry index, field, message for the official).

    An empty list means `award_result` can score the entries. Entries need not be listed in rank
    order; among tied entries the listed order is their display order.
    """
    problems: list[tuple[int, str, str]] = []
    ranked: list[tuple[int, int]] = []  # (rank, index) of OK entries with a usable rank
    first_listing: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        if entry.status not in ENTRY_STATUSES:
            problems.append((index, "status", f"unknown status {entry.status!r}; expected one "
                             f"of {', '.join(ENTRY_STATUSES)}"))
        elif entry.status == "OK":
            if entry.rank is None:
                problems.append((index, "rank", "an OK entry needs its rank (1, 2, 3, ...)"))
            elif entry.rank < 1:
                problems.append((index, "rank",
                                 f"rank {entry.rank} is not valid: ranks start at 1"))
            else:
                ranked.append((entry.rank, index))
        elif entry.rank is not None:
            problems.append((index, "rank", f"a {entry.status} entry has no rank; send rank null "
                             f"instead of {entry.rank}"))
        if entry.record is not None:
            if entry.record not in RECORD_LEVELS:
                problems.append((index, "record", f"unknown record level {entry.record!r}; "
                                 f"expected one of {', '.join(RECORD_LEVELS)}"))
            elif entry.status != "OK":
                problems.append((index, "record", f"a {entry.status} entry cannot set a record"))
        listing = (entry.delegation, competitor_name(entry.competitor))
        if listing in first_listing:
            problems.append((index, "competitor", f"{listing[1]} of {entry.delegation} is "
                             f"already listed as entry {first_listing[listing]}"))
        else:
            first_listing[listing] = index
    problems.extend(_ranking_problems(ranked))
    return sorted(problems, key=lambda problem: problem[0])


def _ranking_problems(ranked: list[tuple[int, int]]) -> list[tuple[int, str, str]]:
    # A competition ranking (1, 2, 3, 3, 5): each rank is 1 + the number of entries ranked
    # strictly better. Each group of equal ranks is judged on its own, so one wrong rank does not
    # make every later one look wrong too.
    problems: list[tuple[int, str, str]] = []
    better = 0  # entries ranked strictly better than the current group
    previous: tuple[int, int] | None = None  # (rank, size) of the group before
    for rank, group in groupby(sorted(ranked), key=itemgetter(0)):
        indices = [index for _, index in group]
        expected = better + 1
        if rank != expected:
            if previous is None:
                reason = f"rank {rank} should be 1: no entry is ranked better"
            elif previous[1] > 1:
                reason = f"rank {rank} follows a tie at {previous[0]} and should be {expected}"
            else:
                entries = "1 entry is" if better == 1 else f"{better} entries are"
                reason = f"rank {rank} should be {expected}: {entries} ranked better"
            problems.extend((index, "rank", reason) for index in indices)
        previous = (rank, len(indices))
        better += len(indices)
    return problems


def award_result(
    event: Event, result: Result, rules: Rules, records: EventRecords = NO_RECORDS
) -> tuple[EntryAward, ...]:
    """Each entry's medal and points; only an official result awards anything.

    A cancelled result awards nothing and lists no entries; a provisional one, or an official
    one that waits for its confirmation (`unofficial`), lists its entries with no medal and 0
    points. The record bonus follows `records`, the records found from the
    marks; an entry's own `record` claim earns nothing. Raises ValueError for a result that
    does not belong to `event` or that `rank_problems` rejects (ingest refuses those, so this
    means a bug upstream).
    """
    if result.event_id != event.id:
        raise ValueError(f"result for {result.event_id!r} given with event {event.id!r}")
    if result.status not in (*RESULT_STATUSES, UNOFFICIAL):
        raise ValueError(f"result status {result.status!r} is not one of {RESULT_STATUSES}")
    if result.status == "cancelled":
        return ()
    problems = rank_problems(result.entries)
    if problems:
        listed = "; ".join(f"entries[{index}].{name}: {text}" for index, name, text in problems)
        raise ValueError(f"{event.id} revision {result.revision} is invalid: {listed}")
    if result.status != "official":
        return tuple(_nothing(entry) for entry in result.entries)
    starters = sum(1 for entry in result.entries if entry.status != "DNS")
    places = rules.places_awarded(starters)
    tie_sizes = Counter(entry.rank for entry in result.entries if entry.status == "OK")
    return tuple(
        _award_entry(entry, tie_sizes, places, event.points_multiplier, rules,
                     records.tags.get(index),
                     records.levels.get((entry.delegation, entry.competitor.strip())))
        for index, entry in enumerate(result.entries)
    )


def _nothing(entry: Entry) -> EntryAward:
    return EntryAward(entry=entry, medal=None, points=Fraction(0), place=None)


def _award_entry(
    entry: Entry, tie_sizes: Counter[int | None], places: int, multiplier: int, rules: Rules,
    tag: RecordLevel | None, level: RecordLevel | None,
) -> EntryAward:
    rank = entry.rank
    if entry.status != "OK" or rank is None:
        return _nothing(entry)
    # Tied entries at `rank` occupy places rank .. rank+k-1 and share their points equally;
    # places beyond those awarded are worth nothing.
    occupied = range(rank, rank + tie_sizes[rank])
    share = Fraction(sum(rules.place_points[place - 1] for place in occupied if place <= places),
                     len(occupied))
    awarded = rank <= places
    medal = MEDALS[rank - 1] if awarded and rank <= rules.medal_places else None
    return EntryAward(
        entry=entry,
        medal=medal,
        points=share * multiplier + rules.record_points(level),
        place=rank if awarded else None,
        record=tag,
    )


def apply_result(latest: Mapping[str, Result], result: Result) -> dict[str, Result]:
    """Each event's newest result after `result` arrives.

    A newer revision replaces the event's result entirely (a cancellation included); an older or
    repeated one changes nothing, so redelivered or reordered messages give the same tables.
    """
    current = latest.get(result.event_id)
    if current is not None and current.revision >= result.revision:
        return dict(latest)
    return {**latest, result.event_id: result}


@dataclass(frozen=True)
class MedalRow:
    rank: int
    delegation: str
    gold: int
    silver: int
    bronze: int

    @property
    def total(self) -> int:
        return self.gold + self.silver + self.bronze


@dataclass(frozen=True)
class PointsRow:
    rank: int
    delegation: str
    points: Fraction
    place_counts: tuple[int, ...]  # how many 1st, 2nd, ... places: the countback


@dataclass(frozen=True)
class CombinedRow:
    rank: int
    delegation: str
    score: int  # medal_rank_weight * medal_rank + points_rank_weight * points_rank
    medal_rank: int
    points_rank: int


@dataclass(frozen=True)
class Standings:
    """The tables of every scope ("all" and each group code), rows in rank order."""

    medals: Mapping[str, tuple[MedalRow, ...]]
    points: Mapping[str, tuple[PointsRow, ...]]
    combined: Mapping[str, tuple[CombinedRow, ...]]


@dataclass
class _Tally:
    """What one delegation has won in one scope so far."""

    place_counts: list[int]
    medals: Counter[str] = field(default_factory=Counter)
    # Whole points apart from the fractions of shared places: adding Fractions was 85 % of
    # a result's scoring once 165 events had results (7.9 ms of CPU for each), ints cost
    # a fraction of that.
    whole_points: int = 0
    shared_points: Fraction = Fraction(0)

    def count(self, award: EntryAward, times: int) -> None:
        """Counts the award `times` times: 1 to add it, -1 to take it out again."""
        if award.medal is not None:
            self.medals[award.medal] += times
        if award.points.denominator == 1:
            self.whole_points += times * award.points.numerator
        else:
            self.shared_points += times * award.points
        if award.place is not None:
            self.place_counts[award.place - 1] += times

    def copy(self) -> "_Tally":
        return _Tally(list(self.place_counts), Counter(self.medals), self.whole_points,
                      self.shared_points)

    @property
    def points(self) -> Fraction:
        return self.shared_points + self.whole_points


@dataclass(frozen=True)
class Tallies:
    """What every delegation has won in every scope, summed over each event's awards: what
    the tables rank. `of` sums every event's; `replaced` takes one event's awards out and
    puts its new ones in, copying only that event's two scopes, so a result's tables cost
    its own awards rather than every event's (both give the same sums: the tests hold them
    equal)."""

    scopes: Mapping[str, Mapping[str, _Tally]]

    @classmethod
    def of(cls, games: Games, rules: Rules,
           awards: Mapping[str, Sequence[EntryAward]]) -> "Tallies":
        """`awards` maps event ids to what `award_result` gave for the event's newest
        result."""
        scopes = {scope: {code: _Tally(place_counts=[0] * len(rules.place_points))
                          for code in games.delegation_codes}
                  for scope in games.standings_scopes}
        for event_id, event_awards in awards.items():
            _count(scopes, games, event_id, event_awards, 1)
        return cls(scopes)

    def replaced(self, games: Games, event_id: str, before: Sequence[EntryAward],
                 after: Sequence[EntryAward]) -> "Tallies":
        """These sums with the event's awards `before` replaced by `after`."""
        touched = event_scopes(games, event_id)
        scopes = {scope: {code: tally.copy() for code, tally in tallies.items()}
                  if scope in touched else tallies for scope, tallies in self.scopes.items()}
        _count(scopes, games, event_id, before, -1)
        _count(scopes, games, event_id, after, 1)
        return Tallies(scopes)


def event_scopes(games: Games, event_id: str) -> tuple[str, str]:
    """The scopes whose tables an event's awards count in: every group's, and its own."""
    event = games.event(event_id)
    if event is None:
        raise ValueError(f"awards for unknown event {event_id!r}")
    return ALL_GROUPS, event.group


def _count(scopes: Mapping[str, Mapping[str, _Tally]], games: Games, event_id: str,
           awards: Sequence[EntryAward], times: int) -> None:
    counted_in = event_scopes(games, event_id)
    for award in awards:
        for scope in counted_in:
            tally = scopes[scope].get(award.entry.delegation)
            if tally is None:
                raise ValueError(f"{event_id}: unknown delegation {award.entry.delegation!r}")
            tally.count(award, times)


def standings_of(games: Games, rules: Rules, tallies: Tallies,
                 only: Collection[str] | None = None) -> Standings:
    """The medal, points and combined tables of every scope (or of the scopes `only`
    names) from what each delegation won. Every delegation has a row in every table, zeros
    included."""
    scopes = tallies.scopes if only is None else {
        scope: tallies.scopes[scope] for scope in only}
    medals = {scope: _medal_rows(scope_tallies) for scope, scope_tallies in scopes.items()}
    points = {scope: _points_rows(scope_tallies) for scope, scope_tallies in scopes.items()}
    combined = {
        scope: _combined_rows(games.delegation_codes, medals[scope], points[scope], rules.combined)
        for scope in scopes
    }
    return Standings(medals=medals, points=points, combined=combined)


def compute_standings(
    games: Games, rules: Rules, awards: Mapping[str, Sequence[EntryAward]]
) -> Standings:
    """The medal, points and combined tables of every scope from each event's awards
    (`Tallies.of`)."""
    return standings_of(games, rules, Tallies.of(games, rules, awards))


def standings_after(games: Games, rules: Rules, results: Iterable[Result]) -> Standings:
    """The tables once `results` have arrived, in any order: each event's newest revision
    counts, as `apply_result` keeps it, and so do the records its marks set. Each result is
    its event's ranking, its only unit."""
    latest: dict[str, Result] = {}
    for result in results:
        latest = apply_result(latest, result)
    awards = {}
    for event_id, result in latest.items():
        event = games.event(event_id)
        if event is None:
            raise ValueError(f"a result for unknown event {event_id!r}")
        # One unit: when its revision was accepted does not change its records.
        unit = ranking_unit(event, result, accepted_at=event.scheduled_at)
        records = EventRecords.of(detect_records(games.records, [unit]), event_id)
        awards[event_id] = award_result(event, result, rules, records)
    return compute_standings(games, rules, awards)


_Row = TypeVar("_Row")


def _competition_ranked(
    items: Iterable[_Row], key: Callable[[_Row], tuple[Fraction | int, ...]]
) -> list[tuple[int, _Row]]:
    """Items in order of `key` (smaller first) with competition ranks: equal keys share a rank
    (1, 2, 2, 4) and keep their given order, which is the games file's delegation order."""
    ranked: list[tuple[int, _Row]] = []
    previous_key: tuple[Fraction | int, ...] | None = None
    for position, item in enumerate(sorted(items, key=key), start=1):
        item_key = key(item)
        rank = ranked[-1][0] if item_key == previous_key else position
        ranked.append((rank, item))
        previous_key = item_key
    return ranked


def _medal_rows(tallies: Mapping[str, _Tally]) -> tuple[MedalRow, ...]:
    return tuple(
        MedalRow(rank=rank, delegation=code, gold=tally.medals["gold"],
                 silver=tally.medals["silver"], bronze=tally.medals["bronze"])
        for rank, (code, tally) in _competition_ranked(
            tallies.items(),
            key=lambda item: tuple(-item[1].medals[medal] for medal in MEDALS),
        )
    )


def _points_rows(tallies: Mapping[str, _Tally]) -> tuple[PointsRow, ...]:
    points = {code: tally.points for code, tally in tallies.items()}
    return tuple(
        PointsRow(rank=rank, delegation=code, points=points[code],
                  place_counts=tuple(tally.place_counts))
        for rank, (code, tally) in _competition_ranked(
            tallies.items(),
            key=lambda item: (-points[item[0]], *(-count for count in item[1].place_counts)),
        )
    )


def _combined_rows(
    delegation_codes: Sequence[str],
    medal_rows: Sequence[MedalRow],
    points_rows: Sequence[PointsRow],
    weights: CombinedRanking,
) -> tuple[CombinedRow, ...]:
    medal_ranks = {row.delegation: row.rank for row in medal_rows}
    points_ranks = {row.delegation: row.rank for row in points_rows}

    def score(code: str) -> int:
        return (weights.medal_rank_weight * medal_ranks[code]
                + weights.points_rank_weight * points_ranks[code])

    return tuple(
        CombinedRow(rank=rank, delegation=code, score=score(code),
                    medal_rank=medal_ranks[code], points_rank=points_ranks[code])
        for rank, code in _competition_ranked(
            delegation_codes, key=lambda code: (score(code), points_ranks[code], medal_ranks[code])
        )
    )
