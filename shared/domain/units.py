"""An event's units (赛次): heats, semi-finals, pool and knockout matches, the final.

docs/api.md "Units, schedule and status": an event is contested in one or more units,
each listed in the games file under its event with its start time and venue; `unit_id` is
`<event_id>/<phase>`. Only the final's result, the event's ranking, counts for medals and
points, so every event ends in a `final`. An event that lists no units is a single `final` at
its `scheduled_at`, which keeps every v1 games file valid. docs/schedule.md explains the phases.

`event_units` reads an event's `units` list and reports every problem at once, each labelled
like the games file's other problems: `events[12] (ath-youth-m-100m).units[1].phase`.
"""

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Final, Literal, Protocol, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationError,
    model_validator,
)

from shared.domain.codes import Code
from shared.domain.errors import validation_problems


class EventFields(Protocol):
    """What units read of their event (games.EventDefinition has it all)."""

    @property
    def id(self) -> str: ...
    @property
    def venue(self) -> str: ...
    @property
    def scheduled_at(self) -> datetime: ...


# The unit whose result is the event's ranking, the one that scores (docs/api.md).
RANKING_PHASE: Final = "final"

PhaseKind = Literal["final", "heat", "semi", "pool", "qf", "sf", "gold", "bronze", "placement"]
# Races run heats and semi-finals; team sports and duels run pool and knockout matches.
_RACE_KINDS: Final = frozenset({"heat", "semi"})
_MATCH_KINDS: Final = frozenset({"pool", "qf", "sf", "gold", "bronze", "placement"})
# The round a phase belongs to: every unit of a round starts after every unit of an earlier
# one. The final, the medal matches and single placement matches close the event together.
_LAST_STAGE: Final = 4
_STAGES: Final[dict[PhaseKind, int]] = {
    "heat": 1, "pool": 1, "qf": 2, "semi": 3, "sf": 3, "final": _LAST_STAGE,
    "gold": _LAST_STAGE, "bronze": _LAST_STAGE,
}
# The first place a placement match can decide: 3rd and 4th are the bronze medal match's.
_FIRST_PLACEMENT: Final = 5
_NUMBER: Final = r"[1-9][0-9]{0,2}"
_PHASE: Final = re.compile(
    rf"final|gold|bronze|(?P<round>heat|semi|qf|sf)-(?P<number>{_NUMBER})"
    rf"|pool-(?P<pool>[A-Z])-m(?P<match>{_NUMBER})"
    rf"|p(?P<first>{_NUMBER})-(?P<last>{_NUMBER})(?:-m(?P<placement_match>{_NUMBER}))?"
)
PHASE_GRAMMAR: Final = (
    "final, heat-N, semi-N, pool-X-mN (pool letter A-Z, match N), qf-N, sf-N, gold, bronze, "
    "pK-L (the match for places K and L) or pK-L-mN (match N of the places K to L)"
)


@dataclass(frozen=True)
class Phase:
    """A parsed phase: its kind and the numbers it carries (heat 2, pool A match 3, ...)."""

    kind: PhaseKind
    number: int | None = None  # heat, semi, qf, sf or match number
    pool: str | None = None
    places: tuple[int, int] | None = None  # placement matches: the first and last place

    @classmethod
    def parse(cls, text: str) -> "Phase":
        """The phase written `text`; a ValueError names the grammar when it is none."""
        found = _PHASE.fullmatch(text)
        if found is None:
            raise ValueError(f"{text!r} is not a phase; phases are {PHASE_GRAMMAR}")
        if text in ("final", "gold", "bronze"):
            return cls(kind=cast(PhaseKind, text))
        groups = found.groupdict()
        if groups["round"] is not None:
            return cls(kind=cast(PhaseKind, groups["round"]), number=int(groups["number"]))
        if groups["pool"] is not None:
            return cls(kind="pool", number=int(groups["match"]), pool=groups["pool"])
        first, last = int(groups["first"]), int(groups["last"])
        match = groups["placement_match"]
        if first < _FIRST_PLACEMENT or last <= first:
            raise ValueError(f"{text!r}: a placement match decides places K to L with "
                             f"{_FIRST_PLACEMENT} <= K < L (3rd and 4th are the bronze match's)")
        if last == first + 1 and match is not None:
            raise ValueError(f"{text!r}: one match decides places {first} and {last}; "
                             f"write p{first}-{last}")
        if last > first + 1 and match is None:
            raise ValueError(f"{text!r}: places {first} to {last} take several matches; "
                             f"number them p{first}-{last}-m1, p{first}-{last}-m2, ...")
        return cls(kind="placement", number=None if match is None else int(match),
                   places=(first, last))

    @property
    def stage(self) -> int:
        if self.kind == "placement":
            # A match among several for places K..L runs beside the semi-finals; the match for
            # two places closes the event with the final.
            return _STAGES["sf"] if self.number is not None else _LAST_STAGE
        return _STAGES[self.kind]

    @property
    def names(self) -> tuple[str, str]:
        """The phase's Chinese and English names, as boards and bulletins print them."""
        number, pool, places = self.number, self.pool, self.places
        if self.kind == "heat":
            return f"第{number}组预赛", f"Heat {number}"
        if self.kind == "semi":
            return f"半决赛第{number}组", f"Semi-final {number}"
        if self.kind == "pool":
            return f"{pool}组第{number}场", f"Pool {pool} match {number}"
        if self.kind == "qf":
            return f"四分之一决赛{number}", f"Quarter-final {number}"
        if self.kind == "sf":
            return f"半决赛{number}", f"Semi-final {number}"
        if self.kind == "gold":
            return "金牌赛", "Gold medal match"
        if self.kind == "bronze":
            return "铜牌赛", "Bronze medal match"
        if places is not None:
            first, last = places
            if number is None:
                return f"第{first}-{last}名排位赛", f"Classification {first}-{last}"
            return (f"第{first}-{last}名排位赛第{number}场",
                    f"Classification {first}-{last} match {number}")
        return "决赛", "Final"


