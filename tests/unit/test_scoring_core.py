"""scoring's core under redelivery, replay and crashes at any point, as a model of the
live consumer: persisting a plan is atomic (one transaction), so a crash either loses the
whole batch (the consumer resumes at the stored offset) or none of it."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.random_results import Body, random_submissions
from services.scoring.core import (
    Plan,
    ScoringState,
    StoredRow,
    Tables,
    compute_tables,
    event_state,
    matches_submission,
    replay,
)
from shared.adapters.definitions import default_games_dir, load_games, load_rules
from shared.contract.documents import unstamp_table
from shared.contract.messages import AcceptedResult, FeedMessage, ResultCheck
from shared.domain.checks import NO_CHECKS, Checks
from shared.domain.engine import Result

RULES = load_rules(default_games_dir() / "rules.yaml")
GAMES = load_games(default_games_dir() / "games.yaml", RULES)
DELEGATIONS = list(GAMES.delegation_codes)
NOW = datetime(2024, 9, 21, 10, 0, tzinfo=UTC)


def accepted(body: Body, index: int) -> AcceptedResult:
    return AcceptedResult.of(Result.model_validate(body), submission_id=index + 1,
                             accepted_at=NOW + timedelta(seconds=index), entered_by="裁判 张")


Message = AcceptedResult | ResultCheck


def submitted(seed: int, events: int, total: int) -> list[list[AcceptedResult]]:
    """Each event's accepted revisions, in revision order."""
    rng = random.Random(seed)
    chains = random_submissions(rng, list(GAMES.events[:events]), DELEGATIONS, total,
                                GAMES.records.measures)
    return [[accepted(body, index) for index, body in enumerate(chain)] for chain in chains]


def checked(seed: int, chains: list[list[AcceptedResult]]) -> list[list[Message]]:
    """The chains with a second check now and then: about half the official revisions wait
    for their confirmation, and each revision may be confirmed or put under review (or be
    sent a check ingest would have refused, which scoring ignores), ids growing throughout."""
    rng = random.Random(seed)
    ids = iter(range(1, 10**6))
    checked_chains: list[list[Message]] = []
    for chain in chains:
        messages: list[Message] = []
        for result in chain:
            waits = result.status == "official" and rng.random() < 0.5
            messages.append(result.model_copy(update={"awaits_confirmation": waits}))
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                action = rng.choice(("confirm", "review"))
                messages.append(ResultCheck(
                    id=next(ids), event_id=result.event_id, revision=result.revision,
                    action=action, note="申诉：起跑犯规" if action == "review" else None,
                    by="裁判长 王", at=result.accepted_at + timedelta(seconds=next(ids))))
        checked_chains.append(messages)
    return checked_chains


def kafka_log(rng: random.Random, chains: list[list[Message]]) -> list[Message]:
    """Events interleaved, each in revision order; now and then the relay republishes its
    last few messages (a crash between sending and marking them)."""
    pending = [list(chain) for chain in chains]
    log: list[Message] = []
    while any(pending):
        chain = rng.choice([chain for chain in pending if chain])
        log.append(chain.pop(0))
        if rng.random() < 0.1:
            log += log[-rng.randint(1, min(len(log), 6)):]
    return log


@dataclass
class Database:
    """What `store.persist` keeps, committed plan by plan."""

    results: dict[str, tuple[AcceptedResult, tuple[dict[str, Any], ...], Checks,
                             AcceptedResult | None]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    standings: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)
    feed: list[FeedMessage] = field(default_factory=list)
    version: int = 0
    last_seq: int = 0
    next_offset: int = 0

    def persist(self, plan: Plan, next_offset: int) -> None:
        for event_id, state in plan.events.items():
            self.results[event_id] = (state.result, state.history, state.checks,
                                      state.counted)
            self.documents[event_id] = state.document
        announced = {item.channel: item.seq for item in plan.feed if item.type == "update"}
        for channel, document in plan.stamped.items():
            self.standings[channel] = (document, announced[channel])
        self.feed += plan.feed
        self.version, self.last_seq = plan.version, plan.last_seq
        self.next_offset = next_offset

    def tables(self) -> Tables:
        return {channel: unstamp_table(document) for channel, (document, _) in
                self.standings.items()}

    def start(self) -> ScoringState:
        """As the scoring process does when it (re)starts: `store.load_state`, then
        `store.publish_missing_tables`."""
        events = {}
        for event_id, (result, history, checks, counted) in self.results.items():
            state = event_state(GAMES, RULES, result, history, checks, counted)
            assert state is not None
            events[event_id] = state
        scoring = ScoringState(GAMES, RULES, events, self.tables(), self.version, self.last_seq)
        plan = scoring.plan_missing_tables(NOW)
        if not plan.empty:
            self.persist(plan, self.next_offset)
            scoring.commit(plan)
        return scoring


