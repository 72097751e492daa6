"""The units' documents as scoring keeps them: each unit's latest state (from ingest's
`UnitUpdate`s), a heat's latest result, and the feed messages that announce a change:
`schedule` (the unit as the schedule lists it) and `unit:<unit_id>` (its whole page). Heats
are never scored: their results only reach their unit's page. A final's result is its
event's, announced as in v1 on `results` and `event:<id>`."""

from dataclasses import dataclass
from typing import Any

from shared.contract import channels
from shared.contract.messages import AcceptedResult, FeedMessage, UnitUpdate
from shared.contract.unit_documents import result_part, schedule_item, unit_document
from shared.domain.checks import NO_CHECKS, Checks
from shared.domain.games import Games
from shared.domain.units import Unit


@dataclass(frozen=True)
class UnitRecord:
    update: UnitUpdate | None  # the latest state applied; None while as planned
    result: AcceptedResult | None  # a heat's latest result; None for a final (the event's)
    history: tuple[dict[str, Any], ...]  # a heat's revisions (history_item)
    document: dict[str, Any]  # GET /v1/units/{unit_id}
    checks: Checks = NO_CHECKS  # what the second checks made of a heat's latest result

    def is_newer(self, update: UnitUpdate) -> bool:
        """Whether `update` is a later state than this one (redeliveries are not)."""
        return self.update is None or update.version > self.update.version


def unit_record(
    games: Games,
    unit: Unit,
    update: UnitUpdate | None,
    result: AcceptedResult | None,
    history: tuple[dict[str, Any], ...],
    checks: Checks = NO_CHECKS,
) -> UnitRecord:
    """The unit's record and document. A final's result is its event's: broadcast shows the
    event's document on the final's page, so the feed announces it once (docs/protocol.md)."""
    shown = None if result is None else result_part(games, result.shown(checks), history,
                                                     checks)
    return UnitRecord(update, result, history, unit_document(games, unit, update, shown),
                      checks)


def unit_messages(
    seq: int, unit: Unit, record: UnitRecord, *, schedule: bool
) -> list[FeedMessage]:
    """The messages announcing the unit's new record, numbered after `seq`: its page, and
    with `schedule` (its state changed) its schedule item first."""
    messages = []
    if schedule:
        item = schedule_item(unit, record.update)
        messages.append(FeedMessage(seq=seq + 1, channel=channels.SCHEDULE, type="update",
                                    data={"units": [item]}))
    messages.append(FeedMessage(seq=seq + len(messages) + 1, channel=channels.unit(unit.unit_id),
                                type="update", data=record.document))
    return messages
