"""A unit's status lifecycle: what officials, the start list and results may move, and why not."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.unit_status import (
    TRANSITIONS,
    UNIT_STATUSES,
    Refusal,
    Source,
    UnitState,
    UnitStatus,
    transition,
)

NINE = datetime.fromisoformat("2024-09-20T09:00:00+08:00")
PLANNED = UnitState.planned(NINE)


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2024-09-20T{clock}:00+08:00")


def state(status: UnitStatus, starts: str = "09:00", published: bool = False) -> UnitState:
    return UnitState(status=status, planned_at=NINE, starts_at=at(starts),
                     start_list_published=published)


def official(
    current: UnitState, requested: UnitStatus, starts_at: datetime | None = None,
    note: str | None = None,
) -> UnitState | Refusal:
    return transition(current, requested, source="official", starts_at=starts_at, note=note)


def test_a_delay_moves_the_start_and_shows_its_note() -> None:
    delayed = official(PLANNED, "delayed", at("09:30"), " 雷雨，推迟30分钟 ")
    assert delayed == UnitState(status="delayed", planned_at=NINE, starts_at=at("09:30"),
                                note="雷雨，推迟30分钟")
    assert isinstance(delayed, UnitState)
    further = official(delayed, "delayed", at("09:45"))
    assert further == UnitState(status="delayed", planned_at=NINE, starts_at=at("09:45"))
    assert official(delayed, "delayed", at("09:20")) == Refusal(
        "a unit delayed starts later: 2024-09-20T09:20:00+08:00 is not after its current start "
        "2024-09-20T09:30:00+08:00")
    assert official(PLANNED, "delayed") == Refusal("a delay needs the new starts_at")
    # Running after a delay keeps the new start and drops the delay's note.
    assert official(delayed, "running") == UnitState(status="running", planned_at=NINE,
                                                     starts_at=at("09:30"))


def test_back_to_scheduled_keeps_the_start_unless_given_and_respects_a_published_list() -> None:
    assert official(state("delayed", "09:30"), "scheduled") == state("scheduled", "09:30")
    assert official(state("delayed", "09:30", published=True), "scheduled", at("09:10")) == \
        state("start_list", "09:10", published=True)
    # Set running by mistake: put back.
    assert official(state("running", published=True), "scheduled") == \
        state("start_list", published=True)
    # Moving a unit earlier is a new schedule, not a delay.
    assert official(PLANNED, "scheduled", at("08:40")) == state("scheduled", "08:40")


def test_a_postponed_unit_is_scheduled_again_before_it_runs() -> None:
    postponed = official(state("running"), "postponed", note="场地积水")
    assert postponed == UnitState(status="postponed", planned_at=NINE, starts_at=NINE,
                                  note="场地积水")
    assert isinstance(postponed, UnitState)
    assert official(postponed, "running") == Refusal(
        "a postponed unit needs its new start first: set it scheduled with starts_at, then "
        "running")
    assert official(postponed, "delayed", at("10:00")) == Refusal(
        "a postponed unit has no start to delay: set it scheduled with its new starts_at")
    assert official(postponed, "scheduled") == Refusal(
        "a postponed unit is scheduled again at its new start: give starts_at")
    tomorrow = NINE + timedelta(days=1)
    assert official(postponed, "scheduled", tomorrow) == UnitState(
        status="scheduled", planned_at=NINE, starts_at=tomorrow)
    assert official(PLANNED, "postponed", at("08:00")) == Refusal(
        "a unit postponed starts later: 2024-09-20T08:00:00+08:00 is not after its current "
        "start 2024-09-20T09:00:00+08:00")


@pytest.mark.parametrize(("current", "requested", "reason"), [
    ("official", "running", "an official unit cannot be set running; correct its result "
                            "instead"),
    ("official", "scheduled", "an official unit cannot be set scheduled; correct its result "
                              "instead"),
    ("unofficial", "postponed", "the unit's result awaits confirmation; confirm or correct the "
                                "result instead of setting it postponed"),
    ("cancelled", "running", "the unit's result was withdrawn (cancelled); enter a new result "
                             "revision instead of setting it running"),
    ("running", "delayed", "a running unit has started and cannot be delayed; set it postponed "
                           "if it stops for another day, or scheduled if it was set running by "
                           "mistake"),
])
def test_refused_requests_say_what_to_do_instead(
    current: UnitStatus, requested: UnitStatus, reason: str
) -> None:
    starts_at = at("10:00") if requested == "delayed" else None
    assert official(state(current), requested, starts_at) == Refusal(reason)


def test_start_times_only_where_they_mean_something() -> None:
    assert official(PLANNED, "running", at("09:05")) == Refusal(
        "starts_at applies to delayed, postponed and scheduled, not to running")
    assert official(PLANNED, "delayed", datetime(2024, 9, 20, 10)) == Refusal(
        "starts_at needs its UTC offset, e.g. 2024-09-20T10:30:00+08:00")
    with pytest.raises(ValueError, match="official does not request 'official'"):
        official(PLANNED, "official")
    with pytest.raises(ValueError, match="result does not request 'delayed'"):
        transition(PLANNED, "delayed", source="result")


def test_publishing_the_start_list() -> None:
    assert transition(PLANNED, "start_list", source="start_list") == \
        state("start_list", published=True)
    # A delayed unit stays delayed, its list now out; republishing is allowed before the start.
    delayed = state("delayed", "09:30")
    assert transition(delayed, "start_list", source="start_list") == \
        state("delayed", "09:30", published=True)
    assert transition(state("start_list", published=True), "start_list",
                      source="start_list") == state("start_list", published=True)
    assert transition(state("running"), "start_list", source="start_list") == Refusal(
        "the unit is running: its start list can no longer change once it has started")


@pytest.mark.parametrize(("current", "requested", "expected"), [
    ("start_list", "running", "running"),  # a provisional result: the unit is live
    ("running", "running", "running"),
    ("delayed", "running", "running"),
    ("postponed", "running", "running"),  # results are facts: it was run after all
    ("running", "unofficial", "unofficial"),  # an official result awaiting confirmation
    ("unofficial", "official", "official"),
    ("official", "running", "running"),  # a provisional correction of an official result
    ("official", "cancelled", "cancelled"),
    ("cancelled", "official", "official"),  # a new revision reinstates it
])
def test_results_always_move_the_unit(
    current: UnitStatus, requested: UnitStatus, expected: UnitStatus
) -> None:
    before = UnitState(status=current, planned_at=NINE, starts_at=at("09:30"), note="推迟",
                       start_list_published=True)
    assert transition(before, requested, source="result") == UnitState(
        status=expected, planned_at=NINE, starts_at=at("09:30"), start_list_published=True)


def test_the_transition_table_covers_every_source_and_status() -> None:
    for source in ("official", "start_list", "result"):
        assert set(TRANSITIONS[source]) == set(UNIT_STATUSES)
    assert TRANSITIONS["official"]["scheduled"] == {"running", "delayed", "postponed",
                                                    "scheduled"}
    assert TRANSITIONS["official"]["official"] == frozenset()


REQUESTS: list[tuple[Source, UnitStatus]] = [
    *(("official", status) for status in ("running", "delayed", "postponed", "scheduled")),
    ("start_list", "start_list"),
    *(("result", status) for status in ("running", "unofficial", "official", "cancelled")),
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(REQUESTS),
                          st.one_of(st.none(), st.integers(min_value=-60, max_value=600))),
                max_size=12))
def test_any_sequence_of_requests_keeps_the_lifecycle_rules(
    requests: list[tuple[tuple[Source, UnitStatus], int | None]]
) -> None:
    current = PLANNED
    for (source, requested), minutes in requests:
        starts_at = None if minutes is None or source != "official" \
            else NINE + timedelta(minutes=minutes)
        after = transition(current, requested, source=source, starts_at=starts_at)
        if isinstance(after, Refusal):
            assert after.reason
            continue
        assert after.planned_at == NINE
        assert after.start_list_published >= current.start_list_published
        if current.status in ("unofficial", "official", "cancelled"):
            assert source == "result"
        if after.status == "delayed" and requested == "delayed":
            assert after.starts_at > current.starts_at
        if starts_at is None:
            assert after.starts_at == current.starts_at
        current = after
