"""The built-in criteria frameworks (data migrations 0004, 0009) and copying a framework for a campaign.

What the built-ins say per plan (two-year windows, weeks, no veto …) is tested in
test_builtin_frameworks.py."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum

from assessments.models import Dimension, Framework, Indicator, ItemGroup, Metric
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
            d.order,
            [(g.name, g.order) for g in d.item_groups.all()],
            [
                (
                    i.code,
                    i.item_group.name if i.item_group else None,
                    i.text,
                    i.max_score,
                    i.criteria,
                    i.evidence_hint,
                    i.check_methods,
                    i.is_veto,
                    i.is_bonus,
                    i.rule,
                    i.metric,
                    i.metric_period,
                    i.meeting_kinds,
                    i.order,
                )
                for i in d.indicators.select_related("item_group")
            ],
        )
        for d in framework.dimensions.prefetch_related("item_groups")
    ]


def make_template(n_indicators: int, name: str = "自定义评分细则") -> Framework:
    """A template with two dimensions, an item group in each, and `n_indicators` indicators."""
    framework = Framework.objects.create(name=name)
    dimensions = [Dimension.objects.create(framework=framework, name=f"一级指标{k}", order=k) for k in (1, 2)]
    groups = [ItemGroup.objects.create(dimension=d, name=f"考核项目{d.order}") for d in dimensions]
    for n in range(n_indicators):
        Indicator.objects.create(
            dimension=dimensions[n % 2],
            item_group=groups[n % 2],
            code=f"{n % 2 + 1}.{n}",
            text=f"考核要点{n}",
            max_score=1,
            check_methods=["RECORDS", "SITE_VISIT"],
            criteria="每少开1次扣0.5分",
            rule={"kind": "per_unit", "points": "1", "per_unit": "0.5"},
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


def test_service_type_items_are_the_plans_four_services():
    service = builtin(DEV_ZONE).dimensions.get(name="服务型党组织")
    texts = list(service.indicators.values_list("text", flat=True))
    assert [t[:4] for t in texts] == ["服务发展", "服务社会", "服务群众", "服务党员"]
    assert list(service.indicators.values_list("code", flat=True)) == ["6.1", "6.2", "6.3", "6.4"]


def test_dev_zone_satisfaction_is_a_computed_threshold():
    indicator = Indicator.objects.get(dimension__framework=builtin(DEV_ZONE), metric=Metric.SATISFACTION_RATE)
    assert indicator.dimension.name == "群众反映好"
    assert "民主测评领导班子群众满意度达到90%以上" in indicator.text
    assert indicator.structured_rule.threshold == Decimal("90")


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
    assert (satisfaction.dimension.name, satisfaction.structured_rule.threshold) == (
        "师生反映好",
        Decimal("90"),
    )


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_totals_are_the_sum_of_their_items(name):
    framework = builtin(name)
    assert framework.total_points() == Decimal("100")
    total = framework.dimensions.aggregate(total=Sum("indicators__max_score"))["total"]
    assert total == framework.total_points()


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_indicator_says_how_to_check_it(name):
    indicators = Indicator.objects.filter(dimension__framework=builtin(name))
    assert indicators.exists()
    assert not indicators.filter(evidence_hint="").exists()
    assert not indicators.filter(text="").exists()


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
    # item groups and indicators; bulk insert dimensions, item groups, indicators; release savepoint.
    with django_assert_max_num_queries(10):
        copy = copy_framework(template=template, campaign=campaign)
    assert Indicator.objects.filter(dimension__framework=copy).count() == size


def test_a_campaign_gets_one_copy_only(campaign):
    copy_framework(template=builtin(DEV_ZONE), campaign=campaign)
    with pytest.raises(ValidationError, match="已有考核标准"):
        copy_framework(template=builtin(WANGCHENG_SCHOOL), campaign=campaign)
    assert Framework.objects.filter(campaign=campaign).count() == 1


def test_a_template_of_any_total_is_copied_with_its_groups_and_rules(campaign):
    template = make_template(5)
    template.bonus_cap = Decimal("4")
    template.points_from_plan = False
    template.save()
    copy = copy_framework(template=template, campaign=campaign)
    assert (copy.total_points(), copy.bonus_cap, copy.points_from_plan) == (Decimal("5"), Decimal("4"), False)
    assert copy.points_confirmed_at is None and copy.needs_points_confirmed
    assert structure(copy) == structure(template)
    groups = ItemGroup.objects.filter(dimension__framework=copy)
    assert groups.count() == 2
    assert not Indicator.objects.filter(dimension__framework=copy).exclude(item_group__in=groups).exists()
