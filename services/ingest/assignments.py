"""The events a token may enter results for, today's first: what the entry page offers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.ingest.store import CurrentRevision
from shared.adapters.tokens import Token
from shared.domain.games import Event, Games
from shared.domain.units import RANKING_PHASE


def is_today(event: Event, now: datetime) -> bool:
    """Whether the event is on today's programme, by the calendar of the games' own time zone."""
    return now.astimezone(event.scheduled_at.tzinfo).date() == event.scheduled_at.date()


def enterable_events(token: Token, games: Games, now: datetime) -> list[Event]:
    """Today's events in programme order, then every other day's, in programme order."""
    allowed = [event for event in games.events if token.may_enter_for(event.venue)]
    return sorted(allowed, key=lambda e: (not is_today(e, now), e.scheduled_at, e.id))


def my_events_document(
    token: Token, games: Games, now: datetime, current: Mapping[str, CurrentRevision]
) -> dict[str, Any]:
    """The body of `GET /v1/my/events`: who the token is, the delegations to pick from, and
    each event it may enter with its current revision (0: none yet), the final's; each of
    its `units` carries its own (`current` is keyed by unit id)."""
    groups = {group.code: group for group in games.groups}
    events = []
    for event in enterable_events(token, games, now):
        sport, venue = games.sport(event.sport), games.venue(event.venue)
        assert sport is not None and venue is not None, "games.yaml references are checked"
        latest = current.get(f"{event.id}/{RANKING_PHASE}")
        units = [{**unit.document(), **_revision_fields(current.get(unit.unit_id))}
                 for unit in event.units]
        events.append({
            **event.model_dump(mode="json"),
            "units": units,
            "sport_name": sport.name, "sport_name_en": sport.name_en,
            "group_name": groups[event.group].name, "group_name_en": groups[event.group].name_en,
            "venue_name": venue.name, "venue_name_en": venue.name_en,
            "today": is_today(event, now),
            **_revision_fields(latest),
        })
    return {
        "holder": {"name": token.name, "role": token.role, "venues": list(token.venues)},
        "delegations": [delegation.model_dump(mode="json") for delegation in games.delegations],
        "events": events,
    }


def _revision_fields(latest: CurrentRevision | None) -> dict[str, Any]:
    return {
        "current_revision": latest.revision if latest else 0,
        "current_status": latest.shown_status if latest else None,
        "accepted_at": latest.accepted_at.isoformat() if latest else None,
    }
