"""Who is connecting: the public, or a media outlet with a media key and higher limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from services.broadcast.config import LiveSettings


@dataclass(frozen=True)
class Access:
    name: str  # "public" or "media"
    max_channels: int
    buffer_bytes: int  # unread data allowed in this process before the close for lagging
    replay_from_database: bool  # resumes older than the in-memory window
    feed_page_limit: int  # items per page of GET /v1/feed
    key: bytes | None = None  # the media key's hash: checked again while it is in use


def public_access(settings: LiveSettings) -> Access:
    # 32 channels: a board needs a handful (tables, results, a few events).
    return Access("public", 32, settings.public_buffer_bytes, False, 100)


def media_access(settings: LiveSettings) -> Access:
    # 256 covers every channel of the games (15 tables, results, 165 events).
    return Access("media", 256, settings.media_buffer_bytes, True, 1000)


# Seqs are PostgreSQL bigints: a larger one is no position in any feed, and int() of text
# over 4300 digits raises, so the length is checked first.
MAX_SEQ = 2**63 - 1


def is_seq(text: str) -> bool:
    return (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_SEQ))
            and int(text) <= MAX_SEQ)


def key_from(query_key: str | None, authorization: str | None) -> str | None:
    """The media key of a request: `?key=` or `Authorization: Bearer <key>`."""
    if query_key:
        return query_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def client_address(settings: LiveSettings, peer: str | None, forwarded: str | None) -> str:
    """Who a connection is from: its peer, or, when the peer is a trusted proxy
    (`PODIUM_BROADCAST_TRUSTED_PROXIES`), the last address before the trusted ones in the
    proxy's header (`X-Forwarded-For: client, proxy1, proxy2`). Any other peer could write
    whatever it likes in that header, so it is read from trusted proxies only."""
    if peer is None:
        return "unknown"
    trusted = settings.trusted_networks
    if not forwarded or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
            ) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
