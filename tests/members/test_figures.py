"""The figures for assessment (members.figures): each on hand-built data with a known answer,
None when there is nothing to measure, and a fixed number of queries whatever the data."""

import datetime
from decimal import Decimal

import factory
import pytest

from assessments.models import Metric
from members import figures
from members.models import Applicant, Attendance, DevelopmentStage, DuesPayment, Meeting, Member, StarRule
from members.rules import DuesState, attendance_rate, dues_state
from members.services.records import record_attendance, record_dues_payment, save_meeting
from tests.members.factories import MemberFactory, ServiceRecordFactory

pytestmark = pytest.mark.django_db

D = datetime.date
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED


def meeting(branch, by, held_on, *, kind=Meeting.Kind.THEME_DAY, group=None, marks=None):
    """A meeting recorded through the services, with its sheet saved as `marks` (member → status)."""
    made = save_meeting(branch=branch, by=by, kind=kind, group=group, held_on=held_on, topic="学习")
    if marks is not None:
        record_attendance(meeting=made, statuses={m.pk: s for m, s in marks.items()}, by=by)
    return made


# One meeting's rate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "present", "excused", "rate"),
    [
        (10, 9, 0, Decimal("90.0")),
        (10, 8, 1, Decimal("88.9")),  # 8 / 9: the excused member is out of the base
        (25, 23, 1, Decimal("95.8")),
        (3, 2, 0, Decimal("66.7")),  # rounded half up
        (8, 1, 0, Decimal("12.5")),
        (5, 0, 0, Decimal("0.0")),
        (4, 4, 0, Decimal("100.0")),
        (3, 0, 3, None),  # everybody excused: nothing to measure
        (0, 0, 0, None),  # sheet never saved
    ],
)
def test_attendance_rate_leaves_excused_members_out(expected, present, excused, rate):
    assert attendance_rate(expected=expected, present=present, excused=excused) == rate


# The branch's rate over a period ------------------------------------------------------------------


@pytest.fixture
def people(tree):
    """Four members of 一村党支部 (two in 第一党小组) and one of 二村党支部."""
    group = [MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name=f"组员{i}") for i in range(2)]
    others = [MemberFactory(branch=tree.branch_a1, name=f"党员{i}") for i in range(2)]
    return {
        "group": group,
        "others": others,
        "all": group + others,
        "a2": MemberFactory(branch=tree.branch_a2),
    }


def test_meeting_attendance_rate_pools_the_branch_and_its_groups(
    tree, cast, people, django_assert_num_queries
):
    g1, g2 = people["group"]
    o1, o2 = people["others"]
    by = cast.secretary
    # 4 expected, 3 present, 1 absent.
    meeting(tree.branch_a1, by, D(2026, 3, 5), marks={g1: P, g2: P, o1: P, o2: A})
    # 4 expected, 2 present, 1 absent, 1 excused.
    meeting(tree.branch_a1, by, D(2026, 4, 5), marks={g1: P, g2: E, o1: A, o2: P})
    # The group's own meeting: 2 expected, both present.
    group_meeting = meeting(
        tree.branch_a1, by, D(2026, 4, 20), kind=Meeting.Kind.GROUP_MEETING, group=tree.group_a1
    )
    record_attendance(meeting=group_meeting, statuses={g1.pk: P, g2.pk: P}, by=by)
    # Outside the period, and another branch's meeting: not counted.
    meeting(tree.branch_a1, by, D(2026, 7, 1), marks={g1: A, g2: A, o1: A, o2: A})
    meeting(tree.branch_a2, cast.committee, D(2026, 4, 1), marks={people["a2"]: A})
    # A meeting whose sheet was never saved adds nothing.
    meeting(tree.branch_a1, by, D(2026, 5, 1))

    with django_assert_num_queries(2):
        rate = figures.meeting_attendance_rate(tree.branch_a1, D(2026, 1, 1), D(2026, 6, 30))

    # present 3 + 2 + 2 = 7 over (10 expected − 1 excused) = 9 → 77.8
    assert rate == Decimal("77.8")
    assert figures.meeting_attendance_rate(tree.branch_a2, D(2026, 1, 1), D(2026, 6, 30)) == Decimal("0.0")


