"""The JSON documents spectators and media read: built once by scoring, served as
they are by broadcast (REST and live messages share one shape)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from shared.contract import channels
from shared.contract.messages import AcceptedResult
from shared.domain.checks import NO_CHECKS, Checks, Step
from shared.domain.engine import (
    CombinedRow,
    EntryAward,
    MedalRow,
    PointsRow,
    Standings,
    points_json,
)
from shared.domain.games import Event, Games
from shared.domain.records import RecordsReport, games_report

# What an event document carries of its history (docs/protocol.md "Result documents"): the
# latest HISTORY_REVISIONS revisions, each with its number, status, time and who entered it;
# the notes of the latest NOTED_REVISIONS in full, earlier ones cut to NOTE_PREVIEW
# characters. Each long correction used to add its whole note (up to 2,000 characters, 6 KB)
# to every later message of the event, until boards were closed for lagging on each
# revision. Every note stays whole in ingest's audit trail.
HISTORY_REVISIONS = 100
NOTED_REVISIONS = 3
NOTE_PREVIEW = 140
# No result message is larger: ingest takes at most 256 KiB of body (500 entries), which
# the document extends by at most ~200 bytes an entry, the event and the bounded history
# (tests/unit/test_result_size.py builds the largest and checks it).
LARGEST_RESULT_BYTES = 512 * 1024


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
    checks: Checks = NO_CHECKS,
) -> dict[str, Any]:
    """`GET /v1/events/{id}`: the event, its latest revision with awards, the history, and
    what the second checks made of it (docs/protocol.md, the `result` message).

    `result` is as readers see it (`unofficial` while it waits for its confirmation).
    `correction` is true when this revision replaces one that was already official,
    so media can flag it.
    """
    names = {d.code: d.name for d in games.delegations}
    document: dict[str, Any] = {
        "event": event.result_document(),
        "revision": None, "status": None, "note": None, "accepted_at": None,
        "correction": False, "entries": [], "history": bounded_history(history),
        "confirmation": None, "review": None,
    }
    if len(history) > HISTORY_REVISIONS:
        document["history_omitted"] = len(history) - HISTORY_REVISIONS
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
                "record": award.record,  # found from the marks, not the claim
                "members": list(award.entry.members),
                "bib": award.entry.bib,
                "medal": award.medal,
                "points": points_json(award.points),
            }
            for award in awards
        ],
        **checks_part(checks),
    )
    return document


def checks_part(checks: Checks) -> dict[str, Any]:
    """A result document's `confirmation` (who confirmed it, when) and `review` (under
    review since, by, with the note), each null when there is none."""
    def step(made: Step | None, *, note: bool) -> dict[str, Any] | None:
        if made is None:
            return None
        return {"by": made.by, "at": made.at.isoformat(), **({"note": made.note} if note else {})}

    return {"confirmation": step(checks.confirmed, note=False),
            "review": step(checks.review, note=True)}


def bounded_history(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest HISTORY_REVISIONS items, notes before the latest NOTED_REVISIONS cut."""
    kept = history[-HISTORY_REVISIONS:]
    cut_before = len(kept) - NOTED_REVISIONS
    items = []
    for index, item in enumerate(kept):
        note = item.get("note")
        if index < cut_before and isinstance(note, str) and len(note) > NOTE_PREVIEW:
            item = {**item, "note": note[:NOTE_PREVIEW] + "…", "note_cut": True}
        items.append(item)
    return items


def medal_row(row: MedalRow, name: str) -> dict[str, Any]:
    return {"rank": row.rank, "delegation": row.delegation, "name": name, "gold": row.gold,
            "silver": row.silver, "bronze": row.bronze, "total": row.total}


def points_row(row: PointsRow, name: str) -> dict[str, Any]:
    return {"rank": row.rank, "delegation": row.delegation, "name": name,
            "points": points_json(row.points), "places": list(row.place_counts)}


def combined_row(row: CombinedRow, name: str) -> dict[str, Any]:
    return {"rank": row.rank, "delegation": row.delegation, "name": name,
            "score": row.score, "medal_rank": row.medal_rank, "points_rank": row.points_rank}


_Row = TypeVar("_Row", MedalRow, PointsRow, CombinedRow)


def _tables(
    kind: channels.TableKind,
    scopes: Mapping[str, Sequence[_Row]],
    row_document: Callable[[_Row, str], dict[str, Any]],
    names: Mapping[str, str],
) -> dict[str, dict[str, Any]]:
    return {
        channels.table(kind, scope): {
            "group": scope, "rows": [row_document(row, names[row.delegation]) for row in rows],
        }
        for scope, rows in scopes.items()
    }


def table_documents(standings: Standings, games: Games) -> dict[str, dict[str, Any]]:
    """Every table as readers get it (without its stamp), keyed by its channel."""
    names = {delegation.code: delegation.name for delegation in games.delegations}
    return {**_tables("medals", standings.medals, medal_row, names),
            **_tables("points", standings.points, points_row, names),
            **_tables("combined", standings.combined, combined_row, names)}


def records_document(games: Games, reports: Iterable[RecordsReport]) -> dict[str, Any]:
    """`GET /v1/records` without its stamp: the standing records and those set at these games,
    from each event's report (docs/records.md)."""
    return games_report(games.records, reports).document()


def stamp_table(table: dict[str, Any], version: int, updated_at: datetime) -> dict[str, Any]:
    """A table document (or the records document) as published: with the tables' version and
    time of change, after a table's group."""
    group = {"group": table["group"]} if "group" in table else {}
    return {**group, "version": version, "updated_at": updated_at.isoformat(),
            **{key: value for key, value in table.items() if key != "group"}}


_STAMP_KEYS = ("version", "updated_at")


def unstamp_table(document: dict[str, Any]) -> dict[str, Any]:
    """A published table without its stamp: what the engine computes, for comparing."""
    return {key: value for key, value in document.items() if key not in _STAMP_KEYS}
