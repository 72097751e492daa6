"""Hands out events no other test of the session has used, so tests sharing the
session's system never collide on an event's revisions."""

from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.domain.games import Event

_GAMES = load_definitions(Settings().games_dir).games
_claimed: set[str] = set()


def claim_event(kind: str | None = "individual", group: str | None = None) -> Event:
    for event in _GAMES.events:
        if event.id in _claimed:
            continue
        if (kind is None or event.kind == kind) and (group is None or event.group == group):
            _claimed.add(event.id)
            return event
    raise LookupError(f"no unclaimed {kind or 'any'} event in group {group or 'any'}")


def games_delegations() -> list[str]:
    return [delegation.code for delegation in _GAMES.delegations]
