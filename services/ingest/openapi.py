"""The OpenAPI 3.1 document of ingest, served at /openapi.json: every operation, every answer."""

from __future__ import annotations

from typing import Any

from services.ingest.answers import MAX_BODY_BYTES, RETRY_AFTER_S
from services.ingest.validation import MAX_ENTRIES, MAX_MEMBERS, MAX_REVISION
from shared.adapters.openapi import literals as _literals
from shared.adapters.openapi import problem as _problem
from shared.adapters.openapi import ref as _ref
from shared.adapters.tokens import ENTERING_ROLES, ROLES
from shared.contract.messages import EntryStatus, RecordLevel, ResultStatus
from shared.domain.checks import CHECK_ACTIONS, UNOFFICIAL
from shared.domain.games import Games
from shared.domain.unit_status import UNIT_STATUSES
from shared.domain.units import RANKING_PHASE

_SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_UNAUTHORIZED = _problem(
    "No token, or an unknown or revoked one.",
    {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
)
_UNAVAILABLE = _problem(
    "PostgreSQL cannot be reached. Nothing is confirmed: send the very same request again after"
    " Retry-After seconds.",
    {"Retry-After": {"schema": {"type": "string", "example": str(RETRY_AFTER_S)}, "required": True,
                     "description": "seconds to wait before trying again"}},
)
_TOO_MANY = _problem(
    "This token sent more requests than its rate allows (a burst, then a steady rate per"
    " second; docs/officials.md); nothing was done. Other tokens are served meanwhile.",
    {"Retry-After": {"schema": {"type": "string", "example": "1"}, "required": True,
                     "description": "seconds to wait before trying again"}},
)
_LANGUAGE = {
    "name": "Accept-Language", "in": "header", "required": False,
    "description": "zh (Chinese) or en (English, the default) for the problems' texts.",
    "schema": {"type": "string", "example": "zh-CN"},
}


def openapi_document(games: Games) -> dict[str, Any]:
    delegations = list(games.delegation_codes)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Podium ingest",
            "version": "1.1.0",
            "description": (
                f"Officials enter results for {games.name_en} ({games.name}). Problems are RFC"
                " 9457 problem details whose `errors` list every problem as a JSON pointer into"
                " the submitted body and a message; `Accept-Language: zh` gives them in Chinese."
                " See docs/officials.md."
            ),
        },
        "components": {
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": f"A token from `podium token create` or the results desk"
                f" (roles {', '.join(ROLES)}): recorders, referees and officials for their"
                " venues, admins for every venue; media keys are refused. Revoked and expired"
                " tokens are refused (401).",
            }},
            "schemas": _schemas(delegations),
        },
        "security": [{"token": []}],
        "paths": {
            "/v1/results": {"post": _post_results()},
            "/v1/events/{event_id}/history": {"get": {
                "summary": "The audit trail of an event: every revision, who, when, what changed",
                "operationId": "eventHistory",
                "parameters": [
                    {"name": "event_id", "in": "path", "required": True,
                     "schema": {"type": "string", "pattern": _SLUG, "maxLength": 100}},
                    _PHASE,
                    _LANGUAGE,
                ],
                "responses": {
                    "200": _json("Every accepted revision, oldest first.", "History"),
                    "400": _UNKNOWN_PARAMETER,
                    "401": _UNAUTHORIZED,
                    "403": _problem("A media key, or an official of other venues."),
                    "404": _problem("No such event in the games, or no such unit of it."),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }},
            "/v1/units/{unit_id}/status": {"post": _post_unit_status()},
            "/v1/my/units/{unit_id}": {"get": {
                "summary": "A unit as its officials enter its result: its state, start list,"
                           " the event's entries and the unit's current revision",
                "operationId": "myUnit",
                "parameters": [_UNIT_ID, _LANGUAGE],
                "responses": {
                    "200": _json("The unit.", "MyUnit"),
                    "401": _UNAUTHORIZED,
                    "403": _problem("A media key, or an official of other venues."),
                    "404": _problem("No such unit in the games."),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }},
            "/v1/results/{event_id}/{revision}/confirm": {"post": _check_operation("confirm")},
            "/v1/results/{event_id}/{revision}/review": {"post": _check_operation("review")},
            "/v1/my/awaiting": {"get": {
                "summary": "The results of this token's venues that await confirmation, each"
                           " as entered",
                "operationId": "myAwaiting",
                "parameters": [_LANGUAGE],
                "responses": {
                    "200": _json("Every waiting revision, in programme order.", "Awaiting"),
                    "401": _UNAUTHORIZED,
                    "403": _problem("A media key."),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }},
            "/v1/desk/progress": {"get": _desk_operation(
                "The games' progress: the units of a day by venue, each with its state",
                "deskProgress", "Progress",
                [{"name": "date", "in": "query", "required": False,
                  "description": "A day of the games (YYYY-MM-DD) or `today` (the games'"
                                 " time zone); without it, every day.",
                  "schema": {"type": "string", "example": "2024-09-20"}}],
                {"400": _problem("The date is not a day.")})},
            "/v1/desk/tokens": {
                "get": _desk_operation("Every token, with who made or revoked it and what it"
                                       " entered", "deskTokens", "Tokens"),
                "post": {**_desk_operation(
                    "Make a token; its secret is in this answer only", "deskCreateToken",
                    "CreatedToken", extra={"422": _invalid_request()}, status="201"),
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": _ref("TokenRequest")}}}},
            },
            "/v1/desk/tokens/{token_id}/revoke": {"post": _desk_operation(
                "Revoke a token at once (its open live connections close within 5 s)",
                "deskRevokeToken", "Token",
                [{"name": "token_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[0-9]+$", "maxLength": 18}}],
                {"404": _problem("No such token, or revoked already.")})},
            "/v1/my/events": {"get": {
                "summary": "The events this token may enter, today's first, with their current"
                           " revisions",
                "operationId": "myEvents",
                "parameters": [_LANGUAGE],
                "responses": {
                    "200": _json("The token's holder, the delegations and the events.",
                                 "MyEvents"),
                    "401": _UNAUTHORIZED,
                    "403": _problem("A media key."),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }},
            "/enter": {"get": _public("The officials' entry page.", "text/html")},
            "/desk": {"get": _public("The results desk's page (signed in with an admin"
                                     " token).", "text/html")},
            "/openapi.json": {"get": _public("This document.", "application/json")},
            "/healthz": {"get": {
                "summary": "Ready to accept results (PostgreSQL reachable)?",
                "operationId": "health",
                "security": [],
                "responses": {
                    "200": _json("Ready.", "Health"),
                    "503": _json("Waiting for what `waiting_for` names.", "Health"),
                },
            }},
            "/metrics": {"get": _public("Prometheus metrics.", "text/plain")},
        },
    }


_UNIT_ID = {
    "name": "unit_id", "in": "path", "required": True,
    "description": "<event_id>/<phase>, e.g. ath-youth-m-100m/heat-1 (its `/` as it is)",
    "schema": {"type": "string", "maxLength": 150},
}


def _post_unit_status() -> dict[str, Any]:
    return {
        "summary": "Set a unit running, delayed (with its new start), postponed or back to"
                   " scheduled",
        "operationId": "postUnitStatus",
        "description": (
            "An official of the unit's venue, or an admin. Results move a unit too (a result"
            " makes it running, unofficial, official or cancelled), so a unit with a result"
            " refuses these. docs/schedule.md lists every move."
        ),
        "parameters": [_UNIT_ID, _LANGUAGE],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("StatusChange")}},
        },
        "responses": {
            "200": _json("The unit's state as it now stands.", "UnitState"),
            "401": _UNAUTHORIZED,
            "403": _problem("A media key, or an official whose token is for other venues."),
            "404": _problem("No such unit in the games."),
            "409": _problem("The unit's status does not allow it (a running unit cannot be"
                            " delayed, an official one is corrected by its result); the"
                            " detail says what to do instead."),
            "422": _problem("Not JSON, or a field is wrong: a delay without its new starts_at,"
                            " a start not later than the current one."),
            "429": _TOO_MANY,
            "503": _UNAVAILABLE,
        },
    }


