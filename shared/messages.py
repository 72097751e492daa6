"""What flows over Kafka: accepted result revisions (ingest -> scoring) and feed
messages (scoring -> broadcast)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.domain.engine import EntryInput, ResultInput

EntryStatus = Literal["OK", "DNF", "DSQ", "DNS"]
ResultStatus = Literal["provisional", "official", "cancelled"]
RecordLevel = Literal["games", "provincial", "national"]


class ResultEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int | None
    delegation: str
    competitor: str
    status: EntryStatus = "OK"
    mark: str | None = None
    record: RecordLevel | None = None
    members: tuple[str, ...] = ()

    def to_input(self) -> EntryInput:
        return EntryInput(
            rank=self.rank, delegation=self.delegation, competitor=self.competitor,
            status=self.status, mark=self.mark, record=self.record, members=self.members,
        )


class AcceptedResult(BaseModel):
    """One accepted result revision, as ingest stored it and publishes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    revision: int
    status: ResultStatus
    note: str | None = None
    entries: tuple[ResultEntry, ...]
    accepted_at: datetime
    entered_by: str

    def to_input(self) -> ResultInput:
        return ResultInput(
            event_id=self.event_id, revision=self.revision, status=self.status,
            entries=tuple(entry.to_input() for entry in self.entries), note=self.note,
        )


class FeedMessage(BaseModel):
    """One message of the live feed, numbered once by scoring."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    channel: str
    type: Literal["update", "result"]
    data: dict[str, object]
