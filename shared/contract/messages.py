"""What flows over Kafka, typed at both ends: accepted result revisions, their checks and
units' states (ingest -> scoring, `podium.results`) and feed messages (scoring -> broadcast,
`podium.changes`)."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

from shared.domain.checks import CheckAction, Checks, Step
from shared.domain.engine import Entry, Result
from shared.domain.matches import MatchResult
from shared.domain.start_lists import Entrant, StartList, StartPosition
from shared.domain.unit_status import UnitState, UnitStatus
from shared.domain.units import RANKING_PHASE

EntryStatus = Literal["OK", "DNF", "DSQ", "DNS"]
ResultStatus = Literal["provisional", "official", "cancelled"]
RecordLevel = Literal["games", "provincial", "national"]
FeedType = Literal["update", "result"]
# Row ids and seqs are PostgreSQL bigints: a number beyond one names nothing any database
# holds, and a query with it fails every time it is tried, so such a message is malformed.
# (0 names no row: bigserial and the feed's seq start at 1.)
RowNumber = Annotated[int, Field(ge=0, le=2**63 - 1)]


def content_hash(
    event_id: str, revision: int, status: str, note: str | None, entries: Sequence[Entry],
    phase: str = RANKING_PHASE, match: MatchResult | None = None,
) -> bytes:
    """The SHA-256 of a revision's content: what ingest stores beside it (two submissions of
    one revision are the same exactly when their hashes are), and what scoring checks.

    v1's content (the final's, without bibs) hashes as it always did, so the hashes stored
    before v1.1 still name their rows; a match's result adds its `match`."""
    unit = {} if phase == RANKING_PHASE else {"phase": phase}
    played = {} if match is None else {"match": match.model_dump(mode="json")}
    canonical = orjson.dumps(
        {"event_id": event_id, **unit, "revision": revision, "status": status, "note": note,
         "entries": [entry.model_dump(exclude=set() if entry.bib else {"bib"})
                     for entry in entries], **played},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).digest()


class AcceptedResult(Result):
    """One accepted result revision, as ingest stored it and publishes it. It names its row
    of `submissions` (id, and the content hash in hex), so that scoring applies a message
    only when it is exactly a stored revision.

    `phase` is the unit it is the result of (v1.1): the final's (RANKING_PHASE) is the event's
    ranking, which scores; a heat's is stored and shown, never scored. Revisions count per unit.
    A match's result (a team event's pool or knockout match) has no entries and its `match`:
    the sides and their score (docs/tournaments.md).
    """

    submission_id: RowNumber
    content_hash: str
    accepted_at: datetime
    entered_by: str
    phase: str = RANKING_PHASE
    # v1.1: an official revision entered to wait for a second check (shared/domain/checks.py).
    awaits_confirmation: bool = False
    match: MatchResult | None = None

    @property
    def unit_id(self) -> str:
        return f"{self.event_id}/{self.phase}"

    @property
    def ranks_the_event(self) -> bool:
        return self.phase == RANKING_PHASE

    @classmethod
    def of(cls, result: Result, *, submission_id: int, accepted_at: datetime,
           entered_by: str, phase: str = RANKING_PHASE,
           awaits_confirmation: bool = False,
           match: MatchResult | None = None) -> "AcceptedResult":
        """`result` as stored in row `submission_id`, its hash computed."""
        digest = content_hash(result.event_id, result.revision, result.status, result.note,
                              result.entries, phase, match)
        return cls(**result.model_dump(), submission_id=submission_id,
                   content_hash=digest.hex(), accepted_at=accepted_at, entered_by=entered_by,
                   phase=phase, awaits_confirmation=awaits_confirmation, match=match)

    def shown(self, checks: Checks) -> "AcceptedResult":
        """The revision as readers see it once `checks` were made of it: `unofficial` while
        it waits for its confirmation."""
        status = checks.shown_status(self.status, self.awaits_confirmation)
        return self if status == self.status else self.model_copy(update={"status": status})

    def content_matches_hash(self) -> bool:
        """Whether the content is the content its hash names (nothing altered on the way)."""
        digest = content_hash(self.event_id, self.revision, self.status, self.note,
                              self.entries, self.phase, self.match)
        return digest.hex() == self.content_hash


