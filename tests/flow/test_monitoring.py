"""What the dashboard and the alerts read exists in a running system's /metrics."""

from __future__ import annotations

import httpx

from launcher.stack import SERVICES, Stack
from tests.unit.test_monitoring import metric_families, named_metrics


async def test_every_metric_the_monitoring_names_is_exported(stack: Stack) -> None:
    exported: set[str] = set()
    async with httpx.AsyncClient(timeout=20) as client:
        for service in SERVICES:
            answer = await client.get(stack.url(service) + "/metrics")
            assert answer.status_code == 200
            exported |= metric_families(answer.text)
    # A counter's family is its name without _total in the exposition's TYPE line.
    exported |= {f"{family}_total" for family in exported}
    missing = sorted(named_metrics() - exported)
    assert missing == []
