"""Public reads a cache can serve: a strong ETag of the body, Cache-Control, and 304.

A CDN or the reverse proxy in front of broadcast keeps a read for `max-age` seconds and then
asks again with If-None-Match; while the body is unchanged the answer is a 304 with no body,
so a million readers cost the replicas one small request per cache and interval, not one
each (docs/benchmarks.md, "REST reads through a cache").
"""

from __future__ import annotations

import hashlib
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

# What changes with the results (standings, an event, the schedule, a unit, the records):
# a cache may serve it for a second, then must ask again; the live feed is what is faster.
LIVE_READ: Final = "public, max-age=1"
# The games' definitions (GET /v1/games) change only when broadcast restarts with new ones.
DEFINITIONS_READ: Final = "public, max-age=300"


def strong_etag(body: bytes) -> str:
    """A strong validator: a digest of the exact bytes, quoted."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison against each listed tag, or `*`."""
    if if_none_match is None:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def validated(request: Request, body: bytes, etag: str, cache_control: str,
              media_type: str = "application/json") -> Response:
    """The body with its validator, or 304 when If-None-Match names it."""
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def cacheable_json(request: Request, body: bytes, cache_control: str = LIVE_READ) -> Response:
    return validated(request, body, strong_etag(body), cache_control)
