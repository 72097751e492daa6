"""How big a result message can be (issue 15, point 6): bounded by what ingest accepts and
by what an event document carries of its history, however often the result is corrected."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import orjson

from services.broadcast.outgoing import Outgoing
from services.ingest.answers import MAX_BODY_BYTES
from services.ingest.validation import MAX_ENTRIES, ResultBody
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.adapters.tokens import MAX_NAME_LENGTH
from shared.contract.documents import (
    HISTORY_REVISIONS,
    LARGEST_RESULT_BYTES,
    NOTE_PREVIEW,
    NOTED_REVISIONS,
    event_document,
    history_item,
)
from shared.contract.messages import AcceptedResult
from shared.domain.engine import Entry, EntryAward, Result

GAMES = load_definitions(Settings().games_dir).games
LONGEST_NOTE = "更" * 2000  # ingest's limit, in characters of 3 bytes each
AT = datetime(2024, 9, 20, 10, 2, 11, 31000, tzinfo=UTC)


def revision(number: int, entries: tuple[Entry, ...] = ()) -> AcceptedResult:
    result = Result(event_id=GAMES.events[0].id, revision=number, status="official",
                    entries=entries, note=LONGEST_NOTE)
    return AcceptedResult.of(result, submission_id=number, accepted_at=AT,
                             entered_by="裁" * MAX_NAME_LENGTH)


def document_of(revisions: int, entries: tuple[Entry, ...] = ()) -> dict[str, Any]:
    results = [revision(number, entries) for number in range(1, revisions + 1)]
    awards = [EntryAward(entry, "bronze", Fraction(2, 3), entry.rank) for entry in entries]
    history = tuple(history_item(result) for result in results)
    return event_document(GAMES, GAMES.events[0], results[-1], awards, history)


def test_a_much_corrected_result_carries_the_latest_notes_only() -> None:
    document = document_of(30)
    history = document["history"]
    assert [item["revision"] for item in history] == list(range(1, 31))
    whole = [item for item in history if item["note"] == LONGEST_NOTE]
    assert [item["revision"] for item in whole] == [28, 29, 30][-NOTED_REVISIONS:]
    cut = history[:-NOTED_REVISIONS]
    assert all(item["note"] == LONGEST_NOTE[:NOTE_PREVIEW] + "…" and item["note_cut"]
               for item in cut)
    assert all({"status", "accepted_at", "entered_by"} <= item.keys() for item in history)
    # Each correction adds a short item, not its whole note: 30 revisions stay under
    # 60 KB (with every note whole, 196 KB).
    assert len(orjson.dumps(document)) < 60_000


def test_the_history_lists_the_latest_revisions_and_counts_the_others() -> None:
    document = document_of(HISTORY_REVISIONS + 7)
    assert len(document["history"]) == HISTORY_REVISIONS
    assert document["history"][-1]["revision"] == HISTORY_REVISIONS + 7
    assert document["history_omitted"] == 7
    assert "history_omitted" not in document_of(3)


def test_the_largest_result_ingest_accepts_fits_the_bound() -> None:
    # Every field of every entry as long as ingest allows, the names filling the rest of
    # the largest body: the most content and the most per-entry additions at once.
    delegation = max(GAMES.delegations, key=lambda d: len(d.name.encode())).code
    fixed = {"rank": MAX_ENTRIES, "delegation": delegation, "competitor": "", "status": "OK",
             "mark": "9" * 40, "record": "provincial", "members": []}
    room = MAX_BODY_BYTES - len(orjson.dumps({"event_id": GAMES.events[0].id,
                                              "revision": 10_000, "status": "official",
                                              "note": LONGEST_NOTE, "entries": []}))
    per_entry = room // MAX_ENTRIES - len(orjson.dumps(fixed)) - 1
    name = "名" * (min(200, per_entry // 3))
    body = {"event_id": GAMES.events[0].id, "revision": 10_000, "status": "official",
            "note": LONGEST_NOTE,
            "entries": [{**fixed, "rank": rank, "competitor": name}
                        for rank in range(1, MAX_ENTRIES + 1)]}
    assert len(orjson.dumps(body)) <= MAX_BODY_BYTES
    ResultBody.model_validate(body)  # ingest would accept it
    entries = tuple(Entry(**{**entry, "members": ()}) for entry in body["entries"])
    message = Outgoing.build(10**12, "results", "result",
                             document_of(HISTORY_REVISIONS + 1, entries))
    assert MAX_BODY_BYTES < len(message.frame) <= LARGEST_RESULT_BYTES
