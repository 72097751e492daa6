"""The live server's Prometheus metrics. Hot paths count once per fan-out, not per client."""

from prometheus_client import Counter, Gauge, Histogram

CONNECTIONS = Gauge(
    "podium_broadcast_connections", "Open live connections", ["transport", "access"]
)
SUBSCRIPTIONS = Gauge(
    "podium_broadcast_subscriptions", "Live subscriptions per channel", ["channel"]
)
MESSAGES_SENT = Counter(
    "podium_broadcast_messages_sent_total", "Messages handed to live connections", ["type"]
)
BYTES_SENT = Counter(
    "podium_broadcast_bytes_sent_total", "Bytes of messages handed to live connections"
)
LAGGING_CLOSED = Counter(
    "podium_broadcast_lagging_closed_total", "Connections closed for falling behind"
)
THROTTLED = Counter(
    "podium_broadcast_throttled_total",
    "Times a connection's requests were held back for passing the request rate",
)
DEAD_CLOSED = Counter(
    "podium_broadcast_dead_closed_total", "Connections dropped for not answering pings"
)
COALESCED = Counter(
    "podium_broadcast_coalesced_updates_total",
    "Table updates replaced by a newer one before they were sent",
)
RESUMES = Counter(
    "podium_broadcast_resumes_total", "Subscriptions with `since`, by how they were served",
    ["source"],
)
END_TO_END = Histogram(
    "podium_broadcast_end_to_end_seconds",
    "From a result's acceptance by ingest to its hand-off to every live subscriber",
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FAN_OUT = Histogram(
    "podium_broadcast_fan_out_seconds", "Time to hand one message to all its subscribers",
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
LAST_SEQ = Gauge(
    "podium_broadcast_last_seq", "The last feed seq this replica has applied (read at scrape)"
)
