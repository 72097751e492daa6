"""The live WebSocket protocol against the running system, with real `websockets` clients."""

import httpx
import orjson
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from launcher.stack import Stack
from tests.flow.events import claim_event
from tests.flow.test_live_support import (
    EventResults,
    broadcast_metric,
    is_a,
    is_result,
    last_seq,
    live_url,
    media_key,
    receive,
    receive_until,
    request,
)


async def test_tables_snapshot_at_once_then_whole_table_updates(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    channels = ["medals:all", "points:all", "combined:all"]
    results = EventResults(ingest, official_token, claim_event().id)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=channels)
        snapshots = [await receive(ws) for _ in channels]
        assert [(m["channel"], m["type"]) for m in snapshots] == [(c, "snapshot") for c in channels]
        await results.post()
        # Medals and points always move with an official result; the combined ranking holds
        # only ranks, so it moves only when a rank does (it may not, depending on the
        # results before this one).
        for channel in ("medals:all", "points:all"):
            update = (await receive_until(ws, is_a(channel, "update")))[-1]
            assert update["seq"] > snapshots[0]["seq"]
            assert update["data"]["version"] > snapshots[0]["data"]["version"]
            assert len(update["data"]["rows"]) == 11  # the whole table, every delegation
    for kind in ("medals", "points"):
        rest = (await broadcast.get(f"/v1/standings/{kind}")).json()
        assert rest["version"] >= update["data"]["version"]


async def test_results_carry_status_note_and_the_correction_flag(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["results", f"event:{event_id}"])
        # An event channel starts with the event's state: no result yet.
        snapshot = await receive(ws)
        assert snapshot["channel"] == f"event:{event_id}" and snapshot["type"] == "snapshot"
        assert snapshot["data"]["revision"] is None and snapshot["data"]["event"]["id"] == event_id

        posted = [("provisional", None), ("official", None), ("official", "计时错误 更正名次"),
                  ("cancelled", "成绩取消")]
        seqs = [snapshot["seq"]]
        for status, note in posted:
            revision = await results.post(status, note)
            on_results = (await receive_until(ws, is_result(event_id, revision)))[-1]
            on_event = (await receive_until(ws, is_result(event_id, revision,
                                                          f"event:{event_id}")))[-1]
            assert on_event["data"] == on_results["data"]
            data = on_results["data"]
            assert (data["status"], data["note"]) == (status, note)
            # A correction is a revision that replaces an official one.
            assert data["correction"] is (revision > 2)
            assert data["accepted_at"]
            assert (data["entries"] == []) is (status == "cancelled")
            seqs += [on_results["seq"], on_event["seq"]]
        assert seqs == sorted(set(seqs))


