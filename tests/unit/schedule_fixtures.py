"""Shipped events and small builders shared by the schedule, qualification and registration
tests."""

from collections.abc import Sequence

from shared.domain.games import Event
from shared.domain.start_lists import Entrant, StartList
from shared.domain.unit_status import Refusal
from tests.unit.shipped import GAMES

VENUES = frozenset(venue.id for venue in GAMES.venues)


def shipped_event(event_id: str) -> Event:
    event = GAMES.event(event_id)
    assert event is not None, event_id
    return event


def entry(bib: str, delegation: str = "qinyang", name: str | None = None) -> Entrant:
    """A competitor named after its bib unless a name is given."""
    return Entrant(bib=bib, name=name or f"competitor {bib}", delegation=delegation)


def balanced(
    result: tuple[StartList, ...] | Refusal, entries: Sequence[Entrant], units: int, lanes: int
) -> tuple[StartList, ...]:
    """The start lists, checked to place every entry once in `units` units whose sizes differ
    by one at most; () after checking the refusal when the entries do not fit their lanes."""
    assert isinstance(result, Refusal) == (len(entries) > units * lanes)
    if isinstance(result, Refusal):
        return ()
    placed = [entry for start_list in result for entry in start_list.entries]
    assert sorted(placed, key=repr) == sorted(entries, key=repr)
    sizes = [len(start_list.positions) for start_list in result]
    assert len(sizes) == units and max(sizes) - min(sizes) <= 1
    return result
