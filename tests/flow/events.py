"""Hands out events no other test of the session has used, so tests sharing the
session's system never collide on an event's revisions."""

from decimal import Decimal

from shared.adapters.definitions import load_definitions
from shared.domain.games import Event
from tests.games import TEST_GAMES_DIR

_GAMES = load_definitions(TEST_GAMES_DIR).games
_claimed: set[str] = set()


def claim_event(kind: str | None = "individual", group: str | None = None, *,
                any_measure: bool = False, record: bool = False, heats: bool = False) -> Event:
    """An unclaimed event whose marks are times or free text, so the tests' marks (a
    sprint's 10.91 ranked before 11.02) are valid in it; of any measure for a test that
    posts no marks or marks in the event's measure; with `record`, a timed event with a
    games record that `record_marks` breaks; with `heats`, one that runs heats before its
    final. The events with heats, then those with a record, are kept for the tests that ask
    for one, and a test of any measure gets one whose marks are not times where it can:
    those are kept for the tests that need them. An event played as a tournament is never
    handed out: its results are its matches' (tests/flow/test_tournament.py)."""
    book = _GAMES.records

    def timed(event: Event) -> bool:
        return book.measure(event.id) in (None, "time")

    def kept_for_last(event: Event) -> tuple[bool, bool, bool]:
        return event.has_rounds, _games_record(event) is not None, any_measure and timed(event)

    for event in sorted(_GAMES.events, key=kept_for_last):
        if event.id in _claimed or (not any_measure and not timed(event)):
            continue
        if event.tournament is not None:
            continue
        if (record and _games_record(event) is None) or (heats and not event.has_rounds):
            continue
        if (kind is None or event.kind == kind) and (group is None or event.group == group):
            _claimed.add(event.id)
            return event
    raise LookupError(f"no unclaimed {kind or 'any'} event in group {group or 'any'}"
                      + (" with heats" if heats else ""))


def record_marks(event: Event, count: int) -> list[str]:
    """`count` times in rank order for a timed event: the first 0.05 s inside its games
    record, each next one 0.1 s slower."""
    record = _games_record(event)
    assert record is not None, f"{event.id} has no games record"
    return [_time_text(record - Decimal("0.05") + Decimal("0.1") * place)
            for place in range(count)]


def _games_record(event: Event) -> Decimal | None:
    return next((record.mark.value for record in _GAMES.records.records
                 if record.event_id == event.id and record.level == "games"
                 and record.mark.measure == "time"), None)


def _time_text(seconds: Decimal) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}" if minutes else f"{rest:.2f}"


def games_delegations() -> list[str]:
    return [delegation.code for delegation in _GAMES.delegations]
