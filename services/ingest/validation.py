# Chinese messages use full-width punctuation on purpose.
"""Checks a submitted result against the contract and the games, listing every problem with a
JSON pointer to it.

Three kinds of checks, each reporting everything it finds: the shape (types, required fields,
text limits), whether the event and delegations exist (read off the body as sent, so they are
reported together with shape problems), and, once the shape is right, what needs the whole
result: entries versus status, team members, the ranks, by the scoring engine's own rules, so
ingest accepts exactly what scoring can score, and the marks and record claims, by the records'
rules (shared/domain/marks.py, records.py).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from services.ingest.texts import Issue, Text, engine_text, shape_text
from shared.adapters.tokens import MAX_NAME_LENGTH, Role, parse_expiry, token_problem
from shared.contract.messages import EntryStatus, RecordLevel, ResultStatus
from shared.domain.engine import Entry, rank_problems
from shared.domain.games import Event, Games
from shared.domain.marks import Bilingual, mark_problems
from shared.domain.matches import MatchResult
from shared.domain.names import competitor_name
from shared.domain.records import UnitResult, claim_problems
from shared.domain.start_lists import Entrant
from shared.domain.unit_status import OfficialStatus
from shared.domain.units import RANKING_PHASE, Unit

MAX_ENTRIES = 500
MAX_MEMBERS = 60
# Far above any real number of corrections, and inside PostgreSQL's integer.
MAX_REVISION = 10_000

# PostgreSQL cannot store NUL in text, and no other control character belongs in a name or a
# mark either; a note may have line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_NOTE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _problem(kind: str, text: Text) -> PydanticCustomError:
    # texts.shape_text picks the official's language from the two texts in the context.
    return PydanticCustomError(kind, "{en}", {"en": text.en, "zh": text.zh})


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise _problem("control_character", Text(
            "contains a control character (line break, tab, NUL...); type it on one line",
            "含有控制字符（换行、制表符等）；请在一行内填写"))
    return value


# Lengths are checked as sent (as /openapi.json says), then a name is kept as it looks
# (shared/domain/names.py): "李明 ", "李明\u200b" and "李明" are one competitor.

def _name(value: str) -> str:
    name = competitor_name(_printable(value))
    if not name:
        raise _problem("blank", Text("must not be blank", "不能为空"))
    return name


def _mark(value: str) -> str | None:
    return _printable(value).strip() or None


def _note(value: str) -> str | None:
    if _CONTROL_IN_NOTE.search(value):
        raise _problem("control_character", Text(
            "contains a control character other than a line break or tab",
            "含有换行和制表符以外的控制字符"))
    return value.strip() or None


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_name)]
Mark = Annotated[str, Field(max_length=40), AfterValidator(_mark)]
Note = Annotated[str, Field(max_length=2000), AfterValidator(_note)]


class EntryBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    rank: int | None = None
    # Where the event has entries (registrations), the competitor's bib (v1.1).
    bib: Annotated[str, Field(min_length=1, max_length=16), AfterValidator(_name)] | None = None
    delegation: str = Field(max_length=40)
    competitor: Name
    status: EntryStatus = "OK"
    mark: Mark | None = None
    record: RecordLevel | None = None
    members: list[Name] = Field(default_factory=list, max_length=MAX_MEMBERS)


class ResultBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    event_id: str = Field(max_length=100)
    # The unit (v1.1): heat-1, semi-2, final. Without it, the final: the event's ranking.
    phase: str | None = Field(default=None, max_length=40)
    revision: int = Field(ge=1, le=MAX_REVISION)
    status: ResultStatus
    # Required but for a match of a team tournament, whose result is its `match` instead.
    entries: list[EntryBody] | None = Field(default=None, max_length=MAX_ENTRIES)
    # A match's sides and score (docs/tournaments.md "Match results").
    match: MatchResult | None = None
    note: Note | None = None

    @property
    def unit_phase(self) -> str:
        return self.phase or RANKING_PHASE

    @cached_property
    def normalized_entries(self) -> tuple[Entry, ...]:
        # Read by the checks and by the store: made once (8 entries, 3 times, were ~5 % of
        # ingest's CPU per result).
        return tuple(
            Entry(
                rank=e.rank, delegation=e.delegation, competitor=e.competitor, status=e.status,
                mark=e.mark, record=e.record, members=tuple(e.members), bib=e.bib,
            )
            for e in self.entries or ()
        )


class StatusBody(BaseModel):
    """`POST /v1/units/{unit_id}/status`: what an official sets (docs/schedule.md)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: OfficialStatus
    # JSON has no datetime: the text is read as one (ISO 8601 with its UTC offset).
    starts_at: AwareDatetime | None = Field(default=None, strict=False)
    note: Note | None = None