def _public(description: str, media_type: str) -> dict[str, Any]:
    return {
        "summary": description,
        "security": [],
        "responses": {"200": {"description": description,
                              "content": {media_type: {"schema": {"type": "string"}}}}},
    }


_EVENT_PATH = {"name": "event_id", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": _SLUG, "maxLength": 100}}
_UNKNOWN_PARAMETER = _problem("A query parameter other than `phase`.")
_PHASE = {"name": "phase", "in": "query", "required": False,
          "description": "the unit (heat-1, final); default: the final",
          "schema": {"type": "string", "default": RANKING_PHASE}}


def _check_operation(action: str) -> dict[str, Any]:
    confirm = action == "confirm"
    return {
        "summary": ("Confirm a revision that awaits confirmation (or end a review): it counts"
                    if confirm else
                    "Put an official result under review (a protest, 申诉) with a note"),
        "operationId": "confirmResult" if confirm else "reviewResult",
        "description": (
            "A referee of the event's venue or an admin, other than the token that entered"
            " the revision, makes that exact revision official and counted; it also ends a"
            " review. The very same check again by the same token is answered 200."
            if confirm else
            "A referee of the event's venue or an admin marks the current official result"
            " under review; boards and media show it with the note until a confirmation or"
            " a correction ends it."),
        "parameters": [
            _EVENT_PATH,
            {"name": "revision", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,4}$"},
             "description": "the revision checked: it must be the unit's current one"},
            _PHASE,
            _LANGUAGE,
        ],
        "requestBody": {
            "required": not confirm,
            "content": {"application/json": {"schema": _ref("CheckRequest")}},
        },
        "responses": {
            "202": _json("The check is stored; scoring applies it within seconds.", "Checked"),
            "200": _json("The very same check again, by the same token: the first answer.",
                         "Checked"),
            "400": _UNKNOWN_PARAMETER,
            "401": _UNAUTHORIZED,
            "403": _problem("A media key; a role that does not check results (recorder,"
                            " official); a token of other venues; or, confirming, the token"
                            " that entered the revision."),
            "404": _problem("No such event, unit or revision, or no result entered yet."),
            "409": _problem("The revision is no longer current (the detail names the current"
                            " one), or its state does not take this check: it does not wait"
                            " for a confirmation, is not official, or is under review already."),
            "413": _problem(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB."),
            "422": _invalid_request(),
            "429": _TOO_MANY,
            "503": _UNAVAILABLE,
        },
    }


def _desk_operation(
    summary: str, operation_id: str, schema: str,
    parameters: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None, status: str = "200",
) -> dict[str, Any]:
    return {
        "summary": summary,
        "operationId": operation_id,
        "description": "The results desk: admin tokens only.",
        "parameters": [*(parameters or []), _LANGUAGE],
        "responses": {
            status: _json(summary + ".", schema),
            "401": _UNAUTHORIZED,
            "403": _problem("Not an admin token."),
            **(extra or {}),
            "429": _TOO_MANY,
            "503": _UNAVAILABLE,
        },
    }


def _invalid_request() -> dict[str, Any]:
    return _problem("Not JSON, or breaks the rules: every problem is listed with a JSON"
                    " pointer; nothing was done.")


def _post_results() -> dict[str, Any]:
    return {
        "summary": "Enter a result revision (a first result, a correction or a withdrawal)",
        "operationId": "postResult",
        "description": (
            "Checks run in this order: the token (401, media 403), the body's size (413), JSON"
            " (422), the token's venues for the named event (403), every rule of the body (422,"
            " all problems at once), then the revision (409; the very same submission again is"
            " 200 with the first answer). A 2xx means stored durably."
        ),
        "parameters": [_LANGUAGE],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("ResultSubmission")}},
        },
        "responses": {
            "202": _json("A new revision accepted and stored.", "Accepted"),
            "200": _json("The very same submission again: the first answer; nothing is counted"
                         " twice.", "Accepted"),
            "401": _UNAUTHORIZED,
            "403": _problem("A media key; an official whose token is for other venues; a"
                            " recorder making an official result provisional or cancelled."),
            "409": _problem("The revision is taken with other content, or does not follow the"
                            " current revision; the detail names the revision to submit. A"
                            " heat's correction once the next round has a result, or a"
                            " match's that would change who plays matches with a result"
                            " (named)."),
            "413": _problem(f"The body is larger than {MAX_BODY_BYTES // 1024} KiB."),
            "422": _invalid(),
            "429": _TOO_MANY,
            "503": _UNAVAILABLE,
        },
    }


