"""What flows over Kafka, typed at both ends: accepted result revisions and their checks
(ingest -> scoring, `podium.results`) and feed messages (scoring -> broadcast,
`podium.changes`)."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

from shared.domain.checks import CheckAction, Step
from shared.domain.engine import Entry, Result

EntryStatus = Literal["OK", "DNF", "DSQ", "DNS"]
ResultStatus = Literal["provisional", "official", "cancelled"]
RecordLevel = Literal["games", "provincial", "national"]
FeedType = Literal["update", "result"]
# Row ids and seqs are PostgreSQL bigints: a number beyond one names nothing any database
# holds, and a query with it fails every time it is tried, so such a message is malformed.
# (0 names no row: bigserial and the feed's seq start at 1.)
RowNumber = Annotated[int, Field(ge=0, le=2**63 - 1)]


def content_hash(
    event_id: str, revision: int, status: str, note: str | None, entries: Sequence[Entry]
) -> bytes:
    """The SHA-256 of a revision's content: what ingest stores beside it (two submissions of
    one revision are the same exactly when their hashes are), and what scoring checks."""
    canonical = orjson.dumps(
        {"event_id": event_id, "revision": revision, "status": status, "note": note,
         "entries": [entry.model_dump() for entry in entries]},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).digest()


class AcceptedResult(Result):
    """One accepted result revision, as ingest stored it and publishes it. It names its row
    of `submissions` (id, and the content hash in hex), so that scoring applies a message
    only when it is exactly a stored revision."""

    submission_id: RowNumber
    content_hash: str
    accepted_at: datetime
    entered_by: str
    # v1.1: an official revision entered to wait for a second check (shared/domain/checks.py).
    awaits_confirmation: bool = False

    @classmethod
    def of(cls, result: Result, *, submission_id: int, accepted_at: datetime,
           entered_by: str, awaits_confirmation: bool = False) -> "AcceptedResult":
        """`result` as stored in row `submission_id`, its hash computed."""
        digest = content_hash(result.event_id, result.revision, result.status, result.note,
                              result.entries)
        return cls(**result.model_dump(), submission_id=submission_id,
                   content_hash=digest.hex(), accepted_at=accepted_at, entered_by=entered_by,
                   awaits_confirmation=awaits_confirmation)

    def content_matches_hash(self) -> bool:
        """Whether the content is the content its hash names (nothing altered on the way)."""
        digest = content_hash(self.event_id, self.revision, self.status, self.note,
                              self.entries)
        return digest.hex() == self.content_hash


class ResultCheck(BaseModel):
    """A check of one revision of an event's result, as ingest stored it (`result_checks`):
    a confirmation, or a review with its note. Relayed in one order with the revisions, so
    scoring always has the revision a check names; `id` grows with each, so scoring applies
    each once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["check"] = "check"
    id: RowNumber
    event_id: str
    revision: int
    action: CheckAction
    note: str | None = None
    by: str  # the token's name
    at: datetime

    def step(self) -> Step:
        return Step(by=self.by, at=self.at, note=self.note)


def _kind(message: Any) -> str:
    # v1's result messages carry no kind.
    kind = message.get("kind") if isinstance(message, dict) else getattr(message, "kind", None)
    return kind if isinstance(kind, str) else "result"


ResultsTopicMessage = Annotated[
    Annotated[AcceptedResult, Tag("result")] | Annotated[ResultCheck, Tag("check")],
    Discriminator(_kind),
]
_RESULTS_TOPIC: TypeAdapter[AcceptedResult | ResultCheck] = TypeAdapter(ResultsTopicMessage)


def results_topic_message(raw: bytes) -> AcceptedResult | ResultCheck:
    """A message of `podium.results`; pydantic's ValidationError when it is malformed."""
    return _RESULTS_TOPIC.validate_json(raw)


class FeedMessage(BaseModel):
    """One message of the live feed, numbered once by scoring (docs/protocol.md): an
    `update` carries a whole table, a `result` an event's document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: RowNumber
    channel: str
    type: FeedType
    data: dict[str, Any]

    def to_json(self) -> bytes:
        # orjson straight from the fields: model_dump would first copy the whole document.
        return orjson.dumps({"seq": self.seq, "channel": self.channel, "type": self.type,
                             "data": self.data})
