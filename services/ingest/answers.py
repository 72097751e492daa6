# Chinese messages use full-width punctuation on purpose.
"""ingest's refusals, raised by its handlers and answered as RFC 9457 problem details worded
for officials in their language (chosen from the request's Accept-Language)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from services.ingest.store import Conflict
from services.ingest.texts import Issue, Text, negotiate
from services.ingest.unit_texts import unit_text
from shared.adapters.tokens import Token
from shared.adapters.web import ProblemError, problem_response, status_title
from shared.domain.games import Event, Games
from shared.domain.units import Unit

MAX_BODY_BYTES = 256 * 1024
RETRY_AFTER_S = 5


class Refusal(ProblemError):
    """A refusal in both languages; the answer is in the one the official reads."""

    def __init__(self, status: int, text: Text, issues: Sequence[Issue] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, text.en, headers=headers)
        self.text = text
        self.issues = tuple(issues)

    def response(self, request: Request) -> Response:
        lang = negotiate(request.headers.get("accept-language", ""))
        return problem_response(
            self.status, status_title(self.status), self.text.in_(lang),
            [issue.problem(lang) for issue in self.issues],
            headers={"Content-Language": "zh-CN" if lang == "zh" else "en", **self.headers},
        )


def no_token() -> Refusal:
    return Refusal(401, Text(
        "sign in: send your token as 'Authorization: Bearer <token>'",
        "请先登录：以 'Authorization: Bearer <令牌>' 发送您的令牌"),
        headers={"WWW-Authenticate": "Bearer"})


def unknown_token(revoked: datetime | None) -> Refusal:
    if revoked is None:
        text = Text("this token is unknown; check that it was copied whole",
                    "令牌无效；请检查是否完整复制")
    else:
        when = f"{revoked:%Y-%m-%d %H:%M} UTC"
        text = Text(f"this token was revoked on {when}; ask the games office for a new one",
                    f"此令牌已于 {when} 被撤销；请向赛会办公室申请新令牌")
    return Refusal(401, text, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def media_key() -> Refusal:
    return Refusal(403, Text(
        "a media key cannot enter results or read the officials' audit trail",
        "媒体密钥不能录入成绩，也不能查看裁判的修改记录"))


def venue_not_allowed(token: Token, event: Event, games: Games,
                      venue_id: str | None = None) -> Refusal:
    """The token's venues do not include the event's (or its unit's, `venue_id`)."""
    venue = games.venue(venue_id or event.venue)
    assert venue is not None, "games.yaml references are checked"
    venues = ", ".join(token.venues)
    names = "、".join(v.name for v in games.venues if v.id in token.venues)
    return Refusal(403, Text(
        f"{event.id} is held at {venue.id}; this token is for {venues} only",
        f"{event.name}（{event.id}）在{venue.name}举行；此令牌仅限{names}"))


def too_large() -> Refusal:
    limit = MAX_BODY_BYTES // 1024
    return Refusal(413, Text(
        f"the body is larger than {limit} KiB; nothing was stored",
        f"提交内容超过 {limit} KiB；未保存任何内容"))


def not_json(error: str) -> Refusal:
    issue = Issue("", Text(f"not valid JSON: {error}", f"不是有效的 JSON：{error}"))
    return Refusal(422, Text(
        "the body is not valid JSON; nothing was stored",
        "提交内容不是有效的 JSON；未保存任何内容"), [issue])


def invalid(issues: Sequence[Issue]) -> Refusal:
    count = len(issues)
    return Refusal(422, Text(
        f"the result has {count} problem{'' if count == 1 else 's'}; nothing was stored",
        f"结果有 {count} 处问题；未保存任何内容"), issues)


def conflict(found: Conflict, event: Event) -> Refusal:
    following = found.current_revision + 1
    if found.taken_at is not None:
        when = f"{found.taken_at:%Y-%m-%d %H:%M:%S} UTC"
        text = Text(
            f"revision {found.revision} of {event.id} was already accepted with other content"
            f" (by {found.taken_by}, {when}); the current revision is"
            f" {found.current_revision}: to correct it, submit revision {following}",
            f"{event.name}的第 {found.revision} 版已由{found.taken_by}于 {when} 提交，内容不同；"
            f"当前为第 {found.current_revision} 版，如需更正请提交第 {following} 版")
    else:
        text = Text(
            f"revision {found.revision} does not follow the current revision"
            f" {found.current_revision} of {event.id}; submit revision {following}",
            f"版本号 {found.revision} 不对：{event.name}当前为第 {found.current_revision} 版，"
            f"应提交第 {following} 版")
    return Refusal(409, text, [Issue("/revision", text)])


def unknown_event(event_id: str) -> Refusal:
    return Refusal(404, Text(f"unknown event {event_id!r}", f"没有项目 {event_id!r}"))


def database_down() -> Refusal:
    return Refusal(503, Text(
        f"the results database cannot be reached right now; try again in {RETRY_AFTER_S} s. A"
        " submission answered 503 was not confirmed: send the very same one again, and if it"
        " did arrive the answer is 200 and nothing is counted twice",
        f"成绩数据库暂时无法连接，请 {RETRY_AFTER_S} 秒后重试。得到 503 的提交未被确认："
        "请重新发送完全相同的内容；如果其实已经收到，会返回 200，不会重复计算"),
        headers={"Retry-After": str(RETRY_AFTER_S)})


def unknown_unit(unit_id: str) -> Refusal:
    return Refusal(404, Text(
        f"unknown unit {unit_id!r}; a unit is <event id>/<phase>, e.g. ath-youth-m-100m/heat-1",
        f"没有赛次 {unit_id!r}；赛次写作 <项目代码>/<赛次>，例如 ath-youth-m-100m/heat-1"))


def unit_refused(unit: Unit, event: Event, reason: str, *, conflict: bool) -> Refusal:
    """A status the unit cannot take (409: its state says no; 422: the request is wrong)."""
    why = unit_text(reason)
    where = f"{event.name}{unit.phase_name}"
    text = Text(f"{unit.unit_id}: {why.en}", f"{where}（{unit.unit_id}）：{why.zh}")
    pointer = "/status" if conflict else "/starts_at"
    return Refusal(409 if conflict else 422, text, [Issue(pointer, why)])


def round_closed(unit: Unit, event: Event, reason: str) -> Refusal:
    """A heat's correction refused: the next round has a result or has started."""
    why = unit_text(reason)
    return Refusal(409, Text(
        f"{unit.unit_id} cannot be corrected now: {why.en}; nothing was stored",
        f"{event.name}{unit.phase_name}（{unit.unit_id}）现在不能更正：{why.zh}；未保存任何内容"),
        [Issue("/phase", why)])


def match_conflict(unit: Unit, event: Event, dependent: Sequence[str]) -> Refusal:
    """A match's correction refused: it would change who plays matches that have a result."""
    listed = ", ".join(f"{event.id}/{phase}" for phase in dependent)
    why = Text(f"it would change who plays {listed}, which already have a result: correct "
               "those first (latest first)",
               f"更正会改变已有成绩的比赛 {listed} 的对阵：请先更正这些比赛（从最后一场起）")
    return Refusal(409, Text(
        f"{unit.unit_id} cannot be corrected this way: {why.en}; nothing was stored",
        f"{event.name}{unit.phase_name}（{unit.unit_id}）不能这样更正：{why.zh}；未保存任何内容"),
        [Issue("/match", why)])
