"""The games' definition (delegations, groups, venues, sports, events, records), loaded from
games.yaml.

`load_games` checks the whole file (shapes, unique ids, references, schedule, the contract's
"every group has individual and team events", the record sections of records.py) and reports
every problem at once, so a games office can fix its file in one pass. The loaded `Games` is
immutable and shared by all services.
"""

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationError,
    field_serializer,
)

from shared.domain.codes import Code as Code  # re-exported: the games file's ids
from shared.domain.errors import DefinitionError, validation_problems
from shared.domain.pools import DEFAULT_SPORT_RULES
from shared.domain.records import NO_RECORDS, RECORD_SECTIONS, RecordBook, parse_records
from shared.domain.rules import Rules
from shared.domain.start_lists import SeedingSettings
from shared.domain.tournaments import (
    TournamentDefinition,
    TournamentFormat,
    format_problems,
    unit_problems,
)
from shared.domain.units import RANKING_PHASE, Unit, event_units

# The standings scope that counts every event, beside one scope per group.
ALL_GROUPS: Final = "all"


Text = Annotated[str, Field(min_length=1)]


class _Definition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _SectionItem(_Definition):
    """An item of a games.yaml section, unique within it by its `key` (its code or id)."""

    @property
    @abstractmethod
    def key(self) -> str: ...


class _Coded(_SectionItem):
    code: Code
    name: Text
    name_en: Text

    @property
    def key(self) -> str:
        return self.code


class Delegation(_Coded):
    """A county-level delegation (代表团): a district, county, county-level city or the zone."""


class Group(_Coded):
    """A competition group (组别): youth, rural, workers, open."""


class Association(_Coded):
    """A sports association (体育协会) that hosts distributed events at its own venue."""


class Sport(_Coded):
    """A sport (大项), e.g. athletics."""


class Venue(_SectionItem):
    id: Code
    name: Text
    name_en: Text
    # central: run by the city (市级集中比赛); distributed: hosted by a county or association.
    kind: Literal["central", "distributed"]
    # The delegation code or association code of the host; required for distributed venues.
    host: Code | None = None

    @property
    def key(self) -> str:
        return self.id


class EventDefinition(_SectionItem):
    """An event as written in games.yaml, where points_multiplier is optional."""

    id: Code
    sport: Code
    name: Text
    name_en: Text
    group: Code
    gender: Literal["M", "F", "X"]
    kind: Literal["individual", "team"]
    venue: Code
    points_multiplier: int | None = Field(default=None, ge=1)
    scheduled_at: AwareDatetime
    # Its units (heats, semi-finals, the final) as written, checked by units.event_units;
    # without them the event is a single final at scheduled_at.
    units: Sequence[Any] | None = None
    # How its start lists are drawn and seeded; without it, a drawn order and no lanes.
    seeding: SeedingSettings = SeedingSettings()
    # A team event played as matches (docs/tournaments.md): its pools, knockout and placings
    # as written, checked by parse_games; its units are then its matches and its final.
    tournament: Any | None = None

    @property
    def key(self) -> str:
        return self.id


class Event(EventDefinition):
    """An event with its points multiplier resolved against the rules and its units read."""

    points_multiplier: int = Field(ge=1)
    # parse_games always gives the units (a final at least); result documents leave them out
    # (`result_document`), so the event's shape does not require them.
    units: tuple[Unit, ...] = ()
    # Its format, the rules resolved; None for an event whose ranking is entered as such.
    tournament: TournamentFormat | None = None

    @cached_property
    def _units_by_phase(self) -> dict[str, Unit]:
        return {unit.phase: unit for unit in self.units}

    def unit(self, phase: str) -> Unit | None:
        return self._units_by_phase.get(phase)

    @field_serializer("units")
    def _public_units(self, units: tuple[Unit, ...]) -> list[dict[str, Any]]:
        return [unit.document() for unit in units]

    def result_document(self) -> dict[str, Any]:
        """The event as result documents carry it (`GET /v1/events/{id}`'s `event`): v1's
        fields; its units and seeding are in `GET /v1/games`."""
        return self.model_dump(mode="json", exclude={"units", "seeding", "tournament"})

    @property
    def has_rounds(self) -> bool:
        """Whether the event runs heats or semi-finals before its final."""
        return len(self.units) > 1


