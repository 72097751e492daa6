"""The tables as they stood at the end of a games day (24:00 Beijing time), for the results
book and the report of a past date.

Read from the feed rather than computed again: each table's last `update` created before
the day's end is exactly what boards and media were shown that evening, versions and times
included, and one query answers it. (Recomputing from the submissions accepted by then would
need the engine's whole replay here, and would agree by construction, since scoring
publishes every change of a table as an update.) Corrections accepted after the day stay
out of that day's tables, as they were out of its evening's standings; the results the book
prints are the current ones, so a later correction shows there with its 更正 mark and time.

A table with no update before the day's end had not been published yet (the day precedes
the games' first tables): it stands at zero, version 0, as of the day's last minute. A day
that has not ended reads the live tables.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from services.broadcast.media.wording import BEIJING
from shared.adapters.db import Database
from shared.contract.documents import stamp_table, table_documents
from shared.domain.engine import standings_after
from shared.domain.games import Games
from shared.domain.rules import Rules

# Scoring's transactions take milliseconds; a row stamped before the day's end but committed
# after it could still appear within this margin, so a day is cached only once it is over.
SETTLED_AFTER: Final = timedelta(minutes=1)

Tables = Mapping[str, dict[str, Any]]


def end_of(day: date) -> datetime:
    """The next midnight in Beijing time."""
    return datetime.combine(day + timedelta(days=1), time(), BEIJING)


async def tables_before(database: Database, moment: datetime) -> dict[str, dict[str, Any]]:
    """Each table channel's last `update` in the feed created before `moment`."""
    rows = await database.pool.fetch(
        "SELECT DISTINCT ON (channel) channel, data FROM feed"
        " WHERE type = 'update' AND created_at < $1 ORDER BY channel, seq DESC",
        moment,
    )
    return {row["channel"]: row["data"] for row in rows}


class DayTables:
    def __init__(self, database: Database, games: Games, rules: Rules,
                 live: Callable[[], Tables],
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> None:
        self._database = database
        self._zero = table_documents(standings_after(games, rules, ()), games)
        self._live = live
        self._now = now
        self._settled: dict[date, Tables] = {}  # the callers ask for the games' days only

    async def at_end_of(self, day: date) -> Tables:
        end = end_of(day)
        now = self._now()
        if end > now:
            return self._live()
        if day in self._settled:
            return self._settled[day]
        published = await tables_before(self._database, end)
        unpublished = end - timedelta(minutes=1)
        tables = {channel: published.get(channel) or stamp_table(zero, 0, unpublished)
                  for channel, zero in self._zero.items()}
        if end + SETTLED_AFTER < now:
            self._settled[day] = tables
        return tables