def consume(rng: random.Random, log: list[Message]) -> tuple[Database, int]:
    """The consumer loop over `log` in random batches, crashing at random: before a
    batch is persisted (it is lost and consumed again) or after. Returns the crash count."""
    database = Database()
    state = database.start()
    crashes = 0
    while database.next_offset < len(log):
        start = database.next_offset
        batch = log[start:start + rng.randint(1, 12)]
        plan = state.plan(batch, NOW)
        if rng.random() < 0.25:
            crashes += 1  # killed before the transaction committed
        else:
            database.persist(plan, start + len(batch))
            state.commit(plan)
            if rng.random() < 0.8:
                continue
            crashes += 1  # killed after it committed
        state = database.start()
    return database, crashes


@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=25, deadline=None)
def test_crashes_and_redeliveries_give_the_replayed_state(seed: int) -> None:
    rng = random.Random(seed)
    chains = checked(seed, submitted(seed, events=10, total=40))
    database, _ = consume(rng, kafka_log(rng, chains))
    messages = [message for chain in chains for message in chain]

    replayed = replay(GAMES, RULES, [m for m in messages if isinstance(m, AcceptedResult)],
                      [m for m in messages if isinstance(m, ResultCheck)])
    assert database.documents == {event_id: state.document for event_id, state in
                                  replayed.items()}
    assert database.tables() == compute_tables(GAMES, RULES, replayed)
    assert_feed_announces_each_change_once(database, chains)
    assert_each_table_change_has_its_version(database)


def assert_feed_announces_each_change_once(
    database: Database, chains: list[list[Message]]
) -> None:
    """Each revision once, and each check that applies once, in order."""
    assert [item.seq for item in database.feed] == list(range(1, database.last_seq + 1))
    for chain in chains:
        event_id = chain[0].event_id
        expected, made, current = [], NO_CHECKS, None
        for message in chain:
            if isinstance(message, AcceptedResult):
                expected.append(message.revision)
                made, current = NO_CHECKS, message
            elif current is not None and made.refusal(
                    message.action, current.status, current.awaits_confirmation) is None:
                made = made.after(message.action, message.step(), message.id)
                expected.append(message.revision)
        for channel in ("results", f"event:{event_id}"):
            announced = [item.data["revision"] for item in database.feed
                         if item.channel == channel and item.data["event"]["id"] == event_id]
            assert announced == expected


def test_the_checks_wait_confirm_and_review_as_documented() -> None:
    """A recorder's correction waits: shown unofficial, the tables keep the first result;
    confirmed, it counts; a review shows its note until a correction ends it."""
    first, second, *_ = submitted(11, events=1, total=4)[0]
    first = first.model_copy(update={"status": "official"})
    second = second.model_copy(update={"status": "official", "awaits_confirmation": True})
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    state.commit(state.plan([first], NOW))
    counted = state.tables
    state.commit(state.plan([second], NOW))
    event = state.events[first.event_id]
    assert (event.document["status"], event.document["confirmation"]) == ("unofficial", None)
    assert [item["status"] for item in event.document["history"]] == ["official", "unofficial"]
    assert all(entry["medal"] is None for entry in event.document["entries"])
    assert state.tables == counted  # the first result still counts

    def check(number: int, action: str, note: str | None = None) -> ResultCheck:
        return ResultCheck(id=number, event_id=first.event_id, revision=2, action=action,
                           note=note, by="裁判长 王", at=NOW)

    review_first = state.plan([check(1, "review", "too early")], NOW)
    assert review_first.empty  # a review is of an official result, not a waiting one
    confirmed = state.plan([check(2, "confirm"), check(2, "confirm")], NOW)
    assert confirmed.applied == 1
    state.commit(confirmed)
    event = state.events[first.event_id]
    assert event.document["status"] == "official"
    assert event.document["confirmation"] == {"by": "裁判长 王", "at": NOW.isoformat()}
    assert event.document["history"][-1]["status"] == "official"
    as_if_counted = second.model_copy(update={"awaits_confirmation": False})
    assert state.tables == compute_tables(GAMES, RULES, replay(GAMES, RULES, [as_if_counted]))

    state.commit(state.plan([check(3, "review", "申诉：起跑犯规")], NOW))
    assert state.events[first.event_id].document["review"] == {
        "by": "裁判长 王", "at": NOW.isoformat(), "note": "申诉：起跑犯规"}
    third = second.model_copy(update={"revision": 3, "awaits_confirmation": False})
    state.commit(state.plan([third], NOW))
    assert state.events[first.event_id].document["review"] is None


