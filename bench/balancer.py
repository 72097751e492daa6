"""HAProxy (Debian's package) in front of broadcast replicas on this machine.

One HAProxy process holds two sockets per proxied connection and may open at most 20,000
files, so a big audience goes through several of them, each on its own port and each
balancing over every replica (`Balancer.urls`); the kernel's limit is per process, and so
is this one. A dead replica fails its health checks within ~2 s; meanwhile a connection it
refuses is tried again on another (`option redispatch`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from launcher.process import ManagedProcess, free_port, wait_for_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
# Connections per HAProxy process: two sockets each, under the 20,000 open files allowed.
MAX_CONNECTIONS = 9_000
# For a read cache: what a max-age of 1 s lets it keep.
CACHE_MIB = 64


def config(port: int, replicas: list[int], cache: bool) -> str:
    """An HAProxy configuration: one frontend on port, every replica behind it."""
    servers = "\n".join(
        f"  server broadcast-{number} 127.0.0.1:{replica} check inter 1s fall 2 rise 1"
        for number, replica in enumerate(replicas, start=1))
    caching = ("  http-request cache-use reads\n  http-response cache-store reads\n"
               if cache else "")
    return f"""global
  maxconn {MAX_CONNECTIONS}
  nbthread 1

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  # A WebSocket is a tunnel once upgraded; the server's pings keep it busy every 20 s.
  timeout tunnel 1h
  timeout client-fin 5s
  # A connection refused by a replica that has just died is tried again on another.
  option redispatch 1
  retries 3

cache reads
  total-max-size {CACHE_MIB}
  max-age 1

frontend public
  bind 127.0.0.1:{port}
  maxconn {MAX_CONNECTIONS}
{caching}  default_backend broadcast

backend broadcast
  # Checks at the TCP level: a dead replica refuses at once, while a live one busy with
  # its share of a reconnection storm answered /healthz too late and HAProxy, taking all
  # of them for down, refused every viewer (5,983 of 40,000 never came back, load 26).
  balance leastconn
{servers}
"""


class Balancer:
    """`count` HAProxy processes, each on its own port in front of every replica."""

    def __init__(self, replicas: list[int], folder: Path, count: int = 1,
                 cache: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.ports = [free_port() for _ in range(count)]
        self.processes = []
        for number, port in enumerate(self.ports, start=1):
            path = folder / f"haproxy-{number}.cfg"
            path.write_text(config(port, replicas, cache))
            self.processes.append(ManagedProcess(
                f"haproxy-{number}", [HAPROXY, "-db", "-f", str(path)],
                folder / f"haproxy-{number}.log"))

    def urls(self, path: str) -> list[str]:
        return [f"ws://127.0.0.1:{port}{path}" for port in self.ports]

    def start(self) -> None:
        for process in self.processes:
            process.start()
        for port in self.ports:
            wait_for_port("127.0.0.1", port, 30)

    def stop(self) -> None:
        for process in self.processes:
            process.stop(timeout=10)
