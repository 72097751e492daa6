"""What the audit trail says each revision changed."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingest.audit import changes, history_document
from services.ingest.store import StoredRevision
from shared.adapters.definitions import load_definitions
from shared.adapters.settings import Settings
from shared.domain.engine import Entry

EVENT = load_definitions(Settings().games_dir).games.events[0]
WHEN = datetime(2024, 9, 20, 1, 30, tzinfo=UTC)


def entry(rank: int | None, competitor: str, delegation: str = "qinyang",
          **more: object) -> Entry:
    return Entry.model_validate(
        {"rank": rank, "delegation": delegation, "competitor": competitor, **more})


def revision(number: int, status: str, *entries: Entry, note: str | None = None,
             published: bool = True) -> StoredRevision:
    return StoredRevision(
        revision=number, status=status, note=note, entries=entries, accepted_at=WHEN,
        entered_by="裁判 张", entered_by_role="official",
        published_at=WHEN if published else None,
    )


def test_a_first_revision_adds_every_entry() -> None:
    first = revision(1, "provisional", entry(1, "李明"), entry(None, "赵刚", status="DNS"))
    assert changes(None, first) == [
        {"change": "added", "delegation": "qinyang", "competitor": "李明", "rank": 1,
         "status": "OK"},
        {"change": "added", "delegation": "qinyang", "competitor": "赵刚", "rank": None,
         "status": "DNS"},
    ]


def test_a_correction_lists_each_kind_of_change() -> None:
    before = revision(
        1, "provisional",
        entry(1, "李明", mark="10.91"), entry(2, "王强", "mengzhou"), entry(3, "赵刚", "wuzhi"),
        entry(4, "陈晨", "boai"),
    )
    after = revision(
        2, "official",
        entry(1, "王强", "mengzhou"), entry(2, "李明", mark="10.93", record="games"),
        entry(None, "赵刚", "wuzhi", status="DSQ"), entry(3, "孙宇", "xiuwu"),
    )
    assert changes(before, after) == [
        {"change": "result_status", "from": "provisional", "to": "official"},
        {"change": "reranked", "delegation": "mengzhou", "competitor": "王强", "from": 2, "to": 1},
        {"change": "reranked", "delegation": "qinyang", "competitor": "李明", "from": 1, "to": 2},
        {"change": "mark", "delegation": "qinyang", "competitor": "李明", "from": "10.91",
         "to": "10.93"},
        {"change": "record", "delegation": "qinyang", "competitor": "李明", "from": None,
         "to": "games"},
        {"change": "reranked", "delegation": "wuzhi", "competitor": "赵刚", "from": 3,
         "to": None},
        {"change": "status", "delegation": "wuzhi", "competitor": "赵刚", "from": "OK",
         "to": "DSQ"},
        {"change": "added", "delegation": "xiuwu", "competitor": "孙宇", "rank": 3,
         "status": "OK"},
        {"change": "removed", "delegation": "boai", "competitor": "陈晨", "rank": 4,
         "status": "OK"},
    ]


def test_the_same_name_in_another_delegation_is_another_competitor() -> None:
    before = revision(1, "official", entry(1, "李明", "qinyang"))
    after = revision(2, "official", entry(1, "李明", "mengzhou"))
    assert [c["change"] for c in changes(before, after)] == ["added", "removed"]


def test_team_members_changes_are_listed() -> None:
    before = revision(1, "official", entry(1, "沁阳队", members=("张三", "李四")))
    after = revision(2, "official", entry(1, "沁阳队", members=("张三", "王五")))
    assert changes(before, after) == [
        {"change": "members", "delegation": "qinyang", "competitor": "沁阳队",
         "from": ["张三", "李四"], "to": ["张三", "王五"]},
    ]


def test_an_unchanged_resubmission_of_the_result_changes_nothing() -> None:
    same = (entry(1, "李明"), entry(2, "王强", "mengzhou"))
    assert changes(revision(1, "official", *same), revision(2, "official", *same,
                                                            note="复核无误")) == []


def test_history_flags_corrections_of_official_results() -> None:
    document = history_document(EVENT, [
        revision(1, "provisional", entry(1, "李明")),
        revision(2, "official", entry(1, "李明")),
        revision(3, "official", entry(1, "王强", "mengzhou"), note="录入错误", published=False),
        revision(4, "cancelled", note="雷雨停赛"),
    ])
    assert document["current_revision"] == 4
    assert document["event"]["id"] == EVENT.id
    revisions = document["revisions"]
    assert [r["correction"] for r in revisions] == [False, False, True, True]
    assert [r["published"] for r in revisions] == [True, True, False, True]
    assert revisions[2]["note"] == "录入错误"
    assert revisions[2]["entered_by"] == "裁判 张"
    assert revisions[3]["entries"] == []
    assert revisions[3]["changes"] == [
        {"change": "result_status", "from": "official", "to": "cancelled"},
        {"change": "removed", "delegation": "mengzhou", "competitor": "王强", "rank": 1,
         "status": "OK"},
    ]


def test_an_event_without_results_has_an_empty_history() -> None:
    assert history_document(EVENT, []) == {
        "event": EVENT.model_dump(mode="json"), "current_revision": 0, "revisions": [],
    }