def check_status(payload: Any) -> tuple[StatusBody | None, list[Issue]]:
    try:
        return StatusBody.model_validate(payload), []
    except ValidationError as error:
        return None, [Issue(_pointer(item["loc"]), shape_text(item))
                      for item in error.errors(include_url=False)]


def _did_you_mean(given: str, known: list[str] | tuple[str, ...]) -> Text:
    close = difflib.get_close_matches(given, known, n=1)
    if not close:
        return Text("", "")
    return Text(f" (did you mean {close[0]!r}?)", f"（是不是 {close[0]!r}？）")


def requested_event(payload: Any, games: Games) -> Event | None:
    """The known event a body names, read before it is validated: a token's permission for
    the event is settled before anything else about the body."""
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    return games.event(event_id) if isinstance(event_id, str) else None


def requested_unit(payload: Any, games: Games) -> Unit | None:
    """The known unit a body names (its event's final without a phase), read before it is
    validated, like `requested_event`."""
    event = requested_event(payload, games)
    phase = payload.get("phase") if isinstance(payload, dict) else None
    if event is None or not isinstance(phase, str | None):
        return None
    return event.unit(phase or RANKING_PHASE)


def claims_records(payload: Any) -> bool:
    """Whether a body, as sent, claims a record for an entry: only then are the event's other
    units read for `check_result`."""
    entries = payload.get("entries") if isinstance(payload, dict) else None
    return isinstance(entries, list) and any(
        isinstance(entry, dict) and entry.get("record") is not None for entry in entries)


def check_result(
    payload: Any, games: Games, others: Sequence[UnitResult] = ()
) -> tuple[ResultBody | None, list[Issue]]:
    """The valid body, or None and every problem found, in the order of the body.

    `others` are the latest revisions of the event's other units: the records a claim must
    beat may have been set there (the body's own unit is left out of them)."""
    issues = _unknown_names(payload, games)
    try:
        body = ResultBody.model_validate(payload)
    except ValidationError as error:
        issues += [Issue(_pointer(item["loc"]), shape_text(item))
                   for item in error.errors(include_url=False)]
        if isinstance(payload, dict) and "entries" not in payload and "match" not in payload:
            issues.append(Issue("/entries", _MISSING))
    else:
        event = games.event(body.event_id)
        issues += _whole_result_issues(body, event, games)
        if event is not None:
            issues += _mark_and_claim_issues(body, event, games, others)
    if issues:
        return None, sorted(issues, key=lambda issue: _pointer_order(issue.pointer))
    return body, []


def _unknown_names(payload: Any, games: Games) -> list[Issue]:
    """An event or delegations the games do not have, wherever the body names one as text."""
    if not isinstance(payload, dict):
        return []
    issues: list[Issue] = []
    event_id = payload.get("event_id")
    if isinstance(event_id, str) and games.event(event_id) is None:
        hint = _did_you_mean(event_id, [event.id for event in games.events])
        issues.append(Issue("/event_id", Text(
            f"unknown event {event_id!r}{hint.en}", f"没有项目 {event_id!r}{hint.zh}")))
    entries = payload.get("entries")
    codes = games.delegation_codes
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        code = entry.get("delegation") if isinstance(entry, dict) else None
        if isinstance(code, str) and code not in codes:
            hint = _did_you_mean(code, codes)
            listed = ", ".join(codes)
            issues.append(Issue(f"/entries/{index}/delegation", Text(
                f"unknown delegation {code!r}{hint.en}; the delegations are {listed}",
                f"没有代表团 {code!r}{hint.zh}；代表团代码为 {listed}")))
    return issues


def _whole_result_issues(body: ResultBody, event: Event | None, games: Games) -> list[Issue]:
    issues: list[Issue] = []
    unit = None if event is None else event.unit(body.unit_phase)
    if event is not None and unit is None:
        phases = ", ".join(u.phase for u in event.units)
        issues.append(Issue("/phase", Text(
            f"{event.id} has no unit {body.phase!r}; its units are {phases}",
            f"{event.name}没有赛次 {body.phase!r}；其赛次为 {phases}")))
    if event is not None and event.tournament is not None and unit is not None:
        issues.extend(_match_issues(body, event, unit))
    else:
        issues.extend(_entries_issues(body))
    if event is not None and event.kind == "individual":
        issues.extend(
            Issue(f"/entries/{index}/members", Text(
                f"{event.id} is an individual event: members are only for team events",
                f"{event.name}是个人项目：只有团体项目才填写队员"))
            for index, entry in enumerate(body.entries or ()) if entry.members
        )
    names = {delegation.code: delegation.name for delegation in games.delegations}
    issues.extend(
        Issue(f"/entries/{index}/{field}", engine_text(message, names))
        for index, field, message in rank_problems(
            body.normalized_entries
        )
    )
    return issues