def assert_each_table_change_has_its_version(database: Database) -> None:
    updates = [item for item in database.feed if item.type == "update"]
    assert {item.data["version"] for item in updates} == set(range(1, database.version + 1))
    for channel, (document, seq) in database.standings.items():
        published = [item.data for item in updates if item.channel == channel]
        # A table is announced only when it changed, each time under a newer version.
        for before, after in pairwise(published):
            assert after["version"] > before["version"]
            assert unstamp_table(after) != unstamp_table(before)
        # What is stored is exactly the last message announcing it.
        if seq:
            assert document == published[-1]
            assert database.feed[seq - 1].data == document


def test_the_crash_model_crashes_and_redelivers() -> None:
    rng = random.Random(3)
    chains = submitted(3, events=10, total=40)
    log = kafka_log(rng, chains)
    _, crashes = consume(rng, log)
    assert crashes >= 3
    assert len(log) > sum(len(chain) for chain in chains)


def test_a_redelivered_or_older_revision_changes_nothing() -> None:
    (first, second, *_), = submitted(5, events=1, total=3)
    state = Database().start()
    state.commit(state.plan([first, second], NOW))
    again = state.plan([first, second, first], NOW)
    assert again.empty
    assert again.feed == []
    assert (again.version, again.last_seq) == (state.version, state.last_seq)


def test_a_provisional_result_announces_the_event_but_no_table() -> None:
    event = GAMES.events[0]
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    provisional = accepted({"event_id": event.id, "revision": 1, "status": "provisional",
                            "entries": [{"rank": 1, "delegation": "qinyang", "competitor": "李明"},
                                        {"rank": 2, "delegation": "wuzhi", "competitor": "赵刚"}]},
                           0)
    plan = state.plan([provisional], NOW)
    assert [item.channel for item in plan.feed] == ["results", f"event:{event.id}"]
    assert plan.stamped == {}
    assert plan.version == 0


def test_an_official_result_moves_only_its_tables_under_one_new_version() -> None:
    event = next(e for e in GAMES.events if e.group == "youth")
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}), version=7,
                         last_seq=40)
    official = accepted({"event_id": event.id, "revision": 1, "status": "official",
                         "entries": [{"rank": 1, "delegation": "qinyang", "competitor": "李明"},
                                     {"rank": 2, "delegation": "wuzhi", "competitor": "赵刚"},
                                     {"rank": 3, "delegation": "boai", "competitor": "陈晨"}]}, 0)
    plan = state.plan([official], NOW)
    moved = {f"{kind}:{scope}" for kind in ("medals", "points", "combined")
             for scope in ("all", "youth")}
    assert set(plan.stamped) == moved
    assert {document["version"] for document in plan.stamped.values()} == {8}
    assert [item.seq for item in plan.feed] == list(range(41, 41 + 2 + len(moved)))
    assert (plan.version, plan.last_seq, plan.applied) == (8, 41 + 1 + len(moved), 1)