class Games(_Definition):
    name: Text
    name_en: Text
    delegations: tuple[Delegation, ...]
    groups: tuple[Group, ...]
    associations: tuple[Association, ...]
    sports: tuple[Sport, ...]
    venues: tuple[Venue, ...]
    events: tuple[Event, ...]
    # The measures, equalling and standing records (records.py); checked by parse_games, and
    # not part of GET /v1/games: GET /v1/records publishes them.
    records: Annotated[RecordBook, SkipValidation] = Field(default=NO_RECORDS, exclude=True)

    @cached_property
    def _events_by_id(self) -> dict[str, Event]:
        return {event.id: event for event in self.events}

    def event(self, event_id: str) -> Event | None:
        return self._events_by_id.get(event_id)

    def unit(self, unit_id: str) -> Unit | None:
        """The unit `<event_id>/<phase>`, None for an unknown one."""
        event_id, _, phase = unit_id.partition("/")
        event = self.event(event_id)
        return None if event is None else event.unit(phase)

    @cached_property
    def units(self) -> tuple[Unit, ...]:
        """Every unit of every event, event by event in the file's order."""
        return tuple(unit for event in self.events for unit in event.units)

    def delegation(self, code: str) -> Delegation | None:
        return next((d for d in self.delegations if d.code == code), None)

    def venue(self, venue_id: str) -> Venue | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def sport(self, code: str) -> Sport | None:
        return next((s for s in self.sports if s.code == code), None)

    @cached_property
    def delegation_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.delegations)

    @cached_property
    def group_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.groups)

    @cached_property
    def standings_scopes(self) -> tuple[str, ...]:
        """"all" and every group code: the scopes of the medal, points and combined tables."""
        return (ALL_GROUPS, *self.group_codes)

    def events_at(self, venue_id: str) -> tuple[Event, ...]:
        return tuple(event for event in self.events if event.venue == venue_id)

    def events_in(self, group: str) -> tuple[Event, ...]:
        return tuple(event for event in self.events if event.group == group)

    def public_document(self) -> dict[str, Any]:
        """The body of `GET /v1/games` (docs/api.md), with associations, sports, venue kinds,
        and the format of each event played as a tournament (only of those)."""
        document = self.model_dump(mode="json")
        for event in document["events"]:
            if event["tournament"] is None:
                del event["tournament"]
        return document


_SECTIONS: Final = ("delegations", "groups", "associations", "sports", "venues", "events")
_Item = TypeVar("_Item", bound=_SectionItem)
# An item with the label that names it in problems, e.g. "events[12] (ath-youth-m-100m)".
_Labelled = tuple[str, _Item]


