"""The OpenAPI 3.1 document of broadcast, served at /openapi.json: every public read, the live
feed's HTTP side and every media output.

Built from one small function per area (`AREAS`), each giving its paths, plus the shared
schemas: a new area (units, schedule, records) adds its function to `AREAS` and its schemas
to `_schemas`. The games' own shapes (`Games`, `Event`, ...) come from the pydantic models,
so they follow the games file's model. The WebSocket `/v1/live` is not HTTP: asyncapi.yaml
describes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response

from services.broadcast.caching import DEFINITIONS_READ, LIVE_READ
from services.broadcast.media.wording import BEIJING, TABLES
from services.broadcast.media_routes import CACHE_CONTROL, EMBED_VIEWS
from shared.adapters.openapi import literals, problem, ref
from shared.contract.messages import EntryStatus, RecordLevel, ResultStatus
from shared.domain.games import Games
from shared.domain.unit_status import UNIT_STATUSES

Operation = dict[str, Any]
Paths = dict[str, dict[str, Operation]]

_SLUG: Final = "^[a-z0-9]+(-[a-z0-9]+)*$"
_MEDALS: Final = ["gold", "silver", "bronze"]


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_RETRY_AFTER: Final = {"Retry-After": {"schema": {"type": "string"}, "required": True,
                                       "description": "seconds to wait before asking again"}}
_LOADING: Final = problem("The live state is still loading, or PostgreSQL cannot be reached:"
                           " ask again after Retry-After seconds.", _RETRY_AFTER)


def _query(name: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


def _get(summary: str, operation_id: str, responses: dict[str, Any],
         parameters: list[dict[str, Any]] | None = None, **more: Any) -> dict[str, Operation]:
    operation: Operation = {"summary": summary, "operationId": operation_id,
                            "responses": responses, **more}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def _read(summary: str, operation_id: str, responses: dict[str, Any],
          parameters: list[dict[str, Any]] | None = None,
          cache_control: str = LIVE_READ) -> dict[str, Operation]:
    """A public read a cache can serve: a strong ETag and Cache-Control, 304 on
    If-None-Match (services/broadcast/caching.py)."""
    answer = {**responses["200"], "headers": {
        "ETag": {"schema": {"type": "string"}, "required": True,
                 "description": "a strong validator of the body: send it back in If-None-Match"},
        "Cache-Control": {"schema": {"type": "string", "const": cache_control},
                          "required": True}}}
    return _get(summary, operation_id, {**responses, "200": answer, "304": _NOT_MODIFIED},
                [*(parameters or []), _IF_NONE_MATCH])


class _Names:
    """The games' codes the parameters take."""

    def __init__(self, games: Games) -> None:
        self.scopes = ["all", *(group.code for group in games.groups)]
        self.delegations = list(games.delegation_codes)
        self.days = sorted({event.scheduled_at.astimezone(BEIJING).date().isoformat()
                            for event in games.events})
        self.unit_days = sorted({unit.starts_at.astimezone(BEIJING).date().isoformat()
                                 for unit in games.units})
        self.venues = [venue.id for venue in games.venues]

    def group(self, description: str = "all, or a group's code") -> dict[str, Any]:
        return _query("group", {"type": "string", "enum": self.scopes, "default": "all"},
                      description)

    def delegation(self, description: str) -> dict[str, Any]:
        return _query("delegation", {"type": "string", "enum": self.delegations}, description)

    def day(self) -> dict[str, Any]:
        return _path("date", {"type": "string", "format": "date"},
                     f"a day of the games (YYYY-MM-DD): {', '.join(self.days)}")


_EVENT_ID: Final = _path("event_id", {"type": "string", "pattern": _SLUG, "maxLength": 100},
                         "an event of GET /v1/games")


# --- the areas ------------------------------------------------------------------------------

