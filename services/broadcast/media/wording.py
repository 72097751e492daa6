"""The words and numbers media outputs print: labels in Chinese and English, Beijing time,
Chinese ordinal ranks (第三名, 并列第三名), points as the tables round them."""

from datetime import date, datetime, timedelta, timezone
from typing import Final, NamedTuple

# China keeps one offset all year, so a fixed zone needs no tz database (python:3.11-slim
# has none).
BEIJING: Final = timezone(timedelta(hours=8), "+08:00")


class Label(NamedTuple):
    zh: str
    en: str

    def both(self, separator: str = " ") -> str:
        return f"{self.zh}{separator}{self.en}"


MEDALS: Final = {"gold": Label("金牌", "Gold"), "silver": Label("银牌", "Silver"),
                 "bronze": Label("铜牌", "Bronze")}
RESULT_STATUSES: Final = {
    "official": Label("正式成绩", "Official"),
    "provisional": Label("暂定成绩", "Provisional"),
    "unofficial": Label("待确认", "Awaiting confirmation"),
    "cancelled": Label("取消", "Cancelled"),
}
UNDER_REVIEW: Final = Label("申诉中", "Under review")
ENTRY_STATUSES: Final = {"DNF": Label("未完成", "DNF"), "DSQ": Label("取消资格", "DSQ"),
                         "DNS": Label("未出发", "DNS")}
RECORDS: Final = {"games": Label("赛会纪录", "GR"), "provincial": Label("省纪录", "PR"),
                  "national": Label("全国纪录", "NR")}
TABLES: Final = {"medals": Label("奖牌榜", "Medal Table"),
                 "points": Label("总分榜", "Points Table"),
                 "combined": Label("综合榜", "Combined Ranking")}
ALL_GROUPS_LABEL: Final = Label("全部组别", "All Groups")
CORRECTION: Final = Label("更正", "Corrected")

_DIGITS: Final = "零一二三四五六七八九"


def beijing(moment: str | datetime) -> datetime:
    """An ISO time (as documents carry it) or a datetime, in Beijing time."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if value.tzinfo is None:
        raise ValueError(f"{moment!r} has no UTC offset; documents carry aware times")
    return value.astimezone(BEIJING)


def clock(moment: str | datetime) -> str:
    """'2024-09-20 18:02 (+08:00)': a time as printed on bulletins and cards."""
    return beijing(moment).strftime("%Y-%m-%d %H:%M (+08:00)")


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九: how ranks are read (1 to 99)."""
    if not 1 <= number <= 99:
        raise ValueError(f"{number} is outside 1..99, the ranks a games' table can have")
    tens, ones = divmod(number, 10)
    tens_text = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return tens_text + (_DIGITS[ones] if ones else "")


def rank_words(rank: int, tied: bool) -> str:
    """'第三名', or '并列第三名' when another row shares the rank."""
    return f"{'并列' if tied else ''}第{chinese_number(rank)}名"


def month_day(moment: date) -> str:
    """'9月21日', the date as the games' reports write it."""
    return f"{moment.month}月{moment.day}日"


def hour_words(moment: datetime) -> str:
    """'18时', or '18时35分' when the minutes are not zero."""
    return f"{moment.hour}时" + (f"{moment.minute}分" if moment.minute else "")


def points_text(points: float) -> str:
    """Points as a table prints them: 9, 5.5, 4.33 (documents round them to 2 decimals)."""
    return f"{points:.2f}".rstrip("0").rstrip(".")
