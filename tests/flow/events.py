"""Hands out events no other test of the session has used, so tests sharing the
session's system never collide on an event's revisions."""

from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.domain.games import Event

_GAMES = load_definitions(Settings().games_dir).games
_claimed: set[str] = set()


def claim_event(kind: str | None = "individual", group: str | None = None, *,
                heats: bool = False) -> Event:
    """An unclaimed event; with `heats`, one that runs heats before its final. The events
    with heats are few (the schedule's tests need them), so the others go first."""
    candidates = sorted(_GAMES.events, key=lambda event: event.has_rounds)
    for event in candidates:
        if event.id in _claimed or (heats and not event.has_rounds):
            continue
        if (kind is None or event.kind == kind) and (group is None or event.group == group):
            _claimed.add(event.id)
            return event
    raise LookupError(f"no unclaimed {kind or 'any'} event in group {group or 'any'}"
                      + (" with heats" if heats else ""))


def games_delegations() -> list[str]:
    return [delegation.code for delegation in _GAMES.delegations]