def games_paths(names: _Names) -> Paths:
    return {"/v1/games": _read(
        "The games: delegations, groups, associations, sports, venues and events", "games",
        {"200": _json("The games definition.", ref("Games"))}, cache_control=DEFINITIONS_READ)}


def standings_paths(names: _Names) -> Paths:
    def table(kind: str, schema: str) -> dict[str, Operation]:
        return _read(f"The {TABLES[kind].en.lower()} ({TABLES[kind].zh}) of a group",
                    f"{kind}Table",
                    {"200": _json("The table, every delegation's row, zeros included.",
                                  ref(schema)),
                     "400": problem("An unknown group."), "503": _LOADING},
                    [names.group()])

    return {"/v1/standings/medals": table("medals", "MedalTable"),
            "/v1/standings/points": table("points", "PointsTable")}


def events_paths(names: _Names) -> Paths:
    return {"/v1/events/{event_id}": _read(
        "An event with its latest result revision, awards and history", "event",
        {"200": _json("The event document (also the data of its live `result` messages).",
                      ref("EventDocument")),
         "404": problem("No such event in the games."), "503": _LOADING},
        [_EVENT_ID]),
        "/v1/events/{event_id}/tournament": _read(
            "A team event's tournament: its pool tables, matches and bracket, placings",
            "tournament",
            {"200": _json("Computed from its matches' results (docs/tournaments.md); the data"
                          " of the `tournament:<event_id>` channel's messages too.",
                          ref("TournamentDocument")),
             "404": problem("No such event, or it is not played as a tournament."),
             "503": _LOADING},
            [_EVENT_ID])}


def records_paths(names: _Names) -> Paths:
    return {"/v1/records": _read(
        "The standing records, and those set at these games with the result that set them",
        "records",
        {"200": _json("Found from the marks of the official results (docs/records.md); the"
                      " data of the `records` channel's messages too.", ref("RecordsDocument")),
         "503": _LOADING})}


def units_paths(names: _Names) -> Paths:
    return {
        "/v1/schedule": _read(
            "The units (heats, finals) in start order, as they now stand", "schedule",
            {"200": _json("The units kept by the filters; a delayed unit at its new time.",
                          ref("Schedule")),
             "400": problem("Not a date (YYYY-MM-DD), or an unknown venue or delegation."),
             "503": _LOADING},
            [_query("date", {"type": "string", "format": "date"},
                    f"a day of the games in +08:00: {', '.join(names.unit_days)}"),
             _query("venue", {"type": "string", "enum": names.venues}, "one venue's units"),
             names.delegation("the units its competitors are on (or entered in)")]),
        "/v1/units/{unit_id}": _read(
            "A unit: its state, start list and latest result", "unit",
            {"200": _json("The unit's page (also the data of its `unit:` channel).",
                          ref("UnitPage")),
             "404": problem("No such unit in the games."), "503": _LOADING},
            [_path("unit_id", {"type": "string", "maxLength": 150},
                   "<event_id>/<phase>, e.g. ath-youth-m-100m/heat-1 (its `/` as it is)")]),
    }


_KEY: Final = _query("key", {"type": "string"},
                     "a media key (or `Authorization: Bearer <key>`): larger pages, resumes"
                     " from the whole history")
_MEDIA_KEY: Final[list[dict[str, list[str]]]] = [{}, {"mediaKey": []}]


