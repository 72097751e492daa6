"""The audit trail of an event: every revision, who entered it, and what it changed.

An entry is the same competitor across revisions when its delegation and competitor are the
same (a result never lists one twice); a corrected name therefore shows as one entry removed
and one added.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.ingest.store import StoredRevision
from shared.domain.engine import Entry
from shared.domain.games import Event

# Fields compared between revisions of one entry, with the name each change is reported under.
_COMPARED: tuple[tuple[str, str], ...] = (
    ("rank", "reranked"), ("status", "status"), ("mark", "mark"), ("record", "record"),
    ("members", "members"),
)


def history_document(event: Event, revisions: Sequence[StoredRevision]) -> dict[str, Any]:
    """The body of `GET /v1/events/{id}/history`, oldest revision first."""
    items = []
    previous: StoredRevision | None = None
    official_before = False
    for stored in revisions:
        made = stored.made
        items.append({
            "revision": stored.revision,
            "status": stored.status,
            "note": stored.note,
            "accepted_at": stored.accepted_at.isoformat(),
            "entered_by": stored.entered_by,
            "entered_by_role": stored.entered_by_role,
            # The same rule media see in the event document: it replaces an official result.
            "correction": official_before,
            "published": stored.published_at is not None,
            "entries": [entry.model_dump(mode="json") for entry in stored.entries],
            **({} if stored.match is None else {"match": _match(stored)}),
            "changes": changes(previous, stored),
            # v1.1, the second check: entered to wait for a confirmation; as readers see it
            # now (`unofficial` while it waits); every confirmation and review of it.
            "awaits_confirmation": stored.awaits_confirmation,
            "shown_status": made.shown_status(stored.status, stored.awaits_confirmation),
            "under_review": made.review is not None,
            "checks": [{"action": check.action, "note": check.note,
                        "checked_at": check.checked_at.isoformat(), "by": check.by,
                        "by_role": check.by_role, "published": check.published_at is not None}
                       for check in stored.checks],
        })
        counted = made.counts(stored.awaits_confirmation)
        official_before = official_before or (stored.status == "official" and counted)
        previous = stored
    return {
        "event": event.model_dump(mode="json"),
        "current_revision": revisions[-1].revision if revisions else 0,
        "revisions": items,
    }


def changes(previous: StoredRevision | None, current: StoredRevision) -> list[dict[str, Any]]:
    """What `current` changed from `previous` (None: from nothing), in the listed order."""
    found: list[dict[str, Any]] = []
    if previous is not None and previous.status != current.status:
        found.append({"change": "result_status", "from": previous.status, "to": current.status})
    if previous is not None and previous.match != current.match:
        found.append({"change": "match", "from": _match(previous), "to": _match(current)})
    before = {_identity(entry): entry for entry in previous.entries} if previous else {}
    after = {_identity(entry) for entry in current.entries}
    for entry in current.entries:
        old = before.get(_identity(entry))
        if old is None:
            found.append({"change": "added", **_who(entry), "rank": entry.rank,
                          "status": entry.status})
            continue
        for field, name in _COMPARED:
            was, now = getattr(old, field), getattr(entry, field)
            if was != now:
                found.append({"change": name, **_who(entry), "from": _json(was),
                              "to": _json(now)})
    found.extend(
        {"change": "removed", **_who(entry), "rank": entry.rank, "status": entry.status}
        for key, entry in before.items() if key not in after
    )
    return found


def _identity(entry: Entry) -> tuple[str, str]:
    return entry.delegation, entry.competitor


def _who(entry: Entry) -> dict[str, str]:
    return {"delegation": entry.delegation, "competitor": entry.competitor}


def _match(revision: StoredRevision) -> dict[str, Any] | None:
    return None if revision.match is None else revision.match.model_dump(mode="json")


def _json(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value
