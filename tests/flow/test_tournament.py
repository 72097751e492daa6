"""A whole basketball tournament on the running system (docs/tournaments.md): two pools of 4,
semi-finals, the medal matches and the 5th-8th placement, posted match by match through
ingest; the ranking the matches decide is submitted by Podium and scores medals and points.
A corrected pool match re-seeds the semi-finals before they are played, and is refused with
the matches it reaches once they are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from launcher.stack import Stack
from tests.conftest import podium_cli
from tests.flow.own_games import http_clients, own_games
from tests.flow.test_scoring_events import eventually
from tests.games import POOLS, TEST_GAMES_DIR, TOURNAMENT_ID

Body = dict[str, Any]
# Each pool finishes in this order, every team beating those below it.
FINISH = {"A": ["jiefang", "zhongzhan", "macun", "shanyang"],
          "B": ["qinyang", "xiuwu", "shifanqu", "mengzhou"]}


@pytest.fixture(scope="module")
def cup_games(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A games of its own, so that its medal and points tables hold only the tournament."""
    home = tmp_path_factory.mktemp("cup-games")
    with own_games(stack, home, "podium_cup_games", TEST_GAMES_DIR) as games:
        yield games


@pytest.fixture
async def clients(cup_games: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with http_clients(cup_games) as both:
        yield both


def match(phase: str, winner: str, loser: str, score: tuple[int, int] = (80, 70), *,
          revision: int = 1, status: str = "official", **more: Any) -> Body:
    return {"event_id": TOURNAMENT_ID, "phase": phase, "revision": revision, "status": status,
            "match": {"sides": [winner, loser], "score": {"total": list(score), **more}}}


def pool_matches(finish: dict[str, list[str]]) -> list[Body]:
    """Every pool match, the team placed higher in `finish` winning, in the games' order."""
    bodies = []
    for letter, teams in POOLS.items():
        # The round robin of the draw order (shared/domain/tournaments.py round_robin).
        for number, (first, second) in enumerate(_round_robin(teams), start=1):
            order = finish[letter]
            winner, loser = sorted((first, second), key=order.index)
            bodies.append(match(f"pool-{letter}-m{number}", winner, loser))
    return bodies


def _round_robin(teams: list[str]) -> list[tuple[str, str]]:
    seats = list(teams)
    pairs = []
    for _ in range(len(seats) - 1):
        pairs += [(seats[i], seats[-1 - i]) for i in range(len(seats) // 2)]
        seats = [seats[0], seats[-1], *seats[1:-1]]
    return pairs


async def post(ingest: httpx.AsyncClient, token: str, body: Body, expected: int = 202) -> Body:
    answer = await ingest.post("/v1/results", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == expected, answer.text
    document: Body = answer.json()
    return document


async def tournament_when(broadcast: httpx.AsyncClient, check: Any) -> Body:
    async def found() -> Body | None:
        answer = await broadcast.get(f"/v1/events/{TOURNAMENT_ID}/tournament")
        assert answer.status_code == 200, answer.text
        document: Body = answer.json()
        return document if check(document) else None

    return await eventually(found, "the tournament's state")


def _match(tournament: Body, phase: str) -> Body:
    found: Body = next(m for m in tournament["matches"] if m["phase"] == phase)
    return found


def _sides(tournament: Body, phase: str) -> list[str | None]:
    return [side["delegation"] for side in _match(tournament, phase)["sides"]]


async def event_when(broadcast: httpx.AsyncClient, revision: int) -> Body:
    async def found() -> Body | None:
        answer = await broadcast.get(f"/v1/events/{TOURNAMENT_ID}")
        document: Body = answer.json()
        return document if document.get("revision") == revision else None

    return await eventually(found, f"revision {revision} of the tournament's final standings")


async def test_a_whole_tournament_posted_match_by_match_scores_its_derived_ranking(
    cup_games: Stack, clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    ingest, broadcast = clients
    token = podium_cli(cup_games, "token", "create", "--role", "official", "--name",
                       "记录台 王").strip().splitlines()[-1]
    # A live score first: two quarters played, level; then the match as it ended.
    first, *pools = pool_matches(FINISH)
    await post(ingest, token, {**first, "status": "provisional", "match": {
        **first["match"], "score": {"total": [38, 38], "periods": [[20, 18], [18, 20]]}}})
    await post(ingest, token, {**first, "revision": 2})
    for body in pools:
        await post(ingest, token, body)

    # A draw, or a side that does not play the match, is refused with its pointer.
    draw = await post(ingest, token, match("sf-1", "jiefang", "xiuwu", (70, 70)), 422)
    assert [(e["pointer"], e["detail"]) for e in draw["errors"]] == [
        ("/match/score/total", "70-70 is a draw, and a match of this sport cannot end level: "
         "overtime is played until one side leads")]
    wrong = await post(ingest, token, match("sf-1", "qinyang", "xiuwu"), 422)
    assert [e["pointer"] for e in wrong["errors"]] == ["/match/sides/0"]

    # Corrected before the semi-finals: zhongzhan beat jiefang, and so tops pool A (3 wins to
    # jiefang's 2). sf-1 is now zhongzhan v xiuwu, sf-2 qinyang v jiefang.
    await post(ingest, token, match("pool-A-m5", "zhongzhan", "jiefang", revision=2))
    reseeded = await post(ingest, token, match("sf-1", "jiefang", "xiuwu"), 422)
    assert reseeded["errors"][0]["detail"] == "jiefang does not play sf-1: zhongzhan v xiuwu do"
    tournament = await tournament_when(broadcast, lambda t: _sides(t, "sf-1") == [
        "zhongzhan", "xiuwu"])
    assert [(row["rank"], row["delegation"], row["won"], row["points"], row["decided_by"])
            for row in tournament["pools"][0]["rows"]] == [
        (1, "zhongzhan", 3, 6, None), (2, "jiefang", 2, 5, None), (3, "macun", 1, 4, None),
        (4, "shanyang", 0, 3, None)]
    assert _sides(tournament, "gold") == [None, None]
    assert _match(tournament, "gold")["sides"][0]["waiting"] == "sf-1 is not decided yet"
    # A score while sf-1 is played is shown at once; the bracket waits for the official one.
    await post(ingest, token, {**match("sf-1", "zhongzhan", "xiuwu", (40, 42)),
                               "status": "provisional"})
    live = await tournament_when(broadcast, lambda t: _match(t, "sf-1")["result"] is not None)
    assert _match(live, "sf-1")["result"]["score"]["total"] == [40, 42]
    assert _match(live, "sf-1")["result"]["winner"] is None
    await post(ingest, token, match("sf-1", "zhongzhan", "xiuwu", revision=2))
    # The officials' audit trail shows each revision's match and what changed.
    answer = await ingest.get(f"/v1/events/{TOURNAMENT_ID}/history", params={"phase": "sf-1"},
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    revisions = answer.json()["revisions"]
    assert [r["match"]["score"]["total"] for r in revisions] == [[40, 42], [80, 70]]
    assert revisions[1]["changes"][1]["change"] == "match"
    await post(ingest, token, match("sf-2", "qinyang", "jiefang"))

    # Once the semi-finals have results, the correction back is refused, naming them.
    refused = await post(ingest, token, match("pool-A-m5", "jiefang", "zhongzhan",
                                              revision=3), 409)
    assert "bk-rural-m-village-5x5-cup/sf-1, bk-rural-m-village-5x5-cup/sf-2" in \
        refused["detail"]
    assert refused["errors"][0]["pointer"] == "/match"

    for body in (match("p5-8-m1", "macun", "mengzhou"), match("p5-8-m2", "shifanqu", "shanyang"),
                 match("p7-8", "shanyang", "mengzhou"), match("p5-6", "macun", "shifanqu"),
                 match("bronze", "jiefang", "xiuwu")):
        await post(ingest, token, body)
    # The last match decides the ranking: Podium submits it as the event's result.
    await post(ingest, token, match("gold", "qinyang", "zhongzhan", (81, 79)))
    event = await event_when(broadcast, 1)
    assert event["status"] == "official"
    assert [(e["rank"], e["delegation"], e["medal"], e["points"]) for e in event["entries"]] == [
        (1, "qinyang", "gold", 18), (2, "zhongzhan", "silver", 14), (3, "jiefang", "bronze", 12),
        (4, "xiuwu", None, 10), (5, "macun", None, 8), (6, "shifanqu", None, 6),
        (7, "shanyang", None, 4), (8, "mengzhou", None, 2)]
    assert event["history"][0]["entered_by"] == "podium (derived from the matches)"
    assert "gold revision 1" in event["history"][0]["note"]

    medals = (await broadcast.get("/v1/standings/medals")).json()
    assert [(r["delegation"], r["gold"], r["silver"], r["bronze"]) for r in medals["rows"]][:3] \
        == [("qinyang", 1, 0, 0), ("zhongzhan", 0, 1, 0), ("jiefang", 0, 0, 1)]
    points = (await broadcast.get("/v1/standings/points")).json()
    assert [(r["delegation"], r["points"]) for r in points["rows"]][:8] == [
        ("qinyang", 18), ("zhongzhan", 14), ("jiefang", 12), ("xiuwu", 10), ("macun", 8),
        ("shifanqu", 6), ("shanyang", 4), ("mengzhou", 2)]

    # A gold medal match corrected (a mistyped score, the same winner) changes nothing. The
    # other winner, entered by a recorder, waits for a referee: the ranking stays until the
    # confirmation, which derives it again as revision 2.
    await post(ingest, token, match("gold", "qinyang", "zhongzhan", (82, 79), revision=2))
    recorder, referee = (podium_cli(cup_games, "token", "create", "--role", role, "--venue",
                                    "qinyang-sports-center", "--name", f"{role} 李")
                         .strip().splitlines()[-1] for role in ("recorder", "referee"))
    waiting = await post(ingest, recorder, match("gold", "zhongzhan", "qinyang", (80, 79),
                                                 revision=3))
    assert waiting["awaiting_confirmation"] is True
    history = await ingest.get(f"/v1/events/{TOURNAMENT_ID}/history",
                               headers={"Authorization": f"Bearer {token}"})
    assert history.json()["current_revision"] == 1
    confirmed = await ingest.post(f"/v1/results/{TOURNAMENT_ID}/3/confirm",
                                  params={"phase": "gold"},
                                  headers={"Authorization": f"Bearer {referee}"})
    assert confirmed.status_code == 202, confirmed.text
    event = await event_when(broadcast, 2)
    assert [(e["delegation"], e["medal"]) for e in event["entries"]][:2] == [
        ("zhongzhan", "gold"), ("qinyang", "silver")]
    assert event["correction"] is True
