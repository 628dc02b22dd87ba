"""The rules of a branch's records as pure functions: no database, no models.

What the pages, the services and the figures all decide the same way lives here once: how a
month of dues stands (`dues_state`), a meeting's 到会率 (`attendance_rate`), what may be
recorded (a day after today is refused, a service lasts half an hour to a day, a meeting's
photos are counted, only a 党小组会 names a 党小组, a plaque is for a year that has come),
and the plan's limit on pairings. A form calls these to put a problem beside its field at
once; the service calls them again before it saves, so no other caller goes around them.

Percentages are `Decimal`s rounded half-up to 0.1 (e.g. ``Decimal("93.3")``); a figure with
nothing to measure is ``None``, never a division by zero.

The star rule is `members.stars`; the time rules of 发展党员 are `members.development_rules`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# Arithmetic ----------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, rounded half-up to 0.1; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (
        month.replace(year=month.year + 1, month=1)
        if month.month == 12
        else month.replace(month=month.month + 1)
    )


def months(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    """First days of the calendar months from `first`'s month to `last`'s, both included."""
    month, end = month_start(first), month_start(last)
    while month <= end:
        yield month
        month = next_month(month)


def months_back(today: datetime.date, count: int) -> list[datetime.date]:
    """First days of the `count` months up to `today`'s, newest first."""
    found, year, month = [], today.year, today.month
    for _ in range(count):
        found.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


# Meetings and attendance (到会率) ---------------------------------------------------------------

# The county plans' target for the attendance rate (党员到会率在90%以上), shown beside the figure.
ATTENDANCE_TARGET = Decimal("90")


def attendance_rate(*, expected: int, present: int, excused: int) -> Decimal | None:
    """到会率 = present / (expected − excused), in per cent.

    `expected` (应到) is every member on the attendance sheet, `present` (实到) those marked 出席,
    `excused` those marked 请假. Excused members are left out of the base: 请假 is leave the
    branch granted beforehand — a 流动党员 working in another province, a member ill or caring
    for family — and the plans' 到会率在90%以上 asks whether members who could come did, so
    a branch is not marked down for leave it approved, while an unexcused absence (缺席) still
    counts against it. A member 请假 at every meeting still shows on the sheet, where the
    secretary and the inspector can see it.

    None when nobody was expected or everybody was excused: there is nothing to measure.
    """
    return percent(present, expected - excused)


# Photos of one meeting: enough for the sign-in sheet, the room and the activity; a few
# taken on a phone at a time, as a chat app sends them.
MAX_PHOTOS_PER_UPLOAD = 9
MAX_PHOTOS_PER_MEETING = 30


def photo_count_problem(adding: int, *, already: int) -> str | None:
    """Why `adding` more photos cannot go with a meeting that has `already`, or None."""
    if adding > MAX_PHOTOS_PER_UPLOAD:
        return f"一次最多上传 {MAX_PHOTOS_PER_UPLOAD} 张照片。"
    if already + adding > MAX_PHOTOS_PER_MEETING:
        room = MAX_PHOTOS_PER_MEETING - already
        return f"每次会议最多保存 {MAX_PHOTOS_PER_MEETING} 张照片，已有 {already} 张，还能上传 {room} 张。"
    return None


def meeting_group_problem(*, group_meeting: bool, group_chosen: bool) -> str | None:
    """A 党小组会 is held by one of the branch's 党小组, every other kind by the branch itself."""
    if group_meeting and not group_chosen:
        return "党小组会请选择召开会议的党小组。"
    if not group_meeting and group_chosen:
        return "只有党小组会需要选择党小组；其他会议由支部召开，请选“不选”。"
    return None


# What may be recorded ------------------------------------------------------------------------

# A payment, a meeting or a service is recorded once it has happened: a day after today is
# refused, in the words of the field it was typed into.
NOT_AFTER_TODAY = {
    "paid_on": "缴纳日期不能晚于今天。",
    "held_on": "只能登记已经召开的会议，召开日期不能晚于今天。",
    "served_on": "服务日期不能晚于今天。",
}


