"""Public reads carry a strong ETag and Cache-Control, answer If-None-Match with 304 while
they are current, and a new ETag once a result changed them."""

from __future__ import annotations

import asyncio

import httpx

from shared.domain.units import RANKING_PHASE
from tests.flow.events import claim_event

LIVE_READ = "public, max-age=1"
WAIT_S = 30.0


async def test_public_reads_are_validated_and_answered_304_while_unchanged(
    official_token: str, ingest: httpx.AsyncClient, broadcast: httpx.AsyncClient
) -> None:
    event = claim_event()
    final = event.unit(RANKING_PHASE)
    assert final is not None
    reads = {"/v1/games": "public, max-age=300", "/v1/standings/medals": LIVE_READ,
             "/v1/standings/points?group=all": LIVE_READ, f"/v1/events/{event.id}": LIVE_READ,
             "/v1/schedule": LIVE_READ, f"/v1/units/{final.unit_id}": LIVE_READ}
    etags = {}
    for path, cache_control in reads.items():
        first = await broadcast.get(path)
        assert first.status_code == 200, (path, first.text)
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/"), path
        assert first.headers["cache-control"] == cache_control, path
        again = await broadcast.get(path, headers={"If-None-Match": f'"stale", {etag}'})
        assert again.status_code == 304, (path, again.status_code)
        assert again.content == b"" and again.headers["etag"] == etag, path
        assert again.headers["cache-control"] == cache_control, path
        other = await broadcast.get(path, headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200 and other.content == first.content, path
        etags[path] = etag

    answer = await ingest.post(
        "/v1/results", headers={"Authorization": f"Bearer {official_token}"},
        json={"event_id": event.id, "revision": 1, "status": "official", "entries": [
            {"rank": 1, "delegation": "qinyang", "competitor": "李明", "mark": "10.91"},
            {"rank": 2, "delegation": "mengzhou", "competitor": "王强"},
            {"rank": 3, "delegation": "wuzhi", "competitor": "赵刚"}]})
    assert answer.status_code == 202, answer.text

    changed = [f"/v1/events/{event.id}", "/v1/standings/medals", f"/v1/units/{final.unit_id}"]
    async with asyncio.timeout(WAIT_S):
        for path in changed:
            while True:
                read = await broadcast.get(path, headers={"If-None-Match": etags[path]})
                if read.status_code == 200:
                    assert read.headers["etag"] != etags[path], path
                    break
                assert read.status_code == 304, (path, read.status_code)
                await asyncio.sleep(0.1)
    unchanged = await broadcast.get("/v1/games", headers={"If-None-Match": etags["/v1/games"]})
    assert unchanged.status_code == 304
