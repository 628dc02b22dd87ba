"""The framework model of issue 8: three levels, points without weights, several check methods,
a structured rule per indicator, and self-scores that may be blank until entered."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments import rules
from assessments.models import (
    CheckMethod,
    Dimension,
    Framework,
    Indicator,
    IndicatorScore,
    ItemGroup,
    Metric,
    SelfAssessment,
)
from assessments.periods import Period
from campaigns.models import Site
from tests.campaigns.factories import active_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(db):
    framework = Framework.objects.create(name="某县评分细则", bonus_cap=Decimal("5"))
    first = Dimension.objects.create(framework=framework, name="组织建设", order=1)
    second = Dimension.objects.create(framework=framework, name="党员管理", order=2)
    group = ItemGroup.objects.create(dimension=first, name="三会一课", order=1)
    Indicator.objects.create(
        dimension=first,
        item_group=group,
        code="1.1",
        text="每月召开支委会1次",
        max_score=Decimal("60"),
        criteria="每少开1次扣0.5分，扣完为止",
        check_methods=[CheckMethod.RECORDS, CheckMethod.SITE_VISIT],
        rule=rules.to_data(
            rules.PerUnitDeduction(
                points=60, per_unit="0.5", required=1, period=Period.MONTH, subject="支委会"
            )
        ),
        metric=Metric.MEETINGS,
        metric_period=Period.MONTH,
        meeting_kinds=["COMMITTEE_MEETING"],
    )
    Indicator.objects.create(dimension=second, code="2.1", text="党员教育", max_score=Decimal("90"))
    Indicator.objects.create(
        dimension=second,
        code="2.2",
        text="创新做法",
        max_score=Decimal("4"),
        is_bonus=True,
        rule=rules.to_data(rules.Bonus(per_unit=2, cap=4)),
    )
    return framework


def test_a_table_of_150_points_totals_its_items_without_the_bonus(framework):
    assert framework.total_points() == Decimal("150")
    assert not hasattr(Dimension, "weight")
    assert framework.bonus_cap == Decimal("5")


def test_the_middle_level_is_kept(framework):
    group = ItemGroup.objects.get(dimension__framework=framework)
    assert [i.code for i in group.indicators.all()] == ["1.1"]
    assert list(group.dimension.item_groups.all()) == [group]


def test_an_indicator_reads_its_rule_and_check_methods(framework):
    indicator = Indicator.objects.get(dimension__framework=framework, code="1.1")
    assert indicator.is_computed
    assert isinstance(indicator.structured_rule, rules.PerUnitDeduction)
    assert indicator.structured_rule.period is Period.MONTH
    assert indicator.get_check_methods_display() == "查阅资料、实地查看"
    manual = Indicator.objects.get(dimension__framework=framework, code="2.1")
    assert (manual.structured_rule, manual.is_computed) == (None, False)


def test_check_methods_have_the_plans_labels():
    assert dict(CheckMethod.choices) == {
        "RECORDS": "查阅资料",
        "SITE_VISIT": "实地查看",
        "INTERVIEW": "走访",
        "QUESTIONNAIRE": "问卷",
        "SYMPOSIUM": "座谈",
        "TEST": "测试",
    }


def test_metrics_are_period_free():
    assert set(Metric.values) == {
        "attendance_rate",
        "activities",
        "meetings",
        "new_members",
        "new_activists",
        "dues_on_time_rate",
        "star_volunteers_share",
        "satisfaction_rate",
    }


def test_clean_refuses_unknown_check_methods_and_bad_rules(framework):
    dimension = framework.dimensions.first()
    indicator = Indicator(
        dimension=dimension,
        code="1.9",
        text="x",
        max_score=1,
        check_methods=["查户口"],
        rule={"kind": "magic"},
    )
    with pytest.raises(ValidationError) as excinfo:
        indicator.full_clean()
    assert "check_methods" in excinfo.value.message_dict and "rule" in excinfo.value.message_dict


def test_an_item_group_of_another_dimension_is_refused(framework):
    first, second = framework.dimensions.all()
    group = first.item_groups.get()
    indicator = Indicator(dimension=second, item_group=group, code="2.9", text="x", max_score=1)
    with pytest.raises(ValidationError, match="同一一级指标"):
        indicator.full_clean()


def test_a_metric_without_a_rule_is_refused_by_the_database(framework):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(
            dimension=framework.dimensions.first(),
            code="1.8",
            text="x",
            max_score=1,
            metric=Metric.ACTIVITIES,
        )


def test_a_score_may_be_blank_until_entered(tree, cast, framework):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = Site.objects.create(campaign=campaign, organization=tree.branch_a1, nominated_by=tree.committee_a)
    assessment = SelfAssessment.objects.create(site=site)
    indicator = Indicator.objects.get(dimension__framework=framework, code="2.1")
    score = IndicatorScore.objects.create(self_assessment=assessment, indicator=indicator)
    assert (score.score, score.level, score.count, score.occurred, score.reason) == (None, "", None, None, "")
    score.score = Decimal("91")
    with pytest.raises(ValidationError, match="不能超过"):
        score.full_clean()
