"""Registrations: every problem of a delegation's file by sheet, row and column, entry limits,
and what a re-import changes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.registrations import (
    EntryChange,
    EntryLimits,
    Imported,
    Registrations,
    Rejected,
    Sheet,
    import_entries,
    withdraw_entries,
)
from shared.domain.start_lists import Entrant
from tests.unit.schedule_fixtures import shipped_event
from tests.unit.shipped import GAMES

LIMITS = EntryLimits.model_validate(
    {"individual": 2, "team": 1, "by_sport": {"tai-chi": {"individual": 3}}})
M100, M200, RELAY = "ath-youth-m-100m", "ath-youth-m-200m", "ath-youth-m-4x100m"
HEADER = ("项目代码", "号码", "姓名", "代表团", "队员")


def sheet(*rows: str, name: str = "报名表", header: tuple[str, ...] = HEADER) -> Sheet:
    """Rows written "cell|cell|..."."""
    return Sheet(name=name, header=header, rows=tuple(tuple(row.split("|")) for row in rows))


def imported(*sheets: Sheet, current: Registrations | None = None) -> Imported:
    result = import_entries(sheets, GAMES, LIMITS, current)
    assert isinstance(result, Imported), result
    return result


def problems(*sheets: Sheet, current: Registrations | None = None) -> list[str]:
    result = import_entries(sheets, GAMES, LIMITS, current)
    assert isinstance(result, Rejected), result
    return list(result.problems)


def test_a_valid_file_gives_each_event_its_entries() -> None:
    result = imported(
        sheet(f"{M100}|101|李明|沁阳市|", f"{M100}|201|张伟|mengzhou|", "||||",
              f"{RELAY}|QY-R1|沁阳市一队|qinyang|李明、王强,赵刚；孙磊",
              f"{M200}| 101 |李明|qinyang|"),
        sheet("每行一名运动员", name="填表说明", header=("说明",)),
    )
    assert result.registrations == Registrations({
        M100: (Entrant("101", "李明", "qinyang"), Entrant("201", "张伟", "mengzhou")),
        M200: (Entrant("101", "李明", "qinyang"),),
        RELAY: (Entrant("QY-R1", "沁阳市一队", "qinyang", ("李明", "王强", "赵刚", "孙磊")),),
    })
    assert result.skipped_sheets == ("填表说明",)
    assert [str(change) for change in result.changes] == [
        f"{M100} qinyang: added 101 李明",
        f"{M100} mengzhou: added 201 张伟",
        f"{M200} qinyang: added 101 李明",
        f"{RELAY} qinyang: added QY-R1 沁阳市一队 (李明、王强、赵刚、孙磊)",
    ]


def test_every_problem_is_named_by_sheet_row_and_column() -> None:
    header = ("项目代码", "号码", "姓名", "代表团", "性别", "组别", "备注")
    athletes = sheet(
        f"{M100}|101|李明|qinyang|男|青少年组|",
        f"{M100}|101|李明|沁阳市|M||",
        "男子100米|102|王强|mengzhou|||",
        f"{M200}|101|李华|qinyang|||",
        f"{M100}|103||洛阳市|||",
        "ath-youth-f-100m|104|赵丽|qinyang|男||",
        "|||||||",
        f"{M100}|A 12|孙磊|qinyang|?|rural|",
        "|105|周杰||||备注",
        name="田径", header=header)
    teams = sheet(
        f"{RELAY}|QY-R1|沁阳市一队|qinyang|",
        f"{M100}|106|周|qinyang|张三、李四",
        f"{RELAY}|QY-R2|沁阳市二队|mengzhou|张三、李四,张三",
        name="接力")
    assert problems(athletes, teams) == [
        "田径 row 4, column A (项目代码): unknown event '男子100米'; 男子100米 is the name of "
        f"{M100}: write the event id",
        "田径 row 6, column C (姓名): the name is required",
        "田径 row 6, column D (代表团): unknown delegation '洛阳市' (expected a code like "
        "qinyang or a name like 沁阳市)",
        "田径 row 7, column E (性别): 男 does not fit ath-youth-f-100m, a F event",
        "田径 row 9, column B (号码): bib 'A 12' may use letters, digits and '-' only, 16 at most",
        "田径 row 9, column E (性别): unknown gender '?' (expected M, F, X, 男, 女 or 混合)",
        f"田径 row 9, column F (组别): group 'rural' does not fit {M100}, an event of the youth "
        "group",
        "田径 row 10, column A (项目代码): the event id is required",
        "田径 row 10, column D (代表团): the delegation is required",
        f"接力 row 2, column E (队员): {RELAY} is a team event: list its members, separated by "
        "、 or ,",
        f"接力 row 3, column E (队员): {M100} is an individual event and takes no team members",
        "接力 row 4, column E (队员): 张三 listed twice in one team",
        f"田径 row 3, column B (号码): bib 101 is already entered in {M100} at 田径 row 2",
        "田径 row 5, column B (号码): bib 101 is 李华 (qinyang) here but 李明 (qinyang) at 田径 "
        "row 2; a bib names one competitor",
    ]


def test_headers_missing_or_twice() -> None:
    broken = sheet(f"101|李明|{M100}", header=("号码", "姓名", "Bib "), name="Sheet1")
    assert problems(broken) == [
        "Sheet1 row 1, column C (Bib): a second bib column, beside column A (号码)",
        "Sheet1 row 1: no event column (headed event or event_id or 项目代码 or 项目)",
        "Sheet1 row 1: no delegation column (headed delegation or 代表团 or 单位)",
    ]
    # A title row above the header moves the row numbers.
    titled = Sheet(name="报名表", header=HEADER, header_row=2,
                   rows=((M100, "101", "", "qinyang", ""),))
    assert problems(titled) == ["报名表 row 3, column C (姓名): the name is required"]


def test_entry_limits_per_delegation_and_event() -> None:
    too_many = sheet(f"{M100}|101|李明|qinyang|", f"{M100}|102|王强|qinyang|",
                     f"{M100}|103|赵刚|qinyang|", f"{M100}|201|张伟|mengzhou|",
                     f"{RELAY}|QY-R1|一队|qinyang|甲、乙", f"{RELAY}|QY-R2|二队|qinyang|丙、丁")
    assert problems(too_many) == [
        f"报名表 row 4: qinyang may enter 2 in {M100} (individual); 报名表 row 2, 报名表 row 3 "
        "already do",
        f"报名表 row 7: qinyang may enter 1 in {RELAY} (team); 报名表 row 6 already do",
    ]
    # Tai chi allows 3 per delegation.
    tai_chi = sheet(*(f"tc-youth-m-taijiquan|T{n}|选手{n}|wuzhi|" for n in range(1, 4)))
    assert len(imported(tai_chi).registrations.by_event["tc-youth-m-taijiquan"]) == 3
    assert LIMITS.limit_for(shipped_event("tc-youth-m-taijiquan")) == 3
    assert LIMITS.limit_for(shipped_event(RELAY)) == 1


FIRST = imported(sheet(f"{M100}|101|李明|qinyang|", f"{M100}|102|王强|qinyang|",
                       f"{M100}|201|张伟|mengzhou|",
                       f"{RELAY}|QY-R1|沁阳市一队|qinyang|李明、王强、赵刚、孙磊"))


def test_a_re_import_replaces_the_delegations_entries_and_says_what_changed() -> None:
    again = imported(
        sheet(f"{M100}|101|李明|qinyang|", f"{M100}|103|王强|qinyang|",
              f"{M200}|101|李明|qinyang|", f"{M200}|104|刘洋|qinyang|",
              f"{RELAY}|QY-R1|沁阳市一队|qinyang|李明、王强、赵刚、周杰"),
        current=FIRST.registrations)
    assert again.changes == (
        EntryChange(M100, "qinyang", "new bib", Entrant("102", "王强", "qinyang"),
                    Entrant("103", "王强", "qinyang")),
        EntryChange(M200, "qinyang", "added", None, Entrant("101", "李明", "qinyang")),
        EntryChange(M200, "qinyang", "added", None, Entrant("104", "刘洋", "qinyang")),
        EntryChange(RELAY, "qinyang", "changed",
                    Entrant("QY-R1", "沁阳市一队", "qinyang", ("李明", "王强", "赵刚", "孙磊")),
                    Entrant("QY-R1", "沁阳市一队", "qinyang", ("李明", "王强", "赵刚", "周杰"))),
    )
    assert str(again.changes[0]) == f"{M100} qinyang: new bib 102 王强 → 103 王强"
    # Mengzhou's entry is untouched; each event lists its entries by delegation.
    assert [e.bib for e in again.registrations.by_event[M100]] == ["101", "103", "201"]
    fewer = imported(sheet(f"{M100}|101|李明|qinyang|"), current=again.registrations)
    assert [str(change) for change in fewer.changes] == [f"{M100} qinyang: removed 103 王强"]
    assert imported(sheet(f"{M100}|101|李明|qinyang|"), current=fewer.registrations).changes \
        == ()


def test_the_desk_withdraws_a_delegation_from_an_event() -> None:
    registrations, changes = withdraw_entries(FIRST.registrations, M100, "qinyang")
    assert registrations.by_event[M100] == (Entrant("201", "张伟", "mengzhou"),)
    assert [str(change) for change in changes] == [
        f"{M100} qinyang: removed 101 李明", f"{M100} qinyang: removed 102 王强"]
    emptied, _ = withdraw_entries(registrations, M100, "mengzhou")
    assert M100 not in emptied.by_event and RELAY in emptied.by_event
    assert withdraw_entries(emptied, M100, "mengzhou") == (emptied, ())


def test_a_bib_entered_earlier_names_the_same_competitor() -> None:
    assert problems(sheet(f"{M200}|201|陈晨|qinyang|"), current=FIRST.registrations) == [
        "报名表 row 2, column B (号码): bib 201 is 陈晨 (qinyang) here but 张伟 (mengzhou) at "
        f"{M100}, entered earlier; a bib names one competitor",
    ]
    # Qinyang's entries in the 100m are replaced by the file: correcting a name there is fine,
    # but bib 102 is still 王强 in the events the file leaves alone.
    corrected = imported(sheet(f"{M100}|101|李明|qinyang|", f"{M100}|102|王强强|qinyang|"),
                         current=FIRST.registrations)
    assert [str(change) for change in corrected.changes] == [
        f"{M100} qinyang: changed 102 王强 → 102 王强强"]
    assert problems(sheet(f"{M200}|102|李明|qinyang|"), current=FIRST.registrations) == [
        "报名表 row 2, column B (号码): bib 102 is 李明 (qinyang) here but 王强 (qinyang) at "
        f"{M100}, entered earlier; a bib names one competitor",
    ]


def test_nothing_is_accepted_unless_the_whole_file_is() -> None:
    result = import_entries([sheet(f"{M100}|301|新人|wuzhi|", f"{M100}|302||wuzhi|")], GAMES,
                            LIMITS, FIRST.registrations)
    assert result == Rejected(("报名表 row 3, column C (姓名): the name is required",))


ROWS = st.lists(st.tuples(st.sampled_from([M100, M200, "tc-youth-m-taijiquan"]),
                          st.sampled_from(GAMES.delegation_codes[:4]),
                          st.integers(min_value=1, max_value=30)), max_size=20, unique=True)


@settings(max_examples=100, deadline=None)
@given(ROWS)
def test_importing_the_same_file_again_changes_nothing(rows: list[tuple[str, str, int]]) -> None:
    within_limits = [row for index, row in enumerate(rows)
                     if sum(1 for other in rows[:index] if other[:2] == row[:2]) < 2]
    lines = [f"{event}|{code[:2]}{number}|{code}-{number}|{code}|"
             for event, code, number in within_limits]
    first = imported(sheet(*lines))
    entries = [entry for event_entries in first.registrations.by_event.values()
               for entry in event_entries]
    assert sorted(entries, key=repr) == sorted(
        (Entrant(f"{code[:2]}{number}", f"{code}-{number}", code)
         for _, code, number in within_limits), key=repr)
    assert [change.kind for change in first.changes] == ["added"] * len(within_limits)
    again = imported(sheet(*lines), current=first.registrations)
    assert (again.registrations, again.changes) == (first.registrations, ())