def future_day_problem(field: str, day: datetime.date, today: datetime.date) -> str | None:
    """Why `day`, typed as `field` (a key of `NOT_AFTER_TODAY`), cannot be recorded, or None."""
    return NOT_AFTER_TODAY[field] if day > today else None


# A service is counted in half hours (the 服务卡 says 1.5 小时), and lasts at most a day.
MIN_SERVICE_HOURS = Decimal("0.5")
MAX_SERVICE_HOURS = Decimal("24")


def service_hours_problem(hours: Decimal) -> str | None:
    if MIN_SERVICE_HOURS <= hours <= MAX_SERVICE_HOURS:
        return None
    return f"服务时长应在 {MIN_SERVICE_HOURS} 到 {MAX_SERVICE_HOURS} 小时之间（按半小时计，如 1.5）。"


def plaque_problems(year: int, awarded_on: datetime.date | None, today: datetime.date) -> dict[str, str]:
    """Field → problem for a plaque (挂牌) of `year`: a year that has come (挂牌 happens at the
    year's end, so next year's may be entered in December), hung within it or early the next."""
    problems = {}
    if year > today.year + 1:
        problems["year"] = f"年度不能晚于 {today.year + 1} 年。"
    if awarded_on is not None and awarded_on.year not in (year, year + 1):
        problems["awarded_on"] = f"挂牌日期应在{year}年内或次年年初。"
    return problems


# 村级方案（分“户”）：每位党员建立帮扶联系1—2名种养户或联系1名贫困户。
MAX_PAIRINGS_PER_MEMBER = 2
PAIRING_RULE = "每位党员建立帮扶联系1—2名种养户或联系1名贫困户"


# Dues (党费) ------------------------------------------------------------------------------------


class DuesState(StrEnum):
    ON_TIME = "on_time"  # 按时缴纳: paid within the month (or earlier)
    LATE = "late"  # 逾期补缴: paid after the month ended
    UNPAID = "unpaid"  # 欠缴: owed for a month that has ended, not paid
    OPEN = "open"  # 待缴: owed for this month or a later one, not paid yet
    NOT_DUE = "not_due"  # 无需缴纳: before joining, or while 党籍 is suspended


DUES_STATE_LABELS = {
    DuesState.ON_TIME: "按时缴纳",
    DuesState.LATE: "逾期补缴",
    DuesState.UNPAID: "欠缴",
    DuesState.OPEN: "待缴",
    DuesState.NOT_DUE: "无需缴纳",
}


def paid_within(month: datetime.date, paid_on: datetime.date) -> bool:
    """Paid within the month it is for, or before it (paying a year ahead is on time)."""
    return (paid_on.year, paid_on.month) <= (month.year, month.month)


def owes_dues(month: datetime.date, *, joined_on: datetime.date | None, suspended: bool) -> bool:
    """Whether a member owes dues for `month`: from the month they joined the party on (a member
    without a join date owes every month), and not while their 党籍 is suspended (停止党籍)."""
    if suspended:
        return False
    return joined_on is None or month_start(joined_on) <= month


def dues_state(
    month: datetime.date,
    paid_on: datetime.date | None,
    *,
    joined_on: datetime.date | None,
    suspended: bool,
    today: datetime.date,
) -> DuesState:
    """How one member's dues for `month` stand on `today`. A payment shows as paid (on time or
    late) even for a month that was not owed; an unpaid month is 欠缴 only once it has ended."""
    if paid_on is not None:
        return DuesState.ON_TIME if paid_within(month, paid_on) else DuesState.LATE
    if not owes_dues(month, joined_on=joined_on, suspended=suspended):
        return DuesState.NOT_DUE
    return DuesState.UNPAID if month < month_start(today) else DuesState.OPEN
