"""Schemathesis against ingest's own /openapi.json, inside the suite with a bounded number of
examples: valid and invalid requests alike never get a 5xx (PostgreSQL is up, so not even the
documented 503), every answer is documented (status, media type, headers, body), invalid data
is refused, and ingest is healthy afterwards.

The generated results name only events this test claimed, and its token may enter only at
their venues, so what the fuzzer gets accepted never touches another test's events.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from launcher.stack import Stack
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.domain.games import Event
from tests.flow.events import claim_event
from tests.flow.test_ingest_api import database, new_token, settled

__all__ = ["database", "settled"]  # fixtures: the database, and a still system after the run

EXAMPLES = {"/v1/results": 120, "/v1/events/{event_id}/history": 40, "/v1/my/events": 30}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]


def narrowed(document: dict[str, Any], ours: list[Event], elsewhere: Event) -> dict[str, Any]:
    """The served document with event ids limited to this test's events (results) and to
    those plus one it may not read (histories), their results with entries."""
    schemas = document["components"]["schemas"]
    submission = schemas["ResultSubmission"]
    submission["properties"]["event_id"] = {
        "type": "string", "enum": [event.id for event in ours]}
    # These events rank their competitors: their results take entries, never a match (that
    # is for the matches of a tournament, tests/flow/test_tournament.py).
    submission["required"].append("entries")
    del submission["properties"]["match"]
    history = document["paths"]["/v1/events/{event_id}/history"]["get"]
    history["parameters"][0]["schema"] = {
        "type": "string", "enum": [event.id for event in [*ours, elsewhere]]}
    return document


def fuzz(
    operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, base_url: str,
    token: str, answers: Counter[tuple[str, str, int]],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[operation.path], deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    def each(case: Case[Any]) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                             timeout=30)
        answers[(operation.path, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    each()


def test_fuzzing_the_documented_api_finds_no_server_error(stack: Stack) -> None:
    ours = [claim_event(), claim_event(kind="team")]
    # Only read, never written: its history must be refused to this token.
    elsewhere = next(event for event in load_definitions(Settings().games_dir).games.events
                     if event.venue not in {e.venue for e in ours})
    venues = [option for event in ours for option in ("--venue", event.venue)]
    token = new_token(stack, "official", "--name", "fuzz", *venues)
    base_url = stack.url("ingest")
    document = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(narrowed(document, ours, elsewhere))

    answers: Counter[tuple[str, str, int]] = Counter()
    for path, method in (("/v1/results", "POST"), ("/v1/events/{event_id}/history", "GET"),
                         ("/v1/my/events", "GET")):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(schema[path][method], mode, base_url, token, answers)

    statuses = {(path, status) for path, _, status in answers}
    # The run went deep: results were refused and accepted, histories read and refused.
    assert {("/v1/results", 422), ("/v1/results", 401)} <= statuses, answers
    assert statuses & {("/v1/results", 202), ("/v1/results", 200)}, answers
    assert {("/v1/events/{event_id}/history", 200),
            ("/v1/events/{event_id}/history", 403)} <= statuses, answers
    assert httpx.get(f"{base_url}/healthz", timeout=10).status_code == 200
