# Chinese messages use full-width punctuation on purpose.
"""ingest's refusals, raised by its handlers and answered as RFC 9457 problem details worded
for officials in their language (chosen from the request's Accept-Language)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from services.ingest.store import CheckRefused, Conflict, CurrentRevision
from services.ingest.texts import Issue, Text, negotiate
from services.ingest.unit_texts import unit_text
from shared.adapters.tokens import Refused, Token
from shared.adapters.web import ProblemError, problem_response, status_title
from shared.domain.checks import CheckAction
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


def unknown_token(refused: Refused | None) -> Refusal:
    if refused is None:
        text = Text("this token is unknown; check that it was copied whole",
                    "令牌无效；请检查是否完整复制")
    elif refused.reason == "revoked":
        when = _utc(refused.at, seconds=False)
        text = Text(f"this token was revoked on {when}; ask the games office for a new one",
                    f"此令牌已于 {when} 被撤销；请向赛会办公室申请新令牌")
    else:
        when = _utc(refused.at, seconds=False)
        text = Text(f"this token expired on {when}; ask the games office for a new one",
                    f"此令牌已于 {when} 过期；请向赛会办公室申请新令牌")
    return Refusal(401, text, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def too_many_requests(retry_after_s: float) -> Refusal:
    seconds = max(1, round(retry_after_s + 0.5))
    return Refusal(429, Text(
        f"this token sent too many requests; try again in {seconds} s (nothing was done)",
        f"此令牌请求过于频繁，请 {seconds} 秒后重试（本次请求未执行）"),
        headers={"Retry-After": str(seconds)})


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
        when = _utc(found.taken_at)
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


def _utc(moment: datetime, *, seconds: bool = True) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if seconds else f"{moment:%Y-%m-%d %H:%M} UTC"


# --- the second check -------------------------------------------------------------------

_ACTION = {"confirm": Text("confirm", "确认"), "review": Text("put under review", "提出申诉复核")}


def may_not_check(token: Token, action: CheckAction) -> Refusal:
    """A token whose role confirms and reviews nothing (a referee or the desk do)."""
    doing = _ACTION[action]
    if token.role == "recorder":
        return Refusal(403, Text(
            f"a recorder enters results but cannot {doing.en} them: a referee of the venue or"
            " the results desk does",
            f"记录员可录入成绩，但不能{doing.zh}：请由本场馆的裁判长或成绩处办理"))
    return Refusal(403, Text(
        f"a token of role {token.role} cannot {doing.en} results: ask the games office for a"
        " referee token",
        f"{token.role} 角色的令牌不能{doing.zh}成绩：请向赛会办公室申请裁判长令牌"))


def recorder_cannot_withdraw(event: Event, status: str) -> Refusal:
    return Refusal(403, Text(
        f"{event.id} has an official result: a recorder may correct it (the correction waits"
        f" for its confirmation) but not make it {status}; a referee or the results desk can",
        f"{event.name}已有正式成绩：记录员可提交更正（待确认后生效），但不能改为"
        f"{'临时成绩' if status == 'provisional' else '取消'}；请由裁判长或成绩处办理"),
        [Issue("/status", Text(f"a recorder cannot make an official result {status}",
                               "记录员不能撤回或降级正式成绩"))])


def check_refused(refused: CheckRefused, event: Event, action: CheckAction) -> Refusal:
    """Why a confirmation or review of revision `refused.revision` cannot be made."""
    revision, current = refused.revision, refused.current
    if current is None:
        return Refusal(404, Text(f"no result of {event.id} has been entered yet",
                                 f"{event.name}尚未录入成绩"))
    if refused.reason == "no_such_revision":
        return Refusal(404, Text(
            f"{event.id} has no revision {revision}: its current revision is {current.revision}",
            f"{event.name}没有第 {revision} 版：当前为第 {current.revision} 版"))
    if refused.reason == "stale":
        return Refusal(409, Text(
            f"revision {revision} of {event.id} is no longer current: the current revision is"
            f" {current.revision} ({current.shown_status}, entered by {current.entered_by},"
            f" {_utc(current.accepted_at)}); check that one",
            f"{event.name}的第 {revision} 版已不是当前版本：当前为第 {current.revision} 版"
            f"（{current.entered_by}于 {_utc(current.accepted_at)} 录入），请核对该版本"))
    if refused.reason == "own_entry":
        return Refusal(403, Text(
            f"you entered revision {revision} of {event.id} yourself: a different referee of the"
            " venue, or the results desk, must confirm it",
            f"{event.name}的第 {revision} 版是您本人录入的：须由本场馆另一位裁判长或成绩处确认"
            "（双人复核）"))
    return Refusal(409, _state_text(refused.reason, revision, current, event, action))


def _state_text(
    reason: str, revision: int, current: CurrentRevision, event: Event, action: CheckAction
) -> Text:
    confirmed, review = current.checks.confirmed, current.checks.review
    if reason == "already_official":
        by = (f" (confirmed by {confirmed.by}, {_utc(confirmed.at)})" if confirmed
              else " (it did not need a confirmation)")
        by_zh = (f"（已由{confirmed.by}于 {_utc(confirmed.at)} 确认）" if confirmed
                 else "（无需确认）")
        return Text(f"revision {revision} of {event.id} is official already{by}: nothing waits"
                    " for a confirmation",
                    f"{event.name}的第 {revision} 版已是正式成绩{by_zh}，没有待确认的内容")
    if reason == "not_official":
        return Text(f"revision {revision} of {event.id} is {current.status}: only an official"
                    f" result can be {'confirmed' if action == 'confirm' else 'put under review'}",
                    f"{event.name}的第 {revision} 版不是正式成绩，不能{_ACTION[action].zh}")
    if reason == "awaits_confirmation":
        return Text(f"revision {revision} of {event.id} awaits its confirmation: a review is of"
                    " an official result; confirm it, or enter a correction",
                    f"{event.name}的第 {revision} 版尚待确认：申诉针对正式成绩；"
                    "请先确认，或提交更正")
    assert reason == "under_review" and review is not None, reason
    return Text(f"revision {revision} of {event.id} is under review already (since"
                f" {_utc(review.at)}, by {review.by}): confirm it to end the review, or enter a"
                " correction",
                f"{event.name}的第 {revision} 版已在申诉复核中（{review.by}于 {_utc(review.at)}"
                " 提出）：确认以结束复核，或提交更正")


def no_revision(event: Event, text: str) -> Refusal:
    return Refusal(404, Text(f"{text!r} is not a revision of {event.id}: revisions are 1, 2, …",
                             f"{text!r} 不是{event.name}的版本号：版本号为 1、2、…"))


# --- the results desk -------------------------------------------------------------------

def desk_only() -> Refusal:
    return Refusal(403, Text("the results desk is for admin tokens only",
                             "成绩处控制台仅限成绩处（admin）令牌使用"))


def bad_day(text: str) -> Refusal:
    return Refusal(400, Text(f"date {text!r} is not a day: write 2024-09-20, or today",
                             f"日期 {text!r} 无效：请写 2024-09-20 或 today"))


def unknown_parameters(names: list[str], known: list[str]) -> Refusal:
    listed, allowed = ", ".join(map(repr, names)), ", ".join(known)
    return Refusal(400, Text(f"unknown query parameter(s) {listed}: this address takes {allowed}",
                             f"未知的查询参数 {listed}：此地址只接受 {allowed}"))


def no_such_token(token_id: str) -> Refusal:
    return Refusal(404, Text(f"no token #{token_id}, or it is revoked already",
                             f"没有 #{token_id} 号令牌，或已被撤销"))


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