def feed_paths(names: _Names) -> Paths:
    refused_key = {"401": problem("An unknown or revoked key."),
                   "403": problem("A token that is not a media key.")}
    return {
        "/v1/feed": _get(
            "The live feed's history as JSON pages, from a seq on", "feed",
            {"200": _json("One page; ask again from `next_since` while `more`.",
                          ref("FeedPage")),
             "400": problem("A bad since, limit or channel."), **refused_key,
             "409": problem("`since` is ahead of this server's feed (another games or"
                             " server): read the standings again, continue from last_seq."),
             "503": _LOADING},
            [_query("since", {"type": "integer", "minimum": 0, "default": 0},
                    "the last seq seen: the page holds the messages after it"),
             _query("limit", {"type": "integer", "minimum": 1},
                    "items per page (at most 100, with a media key 1000)"),
             _query("channels", {"type": "string"},
                    "comma-separated channels to keep, e.g. medals:all,results"),
             _KEY],
            security=_MEDIA_KEY),
        "/v1/sse": _get(
            "The live feed as Server-Sent Events (docs/protocol.md)", "sse",
            {"200": {"description": "An endless event stream: `id` is the seq.",
                     "content": {"text/event-stream": {"schema": {"type": "string"}}}},
             "400": problem("No channels, an unknown channel, too many, or a bad since."),
             **refused_key, "503": _LOADING},
            [_query("channels", {"type": "string"}, "comma-separated channels", required=True),
             _query("since", {"type": "integer", "minimum": 0},
                    "resume after this seq (or the Last-Event-ID header)"),
             _KEY],
            security=_MEDIA_KEY),
    }


def _file(media_type: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {"schema": {"type": "string"}, "required": True,
                     "description": "the output's version: send it back in If-None-Match"},
            "Cache-Control": {"schema": {"type": "string", "const": CACHE_CONTROL},
                              "required": True},
            "Content-Disposition": {"schema": {"type": "string"}, "required": True,
                                    "description": 'inline; filename="..." (names carry the'
                                                   " version)"},
        },
        "content": {media_type: {"schema": {"type": "string", "contentMediaType": media_type}}},
    }


_NOT_MODIFIED: Final = {"description": "If-None-Match named the current ETag.",
                        "headers": {"ETag": {"schema": {"type": "string"}, "required": True}}}
_IF_NONE_MATCH: Final = {"name": "If-None-Match", "in": "header", "required": False,
                         "schema": {"type": "string"}, "description": "an ETag seen before"}
_EXPORT_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _output(summary: str, operation_id: str, media_type: str | list[str], description: str,
            parameters: list[dict[str, Any]], refusals: dict[str, Any]) -> dict[str, Operation]:
    answer = _file(media_type if isinstance(media_type, str) else media_type[0], description)
    if isinstance(media_type, list):
        answer["content"] = {kind: {"schema": {"type": "string", "contentMediaType": kind}}
                             for kind in media_type}
    return _get(summary, operation_id,
                {"200": answer, "304": _NOT_MODIFIED, **refusals, "503": _LOADING},
                [*parameters, _IF_NONE_MATCH])