def _phase_text(text: str) -> str:
    Phase.parse(text)
    return text


PhaseText = Annotated[str, AfterValidator(_phase_text)]


class QualificationRule(BaseModel):
    """Who goes on from a round of heats (or semi-finals): `{Q: 2, q: 2}` in the games file.

    From each heat the first `Q` places go on, then the `q` best marks of the rest across all
    the round's heats (shared/domain/qualification.py applies it, ties included).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True,
                              validate_by_alias=True, serialize_by_alias=True)

    by_place: NonNegativeInt = Field(alias="Q")
    by_mark: NonNegativeInt = Field(alias="q")

    @model_validator(mode="after")
    def _someone_goes_on(self) -> "QualificationRule":
        if self.by_place == 0 and self.by_mark == 0:
            raise ValueError("Q and q are both 0: nobody would go on")
        return self


def default_qualification(heats: int, places: int) -> QualificationRule:
    """The rule when the games file gives none: the next round's `places` shared out evenly.

    Each of the `heats` sends its first places // heats, and the remainder go on by mark:
    3 heats into an 8-lane final is {Q: 2, q: 2}, 2 heats is {Q: 4, q: 0}, 5 heats {Q: 1, q: 3}.
    """
    if heats < 1 or places < 1:
        raise ValueError(f"a round needs heats and places to fill (got {heats}, {places})")
    return QualificationRule(Q=places // heats, q=places % heats)


class UnitDefinition(BaseModel):
    """A unit as written under its event in games.yaml; venue defaults to the event's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phase: PhaseText
    starts_at: AwareDatetime
    venue: Code | None = None
    # Heats and semi-finals only: who goes on to the next round (default_qualification when
    # no unit of the round states it).
    qualify: QualificationRule | None = None

    @cached_property
    def parsed_phase(self) -> Phase:
        return Phase.parse(self.phase)


# The final of an event played as a tournament is not a match: its result, the event's
# ranking, is derived from the matches (docs/tournaments.md). It is named for what it shows.
_STANDINGS_NAMES: Final = ("最终名次", "Final standings")


class Unit(UnitDefinition):
    """A unit of an event, its venue resolved."""

    event_id: Code
    venue: Code
    # Set on the final of a tournament (its ranking is derived from the matches).
    derived: bool = False

    @property
    def unit_id(self) -> str:
        return f"{self.event_id}/{self.phase}"

    @property
    def _names(self) -> tuple[str, str]:
        return _STANDINGS_NAMES if self.derived else self.parsed_phase.names

    @property
    def phase_name(self) -> str:
        return self._names[0]

    @property
    def phase_name_en(self) -> str:
        return self._names[1]

    def document(self) -> dict[str, Any]:
        """The unit as `GET /v1/games` lists it under its event."""
        return {"unit_id": self.unit_id, "phase": self.phase, "phase_name": self.phase_name,
                "phase_name_en": self.phase_name_en, "starts_at": self.starts_at.isoformat(),
                "venue": self.venue,
                "qualify": None if self.qualify is None else self.qualify.model_dump()}


def _resolve(event: EventFields, definition: UnitDefinition) -> Unit:
    return Unit(phase=definition.phase, starts_at=definition.starts_at,
                venue=definition.venue or event.venue, qualify=definition.qualify,
                event_id=event.id)


def default_units(event: EventFields) -> tuple[Unit, ...]:
    """The units of an event that lists none: its final at its `scheduled_at`."""
    return (_resolve(event, UnitDefinition(phase="final", starts_at=event.scheduled_at)),)


