"""The peer: Centrifugo (the Go real-time server) fanning out the same messages to the same
audience, fed by its HTTP publish API. Each message is the floor's `result` frame
(bench.floor), shaped and sized like Podium's, as a publication's data; the probes read it
from Centrifugo's pushes (bench.clients). Latency runs, as for Podium and the
floor, from the moment the message is sent (bench.stats.delivery).

The binary comes from scripts/peer.sh (PODIUM_PEER_BINARY, or built from its Go module);
without one the peer is skipped with a note.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import orjson

from bench.floor import floor_frame
from bench.http import HttpClient
from bench.stats import Key
from launcher.process import ManagedProcess, free_port, wait_for_port
from shared.adapters.settings import REPO_ROOT

PUBLISHERS = 20  # publish connections, as the officials' side has for bursts


def peer_binary() -> tuple[str | None, str]:
    """The binary's path, or None and why not."""
    completed = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "peer.sh")],
                               capture_output=True, text=True, check=False, timeout=1800)
    path = completed.stdout.strip()
    return (path, "") if completed.returncode == 0 and path else (None, completed.stderr.strip())


def config(port: int) -> dict[str, object]:
    """Anyone may connect and subscribe (like Podium's public feed); pings far apart, as the
    sinks walk frame headers only and would not answer Centrifugo's own (JSON) pings."""
    return {
        "http_server": {"address": "127.0.0.1", "port": port},
        "log": {"level": "error"},
        "client": {"insecure": True, "allowed_origins": ["*"], "ping_interval": "300s",
                   "pong_timeout": "60s"},
        "http_api": {"insecure": True},
    }


class Peer:
    def __init__(self, binary: str, folder: Path, frame_size: int) -> None:
        self.port = free_port()
        self.frame_size = frame_size
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "centrifugo.json"
        path.write_bytes(orjson.dumps(config(self.port)))
        self.process = ManagedProcess("centrifugo", [binary, "--config", str(path)],
                                      folder / "centrifugo.log")
        self.client = HttpClient("127.0.0.1", self.port, {}, PUBLISHERS)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/connection/websocket"

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    async def start(self) -> None:
        self.process.start()
        await asyncio.to_thread(wait_for_port, "127.0.0.1", self.port, 30)

    async def send(self, key: Key) -> int:
        """Publishes key's message; 0 once Centrifugo answered 200, like the floor's ack."""
        body = b'{"channel":"results","data":' + floor_frame(key, self.frame_size) + b"}"
        status = await self.client.post("/api/publish", body)
        return 0 if status == 200 else status

    async def stop(self) -> None:
        await self.client.close()
        self.process.stop(timeout=10)