class StartRow(BaseModel):
    """A place on a unit's start list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order: int
    lane: int | None
    bib: str
    competitor: str
    delegation: str
    members: tuple[str, ...] = ()

    @classmethod
    def of(cls, position: StartPosition) -> "StartRow":
        entry = position.entry
        return cls(order=position.order, lane=position.lane, bib=entry.bib,
                   competitor=entry.name, delegation=entry.delegation, members=entry.members)

    def position(self) -> StartPosition:
        return StartPosition(self.order, self.lane, Entrant(
            bib=self.bib, name=self.competitor, delegation=self.delegation, members=self.members))


class UnitUpdate(BaseModel):
    """A unit's whole state after a change (docs/protocol.md "Units"): its status and start,
    its start list, how its entries went on (heats), and who competes in it. Ingest (and the
    entries import) write one per change under the event's lock, with the unit's next
    `version`; a reader keeps the highest version it has seen, so applying one twice or out of
    order changes nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["unit"] = "unit"
    # The row of the outbox `unit_changes` it was published from (0 before it is), so that
    # scoring applies a state only when it is exactly what ingest stored.
    change_id: RowNumber = 0
    event_id: str
    unit_id: str
    version: int = Field(ge=1)
    status: UnitStatus
    planned_at: datetime
    starts_at: datetime
    note: str | None = None
    start_list_published: bool = False
    start_list: tuple[StartRow, ...] | None = None
    # A heat's entries that go on to the next round, by bib (entrant key): "Q" or "q".
    qualified: dict[str, Literal["Q", "q"]] = Field(default_factory=dict)
    # The delegations it concerns: those on its start list, else those entered in the event.
    delegations: tuple[str, ...] = ()
    changed_at: datetime

    def state(self) -> UnitState:
        return UnitState(status=self.status, planned_at=self.planned_at,
                         starts_at=self.starts_at, note=self.note,
                         start_list_published=self.start_list_published)

    def start_list_of(self) -> StartList | None:
        if self.start_list is None:
            return None
        return StartList(self.unit_id, tuple(row.position() for row in self.start_list))


class ResultCheck(BaseModel):
    """A check of one revision of a unit's result, as ingest stored it (`result_checks`):
    a confirmation, or a review with its note. Relayed in one order with the revisions, so
    scoring always has the revision a check names; `id` grows with each, so scoring applies
    each once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["check"] = "check"
    id: RowNumber
    event_id: str
    revision: int
    phase: str = RANKING_PHASE  # the unit of the event whose revision it checks
    action: CheckAction
    note: str | None = None
    by: str  # the token's name
    at: datetime

    @property
    def unit_id(self) -> str:
        return f"{self.event_id}/{self.phase}"

    def step(self) -> Step:
        return Step(by=self.by, at=self.at, note=self.note)


def _kind(message: Any) -> str:
    # v1's result messages carry no kind.
    kind = message.get("kind") if isinstance(message, dict) else getattr(message, "kind", None)
    return kind if isinstance(kind, str) else "result"


# A message of `podium.results`.
ResultsMessage = AcceptedResult | UnitUpdate | ResultCheck
ResultsTopicMessage = Annotated[
    Annotated[AcceptedResult, Tag("result")] | Annotated[UnitUpdate, Tag("unit")]
    | Annotated[ResultCheck, Tag("check")],
    Discriminator(_kind),
]
_RESULTS_TOPIC: TypeAdapter[ResultsMessage] = TypeAdapter(ResultsTopicMessage)


def results_topic_message(raw: bytes) -> ResultsMessage:
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