# Two of the problems a 422 lists (docs/records.md), as ingest words them for the shipped
# games' men's 100 m (tests/unit/test_ingest_openapi.py checks they are what it answers).
INVALID_EXAMPLES: dict[str, tuple[str, str, str]] = {
    "mark": ("A mark that is not in the event's measure: the problem shows how to write it.",
             "/entries/1/mark", "'1.02.45' is not a time: write 1:02.45 (m:ss.xx) or 10.91"
             " (seconds); over an hour, 2:01:33.2 (h:mm:ss.x)"),
    "record": ("A record claim the mark does not support: the problem names the standing"
               " record.", "/entries/0/record", "record 'games' claimed, but 10.95 does not"
               " beat the games record 10.91 (李明, qinyang, 2020)"),
}


def _invalid() -> dict[str, Any]:
    answer = _problem(
        "Not JSON, or breaks the rules: every problem is listed with a JSON pointer; nothing"
        " was stored. Besides the shape, names and ranks: a mark not in its event's measure"
        " (with an example of the right format), an OK entry's better mark ranked behind a"
        " worse one (measured events; ties, hand times and judged events excepted), and a"
        " `record` claim its mark does not support (naming the standing record).")
    answer["content"]["application/problem+json"]["examples"] = {
        name: {"summary": summary, "value": {
            "type": "about:blank", "title": "Unprocessable Content", "status": 422,
            "detail": "the result has 1 problem; nothing was stored",
            "errors": [{"pointer": pointer, "detail": detail}],
        }}
        for name, (summary, pointer, detail) in INVALID_EXAMPLES.items()
    }
    return answer


