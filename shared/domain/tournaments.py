"""A team event's tournament: pools, then knockout and placement matches, then its ranking.

The format is data (meant as a section of games.yaml per team event): the pools with their
round-robin matches, the knockout and placement matches with the slots their sides come from
(`A1`: 1st of pool A; `W:sf-1` / `L:sf-1`: the winner / loser of sf-1), and the placings: which
slot finishes in which place. `format_problems` checks a whole format and names every problem
by its place in it. `tournament_state` fills the slots from the official match results;
`final_ranking` turns the decided placings into the event's ranking, the entries of a result
that scores like any other; `dependents` and `correction_conflicts` tell which later matches a
correction reaches.
docs/tournaments.md describes the format with the standard 2 x 4 example.
"""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from itertools import combinations
from typing import Annotated, Final

from pydantic import AfterValidator, Field, PositiveInt

from shared.domain.codes import Code
from shared.domain.matches import FrozenModel, MatchResult, Problem, score_problems, winning_side
from shared.domain.pools import PoolRow, SportRules, rank_pool
from shared.domain.units import RANKING_PHASE
from shared.domain.units import Phase as UnitPhase

_PHASE: Final = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_POOL_PLACE: Final = re.compile(r"([A-Z])([1-9][0-9]*)")
_OUTCOME: Final = re.compile(rf"([WL]):({_PHASE})")

# A unit's phase: the part of `unit_id` after `<event_id>/` (pool-A-m3, sf-1, final).
Phase = Annotated[str, Field(pattern=rf"^{_PHASE}$")]
PoolLetter = Annotated[str, Field(pattern=r"^[A-Z]$")]


@dataclass(frozen=True)
class PoolPlace:
    """A slot filled by the team in `place` of a complete pool."""

    pool: str
    place: int


@dataclass(frozen=True)
class MatchOutcome:
    """A slot filled by the winner (or loser) of a decided match."""

    phase: str
    winner: bool


def parse_slot(slot: str) -> PoolPlace | MatchOutcome:
    """`A1` → PoolPlace("A", 1); `W:sf-1` → MatchOutcome("sf-1", winner=True); ValueError else."""
    pool_place = _POOL_PLACE.fullmatch(slot)
    if pool_place:
        return PoolPlace(pool=pool_place[1], place=int(pool_place[2]))
    outcome = _OUTCOME.fullmatch(slot)
    if outcome:
        return MatchOutcome(phase=outcome[2], winner=outcome[1] == "W")
    raise ValueError(f"{slot!r} is not a slot: A1 is the 1st of pool A, W:sf-1 the winner of "
                     "sf-1, L:sf-1 its loser")


def _slot(slot: str) -> str:
    parse_slot(slot)
    return slot


Slot = Annotated[str, AfterValidator(_slot)]


class PoolMatch(FrozenModel):
    phase: Phase
    sides: tuple[Code, Code]


class Pool(FrozenModel):
    letter: PoolLetter
    teams: tuple[Code, ...] = Field(min_length=2)  # in draw order, which orders level teams
    matches: tuple[PoolMatch, ...]


class KnockoutMatch(FrozenModel):
    """A knockout or placement match; its sides come from slots."""

    phase: Phase
    sides: tuple[Slot, Slot]


class Placing(FrozenModel):
    """The team of `slot` finishes the event in `place`."""

    place: PositiveInt
    slot: Slot


class TournamentFormat(FrozenModel):
    """How a team event is contested. Knockout matches are listed in the order they can be
    played: each draws only on pools and on matches listed before it."""

    rules: SportRules
    pools: tuple[Pool, ...] = Field(min_length=1)
    knockout: tuple[KnockoutMatch, ...] = ()
    placings: tuple[Placing, ...] = Field(min_length=1)

    @cached_property
    def teams(self) -> tuple[str, ...]:
        """Every team, pool by pool in draw order."""
        return tuple(dict.fromkeys(team for pool in self.pools for team in pool.teams))

    @cached_property
    def _pool_of_match(self) -> dict[str, Pool]:
        return {match.phase: pool for pool in self.pools for match in pool.matches}

    def pool_of(self, phase: str) -> Pool | None:
        """The pool whose match `phase` is, if it is a pool match."""
        return self._pool_of_match.get(phase)

    def knockout_match(self, phase: str) -> KnockoutMatch | None:
        return next((match for match in self.knockout if match.phase == phase), None)

    @cached_property
    def phases(self) -> tuple[str, ...]:
        """Every match, the pools' first, then the knockout in playing order."""
        return (*self._pool_of_match, *(match.phase for match in self.knockout))


