"""What flows over Kafka, typed at both ends: accepted result revisions (ingest -> scoring,
`podium.results`) and feed messages (scoring -> broadcast, `podium.changes`)."""

from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict

from shared.domain.engine import Result

EntryStatus = Literal["OK", "DNF", "DSQ", "DNS"]
ResultStatus = Literal["provisional", "official", "cancelled"]
RecordLevel = Literal["games", "provincial", "national"]
FeedType = Literal["update", "result"]


class AcceptedResult(Result):
    """One accepted result revision, as ingest stored it and publishes it."""

    accepted_at: datetime
    entered_by: str


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
