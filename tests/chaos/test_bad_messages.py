"""What no producer of ours would write, put straight onto each topic: nothing of it
reaches the tables or the boards, it is counted, and the live stream goes on."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from launcher.stack import Stack
from shared.adapters import db
from shared.adapters.settings import Settings
from tests.chaos.support import Chaos, kafka_send
from tests.flow.events import claim_event
from tests.flow.test_live_support import broadcast_metric, last_seq
from tests.flow.test_scoring_events import entries, event_at, eventually, post_result
from tests.flow.test_scoring_rebuild import caught_up, podium_rebuild

SETTINGS = Settings()
RESULTS, CHANGES = SETTINGS.results_topic, SETTINGS.changes_topic


async def consumed_past(pool: db.Pool, partition: int, offset: int) -> None:
    """Until scoring's stored position on a partition of the results topic is past `offset`."""
    async def past() -> bool | None:
        stored = await pool.fetchval(
            "SELECT next_offset FROM consumer_offsets WHERE consumer = 'scoring'"
            " AND topic = $1 AND partition = $2", RESULTS, partition)
        return True if stored is not None and stored > offset else None
    await eventually(past, f"scoring reading past offset {offset} of partition {partition}")


async def published(stack: Stack, event_id: str, revision: int) -> tuple[int, dict[str, Any]]:
    """The message ingest's relay put on the results topic for a revision: its partition
    and its JSON, with whatever fields this version of ingest publishes."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka_bootstrap,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(RESULTS, partition)
                      for partition in range(SETTINGS.results_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                for record in records:
                    value = orjson.loads(record.value or b"null")
                    if (isinstance(value, dict) and value.get("event_id") == event_id
                            and value.get("revision") == revision):
                        return tp.partition, value
        raise AssertionError(f"no message for {event_id} revision {revision}")
    finally:
        await consumer.stop()


async def test_a_reused_revision_with_other_content_counts_as_stored(
    stack: Stack, healthy: None, pool: db.Pool, official_token: str,
    ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient,
) -> None:
    """After a database restore Kafka still holds revisions the database lost (a stale
    revision 2), and the officials enter revision 2 again with other content. Scoring
    must apply what `submissions` holds, so the tables and the audit trail agree."""
    event_id = claim_event().id
    await post_result(ingest, official_token, {
        "event_id": event_id, "revision": 1, "status": "official",
        "entries": entries(["1", "2", "3", "4", "5", "6"])})
    await event_at(broadcast, event_id, 1)
    partition, message = await published(stack, event_id, 1)
    lost = entries(["6", "5", "4", "3", "2", "1"])
    # The revision the restore lost, and a message whose content differs from the stored
    # row of the same event and revision.
    for stale in ({**message, "revision": 2, "entries": lost}, {**message, "entries": lost}):
        offset = await kafka_send(stack, RESULTS, orjson.dumps(stale), event_id.encode(),
                                  partition)
    await consumed_past(pool, partition, offset)
    # Neither counted: each follows the revision scoring has, so it was planned while its
    # check was under way, and the check threw that plan away.
    stored = await pool.fetchrow("SELECT revision, json_array_length(history) AS revisions"
                                 " FROM event_results WHERE event_id = $1", event_id)
    assert stored is not None and (stored["revision"], stored["revisions"]) == (1, 1)

    await post_result(ingest, official_token, {
        "event_id": event_id, "revision": 2, "status": "official",
        "entries": entries(["2", "1", "3", "4", "5", "6"])})
    await caught_up(pool)
    document = await event_at(broadcast, event_id, 2)
    assert [(entry["delegation"], entry["rank"]) for entry in document["entries"]][:2] == [
        ("qinyang", 2), ("mengzhou", 1)]
    rebuild = podium_rebuild(stack)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr


async def test_malformed_messages_on_each_topic_are_counted_and_skipped(chaos: Chaos) -> None:
    scoring_url, broadcast_url = chaos.stack.url("scoring"), chaos.stack.url("broadcast")
    skipped = 'podium_scoring_revisions_total{outcome="%s"}'
    before = {outcome: broadcast_metric(scoring_url, skipped % outcome)
              for outcome in ("malformed", "unmatched")}
    rejected_before = broadcast_metric(broadcast_url, "podium_broadcast_feed_rejected_total")
    async with chaos.broken_stream(revisions=24) as stream:
        known = stream.chains[0][0]["event_id"]
        await stream.accepted_at_least(6)
        for value in (b"not json", None, b"[]", orjson.dumps({"event_id": known})):
            await kafka_send(chaos.stack, RESULTS, value)
        # Well-formed, but no submission holds it: a revision from nowhere; and one naming
        # a row no database can hold (past bigint: a query with it would fail every time;
        # json, as orjson writes no such number).
        nowhere = {"event_id": known, "revision": 99, "status": "official", "note": None,
                   "entries": entries(["1", "2", "3", "4", "5", "6"]),
                   "accepted_at": "2024-09-20T10:00:00+00:00", "entered_by": "nobody",
                   "submission_id": 1, "content_hash": "00" * 32}
        for forged in (nowhere, {**nowhere, "submission_id": 2**70}):
            await kafka_send(chaos.stack, RESULTS, json.dumps(forged).encode(), known.encode())
        await stream.accepted_at_least(12)
        seq = await last_seq(broadcast_url)
        # Well-formed but not what scoring writes: a seq far ahead of the feed (taken for
        # real it would end every update), a table update on the results channel.
        for forged in ({"seq": 10**12, "channel": "results", "type": "result", "data": {}},
                       {"seq": seq + 1, "channel": "results", "type": "update", "data": {}}):
            await kafka_send(chaos.stack, CHANGES, orjson.dumps(forged))
        # A seq no feed can reach (past bigint: reading a gap up to it would fail each time).
        await kafka_send(chaos.stack, CHANGES, json.dumps(
            {"seq": 2**70, "channel": "results", "type": "result",
             "data": {"event": {"id": known}}}).encode())
        await stream.accepted_at_least(16)
        for value in (b"not json", None, b"[]", b'{"seq": "x"}'):
            await kafka_send(chaos.stack, CHANGES, value)
    assert broadcast_metric(scoring_url, skipped % "malformed") - before["malformed"] >= 5
    assert broadcast_metric(scoring_url, skipped % "unmatched") - before["unmatched"] >= 1
    assert broadcast_metric(broadcast_url, "podium_broadcast_feed_rejected_total") \
        - rejected_before >= 7
