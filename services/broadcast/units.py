"""The units as a broadcast replica holds them: each unit's schedule item and page, loaded
from PostgreSQL at start and kept current by the feed's `schedule` and `unit:` messages.

It answers `GET /v1/schedule` (by the domain's own start order and day), `GET /v1/units/{id}`
and the snapshots of the `schedule` and `unit:<unit_id>` channels. A unit nothing has
happened to yet is served as the games file plans it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from shared.contract import channels
from shared.contract.unit_documents import (
    event_result_part,
    item_state,
    schedule_item,
    unit_document,
)
from shared.domain.games import Games
from shared.domain.schedule import GAMES_TIMEZONE, ScheduledUnit, at_venue, on_day, schedule
from shared.domain.unit_status import UnitState


def games_today() -> date:
    return datetime.now(GAMES_TIMEZONE).date()


class Units:
    def __init__(self, games: Games, today: Callable[[], date] = games_today) -> None:
        self.games = games
        self._today = today
        self._items: dict[str, dict[str, Any]] = {}
        self._states: dict[str, UnitState] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._ordered: tuple[ScheduledUnit, ...] | None = None
        self._days = sorted({unit.starts_at.astimezone(GAMES_TIMEZONE).date()
                             for unit in games.units})

    def load(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """The units' pages as stored (unit id -> document)."""
        self._items.clear()
        self._states.clear()
        self._documents = dict(documents)
        for document in documents.values():
            self._list(document["unit"])

    def apply(self, channel: str, data: dict[str, Any]) -> None:
        """A `schedule` message (`{"units": [item]}`) or a `unit:` one (the unit's page)."""
        if channel == channels.SCHEDULE:
            for item in data["units"]:
                self._list(item)
            return
        unit_id = channels.unit_id_of(channel)
        assert unit_id is not None, channel
        self._documents[unit_id] = data
        self._list(data["unit"])

    def _list(self, item: dict[str, Any]) -> None:
        unit_id = item["unit_id"]
        known = self._items.get(unit_id)
        if known is not None and known["version"] > item["version"]:
            return  # never back to an older state
        self._items[unit_id] = item
        self._states[unit_id] = item_state(item)
        self._ordered = None

    # --- reads ---------------------------------------------------------------------------

    def is_unit(self, unit_id: str) -> bool:
        return self.games.unit(unit_id) is not None

    def document(self, unit_id: str, event_document: Mapping[str, Any] | None) -> dict[str, Any]:
        """The unit's page; `event_document` is its event's, whose result is the final's."""
        unit = self.games.unit(unit_id)
        assert unit is not None, unit_id
        stored = self._documents.get(unit_id) or unit_document(self.games, unit, None, None)
        if unit.parsed_phase.kind != "final" or event_document is None:
            return stored
        return {**stored, "result": event_result_part(event_document)}

    def listed(
        self, day: date | None = None, venue: str | None = None, delegation: str | None = None
    ) -> list[dict[str, Any]]:
        """The schedule's items in start order, kept by the filters given."""
        if self._ordered is None:
            self._ordered = schedule(self.games.units, self._states)
        items = self._ordered
        if day is not None:
            items = on_day(items, day)
        if venue is not None:
            items = at_venue(items, venue)
        listed = [self._item(scheduled) for scheduled in items]
        if delegation is not None:
            listed = [item for item in listed if delegation in item["delegations"]]
        return listed

    def _item(self, scheduled: ScheduledUnit) -> dict[str, Any]:
        return self._items.get(scheduled.unit.unit_id) or schedule_item(scheduled.unit, None)

    def day(self) -> date:
        """The schedule channel's day: today, within the games' days (their first day before
        they start, their last after they end)."""
        today = self._today()
        return min(max(today, self._days[0]), self._days[-1])

    def snapshot(self) -> dict[str, Any]:
        """The `schedule` channel's state: the day's units."""
        day = self.day()
        return {"date": day.isoformat(), "units": self.listed(day=day)}
