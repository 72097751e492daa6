"""Records in scoring (docs/records.md): found from each official result's marks, they move the
entries' `record`, the record bonus and the records document, and a correction undoes them."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.scoring.core import Plan, ScoringState, compute_tables, latest_others, replay
from shared.contract import channels
from shared.contract.documents import unstamp_table
from shared.contract.messages import AcceptedResult, ResultCheck, ResultsMessage
from shared.domain.engine import Entry, Result, standings_after
from tests.unit.shipped import BONUS_RULES, GAMES

M100 = "ath-youth-m-100m"  # sample games record 10.91 (李明, qinyang, 2020)
NOW = datetime(2024, 9, 20, 10, 0, tzinfo=UTC)


def result(revision: int, status: str, *marks: str) -> AcceptedResult:
    """Men's 100 m: 王强 (mengzhou) first, then 赵刚 (wuzhi), with these marks."""
    runners = [("mengzhou", "王强"), ("wuzhi", "赵刚")]
    entries = [Entry(rank=rank, delegation=code, competitor=name, mark=mark)
               for rank, ((code, name), mark) in enumerate(zip(runners, marks, strict=False),
                                                           start=1)]
    return AcceptedResult.of(Result(event_id=M100, revision=revision, status=status,
                                    entries=tuple(entries)),
                             submission_id=revision, accepted_at=NOW + timedelta(minutes=revision),
                             entered_by="裁判 张")


def started() -> ScoringState:
    """A new games' scoring, its first tables published (store.publish_missing_tables)."""
    state = ScoringState(GAMES, BONUS_RULES)
    state.commit(state.plan_missing_tables(NOW))
    return state


def applied(state: ScoringState, *messages: ResultsMessage) -> Plan:
    plan = state.plan(messages, NOW)
    state.commit(plan)
    return plan


def first_entry(state: ScoringState) -> tuple[str | None, float]:
    entry = state.events[M100].document["entries"][0]
    return entry["record"], entry["points"]


def mengzhou_points(state: ScoringState) -> float:
    rows = state.tables[channels.table("points", "all")]["rows"]
    points: float = next(row["points"] for row in rows if row["delegation"] == "mengzhou")
    return points


def records_update(plan: Plan) -> dict[str, Any] | None:
    return next((item.data for item in plan.feed
                 if item.channel == channels.RECORDS and item.type == "update"), None)


def games_record(document: dict[str, Any]) -> tuple[str, str]:
    record = next(record for record in document["standing"]
                  if (record["event_id"], record["level"]) == (M100, "games"))
    return record["mark"], record["holder"]


def test_a_broken_record_moves_the_entry_the_bonus_and_the_records_document() -> None:
    state = started()  # nothing yet: the file's records stand
    assert games_record(state.tables[channels.RECORDS]) == ("10.91", "李明")

    plan = applied(state, result(1, "official", "10.85", "10.95"))
    assert first_entry(state) == ("games", 9 + 2)
    assert mengzhou_points(state) == 11
    update = records_update(plan)
    assert update is not None and update["version"] == plan.version
    assert games_record(update) == ("10.85", "王强")
    [broken] = update["set_here"]
    assert (broken["mark"], broken["kind"], broken["previous"]["mark"]) == ("10.85", "broken",
                                                                           "10.91")
    assert broken["set_at"]["unit_id"] == f"{M100}/final"
    assert broken["set_at"]["revision"] == 1


def test_a_correction_that_removes_the_mark_removes_the_record_and_its_bonus() -> None:
    for undoing in (result(2, "official", "10.93", "10.95"), result(2, "cancelled"),
                    result(2, "provisional", "10.85", "10.95")):
        state = started()
        applied(state, result(1, "official", "10.85", "10.95"))
        plan = applied(state, undoing)
        update = records_update(plan)
        assert update is not None, undoing.status
        assert update["set_here"] == []
        assert games_record(update) == ("10.91", "李明")  # the file's record stands again
        assert mengzhou_points(state) == (9 if undoing.status == "official" else 0)


def test_an_unchanged_records_document_is_not_announced_again() -> None:
    state = started()
    plan = applied(state, result(1, "official", "10.95", "11.02"))
    assert records_update(plan) is None
    assert first_entry(state) == (None, 9)


def test_a_claim_alone_moves_nothing() -> None:
    state = started()
    claimed = result(1, "official", "10.95")
    claimed = claimed.model_copy(update={"entries": (
        claimed.entries[0].model_copy(update={"record": "national"}),)})
    applied(state, claimed)
    assert first_entry(state) == (None, 0)  # one starter: no place, and no record


def test_the_engines_tables_follow_the_records_of_the_marks_too() -> None:
    def points(*results: Result) -> float:
        rows = standings_after(GAMES, BONUS_RULES, results).points["all"]
        return float(next(row.points for row in rows if row.delegation == "mengzhou"))

    assert points(result(1, "official", "10.85", "10.95")) == 11
    assert points(result(1, "official", "10.85", "10.95"),
                  result(2, "official", "10.92", "10.95")) == 9


def heat(revision: int, status: str, *marks: str, phase: str = "heat-1",
         awaits_confirmation: bool = False) -> AcceptedResult:
    """A heat of the men's 100 m: 王强 (mengzhou) first, then 赵刚 (wuzhi)."""
    final = result(revision, status, *marks)
    return AcceptedResult.of(Result(event_id=M100, revision=revision, status=status,
                                    entries=final.entries),
                             submission_id=100 + revision, entered_by="裁判 张",
                             accepted_at=NOW - timedelta(hours=1) + timedelta(minutes=revision),
                             phase=phase, awaits_confirmation=awaits_confirmation)


