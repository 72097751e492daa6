"""The tables' sums kept from result to result (`Tallies.replaced`, what scoring's plan
does) against the sums over every event (`Tallies.of`): the same tables, ties, shared
places' fractions, corrections and cancellations included."""

import random
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from services.scoring.core import ScoringState, compute_tables, event_tallies
from shared.domain.engine import Tallies, compute_standings, standings_of
from tests.unit.test_scoring_core import GAMES, RULES, submitted

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("seed", [1, 7, 14])
def test_sums_kept_result_by_result_are_the_sums_over_every_event(seed: int) -> None:
    rng, waiting = random.Random(seed), [list(chain) for chain in submitted(seed, 40, 400)]
    revisions = []
    while waiting:  # the events interleaved at random, each event's revisions in order
        chain = rng.choice(waiting)
        revisions.append(chain.pop(0))
        waiting = [chain for chain in waiting if chain]
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    shared_places = 0
    for revision in revisions:
        plan = state.plan([revision], NOW)
        state.commit(plan)
        awards = {event_id: event.awards for event_id, event in state.events.items()}
        assert state.tallies is not None
        assert standings_of(GAMES, RULES, state.tallies) == compute_standings(GAMES, RULES,
                                                                             awards)
        assert plan.tables == compute_tables(GAMES, RULES, state.events)
        shared_places += any(award.points.denominator > 1 for event_awards in awards.values()
                             for award in event_awards)
    # The run went through what is hard to keep: fractions of shared places, taken out again.
    assert shared_places > 0
    assert len(state.events) == 40


def test_replacing_an_events_awards_leaves_the_sums_it_came_from_as_they_were() -> None:
    chain = next(chain for chain in submitted(3, events=5, total=20) if len(chain) > 1)
    state = ScoringState(GAMES, RULES)
    state.commit(state.plan([chain[0]], NOW))
    first = state.events[chain[0].event_id].awards
    before = event_tallies(GAMES, RULES, state.events)
    snapshot = standings_of(GAMES, RULES, before)
    after = before.replaced(GAMES, chain[0].event_id, first, ())
    assert standings_of(GAMES, RULES, before) == snapshot
    assert standings_of(GAMES, RULES, after) == standings_of(GAMES, RULES,
                                                             Tallies.of(GAMES, RULES, {}))
    assert all(tally.points == Fraction(0) for tally in after.scopes["all"].values())


def test_an_unknown_event_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown event 'no-such-event'"):
        Tallies.of(GAMES, RULES, {}).replaced(GAMES, "no-such-event", (), ())