def event_units(
    event: EventFields, raw_units: Any, label: str, venue_ids: Collection[str]
) -> tuple[tuple[Unit, ...], list[str]]:
    """The event's units from its games-file `units` list, with every problem in it.

    `raw_units` is the event's `units` value as read from YAML (None when absent: the default
    units), `label` names the event in problems (`events[12] (ath-youth-m-100m)`), and
    `venue_ids` are the venues the file declares. The units come back in the file's order;
    they are usable only when the problem list is empty.
    """
    if raw_units is None:
        return default_units(event), []
    if not isinstance(raw_units, list) or not raw_units:
        return (), [f"{label}.units: a list of units (phase, starts_at), ending in the final"]
    problems: list[str] = []
    parsed: list[tuple[str, UnitDefinition]] = []
    for index, item in enumerate(raw_units):
        unit_label = f"{label}.units[{index}]"
        try:
            parsed.append((unit_label, UnitDefinition.model_validate(item)))
        except ValidationError as error:
            problems.extend(validation_problems(error, unit_label))
    problems.extend(_unit_problems(event, parsed, venue_ids))
    # A final that is listed but malformed has its own problem above.
    if not any(isinstance(item, dict) and item.get("phase") == "final" for item in raw_units):
        problems.append(f"{label}.units: no final; every event ends in its final (phase final), "
                        "whose result is the event's ranking")
    return tuple(_resolve(event, definition) for _, definition in parsed), problems


def _unit_problems(
    event: EventFields,
    units: Sequence[tuple[str, UnitDefinition]],
    venue_ids: Collection[str],
) -> list[str]:
    """Every problem among an event's well-formed units, each given with its label."""
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    distinct: list[tuple[str, UnitDefinition]] = []
    for label, unit in units:
        if unit.phase in first_seen:
            problems.append(f"{label}.phase: duplicate {unit.phase!r}, first listed at "
                            f"{first_seen[unit.phase]}")
            continue
        first_seen[unit.phase] = label
        distinct.append((label, unit))
        if unit.venue is not None and unit.venue not in venue_ids:
            problems.append(f"{label}.venue: unknown venue {unit.venue!r}")
        if unit.phase == "final" and unit.starts_at != event.scheduled_at:
            problems.append(f"{label}.starts_at: the final starts at {unit.starts_at.isoformat()} "
                            f"but the event's scheduled_at is {event.scheduled_at.isoformat()}; "
                            "they must agree (scheduled_at is the final's start)")
    problems.extend(_format_problems(distinct))
    problems.extend(_numbering_problems(distinct))
    problems.extend(_qualification_problems(distinct))
    problems.extend(_round_order_problems(distinct))
    return problems


def _format_problems(units: Sequence[tuple[str, UnitDefinition]]) -> list[str]:
    races = [(label, u) for label, u in units if u.parsed_phase.kind in _RACE_KINDS]
    matches = [(label, u) for label, u in units if u.parsed_phase.kind in _MATCH_KINDS]
    if races and matches:
        (race_label, race), (match_label, match) = races[0], matches[0]
        return [f"{match_label}.phase: {match.phase!r} is a match but {race_label} is the race "
                f"{race.phase!r}; an event runs races (heats, semi-finals) or matches (pools, "
                "knockout), not both"]
    return []


def _numbering_problems(units: Sequence[tuple[str, UnitDefinition]]) -> list[str]:
    """Heats, semi-finals, knockout rounds and each pool's matches are numbered 1, 2, 3, ...;
    pools are lettered A, B, C, ...; the bronze match needs both semi-finals' losers."""
    problems: list[str] = []
    numbers: dict[str, list[int]] = defaultdict(list)
    last_label: dict[str, str] = {}
    for label, unit in units:
        phase = unit.parsed_phase
        if phase.number is None or phase.kind == "placement":
            continue
        series = f"pool-{phase.pool}-m" if phase.kind == "pool" else f"{phase.kind}-"
        numbers[series].append(phase.number)
        last_label[series] = label
    for series, found in numbers.items():
        missing = sorted(set(range(1, max(found) + 1)) - set(found))
        if missing:
            listed = ", ".join(f"{series}{number}" for number in missing)
            problems.append(f"{last_label[series]}.phase: {series}{max(found)} is listed but "
                            f"{listed} is not; number them 1, 2, 3, ...")
    pools: dict[str, str] = {}  # pool letter -> the label of its last unit
    for label, unit in units:
        if unit.parsed_phase.pool is not None:
            pools[unit.parsed_phase.pool] = label
    for index, letter in enumerate(sorted(pools)):
        expected = chr(ord("A") + index)
        if letter != expected:
            problems.append(f"{pools[letter]}.phase: pool {letter} is listed but pool "
                            f"{expected} is not; letter the pools A, B, C, ...")
            break
    for kind, most in (("qf", 4), ("sf", 2)):
        if len(numbers.get(f"{kind}-", [])) > most:
            problems.append(f"{last_label[f'{kind}-']}.phase: at most {most} {kind} matches "
                            f"lead to the final")
    phases = {unit.phase for _, unit in units}
    for label, unit in units:
        if unit.phase == "bronze" and not {"sf-1", "sf-2"} <= phases:
            problems.append(f"{label}.phase: the bronze medal match is played by the losers of "
                            "sf-1 and sf-2; list both semi-finals")
        if unit.parsed_phase.kind == "qf" and not {"sf-1", "sf-2"} <= phases:
            problems.append(f"{label}.phase: quarter-finals lead to semi-finals; list sf-1 "
                            "and sf-2")
    return problems


