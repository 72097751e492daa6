"""The live channels' names (docs/protocol.md "Channels"): built and read only here, so
scoring, which numbers the messages, and broadcast, which routes them, cannot disagree."""

from typing import Final, Literal

RESULTS: Final = "results"
# v1.1: the units' schedule (every change of a unit's status), and one unit's page.
SCHEDULE: Final = "schedule"
RECORDS: Final = "records"  # the records report: a state like a table, updated when it changes
TableKind = Literal["medals", "points", "combined"]
TABLE_KINDS: Final[tuple[TableKind, ...]] = ("medals", "points", "combined")
_EVENT_PREFIX: Final = "event:"
_UNIT_PREFIX: Final = "unit:"
_TOURNAMENT_PREFIX: Final = "tournament:"


def table(kind: TableKind, scope: str) -> str:
    """`medals:all`, `points:youth`, ...: a table of one scope ("all" or a group code)."""
    return f"{kind}:{scope}"


def event(event_id: str) -> str:
    """`event:<event_id>`: the revisions of one event."""
    return _EVENT_PREFIX + event_id


def event_id_of(channel: str) -> str | None:
    """The event of an `event:` channel; None for any other channel."""
    return channel.removeprefix(_EVENT_PREFIX) if channel.startswith(_EVENT_PREFIX) else None


def unit(unit_id: str) -> str:
    """`unit:<event_id>/<phase>`: one unit, its start list and its latest result."""
    return _UNIT_PREFIX + unit_id


def unit_id_of(channel: str) -> str | None:
    """The unit of a `unit:` channel; None for any other channel."""
    return channel.removeprefix(_UNIT_PREFIX) if channel.startswith(_UNIT_PREFIX) else None


def tournament(event_id: str) -> str:
    """`tournament:<event_id>`: a team event's pool tables and bracket (docs/tournaments.md)."""
    return _TOURNAMENT_PREFIX + event_id


def tournament_event_of(channel: str) -> str | None:
    """The event of a `tournament:` channel; None for any other channel."""
    return (channel.removeprefix(_TOURNAMENT_PREFIX) if channel.startswith(_TOURNAMENT_PREFIX)
            else None)
