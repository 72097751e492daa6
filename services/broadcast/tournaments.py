"""A team event's tournament as spectators see it (docs/tournaments.md, `GET
/v1/events/{event_id}/tournament`, channel `tournament:<event_id>`): its pool tables and its
bracket, computed from the pages of its match units that broadcast holds. The tables and the
slots count only official results, as ingest does; each match shows its latest result, so a
score while it is played is there as soon as it is entered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.domain.games import Event, Games
from shared.domain.matches import MatchResult, winning_side
from shared.domain.tournaments import SlotState, tournament_state

# A unit's page (GET /v1/units/{unit_id}) by unit id.
Pages = Callable[[str], Mapping[str, Any]]


def tournament_document(games: Games, event: Event, page_of: Pages) -> dict[str, Any]:
    """The event's pool tables, matches and placings as its matches' pages now stand."""
    tournament = event.tournament
    assert tournament is not None, event.id
    names = {delegation.code: delegation.name for delegation in games.delegations}
    pages = {phase: page_of(f"{event.id}/{phase}") for phase in tournament.phases}
    official = {phase: MatchResult.model_validate(result["match"])
                for phase, page in pages.items()
                if (result := page["result"]) is not None and result["status"] == "official"
                and "match" in result}
    state = tournament_state(tournament, official)

    def side(slot: SlotState | None, team: str | None) -> dict[str, Any]:
        delegation = slot.team if slot is not None else team
        return {"slot": slot.slot if slot is not None else None, "delegation": delegation,
                "name": names.get(delegation) if delegation is not None else None,
                "waiting": slot.waiting if slot is not None else None}

    matches = []
    for phase in tournament.phases:
        pool = tournament.pool_of(phase)
        if pool is not None:
            teams = next(match.sides for match in pool.matches if match.phase == phase)
            sides = [side(None, team) for team in teams]
        else:
            sides = [side(slot, None) for slot in state.match(phase).sides]
        matches.append(_match(pages[phase], pool.letter if pool is not None else None, sides))
    return {
        "event_id": event.id,
        "rules": tournament.rules.model_dump(mode="json"),
        "pools": [
            {"letter": table.letter, "complete": table.complete,
             "ties_to_draw": [list(tie) for tie in table.ties_to_draw],
             "rows": [{"rank": row.rank, "delegation": row.delegation,
                       "name": names.get(row.delegation, row.delegation),
                       "played": row.played, "won": row.won, "drawn": row.drawn,
                       "lost": row.lost, "scored": row.scored, "conceded": row.conceded,
                       "difference": row.difference, "points": row.points,
                       "decided_by": row.decided_by}
                      for row in table.rows]}
            for table in state.pools
        ],
        "matches": matches,
        "placings": [{"place": place, **side(slot, None)} for place, slot in state.placings],
    }


def _match(page: Mapping[str, Any], pool: str | None, sides: list[dict[str, Any]]
           ) -> dict[str, Any]:
    unit = page["unit"]
    result = page["result"]
    shown = None
    if result is not None and "match" in result:
        played = MatchResult.model_validate(result["match"])
        winner = winning_side(played)
        shown = {"revision": result["revision"], "status": result["status"],
                 **result["match"],
                 "winner": None if winner is None or result["status"] != "official"
                 else played.sides[winner]}
    elif result is not None:
        shown = {"revision": result["revision"], "status": result["status"]}
    return {"unit_id": unit["unit_id"], "phase": unit["phase"], "pool": pool,
            "phase_name": unit["phase_name"], "phase_name_en": unit["phase_name_en"],
            "starts_at": unit["starts_at"], "status": unit["status"], "sides": sides,
            "result": shown}