def media_paths(names: _Names) -> Paths:
    day_refusals = {"400": problem("Not a date (YYYY-MM-DD), or an unknown delegation."),
                    "404": problem("The games hold no events that day.")}
    export_format = _path("format", {"type": "string", "enum": list(_EXPORT_TYPES)},
                          "csv (UTF-8 with a BOM, for Excel) or xlsx")
    card_names = [f"{kind}-{scope}" for kind in TABLES for scope in names.scopes]
    return {
        "/v1/events/{event_id}/bulletin.pdf": _output(
            "An event's result bulletin (成绩公告), A4 PDF", "bulletin", "application/pdf",
            "The bulletin of the event's latest revision, with the 更正 mark and note of a"
            " correction.", [_EVENT_ID], {"404": problem("No such event in the games.")}),
        "/v1/bulletins/{date}.pdf": _output(
            "A day's results book (成绩册), A4 PDF", "resultsBook", "application/pdf",
            "Every official result of the day's events, then the medal and points tables of"
            " every group as they stood at the day's end (24:00 Beijing time).",
            [names.day()], day_refusals),
        "/v1/standings/{table}.{format}": _output(
            "A table as a spreadsheet", "tableExport", list(_EXPORT_TYPES.values()),
            "One header row (Chinese and English), one row per delegation.",
            [_path("table", {"type": "string", "enum": list(TABLES)}, "the table"),
             export_format, names.group()],
            {"400": problem("An unknown group."),
             "404": problem("An unknown table or format.")}),
        "/v1/breakdown.{format}": _output(
            "The awarded entries behind the tables, as a spreadsheet", "breakdownExport",
            list(_EXPORT_TYPES.values()),
            "One row per entry an official result gave a medal or points.",
            [export_format, names.delegation("one delegation's rows (all without it)"),
             names.group("the tables' group: all, or a group's code")],
            {"400": problem("An unknown group or delegation."),
             "404": problem("An unknown format.")}),
        "/v1/cards/{name}.png": _output(
            "A table's share card, 1080 px wide PNG", "tableCard", "image/png",
            "All 11 rows, the version and time, a QR code to the live table.",
            [_path("name", {"type": "string", "enum": card_names}, "TABLE-GROUP")],
            {"400": problem("An unknown group."), "404": problem("An unknown table.")}),
        "/v1/cards/event/{event_id}.png": _output(
            "An event's share card (its medallists), 1080 px wide PNG", "eventCard",
            "image/png", "The medallists, the revision and time, a 更正 stamp when"
            " corrected, a QR code to the live event page.", [_EVENT_ID],
            {"404": problem("No such event in the games.")}),
        "/v1/reports/{date}": _output(
            "The day's report draft (战报), plain text", "dailyReport",
            "text/plain; charset=utf-8",
            "The standing of every delegation (or one) in the games' wording, the day's"
            " medallists by event and the records broken.",
            [names.day(), names.delegation("the report of one delegation")], day_refusals),
    }


def embed_paths(names: _Names) -> Paths:
    return {"/embed/{view}": _get(
        "A live table or the latest results, as a page for an iframe", "embed",
        {"200": {"description": "The page; framing allowed (Content-Security-Policy"
                                " frame-ancestors, PODIUM_MEDIA_EMBED_FRAME_ANCESTORS).",
                 "headers": {"Content-Security-Policy": {"schema": {"type": "string"},
                                                         "required": True}},
                 "content": {"text/html": {"schema": {"type": "string"}}}},
         "400": problem("An unknown group, overlay or language."),
         "404": problem("An unknown view.")},
        [_path("view", {"type": "string", "enum": list(EMBED_VIEWS)}, "what the page shows"),
         names.group("the table's group (tables only)"),
         _query("overlay", {"type": "string", "enum": ["0", "1"]},
                "1: a transparent overlay for OBS and other video mixers"),
         _query("lang", {"type": "string", "enum": ["zh", "en"]}, "the page's language")])}


def service_paths(names: _Names) -> Paths:
    def page(summary: str, operation_id: str, media_type: str) -> dict[str, Operation]:
        return _get(summary, operation_id, {"200": {
            "description": summary, "content": {media_type: {"schema": {"type": "string"}}}}})

    return {
        "/": page("The live board page", "board", "text/html"),
        "/openapi.json": _get("This document", "openapi",
                              {"200": _json("OpenAPI 3.1.", {"type": "object"})}),
        "/healthz": _get("Serving the live state (PostgreSQL, Kafka, the state loaded)?",
                         "health", {"200": _json("Ready.", ref("Health")),
                                    "503": _json("Waiting for what `waiting_for` names.",
                                                 ref("Health"))}),
        "/metrics": page("Prometheus metrics", "metrics", "text/plain"),
    }


AREAS: list[Callable[[_Names], Paths]] = [
    games_paths, standings_paths, events_paths, records_paths, units_paths, feed_paths,
    media_paths, embed_paths, service_paths,
]


