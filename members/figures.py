"""The figures an inspector checks, computed from a branch's own records.

The county plans set the targets: 党员到会率在90%以上, so many 发展党员 and 入党积极分子 a year,
党费每月按时足额交纳, 党员活动每月（或每周）开展. The assessment screens call the functions below
for a branch over a period; each answers in a fixed number of queries (stated on each), whatever
the number of members, meetings or payments.

Percentages are `Decimal`s rounded half-up to 0.1 (e.g. ``Decimal("93.3")``); a figure with
nothing to measure (no meetings, no member owing dues) is ``None``, never a division by zero.
Counts are plain ``int``s and are 0, not ``None``, when nothing happened: a year without a new
member is a measured result.

The rules that also decide what the pages show live here once: `attendance_rate` (one
meeting's 到会率, and the branch's over a period), `expected_members` (who is 应到 at a meeting)
and `dues_state` / `owes_dues` (how a month of dues stands).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from organizations.models import Kind, Organization

from .models import Attendance, DevelopmentStage, DuesPayment, Meeting, Member
from .stars import yearly_board

PRESENT = Attendance.Status.PRESENT
ABSENT = Attendance.Status.ABSENT
EXCUSED = Attendance.Status.EXCUSED

# The county plans' target for the attendance rate, shown beside the figure.
ATTENDANCE_TARGET = Decimal("90")


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


# Meetings and attendance (到会率) ---------------------------------------------------------------


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


def with_attendance_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings` annotated with `expected_count`, `present_count` and `excused_count` from their
    saved attendance sheets (a meeting whose sheet was never saved has 0 expected)."""
    return meetings.annotate(
        expected_count=Count("attendances", distinct=True),
        present_count=Count("attendances", filter=Q(attendances__status=PRESENT), distinct=True),
        excused_count=Count("attendances", filter=Q(attendances__status=EXCUSED), distinct=True),
    )


def branch_of(organization: Organization) -> Organization:
    """The 党支部 an organization is, or sits in (a 党小组's branch): one query for a group."""
    if organization.kind == Kind.BRANCH:
        return organization
    branch = organization.nearest(Kind.BRANCH)
    if branch is None:
        raise ValueError(f"{organization} 不属于任何党支部。")
    return branch


def expected_members(meeting: Meeting) -> QuerySet[Member]:
    """Who is 应到 at `meeting`: the members of the 党小组 holding it, or of the branch.

    Members whose 党籍 is suspended (停止党籍) do not take part in party life, and members who
    joined after the meeting could not have attended; both are left off. Ordered by 党小组 and
    name (members without a 党小组 last), as the sheet lists them.
    """
    organization = meeting.organization
    members = Member.objects.exclude(party_standing=Member.Standing.SUSPENDED).filter(
        Q(joined_on__isnull=True) | Q(joined_on__lte=meeting.held_on)
    )
    if organization.kind == Kind.GROUP:
        members = members.filter(group=organization)
    else:
        members = members.filter(branch=organization)
    return members.order_by(F("group__path").asc(nulls_last=True), "name", "pk")


def meeting_attendance_rate(branch: Organization, start: datetime.date, end: datetime.date) -> Decimal | None:
    """到会率 over every meeting of `branch` and its 党小组 held from `start` to `end` (inclusive).

    Pooled, not averaged: all present marks over all (expected − excused) marks of the period's
    saved attendance sheets (see `attendance_rate` for why excused members are left out), so a
    支部党员大会 of 40 weighs more than a 支委会 of 5. A meeting whose sheet was never saved adds
    nothing. None when the period has no saved sheet. One query.
    """
    counts = (
        Attendance.objects.within(branch)
        .filter(
            meeting__held_on__gte=start,
            meeting__held_on__lte=end,
        )
        .aggregate(
            expected=Count("pk"),
            present=Count("pk", filter=Q(status=PRESENT)),
            excused=Count("pk", filter=Q(status=EXCUSED)),
        )
    )
    return attendance_rate(**counts)


