"""`podium rebuild`'s comparison, report and plan, on states built in memory."""

import gc
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from services.scoring.core import compute_tables, replay
from services.scoring.rebuild import (
    Rebuilt,
    Stored,
    collection_paused,
    compare,
    rebuild_plan,
    report,
)
from shared.adapters.definitions import Definitions, default_games_dir, load_games
from shared.contract.messages import AcceptedResult
from tests.unit.test_scoring_core import GAMES, RULES, accepted

EVENT = next(event for event in GAMES.events if event.group == "youth"
             and event.kind == "individual")
RANKS = ("qinyang", "mengzhou", "wuzhi", "boai", "xiuwu")
NEW_POINTS_RULES = RULES.model_copy(update={"place_points": (10, 8, 6, 5, 4, 3, 2, 1)})
DEFAULT = Definitions(GAMES, RULES)
NEW_POINTS = Definitions(load_games(default_games_dir() / "games.yaml", NEW_POINTS_RULES),
                         NEW_POINTS_RULES)


def revision(number: int, order: tuple[str, ...] = RANKS) -> AcceptedResult:
    return accepted({"event_id": EVENT.id, "revision": number, "status": "official",
                     "entries": [{"rank": rank, "delegation": code, "competitor": f"{code} 1"}
                                 for rank, code in enumerate(order, start=1)]}, number)


def rebuilt(definitions: Definitions, *revisions: AcceptedResult) -> Rebuilt:
    events = replay(definitions.games, definitions.rules, revisions)
    return Rebuilt(len(revisions), events,
                   compute_tables(definitions.games, definitions.rules, events))


def stored_from(state: Rebuilt, version: int = 4, last_seq: int = 30) -> Stored:
    return Stored({event_id: event.document for event_id, event in state.events.items()},
                  state.tables, version, last_seq)


def test_equal_state_is_reported_equal() -> None:
    state = rebuilt(DEFAULT, revision(1), revision(2))
    comparison = compare(stored_from(state), state)
    out = io.StringIO()
    report(comparison, stored_from(state), state, out)
    assert comparison.equal
    assert out.getvalue() == ("rebuild: 2 accepted revisions of 1 event: the stored events and"
                              " tables equal the recomputation\n")


def test_changed_rules_name_each_entry_and_row_that_differs() -> None:
    old = rebuilt(DEFAULT, revision(1))
    new = rebuilt(NEW_POINTS, revision(1))
    comparison = compare(stored_from(old), new)
    # 5 starters: places 1-4 score; only 1st and 2nd change (9 → 10, 7 → 8).
    assert comparison.events == {EVENT.id: ["entry 1 (qinyang qinyang 1): points 9 → 10",
                                            "entry 2 (mengzhou mengzhou 1): points 7 → 8"]}
    assert comparison.tables["points:youth"] == ["qinyang: points 9 → 10",
                                                 "mengzhou: points 7 → 8"]
    assert set(comparison.tables) == {"points:all", "points:youth"}
    out = io.StringIO()
    report(comparison, stored_from(old), new, out)
    assert out.getvalue().splitlines()[:3] == [
        f"event {EVENT.id}:",
        "  entry 1 (qinyang qinyang 1): points 9 → 10",
        "  entry 2 (mengzhou mengzhou 1): points 7 → 8",
    ]
    assert out.getvalue().splitlines()[-1] == (
        "rebuild: 1 accepted revision of 1 event: 1 of 1 event and 2 of 16 tables differ"
        " from what is stored (shown stored → recomputed)")


def test_a_revision_scoring_has_not_applied_is_named() -> None:
    old = rebuilt(DEFAULT, revision(1))
    new = rebuilt(DEFAULT, revision(1), revision(2, tuple(reversed(RANKS))))
    comparison = compare(stored_from(old), new)
    assert comparison.events[EVENT.id] == [
        "stored revision 1 (official), latest accepted revision 2 (official): scoring has"
        " not applied it yet (still catching up?)"]
    # Reversed: xiuwu gold, boai silver, wuzhi bronze; the rest share rank 4.
    assert comparison.tables["medals:all"][:2] == [
        "qinyang: rank 1 → 4; gold 1 → 0; total 1 → 0",
        "mengzhou: rank 2 → 4; silver 1 → 0; total 1 → 0",
    ]


def test_the_plan_announces_each_difference_under_one_new_version() -> None:
    old = rebuilt(DEFAULT, revision(1))
    new = rebuilt(NEW_POINTS, revision(1))
    stored = stored_from(old, version=4, last_seq=30)
    comparison = compare(stored, new)
    plan = rebuild_plan(stored, new, comparison, datetime(2024, 9, 22, tzinfo=UTC))
    assert list(plan.events) == [EVENT.id]
    assert [(item.seq, item.channel, item.type) for item in plan.feed] == [
        (31, "results", "result"), (32, f"event:{EVENT.id}", "result"),
        (33, "points:all", "update"), (34, "points:youth", "update")]
    assert (plan.version, plan.last_seq) == (5, 34)
    assert {document["version"] for document in plan.stamped.values()} == {5}


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_runs_again_after_the_pause_even_when_it_fails() -> None:
    with pytest.raises(RuntimeError), collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("the read failed")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_pause_does_not_start_a_collector_stopped_by_someone_else() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
