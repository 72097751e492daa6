"""The games day by day on the running system: registrations imported with the real CLI,
start lists served, results entered by bib, heats that feed the final, and a unit's status
reaching the schedule's subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import websockets

from launcher.stack import Stack
from tests.conftest import podium_cli
from tests.flow.events import claim_event
from tests.flow.schedule_support import (
    entry_rows,
    import_entries,
    start_list_bibs,
    time_text,
    unit_page,
    unit_when,
    write_csv,
)
from tests.flow.test_live_support import live_url, receive, receive_until, request
from tests.flow.test_scoring_events import event_at, eventually, table


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def by_bib(page: dict[str, Any], ranked: list[tuple[str, int | None, str | None, str]]
           ) -> list[dict[str, Any]]:
    """Result entries for (bib, rank, mark, status), named as the start list names them."""
    rows = {row["bib"]: row for row in page["start_list"]}
    return [{"rank": rank, "bib": bib, "delegation": rows[bib]["delegation"],
             "competitor": rows[bib]["competitor"], "mark": mark, "status": status}
            for bib, rank, mark, status in ranked]


async def post(ingest: httpx.AsyncClient, token: str, body: dict[str, Any],
               expect: int = 202) -> dict[str, Any]:
    answer = await ingest.post("/v1/results", json=body, headers=bearer(token))
    assert answer.status_code == expect, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_file_with_errors_stores_nothing_then_a_valid_one_draws_the_heats(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event = claim_event(heats=True)
    rows = entry_rows(event, "R")
    broken = [*rows[:4],
              [event.id, "R0199", "多报的", "jiefang", "", ""],  # a 3rd of jiefang: limit 2
              [event.id, "R 77", "空格号码", "qinyang", "", ""],
              [event.id, "R0777", "外地人", "beijing", "", ""],
              ["ath-no-such-event", "R0778", "某人", "qinyang", "", ""]]
    refused = import_entries(stack, write_csv(tmp_path / "报名.csv", broken))
    assert refused.returncode == 1, refused.stdout
    problems = refused.stderr
    assert "4 problems; nothing was stored" in problems
    assert "报名 row 7, column B (号码): bib 'R 77' may use letters, digits and '-' only" \
        in problems
    assert "报名 row 8, column D (代表团): unknown delegation 'beijing'" in problems
    assert "报名 row 9, column A (项目代码): unknown event 'ath-no-such-event'" in problems
    assert f"报名 row 6: jiefang may enter 2 in {event.id} (individual); 报名 row 2, 报名 row 3" \
        " already do" in problems
    mine = await ingest.get(f"/v1/my/units/{event.id}/heat-1", headers=bearer(official_token))
    assert (mine.json()["start_list"], mine.json()["unit"]["status"]) == ([], "scheduled")

    checked = import_entries(stack, write_csv(tmp_path / "报名.csv", rows), "--check")
    assert checked.returncode == 0, checked.stderr
    assert "checked, nothing stored (--check): 22 change(s)" in checked.stdout
    # What ingest holds (read from PostgreSQL as it is): still nothing.
    mine = await ingest.get(f"/v1/my/units/{event.id}/heat-1", headers=bearer(official_token))
    assert (mine.json()["start_list"], mine.json()["entries"]) == ([], [])

    stored = import_entries(stack, write_csv(tmp_path / "报名.csv", rows))
    assert stored.returncode == 0, stored.stderr
    assert f"{event.id} jiefang: added R011 {rows[0][2]}" in stored.stdout
    assert f"{event.id}: start list drawn for heat-1, heat-2, heat-3" in stored.stdout
    mine = await ingest.get(f"/v1/my/units/{event.id}/heat-1", headers=bearer(official_token))
    assert len(mine.json()["entries"]) == 22 and mine.json()["start_list"]
    heats = [await unit_when(broadcast, f"{event.id}/heat-{n}", "its start list is served",
                             lambda page: page["start_list"]) for n in (1, 2, 3)]
    assert sorted(len(page["start_list"]) for page in heats) == [7, 7, 8]
    assert sorted(bib for page in heats for bib in start_list_bibs(page)) \
        == sorted(row[1] for row in rows)
    first = heats[0]
    assert first["unit"]["status"] == "start_list" and first["unit"]["start_list_published"]
    # Lanes from the centre out, each with its competitor and delegation.
    assert sorted(row["lane"] for row in first["start_list"]) == list(range(1, 9))
    assert {"order", "lane", "bib", "competitor", "delegation", "delegation_name"} \
        <= set(first["start_list"][0])
    # A delegation's competitors run in different heats.
    assert all(len({row["delegation"] for row in page["start_list"]}) == len(page["start_list"])
               for page in heats)

    renamed = [list(row) for row in rows]
    renamed[0][2] = f"{rows[0][2]}（更名）"
    again = import_entries(stack, write_csv(tmp_path / "报名.csv", renamed))
    assert again.returncode == 0, again.stderr
    assert f"{event.id} jiefang: changed R011 {rows[0][2]} → R011 {renamed[0][2]}" \
        in again.stdout


async def test_results_name_their_competitors_by_bib(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event = claim_event(heats=True)
    imported = import_entries(stack, write_csv(tmp_path / "entries.csv",
                                               entry_rows(event, "B")))
    assert imported.returncode == 0, imported.stderr
    unit_id = f"{event.id}/heat-1"
    page = await unit_when(broadcast, unit_id, "its start list", lambda p: p["start_list"])
    bibs = start_list_bibs(page)
    entries = by_bib(page, [(bib, rank, None, "OK") for rank, bib in enumerate(bibs, start=1)])
    body = {"event_id": event.id, "phase": "heat-1", "revision": 1, "status": "provisional",
            "entries": entries}

    wrong = [dict(entry) for entry in entries]
    wrong[3]["bib"] = "B9999"
    other = next(entry for entry in entries if entry["delegation"] != entries[5]["delegation"])
    wrong[5]["bib"] = other["bib"]
    refused = await post(ingest, official_token, {**body, "entries": wrong}, expect=422)
    assert [(e["pointer"], e["detail"]) for e in refused["errors"]] == [
        ("/entries/3/bib", f"bib 'B9999' is not entered in {event.id}"),
        ("/entries/5/bib", f"bib {other['bib']} is {other['competitor']} of "
                           f"{other['delegation']}, not of {entries[5]['delegation']}"),
    ]
    unnamed = [{key: value for key, value in entry.items() if key != "bib"}
               for entry in entries]
    refused = await post(ingest, official_token, {**body, "entries": unnamed}, expect=422)
    assert {e["pointer"] for e in refused["errors"]} \
        == {f"/entries/{i}/bib" for i in range(len(entries))}

    await post(ingest, official_token, body)
    # The result and the unit's new status travel apart (two outboxes): both arrive.
    running = await unit_when(broadcast, unit_id, "its provisional result, running",
                              lambda p: p["result"] is not None
                              and p["unit"]["status"] == "running")
    assert running["unit"]["status"] == "running"
    assert [entry["bib"] for entry in running["result"]["entries"]] == bibs
    assert running["result"]["status"] == "provisional"
    # A heat is not the event's result.
    assert (await broadcast.get(f"/v1/events/{event.id}")).json()["revision"] is None


def heat_mark(heat: int, place: int) -> str:
    """Heat `heat`'s time for place `place`: 5:00.00 + 0.1 s a place + 0.01 s a heat, slower
    than every record of the games, so these tests set none."""
    return time_text(300 + 0.1 * place + 0.01 * heat)


def heat_entries(page: dict[str, Any], heat: int, *, dns_last: bool = False,
                 dsq_first: bool = False) -> list[dict[str, Any]]:
    """Heat `heat` run in lane order (place 1 is the first lane's, ...), at `heat_mark`; the
    last lane may not start, the first may be disqualified (the others move up a place)."""
    bibs = start_list_bibs(page)
    ranked: list[tuple[str, int | None, str | None, str]] = []
    for place, bib in enumerate(bibs, start=1):
        if dns_last and place == len(bibs):
            ranked.append((bib, None, None, "DNS"))
        elif dsq_first and place == 1:
            ranked.append((bib, None, heat_mark(heat, place), "DSQ"))
        else:
            moved = place - 1 if dsq_first else place
            ranked.append((bib, moved, heat_mark(heat, place), "OK"))
    return by_bib(page, ranked)


def goes_on(entries: list[list[dict[str, Any]]], by_place: int, by_mark: int) -> set[str]:
    """Who the rule takes (the tests' times are all different): the first `by_place` of
    each heat, then the `by_mark` best times of the rest."""
    placed = {e["bib"] for heat in entries for e in heat
              if e["status"] == "OK" and e["rank"] <= by_place}
    rest = sorted((e["mark"], e["bib"]) for heat in entries for e in heat
                  if e["status"] == "OK" and e["bib"] not in placed)
    return placed | {bib for _, bib in rest[:by_mark]}


async def test_heats_qualify_the_final_whose_result_alone_scores(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event = claim_event(kind="team", heats=True)  # a relay: teams of four, heats to final
    imported = import_entries(stack, write_csv(tmp_path / "entries.csv",
                                               entry_rows(event, "H")))
    assert imported.returncode == 0, imported.stderr
    phases = [unit.phase for unit in event.units[:-1]]
    heats = [await unit_when(broadcast, f"{event.id}/{phase}", "its start list",
                             lambda p: p["start_list"]) for phase in phases]
    medals_before = (await table(broadcast, "medals"))["version"]
    rule = event.units[0].qualify
    assert rule is not None

    run = [heat_entries(page, number, dns_last=number == len(heats))
           for number, page in enumerate(heats, start=1)]
    for phase, entries in zip(phases, run, strict=True):
        await post(ingest, official_token, {"event_id": event.id, "phase": phase,
                                            "revision": 1, "status": "official",
                                            "entries": entries})
    final_id = f"{event.id}/final"
    final = await unit_when(broadcast, final_id, "the qualifiers' start list",
                            lambda p: p["start_list"])
    expected = goes_on(run, rule.by_place, rule.by_mark)
    assert len(expected) == 8 and set(start_list_bibs(final)) == expected
    assert sorted(row["lane"] for row in final["start_list"]) == list(range(1, 9))
    assert final["unit"]["status"] == "start_list"
    assert all(row["members"] for row in final["start_list"])  # the teams, with members
    heat_one = await unit_page(broadcast, f"{event.id}/heat-1")
    tags = {entry["bib"]: entry["qualified"] for entry in heat_one["result"]["entries"]}
    placed = {e["bib"] for e in run[0] if e["rank"] is not None and e["rank"] <= rule.by_place}
    assert {bib for bib, tag in tags.items() if tag == "Q"} == placed
    assert {bib for bib, tag in tags.items() if tag == "q"} == expected & set(tags) - placed
    # Heats are shown, never scored: the tables did not move.
    assert (await table(broadcast, "medals"))["version"] == medals_before

    # Heat 1 corrected before the final has a result: its winner disqualified. Who else
    # goes on is derived again.
    corrected = [heat_entries(heats[0], 1, dsq_first=True), *run[1:]]
    await post(ingest, official_token, {
        "event_id": event.id, "phase": "heat-1", "revision": 2, "status": "official",
        "note": "接力区外交接，取消资格", "entries": corrected[0]})
    expected_now = goes_on(corrected, rule.by_place, rule.by_mark)
    assert expected_now != expected
    final = await unit_when(broadcast, final_id, "the start list derived again",
                            lambda p: set(start_list_bibs(p)) == expected_now)

    # The final, by bib and without a phase (v1's body): the event's result, which scores.
    finalists = start_list_bibs(final)
    await post(ingest, official_token, {
        "event_id": event.id, "revision": 1, "status": "official",
        "entries": by_bib(final, [(bib, rank, heat_mark(0, rank), "OK")
                                  for rank, bib in enumerate(finalists, start=1)])})
    document = await event_at(broadcast, event.id, 1)
    assert [(e["bib"], e["medal"]) for e in document["entries"][:3]] == [
        (finalists[0], "gold"), (finalists[1], "silver"), (finalists[2], "bronze")]
    winner = document["entries"][0]["delegation"]

    async def winner_has_gold() -> bool | None:
        rows = (await table(broadcast, "medals"))["rows"]
        return True if next(r for r in rows if r["delegation"] == winner)["gold"] else None
    await eventually(winner_has_gold, f"{winner}'s gold in the medal table")
    official = await unit_when(broadcast, final_id, "its official result",
                               lambda p: p["result"] is not None
                               and p["unit"]["status"] == "official")
    assert official["unit"]["status"] == "official"
    assert official["result"]["entries"][0]["medal"] == "gold"

    # Once the final has a result, a correction of a heat is refused, naming the final.
    refused = await post(ingest, official_token, {
        "event_id": event.id, "phase": "heat-1", "revision": 3, "status": "official",
        "entries": run[0]}, expect=409)
    assert refused["detail"].startswith(f"{event.id}/heat-1 cannot be corrected now: "
                                        f"{final_id} already has a result")
    history = await ingest.get(f"/v1/events/{event.id}/history", params={"phase": "heat-1"},
                               headers=bearer(official_token))
    assert history.json()["current_revision"] == 2


async def test_a_delay_reaches_the_schedule_channel_and_the_rest_schedule(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
) -> None:
    event = claim_event(any_measure=True)  # no marks posted
    unit_id = f"{event.id}/final"
    later = event.scheduled_at + timedelta(minutes=45)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["schedule"])
        snapshot = await receive(ws)
        assert (snapshot["channel"], snapshot["type"]) == ("schedule", "snapshot")
        assert {"date", "units"} <= set(snapshot["data"])

        answer = await ingest.post(f"/v1/units/{unit_id}/status", headers=bearer(official_token),
                                   json={"status": "delayed", "starts_at": later.isoformat(),
                                         "note": "雷雨暂停"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "delayed"

        def delayed(message: dict[str, Any]) -> bool:
            return message.get("channel") == "schedule" and message.get("type") == "update" \
                and any(item["unit_id"] == unit_id for item in message["data"]["units"])
        update = (await receive_until(ws, delayed))[-1]
        item = next(i for i in update["data"]["units"] if i["unit_id"] == unit_id)
        assert (item["status"], item["status_note"]) == ("delayed", "雷雨暂停")
        assert datetime.fromisoformat(item["starts_at"]) == later
        assert datetime.fromisoformat(item["planned_at"]) == event.scheduled_at

    day = later.date().isoformat()
    listed = (await broadcast.get("/v1/schedule", params={"date": day})).json()["units"]
    shown = next(i for i in listed if i["unit_id"] == unit_id)
    assert (shown["status"], shown["status_note"]) == ("delayed", "雷雨暂停")
    starts = [datetime.fromisoformat(i["starts_at"]) for i in listed]
    assert starts == sorted(starts)  # in start order, the delayed unit at its new time
    at_venue = (await broadcast.get("/v1/schedule", params={"venue": event.venue})).json()
    assert {i["venue"] for i in at_venue["units"]} == {event.venue}
    assert unit_id in {i["unit_id"] for i in at_venue["units"]}
    assert (await broadcast.get("/v1/schedule", params={"date": "20-09"})).status_code == 400
    page = await unit_when(broadcast, unit_id, "delayed", lambda p: p["unit"]["status"]
                           == "delayed")
    assert page["unit"]["status_note"] == "雷雨暂停"


async def test_refused_status_changes_say_why(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event = claim_event(any_measure=True)  # no marks posted
    unit_id = f"{event.id}/final"
    status_url = f"/v1/units/{unit_id}/status"
    chinese = {**bearer(official_token), "Accept-Language": "zh-CN"}

    missing = await ingest.post(status_url, headers=bearer(official_token),
                                json={"status": "delayed"})
    assert missing.status_code == 422, missing.text
    assert missing.json()["errors"] == [
        {"pointer": "/starts_at", "detail": "a delay needs the new starts_at"}]
    started = await ingest.post(status_url, headers=bearer(official_token),
                                json={"status": "running"})
    assert started.status_code == 200 and started.json()["status"] == "running"
    later = (event.scheduled_at + timedelta(hours=1)).isoformat()
    refused = await ingest.post(status_url, headers=chinese,
                                json={"status": "delayed", "starts_at": later})
    assert refused.status_code == 409, refused.text
    assert "进行中的赛次已经开始，不能推迟" in refused.json()["detail"]
    assert (await ingest.post(status_url, headers=bearer(official_token),
                              json={"status": "official"})).status_code == 422
    unknown = await ingest.post("/v1/units/no-such-event/final/status",
                                headers=bearer(official_token), json={"status": "running"})
    assert unknown.status_code == 404
    elsewhere = podium_cli(stack, "token", "create", "--role", "official", "--venue",
                           next(v for v in ("city-swimming-hall", "taiji-center")
                                if v != event.venue), "--name", "别处裁判"
                           ).strip().splitlines()[-1]
    forbidden = await ingest.post(status_url, headers=bearer(elsewhere),
                                  json={"status": "scheduled"})
    assert forbidden.status_code == 403, forbidden.text
