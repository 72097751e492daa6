"""The events a token may enter, today's first."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingest.assignments import enterable_events, is_today, my_events_document
from services.ingest.store import CurrentRevision
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.adapters.tokens import Token

GAMES = load_definitions(Settings().games_dir).games
OFFICIAL_ALL = Token(1, "official", "裁判 张", ())
ADMIN = Token(2, "admin", "成绩处", ())
AT_POOL = Token(3, "official", "游泳裁判", ("city-swimming-hall",))
# 2024-09-20 07:30 in Jiaozuo (+08:00) is still 2024-09-19 in UTC.
MORNING_OF_THE_20TH = datetime(2024, 9, 19, 23, 30, tzinfo=UTC)


def test_today_is_the_games_calendar_day_not_utcs() -> None:
    event = next(e for e in GAMES.events if e.scheduled_at.date().isoformat() == "2024-09-20")
    assert is_today(event, MORNING_OF_THE_20TH)
    assert not is_today(event, datetime(2024, 9, 20, 16, 0, tzinfo=UTC))  # 00:00 on the 21st


def test_todays_events_come_first_then_the_programme() -> None:
    events = enterable_events(OFFICIAL_ALL, GAMES, MORNING_OF_THE_20TH)
    today = [e for e in events if is_today(e, MORNING_OF_THE_20TH)]
    assert today, "the games have events on the 20th"
    assert events[: len(today)] == sorted(today, key=lambda e: (e.scheduled_at, e.id))
    rest = events[len(today):]
    assert rest == sorted(rest, key=lambda e: (e.scheduled_at, e.id))
    assert sorted(e.id for e in events) == sorted(e.id for e in GAMES.events)


def test_an_official_sees_only_the_venues_on_the_token() -> None:
    events = enterable_events(AT_POOL, GAMES, MORNING_OF_THE_20TH)
    assert events
    assert {e.venue for e in events} == {"city-swimming-hall"}
    assert len(enterable_events(ADMIN, GAMES, MORNING_OF_THE_20TH)) == len(GAMES.events)
    media = Token(4, "media", "焦作日报", ())
    assert enterable_events(media, GAMES, MORNING_OF_THE_20TH) == []


def test_the_document_carries_current_revisions_and_names() -> None:
    first = enterable_events(AT_POOL, GAMES, MORNING_OF_THE_20TH)[0]
    accepted = datetime(2024, 9, 20, 2, 0, tzinfo=UTC)
    # Current revisions are keyed by unit: the final's is the event's.
    document = my_events_document(AT_POOL, GAMES, MORNING_OF_THE_20TH,
                                  {f"{first.id}/final": CurrentRevision(3, "official", accepted)})
    assert document["holder"] == {"name": "游泳裁判", "role": "official",
                                  "venues": ["city-swimming-hall"]}
    assert [d["code"] for d in document["delegations"]] == list(GAMES.delegation_codes)
    listed = document["events"]
    assert listed[0]["id"] == first.id
    assert (listed[0]["current_revision"], listed[0]["current_status"]) == (3, "official")
    assert listed[0]["accepted_at"] == accepted.isoformat()
    assert listed[0]["venue_name"] == "焦作市游泳馆"
    assert all(item["current_revision"] == 0 and item["current_status"] is None
               for item in listed[1:])
    final = listed[0]["units"][-1]
    assert (final["unit_id"], final["current_revision"]) == (f"{first.id}/final", 3)


def test_each_unit_carries_its_own_revision() -> None:
    swim = GAMES.event("swm-youth-m-50m-free")
    assert swim is not None
    accepted = datetime(2024, 9, 19, 1, 10, tzinfo=UTC)
    document = my_events_document(AT_POOL, GAMES, MORNING_OF_THE_20TH, {
        "swm-youth-m-50m-free/heat-2": CurrentRevision(2, "provisional", accepted)})
    listed = next(e for e in document["events"] if e["id"] == swim.id)
    assert listed["current_revision"] == 0  # the final's: no result yet
    assert [(u["phase"], u["current_revision"], u["current_status"]) for u in listed["units"]] \
        == [("heat-1", 0, None), ("heat-2", 2, "provisional"), ("heat-3", 0, None),
            ("final", 0, None)]
    assert listed["units"][0]["qualify"] == {"Q": 0, "q": 8}
