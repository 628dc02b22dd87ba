"""The figures an inspector checks, computed from a branch's own records.

The county plans set the targets: 党员到会率在90%以上, so many 发展党员 and 入党积极分子 a year,
党费每月按时足额交纳, 党员活动每月（或每周）开展. Each function answers for a branch over a
period in a fixed number of queries (stated on each), whatever the number of members, meetings
or payments; `figure` answers by the name an assessment indicator gives the metric.

Percentages are `Decimal`s rounded half-up to 0.1 (e.g. ``Decimal("93.3")``); a figure with
nothing to measure (no meetings, no member owing dues) is ``None``, never a division by zero.
Counts are plain ``int``s and are 0, not ``None``, when nothing happened: a year without a new
member is a measured result.

The rules the figures share with the pages (`attendance_rate`, `owes_dues`, `paid_within`) are
the pure functions of `members.rules`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from organizations.models import Organization

from .models import Attendance, DevelopmentStage, DuesPayment, Meeting, Member
from .queries import yearly_board
from .rules import attendance_rate, month_start, months, owes_dues, paid_within, percent

Figure = Decimal | int | None


# Meetings and attendance (到会率) ---------------------------------------------------------------


def meeting_attendance_rate(branch: Organization, start: datetime.date, end: datetime.date) -> Decimal | None:
    """到会率 over every meeting of `branch` and its 党小组 held from `start` to `end` (inclusive).

    Pooled, not averaged: all present marks over all (expected − excused) marks of the period's
    saved attendance sheets (see `members.rules.attendance_rate` for why excused members are
    left out), so a 支部党员大会 of 40 weighs more than a 支委会 of 5. A meeting whose sheet was
    never saved adds nothing — unless its 会议记录 gives the head counts (应到 / 实到, as an
    imported paper record does): those count as they are, with no one excused. None when the
    period has neither. Two queries.
    """
    counts = (
        Attendance.objects.within(branch)
        .filter(
            meeting__held_on__gte=start,
            meeting__held_on__lte=end,
        )
        .aggregate(
            expected=Count("pk"),
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
        )
    )
    typed = (
        Meeting.objects.within(branch)
        .filter(
            held_on__gte=start,
            held_on__lte=end,
            expected_count__isnull=False,
            present_count__isnull=False,
            attendances__isnull=True,
        )
        .aggregate(expected=Sum("expected_count"), present=Sum("present_count"))
    )
    return attendance_rate(
        expected=counts["expected"] + (typed["expected"] or 0),
        present=counts["present"] + (typed["present"] or 0),
        excused=counts["excused"],
    )


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


def meeting_dates(
    branch: Organization,
    start: datetime.date,
    end: datetime.date,
    *,
    kinds: tuple[str, ...] | list[str] = (),
) -> list[datetime.date]:
    """The dates of the meetings `branch` itself held from `start` to `end`, of `kinds` (every
    kind when empty), in order, one per meeting (two on one day give the date twice).

    What a plan's `党日活动每周1次` or `每月召开支委会1次` is counted from
    (`assessments.periods.coverage`). As in `activities_per_month`, 党小组会 held by the groups
    are theirs, not the branch's. One query.
    """
    meetings = Meeting.objects.filter(organization=branch, held_on__gte=start, held_on__lte=end)
    if kinds:
        meetings = meetings.filter(kind__in=list(kinds))
    return list(meetings.order_by("held_on").values_list("held_on", flat=True))


# Development ------------------------------------------------------------------------------------


def new_members(branch: Organization, start: datetime.date, end: datetime.date) -> int:
    """Members of `branch` whose 加入党组织日期 (`joined_on`) falls from `start` to `end`.

    The register's join date is the official record: it is on every member's 党员信息采集表 and
    comes in with an imported roster, while the development pipeline is kept only for people
    developed here since the system came in. A member admitted in the period is counted from
    being received as 预备党员 (that is the join date), whether or not they have since become
    正式党员. Members who have left the branch are not counted. One query.
    """
    return Member.objects.filter(branch=branch, joined_on__gte=start, joined_on__lte=end).count()


def new_activists(branch: Organization, start: datetime.date, end: datetime.date) -> int:
    """People of `branch`'s development pipeline who became 入党积极分子 from `start` to `end`
    (a `DevelopmentStage` ACTIVIST reached in the period; each person reaches it once). One query."""
    return DevelopmentStage.objects.filter(
        applicant__branch=branch,
        stage=DevelopmentStage.Stage.ACTIVIST,
        reached_on__gte=start,
        reached_on__lte=end,
    ).count()


# Dues (党费) ------------------------------------------------------------------------------------


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

    Exactly the branch's yearly star board (`members.queries.yearly_board`): its members are the
    branch's current members not suspended, each with the year's verified services (an apparent
    duplicate counted once) and the stars the branch's `StarRule` gives them — the nearest rule
    up the tree, else 5/10/15/20/25. None when the branch has no member. Two queries: the rule,
    the board.
    """
    rows = yearly_board(branch, year)
    return percent(sum(1 for row in rows if row.stars), len(rows))


