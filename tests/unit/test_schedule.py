"""Schedule queries: start order, a day in +08:00, a venue, a delegation, now / next, late."""

from datetime import date, datetime, timedelta

from shared.domain.schedule import (
    ScheduledUnit,
    at_venue,
    late,
    now_and_next,
    of_delegation,
    on_day,
    schedule,
    schedule_document,
)
from shared.domain.start_lists import StartList, StartPosition
from shared.domain.unit_status import UnitState
from shared.domain.units import Unit, default_units, event_units
from tests.unit.schedule_fixtures import VENUES, entry, shipped_event


def units_of(event_id: str, *heats: str) -> tuple[Unit, ...]:
    """The event's heats at the given "YYYY-MM-DD HH:MM" (+08:00), then its final."""
    event = shipped_event(event_id)
    raw = [{"phase": f"heat-{n}", "starts_at": f"{at.replace(' ', 'T')}:00+08:00"}
           for n, at in enumerate(heats, start=1)]
    raw.append({"phase": "final", "starts_at": event.scheduled_at.isoformat()})
    units, problems = event_units(event, raw, event_id, VENUES)
    assert problems == []
    return units


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text.replace(' ', 'T')}:00+08:00")


UNITS = (
    *units_of("ath-youth-m-100m", "2024-09-20 08:00", "2024-09-20 08:08"),  # final 09:00
    *default_units(shipped_event("ath-youth-f-100m")),  # 2024-09-20 09:40
    *units_of("swm-youth-f-50m-free", "2024-09-19 09:00"),  # final 2024-09-19 15:20
    *default_units(shipped_event("row-youth-m-4x")),  # 2024-09-21 09:40, no state given
    *default_units(shipped_event("ath-youth-m-200m")),  # 2024-09-20 10:20
)
NINE_TWENTY = "2024-09-20"
STATES = {
    "ath-youth-m-100m/heat-1": UnitState("running", at("2024-09-20 08:00"),
                                         at("2024-09-20 08:00"), None, True),
    "ath-youth-m-100m/heat-2": UnitState("delayed", at("2024-09-20 08:08"),
                                         at("2024-09-20 08:20"), "起点器材故障", True),
    "ath-youth-f-100m/final": UnitState("start_list", at("2024-09-20 09:40"),
                                        at("2024-09-20 09:40"), None, True),
    "swm-youth-f-50m-free/heat-1": UnitState("official", at("2024-09-19 09:00"),
                                             at("2024-09-19 09:00")),
    # Postponed from the afternoon to just after midnight: 2024-09-19T16:30Z is the 20th here.
    "swm-youth-f-50m-free/final": UnitState("postponed", at("2024-09-19 15:20"),
                                            datetime.fromisoformat("2024-09-19T16:30:00Z"),
                                            "泳池水质检测"),
    "ath-youth-m-200m/final": UnitState("official", at("2024-09-20 10:20"),
                                        at("2024-09-20 10:20")),
}
ITEMS = schedule(UNITS, STATES)


def ids(items: tuple[ScheduledUnit, ...]) -> list[str]:
    return [item.unit.unit_id for item in items]


def test_units_in_start_order_as_they_now_stand() -> None:
    assert ids(ITEMS) == [
        "swm-youth-f-50m-free/heat-1",
        "swm-youth-f-50m-free/final",  # 00:30 on the 20th after its postponement
        "ath-youth-m-100m/heat-1",
        "ath-youth-m-100m/heat-2",  # delayed to 08:20
        "ath-youth-m-100m/final",
        "ath-youth-f-100m/final",
        "ath-youth-m-200m/final",
        "row-youth-m-4x/final",
    ]
    assert ITEMS[-1].state == UnitState.planned(at("2024-09-21 09:40"))


def test_equal_starts_list_by_planned_start_then_unit_id() -> None:
    delayed_heat = UnitState("delayed", at("2024-09-20 08:00"), at("2024-09-20 09:00"))
    items = schedule(UNITS[:3], {"ath-youth-m-100m/heat-1": delayed_heat,
                                 "ath-youth-m-100m/heat-2": delayed_heat})
    assert ids(items) == ["ath-youth-m-100m/heat-1", "ath-youth-m-100m/heat-2",
                          "ath-youth-m-100m/final"]


def test_a_unit_in_the_schedule_document() -> None:
    assert schedule_document(ITEMS[3:4]) == {"units": [{
        "unit_id": "ath-youth-m-100m/heat-2", "event_id": "ath-youth-m-100m",
        "phase": "heat-2", "phase_name": "第2组预赛", "phase_name_en": "Heat 2",
        "starts_at": "2024-09-20T08:20:00+08:00", "venue": "taiji-center",
        "status": "delayed", "status_note": "起点器材故障",
    }]}
    # A start given in UTC is shown in the games' zone.
    assert ITEMS[1].document()["starts_at"] == "2024-09-20T00:30:00+08:00"