def test_replay_leaves_out_a_revision_scoring_could_not_score() -> None:
    valid_one, valid_three = (revision for revision in submitted(8, events=1, total=2)[0])
    # Two entries ranked 1 then 3: no entry is ranked 2nd, so award_result refuses it.
    broken = accepted({"event_id": valid_one.event_id, "revision": 2, "status": "official",
                       "entries": [{"rank": 1, "delegation": "qinyang", "competitor": "李明"},
                                   {"rank": 3, "delegation": "wuzhi", "competitor": "赵刚"}]}, 1)
    valid_three = valid_three.model_copy(update={"revision": 3})
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    for result in (valid_one, broken, valid_three):
        state.commit(state.plan([result], NOW))

    replayed = replay(GAMES, RULES, [valid_three, broken, valid_one])
    assert [item["revision"] for item in replayed[valid_one.event_id].history] == [1, 3]
    assert replayed[valid_one.event_id].document == state.events[valid_one.event_id].document


def test_a_new_games_announces_every_table_once() -> None:
    database = Database()
    database.start()
    channels = set(compute_tables(GAMES, RULES, {}))
    assert [item.channel for item in database.feed] == list(compute_tables(GAMES, RULES, {}))
    assert {item.type for item in database.feed} == {"update"}
    assert set(database.standings) == channels
    assert database.version == 1
    database.start()  # a restart announces nothing more
    assert (len(database.feed), database.version) == (len(channels), 1)


def podium_of(event_id: str, revision: int, order: tuple[str, ...], index: int) -> AcceptedResult:
    return accepted({"event_id": event_id, "revision": revision, "status": "official",
                     "entries": [{"rank": rank, "delegation": code, "competitor": f"{code} 1"}
                                 for rank, code in enumerate(order, start=1)]}, index)


def test_a_revision_number_taken_by_other_content_is_applied_as_stored() -> None:
    """After a restore an official enters revision 1 again, otherwise: scoring checked it
    against `submissions`, so it replaces what was applied under that number."""
    event_id = GAMES.events[0].id
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    state.commit(state.plan([podium_of(event_id, 1, ("qinyang", "wuzhi", "boai"), 0)], NOW))
    again = podium_of(event_id, 1, ("boai", "wuzhi", "qinyang"), 1)
    plan = state.plan([again], NOW)
    assert plan.applied == 1
    assert [entry["delegation"] for entry in plan.events[event_id].document["entries"]] == [
        "boai", "wuzhi", "qinyang"]
    assert [item["revision"] for item in plan.events[event_id].history] == [1]
    state.commit(plan)
    assert state.plan([again], NOW).empty  # the same content again is a duplicate


def test_revisions_missing_from_the_topic_are_applied_first_from_the_stored_rows() -> None:
    """A message for revision 3 when 1 is applied: 2 was lost with a topic, and scoring
    applies it from `submissions` first, so each revision counts once, in order."""
    event_id = GAMES.events[0].id
    one, two, three = (podium_of(event_id, number, order, number) for number, order in
                       ((1, ("qinyang", "wuzhi")), (2, ("wuzhi", "qinyang")),
                        (3, ("boai", "qinyang"))))
    state = ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}))
    state.commit(state.plan([one], NOW))
    assert state.missing([three, two]) == [(event_id, 2)]
    plan = state.plan([three, two], NOW, earlier={(event_id, 2): two})
    assert [item.data["revision"] for item in plan.feed if item.channel == "results"] == [2, 3]
    assert [item["revision"] for item in plan.events[event_id].history] == [1, 2, 3]
    assert plan.applied == 2


def test_a_message_counts_only_when_a_submission_row_is_exactly_it() -> None:
    event_id = GAMES.events[0].id
    message = podium_of(event_id, 1, ("qinyang", "wuzhi"), 0)
    row = StoredRow(event_id, 1, message.content_hash, message.accepted_at, message.entered_by,
                    awaits_confirmation=False)
    assert matches_submission(message, {message.submission_id: row})
    altered = message.model_copy(update={"entries": message.entries[::-1]})
    others = [
        ({}, message),  # no such row (lost with a restore)
        ({message.submission_id: row._replace(revision=2)}, message),  # the id of another
        ({message.submission_id: row._replace(content_hash="00" * 32)}, message),
        ({message.submission_id: row._replace(entered_by="someone")}, message),
        # A wait for a confirmation the row does not have: a message may not skip one.
        ({message.submission_id: row._replace(awaits_confirmation=True)}, message),
        ({message.submission_id: row}, altered),  # content that is not what its hash names
    ]
    for stored, result in others:
        assert not matches_submission(result, stored)
