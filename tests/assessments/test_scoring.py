"""Scores computed from the branch's records (assessments.scoring): each metric period at its
boundaries, the sentence that shows how a score was reached, a site's totals with the bonus apart
and veto failures, and queries flat in the number of indicators."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import rules
from assessments.models import Dimension, Framework, Indicator, IndicatorScore, Metric, SelfAssessment
from assessments.periods import Period
from assessments.scoring import campaign_period, computed_result, score_site
from campaigns.models import Site
from campaigns.services import create_campaign
from members.models import Applicant, Attendance, DevelopmentStage, Meeting
from members.services.records import record_attendance, save_meeting
from tests.campaigns.factories import standard_phases
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2027, 1, 15)  # after the campaign: every period has happened
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


@pytest.fixture
def site(tree, cast):
    campaign = create_campaign(
        by=cast.org_department,
        name="2026年度基层党建示范点创建活动",
        year=2026,
        organizer=tree.work,
        phases=standard_phases(2026),
    )
    Framework.objects.create(name="测试细则", campaign=campaign, bonus_cap=Decimal("3"))
    return Site.objects.create(
        campaign=campaign,
        organization=tree.branch_a1,
        nominated_by=tree.committee_a,
        status=Site.Status.APPROVED,
    )


def dimension(site, name="党员队伍", order=1):
    framework = Framework.objects.get(campaign=site.campaign)
    return Dimension.objects.get_or_create(framework=framework, name=name, defaults={"order": order})[0]


def item(site, code, points, rule=None, *, metric="", period="", kinds=(), dim="党员队伍", **fields):
    return Indicator.objects.create(
        dimension=dimension(site, dim),
        code=code,
        text=f"考核内容{code}",
        max_score=Decimal(points),
        rule=rules.to_data(rule) if rule is not None else {},
        metric=metric,
        metric_period=period,
        meeting_kinds=list(kinds),
        **fields,
    )


def meetings(branch, by, days, kind=Meeting.Kind.THEME_DAY):
    # Written directly: some days lie after the real today, which the meeting service refuses.
    Meeting.objects.bulk_create(
        Meeting(organization=branch, kind=kind, held_on=day, topic="学习") for day in days
    )


def result(indicator, site, start, end):
    return computed_result(indicator, site, start=start, end=end, today=TODAY)


# The campaign's period -----------------------------------------------------------------------


def test_campaign_period_runs_from_the_first_phase_to_the_last(site):
    assert campaign_period(site.campaign) == (D(2026, 3, 1), D(2026, 12, 31))


# Meetings by month, with the sentence --------------------------------------------------------


def committee_rule():
    return rules.PerUnitDeduction(
        points=5, per_unit="0.5", required=1, period=Period.MONTH, subject="支委会", action="开"
    )


def test_monthly_committee_meetings_say_how_the_score_was_reached(site, cast):
    # Ten months with a 支委会, June with two: June counts once and cannot make up for a gap.
    days = [D(2026, m, 10) for m in range(1, 11)] + [D(2026, 6, 20)]
    meetings(site.organization, cast.secretary, days, Meeting.Kind.COMMITTEE_MEETING)
    meetings(site.organization, cast.secretary, [D(2026, 11, 5)], Meeting.Kind.THEME_DAY)  # not a 支委会
    indicator = item(
        site, "2.1", 5, committee_rule(), metric=Metric.MEETINGS, period=Period.MONTH,
        kinds=[Meeting.Kind.COMMITTEE_MEETING],
    )  # fmt: skip

    computed = result(indicator, site, *YEAR)

    assert computed.result.points == Decimal("4.00")
    assert computed.explanation == "支委会 10 次，应开 12 次，少 2 次，扣 1 分"
    assert (computed.start, computed.end, computed.figure) == (*YEAR, 10)
    assert computed.records_url.endswith(f"/branches/{site.organization_id}/meetings/")


def test_every_month_met_keeps_all_the_points(site, cast):
    meetings(
        site.organization,
        cast.secretary,
        [D(2026, m, 3) for m in range(1, 13)],
        Meeting.Kind.COMMITTEE_MEETING,
    )
    indicator = item(
        site, "2.1", 5, committee_rule(), metric=Metric.MEETINGS, period=Period.MONTH,
        kinds=[Meeting.Kind.COMMITTEE_MEETING],
    )  # fmt: skip

    assert result(indicator, site, *YEAR).result.points == Decimal("5.00")


# Weeks (鸡冠区: 党日活动每周1次) -----------------------------------------------------------------

FOUR_WEEKS = (D(2026, 3, 2), D(2026, 3, 29))  # Monday 2 March to Sunday 29 March


def weekly(site, rule):
    return item(
        site, "2.2", 4, rule, metric=Metric.ACTIVITIES, period=Period.WEEK, kinds=[Meeting.Kind.THEME_DAY]
    )


def threshold_weekly():
    return rules.Threshold(points=4, threshold=1, subject="党日活动", unit="次")


def test_a_week_with_two_activities_counts_once_per_unit(site, cast):
    # Week 1 twice, week 2 none, weeks 3 and 4 once: three weeks credited, one short.
    days = [D(2026, 3, 3), D(2026, 3, 6), D(2026, 3, 17), D(2026, 3, 24)]
    meetings(site.organization, cast.secretary, days)
    rule = rules.PerUnitDeduction(
        points=4, per_unit=1, required=1, period=Period.WEEK, subject="党日活动", action="开展"
    )

    computed = result(weekly(site, rule), site, *FOUR_WEEKS)

    assert computed.figure == 3
    assert computed.result.points == Decimal("3.00")
    assert computed.explanation == "党日活动 3 次，应开展 4 次，少 1 次，扣 1 分"


def test_every_week_with_an_activity_meets_the_threshold(site, cast):
    days = [D(2026, 3, 2), D(2026, 3, 8), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 29)]
    meetings(site.organization, cast.secretary, days)

    computed = result(weekly(site, threshold_weekly()), site, *FOUR_WEEKS)

    assert computed.result.points == Decimal("4.00")
    assert computed.explanation == "党日活动：4 个周中 4 个达到每周 1 次，得 4 分"


def test_one_empty_week_fails_the_threshold_and_is_named(site, cast):
    # Two activities in week 1 do not make up for the empty week 3 (2026年第12周).
    days = [D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 10), D(2026, 3, 29)]
    meetings(site.organization, cast.secretary, days)
    meetings(
        site.organization, cast.secretary, [D(2026, 3, 18)], Meeting.Kind.COMMITTEE_MEETING
    )  # not a 党日

    computed = result(weekly(site, threshold_weekly()), site, *FOUR_WEEKS)

    assert computed.result.points == Decimal("0.00")
    assert computed.explanation == "党日活动：4 个周中 3 个达到每周 1 次，1 个未达到（2026年第12周），不得分"


def test_partial_weeks_at_the_ends_are_not_required(site, cast):
    # Wednesday 4 March to Tuesday 24 March holds two whole weeks (9–15, 16–22).
    meetings(site.organization, cast.secretary, [D(2026, 3, 10), D(2026, 3, 20)])

    computed = result(weekly(site, threshold_weekly()), site, D(2026, 3, 4), D(2026, 3, 24))

    assert computed.result.points == Decimal("4.00")
    assert (computed.start, computed.end) == (D(2026, 3, 9), D(2026, 3, 22))


def test_a_range_without_a_whole_week_has_no_computed_score(site):
    computed = result(weekly(site, threshold_weekly()), site, D(2026, 3, 4), D(2026, 3, 6))

    assert computed.result is None
    assert "没有完整的一周" in computed.explanation


# Two-year windows (乐亭: 每两年至少发展1名新党员) ---------------------------------------------------


def two_years(site):
    rule = rules.Threshold(points=4, threshold=1, subject="发展新党员", unit="名")
    return item(site, "2.3", 4, rule, metric=Metric.NEW_MEMBERS, period=Period.TWO_YEARS)


def test_a_member_joined_before_the_campaign_counts_within_two_years(site):
    # The window is the two years up to the campaign's end: 2025-01-01 to 2026-12-31.
    MemberFactory(branch=site.organization, joined_on=D(2025, 1, 1))
    start, end = campaign_period(site.campaign)

    computed = result(two_years(site), site, start, end)

    assert (computed.start, computed.end) == (D(2025, 1, 1), D(2026, 12, 31))
    assert computed.result.points == Decimal("4.00")
    assert computed.explanation == "2025—2026年发展新党员 1 名，达到每两年 1 名，得 4 分"


def test_a_member_one_day_before_the_window_does_not_count(site):
    MemberFactory(branch=site.organization, joined_on=D(2024, 12, 31))
    start, end = campaign_period(site.campaign)

    computed = result(two_years(site), site, start, end)

    assert computed.result.points == Decimal("0.00")
    assert "不得分" in computed.explanation


def test_a_two_year_window_across_a_year_end(site):
    # A campaign to 30 June 2026 reads 1 July 2024 – 30 June 2026: August 2024 counts.
    MemberFactory(branch=site.organization, joined_on=D(2024, 8, 20))

    computed = result(two_years(site), site, D(2026, 3, 1), D(2026, 6, 30))

    assert (computed.start, computed.end) == (D(2024, 7, 1), D(2026, 6, 30))
    assert computed.result.points == Decimal("4.00")


def test_activists_per_year(site):
    for on in (D(2026, 2, 1), D(2026, 9, 1)):
        applicant = Applicant.objects.create(name="申请人", gender="F", branch=site.organization)
        DevelopmentStage.objects.create(
            applicant=applicant, stage=DevelopmentStage.Stage.ACTIVIST, reached_on=on
        )
    rule = rules.Threshold(points=3, threshold=2, subject="培养入党积极分子", unit="名")
    indicator = item(site, "2.4", 3, rule, metric=Metric.NEW_ACTIVISTS, period=Period.YEAR)

    assert result(indicator, site, *YEAR).result.points == Decimal("3.00")
    assert result(indicator, site, D(2026, 3, 1), D(2027, 2, 28)).result.points == Decimal("0.00")


# Rates (到会率在90%以上) -----------------------------------------------------------------------


@pytest.mark.parametrize(("present", "points"), [(9, "4.00"), (8, "0.00")])
def test_attendance_exactly_at_90_percent_and_one_short(site, cast, present, points):
    members = [MemberFactory(branch=site.organization) for _ in range(10)]
    made = save_meeting(
        branch=site.organization, by=cast.secretary, kind=Meeting.Kind.GENERAL_MEETING, group=None,
        held_on=D(2026, 5, 5), topic="学习",
    )  # fmt: skip
    statuses = {
        m.pk: Attendance.Status.PRESENT if i < present else Attendance.Status.ABSENT
        for i, m in enumerate(members)
    }
    record_attendance(meeting=made, statuses=statuses, by=cast.secretary)
    rule = rules.Threshold(points=4, threshold=90, subject="党员到会率", unit="%")
    indicator = item(site, "2.5", 4, rule, metric=Metric.ATTENDANCE_RATE)

    computed = result(indicator, site, *YEAR)

    assert computed.result.points == Decimal(points)
    assert computed.figure == Decimal(present * 10)


def test_satisfaction_waits_for_the_survey(site):
    rule = rules.Threshold(points=4, threshold=90, subject="群众满意率", unit="%")
    indicator = item(site, "5.1", 4, rule, metric=Metric.SATISFACTION_RATE)

    computed = result(indicator, site, *YEAR)

    assert computed.result is None and "群众测评" in computed.explanation


def test_an_item_without_a_metric_is_not_computed(site):
    assert result(item(site, "1.1", 5, rules.Manual(points=5)), site, *YEAR) is None


# A site's totals -----------------------------------------------------------------------------


def scored(site, indicator, **values):
    assessment, _ = SelfAssessment.objects.get_or_create(site=site)
    return IndicatorScore.objects.create(self_assessment=assessment, indicator=indicator, **values)


def test_site_totals_per_dimension_with_the_bonus_apart(site, cast):
    lead = item(site, "1.1", 10, rules.Manual(points=10), dim="领导班子")
    levels = (rules.Level("好", 4), rules.Level("较好", 3), rules.Level("差", 1))
    graded = item(site, "1.2", 4, rules.GradedLevels(points=4, levels=levels), dim="领导班子")
    fixed = item(
        site, "2.1", 10, rules.FixedDeduction(points=10, amount=15, event="未按规定发展党员", may_exceed=True)
    )
    other = item(site, "2.2", 6, rules.Manual(points=6))
    bonus = item(
        site, "3.1", 4, rules.Bonus(per_unit=2, cap=4, condition="创新做法"), dim="加分项", is_bonus=True
    )
    unscored = item(site, "1.3", 2, dim="领导班子")
    scored(site, lead, score=Decimal("8"), reason="班子分工不够明确")
    scored(site, graded, level="较好")
    scored(site, fixed, occurred=True)
    scored(site, other, score=Decimal("6"))
    scored(site, bonus, count=Decimal("3"))

    total = score_site(site, today=TODAY)

    by_name = {d.dimension.name: d for d in total.dimensions}
    assert (by_name["领导班子"].points, by_name["领导班子"].max_points) == (
        Decimal("11.00"),
        Decimal("16.00"),
    )
    # 15 off a 10-point item that may go beyond it: 10 there, 5 off the dimension's other 6.
    assert by_name["党员队伍"].points == Decimal("1.00")
    assert by_name["加分项"].total.bonus == Decimal("4.00")
    assert (total.points, total.max_points) == (Decimal("12.00"), Decimal("32.00"))
    assert (total.bonus.claimed, total.bonus.awarded) == (Decimal("4.00"), Decimal("3.00"))  # framework cap 3
    assert total.total_with_bonus == Decimal("15.00")
    assert total.unscored == (unscored,)
    assert not total.failed_by_veto


def test_a_veto_fails_the_site_whatever_the_total(site):
    full = item(site, "1.1", 100, rules.Manual(points=100))
    veto = item(site, "1.2", 0, rules.Veto(condition="有违法违纪现象"), is_veto=True)
    scored(site, full, score=Decimal("100"))
    scored(site, veto, occurred=True)

    total = score_site(site, today=TODAY)

    assert total.points == Decimal("100.00")
    assert total.failed_by_veto and total.vetoes == (veto,)


def test_a_computed_item_scores_from_records_not_from_the_entered_score(site, cast):
    meetings(
        site.organization,
        cast.secretary,
        [D(2026, m, 10) for m in range(3, 13)],
        Meeting.Kind.COMMITTEE_MEETING,
    )
    indicator = item(
        site, "2.1", 5, committee_rule(), metric=Metric.MEETINGS, period=Period.MONTH,
        kinds=[Meeting.Kind.COMMITTEE_MEETING],
    )  # fmt: skip
    scored(site, indicator, score=Decimal("1"))

    total = score_site(site, today=TODAY)

    (only,) = total.dimensions[0].items
    assert only.computed.explanation == "支委会 10 次，应开 10 次，不扣分"  # March–December
    assert only.points == Decimal("5.00")


def test_a_site_without_a_framework_scores_nothing(site):
    Framework.objects.filter(campaign=site.campaign).delete()
    total = score_site(site, today=TODAY)
    assert (total.framework, total.points, total.dimensions) == (None, Decimal("0"), ())


def build(site, cast, n):
    """`n` items over three dimensions: manual, graded and computed (weeks, months, rates)."""
    for k in range(n):
        dim = f"一级指标{k % 3}"
        match k % 5:
            case 0:
                indicator = item(site, f"{k}", 5, rules.Manual(points=5), dim=dim)
                scored(site, indicator, score=Decimal("4"), reason="略有欠缺")
            case 1:
                levels = (rules.Level("好", 4), rules.Level("差", 0))
                indicator = item(site, f"{k}", 4, rules.GradedLevels(points=4, levels=levels), dim=dim)
                scored(site, indicator, level="好")
            case 2:
                item(
                    site, f"{k}", 4, threshold_weekly(), metric=Metric.ACTIVITIES, period=Period.WEEK, dim=dim
                )
            case 3:
                item(
                    site, f"{k}", 5, committee_rule(), metric=Metric.MEETINGS, period=Period.MONTH,
                    kinds=[Meeting.Kind.COMMITTEE_MEETING], dim=dim,
                )  # fmt: skip
            case 4:
                rule = rules.Threshold(points=4, threshold=90, subject="党员到会率", unit="%")
                item(site, f"{k}", 4, rule, metric=Metric.ATTENDANCE_RATE, dim=dim)


def queries_for(site):
    site = Site.objects.select_related("campaign", "organization").get(pk=site.pk)
    with CaptureQueriesContext(connection) as captured:
        score_site(site, today=TODAY)
    return len(captured)


def test_queries_are_flat_with_10_or_60_indicators(tree, cast, site):
    meetings(
        site.organization,
        cast.secretary,
        [D(2026, m, 10) for m in range(3, 13)],
        Meeting.Kind.COMMITTEE_MEETING,
    )
    build(site, cast, 10)
    few = queries_for(site)
    IndicatorScore.objects.filter(self_assessment__site=site).delete()
    Indicator.objects.filter(dimension__framework__campaign=site.campaign).delete()
    build(site, cast, 60)
    many = queries_for(site)

    assert few == many
    assert many <= 10