def _entries_issues(body: ResultBody) -> list[Issue]:
    if body.match is not None:
        return [Issue("/match", Text(
            "only a match of a team event played as a tournament has a match; give entries",
            "只有团体赛的比赛才填写 match；请填写 entries"))]
    if body.entries is None:
        return [Issue("/entries", _MISSING)]
    if body.status == "cancelled" and body.entries:
        return [Issue("/entries", Text(
            "a cancelled result has no entries: send \"entries\": [] (the note says why)",
            "取消的结果不能有条目：请发送空的 entries（在备注中说明原因）"))]
    if body.status != "cancelled" and not body.entries:
        return [Issue("/entries", Text(
            f"a {body.status} result needs at least one entry",
            f"{_STATUS_ZH[body.status]}结果至少要有一个条目"))]
    return []


def _match_issues(body: ResultBody, event: Event, unit: Unit) -> list[Issue]:
    """A team tournament's units: its matches take a match, its final nothing (the matches
    decide it). Whether the match stands is checked against the other matches' results, in
    the transaction that stores it (services/ingest/tournament.py)."""
    if unit.phase == RANKING_PHASE:
        return [Issue("/phase", Text(
            f"the final standings of {event.id} are derived from its matches: enter each "
            "match's result (phase pool-A-m1, sf-1, gold, ...)",
            f"{event.name}的最终名次由比赛成绩自动得出：请录入各场比赛的成绩"))]
    issues = []
    if body.entries:
        issues.append(Issue("/entries", Text(
            f"{unit.unit_id} is a match: its result is its match (sides and score), not "
            "entries",
            f"{unit.unit_id} 是一场比赛：成绩填写在 match 中（双方与比分），不填 entries")))
    if body.status == "cancelled" and body.match is not None:
        issues.append(Issue("/match", Text(
            "a cancelled match has no score: leave match out (the note says why)",
            "取消的比赛没有比分：请不要填写 match（在备注中说明原因）")))
    if body.status != "cancelled" and body.match is None:
        issues.append(Issue("/match", Text(
            f"a {body.status} result of a match needs its match: sides and score",
            f"{_STATUS_ZH[body.status]}比赛成绩必须填写 match：双方与比分")))
    return issues


def _mark_and_claim_issues(
    body: ResultBody, event: Event, games: Games, others: Sequence[UnitResult]
) -> list[Issue]:
    """Marks in the event's measure and agreeing with the ranks; claims the marks support."""
    entries = body.normalized_entries
    book = games.records
    found = mark_problems(entries, book.measure(event.id))
    unit = event.unit(body.unit_phase)
    if unit is not None and any(entry.record is not None for entry in entries):
        # Checked as if accepted now: after every revision stored so far.
        submission = UnitResult(event_id=event.id, phase=unit.phase, revision=body.revision,
                                status=body.status, starts_at=unit.starts_at,
                                accepted_at=datetime.now(UTC), entries=entries)
        found += claim_problems(book, others, submission)
    return [Issue(f"/entries/{index}/{field}", _text(message))
            for index, field, message in found]


def _text(message: Bilingual) -> Text:
    return Text(message.en, message.zh)


_MISSING = Text("required, but missing", "必填，但没有填写")
_STATUS_ZH = {"provisional": "临时", "official": "正式", "cancelled": "取消的"}


def bib_issues(
    entries: Sequence[Entry], entrants: Sequence[Entrant], games: Games, event: Event
) -> list[Issue]:
    """Where the event has entries, each entry names its competitor by bib: a bib entered in
    the event, of the delegation and name the result gives (a mistyped bib that belongs to
    someone else is caught here). Without entries, v1's free text stands."""
    if not entrants:
        return []
    by_bib = {entrant.bib: entrant for entrant in entrants}
    names = {delegation.code: delegation.name for delegation in games.delegations}
    issues = []
    for index, entry in enumerate(entries):
        pointer = f"/entries/{index}/bib"
        entrant = by_bib.get(entry.bib or "")
        if entry.bib is None:
            issues.append(Issue(pointer, Text(
                f"{event.id} has entries: name each competitor by bib (the start list has "
                "them)",
                f"{event.name}已有报名：请按号码填写每名运动员（见秩序册）")))
        elif entrant is None:
            issues.append(Issue(pointer, Text(
                f"bib {entry.bib!r} is not entered in {event.id}",
                f"号码 {entry.bib!r} 未报名{event.name}")))
        elif entrant.delegation != entry.delegation:
            theirs, given = (names.get(code, code) for code in (entrant.delegation,
                                                               entry.delegation))
            issues.append(Issue(pointer, Text(
                f"bib {entry.bib} is {entrant.name} of {entrant.delegation}, not of "
                f"{entry.delegation}",
                f"号码 {entry.bib} 是{theirs}的{entrant.name}，不是{given}的")))
        elif entrant.name != entry.competitor:
            issues.append(Issue(pointer, Text(
                f"bib {entry.bib} is {entrant.name}, not {entry.competitor}: check the bib",
                f"号码 {entry.bib} 是{entrant.name}，不是{entry.competitor}：请核对号码")))
    return issues


