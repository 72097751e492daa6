"""broadcast's OpenAPI document: valid OpenAPI 3.1 (openapi-spec-validator), every route of
the app described, every media output with its ETag and 304."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from starlette.routing import Route

from services.broadcast.app import create_app
from services.broadcast.openapi import openapi_document
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings

SETTINGS = Settings()
DOCUMENT = openapi_document(load_definitions(SETTINGS.games_dir).games)
OUTPUTS = ["/v1/events/{event_id}/bulletin.pdf", "/v1/bulletins/{date}.pdf",
           "/v1/standings/{table}.{format}", "/v1/breakdown.{format}", "/v1/cards/{name}.png",
           "/v1/cards/event/{event_id}.png", "/v1/reports/{date}"]


def test_it_is_a_valid_openapi_31_document() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    validate(DOCUMENT)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_validation_would_catch_a_broken_document() -> None:
    broken = {**DOCUMENT, "paths": {"/v1/games": {"get": {"responses": "none"}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_route_of_the_app_is_described() -> None:
    app = create_app(SETTINGS)
    # `{unit_id:path}` is Starlette's convertor for ids with a `/`; OpenAPI names it plainly.
    served = {re.sub(r":\w+}", "}", route.path) for route in app.routes
              if isinstance(route, Route)}
    assert served == set(DOCUMENT["paths"])


def test_every_media_output_is_described_with_its_version() -> None:
    for path in OUTPUTS:
        answers = DOCUMENT["paths"][path]["get"]["responses"]
        assert {"200", "304", "503"} <= set(answers), path
        assert answers["200"]["headers"]["ETag"]["required"] is True
        assert answers["304"]["headers"]["ETag"]["required"] is True
    cards = DOCUMENT["paths"]["/v1/cards/{name}.png"]["get"]["parameters"][0]["schema"]["enum"]
    assert "medals-all" in cards and "combined-open" in cards and len(cards) == 15


def test_the_games_shapes_come_from_the_model() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    assert {"Games", "Event", "Delegation", "Group", "Venue"} <= set(schemas)
    assert schemas["EventDocument"]["properties"]["event"] == {
        "$ref": "#/components/schemas/Event"}
