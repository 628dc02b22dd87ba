"""The built-in criteria frameworks (data migration 0004) and copying a framework for a campaign."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum

from assessments.models import Dimension, Framework, Indicator, Metric, validate_weights
from assessments.services import copy_framework
from campaigns.services import create_campaign
from tests.campaigns.factories import standard_phases

pytestmark = pytest.mark.django_db

DEV_ZONE = "开发区基层党建示范点“五好”“五型”标准"
LAOTING_SCHOOL = "乐亭县基层党建工作示范点“五个好”标准（学校）"
FIRE_BRIGADE = "鸡冠区大队基层党建工作试点“五个好”标准（公安消防）"
WANGCHENG_SCHOOL = "望城学校党支部“五个好”创建目标"
BUILTINS = [DEV_ZONE, LAOTING_SCHOOL, FIRE_BRIGADE, WANGCHENG_SCHOOL]


def builtin(name: str) -> Framework:
    return Framework.objects.templates().get(is_builtin=True, name=name)


def indicator_counts(framework: Framework, **filters) -> list[int]:
    rows = framework.dimensions.filter(**filters).annotate(n=Count("indicators"))
    return [d.n for d in rows]


def structure(framework: Framework) -> list[tuple]:
    """Everything a copy must keep, in order, without ids."""
    return [
        (
            d.group,
            d.name,
            d.description,
            d.weight,
            d.order,
            [
                (
                    i.code,
                    i.text,
                    i.max_score,
                    i.evidence_hint,
                    i.check_method,
                    i.is_veto,
                    i.metric,
                    i.threshold,
                    i.deduction_rule,
                    i.order,
                )
                for i in d.indicators.all()
            ],
        )
        for d in framework.dimensions.prefetch_related("indicators")
    ]


def make_template(n_indicators: int, name: str = "自定义评分细则") -> Framework:
    """A template with two dimensions of 50 and `n_indicators` indicators spread over them."""
    framework = Framework.objects.create(name=name)
    dimensions = [
        Dimension.objects.create(framework=framework, name=f"一级指标{k}", weight=50, order=k) for k in (1, 2)
    ]
    for n in range(n_indicators):
        Indicator.objects.create(
            dimension=dimensions[n % 2], code=f"{n % 2 + 1}.{n}", text=f"考核要点{n}", max_score=1
        )
    return framework


@pytest.fixture
def campaign(tree, cast):
    return create_campaign(
        by=cast.org_department,
        name="2026年度基层党建示范点创建活动",
        year=2026,
        organizer=tree.work,
        phases=standard_phases(2026),
    )


# The built-ins --------------------------------------------------------------------------------


def test_builtin_frameworks_exist_after_migrations():
    builtins = Framework.objects.filter(is_builtin=True)
    assert sorted(builtins.values_list("name", flat=True)) == sorted(BUILTINS)
    assert all(f.campaign_id is None and f.version == 1 and f.source for f in builtins)
    assert set(Framework.objects.templates().filter(is_builtin=True)) == set(builtins)


def test_dev_zone_has_five_goods_and_five_types():
    framework = builtin(DEV_ZONE)
    assert list(framework.dimensions.values_list("name", flat=True)) == [
        "领导班子好",
        "党员队伍好",
        "工作机制好",
        "工作业绩好",
        "群众反映好",
        "服务型党组织",
        "学习型党组织",
        "创新型党组织",
        "效能型党组织",
        "廉洁型党组织",
    ]
    assert framework.dimensions.filter(group=Dimension.Group.FIVE_GOODS).count() == 5
    assert indicator_counts(framework, group=Dimension.Group.FIVE_TYPES) == [4, 4, 4, 3, 3]
    assert set(framework.dimensions.values_list("weight", flat=True)) == {Decimal("10")}


def test_service_type_items_are_the_plans_four_services():
    service = builtin(DEV_ZONE).dimensions.get(name="服务型党组织")
    texts = list(service.indicators.values_list("text", flat=True))
    assert [t[:4] for t in texts] == ["服务发展", "服务社会", "服务群众", "服务党员"]
    assert list(service.indicators.values_list("code", flat=True)) == ["6.1", "6.2", "6.3", "6.4"]


def test_dev_zone_satisfaction_is_a_computed_threshold():
    indicator = Indicator.objects.get(dimension__framework=builtin(DEV_ZONE), metric=Metric.SATISFACTION_RATE)
    assert indicator.dimension.name == "群众反映好"
    assert "民主测评领导班子群众满意度达到90%以上" in indicator.text
    assert indicator.threshold == Decimal("90")


def test_wangcheng_has_its_sub_items():
    framework = builtin(WANGCHENG_SCHOOL)
    assert list(framework.dimensions.values_list("name", flat=True)) == [
        "领导班子好",
        "党员队伍好",
        "工作机制好",
        "工作业绩好",
        "师生反映好",
    ]
    assert indicator_counts(framework) == [3, 5, 4, 4, 3]
    satisfaction = Indicator.objects.get(dimension__framework=framework, metric=Metric.SATISFACTION_RATE)
    assert (satisfaction.dimension.name, satisfaction.threshold) == ("师生反映好", Decimal("90"))


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_weights_sum_to_100_and_scores_to_each_weight(name):
    framework = builtin(name)
    weights = list(framework.dimensions.values_list("weight", flat=True))
    validate_weights(weights)
    assert framework.total_weight() == Decimal("100")
    for dimension in framework.dimensions.annotate(scores=Sum("indicators__max_score")):
        assert dimension.scores == dimension.weight, dimension.name


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_indicator_says_how_to_check_it(name):
    indicators = Indicator.objects.filter(dimension__framework=builtin(name))
    assert indicators.exists()
    assert not indicators.filter(evidence_hint="").exists()
    assert not indicators.filter(text="").exists()


@pytest.mark.parametrize(
    ("metric", "school", "fire_brigade"),
    [
        (Metric.NEW_MEMBERS_PER_YEAR, "0.5", "2"),  # 每两年至少发展1名 vs 每年至少发展2名
        (Metric.ACTIVISTS_PER_YEAR, "1", "2"),
        (Metric.ACTIVITIES_PER_MONTH, "1", "4"),  # 每月1次 vs 每周1次
        (Metric.MEETING_ATTENDANCE_RATE, "90", "90"),
        (Metric.DUES_ON_TIME_RATE, "100", "100"),
    ],
)
def test_county_thresholds_are_each_plans_own(metric, school, fire_brigade):
    def threshold(name):
        return Indicator.objects.get(dimension__framework=builtin(name), metric=metric).threshold

    assert threshold(LAOTING_SCHOOL) == Decimal(school)
    assert threshold(FIRE_BRIGADE) == Decimal(fire_brigade)


def test_county_wording_follows_the_thresholds():
    def activity(name):
        return Indicator.objects.get(dimension__framework=builtin(name), metric=Metric.ACTIVITIES_PER_MONTH)

    assert activity(LAOTING_SCHOOL).text == "党员活动每月1次。"
    fire = activity(FIRE_BRIGADE)
    assert "每周1次" in fire.text
    assert "每周1次" in fire.deduction_rule
    new_members = Indicator.objects.get(
        dimension__framework=builtin(LAOTING_SCHOOL), metric=Metric.NEW_MEMBERS_PER_YEAR
    )
    assert new_members.text == "每两年至少发展1名新党员。"


@pytest.mark.parametrize("name", [LAOTING_SCHOOL, FIRE_BRIGADE])
def test_no_breach_of_law_or_discipline_is_a_veto(name):
    vetoes = Indicator.objects.filter(dimension__framework=builtin(name), is_veto=True)
    assert [(v.dimension.name, v.text) for v in vetoes] == [("党员干部队伍建设", "无违法违纪现象。")]


def test_frameworks_without_such_a_rule_have_no_veto():
    assert not Indicator.objects.filter(
        dimension__framework__in=[builtin(DEV_ZONE), builtin(WANGCHENG_SCHOOL)], is_veto=True
    ).exists()


# Weights --------------------------------------------------------------------------------------


def test_weights_of_90_are_refused_in_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_weights([Decimal("30"), Decimal("30"), Decimal("30")])
    assert excinfo.value.messages == ["各一级指标权重之和须为 100，现为 90。"]


# Copying --------------------------------------------------------------------------------------


def test_copy_framework_copies_everything_for_the_campaign(campaign):
    template = builtin(DEV_ZONE)
    copy = copy_framework(template=template, campaign=campaign)
    copy.refresh_from_db()
    assert copy.pk != template.pk
    assert (copy.name, copy.version, copy.source) == (template.name, template.version, template.source)
    assert copy.based_on == template
    assert copy.campaign == campaign
    campaign.refresh_from_db()
    assert campaign.framework == copy
    assert not copy.is_builtin
    assert structure(copy) == structure(template)
    assert Indicator.objects.filter(dimension__framework=copy).count() == 32
    assert copy not in Framework.objects.templates()


def test_the_copy_does_not_follow_later_edits_of_the_template(campaign):
    template = make_template(4)
    copy = copy_framework(template=template, campaign=campaign)
    Indicator.objects.filter(dimension__framework=template).update(text="改过的考核要点")
    assert not Indicator.objects.filter(dimension__framework=copy, text="改过的考核要点").exists()


@pytest.mark.parametrize("size", [3, 30])
def test_copy_framework_queries_do_not_grow_with_indicators(campaign, size, django_assert_max_num_queries):
    template = make_template(size)
    # savepoint; "has the campaign a framework?"; insert framework; select dimensions; prefetch
    # indicators; bulk insert dimensions; bulk insert indicators; release savepoint.
    with django_assert_max_num_queries(8):
        copy = copy_framework(template=template, campaign=campaign)
    assert Indicator.objects.filter(dimension__framework=copy).count() == size


def test_a_campaign_gets_one_copy_only(campaign):
    copy_framework(template=builtin(DEV_ZONE), campaign=campaign)
    with pytest.raises(ValidationError, match="已有考核标准"):
        copy_framework(template=builtin(WANGCHENG_SCHOOL), campaign=campaign)
    assert Framework.objects.filter(campaign=campaign).count() == 1


def test_a_template_whose_weights_miss_100_is_not_copied(campaign):
    template = make_template(2)
    template.dimensions.filter(order=2).update(weight=40)
    with pytest.raises(ValidationError, match="现为 90"):
        copy_framework(template=template, campaign=campaign)
    assert not Framework.objects.filter(campaign=campaign).exists()
