"""ingest's OpenAPI document: valid OpenAPI 3.1, and it describes every route and answer."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
import schemathesis
from starlette.routing import Route

from services.ingest.app import create_app
from services.ingest.openapi import INVALID_EXAMPLES, openapi_document
from services.ingest.validation import check_result
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings

SETTINGS = Settings()
DOCUMENT = openapi_document(load_definitions(SETTINGS.games_dir).games)


def test_it_is_a_valid_openapi_31_document() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    schema.validate()  # raises on any violation of the OpenAPI 3.1 meta-schema


def test_the_validation_would_catch_a_broken_document() -> None:
    broken = {**DOCUMENT, "paths": {"/v1/results": {"post": {"responses": "none"}}}}
    with pytest.raises(jsonschema_rs.ValidationError, match="responses"):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_route_of_the_app_is_described() -> None:
    app = create_app(SETTINGS)
    # `{unit_id:path}` is Starlette's convertor for ids with a `/`; OpenAPI names it plainly.
    served = {re.sub(r":\w+}", "}", route.path) for route in app.routes
              if isinstance(route, Route)}
    assert served == set(DOCUMENT["paths"])


def test_every_answer_of_the_contract_is_described() -> None:
    answers = DOCUMENT["paths"]["/v1/results"]["post"]["responses"]
    assert set(answers) == {"200", "202", "401", "403", "409", "413", "422", "429", "503"}
    assert answers["503"]["headers"]["Retry-After"]["required"] is True
    for status in ("401", "403", "409", "413", "422", "503"):
        assert set(answers[status]["content"]) == {"application/problem+json"}


def test_the_examples_of_refused_marks_and_claims_are_what_ingest_answers() -> None:
    games = load_definitions(SETTINGS.games_dir).games
    entries = [{"rank": 1, "delegation": "qinyang", "competitor": "李明", "mark": "10.95",
                "record": "games"},
               {"rank": 2, "delegation": "mengzhou", "competitor": "王强", "mark": "1.02.45"}]
    _, issues = check_result({"event_id": "ath-youth-m-100m", "revision": 1,
                              "status": "official", "entries": entries}, games)
    assert [(issue.pointer, issue.text.en) for issue in issues] == [
        (pointer, detail) for _, pointer, detail in INVALID_EXAMPLES.values()][::-1]
    examples = DOCUMENT["paths"]["/v1/results"]["post"]["responses"]["422"]["content"][
        "application/problem+json"]["examples"]
    assert set(examples) == set(INVALID_EXAMPLES)