class PoolDefinition(FrozenModel):
    """A pool as a games file writes it: its matches default to the round robin."""

    letter: PoolLetter
    teams: tuple[Code, ...] = Field(min_length=2)
    matches: tuple[PoolMatch, ...] | None = None


class TournamentDefinition(FrozenModel):
    """An event's `tournament` in games.yaml: the format, its rules defaulting to the sport's
    (pools.DEFAULT_SPORT_RULES)."""

    rules: SportRules | None = None
    pools: tuple[PoolDefinition, ...] = Field(min_length=1)
    knockout: tuple[KnockoutMatch, ...] = ()
    placings: tuple[Placing, ...] = Field(min_length=1)

    def format(self, default_rules: SportRules) -> TournamentFormat:
        return TournamentFormat(
            rules=self.rules or default_rules,
            pools=tuple(Pool(letter=pool.letter, teams=pool.teams,
                             matches=pool.matches if pool.matches is not None
                             else round_robin(pool.letter, pool.teams))
                        for pool in self.pools),
            knockout=self.knockout, placings=self.placings)


def round_robin(letter: str, teams: Sequence[str]) -> tuple[PoolMatch, ...]:
    """Every pairing of a pool once, round by round, numbered pool-A-m1, pool-A-m2, ...

    The circle method: the first team stays put while the others turn one seat per round, so
    each team plays once a round (with an odd number, each sits out one round) and the 1st and
    2nd of the draw meet in the last round.
    """
    seats: list[str | None] = [*teams, None] if len(teams) % 2 else list(teams)
    pairings: list[tuple[str, str]] = []
    for _ in range(len(seats) - 1):
        for index in range(len(seats) // 2):
            home, away = seats[index], seats[-1 - index]
            if home is not None and away is not None:
                pairings.append((home, away))
        seats = [seats[0], seats[-1], *seats[1:-1]]
    return tuple(PoolMatch(phase=f"pool-{letter}-m{number}", sides=sides)
                 for number, sides in enumerate(pairings, start=1))


_CROSSOVER: Final = (  # (phase, side, side) of the standard 2 x 4 format, in playing order
    ("sf-1", "A1", "B2"), ("sf-2", "B1", "A2"),
    ("p5-8-m1", "A3", "B4"), ("p5-8-m2", "B3", "A4"),
    ("p7-8", "L:p5-8-m1", "L:p5-8-m2"), ("p5-6", "W:p5-8-m1", "W:p5-8-m2"),
    ("bronze", "L:sf-1", "L:sf-2"), ("gold", "W:sf-1", "W:sf-2"),
)
_CROSSOVER_PLACINGS: Final = ("W:gold", "L:gold", "W:bronze", "L:bronze",
                              "W:p5-6", "L:p5-6", "W:p7-8", "L:p7-8")


def two_pools_of_four(
    pool_a: Sequence[str], pool_b: Sequence[str], rules: SportRules
) -> TournamentFormat:
    """The standard format for 8 teams: two round-robin pools of 4 (in draw order); semi-finals
    A1-B2 and B1-A2, then the gold medal match (1st, 2nd) and the bronze medal match (3rd,
    4th); the pools' 3rd and 4th cross over as A3-B4 and B3-A4 (p5-8-m1, p5-8-m2), whose
    winners play for 5th (p5-6) and losers for 7th (p7-8)."""
    for letter, teams in (("A", pool_a), ("B", pool_b)):
        if len(teams) != 4:
            raise ValueError(f"pool {letter} has {len(teams)} teams, not 4")
    return TournamentFormat(
        rules=rules,
        pools=tuple(Pool(letter=letter, teams=tuple(teams), matches=round_robin(letter, teams))
                    for letter, teams in (("A", pool_a), ("B", pool_b))),
        knockout=tuple(KnockoutMatch(phase=phase, sides=(first, second))
                       for phase, first, second in _CROSSOVER),
        placings=tuple(Placing(place=place, slot=slot)
                       for place, slot in enumerate(_CROSSOVER_PLACINGS, start=1)),
    )


def single_pool(teams: Sequence[str], rules: SportRules) -> TournamentFormat:
    """A round robin of every team that ranks the event by itself: its places are the
    event's."""
    return TournamentFormat(
        rules=rules, pools=(Pool(letter="A", teams=tuple(teams), matches=round_robin("A", teams)),),
        placings=tuple(Placing(place=place, slot=f"A{place}")
                       for place in range(1, len(teams) + 1)))


# --- Checking a format ------------------------------------------------------------------

def format_problems(tournament: TournamentFormat, delegations: Collection[str]) -> list[str]:
    """Every problem of the format as "where: what" (`pools[1] (B).teams[2]: ...`); [] when it
    can be played. `delegations`: the codes of the games' delegations."""
    problems: list[str] = []
    phases: dict[str, str] = {}  # phase → where it was first defined
    pool_sizes: dict[str, int] = {}
    placed_at: dict[str, str] = {}  # team → where it was first placed in a pool
    for index, pool in enumerate(tournament.pools):
        label = f"pools[{index}] ({pool.letter})"
        if pool.letter in pool_sizes:
            problems.append(f"{label}.letter: there is already a pool {pool.letter}")
        else:
            pool_sizes[pool.letter] = len(pool.teams)
        for team_index, team in enumerate(pool.teams):
            where = f"{label}.teams[{team_index}]"
            if team not in delegations:
                problems.append(f"{where}: unknown delegation {team!r}")
            elif team in placed_at:
                problems.append(f"{where}: {team} is already at {placed_at[team]}")
            else:
                placed_at[team] = where
        problems.extend(_pool_match_problems(label, pool, phases))

    slots = _SlotChecker(tournament, pool_sizes)
    for index, match in enumerate(tournament.knockout):
        where = f"knockout[{index}] ({match.phase})"
        problems.extend(_claim(f"{where}.phase", match.phase, phases))
        for side, slot in enumerate(match.sides):
            problems.extend(slots.problems(f"{where}.sides[{side}]", slot, listed_at=index))
    problems.extend(_cycle_problems(tournament))

    decided_at: dict[int, str] = {}
    team_count = len(tournament.teams)
    for index, placing in enumerate(tournament.placings):
        where = f"placings[{index}]"
        if placing.place > team_count:
            problems.append(f"{where}.place: place {placing.place}, but only {team_count} teams "
                            "play")
        elif placing.place in decided_at:
            problems.append(f"{where}.place: place {placing.place} is already decided at "
                            f"{decided_at[placing.place]}")
        else:
            decided_at[placing.place] = where
        problems.extend(slots.problems(f"{where}.slot", placing.slot, listed_at=None))
    undecided = [str(place) for place in range(1, max(decided_at, default=0))
                 if place not in decided_at]
    if undecided:
        problems.append(f"placings: nothing decides place {', '.join(undecided)}; the places "
                        "run from 1 with no gap")
    return problems


_KNOCKOUT_KINDS: Final = ("qf", "sf", "gold", "bronze", "placement")


def unit_problems(tournament: TournamentFormat, unit_phases: Collection[str]) -> list[str]:
    """Every problem between a format and its event's units (their phases): each match is a
    unit in a phase of its kind, and every unit but the final (the event's ranking, derived
    from the matches) is a match."""
    problems: list[str] = []
    matches: list[tuple[str, str, str | None]] = [
        (f"pools[{index}] ({pool.letter}).matches[{number}]", match.phase, pool.letter)
               for index, pool in enumerate(tournament.pools)
               for number, match in enumerate(pool.matches)]
    matches += [(f"knockout[{index}] ({match.phase})", match.phase, None)
                for index, match in enumerate(tournament.knockout)]
    for where, phase, letter in matches:
        try:
            parsed: UnitPhase | None = UnitPhase.parse(phase)
        except ValueError:
            parsed = None
        kind, pool = (parsed.kind, parsed.pool) if parsed is not None else (None, None)
        if phase == RANKING_PHASE:
            problems.append(f"{where}.phase: final is the event's ranking, which the matches "
                            "decide; name the match for 1st and 2nd gold")
            continue
        if letter is not None and (kind != "pool" or pool != letter):
            problems.append(f"{where}.phase: {phase} is not a match of pool {letter}; name "
                            f"them pool-{letter}-m1, pool-{letter}-m2, ...")
        elif letter is None and kind not in _KNOCKOUT_KINDS:
            problems.append(f"{where}.phase: {phase} is not a knockout or placement phase "
                            "(qf-N, sf-N, gold, bronze, pK-L, pK-L-mN)")
        if phase not in unit_phases:
            problems.append(f"{where}.phase: {phase} is not one of the event's units; list it "
                            "under units with its start")
    played = set(tournament.phases)
    for phase in unit_phases:
        if phase != RANKING_PHASE and phase not in played:
            problems.append(f"units: {phase} is a unit of the event but no match of its "
                            "tournament")
    return problems


def _claim(where: str, phase: str, phases: dict[str, str]) -> list[str]:
    if phase in phases:
        return [f"{where}: {phase} is already defined at {phases[phase]}"]
    phases[phase] = where
    return []


def _pool_match_problems(label: str, pool: Pool, phases: dict[str, str]) -> list[str]:
    problems: list[str] = []
    met: dict[frozenset[str], str] = {}  # a pairing → the phase where it meets
    for index, match in enumerate(pool.matches):
        where = f"{label}.matches[{index}]"
        problems.extend(_claim(f"{where}.phase", match.phase, phases))
        outsiders = [side for side in match.sides if side not in pool.teams]
        for side, team in enumerate(match.sides):
            if team in outsiders:
                problems.append(f"{where}.sides[{side}]: {team} is not in pool {pool.letter}")
        first, second = match.sides
        pairing = frozenset(match.sides)
        if first == second:
            problems.append(f"{where}.sides: {first} cannot play itself")
        elif pairing in met:
            problems.append(f"{where}.sides: {first} and {second} already meet in {met[pairing]}")
        elif not outsiders:
            met[pairing] = match.phase
    for first, second in combinations(dict.fromkeys(pool.teams), 2):
        if frozenset((first, second)) not in met:
            problems.append(f"{label}.matches: {first} and {second} never meet; in a pool every "
                            "team meets every other once")
    return problems


class _SlotChecker:
    """Checks slots against the pools and knockout matches, and that none is used twice."""

    def __init__(self, tournament: TournamentFormat, pool_sizes: Mapping[str, int]) -> None:
        self._tournament = tournament
        self._pool_sizes = pool_sizes
        self._listed_at: dict[str, int] = {}
        for index, match in enumerate(tournament.knockout):
            self._listed_at.setdefault(match.phase, index)
        self._used_at: dict[str, str] = {}

    def problems(self, where: str, slot: str, listed_at: int | None) -> list[str]:
        """`listed_at`: the index of the knockout match whose side `slot` is (None for a
        placing, which may draw on any match)."""
        problems: list[str] = []
        source = parse_slot(slot)
        if isinstance(source, PoolPlace):
            size = self._pool_sizes.get(source.pool)
            if size is None:
                problems.append(f"{where}: {slot} refers to pool {source.pool}, and there is "
                                "none")
            elif source.place > size:
                problems.append(f"{where}: {slot} refers to place {source.place} of pool "
                                f"{source.pool}, which has {size} teams")
        else:
            position = self._listed_at.get(source.phase)
            pool = self._tournament.pool_of(source.phase)
            if pool is not None:
                problems.append(f"{where}: {source.phase} is a pool match; pool teams go on by "
                                f"their place in the pool ({pool.letter}1, {pool.letter}2, ...)")
            elif position is None:
                problems.append(f"{where}: {slot} refers to {source.phase}, and there is no "
                                "such match")
            elif listed_at is not None and position == listed_at:
                problems.append(f"{where}: {slot} refers to this match itself")
            elif listed_at is not None and position > listed_at:
                problems.append(f"{where}: {slot} refers to {source.phase}, which comes later "
                                f"(knockout[{position}]); a match draws only on matches listed "
                                "before it")
        if slot in self._used_at:
            problems.append(f"{where}: {slot} is already used at {self._used_at[slot]}")
        else:
            self._used_at[slot] = where
        return problems


def _cycle_problems(tournament: TournamentFormat) -> list[str]:
    # Lists, not sets, so that the cycle named is the same on every run.
    graph: dict[str, list[str]] = {}
    for match in tournament.knockout:
        sources = graph.setdefault(match.phase, [])
        for slot in match.sides:
            source = parse_slot(slot)
            # A match drawing on itself is already a problem of its own.
            if isinstance(source, MatchOutcome) and source.phase != match.phase:
                sources.append(source.phase)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        cycle: list[str] = error.args[1]  # each match feeds the next
        return [f"knockout: matches feed each other in a cycle: {' → '.join(cycle)}"]
    return []


# --- Filling the slots from results -------------------------------------------------------

@dataclass(frozen=True)
class PoolTable:
    letter: str
    rows: tuple[PoolRow, ...]
    complete: bool  # every match of the pool has an official result

    @property
    def ties_to_draw(self) -> tuple[tuple[str, ...], ...]:
        """The groups of teams level on every criterion: they share a rank until the desk's
        draw orders them."""
        ranks = [row.rank for row in self.rows]
        return tuple(
            tuple(row.delegation for row in self.rows if row.rank == rank)
            for rank in dict.fromkeys(ranks) if ranks.count(rank) > 1
        )


@dataclass(frozen=True)
class SlotState:
    slot: str
    team: str | None
    waiting: str | None  # why the team is not known yet, for the board and the desk


@dataclass(frozen=True)
class KnockoutState:
    phase: str
    sides: tuple[SlotState, SlotState]
    result: MatchResult | None  # its official result, when that names the sides the slots give
    winner: str | None
    loser: str | None


@dataclass(frozen=True)
class TournamentState:
    pools: tuple[PoolTable, ...]
    knockout: tuple[KnockoutState, ...]
    placings: tuple[tuple[int, SlotState], ...]  # (place, who fills it) in the format's order
    # Knockout matches whose official result names other sides than their slots now give (a
    # correction before them re-seeded them): their result counts for nothing until corrected.
    mismatched: tuple[str, ...]

    def match(self, phase: str) -> KnockoutState:
        state = next((match for match in self.knockout if match.phase == phase), None)
        if state is None:
            raise ValueError(f"no knockout match {phase!r} in this tournament")
        return state


Draws = Mapping[str, Sequence[str]]  # pool letter → the desk's draw of its level teams, best first


def pool_table(
    pool: Pool, results: Mapping[str, MatchResult], rules: SportRules, draw: Sequence[str] = ()
) -> PoolTable:
    """The pool's table from the official results (phase → latest official result)."""
    played = [results[match.phase] for match in pool.matches if match.phase in results]
    return PoolTable(letter=pool.letter, rows=rank_pool(pool.teams, played, rules, draw),
                     complete=len(played) == len(pool.matches))


def tournament_state(
    tournament: TournamentFormat, results: Mapping[str, MatchResult], draws: Draws | None = None
) -> TournamentState:
    """Every pool table, knockout match and placing as far as the official `results` (phase →
    latest official result) decide them. Expects a format `format_problems` accepts."""
    draws = draws or {}
    tables = {pool.letter: pool_table(pool, results, tournament.rules, draws.get(pool.letter, ()))
              for pool in tournament.pools}
    decided: dict[str, KnockoutState] = {}

    def fill(slot: str) -> SlotState:
        source = parse_slot(slot)
        if isinstance(source, MatchOutcome):
            match = decided[source.phase]
            team = match.winner if source.winner else match.loser
            return SlotState(slot, team, None if team else f"{source.phase} is not decided yet")
        table = tables[source.pool]
        if not table.complete:
            return SlotState(slot, None, f"pool {source.pool} is not complete")
        row = table.rows[source.place - 1]
        level = [other.delegation for other in table.rows if other.rank == row.rank]
        if len(level) > 1:
            places = f"{row.rank}-{row.rank + len(level) - 1}"
            return SlotState(slot, None, f"{', '.join(level)} are level for places {places} of "
                             f"pool {source.pool}: the desk's draw decides")
        return SlotState(slot, row.delegation, None)

    mismatched: list[str] = []
    for match in tournament.knockout:
        sides = (fill(match.sides[0]), fill(match.sides[1]))
        result = results.get(match.phase)
        teams = {sides[0].team, sides[1].team}
        if result is not None and set(result.sides) != teams:
            mismatched.append(match.phase)
            result = None
        winner = loser = None
        winning = None if result is None else winning_side(result)
        if result is not None and winning is not None:
            winner, loser = result.sides[winning], result.sides[1 - winning]
        decided[match.phase] = KnockoutState(phase=match.phase, sides=sides, result=result,
                                             winner=winner, loser=loser)
    return TournamentState(
        pools=tuple(tables.values()),
        knockout=tuple(decided.values()),
        placings=tuple((placing.place, fill(placing.slot)) for placing in tournament.placings),
        mismatched=tuple(mismatched),
    )


@dataclass(frozen=True)
class Place:
    """A team's place in the event's final ranking."""

    rank: int
    delegation: str


def final_ranking(
    tournament: TournamentFormat, results: Mapping[str, MatchResult], draws: Draws | None = None
) -> tuple[Place, ...] | None:
    """The event's ranking once every placing is decided (None before): the placed teams in
    place order, then every team the format places nowhere, all sharing the next rank (equal
    5th after places 1-4) in pool order. It becomes the entries of an ordinary result."""
    state = tournament_state(tournament, results, draws)
    placed = sorted((place, slot.team) for place, slot in state.placings if slot.team is not None)
    if len(placed) < len(state.placings):
        return None
    teams = [team for _, team in placed]
    unplaced = [team for team in tournament.teams if team not in teams]
    return tuple(Place(rank, team)
                 for rank, team in [*placed, *((len(placed) + 1, team) for team in unplaced)])


# --- Corrections ------------------------------------------------------------------------------

def dependents(tournament: TournamentFormat, phase: str) -> tuple[str, ...]:
    """The knockout matches whose sides depend on match `phase`, directly or through other
    matches, in the format's order. A pool match reaches every match drawing on its pool: a
    changed result can move any place of the pool."""
    if tournament.pool_of(phase) is None and tournament.knockout_match(phase) is None:
        raise ValueError(f"no match {phase!r} in this tournament")
    reached = {phase}
    found: list[str] = []
    for match in tournament.knockout:
        if reached & _sources(tournament, match):
            reached.add(match.phase)
            found.append(match.phase)
    return tuple(found)


def _sources(tournament: TournamentFormat, match: KnockoutMatch) -> set[str]:
    """The phases a knockout match's sides are drawn from."""
    sources: set[str] = set()
    for slot in match.sides:
        source = parse_slot(slot)
        if isinstance(source, MatchOutcome):
            sources.add(source.phase)
        else:
            pool = next(pool for pool in tournament.pools if pool.letter == source.pool)
            sources.update(pool_match.phase for pool_match in pool.matches)
    return sources


def correction_conflicts(
    tournament: TournamentFormat,
    phase: str,
    correction: MatchResult | None,
    results: Mapping[str, MatchResult],
    draws: Draws | None = None,
) -> tuple[str, ...]:
    """The later matches that already have a result and whose sides would change if match
    `phase` were corrected to `correction` (None: its result withdrawn). () means the
    correction may stand: the slots fill again from it. A correction that changes no later
    match's sides (a period's typo, a score that keeps every place) conflicts with nothing."""
    corrected = {key: value for key, value in results.items() if key != phase}
    if correction is not None:
        corrected[phase] = correction
    state = tournament_state(tournament, corrected, draws)
    return tuple(later for later in dependents(tournament, phase)
                 if later in results and state.match(later).result is None)


def result_problems(
    tournament: TournamentFormat,
    phase: str,
    result: MatchResult,
    results: Mapping[str, MatchResult],
    draws: Draws | None = None,
    *,
    finished: bool = True,
) -> list[Problem]:
    """Every problem of `result` entered for match `phase`, with JSON pointers: its sides must
    be the match's (a pool match's scheduled pair, a knockout match's filled slots, in either
    order) and its score must stand under the sport's rules (`finished`: as the end of the
    match, else as a score while it is played). `results`: the other official results. Raises
    ValueError for a phase the format does not have."""
    pool = tournament.pool_of(phase)
    problems: list[Problem] = []
    expected: tuple[str, ...] = ()
    if pool is not None:
        expected = next(match.sides for match in pool.matches if match.phase == phase)
    elif tournament.knockout_match(phase) is not None:
        sides = tournament_state(tournament, results, draws).match(phase).sides
        waiting = [f"{side.slot}: {side.waiting}" for side in sides if side.team is None]
        if waiting:
            problems.append(("/sides", f"the sides of {phase} are not known yet ("
                             f"{'; '.join(waiting)})"))
        else:
            expected = tuple(side.team for side in sides if side.team is not None)
    else:
        raise ValueError(f"no match {phase!r} in this tournament")
    for index, team in enumerate(result.sides):
        if expected and team not in expected:
            problems.append((f"/sides/{index}", f"{team} does not play {phase}: "
                             f"{' v '.join(expected)} do"))
    problems.extend(score_problems(result, tournament.rules.match, knockout=pool is None,
                                   finished=finished))
    return problems