def test_a_heat_sets_a_record_before_the_final_has_a_result() -> None:
    state = started()
    plan = applied(state, heat(1, "official", "10.86", "10.99"))
    update = records_update(plan)
    assert update is not None
    assert games_record(update) == ("10.86", "王强")
    assert [r["set_at"]["unit_id"] for r in update["set_here"]] == [f"{M100}/heat-1"]
    assert M100 not in state.events  # a heat scores nothing


def test_a_record_broken_in_the_heat_and_again_in_the_final_stands_at_the_final() -> None:
    state = started()
    applied(state, heat(1, "official", "10.86", "10.99"))
    plan = applied(state, result(1, "official", "10.84", "10.95"))
    update = records_update(plan)
    assert update is not None
    # Both are records of these games, each beating the one before it.
    assert [(r["mark"], r["previous"]["mark"]) for r in update["set_here"]] == [
        ("10.86", "10.91"), ("10.84", "10.86")]
    assert games_record(update) == ("10.84", "王强")
    # One bonus per competitor and event, however many records: 9 for 1st + 2.
    assert first_entry(state) == ("games", 9 + 2)


def test_a_final_slower_than_the_heat_record_sets_none_and_the_heat_keeps_the_bonus() -> None:
    state = started()
    applied(state, heat(1, "official", "10.86", "10.99"))
    applied(state, result(1, "official", "10.88", "10.95"))
    assert first_entry(state) == (None, 9 + 2)  # the record was the heat's, the bonus his
    plan = applied(state, heat(2, "official", "10.93", "10.99"))  # the heat corrected
    # Without the heat's record the final's 10.88 beats the file's 10.91: the final's entry
    # now sets it, the ranking's document changes and is announced again.
    assert first_entry(state) == ("games", 9 + 2)
    update = records_update(plan)
    assert update is not None
    assert [(r["mark"], r["set_at"]["unit_id"]) for r in update["set_here"]] == [
        ("10.88", f"{M100}/final")]
    assert any(item.channel == channels.RESULTS for item in plan.feed)


def test_a_heat_cancelled_takes_its_record_away_and_the_files_stands_again() -> None:
    state = started()
    applied(state, heat(1, "official", "10.86", "10.99"))
    plan = applied(state, heat(2, "cancelled"))
    update = records_update(plan)
    assert update is not None and update["set_here"] == []
    assert games_record(update) == ("10.91", "李明")


def test_podium_rebuild_finds_the_heats_records_as_scoring_did() -> None:
    state = started()
    revisions = [heat(1, "official", "10.86", "10.99"), result(1, "official", "10.84", "10.95"),
                 heat(2, "official", "10.89", "10.99", phase="heat-2")]
    for revision in revisions:
        applied(state, revision)
    rankings = [r for r in revisions if r.ranks_the_event]
    others = {M100: [r for r in revisions if not r.ranks_the_event]}
    replayed = replay(GAMES, BONUS_RULES, rankings, others=others)
    assert replayed[M100].document == state.events[M100].document
    tables = compute_tables(GAMES, BONUS_RULES, replayed, others)
    assert tables[channels.RECORDS] == unstamp_table(state.tables[channels.RECORDS])


def test_a_heat_awaiting_its_confirmation_sets_no_record_until_confirmed() -> None:
    state = started()
    waiting = heat(1, "official", "10.86", "10.99", awaits_confirmation=True)
    applied(state, result(1, "official", "10.88", "10.95"), waiting)
    assert first_entry(state) == ("games", 9 + 2)  # the final's 10.88 holds the record
    confirm = ResultCheck(id=1, event_id=M100, phase="heat-1", revision=1, action="confirm",
                          by="裁判长 王", at=NOW)
    plan = applied(state, confirm)
    assert first_entry(state) == (None, 9 + 2)  # now the heat's 10.86 is the record
    update = records_update(plan)
    assert update is not None and games_record(update) == ("10.86", "王强")
    # podium rebuild reads the heat's check from the stored rows alike.
    others = latest_others([waiting], [confirm])
    assert others[M100][0].status == "official"
    assert latest_others([waiting], [])[M100][0].status == "unofficial"
    rebuilt = replay(GAMES, BONUS_RULES, [result(1, "official", "10.88", "10.95")],
                     others=others)
    assert rebuilt[M100].document == state.events[M100].document


def test_the_tables_a_plan_keeps_are_the_tables_made_again_from_everything() -> None:
    # The plan ranks only the scopes a change counts in and finds the records again only
    # when they moved; after every message that is what the whole state gives.
    state = started()
    waiting = heat(3, "official", "10.80", "10.99", phase="heat-2", awaits_confirmation=True)
    confirm = ResultCheck(id=1, event_id=M100, phase="heat-2", revision=3, action="confirm",
                          by="裁判长 王", at=NOW)
    steps: list[ResultsMessage] = [
        heat(1, "official", "10.86", "10.99"), result(1, "official", "10.84", "10.95"),
        heat(2, "official", "10.93", "10.99"), waiting, confirm,
        result(2, "official", "10.95", "10.97"), heat(4, "cancelled", phase="heat-2"),
        result(3, "cancelled")]
    for done, step in enumerate(steps, start=1):
        applied(state, step)
        accepted = [message for message in steps[:done] if isinstance(message, AcceptedResult)]
        checks = [message for message in steps[:done] if isinstance(message, ResultCheck)]
        made_again = compute_tables(GAMES, BONUS_RULES, state.events,
                                    latest_others(accepted, checks))
        assert state.tables == made_again, f"after {step!r}"
