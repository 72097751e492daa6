"""Properties of the scoring engine that must hold for any results, checked with hypothesis."""

from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.engine import (
    Entry,
    Result,
    Standings,
    award_result,
    rank_problems,
)
from shared.domain.engine import standings_after as engine_standings_after
from shared.domain.games import ALL_GROUPS, Event
from shared.domain.rules import MEDALS
from tests.unit.shipped import BONUS_RULES, GAMES, RULES, detected_as_claimed

# A handful of events across groups, sports and kinds keeps examples small but varied.
EVENTS = [event for event in GAMES.events if event.id in {
    "ath-youth-m-100m", "ath-youth-f-4x100m", "swm-youth-f-50m-free", "bk-youth-m-5x5",
    "bk-rural-m-village-5x5", "tc-rural-f-sword", "tt-workers-x-mixed-team",
    "bad-workers-m-singles", "walk-open-f-10km", "clb-open-x-speed-relay",
}]
SETTINGS = settings(max_examples=100, deadline=None)


@st.composite
def entry_lists(draw: st.DrawFn) -> tuple[Entry, ...]:
    """Valid entries: ranks follow from random performances, so ties are frequent."""
    count = draw(st.integers(min_value=0, max_value=12))
    statuses = draw(st.lists(st.sampled_from(["OK"] * 6 + ["DNF", "DSQ", "DNS"]),
                             min_size=count, max_size=count))
    times = draw(st.lists(st.integers(min_value=0, max_value=6), min_size=count, max_size=count))
    ok_times = [time for time, status in zip(times, statuses, strict=True) if status == "OK"]
    entries = []
    for index, (status, time) in enumerate(zip(statuses, times, strict=True)):
        ok = status == "OK"
        entries.append(Entry(
            rank=1 + sum(1 for other in ok_times if other < time) if ok else None,
            delegation=draw(st.sampled_from(GAMES.delegation_codes)),
            competitor=f"competitor {index}",
            status=status,
            record=draw(st.sampled_from([None, None, None, "games", "provincial", "national"]))
            if ok else None,
        ))
    return tuple(entries)


@st.composite
def result_streams(draw: st.DrawFn) -> list[Result]:
    """Every revision sent for a few events: official, provisional, cancelled, corrections."""
    events = draw(st.lists(st.sampled_from(EVENTS), max_size=6, unique_by=lambda e: e.id))
    stream = []
    for event in events:
        for revision in range(1, draw(st.integers(min_value=1, max_value=3)) + 1):
            status = draw(st.sampled_from(["official", "official", "provisional", "cancelled"]))
            stream.append(Result(
                event_id=event.id, revision=revision, status=status,
                entries=() if status == "cancelled" else draw(entry_lists()),
            ))
    return stream


def standings_after(results: Iterable[Result]) -> Standings:
    return engine_standings_after(GAMES, RULES, results)


def official(event: Event, entries: tuple[Entry, ...]) -> Result:
    return Result(event_id=event.id, revision=1, status="official", entries=entries)


@SETTINGS
@given(event=st.sampled_from(EVENTS), entries=entry_lists())
def test_points_handed_out_are_the_awarded_places_points(
    event: Event, entries: tuple[Entry, ...]
) -> None:
    assert rank_problems(entries) == []  # any competition ranking, in any order, is valid
    result = official(event, entries)
    awards = award_result(event, result, BONUS_RULES, detected_as_claimed(result))
    starters = sum(1 for entry in entries if entry.status != "DNS")
    finishers = sum(1 for entry in entries if entry.status == "OK")
    occupied = min(BONUS_RULES.places_awarded(starters), finishers)
    bonuses = sum(BONUS_RULES.record_points(entry.record) for entry in entries)
    expected = sum(BONUS_RULES.place_points[:occupied]) * event.points_multiplier + bonuses
    assert sum(award.points for award in awards) == expected


