"""What flows over Kafka, typed at both ends: accepted result revisions and their checks
(ingest -> scoring, `podium.results`) and feed messages (scoring -> broadcast,
`podium.changes`)."""

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Discriminator, Tag, TypeAdapter

from shared.domain.checks import CheckAction, Step
from shared.domain.engine import Result

EntryStatus = Literal["OK", "DNF", "DSQ", "DNS"]
ResultStatus = Literal["provisional", "official", "cancelled"]
RecordLevel = Literal["games", "provincial", "national"]
FeedType = Literal["update", "result"]


class AcceptedResult(Result):
    """One accepted result revision, as ingest stored it and publishes it."""

    accepted_at: datetime
    entered_by: str
    # v1.1: an official revision entered to wait for a second check (shared/domain/checks.py).
    awaits_confirmation: bool = False


class ResultCheck(BaseModel):
    """A check of one revision of an event's result, as ingest stored it (`result_checks`):
    a confirmation, or a review with its note. Relayed in one order with the revisions, so
    scoring always has the revision a check names; `id` grows with each, so scoring applies
    each once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["check"] = "check"
    id: int
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

    seq: int
    channel: str
    type: FeedType
    data: dict[str, Any]

    def to_json(self) -> bytes:
        # orjson straight from the fields: model_dump would first copy the whole document.
        return orjson.dumps({"seq": self.seq, "channel": self.channel, "type": self.type,
                             "data": self.data})