def test_meeting_attendance_rate_of_an_empty_period_is_none(tree, cast, people, django_assert_num_queries):
    meeting(tree.branch_a1, cast.secretary, D(2026, 3, 5), marks=dict.fromkeys(people["all"], P))
    with django_assert_num_queries(2):
        assert figures.meeting_attendance_rate(tree.branch_a1, D(2025, 1, 1), D(2025, 12, 31)) is None
    assert figures.meeting_attendance_rate(tree.branch_b1, D(2026, 1, 1), D(2026, 12, 31)) is None


def test_a_paper_records_head_counts_count_where_no_sheet_was_saved(tree, cast, people):
    """An imported 会议记录 gives 应到 / 实到 without a sheet member by member: it counts; a
    meeting with a saved sheet counts by its sheet, whatever numbers were typed before."""
    g1, g2 = people["group"]
    o1, o2 = people["others"]
    by = cast.secretary
    meeting(tree.branch_a1, by, D(2026, 3, 5), marks={g1: P, g2: P, o1: P, o2: A})  # 3 of 4
    typed = meeting(tree.branch_a1, by, D(2026, 4, 5))
    Meeting.objects.filter(pk=typed.pk).update(expected_count=20, present_count=18)
    half_typed = meeting(tree.branch_a1, by, D(2026, 4, 6))
    Meeting.objects.filter(pk=half_typed.pk).update(expected_count=20)  # no 实到: nothing to count

    rate = figures.meeting_attendance_rate(tree.branch_a1, D(2026, 1, 1), D(2026, 6, 30))

    assert rate == Decimal("87.5")  # (3 + 18) / (4 + 20)


# Activities per month ---------------------------------------------------------------------------


def test_activities_per_month_counts_the_branchs_own_meetings_month_by_month(
    tree, cast, people, django_assert_num_queries
):
    by = cast.secretary
    meeting(tree.branch_a1, by, D(2026, 1, 5))
    meeting(tree.branch_a1, by, D(2026, 1, 25), kind=Meeting.Kind.PARTY_LECTURE)
    meeting(tree.branch_a1, by, D(2026, 3, 31), kind=Meeting.Kind.COMMITTEE_MEETING)
    meeting(tree.branch_a1, by, D(2026, 1, 12), kind=Meeting.Kind.GROUP_MEETING, group=tree.group_a1)
    meeting(tree.branch_a1, by, D(2026, 4, 1))  # after the period
    meeting(tree.branch_a2, cast.committee, D(2026, 2, 5))  # another branch

    with django_assert_num_queries(1):
        counts = figures.activities_per_month(tree.branch_a1, D(2026, 1, 1), D(2026, 3, 31))

    assert counts == {D(2026, 1, 1): 2, D(2026, 2, 1): 0, D(2026, 3, 1): 1}
    assert list(counts) == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_activities_per_month_leaves_out_months_not_yet_come(tree, cast, django_assert_num_queries):
    meeting(tree.branch_a1, cast.secretary, D(2026, 5, 10))
    with django_assert_num_queries(1):
        counts = figures.activities_per_month(
            tree.branch_a1, D(2026, 4, 15), D(2026, 12, 31), today=D(2026, 6, 15)
        )
    assert counts == {D(2026, 4, 1): 0, D(2026, 5, 1): 1, D(2026, 6, 1): 0}


def test_activities_per_month_of_an_empty_period_is_none(tree, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            figures.activities_per_month(tree.branch_a1, D(2026, 7, 1), D(2026, 12, 31), today=D(2026, 6, 15))
            is None
        )
        assert figures.activities_per_month(tree.branch_a1, D(2026, 3, 1), D(2026, 2, 1)) is None
    # A period without meetings is measured: zero in each month.
    assert figures.activities_per_month(tree.branch_b1, D(2026, 1, 1), D(2026, 2, 28)) == {
        D(2026, 1, 1): 0,
        D(2026, 2, 1): 0,
    }


# New members and activists ----------------------------------------------------------------------


def test_new_members_counts_join_dates_in_the_period(tree, django_assert_num_queries):
    MemberFactory(branch=tree.branch_a1, joined_on=D(2026, 1, 1), status=Member.Status.PROBATIONARY)
    MemberFactory(branch=tree.branch_a1, joined_on=D(2026, 12, 31), status=Member.Status.PROBATIONARY)
    MemberFactory(branch=tree.branch_a1, joined_on=D(2025, 12, 31))
    MemberFactory(branch=tree.branch_a1, joined_on=None)
    MemberFactory(branch=tree.branch_a2, joined_on=D(2026, 6, 1))

    with django_assert_num_queries(1):
        assert figures.new_members(tree.branch_a1, D(2026, 1, 1), D(2026, 12, 31)) == 2
    assert figures.new_members(tree.branch_a1, D(2025, 1, 1), D(2025, 12, 31)) == 1
    assert figures.new_members(tree.branch_a1, D(2020, 1, 1), D(2020, 12, 31)) == 0
    assert figures.new_members(tree.branch_a1, D(2025, 12, 31), D(2026, 1, 1)) == 2  # both ends in


