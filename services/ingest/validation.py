"""Checks a submitted result and lists every problem with a JSON pointer to it."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.domain.engine import rank_problems
from shared.domain.games import Event, Games
from shared.messages import EntryStatus, RecordLevel, ResultEntry, ResultStatus
from shared.web import Problem

MAX_ENTRIES = 500


class EntryBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    rank: int | None = None
    delegation: str = Field(min_length=1, max_length=40)
    competitor: str = Field(min_length=1, max_length=200)
    status: EntryStatus = "OK"
    mark: str | None = Field(default=None, max_length=40)
    record: RecordLevel | None = None
    members: list[str] = Field(default_factory=list, max_length=60)


class ResultBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    event_id: str = Field(min_length=1, max_length=100)
    revision: int = Field(ge=1)
    status: ResultStatus
    entries: list[EntryBody] = Field(max_length=MAX_ENTRIES)
    note: str | None = Field(default=None, max_length=2000)

    def normalized_entries(self) -> tuple[ResultEntry, ...]:
        return tuple(
            ResultEntry(
                rank=e.rank, delegation=e.delegation, competitor=e.competitor.strip(),
                status=e.status, mark=e.mark, record=e.record,
                members=tuple(m.strip() for m in e.members),
            )
            for e in self.entries
        )


def _pointer(location: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in location)


def parse_body(payload: Any) -> tuple[ResultBody | None, list[Problem]]:
    try:
        return ResultBody.model_validate(payload), []
    except ValidationError as error:
        problems = [
            Problem(_pointer(tuple(item["loc"])), item["msg"])
            for item in error.errors(include_url=False)
        ]
        return None, problems


def check_against_games(body: ResultBody, games: Games) -> tuple[Event | None, list[Problem]]:
    """What only the games definition can tell: the event, the delegations, the ranks."""
    problems: list[Problem] = []
    event = games.event(body.event_id)
    if event is None:
        problems.append(Problem("/event_id", f"unknown event {body.event_id!r}"))
    delegations = games.delegation_codes
    for index, entry in enumerate(body.entries):
        if entry.delegation not in delegations:
            problems.append(Problem(
                f"/entries/{index}/delegation",
                f"unknown delegation {entry.delegation!r}; expected one of "
                + ", ".join(sorted(delegations)),
            ))
    if body.status == "cancelled" and body.entries:
        problems.append(Problem("/entries", "a cancelled result has no entries"))
    if body.status == "official" and not body.entries:
        problems.append(Problem("/entries", "an official result needs at least one entry"))
    inputs = [entry.to_input() for entry in body.normalized_entries()]
    for index, field, detail in rank_problems(inputs):
        problems.append(Problem(f"/entries/{index}/{field}", detail))
    return event, problems
