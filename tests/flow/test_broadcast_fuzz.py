"""Schemathesis against broadcast's own /openapi.json, inside the suite with a bounded number
of examples per operation: valid and invalid requests alike never get a 5xx, every answer is
documented (status, media type, headers, JSON body), invalid values are refused, and
broadcast is healthy afterwards. The endless SSE stream is left out (an example would never
end); the media outputs are rendered for real, on a few events and every games day."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode

from launcher.stack import Stack
from tests.flow.test_ingest_fuzz import CHECKS
from tests.flow.test_media_outputs import corrected

__all__ = ["corrected"]  # fixture: an event with a corrected result

EXAMPLES = 12
ENDLESS = {"/v1/sse"}


def narrowed(document: dict[str, Any], event_ids: list[str]) -> dict[str, Any]:
    """The served document with event ids limited to a few (with and without results) and
    days to the games' days, so positive examples render real outputs."""
    for item in document["paths"].values():
        for parameter in item["get"].get("parameters", []):
            if parameter["name"] == "event_id":
                parameter["schema"] = {"type": "string", "enum": event_ids}
            if parameter["name"] == "date":
                days = parameter["description"].rpartition(": ")[2].split(", ")
                parameter["schema"] = {"type": "string", "enum": days}
    return document


def fuzz(operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, base_url: str,
         answers: Counter[tuple[str, str, int]]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def each(case: Case[Any]) -> None:
        response = case.call(base_url=base_url, timeout=60)
        answers[(operation.path, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    each()


def test_fuzzing_broadcasts_documented_api_finds_no_server_error(
    stack: Stack, corrected: dict[str, Any]
) -> None:
    base_url = stack.url("broadcast")
    document = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    games = httpx.get(f"{base_url}/v1/games", timeout=10).json()
    event_ids = [corrected["event"]["id"], games["events"][-1]["id"]]
    schema = schemathesis.openapi.from_dict(narrowed(document, event_ids))

    answers: Counter[tuple[str, str, int]] = Counter()
    for path in document["paths"]:
        if path in ENDLESS:
            continue
        # Invalid requests need a parameter to be invalid in (any header text is valid:
        # If-None-Match alone leaves nothing to make invalid).
        has_parameters = any(parameter["in"] != "header" for parameter
                             in document["paths"][path]["get"].get("parameters", []))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[:1 + has_parameters]:
            fuzz(schema[path]["GET"], mode, base_url, answers)

    statuses = {(path, status) for path, _, status in answers}
    # The run went deep: outputs were rendered and refused.
    assert {("/v1/events/{event_id}/bulletin.pdf", 200), ("/v1/bulletins/{date}.pdf", 200),
            ("/v1/cards/{name}.png", 200), ("/v1/standings/{table}.{format}", 200),
            ("/v1/reports/{date}", 400), ("/embed/{view}", 400)} <= statuses, answers
    assert httpx.get(f"{base_url}/healthz", timeout=10).status_code == 200