def test_new_activists_counts_activist_stages_reached_in_the_period(tree, django_assert_num_queries):
    # Hand-built pipeline rows: the count only reads them (the time rules are the pipeline's own tests).
    def person(branch, *stages):
        applicant = Applicant.objects.create(name="申请人", gender="F", branch=branch)
        for stage, on in stages:
            DevelopmentStage.objects.create(applicant=applicant, stage=stage, reached_on=on)

    S = DevelopmentStage.Stage
    person(tree.branch_a1, (S.APPLICANT, D(2025, 9, 1)), (S.ACTIVIST, D(2026, 3, 1)))
    person(tree.branch_a1, (S.APPLICANT, D(2026, 1, 1)), (S.ACTIVIST, D(2026, 12, 31)))
    person(tree.branch_a1, (S.APPLICANT, D(2026, 2, 1)))  # not yet an activist
    person(tree.branch_a1, (S.ACTIVIST, D(2025, 3, 1)), (S.CANDIDATE, D(2026, 4, 1)))  # activist last year
    person(tree.branch_a2, (S.ACTIVIST, D(2026, 5, 1)))  # another branch

    with django_assert_num_queries(1):
        assert figures.new_activists(tree.branch_a1, D(2026, 1, 1), D(2026, 12, 31)) == 2
    assert figures.new_activists(tree.branch_a1, D(2025, 1, 1), D(2025, 12, 31)) == 1
    assert figures.new_activists(tree.branch_a1, D(2024, 1, 1), D(2024, 12, 31)) == 0
    assert figures.new_activists(tree.branch_a1, D(2026, 3, 1), D(2026, 6, 30)) == 1  # a half year


# Dues ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "paid_on", "joined_on", "suspended", "state"),
    [
        (D(2026, 5, 1), D(2026, 5, 31), None, False, DuesState.ON_TIME),
        (D(2026, 5, 1), D(2026, 1, 10), None, False, DuesState.ON_TIME),  # paid ahead
        (D(2026, 5, 1), D(2026, 6, 1), None, False, DuesState.LATE),
        (D(2026, 5, 1), None, None, False, DuesState.UNPAID),  # May is over on 15 June
        (D(2026, 6, 1), None, None, False, DuesState.OPEN),  # this month: not late yet
        (D(2026, 9, 1), None, None, False, DuesState.OPEN),
        (D(2026, 3, 1), None, D(2026, 3, 31), False, DuesState.UNPAID),  # owed from the month of joining
        (D(2026, 2, 1), None, D(2026, 3, 1), False, DuesState.NOT_DUE),  # before joining
        (D(2026, 2, 1), None, None, True, DuesState.NOT_DUE),  # 党籍 suspended
        (D(2026, 2, 1), D(2026, 2, 3), D(2026, 3, 1), False, DuesState.ON_TIME),  # a payment shows
    ],
)
def test_dues_state(month, paid_on, joined_on, suspended, state):
    assert dues_state(month, paid_on, joined_on=joined_on, suspended=suspended, today=D(2026, 6, 15)) == state


