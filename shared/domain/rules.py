"""A games' scoring rules as data (docs/api.md "Scoring rules"; docs/scoring.md explains each).

The defaults live in shared/data/jiaozuo-14/rules.yaml; every key there is required so the file
states the whole rule set rather than leaning on defaults hidden in code.
"""

from collections.abc import Mapping
from typing import Any, Final, Literal, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.domain.errors import DefinitionError, validation_problems

MEDALS: Final = ("gold", "silver", "bronze")
RECORD_LEVELS: Final = ("games", "provincial", "national")


class CombinedRanking(BaseModel):
    """综合榜: score = medal_rank_weight * medal-table rank + points_rank_weight * points rank."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    medal_rank_weight: NonNegativeInt
    points_rank_weight: NonNegativeInt

    @model_validator(mode="after")
    def _some_weight(self) -> "CombinedRanking":
        if self.medal_rank_weight == 0 and self.points_rank_weight == 0:
            raise ValueError("at least one of medal_rank_weight and points_rank_weight must be > 0")
        return self


class Confirmation(BaseModel):
    """Where an official result needs a second check (录入 → 审核) before it counts: every
    sport (`required`), or the sports `by_sport` names (true or false, over `required`). A
    recorder's official result always waits, whatever this says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    required: bool
    by_sport: dict[str, bool]

    def required_for(self, sport: str) -> bool:
        return self.by_sport.get(sport, self.required)


class SportEntryLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    individual: PositiveInt | None = None
    team: PositiveInt | None = None


class _EntryKind(Protocol):
    @property
    def sport(self) -> str: ...
    @property
    def kind(self) -> str: ...


class EntryLimits(BaseModel):
    """How many entries a delegation may make per event (rules.yaml `entry_limits`), by kind,
    with per-sport overrides: `{individual: 2, team: 1, by_sport: {tai-chi: {individual: 3}}}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    individual: PositiveInt
    team: PositiveInt
    by_sport: dict[str, SportEntryLimits] = Field(default_factory=dict)

    def limit_for(self, event: _EntryKind) -> int:
        sport = self.by_sport.get(event.sport, SportEntryLimits())
        if event.kind == "team":
            return sport.team or self.team
        return sport.individual or self.individual


class Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Points of places 1, 2, ...; their count is the number of scoring places.
    place_points: tuple[NonNegativeInt, ...] = Field(min_length=1)
    # Places 1..medal_places win gold, silver, bronze (when those places are awarded at all).
    medal_places: int = Field(ge=0, le=len(MEDALS))
    # With fewer starters than scoring places, only starters - deduction places are awarded.
    short_field_deduction: NonNegativeInt
    # Tied competitors share equally the points of the places they occupy.
    ties: Literal["share"]
    # Equal points: more 1st places ranks higher, then more 2nd places, ... over all scoring places.
    countback: Literal["places"]
    team_multiplier: PositiveInt
    team_multiplier_by_sport: dict[str, PositiveInt]
    # Added once per record to the entry's points, after (not multiplied by) the multiplier.
    record_bonus: dict[str, NonNegativeInt]
    combined: CombinedRanking
    confirmation: Confirmation
    # Entries per delegation and event (每个代表团每项限报), checked on importing registrations.
    entry_limits: EntryLimits

    @field_validator("place_points")
    @classmethod
    def _points_never_increase(cls, points: tuple[int, ...]) -> tuple[int, ...]:
        for place in range(1, len(points)):
            if points[place] > points[place - 1]:
                raise ValueError(
                    f"a lower place must not score more: place {place + 1} has {points[place]} "
                    f"but place {place} has {points[place - 1]}"
                )
        return points

    @field_validator("record_bonus")
    @classmethod
    def _known_record_levels(cls, bonus: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(bonus) - set(RECORD_LEVELS))
        if unknown:
            raise ValueError(
                f"unknown record level(s) {', '.join(unknown)}; "
                f"the levels are {', '.join(RECORD_LEVELS)}"
            )
        return bonus

    def places_awarded(self, starters: int) -> int:
        """How many places score and win medals when `starters` competitors start (减1录取)."""
        scoring_places = len(self.place_points)
        if starters >= scoring_places:
            return scoring_places
        return max(starters - self.short_field_deduction, 0)

    def team_multiplier_for(self, sport: str) -> int:
        return self.team_multiplier_by_sport.get(sport, self.team_multiplier)

    def record_points(self, level: str | None) -> int:
        return 0 if level is None else self.record_bonus.get(level, 0)


def parse_rules(document: Mapping[str, Any], source: str = "rules") -> Rules:
    """The rules as a rules file's mapping states them; any problem raises DefinitionError
    listing all of them, under `source` (the file's name)."""
    try:
        return Rules.model_validate(document)
    except ValidationError as error:
        raise DefinitionError(source, validation_problems(error)) from error
