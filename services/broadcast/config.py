"""The live server's own knobs (`PODIUM_BROADCAST_*`) and its media outputs' (`PODIUM_MEDIA_*`)."""

import ipaddress
from functools import cached_property

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LiveSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PODIUM_BROADCAST_", extra="ignore")

    # Server pings find connections that died without a TCP close (a phone that lost its
    # network): one is closed when it has sent nothing back a whole interval after a ping.
    ping_interval_s: float = 20.0
    # How many `result` messages each replica keeps in memory for public resumes: 300 is
    # ~150 result revisions (an hour or two of a busy day, ~1 MiB). An older `since` gets
    # a reset with the latest result of each of the 165 events instead: at most one message
    # per event, about as much as the replay would have been.
    replay_window: int = 300
    # At most one table update per channel per this many milliseconds under a burst.
    coalesce_ms: int = 100
    # How long a `since` ahead of this replica waits for it to catch up before a reset.
    since_ahead_wait_s: float = 2.0
    # Data a connection may leave unread in this process (beyond the kernel's socket buffer)
    # before it is closed as lagging.
    public_buffer_bytes: int = 256 * 1024
    media_buffer_bytes: int = 4 * 1024 * 1024
    # Every replica is equivalent, so several processes may share the port (the kernel
    # spreads connections over them); one process tops out near 100k deliveries/s.
    reuse_port: bool = True

    # --- limits on what one client can make the server do (docs/protocol.md "Limits") ---
    # Open WebSocket and SSE connections from one address; more are refused with 429. A
    # venue's screens behind one router, or phones behind a carrier's NAT, share an
    # address: raise it for such a network rather than drop the cap.
    max_connections_per_address: int = 1000
    # Media keys not remembered that one address may have checked per minute (after a first
    # 5); each is a PostgreSQL query, so more are refused with 429 without asking it.
    key_checks_per_address_per_minute: float = 10
    # HTTP requests (REST, the start of SSE streams) waiting for their answer at once;
    # more are answered 503 at once instead of queueing for the database.
    max_requests_in_flight: int = 200
    # Proxies whose client-address header is believed, as addresses or networks separated
    # by commas ("10.0.0.2,172.16.0.0/12"). Empty: the peer address is the client's.
    trusted_proxies: str = ""
    client_address_header: str = "X-Forwarded-For"

    @cached_property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(item.strip(), strict=False)
                     for item in self.trusted_proxies.split(",") if item.strip())


class MediaSettings(BaseSettings):
    """What the media outputs need to know, read from `PODIUM_MEDIA_*` variables."""

    model_config = SettingsConfigDict(env_prefix="PODIUM_MEDIA_", extra="ignore")

    # The live board's public address, e.g. https://live.example.cn/: share cards and PDFs
    # travel far beyond the request that made them, so their QR codes point here rather than
    # at whatever host a request named. Unset: http://127.0.0.1:<broadcast port>/ (local runs).
    public_url: str | None = None
    # Who may put /embed/... pages in a frame: CSP frame-ancestors sources, e.g.
    # "https://www.jzrb.example https://*.example.cn"; "*" lets every website embed them.
    embed_frame_ancestors: str = "*"
    # Processes rendering PDFs, cards and spreadsheets beside the event loop (each ~60 MiB).
    # One leaves the second core of a 2-core machine to the live fan-out.
    render_processes: int = Field(default=1, ge=1, le=8)

    def live_page(self, broadcast_port: int) -> str:
        return self.public_url or f"http://127.0.0.1:{broadcast_port}/"
