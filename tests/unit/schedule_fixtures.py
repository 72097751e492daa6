"""Shipped events and small builders shared by the schedule, qualification and registration
tests."""

from shared.domain.games import Event
from shared.domain.start_lists import Entry
from tests.unit.shipped import GAMES

VENUES = frozenset(venue.id for venue in GAMES.venues)


def shipped_event(event_id: str) -> Event:
    event = GAMES.event(event_id)
    assert event is not None, event_id
    return event


def entry(bib: str, delegation: str = "qinyang", name: str | None = None) -> Entry:
    """A competitor named after its bib unless a name is given."""
    return Entry(bib=bib, name=name or f"competitor {bib}", delegation=delegation)