def test_a_day_is_a_day_in_the_games_time_zone() -> None:
    assert ids(on_day(ITEMS, date.fromisoformat(NINE_TWENTY))) == ids(ITEMS[1:7])
    assert ids(on_day(ITEMS, date(2024, 9, 19))) == ["swm-youth-f-50m-free/heat-1"]
    assert on_day(ITEMS, date(2024, 9, 22)) == ()


def test_a_venue() -> None:
    assert ids(at_venue(ITEMS, "city-swimming-hall")) == [
        "swm-youth-f-50m-free/heat-1", "swm-youth-f-50m-free/final"]
    assert at_venue(ITEMS, "macun-square") == ()


def start_list(unit_id: str, *delegations: str) -> StartList:
    return StartList(unit_id, tuple(
        StartPosition(order, order, entry(f"{unit_id[-1]}{order}", delegation))
        for order, delegation in enumerate(delegations, start=1)))


def test_a_delegation_by_its_start_lists_else_its_entries() -> None:
    start_lists = {
        "ath-youth-m-100m/heat-1": start_list("ath-youth-m-100m/heat-1", "qinyang", "mengzhou"),
        "ath-youth-m-100m/heat-2": start_list("ath-youth-m-100m/heat-2", "wuzhi", "qinyang"),
        "ath-youth-f-100m/final": start_list("ath-youth-f-100m/final", "boai"),
    }
    entries = {
        "ath-youth-m-100m": [entry("1", "qinyang"), entry("2", "mengzhou"), entry("3", "wuzhi"),
                             entry("4", "qinyang")],
        "ath-youth-f-100m": [entry("9", "boai"), entry("8", "mengzhou")],
    }
    # Mengzhou runs in heat 1 and may reach the final; its women's entry was not drawn into
    # the final's start list, which is what counts once published.
    assert ids(of_delegation(ITEMS, "mengzhou", start_lists, entries)) == [
        "ath-youth-m-100m/heat-1", "ath-youth-m-100m/final"]
    assert ids(of_delegation(ITEMS, "boai", start_lists, entries)) == ["ath-youth-f-100m/final"]
    assert ids(of_delegation(ITEMS, "qinyang", start_lists, entries)) == [
        "ath-youth-m-100m/heat-1", "ath-youth-m-100m/heat-2", "ath-youth-m-100m/final"]
    # Events without entries (v1's free text) name no delegation in advance.
    assert of_delegation(ITEMS, "wenxian", start_lists, entries) == ()


def test_now_and_next_for_the_whole_games_and_a_venue() -> None:
    board = now_and_next(ITEMS, at("2024-09-20 08:10"))
    assert ids(board.running) == ["ath-youth-m-100m/heat-1"]
    assert board.late == ()
    # The delayed heat at its new time; the postponed final and official units are on none.
    assert ids(board.next) == ["ath-youth-m-100m/heat-2", "ath-youth-m-100m/final",
                               "ath-youth-f-100m/final"]
    assert board.next[0].starts_at == at("2024-09-20 08:20")
    later = now_and_next(at_venue(ITEMS, "taiji-center"), at("2024-09-20 08:25"), count=1)
    assert (ids(later.running), ids(later.late), ids(later.next)) == (
        ["ath-youth-m-100m/heat-1"], ["ath-youth-m-100m/heat-2"], ["ath-youth-m-100m/final"])
    assert now_and_next(at_venue(ITEMS, "rowing-base"), at("2024-09-21 10:00")).next == ()


def test_late_units_for_the_results_desk() -> None:
    evening = at("2024-09-20 12:00")
    # Heat 2 (delayed to 08:20), the men's final (09:00) and the women's (start list out, 09:40)
    # never started; heat 1 is running, the 200m is official, the swimming final postponed.
    assert ids(late(ITEMS, evening)) == ["ath-youth-m-100m/heat-2", "ath-youth-m-100m/final",
                                         "ath-youth-f-100m/final"]
    assert ids(late(ITEMS, at("2024-09-20 09:05"))) == ["ath-youth-m-100m/heat-2",
                                                        "ath-youth-m-100m/final"]
    assert ids(late(ITEMS, at("2024-09-20 09:05"), grace=timedelta(minutes=10))) == [
        "ath-youth-m-100m/heat-2"]
    assert late(ITEMS, at("2024-09-20 09:00"), grace=timedelta(minutes=40)) == ()