def _qualification_problems(units: Sequence[tuple[str, UnitDefinition]]) -> list[str]:
    problems: list[str] = []
    stated: dict[PhaseKind, tuple[str, QualificationRule]] = {}
    for label, unit in units:
        rule, kind = unit.qualify, unit.parsed_phase.kind
        if rule is None:
            continue
        if kind not in _RACE_KINDS:
            problems.append(f"{label}.qualify: only heats and semi-finals go on by Q and q; "
                            f"{unit.phase!r} does not")
        elif kind in stated and stated[kind][1] != rule:
            first_label, first_rule = stated[kind]
            problems.append(f"{label}.qualify: {_rule_text(rule)} differs from "
                            f"{_rule_text(first_rule)} at {first_label}; a round's heats share "
                            "one rule")
        else:
            stated.setdefault(kind, (label, rule))
    return problems


def _rule_text(rule: QualificationRule) -> str:
    return f"{{Q: {rule.by_place}, q: {rule.by_mark}}}"


def _round_order_problems(units: Sequence[tuple[str, UnitDefinition]]) -> list[str]:
    """A unit that does not start after every unit of an earlier round: its competitors are
    not known yet (a heat after its semi-final, a quarter-final during the pools)."""
    problems: list[str] = []
    for label, unit in units:
        earlier = [other for _, other in units
                   if other.parsed_phase.stage < unit.parsed_phase.stage
                   and other.starts_at >= unit.starts_at]
        if earlier:
            latest = max(earlier, key=lambda other: other.starts_at)
            problems.append(f"{label}.starts_at: {unit.phase} starts at "
                            f"{unit.starts_at.isoformat()}, not after {latest.phase} "
                            f"({latest.starts_at.isoformat()}) of an earlier round")
    return problems


def qualification_rule(
    units: Sequence[UnitDefinition], kind: Literal["heat", "semi"], lanes: int
) -> QualificationRule:
    """The rule of the event's round of `kind`: the one its units state, else the default,
    which fills the next round (the semi-finals, or else the final) of `lanes` lanes each."""
    feeding = [unit for unit in units if unit.parsed_phase.kind == kind]
    if not feeding:
        raise ValueError(f"the event has no {kind} round")
    stated = next((unit.qualify for unit in feeding if unit.qualify is not None), None)
    if stated is not None:
        return stated
    semis = sum(1 for unit in units if unit.parsed_phase.kind == "semi")
    next_units = semis if kind == "heat" and semis else 1
    return default_qualification(len(feeding), lanes * next_units)


def race_programme(
    *,
    heats: int,
    heats_at: datetime,
    final_at: datetime,
    every: timedelta = timedelta(minutes=8),
    semis: int = 0,
    semis_at: datetime | None = None,
) -> tuple[UnitDefinition, ...]:
    """A typical sprint or swimming programme: `heats` heats from `heats_at`, one `every`
    few minutes, then `semis` semi-finals from `semis_at` likewise, then the final at
    `final_at`. `games_file_units` turns it into the games file's YAML items."""
    if heats < 0 or semis < 0 or (semis > 0) != (semis_at is not None):
        raise ValueError("give heats >= 0, and semis_at exactly when there are semi-finals")
    units = [UnitDefinition(phase=f"heat-{n}", starts_at=heats_at + (n - 1) * every)
             for n in range(1, heats + 1)]
    if semis_at is not None:
        units += [UnitDefinition(phase=f"semi-{n}", starts_at=semis_at + (n - 1) * every)
                  for n in range(1, semis + 1)]
    return (*units, UnitDefinition(phase="final", starts_at=final_at))


def games_file_units(units: Sequence[UnitDefinition]) -> list[dict[str, Any]]:
    """The units as games.yaml items: `{phase, starts_at, venue?, qualify?: {Q, q}}`."""
    return [unit.model_dump(mode="json", exclude_none=True, by_alias=True) for unit in units]