def parse_games(document: Mapping[str, Any], rules: Rules, source: str = "games") -> Games:
    """The games as a games file's mapping states them; any problem raises DefinitionError
    listing all of them, under `source` (the file's name)."""
    problems: list[str] = []
    known = ("name", "name_en", *_SECTIONS, *RECORD_SECTIONS)
    for key in sorted(document.keys() - set(known)):
        problems.append(f"{key}: unknown section (expected {', '.join(known)})")
    for key in ("name", "name_en"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            problems.append(f"{key}: the games' name is required text")
    delegations = _parse_section(document, "delegations", Delegation, problems)
    groups = _parse_section(document, "groups", Group, problems)
    associations = _parse_section(document, "associations", Association, problems)
    sports = _parse_section(document, "sports", Sport, problems)
    venues = _parse_section(document, "venues", Venue, problems)
    events = _parse_section(document, "events", EventDefinition, problems)

    # References are checked against every id the file declares, even on a malformed item: that
    # item's own problem is already listed, and its users need not be listed again.
    declared = {section: _declared_ids(document, section) for section in _SECTIONS}
    for label, association in associations:
        if association.code in declared["delegations"]:
            problems.append(f"{label}.code: {association.code!r} is already a delegation's code")
    for label, venue in venues:
        if venue.host is None and venue.kind == "distributed":
            problems.append(f"{label}.host: a distributed venue needs its host delegation or "
                            "association")
        elif venue.host is not None and venue.host not in (
            declared["delegations"] | declared["associations"]
        ):
            problems.append(f"{label}.host: {venue.host!r} is neither a delegation nor an "
                            "association")
    units: dict[str, tuple[Unit, ...]] = {}
    tournaments: dict[str, TournamentFormat | None] = {}
    for label, event in events:
        for field, section in (("sport", "sports"), ("group", "groups"), ("venue", "venues")):
            value = getattr(event, field)
            if value not in declared[section]:
                problems.append(f"{label}.{field}: unknown {field} {value!r}")
        units[event.id], found = event_units(event, event.units, label, declared["venues"])
        problems.extend(found)
        tournaments[event.id], found = _tournament(event, label, units[event.id],
                                                   declared["delegations"])
        problems.extend(found)
        if tournaments[event.id] is not None:
            units[event.id] = tuple(unit.model_copy(update={"derived": True})
                                    if unit.phase == RANKING_PHASE else unit
                                    for unit in units[event.id])
    for label, group in groups:
        kinds = {event.get("kind") for event in _raw_items(document, "events")
                 if isinstance(event, dict) and event.get("group") == group.code}
        for kind in ("individual", "team"):
            if kind not in kinds:
                problems.append(f"{label}: has no {kind} event (every group needs both)")
    for setting, by_sport in (("team_multiplier_by_sport", rules.team_multiplier_by_sport),
                              ("entry_limits.by_sport", rules.entry_limits.by_sport),
                              ("confirmation.by_sport", rules.confirmation.by_sport)):
        for sport in sorted(by_sport.keys() - declared["sports"]):
            problems.append(f"rules {setting}.{sport}: no such sport in this file")

    sections: dict[str, Any] = {
        "delegations": tuple(d for _, d in delegations),
        "groups": tuple(g for _, g in groups),
        "associations": tuple(a for _, a in associations),
        "sports": tuple(s for _, s in sports),
        "venues": tuple(v for _, v in venues),
        "events": tuple(_resolve(event, rules, units[event.id], tournaments[event.id])
                        for _, event in events),
    }
    # The records are checked against the well-formed items (unconstructed games: the name may
    # be missing); what names a malformed one is not listed again.
    well_formed = {item.key for items in sections.values() for item in items}
    malformed = set().union(*declared.values()) - well_formed
    records, record_problems = parse_records(document, Games.model_construct(**sections),
                                             malformed)
    problems.extend(record_problems)
    for label, event in events:
        # Who goes on from a heat by time (q) is read from its marks: they must be times.
        races = any(unit.parsed_phase.kind in ("heat", "semi") for unit in units[event.id])
        if races and records.measure(event.id) != "time":
            problems.append(f"{label}.units: {event.id} runs heats, whose marks decide who "
                            "goes on by time: give it the measure time (measures:)")
    if problems:
        raise DefinitionError(source, problems)
    return Games(name=document["name"], name_en=document["name_en"], records=records,
                 **sections)


def _parse_section(
    document: Mapping[str, Any], name: str, model: type[_Item], problems: list[str]
) -> list[_Labelled[_Item]]:
    """The section's items that are well-formed; every malformed or duplicate one is a problem."""
    items = document.get(name)
    if not isinstance(items, list):
        problems.append(f"{name}: missing, or not a list of items")
        return []
    parsed: list[_Labelled[_Item]] = []
    first_seen: dict[str, str] = {}
    for index, item in enumerate(items):
        label = _label(name, index, item)
        try:
            parsed_item = model.model_validate(item)
        except ValidationError as error:
            problems.extend(validation_problems(error, label))
            continue
        key = parsed_item.key
        if key in first_seen:
            problems.append(f"{label}: duplicate {key!r}, first defined at {first_seen[key]}")
            continue
        first_seen[key] = label
        parsed.append((label, parsed_item))
    return parsed


def _label(section: str, index: int, item: Any) -> str:
    key = _declared_id(item)
    return f"{section}[{index}]" + (f" ({key})" if key is not None else "")


def _declared_id(item: Any) -> str | None:
    key = item.get("id", item.get("code")) if isinstance(item, dict) else None
    return key if isinstance(key, str) else None


def _declared_ids(document: Mapping[str, Any], section: str) -> set[str]:
    declared = (_declared_id(item) for item in _raw_items(document, section))
    return {key for key in declared if key is not None}


def _raw_items(document: Mapping[str, Any], section: str) -> list[Any]:
    items = document.get(section)
    return items if isinstance(items, list) else []


def _tournament(
    event: EventDefinition, label: str, units: Sequence[Unit], delegations: set[str]
) -> tuple[TournamentFormat | None, list[str]]:
    """The event's tournament format, read and checked against the games' delegations and
    the event's units; None without one (or with problems, all listed)."""
    if event.tournament is None:
        return None, []
    where = f"{label}.tournament"
    if event.kind != "team":
        return None, [f"{where}: {event.id} is an individual event; only team events are "
                      "played as tournaments"]
    try:
        definition = TournamentDefinition.model_validate(event.tournament)
    except ValidationError as error:
        return None, validation_problems(error, where)
    rules = definition.rules or DEFAULT_SPORT_RULES.get(event.sport)
    if rules is None:
        return None, [f"{where}.rules: {event.sport} has no default rules (those are "
                      f"{', '.join(DEFAULT_SPORT_RULES)}): give the match and ranking rules"]
    tournament = definition.format(rules)
    problems = [f"{where}.{problem}" for problem in format_problems(tournament, delegations)]
    problems += [f"{where}.{problem}" if not problem.startswith("units:")
                 else f"{label}.{problem}"
                 for problem in unit_problems(tournament, [unit.phase for unit in units])]
    return (None if problems else tournament), problems


def _resolve(event: EventDefinition, rules: Rules, units: tuple[Unit, ...],
             tournament: TournamentFormat | None) -> Event:
    multiplier = event.points_multiplier
    if multiplier is None:
        multiplier = rules.team_multiplier_for(event.sport) if event.kind == "team" else 1
    return Event.model_validate({**dict(event), "points_multiplier": multiplier,
                                 "units": units, "tournament": tournament})