# By the indicator's name ------------------------------------------------------------------------


# Each metric an assessment indicator may name (`assessments.models.Metric`, period-free) that a
# branch's own records answer, as (branch, start, end, today) → figure over the whole range; the
# indicator's period (每周, 每两年 …) is applied by `assessments.scoring`. The survey's 群众满意率
# is not one. The star board is kept by calendar year: its share is the year the period ends in.
METRICS: dict[str, Callable[[Organization, datetime.date, datetime.date, datetime.date], Figure]] = {
    "attendance_rate": lambda branch, start, end, today: meeting_attendance_rate(branch, start, end),
    "activities": lambda branch, start, end, today: len(meeting_dates(branch, start, min(end, today))),
    "meetings": lambda branch, start, end, today: len(meeting_dates(branch, start, min(end, today))),
    "new_members": lambda branch, start, end, today: new_members(branch, start, end),
    "new_activists": lambda branch, start, end, today: new_activists(branch, start, end),
    "dues_on_time_rate": lambda branch, start, end, today: dues_on_time_rate(branch, start, end, today=today),
    "star_volunteers_share": lambda branch, start, end, today: star_volunteers_share(branch, end.year),
}

# Metrics counted from dated records, which a period can split (`dated_records`).
DATED = {"activities", "meetings", "new_members", "new_activists"}


def dated_records(
    metric: str,
    branch: Organization,
    start: datetime.date,
    end: datetime.date,
    *,
    kinds: tuple[str, ...] | list[str] = (),
) -> list[datetime.date]:
    """The dates behind a counted metric from `start` to `end`: meetings held (of `kinds`), members
    joined, activists made. KeyError for a metric that is not a count. One query."""
    if metric in ("activities", "meetings"):
        return meeting_dates(branch, start, end, kinds=kinds)
    if metric == "new_members":
        rows = Member.objects.filter(branch=branch, joined_on__gte=start, joined_on__lte=end)
        return sorted(rows.values_list("joined_on", flat=True))
    if metric == "new_activists":
        rows = DevelopmentStage.objects.filter(
            applicant__branch=branch,
            stage=DevelopmentStage.Stage.ACTIVIST,
            reached_on__gte=start,
            reached_on__lte=end,
        )
        return sorted(rows.values_list("reached_on", flat=True))
    raise KeyError(metric)


def figure(
    metric: str,
    branch: Organization,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
    kinds: tuple[str, ...] | list[str] = (),
) -> Figure:
    """The value of `metric` for `branch` over `start`–`end`, the number an indicator's 达标值
    is held against; `kinds` narrows a meeting count to those kinds. KeyError for a metric the
    branch's records do not answer."""
    today = today or timezone.localdate()
    if kinds and metric in ("activities", "meetings"):
        return len(meeting_dates(branch, start, min(end, today), kinds=kinds))
    return METRICS[metric](branch, start, end, today)
