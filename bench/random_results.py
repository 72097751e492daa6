"""Random but valid result submissions, with corrections, for the rebuild benchmark and the
scoring tests.

Each body is what an official POSTs to /v1/results: ranks follow from random performances (so
ties are common) and so do the marks, in the event's measure, entries may be DNF, DSQ or DNS,
and each event gets a chain of revisions mixing provisional results, official ones, re-ranking
corrections and cancellations. Records are found from the marks, so no entry claims one.
"""

import random
from collections.abc import Mapping
from typing import Any

from shared.domain.games import Event
from shared.domain.marks import Measure

SURNAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = ("明", "强", "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛",
               "超", "霞", "平", "刚", "桂英", "秀兰", "建华", "志强", "海燕", "晓东")

Body = dict[str, Any]


def performance_mark(measure: Measure | None, performance: int) -> str:
    """The mark of a performance (lower is better) in `measure`: a time from 10.00 s up (and
    free text alike), a distance, height or score from 20.00 down."""
    if measure is None or measure == "time":
        return f"{10 + performance / 10:.2f}"
    return f"{20 - performance / 10:.2f}"


def random_entries(rng: random.Random, event: Event, delegations: list[str],
                   measure: Measure | None) -> list[Body]:
    count = rng.randint(2, 14)
    taken: set[tuple[str, str]] = set()
    entries: list[Body] = []
    while len(entries) < count:
        delegation = rng.choice(delegations)
        competitor = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if (delegation, competitor) in taken:
            continue  # a competitor appears once per delegation
        taken.add((delegation, competitor))
        entry: Body = {"delegation": delegation, "competitor": competitor,
                       "status": rng.choices(("OK", "DNF", "DSQ", "DNS"), (12, 1, 1, 1))[0]}
        if event.kind == "team":
            entry["members"] = [rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
                                for _ in range(rng.randint(2, 5))]
        entries.append(entry)
    return rerank(rng, entries, measure)


def rerank(rng: random.Random, entries: list[Body], measure: Measure | None) -> list[Body]:
    """The same competitors with new ranks (a re-ranking correction): ranks from random
    performances over a narrow range, so ties are common (1, 2, 2, 4, ...)."""
    performance = [rng.randint(0, len(entries)) for _ in entries]
    ok = [index for index, entry in enumerate(entries) if entry["status"] == "OK"]
    ranked = []
    for index, entry in enumerate(entries):
        new = {key: value for key, value in entry.items() if key not in ("rank", "mark", "record")}
        if entry["status"] == "OK":
            new["rank"] = 1 + sum(1 for other in ok if performance[other] < performance[index])
            new["mark"] = performance_mark(measure, performance[index])
        else:
            new["rank"] = None
        ranked.append(new)
    # Listed by rank, the way result sheets are; unranked entries last.
    return sorted(ranked, key=lambda entry: entry["rank"] or len(entries) + 1)


def revision_chain(
    rng: random.Random, event: Event, delegations: list[str], revisions: int,
    measure: Measure | None,
) -> list[Body]:
    """`revisions` successive submissions for one event, revision 1 first."""
    chain: list[Body] = []
    entries: list[Body] = []
    for revision in range(1, revisions + 1):
        status = rng.choices(("official", "provisional", "cancelled"), (6, 2, 1))[0]
        note = None
        if status == "cancelled":
            note = "器材故障 成绩取消 择期重赛"
        elif entries and rng.random() < 0.7:
            entries = rerank(rng, entries, measure)
            note = "裁判复核后更正名次"
        else:
            entries = random_entries(rng, event, delegations, measure)
        chain.append({"event_id": event.id, "revision": revision, "status": status,
                      "note": note, "entries": [] if status == "cancelled" else entries})
    return chain


def random_submissions(
    rng: random.Random, events: list[Event], delegations: list[str], total: int,
    measures: Mapping[str, Measure],
) -> list[list[Body]]:
    """`total` submissions spread over `events` (each gets at least one), as one revision
    chain per event: some events get many corrections, most a few. `measures` are the games'
    (event id -> measure)."""
    if total < len(events):
        raise ValueError(f"{total} submissions cannot cover {len(events)} events")
    counts = [1] * len(events)
    for _ in range(total - len(events)):
        counts[min(rng.randrange(len(events)), rng.randrange(len(events)))] += 1
    return [revision_chain(rng, event, delegations, count, measures.get(event.id))
            for event, count in zip(events, counts, strict=True)]