def _pointer(location: tuple[int | str, ...]) -> str:
    # RFC 6901: "" is the whole document; "~" and "/" in a key are escaped.
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in location
    )


# Problems are listed in the order of the body, fields as the contract lists them.
_RESULT_FIELDS = ("event_id", "phase", "revision", "status", "entries", "match", "note")
_MATCH_FIELDS = ("sides", "score", "forfeit", "total", "periods", "sets", "shootout")
_ENTRY_FIELDS = ("rank", "bib", "delegation", "competitor", "status", "mark", "record",
                 "members")


def _pointer_order(pointer: str) -> tuple[tuple[int, str], ...]:
    # Entries by number (entry 10 after entry 9); an unknown field after the known ones. Field
    # names and list positions alternate ("/entries/3/members/0"), so a field named "7" or
    # "²" is ordered as a field, never read as a number.
    order = []
    nested = _MATCH_FIELDS if pointer.startswith("/match/") else _ENTRY_FIELDS
    for depth, part in enumerate(pointer.split("/")[1:]):
        fields = _RESULT_FIELDS if depth == 0 else nested
        if depth % 2 == 1 and part.isascii() and part.isdigit():
            order.append((int(part), ""))
        else:
            order.append((fields.index(part) if part in fields else len(fields), part))
    return tuple(order)


# --- checks and tokens ----------------------------------------------------------------------

class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    note: Note | None = None


def requested_revision(text: str) -> int | None:
    """The revision a check's path names: a whole number 1 … MAX_REVISION, written plainly."""
    if not text.isascii() or not text.isdigit() or text.startswith("0") or len(text) > 5:
        return None
    revision = int(text)
    return revision if revision <= MAX_REVISION else None


def check_note(payload: Any, *, required: bool) -> tuple[str | None, list[Issue]]:
    """The note of a confirmation (optional: no body at all will do) or a review (the
    protest's reason, required)."""
    try:
        body = CheckBody.model_validate({} if payload is None and not required else payload)
    except ValidationError as error:
        return None, [Issue(_pointer(item["loc"]), shape_text(item))
                      for item in error.errors(include_url=False)]
    if required and body.note is None:
        return None, [Issue("/note", Text(
            "a review needs its reason: send {\"note\": \"...\"} (media see it)",
            "申诉复核须写明理由：请发送 note（媒体可见）"))]
    return body.note, []


class TokenRequest(BaseModel):
    """`POST /v1/desk/tokens`: who holds the new token, its role, venues and expiry."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Role
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(_name)]
    venues: list[str] = Field(default_factory=list, max_length=50)
    expires: str | None = Field(default=None, max_length=40)


@dataclass(frozen=True)
class WantedToken:
    role: Role
    name: str
    venues: tuple[str, ...]
    expires_at: datetime | None


def check_token_request(
    payload: Any, games: Games, now: datetime
) -> tuple[WantedToken | None, list[Issue]]:
    """The token asked for, or None and every problem with the request."""
    try:
        body = TokenRequest.model_validate(payload)
    except ValidationError as error:
        return None, [Issue(_pointer(item["loc"]), shape_text(item))
                      for item in error.errors(include_url=False)]
    issues: list[Issue] = []
    known = [venue.id for venue in games.venues]
    for index, venue in enumerate(body.venues):
        if venue not in known:
            hint = _did_you_mean(venue, known)
            issues.append(Issue(f"/venues/{index}", Text(f"unknown venue {venue!r}{hint.en}",
                                                         f"没有场馆 {venue!r}{hint.zh}")))
    venues = tuple(dict.fromkeys(body.venues))
    problem = token_problem(body.role, body.name, venues)
    if problem is not None:
        issues.append(Issue("/venues", Text(problem, "只有记录员、裁判长和裁判的令牌可限定场馆")))
    expires_at = None
    if body.expires is not None:
        try:
            expires_at = parse_expiry(body.expires, now)
        except ValueError as error:
            issues.append(Issue("/expires", Text(str(error), (
                f"{body.expires!r} 不是将来的日期（2024-09-30）或时间（2024-09-30T18:00）"))))
    if issues:
        return None, issues
    return WantedToken(body.role, body.name, venues, expires_at), []