_PAIR: dict[str, Any] = {"type": "array", "items": {"type": "integer", "minimum": 0},
                         "minItems": 2, "maxItems": 2}


def _schemas(delegations: list[str]) -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    return {
        "Entry": {
            "type": "object",
            "additionalProperties": False,
            "required": ["delegation", "competitor"],
            "properties": {
                "rank": {"type": ["integer", "null"], "minimum": 1,
                         "description": "1, 2, 3, ...; equal ranks tie (1, 2, 3, 3, 5). Null"
                                        " unless status is OK."},
                "bib": {"type": ["string", "null"], "minLength": 1, "maxLength": 16,
                        "description": "where the event has entries: the competitor's bib,"
                                       " entered in the event for this delegation and name"},
                "delegation": {"type": "string", "enum": delegations},
                "competitor": {"type": "string", "minLength": 1, "maxLength": 200,
                               "description": "the competitor's or team's name, kept as it"
                                              " looks: invisible format characters dropped,"
                                              " NFKC (full-width letters folded), spaces"
                                              " collapsed; blank when nothing is left"},
                "status": {"type": "string", "enum": _literals(EntryStatus), "default": "OK"},
                "mark": {**nullable_text, "maxLength": 40,
                         "description": "in the event's measure where it has one: a time"
                                        " (10.91, 1:02.45, 2:01:33.2; a hand time 10.9h), a"
                                        " distance or height in metres (6.35, 8.45 m) or a"
                                        " score (9.85); free text otherwise"},
                "record": {"type": ["string", "null"], "enum": [*_literals(RecordLevel), None],
                           "description": "a claim, checked against the mark; the records"
                                          " that count are found from the marks"},
                "members": {"type": "array", "maxItems": MAX_MEMBERS,
                            "items": {"type": "string", "minLength": 1, "maxLength": 200},
                            "description": "team events only"},
            },
        },
        "ResultSubmission": {
            "type": "object",
            "additionalProperties": False,
            "required": ["event_id", "revision", "status"],
            "description": "entries for a unit that ranks its competitors; match for a match"
                           " of a team event played as a tournament (docs/tournaments.md)",
            "properties": {
                "event_id": {"type": "string", "pattern": _SLUG, "maxLength": 100,
                             "description": "an event of GET /v1/games (broadcast)"},
                "phase": {"type": ["string", "null"], "maxLength": 40,
                          "description": "the unit: one of the event's units (heat-1, final);"
                                         " default the final, the event's ranking. Revisions"
                                         " count per unit"},
                "revision": {"type": "integer", "minimum": 1, "maximum": MAX_REVISION,
                             "description": "1 for the first result; each correction is the"
                                            " current revision + 1"},
                "status": {"type": "string", "enum": _literals(ResultStatus)},
                "entries": {"type": "array", "maxItems": MAX_ENTRIES, "items": _ref("Entry"),
                            "description": "required but for a match; empty exactly when the"
                                           " status is cancelled"},
                "match": {"oneOf": [_ref("Match"), {"type": "null"}],
                          "description": "a match's result (its unit a pool, knockout or"
                                         " placement match): required but when cancelled"},
                "note": {**nullable_text, "maxLength": 2000,
                         "description": "the reason for a correction or withdrawal"},
            },
        },
        "Match": {
            "type": "object", "additionalProperties": False, "required": ["sides", "score"],
            "description": "Checked against the tournament: the sides are the match's (a"
                           " knockout match's once its slots fill), the score one the sport"
                           " allows; a provisional score may be a match still played. A"
                           " correction that would change who plays a match with a result"
                           " is a 409 naming those matches.",
            "properties": {
                "sides": {"type": "array", "items": {"type": "string", "enum": delegations},
                          "minItems": 2, "maxItems": 2,
                          "description": "the two delegations, in either order"},
                "score": {
                    "type": "object", "additionalProperties": False, "required": ["total"],
                    "properties": {
                        "total": _PAIR,
                        "periods": {"type": "array", "items": _PAIR,
                                    "description": "basketball: the quarters, then overtime"},
                        "sets": {"type": "array", "items": _PAIR,
                                 "description": "volleyball's sets; a table-tennis tie's"
                                                " matches (games won)"},
                        "shootout": {"oneOf": [_PAIR, {"type": "null"}],
                                     "description": "football knockout matches level after"
                                                    " play"},
                    },
                    "description": "pairs in the order of sides",
                },
                "forfeit": {**nullable_text, "description": "the side that forfeited; the"
                                                            " score is the sport's forfeit"},
            },
        },
        "Accepted": {
            "type": "object",
            "required": ["event_id", "revision", "accepted_at"],
            "properties": {
                "event_id": {"type": "string"},
                "revision": {"type": "integer"},
                "accepted_at": {"type": "string", "format": "date-time"},
                "awaiting_confirmation": {
                    "const": True, "description": "present when this official revision waits"
                    " for a second check before it counts (a recorder's, or where the rules"
                    " file asks for one)"},
            },
        },
        **_check_schemas(),
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["pointer", "detail"],
                    "properties": {"pointer": {"type": "string",
                                               "description": "RFC 6901, into the body"},
                                   "detail": {"type": "string"}},
                }},
            },
        },
        "Event": {
            "type": "object",
            "required": ["id", "name", "name_en", "sport", "group", "gender", "kind", "venue",
                         "points_multiplier", "scheduled_at"],
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "name_en": {"type": "string"}, "sport": {"type": "string"},
                "group": {"type": "string"}, "gender": {"enum": ["M", "F", "X"]},
                "kind": {"enum": ["individual", "team"]}, "venue": {"type": "string"},
                "points_multiplier": {"type": "integer"},
                "scheduled_at": {"type": "string", "format": "date-time"},
            },
        },
        "Change": {
            "type": "object",
            "required": ["change"],
            "description": "result_status (from, to); added or removed (delegation, competitor,"
                           " rank, status); reranked, status, mark, record or members"
                           " (delegation, competitor, from, to); match (from, to: a match's"
                           " sides and score)",
            "properties": {
                "change": {"enum": ["result_status", "added", "removed", "reranked", "status",
                                    "mark", "record", "members", "match"]},
                "delegation": {"type": "string"},
                "competitor": {"type": "string"},
            },
        },
        "Revision": {
            "type": "object",
            "required": ["revision", "status", "note", "accepted_at", "entered_by",
                         "entered_by_role", "correction", "published", "entries", "changes"],
            "properties": {
                "revision": {"type": "integer"},
                "status": {"type": "string", "enum": _literals(ResultStatus)},
                "note": nullable_text,
                "accepted_at": {"type": "string", "format": "date-time"},
                "entered_by": {"type": "string", "description": "the token's name"},
                "entered_by_role": {"enum": list(ENTERING_ROLES)},
                "correction": {"type": "boolean",
                               "description": "replaces a result that was already official"},
                "published": {"type": "boolean",
                              "description": "handed to scoring (false while Kafka is down)"},
                "entries": {"type": "array", "items": _ref("Entry")},
                "match": {**_ref("Match"), "description": "a match's result only"},
                "changes": {"type": "array", "items": _ref("Change")},
                "awaits_confirmation": {"type": "boolean",
                                        "description": "entered to wait for a confirmation"},
                "shown_status": {"enum": [*_literals(ResultStatus), UNOFFICIAL],
                                 "description": "as readers see it now: unofficial while it"
                                                " waits"},
                "under_review": {"type": "boolean"},
                "checks": {"type": "array", "items": _ref("Check"),
                           "description": "its confirmations and reviews, oldest first"},
            },
        },
        "History": {
            "type": "object",
            "required": ["event", "current_revision", "revisions"],
            "properties": {
                "event": _ref("Event"),
                "current_revision": {"type": "integer", "description": "0: none yet"},
                "revisions": {"type": "array", "items": _ref("Revision")},
            },
        },
        "MyEvents": {
            "type": "object",
            "required": ["holder", "delegations", "events"],
            "properties": {
                "holder": {"type": "object", "required": ["name", "role", "venues"],
                           "properties": {"name": {"type": "string"},
                                          "role": {"enum": list(ENTERING_ROLES)},
                                          "venues": {"type": "array",
                                                     "items": {"type": "string"}}}},
                "delegations": {"type": "array", "items": {
                    "type": "object", "required": ["code", "name", "name_en"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                   "name_en": {"type": "string"}}}},
                "events": {"type": "array", "items": {"allOf": [_ref("Event"), {
                    "type": "object",
                    "required": ["today", "current_revision", "current_status", "accepted_at",
                                 "sport_name", "group_name", "venue_name"],
                    "properties": {
                        "today": {"type": "boolean"},
                        "current_revision": {"type": "integer", "description": "0: none yet"},
                        "current_status": {"type": ["string", "null"],
                                           "description": "unofficial while it waits"},
                        "accepted_at": {"type": ["string", "null"], "format": "date-time"},
                        "sport_name": {"type": "string"}, "group_name": {"type": "string"},
                        "venue_name": {"type": "string"},
                        "units": {"type": "array", "description": "its units, each with its"
                                  " own current_revision, current_status and accepted_at",
                                  "items": _ref("Unit")},
                    },
                }]}},
            },
        },
        "StatusChange": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status"],
            "properties": {
                "status": {"enum": ["running", "delayed", "postponed", "scheduled"]},
                "starts_at": {"type": ["string", "null"], "format": "date-time",
                              "description": "with its UTC offset: required with delayed"
                                             " (later than the current start) and after a"
                                             " postponement; not with running"},
                "note": {**nullable_text, "maxLength": 2000,
                         "description": "shown with the status; without it the note is"
                                        " cleared"},
            },
        },
        "UnitState": {
            "type": "object",
            "required": ["unit_id", "status", "starts_at", "planned_at", "status_note",
                         "version"],
            "properties": {
                "unit_id": {"type": "string"},
                "status": {"enum": list(UNIT_STATUSES)},
                "starts_at": {"type": "string", "format": "date-time",
                              "description": "as it now stands (a delay moves it)"},
                "planned_at": {"type": "string", "format": "date-time"},
                "status_note": nullable_text,
                "version": {"type": "integer", "description": "grows with every change"},
            },
        },
        "Unit": {
            "type": "object",
            "required": ["unit_id", "phase", "phase_name", "phase_name_en", "starts_at",
                         "venue", "qualify"],
            "properties": {
                "unit_id": {"type": "string"}, "phase": {"type": "string"},
                "phase_name": {"type": "string"}, "phase_name_en": {"type": "string"},
                "starts_at": {"type": "string", "format": "date-time"},
                "venue": {"type": "string"},
                "qualify": {"type": ["object", "null"],
                            "properties": {"Q": {"type": "integer"}, "q": {"type": "integer"}}},
            },
        },
        "Competitor": {
            "type": "object",
            "required": ["bib", "delegation", "delegation_name", "members"],
            "properties": {
                "order": {"type": "integer"}, "lane": {"type": ["integer", "null"]},
                "bib": {"type": "string"}, "competitor": {"type": "string"},
                "name": {"type": "string"}, "delegation": {"type": "string"},
                "delegation_name": {"type": "string"},
                "members": {"type": "array", "items": {"type": "string"}},
            },
        },
        "MyUnit": {
            "type": "object",
            "required": ["unit", "start_list", "entries", "current_revision",
                         "current_status"],
            "properties": {
                "unit": {"allOf": [_ref("Unit"), _ref("UnitState")]},
                "start_list": {"type": "array", "items": _ref("Competitor"),
                               "description": "order, lane, bib, competitor, delegation;"
                                              " empty until one is published"},
                "entries": {"type": "array", "items": _ref("Competitor"),
                            "description": "everyone entered in the event: bib, name,"
                                           " delegation"},
                "current_revision": {"type": "integer", "description": "0: none yet"},
                "current_status": {"type": ["string", "null"]},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "waiting_for"],
            "properties": {"status": {"enum": ["ok", "waiting"]},
                           "waiting_for": {"type": "array", "items": {"type": "string"}}},
        },
    }


