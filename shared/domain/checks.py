"""The second check of a result (录入 → 审核, docs/officials.md): which entered revisions wait
for a confirmation before they count, and what a confirmation or a review does to a revision.

One revision's checks are a small state, the same at ingest (which refuses a check that does
not apply) and at scoring (which applies the checks ingest accepted, in order):

- an official revision entered to wait is `unofficial`: shown, not counted, until a confirm;
- an official revision that counts can be put under review (a protest, 申诉) with a note; a
  confirm (the jury upholds it) or a correction (a new revision) ends the review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

from shared.domain.rules import Rules

CheckAction = Literal["confirm", "review"]
CHECK_ACTIONS: Final = ("confirm", "review")
# The status readers see of an official revision that waits for its confirmation.
UNOFFICIAL: Final = "unofficial"


def awaits_confirmation(role: str, status: str, sport: str, rules: Rules) -> bool:
    """Whether a revision entered now waits for a second check: an official one from a
    recorder always, from anyone where the rules file asks for it for the sport."""
    return status == "official" and (role == "recorder"
                                     or rules.confirmation.required_for(sport))


@dataclass(frozen=True)
class Step:
    """A check as it was made: by whom (the token's name), when, with what note."""

    by: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class Checks:
    """What the checks made of one revision so far."""

    confirmed: Step | None = None  # the latest confirm
    review: Step | None = None  # under review since, with the protest's note
    last_check: int = 0  # the id of the last check applied: each is applied once

    def counts(self, awaits: bool) -> bool:
        """Whether the revision counts in the tables (a waiting one once confirmed)."""
        return not awaits or self.confirmed is not None

    def shown_status(self, status: str, awaits: bool) -> str:
        return status if self.counts(awaits) else UNOFFICIAL

    def refusal(self, action: CheckAction, status: str, awaits: bool) -> str | None:
        """Why `action` does not apply to the current revision in this state (English, for
        logs and the refusal's key); None when it does."""
        waiting = not self.counts(awaits)
        if action == "confirm":
            if waiting or self.review is not None:
                return None
            if status == "official":
                return "already_official"
            return "not_official"
        if waiting:
            return "awaits_confirmation"
        if status != "official":
            return "not_official"
        if self.review is not None:
            return "under_review"
        return None

    def after(self, action: CheckAction, step: Step, check_id: int) -> Checks:
        """The state once `action` (which applies: see `refusal`) was made."""
        if action == "confirm":
            return Checks(confirmed=step, review=None, last_check=check_id)
        return replace(self, review=step, last_check=check_id)


NO_CHECKS: Final = Checks()


def checks_made(
    status: str, awaits: bool, made: Iterable[tuple[CheckAction, Step, int]]
) -> Checks:
    """What the checks of one revision, in the order they were made (action, step, id), made
    of it: each where it applies, as ingest accepted them."""
    checks = NO_CHECKS
    for action, step, check_id in made:
        if checks.refusal(action, status, awaits) is None:
            checks = checks.after(action, step, check_id)
    return checks