async def test_resume_with_since_replays_every_missed_result_once_in_order(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event_id = claim_event().id
    results = EventResults(ingest, official_token, event_id)
    url = live_url(stack.ports.broadcast)
    async with websockets.connect(url) as ws:
        await request(ws, op="subscribe", channels=["results", "medals:all"])
        first = await results.post()
        seen = await receive_until(ws, is_result(event_id, first))
    since = max(message["seq"] for message in seen)

    missed = [await results.post() for _ in range(3)]
    async with websockets.connect(url) as ws:
        # The result messages of the missed revisions must be in the feed before resuming.
        async with websockets.connect(url) as watcher:
            await request(watcher, op="subscribe", channels=[f"event:{event_id}"],
                          since=since)
            await receive_until(watcher, is_result(event_id, missed[-1], f"event:{event_id}"))
        await request(ws, op="subscribe", channels=["results", "medals:all"], since=since)
        replayed = await receive_until(ws, is_a("medals:all", "snapshot"))
        again = await results.post()
        live = await receive_until(ws, is_result(event_id, again))

    replayed_results = [m for m in replayed if m["type"] == "result"]
    assert [m["data"]["revision"] for m in replayed_results] == missed
    seqs = [m["seq"] for m in replayed_results]
    assert seqs == sorted(set(seqs)) and seqs[0] > since
    # Every `results` message of the feed in that range, none missing.
    page = (await broadcast.get("/v1/feed", params={"since": since, "channels": "results",
                                                    "limit": 100})).json()
    assert [m["seq"] for m in page["items"] if m["seq"] <= seqs[-1]] == seqs
    # The snapshot comes after the replay and shows the state as of its seq; live follows.
    assert replayed[-1]["seq"] >= seqs[-1]
    live_results = [m for m in live if m["type"] == "result"]
    assert [m["data"]["revision"] for m in live_results] == [again]
    assert live_results[0]["seq"] > replayed[-1]["seq"]


async def test_a_results_only_subscriber_resumes_from_its_subscribed_seq(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    results = EventResults(ingest, official_token, claim_event().id)
    url = live_url(stack.ports.broadcast)
    async with websockets.connect(url) as ws:
        await request(ws, op="subscribe", channels=["results"])
        subscribed = await receive(ws)  # no snapshot for `results`, but a position
    assert subscribed["type"] == "subscribed" and subscribed["channels"] == ["results"]
    missed = await results.post()
    async with websockets.connect(url) as ws:
        await request(ws, op="subscribe", channels=["results"], since=subscribed["seq"])
        received = await receive_until(ws, is_result(results.event_id, missed))
    # Replayed or live (as the replica happens to be behind or not): once, after the seq.
    got = [m for m in received if m.get("type") == "result"]
    assert len(got) == 1 and got[0]["seq"] > subscribed["seq"]


async def test_since_ahead_of_the_feed_resets_with_fresh_snapshots(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    results = EventResults(ingest, official_token, claim_event().id)
    await results.post()
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["results", "medals:all"], since=10**9)
        reset = await receive(ws)
        assert reset["type"] == "reset" and reset["reason"] == "since_ahead"
        assert reset["channels"] == ["results", "medals:all"] and reset["detail"]
        fresh = await receive_until(ws, is_a("medals:all", "snapshot"))
    snapshots = [m for m in fresh if m["channel"] == "results"]
    # The results channel's fresh state: every event's latest result, ours among them.
    assert all(m["type"] == "snapshot" and m["seq"] == reset["seq"] for m in snapshots)
    assert results.event_id in {m["data"]["event"]["id"] for m in snapshots}


async def test_ping_and_bad_requests_answer_errors_and_keep_the_connection(
    stack: Stack,
) -> None:
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="ping")
        assert await receive(ws) == {"type": "pong"}
        bad = [
            ("{not json", "bad_json"),
            ("[1, 2]", "bad_request"),
            ('{"op": "dance"}', "unknown_op"),
            ('{"op": "subscribe", "channels": "results"}', "bad_request"),
            ('{"op": "subscribe", "channels": ["results"], "since": -1}', "bad_request"),
            ('{"op": "subscribe", "channels": ["results"], "since": true}', "bad_request"),
        ]
        for text, code in bad:
            await ws.send(text)
            answer = await receive(ws)
            assert (answer["type"], answer["error"]) == ("error", code), text
            assert answer["detail"]
        await ws.send(b'{"op": "ping"}')
        assert (await receive(ws))["error"] == "bad_frame"
        # An unknown channel is named; the known ones of the request still count.
        await request(ws, op="subscribe", channels=["medals:nowhere", "medals:all"])
        error = await receive(ws)
        assert error["error"] == "unknown_channel" and "medals:nowhere" in error["detail"]
        assert is_a("medals:all", "snapshot")(await receive(ws))
        assert (await receive(ws))["type"] == "subscribed"
        await request(ws, op="ping")
        assert await receive(ws) == {"type": "pong"}


async def test_a_frame_over_64_kib_closes_the_connection_with_1009(stack: Stack) -> None:
    async with websockets.connect(live_url(stack.ports.broadcast), max_size=None) as ws:
        at_limit = orjson.dumps({"op": "ping", "pad": ""})
        await request(ws, op="ping", pad="x" * (64 * 1024 - len(at_limit)))
        assert await receive(ws) == {"type": "pong"}
        await request(ws, op="ping", pad="x" * (64 * 1024))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_media_keys_lift_the_channel_limit(
    stack: Stack, broadcast: httpx.AsyncClient
) -> None:
    key = media_key(stack)
    games = (await broadcast.get("/v1/games")).json()
    many = ["results", "medals:all", *(f"event:{e['id']}" for e in games["events"][:40])]
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=many)
        answer = await receive(ws)
        assert answer["error"] == "too_many_channels" and "32" in answer["detail"]
    for connect in (websockets.connect(live_url(stack.ports.broadcast, key)),
                    websockets.connect(live_url(stack.ports.broadcast),
                                       additional_headers={"Authorization": f"Bearer {key}"})):
        async with connect as ws:
            await request(ws, op="subscribe", channels=many)
            snapshots = [await receive(ws) for _ in many[1:]]
            assert {m["channel"] for m in snapshots} == set(many[1:])
            assert all(m["type"] == "snapshot" for m in snapshots)


async def test_unknown_keys_other_tokens_and_other_paths_are_refused(
    stack: Stack, official_token: str
) -> None:
    port = stack.ports.broadcast
    refused = [(live_url(port, "pdm_not-a-key"), 401), (live_url(port, official_token), 403),
               (f"ws://127.0.0.1:{port}/v1/elsewhere", 404)]
    for url, status in refused:
        with pytest.raises(InvalidStatus) as answer:
            async with websockets.connect(url):
                pass
        assert answer.value.response.status_code == status, url


async def test_unsubscribed_channels_stop(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    results = EventResults(ingest, official_token, claim_event().id)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["medals:all", "points:all"])
        await receive_until(ws, is_a("points:all", "snapshot"))
        await request(ws, op="unsubscribe", channels=["medals:all"])
        await results.post()
        received = await receive_until(ws, is_a("points:all", "update"))
        await request(ws, op="ping")
        received += await receive_until(ws, lambda m: m.get("type") == "pong")
    assert not [m for m in received if m.get("channel") == "medals:all"]


async def test_metrics_count_connections_subscriptions_messages_and_delay(
    stack: Stack, official_token: str, ingest: httpx.AsyncClient
) -> None:
    url = stack.url("broadcast")
    delays_before = broadcast_metric(url, "podium_broadcast_end_to_end_seconds_count")
    sent_before = broadcast_metric(url, "podium_broadcast_messages_sent_total")
    bytes_before = broadcast_metric(url, "podium_broadcast_bytes_sent_total")
    results = EventResults(ingest, official_token, claim_event().id)
    async with websockets.connect(live_url(stack.ports.broadcast)) as ws:
        await request(ws, op="subscribe", channels=["results", "combined:open"])
        await receive(ws)
        assert broadcast_metric(
            url, 'podium_broadcast_connections{access="public",transport="websocket"}') >= 1
        assert broadcast_metric(
            url, 'podium_broadcast_subscriptions{channel="combined:open"}') == 1
        revision = await results.post()
        await receive_until(ws, is_result(results.event_id, revision))
    assert broadcast_metric(url, "podium_broadcast_end_to_end_seconds_count") > delays_before
    assert broadcast_metric(url, "podium_broadcast_messages_sent_total") >= sent_before + 2
    assert broadcast_metric(url, "podium_broadcast_bytes_sent_total") > bytes_before
    assert await last_seq(url) > 0