def test_dues_on_time_rate_is_on_time_months_over_months_owed(tree, cast, django_assert_num_queries):
    by = cast.secretary
    old = MemberFactory(branch=tree.branch_a1, joined_on=D(2010, 7, 1))
    new = MemberFactory(branch=tree.branch_a1, joined_on=D(2026, 3, 15), status=Member.Status.PROBATIONARY)
    suspended = MemberFactory(branch=tree.branch_a1, party_standing=Member.Standing.SUSPENDED)
    elsewhere = MemberFactory(branch=tree.branch_a2)

    def pay(member, month, paid_on):
        keeper = by if member.branch == tree.branch_a1 else cast.committee
        record_dues_payment(member=member, month=month, amount=Decimal("10"), paid_on=paid_on, by=keeper)

    # January to May are over on 15 June; `old` owes 5 months, `new` 3 (March to May): 8 owed.
    pay(old, D(2026, 1, 1), D(2026, 1, 10))  # on time
    pay(old, D(2026, 2, 1), D(2026, 3, 2))  # late
    pay(old, D(2026, 3, 1), D(2026, 2, 20))  # paid ahead: on time
    # April unpaid.
    pay(old, D(2026, 5, 1), D(2026, 5, 31))  # on time
    pay(old, D(2026, 6, 1), D(2026, 6, 1))  # this month: not counted yet
    pay(new, D(2026, 3, 1), D(2026, 3, 20))  # on time
    pay(new, D(2026, 4, 1), D(2026, 5, 2))  # late
    pay(new, D(2026, 5, 1), D(2026, 5, 5))  # on time
    # Rows the rule leaves out: a month before joining, a suspended member, another branch.
    DuesPayment.objects.create(member=new, month=D(2026, 2, 1), amount=Decimal("10"), paid_on=D(2026, 2, 1))
    DuesPayment.objects.create(
        member=suspended, month=D(2026, 1, 1), amount=Decimal("10"), paid_on=D(2026, 1, 1)
    )
    pay(elsewhere, D(2026, 1, 1), D(2026, 3, 1))

    with django_assert_num_queries(2):
        rate = figures.dues_on_time_rate(tree.branch_a1, D(2026, 1, 1), D(2026, 6, 30), today=D(2026, 6, 15))

    assert rate == Decimal("62.5")  # 5 of 8
    # Only March: old on time, new on time.
    assert figures.dues_on_time_rate(
        tree.branch_a1, D(2026, 3, 1), D(2026, 3, 31), today=D(2026, 6, 15)
    ) == Decimal("100.0")
    assert figures.dues_on_time_rate(tree.branch_a2, D(2026, 1, 1), D(2026, 1, 31)) == Decimal("0.0")


def test_dues_on_time_rate_with_nothing_owed_is_none(tree, django_assert_num_queries):
    MemberFactory(branch=tree.branch_a1, joined_on=D(2026, 8, 1))
    with django_assert_num_queries(2):
        # Nobody owed anything before joining.
        assert figures.dues_on_time_rate(tree.branch_a1, D(2026, 1, 1), D(2026, 6, 30)) is None
    with django_assert_num_queries(2):
        assert figures.dues_on_time_rate(tree.branch_b1, D(2026, 1, 1), D(2026, 6, 30)) is None  # no members
    with django_assert_num_queries(0):
        # Only this month: not over yet.
        assert (
            figures.dues_on_time_rate(tree.branch_a1, D(2026, 6, 1), D(2026, 6, 30), today=D(2026, 6, 15))
            is None
        )


# Star volunteers ----------------------------------------------------------------------------------


def test_star_volunteers_share_uses_the_branchs_rule(tree, django_assert_num_queries):
    StarRule.objects.create(
        organization=tree.committee_a, one_star=2, two_stars=4, three_stars=6, four_stars=8, five_stars=10
    )
    starred = MemberFactory(branch=tree.branch_a1)
    short = MemberFactory(branch=tree.branch_a1)
    twice = MemberFactory(branch=tree.branch_a1)
    suspended = MemberFactory(branch=tree.branch_a1, party_standing=Member.Standing.SUSPENDED)
    ServiceRecordFactory(member=starred, served_on=D(2026, 3, 1))
    ServiceRecordFactory(member=starred, served_on=D(2026, 4, 1))
    ServiceRecordFactory(member=short, served_on=D(2026, 3, 1))
    ServiceRecordFactory(member=short, served_on=D(2026, 4, 1), verified_at=None)  # not verified
    ServiceRecordFactory(member=short, served_on=D(2025, 4, 1))  # last year
    ServiceRecordFactory(member=twice, served_on=D(2026, 3, 1), content="打扫院落")
    ServiceRecordFactory(member=twice, served_on=D(2026, 3, 1), content="打扫院落")  # a duplicate
    for day in (1, 2, 3):
        ServiceRecordFactory(member=suspended, served_on=D(2026, 5, day))

    with django_assert_num_queries(2):
        share = figures.star_volunteers_share(tree.branch_a1, 2026)

    assert share == Decimal("33.3")  # 1 of the 3 members on the board