def activities_per_month(
    branch: Organization,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
) -> dict[datetime.date, int] | None:
    """Meetings held by the branch itself, of every kind, in each calendar month of the period.

    {first day of month: number of meetings}, every month from `start`'s to `end`'s in order,
    0 for a month without any; meetings count only when held from `start` to `end`. Months
    after `today`'s have not happened yet and are left out. 党小组会 are the groups' own
    activities and are not counted here (a branch with five 党小组 would otherwise count five
    extra activities a month); they count in `meeting_attendance_rate`.

    The plans' 每月 (or 每周) 开展党员活动 is then ``min(result.values()) >= 1`` (or ``>= 4``).
    None when the period has no month up to `today`. One query.
    """
    today = today or timezone.localdate()
    last = min(end, today)
    if last < start:
        return None
    counted = dict.fromkeys(months(start, last), 0)
    rows = (
        Meeting.objects.filter(organization=branch, held_on__gte=start, held_on__lte=last)
        .annotate(month=TruncMonth("held_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
        .order_by()
    )
    for month, n in rows:
        counted[month] = n
    return counted


# Development ------------------------------------------------------------------------------------


def new_members_per_year(branch: Organization, year: int) -> int:
    """Members of `branch` whose 加入党组织日期 (`joined_on`) falls in `year`.

    The register's join date is the official record: it is on every member's 党员信息采集表 and
    comes in with an imported roster, while the development pipeline is kept only for people
    developed here since the system came in. A member admitted in the year is counted from
    being received as 预备党员 (that is the join date), whether or not they have since become
    正式党员. Members who have left the branch are not counted. One query.
    """
    return Member.objects.filter(branch=branch, joined_on__year=year).count()


def new_activists_per_year(branch: Organization, year: int) -> int:
    """People of `branch`'s development pipeline who became 入党积极分子 in `year`
    (a `DevelopmentStage` ACTIVIST reached in the year; each person reaches it once). One query."""
    return DevelopmentStage.objects.filter(
        applicant__branch=branch,
        stage=DevelopmentStage.Stage.ACTIVIST,
        reached_on__year=year,
    ).count()


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
    """Paid within the month it is for, or before it (as `DuesPayment.on_time`)."""
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


def dues_on_time_rate(
    branch: Organization,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
) -> Decimal | None:
    """党费按时缴纳率: member-months paid within their month / member-months owed, in per cent.

    Member-months owed: for each current member of `branch`, each calendar month from `start`'s
    to `end`'s that has ended by `today` (this month is not over, so nobody is late for it yet)
    and that the member owes (`owes_dues`: from the month of joining, not while suspended).
    Paid within the month: a payment for that month dated in the month or before it (paying a
    year ahead is on time). A month paid late or not at all counts against the rate.

    None when no member owed anything in the period. Two queries: the members, the payments.
    """
    today = today or timezone.localdate()
    last = min(month_start(end), month_start(today) - datetime.timedelta(days=1))
    if last < month_start(start):
        return None
    period = list(months(start, last))
    members = Member.objects.filter(branch=branch).values_list("pk", "joined_on", "party_standing")
    on_time = {
        (member_id, month)
        for member_id, month, paid_on in DuesPayment.objects.filter(
            member__branch=branch, month__gte=period[0], month__lte=period[-1], paid_on__isnull=False
        ).values_list("member_id", "month", "paid_on")
        if paid_within(month, paid_on)
    }
    owed = paid = 0
    for member_id, joined_on, standing in members:
        suspended = standing == Member.Standing.SUSPENDED
        for month in period:
            if owes_dues(month, joined_on=joined_on, suspended=suspended):
                owed += 1
                paid += (member_id, month) in on_time
    return percent(paid, owed)


# Star service -----------------------------------------------------------------------------------


def star_volunteers_share(branch: Organization, year: int) -> Decimal | None:
    """Share of the branch's members with at least one star in `year`, in per cent.

    Exactly the branch's yearly star board (`members.stars.yearly_board`): its members are the
    branch's current members not suspended, each with the year's verified services (an apparent
    duplicate counted once) and the stars the branch's `StarRule` gives them — the nearest rule
    up the tree, else 5/10/15/20/25. None when the branch has no member. Two queries: the rule,
    the board.
    """
    rows = yearly_board(branch, year)
    return percent(sum(1 for row in rows if row.stars), len(rows))