def openapi_document(games: Games) -> dict[str, Any]:
    names = _Names(games)
    paths: Paths = {}
    for area in AREAS:
        paths.update(area(names))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Podium broadcast",
            "version": "1.1.0",
            "description": (
                f"The public side of {games.name_en} ({games.name}): the games, the tables,"
                " each event's result, the schedule and each unit's page (v1.1), the live"
                " feed's history and Server-Sent Events, and"
                " what the media print and share (PDF bulletins and results books, CSV and"
                " XLSX, share cards, report drafts, embeds). The WebSocket feed `/v1/live` is"
                " in asyncapi.yaml. Refusals are RFC 9457 problem documents. See docs/api.md"
                " and docs/media.md."
            ),
        },
        "components": {
            "securitySchemes": {"mediaKey": {
                "type": "http", "scheme": "bearer",
                "description": "A media key (`podium token create --role media`): optional.",
            }},
            "schemas": _schemas(games),
        },
        "paths": paths,
    }


def openapi_endpoint(games: Games) -> Callable[[Request], Any]:
    body = orjson.dumps(openapi_document(games))

    async def serve(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return serve


# --- schemas --------------------------------------------------------------------------------

def _games_schemas() -> dict[str, Any]:
    """`Games` and its parts, from the pydantic models."""
    schema = Games.model_json_schema(mode="serialization",
                                     ref_template="#/components/schemas/{model}")
    parts: dict[str, Any] = schema.pop("$defs", {})
    return {**parts, "Games": schema}


def _table(row: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["group", "version", "updated_at", "rows"],
            "properties": {
                "group": {"type": "string"},
                "version": {"type": "integer", "description": "grows with every change of any"
                                                              " table"},
                "updated_at": {"type": "string", "format": "date-time"},
                "rows": {"type": "array", "items": {
                    "type": "object",
                    "required": ["rank", "delegation", "name", *row],
                    "properties": {"rank": {"type": "integer", "minimum": 1},
                                   "delegation": {"type": "string"},
                                   "name": {"type": "string"}, **row}}},
            }}


def _tournament_schemas() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    text = {"type": "string"}
    nullable_text = {"type": ["string", "null"]}
    pair = {"type": "array", "items": count, "minItems": 2, "maxItems": 2}
    side = {"type": "object", "required": ["slot", "delegation", "name", "waiting"],
            "properties": {
                "slot": {**nullable_text, "description": "A1, W:sf-1, ...; null in a pool"},
                "delegation": {**nullable_text, "description": "null until the slot fills"},
                "name": nullable_text,
                "waiting": {**nullable_text, "description": "why the slot is not filled yet"}}}
    return {
        "MatchScore": {"type": "object", "required": ["total"], "properties": {
            "total": pair, "periods": {"type": "array", "items": pair},
            "sets": {"type": "array", "items": pair}, "shootout": {"oneOf": [pair,
                                                                           {"type": "null"}]}}},
        "TournamentDocument": {
            "type": "object", "required": ["event_id", "rules", "pools", "matches", "placings"],
            "properties": {
                "event_id": text,
                "rules": ref("SportRules"),
                "pools": {"type": "array", "items": {
                    "type": "object", "required": ["letter", "complete", "ties_to_draw", "rows"],
                    "properties": {
                        "letter": text,
                        "complete": {"type": "boolean",
                                     "description": "every match has an official result"},
                        "ties_to_draw": {"type": "array", "items": {
                            "type": "array", "items": text}},
                        "rows": {"type": "array", "items": {
                            "type": "object",
                            "required": ["rank", "delegation", "name", "played", "won", "drawn",
                                         "lost", "scored", "conceded", "difference", "points",
                                         "decided_by"],
                            "properties": {
                                "rank": count, "delegation": text, "name": text,
                                "played": count, "won": count, "drawn": count, "lost": count,
                                "scored": count, "conceded": count,
                                "difference": {"type": "integer"}, "points": count,
                                "decided_by": {**nullable_text, "description":
                                               "the criterion that set it apart, or draw"}}}}}}},
                "matches": {"type": "array", "items": {
                    "type": "object",
                    "required": ["unit_id", "phase", "pool", "phase_name", "phase_name_en",
                                 "starts_at", "status", "sides", "result"],
                    "properties": {
                        "unit_id": text, "phase": text, "pool": nullable_text,
                        "phase_name": text, "phase_name_en": text,
                        "starts_at": {"type": "string", "format": "date-time"},
                        "status": {"type": "string", "enum": list(UNIT_STATUSES)},
                        "sides": {"type": "array", "items": side},
                        "result": {"type": ["object", "null"], "description":
                                   "the latest result, a live score while provisional",
                                   "properties": {
                                       "revision": {"type": "integer"},
                                       "status": {"enum": literals(ResultStatus)},
                                       "sides": {"type": "array", "items": text},
                                       "score": ref("MatchScore"), "forfeit": nullable_text,
                                       "winner": {**nullable_text,
                                                  "description": "once official"}}}}}},
                "placings": {"type": "array", "items": {"allOf": [side, {
                    "type": "object", "required": ["place"],
                    "properties": {"place": {"type": "integer", "minimum": 1}}}]}},
            },
        },
    }


def _schemas(games: Games) -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    nullable_text = {"type": ["string", "null"]}
    return {
        **_games_schemas(),
        "MedalTable": _table({"gold": count, "silver": count, "bronze": count, "total": count}),
        "PointsTable": _table({"points": {"type": "number"},
                               "places": {"type": "array", "items": count,
                                          "description": "1st, 2nd, ... places: the countback"}}),
        "ResultEntry": {
            "type": "object",
            "required": ["rank", "delegation", "delegation_name", "competitor", "status",
                         "mark", "record", "members", "medal", "points"],
            "properties": {
                "rank": {"type": ["integer", "null"]},
                "delegation": {"type": "string"}, "delegation_name": {"type": "string"},
                "competitor": {"type": "string"},
                "status": {"type": "string", "enum": literals(EntryStatus)},
                "mark": nullable_text,
                "record": {"type": ["string", "null"], "enum": [*literals(RecordLevel), None]},
                "members": {"type": "array", "items": {"type": "string"}},
                "medal": {"type": ["string", "null"], "enum": [*_MEDALS, None]},
                "points": {"type": "number"},
            },
        },
        "HistoryItem": {
            "type": "object", "required": ["revision", "status", "note", "accepted_at"],
            "properties": {"revision": {"type": "integer"},
                           "status": {"type": "string", "enum": literals(ResultStatus)},
                           "note": nullable_text,
                           "accepted_at": {"type": "string", "format": "date-time"},
                           "entered_by": {"type": "string"}},
        },
        "EventDocument": {
            "type": "object",
            "required": ["event", "revision", "status", "note", "accepted_at", "correction",
                         "entries", "history"],
            "properties": {
                "event": ref("Event"),
                "revision": {"type": ["integer", "null"], "description": "null: no result yet"},
                "status": {"type": ["string", "null"], "enum": [*literals(ResultStatus), None]},
                "note": nullable_text,
                "accepted_at": {"type": ["string", "null"], "format": "date-time"},
                "correction": {"type": "boolean",
                               "description": "replaces a result that was already official"},
                "entries": {"type": "array", "items": ref("ResultEntry")},
                "history": {"type": "array", "items": ref("HistoryItem")},
            },
        },
        "Record": {
            "type": "object",
            "required": ["event_id", "level", "mark", "holder", "delegation", "year", "set_at"],
            "properties": {
                "event_id": {"type": "string"},
                "level": {"type": "string", "enum": literals(RecordLevel)},
                "mark": {"type": "string"}, "holder": {"type": "string"},
                "delegation": nullable_text, "year": {"type": "integer"},
                "set_at": {"type": ["object", "null"],
                           "description": "null: a record from before these games",
                           "properties": {"unit_id": {"type": "string"},
                                          "revision": {"type": "integer"},
                                          "accepted_at": {"type": "string",
                                                          "format": "date-time"},
                                          "entry": {"type": "integer"}}},
            },
        },
        "RecordsDocument": {
            "type": "object", "required": ["version", "updated_at", "standing", "set_here"],
            "properties": {
                "version": {"type": "integer"},
                "updated_at": {"type": "string", "format": "date-time"},
                "standing": {"type": "array", "items": ref("Record")},
                "set_here": {"type": "array", "items": {"allOf": [ref("Record"), {
                    "type": "object", "required": ["kind", "previous"],
                    "properties": {"kind": {"enum": ["broken", "equalled"]},
                                   "previous": {"oneOf": [ref("Record"), {"type": "null"}]}},
                }]}},
            },
        },
        "ScheduleUnit": {
            "type": "object",
            "required": ["unit_id", "event_id", "phase", "phase_name", "phase_name_en",
                         "starts_at", "venue", "status", "status_note", "planned_at",
                         "start_list_published", "delegations", "version"],
            "properties": {
                "unit_id": {"type": "string", "description": "<event_id>/<phase>"},
                "event_id": {"type": "string"}, "phase": {"type": "string"},
                "phase_name": {"type": "string"}, "phase_name_en": {"type": "string"},
                "starts_at": {"type": "string", "format": "date-time",
                              "description": "as it now stands (+08:00): a delay moves it"},
                "venue": {"type": "string"},
                "status": {"type": "string", "enum": list(UNIT_STATUSES)},
                "status_note": nullable_text,
                "planned_at": {"type": "string", "format": "date-time"},
                "start_list_published": {"type": "boolean"},
                "delegations": {"type": "array", "items": {"type": "string"},
                                "description": "on its start list, else entered in its event"},
                "version": {"type": "integer", "description": "of its state; 0: as planned"},
            },
        },
        "Schedule": {"type": "object", "required": ["units"],
                     "properties": {"units": {"type": "array", "items": ref("ScheduleUnit")}}},
        "UnitPage": {
            "type": "object", "required": ["unit", "event", "start_list", "result"],
            "properties": {
                "unit": ref("ScheduleUnit"),
                "event": ref("Event"),
                "start_list": {"type": "array", "items": {
                    "type": "object",
                    "required": ["order", "lane", "bib", "competitor", "delegation",
                                 "delegation_name", "members"],
                    "properties": {"order": {"type": "integer"},
                                   "lane": {"type": ["integer", "null"]},
                                   "bib": {"type": "string"}, "competitor": {"type": "string"},
                                   "delegation": {"type": "string"},
                                   "delegation_name": {"type": "string"},
                                   "members": {"type": "array", "items": {"type": "string"}}}}},
                "result": {"type": ["object", "null"],
                           "description": "a heat's latest result (its entries with `bib` and"
                                          " `qualified`: Q, q or null), or a final's: its"
                                          " event's document without `event`"},
            },
        },
        **_tournament_schemas(),
        "FeedPage": {
            "type": "object", "required": ["since", "last_seq", "next_since", "more", "items"],
            "properties": {
                "since": {"type": "integer"}, "last_seq": {"type": "integer"},
                "next_since": {"type": "integer"}, "more": {"type": "boolean"},
                "items": {"type": "array", "items": {
                    "type": "object", "required": ["channel", "type", "seq", "data"],
                    "properties": {"channel": {"type": "string"},
                                   "type": {"type": "string", "enum": ["update", "result"]},
                                   "seq": {"type": "integer"},
                                   "data": {"type": "object", "description": "a table (update)"
                                            " or an EventDocument (result)"}}}},
            },
        },
        "Problem": {
            "type": "object", "required": ["type", "title", "status", "detail"],
            "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                           "status": {"type": "integer"}, "detail": {"type": "string"}},
        },
        "Health": {
            "type": "object", "required": ["status", "waiting_for"],
            "properties": {"status": {"enum": ["ok", "waiting"]},
                           "waiting_for": {"type": "array", "items": {"type": "string"}}},
        },
    }
