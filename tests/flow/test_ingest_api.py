# Chinese problem details use full-width punctuation.
"""POST /v1/results through the running system, row by row of the contract's answers table,
with the tokens (CLI, scopes, revocation), the audit trail and the entry page's listing.

"Nothing counted" is checked where it is decided: a rejected submission leaves no row in
`submissions`, the only way into scoring (ingest's history shows none), and where it shows:
the next valid revision takes the number the rejected one asked for, and the tables move by
exactly that one.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from launcher.stack import Stack
from services.ingest.answers import MAX_BODY_BYTES
from shared.adapters.settings import REPO_ROOT
from shared.adapters.tokens import hash_secret
from tests.conftest import podium_cli
from tests.flow.events import claim_event
from tests.flow.test_scoring_events import event_at, eventually, medal_counts, table

Body = dict[str, Any]


# --- helpers the other ingest tests share -------------------------------------------------

def new_token(stack: Stack, role: str, *options: str) -> str:
    """A token made with the real CLI (its secret is the last line it prints)."""
    return podium_cli(stack, "token", "create", "--role", role, *options).strip().splitlines()[-1]


def bearer(token: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def result(event_id: str, revision: int = 1, status: str = "official", **more: Any) -> Body:
    """A valid result: Qinyang 1st, Mengzhou 2nd, Wuzhi 3rd."""
    entries = [
        {"rank": 1, "delegation": "qinyang", "competitor": "李明", "mark": "10.91"},
        {"rank": 2, "delegation": "mengzhou", "competitor": "王强", "mark": "11.02"},
        {"rank": 3, "delegation": "wuzhi", "competitor": "赵刚"},
        {"rank": None, "delegation": "boai", "competitor": "陈晨", "status": "DNF"},
    ]
    return {"event_id": event_id, "revision": revision, "status": status, "entries": entries,
            **more}


async def stored_revisions(ingest: httpx.AsyncClient, token: str, event_id: str) -> list[int]:
    answer = await ingest.get(f"/v1/events/{event_id}/history", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return [item["revision"] for item in answer.json()["revisions"]]


def problem_pointers(answer: httpx.Response) -> list[str]:
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    problem = answer.json()
    assert problem["status"] == answer.status_code
    return [error["pointer"] for error in problem.get("errors", [])]


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def admin_token(stack: Stack) -> str:
    return new_token(stack, "admin", "--name", "成绩处 刘")


@pytest.fixture(scope="module")
def media_key(stack: Stack) -> str:
    return new_token(stack, "media", "--name", "焦作日报")


@pytest.fixture
async def database(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    assert stack.database_url is not None
    conn = await asyncpg.connect(stack.database_url)
    try:
        yield conn
    finally:
        await conn.close()


async def still(database: asyncpg.Connection, broadcast: httpx.AsyncClient) -> None:
    """Until scoring has applied every accepted submission and broadcast serves the tables
    it stored: a still system, whatever the tests before left in flight."""
    async def applied_and_served() -> bool | None:
        unapplied = await database.fetchval(
            "SELECT count(*) FROM submissions s WHERE s.phase = 'final' AND NOT EXISTS"
            " (SELECT FROM event_results e WHERE e.event_id = s.event_id"
            " AND e.revision >= s.revision)")
        stored = await database.fetch(
            "SELECT channel, (document->>'version')::bigint AS version FROM standings"
            " WHERE channel IN ('medals:all', 'points:all')")
        served = {row["channel"]: (await table(broadcast, row["channel"].split(":")[0]))[
            "version"] for row in stored}
        caught_up = all(served[row["channel"]] == row["version"] for row in stored)
        return True if unapplied == 0 and caught_up else None
    await eventually(applied_and_served, "every accepted submission applied and served")


@pytest.fixture(autouse=True)
async def settled(
    database: asyncpg.Connection, broadcast: httpx.AsyncClient
) -> AsyncIterator[None]:
    """After each test, waits for a still system: the next test (which may count medals)
    starts from it, whatever this one left in flight."""
    yield
    await still(database, broadcast)


# --- 202 and 200 ------------------------------------------------------------------------------

async def test_a_new_revision_is_accepted_and_the_same_again_is_answered_200_once_counted(
    official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    before = medal_counts((await table(broadcast, "medals"))["rows"])
    first = await ingest.post("/v1/results", json=result(event_id), headers=bearer(official_token))
    assert first.status_code == 202, first.text
    assert first.headers["content-type"] == "application/json"
    assert set(first.json()) == {"event_id", "revision", "accepted_at"}
    assert (first.json()["event_id"], first.json()["revision"]) == (event_id, 1)

    # The same content, however it is spelled: defaults written out, spaces around names.
    spelled_out = result(event_id)
    spelled_out["entries"][0] = {**spelled_out["entries"][0], "competitor": " 李明 ",
                                 "status": "OK", "record": None, "members": []}
    for again in (result(event_id), spelled_out, result(event_id)):
        repeat = await ingest.post("/v1/results", json=again, headers=bearer(official_token))
        assert repeat.status_code == 200, repeat.text
        assert repeat.content == first.content

    document = await event_at(broadcast, event_id, 1)
    assert [item["revision"] for item in document["history"]] == [1]
    assert await stored_revisions(ingest, official_token, event_id) == [1]

    async def one_gold_more() -> bool | None:
        now = medal_counts((await table(broadcast, "medals"))["rows"])
        changed = {code: (now[code], before[code]) for code in now if now[code] != before[code]}
        expected = {"qinyang": (1, 0, 0), "mengzhou": (0, 1, 0), "wuzhi": (0, 0, 1)}
        deltas = {code: tuple(a - b for a, b in zip(*pair, strict=True))
                  for code, pair in changed.items()}
        return True if deltas == expected else None
    await eventually(one_gold_more, "exactly one set of medals for the event")


# --- 409 ----------------------------------------------------------------------------------------

async def test_a_taken_revision_or_a_gap_is_a_conflict_naming_the_next_revision(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    assert (await ingest.post("/v1/results", json=result(event_id),
                              headers=bearer(official_token))).status_code == 202

    other = result(event_id)
    other["entries"][0]["mark"] = "10.95"
    taken = await ingest.post("/v1/results", json=other, headers=bearer(official_token))
    assert taken.status_code == 409
    assert problem_pointers(taken) == ["/revision"]
    assert "already accepted with other content" in taken.json()["detail"]
    assert "裁判 张" in taken.json()["detail"]  # who entered the revision it collides with
    assert "submit revision 2" in taken.json()["detail"]

    for revision in (3, 7):
        gap = await ingest.post("/v1/results", json=result(event_id, revision),
                                headers=bearer(official_token))
        assert gap.status_code == 409
        assert problem_pointers(gap) == ["/revision"]
        assert gap.json()["detail"] == (f"revision {revision} does not follow the current revision"
                                        f" 1 of {event_id}; submit revision 2")

    in_chinese = await ingest.post("/v1/results", json=result(event_id, 3),
                                   headers=bearer(official_token, "zh-CN"))
    assert in_chinese.status_code == 409
    assert "应提交第 2 版" in in_chinese.json()["detail"]
    assert in_chinese.headers["content-language"] == "zh-CN"
    assert await stored_revisions(ingest, official_token, event_id) == [1]

    fresh = claim_event().id
    skipped = await ingest.post("/v1/results", json=result(fresh, 2),
                                headers=bearer(official_token))
    assert skipped.status_code == 409
    assert await stored_revisions(ingest, official_token, fresh) == []


# --- 422 ----------------------------------------------------------------------------------------

def _without(body: Body, field: str) -> Body:
    return {key: value for key, value in body.items() if key != field}


def _entry(body: Body, index: int, **changes: Any) -> Body:
    entries = [dict(entry) for entry in body["entries"]]
    entries[index].update(changes)
    return {**body, "entries": entries}


INVALID: list[tuple[str, Any, list[str]]] = [
    ("unknown event", lambda b: {**b, "event_id": "ath-youth-m-99m"}, ["/event_id"]),
    ("unknown delegation", lambda b: _entry(b, 1, delegation="jiaozuo"),
     ["/entries/1/delegation"]),
    ("a rank gap", lambda b: _entry(b, 2, rank=4), ["/entries/2/rank"]),
    ("an OK entry without rank", lambda b: _entry(b, 2, rank=None), ["/entries/2/rank"]),
    ("a ranked DNF", lambda b: _entry(b, 3, rank=4), ["/entries/3/rank"]),
    ("rank zero", lambda b: _entry(b, 2, rank=0), ["/entries/2/rank"]),
    ("the same competitor twice",
     lambda b: _entry(b, 1, delegation="qinyang", competitor="李明"), ["/entries/1/competitor"]),
    ("a record by a non-finisher", lambda b: _entry(b, 3, record="games"),
     ["/entries/3/record"]),
    ("a wrong result status", lambda b: {**b, "status": "final"}, ["/status"]),
    ("a wrong entry status", lambda b: _entry(b, 3, status="DQ"), ["/entries/3/status"]),
    ("a missing field", lambda b: _without(b, "revision"), ["/revision"]),
    ("a null name", lambda b: _entry(b, 2, competitor=None), ["/entries/2/competitor"]),
    ("a rank as text", lambda b: _entry(b, 0, rank="1"), ["/entries/0/rank"]),
    ("an unknown field", lambda b: {**b, "venue": "taiji-center"}, ["/venue"]),
    ("a cancelled result with entries", lambda b: {**b, "status": "cancelled"}, ["/entries"]),
    ("an official result without entries", lambda b: {**b, "entries": []}, ["/entries"]),
    ("team members on an individual event", lambda b: _entry(b, 0, members=["李明"]),
     ["/entries/0/members"]),
    ("a NUL in a name", lambda b: _entry(b, 0, competitor="李\u0000明"),
     ["/entries/0/competitor"]),
    ("too many entries", lambda b: {**b, "entries": b["entries"] * 126}, ["/entries"]),
    ("several problems at once",
     lambda b: _entry(_entry({**b, "status": "final"}, 0, delegation="x"), 2, rank="3"),
     ["/status", "/entries/0/delegation", "/entries/2/rank"]),
]


async def test_every_invalid_body_is_422_with_every_problem_pointed_at_and_nothing_stored(
    official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    for case, spoil, pointers in INVALID:
        answer = await ingest.post("/v1/results", json=spoil(result(event_id)),
                                   headers=bearer(official_token))
        assert answer.status_code == 422, f"{case}: {answer.text}"
        assert problem_pointers(answer) == pointers, case
        assert all(error["detail"] for error in answer.json()["errors"]), case
    for raw in (b"", b"{", b'{"event_id": "x",}', b"\xff\xfe", b'"\\ud800"'):
        answer = await ingest.post("/v1/results", content=raw, headers=bearer(official_token))
        assert answer.status_code == 422, raw
        assert problem_pointers(answer) == [""], raw
    assert await stored_revisions(ingest, official_token, event_id) == []

    # None of them took revision 1 or reached the tables: the first valid one is revision 1,
    # and it is the only revision scoring ever saw.
    accepted = await ingest.post("/v1/results", json=result(event_id),
                                 headers=bearer(official_token))
    assert accepted.status_code == 202, accepted.text
    document = await event_at(broadcast, event_id, 1)
    assert [item["revision"] for item in document["history"]] == [1]


async def test_problems_are_worded_in_chinese_on_request(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    answer = await ingest.post(
        "/v1/results", json=_entry(_entry(result(event_id), 2, rank=4), 1, delegation="qinyan"),
        headers=bearer(official_token, "zh-CN,zh;q=0.9,en;q=0.8"),
    )
    assert answer.status_code == 422
    assert answer.headers["content-language"] == "zh-CN"
    problem = answer.json()
    assert problem["detail"] == "结果有 2 处问题；未保存任何内容"
    assert problem["errors"] == [
        {"pointer": "/entries/1/delegation", "detail": problem["errors"][0]["detail"]},
        {"pointer": "/entries/2/rank", "detail": "名次 4 应为 3：前面已有 2 个条目"},
    ]
    assert "是不是 'qinyang'" in problem["errors"][0]["detail"]


# --- 401, 403 and the order of the checks ---------------------------------------------------

async def test_no_or_unknown_token_is_401_and_nothing_is_stored(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer pdo_not-a-real-token"}):
        # An invalid body too: who asks is settled before what they sent.
        answer = await ingest.post("/v1/results", json={"event_id": event_id}, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert problem_pointers(answer) == []

    revoked = new_token(stack, "official", "--name", "裁判 已撤销")
    number = next(line.split("\t")[0] for line in podium_cli(stack, "token", "list").splitlines()
                  if "\t裁判 已撤销\t" in line)
    assert podium_cli(stack, "token", "revoke", number.lstrip("#")).startswith(
        f"revoked token {number} (裁判 已撤销)")
    answer = await ingest.post("/v1/results", json=result(event_id), headers=bearer(revoked))
    assert answer.status_code == 401
    assert "was revoked on" in answer.json()["detail"]
    assert await stored_revisions(ingest, official_token, event_id) == []


async def test_a_media_key_or_another_venues_token_is_403_before_the_body_is_judged(
    stack: Stack, official_token: str, media_key: str, ingest: httpx.AsyncClient
) -> None:
    event = claim_event()
    other_venue = next(v for v in ("city-swimming-hall", "taiji-center") if v != event.venue)
    elsewhere = new_token(stack, "official", "--name", "裁判 外场", "--venue", other_venue)

    for token in (media_key, elsewhere):
        for body in (result(event.id), _entry(result(event.id), 0, rank="x")):
            answer = await ingest.post("/v1/results", json=body, headers=bearer(token))
            assert answer.status_code == 403, answer.text
            assert problem_pointers(answer) == []
    answer = await ingest.post("/v1/results", json=result(event.id), headers=bearer(elsewhere))
    assert event.venue in answer.json()["detail"] and other_venue in answer.json()["detail"]
    assert await stored_revisions(ingest, official_token, event.id) == []

    # Its own venue is fine, and an invalid body then gets 422 rather than a conflict.
    at_home = new_token(stack, "official", "--name", "裁判 本场", "--venue", event.venue)
    stale_and_invalid = _entry(result(event.id, 5), 0, delegation="nowhere")
    assert (await ingest.post("/v1/results", json=stale_and_invalid,
                              headers=bearer(at_home))).status_code == 422
    assert (await ingest.post("/v1/results", json=result(event.id),
                              headers=bearer(at_home))).status_code == 202


async def test_an_admin_may_enter_and_correct_results_at_every_venue(
    admin_token: str, official_token: str, ingest: httpx.AsyncClient
) -> None:
    first, second = claim_event(), claim_event(kind="team")
    team = {"event_id": second.id, "revision": 1, "status": "provisional", "entries": [
        {"rank": 1, "delegation": "xiuwu", "competitor": "修武队", "members": ["甲", "乙"]},
    ]}
    for body in (result(first.id), team):
        answer = await ingest.post("/v1/results", json=body, headers=bearer(admin_token))
        assert answer.status_code == 202, answer.text
    listing = (await ingest.get("/v1/my/events", headers=bearer(admin_token))).json()
    assert listing["holder"] == {"name": "成绩处 刘", "role": "admin", "venues": []}
    assert {e["id"]: e["current_revision"] for e in listing["events"]}[second.id] == 1
    history = await ingest.get(f"/v1/events/{first.id}/history", headers=bearer(official_token))
    assert history.json()["revisions"][0]["entered_by"] == "成绩处 刘"
    assert history.json()["revisions"][0]["entered_by_role"] == "admin"


# --- 413 ------------------------------------------------------------------------------------------

async def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    big = result(event_id, note="x" * MAX_BODY_BYTES)
    declared = await ingest.post("/v1/results", content=orjson.dumps(big),
                                 headers=bearer(official_token))
    assert declared.status_code == 413
    assert problem_pointers(declared) == []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b" " * (MAX_BODY_BYTES // 4)
        yield orjson.dumps(result(event_id))
    streamed = await ingest.post("/v1/results", content=chunks(), headers=bearer(official_token))
    assert streamed.status_code == 413
    assert await stored_revisions(ingest, official_token, event_id) == []


# --- tokens ---------------------------------------------------------------------------------------

async def test_tokens_are_named_listed_scoped_and_stored_only_as_hashes(
    stack: Stack, ingest: httpx.AsyncClient, database: asyncpg.Connection
) -> None:
    created = podium_cli(stack, "token", "create", "--role", "official",
                         "--venue", "city-swimming-hall", "--venue", "rowing-base")
    secret = created.strip().splitlines()[-1]
    number = created.split("#")[1].split()[0]
    assert f"'official #{number}' for venues city-swimming-hall, rowing-base" in created
    listed = next(line for line in podium_cli(stack, "token", "list").splitlines()
                  if line.startswith(f"#{number}\t"))
    assert listed.split("\t")[1:5] == ["official", f"official #{number}",
                                       "city-swimming-hall,rowing-base", "active"]

    mine = (await ingest.get("/v1/my/events", headers=bearer(secret))).json()
    assert {event["venue"] for event in mine["events"]} == {"city-swimming-hall", "rowing-base"}
    assert [d["code"] for d in mine["delegations"]][:2] == ["jiefang", "zhongzhan"]

    row = await database.fetchrow("SELECT * FROM tokens WHERE id = $1", int(number))
    assert row is not None and bytes(row["token_hash"]) == hash_secret(secret)
    assert all(secret not in str(value) for value in row.values())


def test_the_cli_refuses_tokens_it_cannot_honour(stack: Stack) -> None:
    def refused(*args: str) -> tuple[int, str]:
        completed = subprocess.run(
            [str(Path(sys.executable).parent / "podium"), "token", *args], env=stack.env(),
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
        return completed.returncode, completed.stderr.strip().splitlines()[-1]

    before = podium_cli(stack, "token", "list")
    assert refused("create", "--role", "admin", "--venue", "taiji-center") == (
        2, "venues apply to recorders, referees and officials only: an admin covers every"
           " venue and a media key enters no results")
    assert refused("create", "--role", "media") == (2, "a media key needs --name OUTLET")
    code, message = refused("create", "--role", "official", "--venue", "taiji")
    assert code == 2 and message.startswith("unknown venue(s): taiji; known: ")
    assert refused("create", "--role", "official", "--name", "   ") == (
        2, "the name is blank; give the official's or outlet's name")
    assert podium_cli(stack, "token", "list") == before  # nothing was created
    assert refused("revoke", "999999") == (
        1, "no active token #999999; `podium token list` shows them")


async def test_media_keys_get_no_officials_listing_or_audit_trail(
    media_key: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    for path in ("/v1/my/events", f"/v1/events/{event_id}/history"):
        answer = await ingest.get(path, headers=bearer(media_key))
        assert answer.status_code == 403
    assert (await ingest.get("/v1/my/events")).status_code == 401


# --- the audit trail ----------------------------------------------------------------------------

async def test_a_misspelt_query_parameter_is_refused_not_ignored(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    answer = await ingest.get(f"/v1/events/{event_id}/history", params={"phaes": "heat-1"},
                              headers={**bearer(official_token), "Accept-Language": "en"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"] == (
        "unknown query parameter(s) 'phaes': this address takes phase")


async def test_the_audit_trail_shows_who_when_why_and_what_changed(
    stack: Stack, official_token: str, admin_token: str, ingest: httpx.AsyncClient,
    broadcast: httpx.AsyncClient,
) -> None:
    event_id = claim_event().id
    corrected = _entry(_entry(result(event_id, 3), 0, rank=2, mark="11.09"), 1, rank=1)
    corrected["entries"].pop(2)
    corrected["entries"].append({"rank": 3, "delegation": "xiuwu", "competitor": "孙宇"})
    for token, body in (
        (official_token, result(event_id, 1, "provisional")),
        (official_token, result(event_id, 2)),
        (admin_token, {**corrected, "note": "终点录像复核"}),
        (admin_token, {"event_id": event_id, "revision": 4, "status": "cancelled",
                       "entries": [], "note": "计时故障 择期重赛"}),
    ):
        answer = await ingest.post("/v1/results", json=body, headers=bearer(token))
        assert answer.status_code == 202, answer.text

    history = (await ingest.get(f"/v1/events/{event_id}/history",
                                headers=bearer(official_token))).json()
    assert history["current_revision"] == 4
    revisions = history["revisions"]
    assert [(r["revision"], r["status"], r["entered_by"], r["correction"]) for r in revisions] == [
        (1, "provisional", "裁判 张", False), (2, "official", "裁判 张", False),
        (3, "official", "成绩处 刘", True), (4, "cancelled", "成绩处 刘", True),
    ]
    assert revisions[2]["note"] == "终点录像复核"
    assert revisions[1]["changes"] == [
        {"change": "result_status", "from": "provisional", "to": "official"}]
    assert revisions[2]["changes"] == [
        {"change": "reranked", "delegation": "qinyang", "competitor": "李明", "from": 1, "to": 2},
        {"change": "mark", "delegation": "qinyang", "competitor": "李明", "from": "10.91",
         "to": "11.09"},
        {"change": "reranked", "delegation": "mengzhou", "competitor": "王强", "from": 2,
         "to": 1},
        {"change": "added", "delegation": "xiuwu", "competitor": "孙宇", "rank": 3,
         "status": "OK"},
        {"change": "removed", "delegation": "wuzhi", "competitor": "赵刚", "rank": 3,
         "status": "OK"},
    ]
    assert len(revisions[3]["changes"]) == 1 + 4  # the status, and every entry removed
    assert revisions[0]["accepted_at"] < revisions[3]["accepted_at"]

    # Media see the correction flagged, with the reason, on the public event document.
    document = await event_at(broadcast, event_id, 4)
    assert [(item["revision"], item["entered_by"]) for item in document["history"]] == [
        (1, "裁判 张"), (2, "裁判 张"), (3, "成绩处 刘"), (4, "成绩处 刘")]
    assert document["correction"] is True and document["note"] == "计时故障 择期重赛"
    assert all(r["published"] for r in (await ingest.get(
        f"/v1/events/{event_id}/history", headers=bearer(official_token))).json()["revisions"])


async def test_a_stored_revision_can_be_neither_edited_nor_deleted(
    official_token: str, ingest: httpx.AsyncClient, database: asyncpg.Connection
) -> None:
    event_id = claim_event().id
    assert (await ingest.post("/v1/results", json=result(event_id),
                              headers=bearer(official_token))).status_code == 202
    for statement in ("UPDATE submissions SET note = 'edited' WHERE event_id = $1",
                      "UPDATE submissions SET entries = '[]' WHERE event_id = $1",
                      "DELETE FROM submissions WHERE event_id = $1"):
        with pytest.raises(asyncpg.RaiseError, match="audit trail"):
            await database.execute(statement, event_id)
    history = (await ingest.get(f"/v1/events/{event_id}/history",
                                headers=bearer(official_token))).json()
    assert history["revisions"][0]["note"] is None
    assert len(history["revisions"][0]["entries"]) == 4


async def test_history_of_an_unknown_event_is_404(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    answer = await ingest.get("/v1/events/no-such-event/history", headers=bearer(official_token))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


# --- what the entry page reads ----------------------------------------------------------------

async def test_my_events_lists_each_event_with_its_current_revision(
    official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    for revision, status in ((1, "provisional"), (2, "official")):
        assert (await ingest.post("/v1/results", json=result(event_id, revision, status),
                                  headers=bearer(official_token))).status_code == 202
    listing = await ingest.get("/v1/my/events", headers=bearer(official_token))
    assert listing.status_code == 200
    mine = {event["id"]: event for event in listing.json()["events"]}
    assert (mine[event_id]["current_revision"], mine[event_id]["current_status"]) == (
        2, "official")
    assert listing.json()["holder"] == {"name": "裁判 张", "role": "official", "venues": []}


async def test_the_page_and_the_openapi_document_are_served(ingest: httpx.AsyncClient) -> None:
    page = await ingest.get("/enter")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/enter/enter.js", "/enter/enter.css"):
        assert (await ingest.get(asset)).status_code == 200
    document = (await ingest.get("/openapi.json")).json()
    assert document["openapi"] == "3.1.0"
    assert "/v1/results" in document["paths"]
