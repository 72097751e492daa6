"""The media routes' own rules: If-None-Match against an ETag, the embeds' framing policy,
and which tables a day's book and report print (live, from the feed, or zero)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

import pytest

from services.broadcast.caching import etag_matches
from services.broadcast.day_tables import SETTLED_AFTER, DayTables, end_of
from services.broadcast.media.wording import BEIJING
from services.broadcast.media_routes import embed_policy
from shared.adapters.db import Database
from tests.unit.shipped import GAMES, RULES

ETAG = '"5f1a"'


@pytest.mark.parametrize(("if_none_match", "matches"), [
    (None, False), (ETAG, True), (f'W/{ETAG}', True), (f'"other", {ETAG}', True),
    ("*", True), ('"other"', False), ("", False),
])
def test_if_none_match_is_compared_weakly_tag_by_tag(
    if_none_match: str | None, matches: bool
) -> None:
    assert etag_matches(if_none_match, ETAG) is matches


def test_the_embeds_may_be_framed_by_the_sites_configured() -> None:
    policy = embed_policy("https://www.jzrb.example https://*.example.cn")
    assert policy.endswith("frame-ancestors https://www.jzrb.example https://*.example.cn")
    assert "default-src 'self'" in policy


class Feed:
    """The feed table as `tables_before` queries it: the newest update of each channel
    created before the moment asked."""

    def __init__(self, updates: list[tuple[datetime, str, dict[str, Any]]]) -> None:
        self.updates = updates
        self.queries: list[datetime] = []
        self.pool = self

    async def fetch(self, query: str, moment: datetime) -> list[dict[str, Any]]:
        self.queries.append(moment)
        latest = {channel: data for at, channel, data in sorted(self.updates, key=lambda u: u[0])
                  if at < moment}
        return [{"channel": channel, "data": data} for channel, data in latest.items()]


LIVE = {"medals:all": {"version": 99}}
DAY = date(2024, 9, 21)


def tables(feed: Feed, now: datetime) -> DayTables:
    return DayTables(cast(Database, feed), GAMES, RULES, lambda: LIVE, now=lambda: now)


async def test_a_day_not_over_prints_the_live_tables() -> None:
    feed = Feed([])
    assert await tables(feed, datetime(2024, 9, 21, 23, 0, tzinfo=BEIJING)).at_end_of(DAY) \
        is LIVE
    assert feed.queries == []


async def test_a_past_day_prints_the_last_update_before_its_end_or_zero() -> None:
    evening = datetime(2024, 9, 21, 18, 0, tzinfo=BEIJING)
    morning_after = datetime(2024, 9, 22, 9, 0, tzinfo=BEIJING)
    feed = Feed([(evening, "medals:all", {"version": 7}),
                 (morning_after, "medals:all", {"version": 8})])
    day = tables(feed, datetime(2024, 9, 25, tzinfo=BEIJING))
    printed = await day.at_end_of(DAY)
    assert feed.queries == [datetime(2024, 9, 22, tzinfo=BEIJING)] == [end_of(DAY)]
    assert printed["medals:all"] == {"version": 7}
    zero = printed["points:youth"]
    assert (zero["version"], zero["updated_at"]) == (0, "2024-09-21T23:59:00+08:00")
    assert {row["points"] for row in zero["rows"]} == {0} and len(zero["rows"]) == 11
    assert len(printed) == 15  # every table of every scope
    assert await day.at_end_of(DAY) is printed and len(feed.queries) == 1  # read once


async def test_a_day_just_ended_is_read_again_until_it_has_settled() -> None:
    feed = Feed([])
    day = tables(feed, end_of(DAY) + SETTLED_AFTER / 2)
    await day.at_end_of(DAY)
    await day.at_end_of(DAY)
    assert len(feed.queries) == 2
