"""The JSON documents spectators and media read: built once by scoring, served as
they are by broadcast (REST and live messages share one shape)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.domain.engine import EntryAward, points_json
from shared.domain.games import Event, Games
from shared.messages import AcceptedResult


def history_item(result: AcceptedResult) -> dict[str, Any]:
    return {
        "revision": result.revision, "status": result.status, "note": result.note,
        "accepted_at": result.accepted_at.isoformat(), "entered_by": result.entered_by,
    }


def event_document(
    games: Games,
    event: Event,
    result: AcceptedResult | None,
    awards: Sequence[EntryAward],
    history: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """`GET /v1/events/{id}`: the event, its latest revision with awards, the history.

    `correction` is true when this revision replaces one that was already official,
    so media can flag it.
    """
    names = {d.code: d.name for d in games.delegations}
    document: dict[str, Any] = {
        "event": event.model_dump(mode="json"),
        "revision": None, "status": None, "note": None, "accepted_at": None,
        "correction": False, "entries": [], "history": list(history),
    }
    if result is None:
        return document
    earlier = [item for item in history if item["revision"] < result.revision]
    document.update(
        revision=result.revision,
        status=result.status,
        note=result.note,
        accepted_at=result.accepted_at.isoformat(),
        correction=any(item["status"] == "official" for item in earlier),
        entries=[
            {
                "rank": award.entry.rank,
                "delegation": award.entry.delegation,
                "delegation_name": names.get(award.entry.delegation, award.entry.delegation),
                "competitor": award.entry.competitor,
                "status": award.entry.status,
                "mark": award.entry.mark,
                "record": award.entry.record,
                "members": list(award.entry.members),
                "medal": award.medal,
                "points": points_json(award.points),
            }
            for award in awards
        ],
    )
    return document


def stamp_table(table: dict[str, Any], version: int, updated_at: datetime) -> dict[str, Any]:
    """A table document as published: with the tables' version and time of change."""
    return {"group": table["group"], "version": version, "updated_at": updated_at.isoformat(),
            **{key: value for key, value in table.items() if key != "group"}}


_STAMP_KEYS = ("version", "updated_at")


def unstamp_table(document: dict[str, Any]) -> dict[str, Any]:
    """A published table without its stamp: what the engine computes, for comparing."""
    return {key: value for key, value in document.items() if key not in _STAMP_KEYS}
