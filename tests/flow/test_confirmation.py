# Chinese problem details use full-width punctuation.
"""A second check before a result counts (录入 → 审核) through the running system: a
recorder's official result waits, shown as awaiting confirmation, the tables still; a
different referee confirms that exact revision and the tables move, once; one's own entry,
a stale revision and a result that does not wait are refused; a review (申诉) with its note
reaches media; where the rules file asks for it, everyone's official results wait."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets

from launcher.stack import Stack
from shared.domain.games import Event
from tests.conftest import podium_cli
from tests.flow.events import claim_event
from tests.flow.own_games import games_with_rules, own_games
from tests.flow.schedule_support import entry_rows, import_entries, unit_when, write_csv
from tests.flow.test_ingest_api import bearer, database, new_token, result, settled, still
from tests.flow.test_live_support import live_url, media_key, receive_until, request
from tests.flow.test_schedule import heat_entries
from tests.flow.test_scoring_events import (
    add_medals,
    event_at,
    eventually,
    medal_counts,
    plus,
    table,
)

__all__ = ["database", "settled"]  # fixtures: a still system after each test

# What `result()` awards: Qinyang gold, Mengzhou silver, Wuzhi bronze.
MEDALS = {"qinyang": "gold", "mengzhou": "silver", "wuzhi": "bronze"}
# The second games' rules: athletics results need a second check, swimming's do not.
CHECKED_RULES = {"confirmation": {"required": False, "by_sport": {"athletics": True}}}


def tokens(stack: Stack, event: Event, *roles: str) -> list[str]:
    """A token of each role for the event's venue, named after it."""
    return [new_token(stack, role, "--venue", event.venue, "--name", f"{role} {index}")
            for index, role in enumerate(roles)]


async def confirm(ingest: httpx.AsyncClient, token: str, event_id: str, revision: int,
                  lang: str = "en") -> httpx.Response:
    return await ingest.post(f"/v1/results/{event_id}/{revision}/confirm",
                             headers=bearer(token, lang))


async def counted(broadcast: httpx.AsyncClient, expected: dict[str, tuple[int, int, int]],
                  what: str) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        medals = await table(broadcast, "medals")
        return medals if medal_counts(medals["rows"]) == expected else None
    return await eventually(shown, what)