@SETTINGS
@given(event=st.sampled_from(EVENTS), entries=entry_lists())
def test_medals_follow_ranks_within_the_awarded_places(
    event: Event, entries: tuple[Entry, ...]
) -> None:
    awards = award_result(event, official(event, entries), RULES)
    places = RULES.places_awarded(sum(1 for entry in entries if entry.status != "DNS"))
    golds = sum(1 for award in awards if award.medal == "gold")
    if places >= 1 and any(entry.status == "OK" for entry in entries):
        assert golds >= 1
    for award in awards:
        rank = award.entry.rank
        if award.entry.status != "OK":
            assert (award.medal, award.points, award.place) == (None, 0, None)
        elif rank is not None and rank <= min(places, RULES.medal_places):
            assert award.medal == MEDALS[rank - 1]
        else:
            assert award.medal is None
    # Tied entries get the same points and a better rank never scores less (the default rules
    # give no record bonus that could reorder them).
    by_rank = sorted((award.entry.rank, award.points) for award in awards
                     if award.entry.rank is not None)
    for (rank, points), (next_rank, next_points) in pairwise(by_rank):
        assert points == next_points if rank == next_rank else points >= next_points


@SETTINGS
@given(stream=result_streams(), data=st.data())
def test_arrival_order_does_not_change_the_standings(
    stream: list[Result], data: st.DataObject
) -> None:
    # Kafka keeps one event's revisions in order, but other events' results interleave freely;
    # even a late older revision must not change the tables.
    shuffled = data.draw(st.permutations(stream))
    assert standings_after(shuffled) == standings_after(stream)


@SETTINGS
@given(stream=result_streams())
def test_applying_a_revision_twice_changes_nothing(stream: list[Result]) -> None:
    redelivered = [result for result in stream for _ in range(2)]
    assert standings_after(redelivered) == standings_after(stream)


@SETTINGS
@given(stream=result_streams())
def test_every_delegation_has_one_row_with_competition_ranks(stream: list[Result]) -> None:
    standings = standings_after(stream)
    for scope in GAMES.standings_scopes:
        assert_competition_ranked(
            [row.delegation for row in standings.medals[scope]],
            [row.rank for row in standings.medals[scope]],
            [(-row.gold, -row.silver, -row.bronze) for row in standings.medals[scope]],
        )
        assert_competition_ranked(
            [row.delegation for row in standings.points[scope]],
            [row.rank for row in standings.points[scope]],
            [(-row.points, *(-count for count in row.place_counts))
             for row in standings.points[scope]],
        )
        assert_competition_ranked(
            [row.delegation for row in standings.combined[scope]],
            [row.rank for row in standings.combined[scope]],
            [(row.score, row.points_rank, row.medal_rank) for row in standings.combined[scope]],
        )


def assert_competition_ranked(
    delegations: Sequence[str], ranks: Sequence[int], keys: Sequence[tuple[Fraction | int, ...]]
) -> None:
    assert sorted(delegations) == sorted(GAMES.delegation_codes)
    assert list(keys) == sorted(keys)
    for rank, key in zip(ranks, keys, strict=True):
        assert rank == 1 + sum(1 for other in keys if other < key)


@SETTINGS
@given(stream=result_streams())
def test_all_is_the_sum_of_the_groups(stream: list[Result]) -> None:
    standings = standings_after(stream)

    def totals(scopes: Iterable[str]) -> tuple[Counter[str], dict[str, Fraction]]:
        medals: Counter[str] = Counter()
        points: dict[str, Fraction] = dict.fromkeys(GAMES.delegation_codes, Fraction(0))
        for scope in scopes:
            for medal_row in standings.medals[scope]:
                medals[medal_row.delegation] += medal_row.total
            for points_row in standings.points[scope]:
                points[points_row.delegation] += points_row.points
        return medals, points

    assert totals([ALL_GROUPS]) == totals(GAMES.group_codes)
