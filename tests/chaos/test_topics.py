"""A topic lost (deleted, then created again empty under a new Kafka topic id) while its
reader is paused (SIGSTOP) with messages on it unread: the readers must get everything the
lost topic carried, although nothing new arrives after it is back."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from shared.adapters import kafka
from shared.adapters.settings import Settings
from tests.chaos.support import RECOVERY_S, Chaos, delete_topic, streaming, watching
from tests.flow.test_live_support import broadcast_metric, last_seq
from tests.flow.test_scoring_events import eventually

SETTINGS = Settings()
READERS = {SETTINGS.results_topic: "scoring", SETTINGS.changes_topic: "broadcast"}
# What a paused reader leaves unread: accepted revisions scoring has not applied, feed
# messages newer than the seq broadcast serves.
UNREAD = {
    SETTINGS.results_topic: "SELECT count(*) FROM submissions s LEFT JOIN event_results e"
                            " USING (event_id) WHERE s.published_at IS NOT NULL"
                            " AND s.revision > coalesce(e.revision, 0)",
    SETTINGS.changes_topic: "SELECT count(*) FROM feed WHERE published_at IS NOT NULL"
                            " AND seq > $1",
}


@pytest.mark.parametrize("topic", list(READERS))
async def test_a_topic_lost_with_unread_messages_is_read_again_in_full(
    topic: str, chaos: Chaos
) -> None:
    stack, pool = chaos.stack, chaos.pool
    assert stack.kafka_bootstrap is not None
    stream = chaos.stream(revisions=15)
    reader = stack.service(READERS[topic])
    assert reader.pid is not None
    replaced = f'podium_scoring_topics_replaced_total{{topic="{topic}"}}'
    replaced_before = broadcast_metric(stack.url("scoring"), replaced)
    async with watching(stack) as watchers:
        async with streaming(stream):
            await stream.accepted_at_least(5)
            served = await last_seq(stack.url("broadcast"))
            os.killpg(reader.pid, signal.SIGSTOP)
        try:
            query = UNREAD[topic]

            async def published_unread() -> bool | None:
                args = (served,) if "$1" in query else ()
                return True if await pool.fetchval(query, *args) else None
            await eventually(published_unread, f"messages on {topic} its reader has not read")
            await delete_topic(stack, topic)
            await kafka.ensure_topics(stack.kafka_bootstrap, kafka.topic_layout(SETTINGS))
        finally:
            os.killpg(reader.pid, signal.SIGCONT)
        await asyncio.to_thread(stack.wait_healthy, RECOVERY_S)
        await chaos.assert_recovered(watchers, stream)

    async def recovered() -> bool | None:  # scoring looks at the topics every few seconds
        return True if broadcast_metric(stack.url("scoring"), replaced) > replaced_before \
            else None
    await eventually(recovered, f"scoring recovering from the new {topic}")