def _check_schemas() -> dict[str, Any]:
    """The second check and the results desk."""
    nullable_text = {"type": ["string", "null"]}
    moment = {"type": "string", "format": "date-time"}
    nullable_moment = {"type": ["string", "null"], "format": "date-time"}
    step = {"type": ["object", "null"], "required": ["note", "by", "at"],
            "properties": {"note": nullable_text, "by": {"type": "string"}, "at": moment}}
    states = ["review", "awaiting", "late", "running", "done", "scheduled"]
    counts = {"type": "object", "required": states,
              "properties": {state: {"type": "integer"} for state in states}}
    token_fields = {"id": {"type": "integer"}, "role": {"enum": list(ROLES)},
                    "name": {"type": "string"},
                    "venues": {"type": "array", "items": {"type": "string"}},
                    "expires_at": nullable_moment}
    return {
        "CheckRequest": {
            "type": "object", "additionalProperties": False,
            "properties": {"note": {**nullable_text, "maxLength": 2000,
                                    "description": "required for a review: the protest's"
                                                   " reason, shown to media"}},
        },
        "Checked": {
            "type": "object",
            "required": ["event_id", "revision", "action", "note", "checked_at", "by"],
            "properties": {"event_id": {"type": "string"}, "revision": {"type": "integer"},
                           "action": {"enum": list(CHECK_ACTIONS)}, "note": nullable_text,
                           "checked_at": moment, "by": {"type": "string"}},
        },
        "Check": {
            "type": "object",
            "required": ["action", "note", "checked_at", "by", "by_role", "published"],
            "properties": {"action": {"enum": list(CHECK_ACTIONS)}, "note": nullable_text,
                           "checked_at": moment, "by": {"type": "string"},
                           "by_role": {"enum": list(ENTERING_ROLES)},
                           "published": {"type": "boolean"}},
        },
        "Awaiting": {
            "type": "object", "required": ["awaiting"],
            "properties": {"awaiting": {"type": "array", "items": {
                "type": "object",
                "required": ["unit_id", "event_id", "revision", "entries", "entered_by",
                             "accepted_at", "mine", "may_confirm"],
                "properties": {
                    "unit_id": {"type": "string"}, "event_id": {"type": "string"},
                    "revision": {"type": "integer"}, "note": nullable_text,
                    "entries": {"type": "array", "items": {"type": "object"}},
                    "entered_by": {"type": "string"}, "accepted_at": moment,
                    "mine": {"type": "boolean", "description": "this token entered it"},
                    "may_confirm": {"type": "boolean",
                                    "description": "this token may confirm it"},
                }}}},
        },
        "Progress": {
            "type": "object", "required": ["date", "days", "now", "totals", "venues"],
            "properties": {
                "date": {"type": ["string", "null"], "format": "date"},
                "days": {"type": "array", "items": {"type": "string", "format": "date"}},
                "now": moment,
                "totals": counts,
                "venues": {"type": "array", "items": {
                    "type": "object", "required": ["venue", "name", "name_en", "counts", "units"],
                    "properties": {
                        "venue": {"type": "string"}, "name": {"type": "string"},
                        "name_en": {"type": "string"}, "counts": counts,
                        "units": {"type": "array", "items": {
                            "type": "object",
                            "required": ["unit_id", "event_id", "starts_at", "state",
                                         "revision", "status", "review"],
                            "properties": {
                                "unit_id": {"type": "string"}, "event_id": {"type": "string"},
                                "phase": {"type": "string"},
                                "starts_at": moment, "state": {"enum": states},
                                "unit_status": {"enum": list(UNIT_STATUSES),
                                                "description": "the unit's own status"},
                                "revision": {"type": "integer", "description": "0: none yet"},
                                "status": nullable_text, "entered_by": nullable_text,
                                "accepted_at": nullable_moment, "review": step,
                            }}},
                    }}},
            },
        },
        "Token": {
            "type": "object",
            "required": ["id", "role", "name", "venues", "state", "created_at", "created_by",
                         "expires_at", "revoked_at", "revoked_by", "results_entered"],
            "properties": {
                **token_fields, "state": {"enum": ["active", "revoked", "expired"]},
                "created_at": moment, "created_by": nullable_text,
                "revoked_at": nullable_moment, "revoked_by": nullable_text,
                "results_entered": {"type": "integer"}, "last_entered_at": nullable_moment,
            },
        },
        "Tokens": {"type": "object", "required": ["tokens"],
                   "properties": {"tokens": {"type": "array", "items": _ref("Token")}}},
        "TokenRequest": {
            "type": "object", "additionalProperties": False, "required": ["role", "name"],
            "properties": {
                "role": {"enum": list(ROLES)},
                "name": {"type": "string", "minLength": 1, "maxLength": 100,
                         "description": "who holds it; shown in the audit trail"},
                "venues": {"type": "array", "maxItems": 50, "items": {"type": "string"},
                           "description": "recorders, referees, officials: their venues"
                                          " (none: every venue)"},
                "expires": {**nullable_text, "maxLength": 40,
                            "description": "a day (2024-09-30: through its end, Beijing"
                                           " time) or a time (2024-09-30T18:00)"},
            },
        },
        "CreatedToken": {
            "type": "object",
            "required": ["id", "role", "name", "venues", "expires_at", "secret", "entry_url",
                         "qr_svg"],
            "properties": {
                **token_fields,
                "secret": {"type": "string", "description": "shown this once; only its hash"
                                                            " is kept"},
                "entry_url": {"type": "string", "description": "the entry page, signed in"
                                                               " (#token=)"},
                "qr_svg": {"type": "string", "description": "entry_url as a QR code (SVG)"},
            },
        },
    }
