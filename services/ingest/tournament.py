"""A team event played as matches (docs/tournaments.md), as ingest accepts its results: a
match's result is checked against the tournament as the official results stand (its sides are
the match's, its score one the sport allows), a correction that would change who plays a match
that already has a result is refused, and the event's ranking, once the matches decide it, is
submitted as the result of its final by Podium itself, in the same transaction. A revision
that waits for its confirmation (docs/api.md "A second check") counts, and so does all this,
when it is confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.ingest import store
from services.ingest.texts import Issue, match_text
from services.ingest.units import EventUnits, apply_result
from shared.adapters import db
from shared.domain.engine import Entry
from shared.domain.games import Delegation
from shared.domain.matches import MatchResult
from shared.domain.start_lists import Entrant
from shared.domain.tournaments import (
    Place,
    TournamentFormat,
    correction_conflicts,
    final_ranking,
    result_problems,
)
from shared.domain.units import RANKING_PHASE, Unit

# The token the derived rankings are entered by (migration 009): none opens it.
DERIVED_BY = "podium (derived from the matches)"


@dataclass(frozen=True)
class Refused:
    """A match's result refused: its problems (422), or the matches it reaches (409)."""

    issues: tuple[Issue, ...] = ()
    dependent: tuple[str, ...] = ()


async def follow_match(
    conn: db.Connection, units: EventUnits, unit: Unit, revision: int, status: str,
    match: MatchResult | None, *, waits: bool = False,
) -> Refused | None:
    """What the revision of match `unit` just stored or confirmed (not yet committed) does:
    refused, or the event's ranking derived again from the official matches; `waits`: it
    awaits its confirmation, so only its score is checked. The caller saves `units`."""
    tournament = units.event.tournament
    assert tournament is not None, "only a tournament's matches are followed"
    before = await _official_matches(conn, units.event.id, (unit.phase, revision))
    others = {phase: result for phase, result in before.items() if phase != unit.phase}
    if match is not None:
        problems = result_problems(tournament, unit.phase, match, others,
                                   finished=status == "official")
        if problems:
            return Refused(issues=tuple(Issue(f"/match{pointer}", match_text(message))
                                        for pointer, message in problems))
    if waits:
        return None
    standing = match if status == "official" else None
    if unit.phase in before:
        dependent = correction_conflicts(tournament, unit.phase, standing, before)
        if dependent:
            return Refused(dependent=dependent)
    after = {**others, **({unit.phase: standing} if standing is not None else {})}
    await _derive_ranking(conn, units, tournament, after, f"{unit.phase} revision {revision}")
    return None


async def _official_matches(
    conn: db.Connection, event_id: str, leaving_out: tuple[str, int]
) -> dict[str, MatchResult]:
    """Each match's latest result that counts (store.COUNTS), by phase, where it is
    official, as it stood before the revision `leaving_out` (phase, revision)."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (s.phase) s.phase, s.status, s.match FROM submissions s"
        " WHERE s.event_id = $1 AND s.phase <> $2 AND NOT (s.phase = $3 AND s.revision = $4)"
        f" AND {store.COUNTS} ORDER BY s.phase, s.revision DESC",
        event_id, RANKING_PHASE, *leaving_out,
    )
    return {row["phase"]: MatchResult.model_validate(row["match"]) for row in rows
            if row["status"] == "official" and row["match"] is not None}


async def _derive_ranking(
    conn: db.Connection, units: EventUnits, tournament: TournamentFormat,
    results: dict[str, MatchResult], cause: str,
) -> None:
    """Submits the event's ranking when the matches now decide another one than its final
    holds (or cancels the final's result when they no longer decide one)."""
    event = units.event
    latest = await conn.fetchrow(
        "SELECT revision, status, entries FROM submissions WHERE event_id = $1 AND phase = $2"
        " ORDER BY revision DESC LIMIT 1", event.id, RANKING_PHASE)
    ranking = final_ranking(tournament, results)
    if ranking is not None:
        entries = ranking_entries(ranking, units.entrants, units.games.delegations)
        if (latest is not None and latest["status"] == "official"
                and tuple(Entry.model_validate(e) for e in latest["entries"]) == entries):
            return
        status, note = "official", (f"由比赛成绩自动得出（{cause}）/ Derived by Podium from "
                                    f"the official match results ({cause})")
    elif latest is not None and latest["status"] != "cancelled":
        status, entries = "cancelled", ()
        note = (f"比赛成绩已不能决定名次（{cause}）/ The official match results no longer "
                f"decide the ranking ({cause})")
    else:
        return
    token_id = await conn.fetchval("SELECT id FROM tokens WHERE name = $1 ORDER BY id LIMIT 1",
                                   DERIVED_BY)
    assert token_id is not None, "migration 009 creates the derived ranking's token"
    final = event.unit(RANKING_PHASE)
    assert final is not None, "every event has its final"
    await store.insert_revision(
        conn, event_id=event.id, phase=RANKING_PHASE,
        revision=(latest["revision"] if latest is not None else 0) + 1, status=status,
        note=note, entries=entries, token_id=token_id, match=None)
    refused = await apply_result(conn, units, final, status)
    assert refused is None, "a final feeds no round"


async def follow_confirmation(
    conn: db.Connection, units: EventUnits, unit: Unit, revision: int
) -> Refused | None:
    """A match's revision that waited, confirmed now: it counts as if just entered."""
    row = await conn.fetchrow(
        "SELECT status, match FROM submissions WHERE event_id = $1 AND phase = $2"
        " AND revision = $3", units.event.id, unit.phase, revision)
    assert row is not None, "a confirmation is of a stored revision"
    match = None if row["match"] is None else MatchResult.model_validate(row["match"])
    return await follow_match(conn, units, unit, revision, row["status"], match)


def ranking_entries(
    ranking: Sequence[Place], entrants: Sequence[Entrant], delegations: Sequence[Delegation]
) -> tuple[Entry, ...]:
    """The ranking as a result's entries: each team by its registered entry (bib and team
    name) where the event has entries, else by its delegation's name."""
    teams = {entrant.delegation: entrant for entrant in entrants}
    names = {delegation.code: delegation.name for delegation in delegations}

    def entry(place: Place) -> Entry:
        team = teams.get(place.delegation)
        if team is None:
            return Entry(rank=place.rank, delegation=place.delegation,
                         competitor=names.get(place.delegation, place.delegation))
        return Entry(rank=place.rank, delegation=place.delegation, competitor=team.name,
                     members=team.members, bib=team.bib)

    return tuple(entry(place) for place in ranking)
