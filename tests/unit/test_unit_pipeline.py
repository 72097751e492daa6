"""A unit's state and a heat's result on their way to the boards: the messages of
`podium.results`, the documents scoring builds and the feed messages it numbers (a heat is
never scored), and what a broadcast replica serves from them."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiokafka.structs import ConsumerRecord
from prometheus_client import REGISTRY
from pydantic import ValidationError

from services.broadcast.follower import _feed_message
from services.broadcast.hub import Hub
from services.broadcast.units import Units
from services.scoring.core import ScoringState, compute_tables, matches_unit_change
from shared.contract import channels
from shared.contract.messages import (
    AcceptedResult,
    FeedMessage,
    StartRow,
    UnitUpdate,
    results_topic_message,
)
from shared.contract.unit_documents import schedule_item, unit_document
from shared.domain.engine import Result
from tests.unit.shipped import GAMES, RULES

NOW = datetime(2024, 9, 20, 0, 30, tzinfo=UTC)
SPRINT = GAMES.event("ath-youth-m-100m")
assert SPRINT is not None
HEAT, FINAL = SPRINT.units[0], SPRINT.units[3]
ROWS = (StartRow(order=1, lane=4, bib="0101", competitor="黄强", delegation="jiefang"),
        StartRow(order=2, lane=5, bib="0601", competitor="李明", delegation="qinyang"))


def update(version: int, status: str = "start_list", **fields: Any) -> UnitUpdate:
    return UnitUpdate.model_validate({
        "event_id": SPRINT.id, "unit_id": HEAT.unit_id, "version": version, "status": status,
        "planned_at": HEAT.starts_at, "starts_at": fields.pop("starts_at", HEAT.starts_at),
        "start_list_published": True, "start_list": ROWS, "delegations": ("jiefang", "qinyang"),
        "changed_at": NOW, **fields})


def heat_result(revision: int, status: str = "official", phase: str = "heat-1"
                ) -> AcceptedResult:
    result = Result.model_validate({
        "event_id": SPRINT.id, "revision": revision, "status": status,
        "entries": [{"rank": 1, "bib": "0601", "delegation": "qinyang", "competitor": "李明",
                     "mark": "10.91"},
                    {"rank": 2, "bib": "0101", "delegation": "jiefang", "competitor": "黄强",
                     "mark": "11.02"}]})
    return AcceptedResult.of(result, submission_id=revision, accepted_at=NOW,
                             entered_by="裁判 张", phase=phase)


def test_the_results_topic_carries_results_and_units() -> None:
    final = heat_result(1, phase="final").model_dump(mode="json")
    del final["phase"]
    # A message without kind or phase (as before v1.1) is the final's result.
    parsed = results_topic_message(orjson.dumps(final))
    assert isinstance(parsed, AcceptedResult) and parsed.ranks_the_event
    assert parsed.unit_id == FINAL.unit_id and parsed.content_matches_hash()
    heat = results_topic_message(heat_result(1).model_dump_json().encode())
    assert isinstance(heat, AcceptedResult) and not heat.ranks_the_event
    # The phase is part of the content: a heat's result cannot pass for the final's.
    assert heat.content_matches_hash()
    assert not heat.model_copy(update={"phase": "final"}).content_matches_hash()
    state = results_topic_message(update(3).model_dump_json().encode())
    assert isinstance(state, UnitUpdate) and state.version == 3
    assert state.start_list_of() is not None and state.state().status == "start_list"
    with pytest.raises(ValidationError):
        results_topic_message(b'{"kind": "unit", "unit_id": "x"}')


def test_a_units_documents() -> None:
    later = HEAT.starts_at + timedelta(minutes=20)
    item = schedule_item(HEAT, update(2, "delayed", starts_at=later, note="器材故障"))
    assert item == {
        "unit_id": HEAT.unit_id, "event_id": SPRINT.id, "phase": "heat-1",
        "phase_name": "第1组预赛", "phase_name_en": "Heat 1",
        "starts_at": "2024-09-20T08:05:00+08:00", "venue": "taiji-center", "status": "delayed",
        "status_note": "器材故障", "planned_at": "2024-09-20T07:45:00+08:00",
        "start_list_published": True, "delegations": ["jiefang", "qinyang"], "version": 2,
    }
    planned = schedule_item(FINAL, None)
    assert (planned["status"], planned["version"], planned["delegations"]) == ("scheduled", 0, [])
    page = unit_document(GAMES, HEAT, update(2, qualified={"0601": "Q"}), {
        "revision": 1, "entries": [{"bib": "0601", "delegation": "qinyang", "competitor": "李明"},
                                   {"bib": "0101", "delegation": "jiefang", "competitor": "黄强"}]})
    assert page["start_list"][0] == {"order": 1, "lane": 4, "bib": "0101", "competitor": "黄强",
                                     "delegation": "jiefang", "members": [],
                                     "delegation_name": "解放区"}
    assert [entry["qualified"] for entry in page["result"]["entries"]] == ["Q", None]
    assert page["event"]["id"] == SPRINT.id and "units" not in page["event"]


def scoring() -> ScoringState:
    return ScoringState(GAMES, RULES, tables=compute_tables(GAMES, RULES, {}), version=4,
                        last_seq=100)


def test_a_units_state_is_announced_on_the_schedule_and_its_page() -> None:
    state = scoring()
    plan = state.plan([update(1)], NOW)
    assert [(m.seq, m.channel, m.type) for m in plan.feed] == [
        (101, "schedule", "update"), (102, f"unit:{HEAT.unit_id}", "update")]
    assert plan.feed[0].data == {"units": [schedule_item(HEAT, update(1))]}
    assert (plan.version, plan.last_seq, plan.applied, plan.stamped) == (4, 102, 1, {})
    state.commit(plan)
    # Redelivered or older: nothing; a newer version: announced again.
    assert state.plan([update(1)], NOW).empty
    assert [m.seq for m in state.plan([update(1), update(2, "running")], NOW).feed] == [103, 104]


def test_a_heat_is_shown_on_its_page_and_never_scored() -> None:
    state = scoring()
    state.commit(state.plan([update(1)], NOW))
    plan = state.plan([heat_result(1)], NOW)
    assert [(m.channel, m.type) for m in plan.feed] == [(f"unit:{HEAT.unit_id}", "update")]
    assert plan.events == {} and plan.stamped == {} and plan.version == 4
    document = plan.feed[0].data
    assert [entry["bib"] for entry in document["result"]["entries"]] == ["0601", "0101"]
    assert document["start_list"][0]["bib"] == "0101"  # the state it had stays
    state.commit(plan)
    assert state.plan([heat_result(1)], NOW).empty
    corrected = state.plan([heat_result(2)], NOW).feed[0].data["result"]
    assert [item["revision"] for item in corrected["history"]] == [1, 2]


def test_a_final_is_the_events_result_as_in_v1() -> None:
    final = heat_result(1, phase="final")
    plan = scoring().plan([final], NOW)
    assert [m.channel for m in plan.feed[:2]] == ["results", f"event:{SPRINT.id}"]
    assert not any(m.channel.startswith("unit:") for m in plan.feed)
    assert plan.version == 5  # the tables moved


def replica(today: date = date(2024, 9, 20)) -> Hub:
    hub = Hub(GAMES, replay_window=10, coalesce_s=0)
    hub.units = Units(GAMES, today=lambda: today)
    return hub


def test_a_replica_serves_the_schedule_and_the_units_pages() -> None:
    hub = replica()
    assert hub.is_channel("schedule") and hub.is_table("schedule")
    assert hub.is_channel(f"unit:{HEAT.unit_id}") and not hub.is_channel("unit:nothing/final")
    snapshot = hub.state_of("schedule")
    assert snapshot["date"] == "2024-09-20"
    assert [item["unit_id"] for item in snapshot["units"][:3]] == [
        f"{SPRINT.id}/heat-1", f"{SPRINT.id}/heat-2", f"{SPRINT.id}/heat-3"]
    plan = scoring().plan([update(2, "delayed", starts_at=HEAT.starts_at + timedelta(hours=2),
                                  note="器材故障")], NOW)
    for message in plan.feed:
        hub.publish(message)
    listed = hub.units.listed(day=date(2024, 9, 20))
    delayed = next(i for i, item in enumerate(listed) if item["unit_id"] == HEAT.unit_id)
    assert listed[delayed]["status_note"] == "器材故障"
    # At its new time, after the units it now starts after.
    assert listed[delayed - 1]["starts_at"] <= listed[delayed]["starts_at"]
    assert delayed > 3
    assert [i["unit_id"] for i in hub.units.listed(delegation="qinyang")] == [HEAT.unit_id]
    assert {i["venue"] for i in hub.units.listed(venue="city-swimming-hall")} \
        == {"city-swimming-hall"}
    assert hub.unit_document(HEAT.unit_id)["unit"]["status"] == "delayed"
    # An older state (a replica that loaded a newer one) never wins.
    hub.units.apply(channels.SCHEDULE, {"units": [schedule_item(HEAT, update(1))]})
    assert hub.unit_document(HEAT.unit_id)["unit"]["version"] == 2


def test_the_schedules_day_is_within_the_games() -> None:
    assert replica(date(2026, 1, 1)).units.day() == date(2024, 9, 26)
    assert replica(date(2024, 1, 1)).units.day() == date(2024, 9, 18)
    assert replica(date(2024, 9, 21)).units.day() == date(2024, 9, 21)


def test_a_finals_page_shows_the_events_result() -> None:
    hub = replica()
    final = heat_result(1, phase="final")
    for message in scoring().plan([final], NOW).feed:
        hub.publish(message)
    page = hub.unit_document(FINAL.unit_id)
    assert page["result"]["revision"] == 1
    assert page["result"]["entries"][0]["medal"] == "gold"
    assert "event" not in page["result"]


def test_a_units_state_counts_only_as_its_outbox_row_holds_it() -> None:
    published = update(2).model_copy(update={"change_id": 7})
    stored = {7: published}
    assert matches_unit_change(published, stored)
    # Another state under the row's id (a restored database, another producer), or a state
    # that names no row: neither counts.
    assert not matches_unit_change(update(3, "running").model_copy(update={"change_id": 7}),
                                   stored)
    assert not matches_unit_change(update(2), stored)


def test_broadcast_takes_every_message_scoring_writes_from_the_changes_topic() -> None:
    """Each kind scoring writes (a unit's schedule item and page, a heat's result on its page,
    a final's result, the tables, the records) is a feed message the follower takes as it
    is: one it refused would be counted as foreign, alerted on, and read from PostgreSQL."""
    state, hub, messages = scoring(), replica(), []
    final = heat_result(1, phase="final")
    record_run = final.model_copy(update={"entries": (  # under the games record of 10.91
        final.entries[0].model_copy(update={"mark": "10.80"}), *final.entries[1:])})
    for batch in ([update(1)], [heat_result(1)], [record_run],
                  [update(2, "delayed", note="器材故障")]):
        plan = state.plan(batch, NOW)
        state.commit(plan)
        messages += plan.feed
    hub.tables = dict(state.tables)
    kinds = {(m.type, m.channel.split(":")[0]) for m in messages}
    assert kinds >= {("update", "schedule"), ("update", "unit"), ("result", "results"),
                     ("result", "event"), ("update", "medals"), ("update", "records")}
    rejected = REGISTRY.get_sample_value("podium_broadcast_feed_rejected_total") or 0.0
    for offset, message in enumerate(messages):
        record = ConsumerRecord("podium.changes", 0, offset, 0, 0, None, message.to_json(),
                                None, 0, len(message.to_json()), [])
        assert _feed_message(record, hub) == message, (message.channel, message.type)
    assert (REGISTRY.get_sample_value("podium_broadcast_feed_rejected_total") or 0.0) == rejected
    # What scoring never writes still is not taken: a unit of no games, a tournament's
    # channel (broadcast makes it), a records document without its list.
    for channel, data in (("unit:nothing/final", {"unit": {"unit_id": "x", "version": 1}}),
                          ("records", {"version": 3}), ("schedule", {"units": [{}]})):
        forged = FeedMessage(seq=10**6, channel=channel, type="update", data=data)
        record = ConsumerRecord("podium.changes", 0, 0, 0, 0, None, forged.to_json(), None, 0,
                                0, [])
        assert _feed_message(record, hub) is None, channel
