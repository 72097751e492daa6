"""REST reads with and without a cache: `wrk` (Debian's package) against broadcast directly,
directly with If-None-Match (its 304s), and through HAProxy keeping reads for their
max-age (bench.balancer). What a million readers cost the replicas is the first figure
divided by the third's hit rate."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

from bench.balancer import Balancer

WRK = shutil.which("wrk")
READ = "/v1/standings/medals"
SECONDS = 5
CONNECTIONS = 32


def wrk(url: str, headers: dict[str, str] | None = None) -> dict[str, float]:
    """Reads/s and p99 (ms) of a closed loop of CONNECTIONS keep-alive connections."""
    assert WRK is not None
    command = [WRK, "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            timeout=SECONDS * 4).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    if rate is None or p99 is None:
        raise RuntimeError(f"wrk said: {output}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"per_s": float(rate.group(1)), "p99_ms": float(p99.group(1)) * scale}


def rest_reads(broadcast_port: int, folder: Path) -> dict[str, dict[str, float]] | None:
    """None when wrk is not installed (scripts/system-packages.sh bench installs it)."""
    if WRK is None:
        return None
    direct = f"http://127.0.0.1:{broadcast_port}{READ}"
    with urllib.request.urlopen(direct, timeout=10) as answer:
        etag = answer.headers["ETag"]
    balancer = Balancer([broadcast_port], folder, cache=True)
    balancer.start()
    try:
        return {
            "direct": wrk(direct),
            "revalidated": wrk(direct, {"If-None-Match": etag}),
            "cached": wrk(f"http://127.0.0.1:{balancer.ports[0]}{READ}"),
        }
    finally:
        balancer.stop()