def test_star_volunteers_share_of_a_branch_without_members_is_none(tree, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert figures.star_volunteers_share(tree.branch_b1, 2026) is None
    MemberFactory(branch=tree.branch_b1)
    assert figures.star_volunteers_share(tree.branch_b1, 2026) == Decimal("0.0")


# Constant queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 50])
def test_every_figure_takes_the_same_queries_for_5_and_50_members(
    tree, cast, size, django_assert_num_queries
):
    members = [MemberFactory(branch=tree.branch_a1, joined_on=D(2025, 1, 1)) for _ in range(size)]
    DuesPayment.objects.bulk_create(
        DuesPayment(member=m, month=D(2026, month, 1), amount=Decimal("5"), paid_on=D(2026, month, 2))
        for m in members
        for month in range(1, 6)
    )
    held = meeting(tree.branch_a1, cast.secretary, D(2026, 2, 1))
    Attendance.objects.bulk_create(Attendance(meeting=held, member=m) for m in members)
    ServiceRecordFactory.create_batch(size, member=factory.Iterator(members), served_on=D(2026, 3, 1))
    start, end, today = D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 15)

    with django_assert_num_queries(2):
        assert figures.meeting_attendance_rate(tree.branch_a1, start, end) == Decimal("100.0")
    with django_assert_num_queries(1):
        figures.activities_per_month(tree.branch_a1, start, end, today=today)
    with django_assert_num_queries(1):
        figures.new_members(tree.branch_a1, start, end)
    with django_assert_num_queries(1):
        figures.new_activists(tree.branch_a1, start, end)
    with django_assert_num_queries(2):
        assert figures.dues_on_time_rate(tree.branch_a1, start, end, today=today) == Decimal("100.0")
    with django_assert_num_queries(2):
        figures.star_volunteers_share(tree.branch_a1, 2026)


# By the indicator's name ---------------------------------------------------------------------------


def test_every_metric_of_a_branchs_records_has_a_figure():
    assert set(figures.METRICS) == set(Metric.values) - {Metric.SATISFACTION_RATE}


def test_figure_answers_each_metric_for_the_period(tree, cast, django_assert_num_queries):
    S = DevelopmentStage.Stage
    for on in (D(2026, 3, 1), D(2026, 5, 1), D(2025, 5, 1)):
        applicant = Applicant.objects.create(name="申请人", gender="F", branch=tree.branch_a1)
        DevelopmentStage.objects.create(applicant=applicant, stage=S.ACTIVIST, reached_on=on)
    MemberFactory(branch=tree.branch_a1, joined_on=D(2026, 4, 1), status=Member.Status.PROBATIONARY)
    somebody = MemberFactory(branch=tree.branch_a1, joined_on=D(2020, 1, 1))
    meeting(tree.branch_a1, cast.secretary, D(2026, 1, 10), marks={somebody: P})
    meeting(tree.branch_a1, cast.secretary, D(2026, 2, 10), marks={somebody: A})
    meeting(tree.branch_a1, cast.secretary, D(2026, 2, 20))
    record_dues_payment(
        member=somebody, month=D(2026, 1, 1), amount=Decimal("5"), paid_on=D(2026, 1, 5), by=cast.secretary
    )
    ServiceRecordFactory.create_batch(
        5, member=somebody, served_on=factory.Iterator(D(2026, 3, d) for d in range(1, 6))
    )

    def figure(metric):
        return figures.figure(metric, tree.branch_a1, D(2026, 1, 1), D(2026, 2, 28), today=D(2026, 6, 15))

    with django_assert_num_queries(1):
        assert figure(Metric.NEW_ACTIVISTS) == 0
    assert figures.figure(Metric.NEW_ACTIVISTS, tree.branch_a1, D(2026, 1, 1), D(2026, 12, 31)) == 2
    assert figure(Metric.NEW_MEMBERS) == 0
    assert figures.figure(Metric.NEW_MEMBERS, tree.branch_a1, D(2026, 1, 1), D(2026, 12, 31)) == 1
    assert figure(Metric.ATTENDANCE_RATE) == Decimal("50.0")
    assert figure(Metric.ACTIVITIES) == 3  # January's one meeting and February's two
    assert figure(Metric.DUES_ON_TIME_RATE) == Decimal("50.0")  # January on time, February unpaid
    # The board's year is the year the period ends in: five services in 2026 make one star.
    assert figure(Metric.STAR_VOLUNTEERS_SHARE) == Decimal("50.0")