def problem(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    detail: str = answer.json()["detail"]
    return detail


async def test_a_recorders_result_waits_until_another_referee_confirms_it_then_counts_once(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
    database: asyncpg.Connection,
) -> None:
    event = claim_event()
    recorder, referee, other = tokens(stack, event, "recorder", "referee", "referee")
    await still(database, broadcast)  # nothing else moves the tables from here on
    before = await table(broadcast, "medals")

    answer = await ingest.post("/v1/results", json=result(event.id), headers=bearer(recorder))
    assert answer.status_code == 202, answer.text
    assert answer.json()["awaiting_confirmation"] is True
    waiting = await event_at(broadcast, event.id, 1)
    assert waiting["status"] == "unofficial" and waiting["confirmation"] is None
    assert [entry["medal"] for entry in waiting["entries"]] == [None] * 4
    assert [item["status"] for item in waiting["history"]] == ["unofficial"]
    # Shown live, not counted: the tables did not move at all.
    assert await table(broadcast, "medals") == before

    assert "recorder" in problem(await confirm(ingest, recorder, event.id, 1), 403)
    confirmed = await confirm(ingest, referee, event.id, 1)
    assert confirmed.status_code == 202, confirmed.text
    assert {key: confirmed.json()[key] for key in ("event_id", "revision", "action", "by")} == {
        "event_id": event.id, "revision": 1, "action": "confirm", "by": "referee 1"}
    expected = plus(medal_counts(before["rows"]), MEDALS, add_medals)
    after = await counted(broadcast, expected, "the confirmed result counted")
    assert after["version"] == before["version"] + 1
    document = (await broadcast.get(f"/v1/events/{event.id}")).json()
    assert document["status"] == "official" and document["revision"] == 1
    assert document["confirmation"]["by"] == "referee 1"
    assert [entry["medal"] for entry in document["entries"]] == ["gold", "silver", "bronze", None]

    # Once: the same confirmation again is its first answer; another finds nothing waiting.
    again = await confirm(ingest, referee, event.id, 1)
    assert (again.status_code, again.json()) == (200, confirmed.json())
    assert "official already (confirmed by referee 1" in problem(
        await confirm(ingest, other, event.id, 1), 409)

    history = (await ingest.get(f"/v1/events/{event.id}/history",
                                headers=bearer(referee))).json()["revisions"]
    assert [(r["entered_by"], r["entered_by_role"], r["awaits_confirmation"], r["shown_status"])
            for r in history] == [("recorder 0", "recorder", True, "official")]
    [check] = history[0]["checks"]
    assert (check["action"], check["by"], check["by_role"]) == ("confirm", "referee 1", "referee")
    assert check["checked_at"] > history[0]["accepted_at"]


async def test_stale_missing_and_unwaiting_revisions_are_refused_with_their_reason(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    recorder, referee = tokens(stack, event, "recorder", "referee")
    for revision in (1, 2):
        answer = await ingest.post("/v1/results", json=result(event.id, revision),
                                   headers=bearer(recorder))
        assert answer.status_code == 202, answer.text

    stale = await confirm(ingest, referee, event.id, 1)
    assert "the current revision is 2 (unofficial, entered by recorder 0" in problem(stale, 409)
    assert "当前为第 2 版" in problem(await confirm(ingest, referee, event.id, 1, "zh"), 409)
    assert "has no revision 3: its current revision is 2" in problem(
        await confirm(ingest, referee, event.id, 3), 404)
    assert problem(await confirm(ingest, referee, event.id, 0), 404)
    desk = new_token(stack, "admin", "--name", "成绩处 周")
    assert "no result of" in problem(await confirm(ingest, desk, claim_event().id, 1), 404)

    provisional = claim_event()
    answer = await ingest.post("/v1/results", json=result(provisional.id, status="provisional"),
                               headers=bearer(desk))
    assert answer.status_code == 202, answer.text
    assert "only an official result can be confirmed" in problem(
        await confirm(ingest, desk, provisional.id, 1), 409)


async def test_a_recorder_may_correct_an_official_result_but_not_withdraw_it(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    recorder, referee = tokens(stack, event, "recorder", "referee")
    answer = await ingest.post("/v1/results", json=result(event.id), headers=bearer(referee))
    assert answer.status_code == 202 and "awaiting_confirmation" not in answer.json()
    for status in ("provisional", "cancelled"):
        body = result(event.id, 2, status)
        if status == "cancelled":
            body["entries"] = []
        withdrawn = await ingest.post("/v1/results", json=body, headers=bearer(recorder))
        assert "a recorder may correct it" in problem(withdrawn, 403)
    correction = await ingest.post("/v1/results", json=result(event.id, 2, note="计时复核"),
                                   headers=bearer(recorder))
    assert correction.status_code == 202 and correction.json()["awaiting_confirmation"]
    document = await event_at(broadcast, event.id, 2)
    # It would replace an official result: a correction, though the first still counts.
    assert document["status"] == "unofficial" and document["correction"] is True


async def test_a_review_with_its_note_reaches_media_until_a_confirmation_ends_it(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
    database: asyncpg.Connection,
) -> None:
    event = claim_event()
    referee, jury = tokens(stack, event, "referee", "referee")
    answer = await ingest.post("/v1/results", json=result(event.id), headers=bearer(referee))
    assert answer.status_code == 202, answer.text
    await still(database, broadcast)
    medals = await table(broadcast, "medals")

    async with websockets.connect(live_url(stack.ports.broadcast, media_key(stack))) as ws:
        await request(ws, op="subscribe", channels=[f"event:{event.id}"])
        await receive_until(ws, lambda message: message.get("type") == "subscribed")
        note = "孟州代表团申诉：第二名起跑犯规，待录像复核"
        reviewed = await ingest.post(f"/v1/results/{event.id}/1/review", json={"note": note},
                                     headers=bearer(jury))
        assert reviewed.status_code == 202, reviewed.text
        [message] = (await receive_until(ws, lambda m: m.get("type") == "result"))[-1:]
        assert message["data"]["review"] == {"by": "referee 1", "at": reviewed.json()[
            "checked_at"], "note": note}
        assert message["data"]["status"] == "official"
        assert "under review already" in problem(await ingest.post(
            f"/v1/results/{event.id}/1/review", json={"note": "again"}, headers=bearer(jury)),
            409)
        assert problem(await ingest.post(f"/v1/results/{event.id}/1/review", json={},
                                         headers=bearer(jury)), 422)

        # The jury upholds the result; who entered it may not be the one to say so.
        assert "you entered revision 1" in problem(await confirm(ingest, referee, event.id, 1),
                                                   403)
        upheld = await confirm(ingest, jury, event.id, 1)
        assert upheld.status_code == 202, upheld.text
        [message] = (await receive_until(ws, lambda m: m.get("type") == "result"))[-1:]
        assert message["data"]["review"] is None
        assert message["data"]["confirmation"]["by"] == "referee 1"
    await still(database, broadcast)
    assert await table(broadcast, "medals") == medals  # a review never moves the tables


async def test_a_heats_result_waits_on_its_unit_until_confirmed_by_its_phase(
    stack: Stack, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient, tmp_path: Path,
) -> None:
    event = claim_event(heats=True)
    imported = import_entries(stack, write_csv(tmp_path / "entries.csv", entry_rows(event, "C")))
    assert imported.returncode == 0, imported.stderr
    heat = event.units[0]
    page = await unit_when(broadcast, heat.unit_id, "its start list", lambda p: p["start_list"])
    recorder, referee = tokens(stack, event, "recorder", "referee")
    answer = await ingest.post("/v1/results", headers=bearer(recorder), json={
        "event_id": event.id, "phase": heat.phase, "revision": 1, "status": "official",
        "entries": heat_entries(page, 1)})
    assert answer.status_code == 202 and answer.json()["awaiting_confirmation"], answer.text
    waiting = await unit_when(broadcast, heat.unit_id, "awaiting confirmation", lambda p: (
        p["unit"]["status"] == "unofficial" and p["result"] is not None))
    assert waiting["result"]["status"] == "unofficial" and waiting["result"]["confirmation"] is None

    # The event's ranking (its final) has no result: the heat is named by its phase.
    assert "no result of" in problem(await confirm(ingest, referee, event.id, 1), 404)
    confirmed = await ingest.post(f"/v1/results/{event.id}/1/confirm",
                                  params={"phase": heat.phase}, headers=bearer(referee))
    assert confirmed.status_code == 202, confirmed.text
    assert confirmed.json()["phase"] == heat.phase
    page = await unit_when(broadcast, heat.unit_id, "official once confirmed", lambda p: (
        p["unit"]["status"] == "official" and p["result"]["status"] == "official"))
    assert page["result"]["confirmation"]["by"] == "referee 1"
    history = (await ingest.get(f"/v1/events/{event.id}/history", params={"phase": heat.phase},
                                headers=bearer(referee))).json()["revisions"]
    assert [(check["action"], check["by"]) for check in history[0]["checks"]] == [
        ("confirm", "referee 1")]


@pytest.fixture(scope="module")
def checked_games(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("checked-games")
    with own_games(stack, home, "podium_checked_games",
                   games_with_rules(home, CHECKED_RULES)) as games:
        yield games


@pytest.fixture
async def checked(checked_games: Stack) -> AsyncIterator[tuple[httpx.AsyncClient,
                                                                httpx.AsyncClient]]:
    async with httpx.AsyncClient(base_url=checked_games.url("ingest"), timeout=20) as ingest, \
            httpx.AsyncClient(base_url=checked_games.url("broadcast"), timeout=20) as broadcast:
        yield ingest, broadcast


async def test_where_the_rules_ask_for_it_everyones_official_result_waits(
    checked_games: Stack, checked: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    ingest, broadcast = checked
    # The men's 100 m at the sports centre, the men's 50 m freestyle at the swimming hall.
    sprint, swim = "ath-youth-m-100m", "swm-youth-m-50m-free"
    venues = ["--venue", "taiji-center", "--venue", "city-swimming-hall"]
    referee, other = (podium_cli(checked_games, "token", "create", "--role", "referee",
                                 "--name", name, *venues).strip().splitlines()[-1]
                      for name in ("裁判长 甲", "裁判长 乙"))
    body = result(sprint)
    for entry in body["entries"]:
        entry.pop("mark", None)
    answer = await ingest.post("/v1/results", json=body, headers=bearer(referee))
    assert answer.status_code == 202 and answer.json()["awaiting_confirmation"] is True
    assert "a different referee of the venue" in problem(
        await confirm(ingest, referee, sprint, 1), 403)
    assert "双人复核" in problem(await confirm(ingest, referee, sprint, 1, "zh"), 403)
    assert (await confirm(ingest, other, sprint, 1)).status_code == 202

    swim_body = result(swim)
    for entry in swim_body["entries"]:
        entry.pop("mark", None)
    answer = await ingest.post("/v1/results", json=swim_body, headers=bearer(referee))
    assert answer.status_code == 202 and "awaiting_confirmation" not in answer.json()

    async def both_count() -> bool | None:
        documents = [(await broadcast.get(f"/v1/events/{event_id}")).json()
                     for event_id in (sprint, swim)]
        return True if [d["status"] for d in documents] == ["official"] * 2 else None
    await eventually(both_count, "the confirmed sprint and the swim both official")
    medals = medal_counts((await table(broadcast, "medals"))["rows"])
    assert medals["qinyang"] == (2, 0, 0)

