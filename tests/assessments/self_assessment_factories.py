"""A running campaign with its own small framework and an approved site of branch A1, for the
self-assessment tests: every rule kind the page asks differently about, in two dimensions, one
with an item group (二级指标)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from assessments import rules
from assessments.models import Dimension, Framework, Indicator, ItemGroup
from campaigns.services import approve_site, nominate_site
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign


def indicator(dimension, code, max_score, *, rule=None, group=None, **fields) -> Indicator:
    return Indicator.objects.create(
        dimension=dimension,
        item_group=group,
        code=code,
        text=fields.pop("text", f"考核内容{code}"),
        max_score=Decimal(max_score),
        rule=rules.to_data(rule) if rule is not None else {},
        order=fields.pop("order", 0),
        **fields,
    )


def build_framework(campaign, *, extra_manual: int = 0) -> SimpleNamespace:
    framework = Framework.objects.create(name="测试评分细则", source="测试方案", campaign=campaign)
    organization = Dimension.objects.create(framework=framework, name="组织建设", order=1)
    members = Dimension.objects.create(framework=framework, name="党员管理", order=2)
    team = ItemGroup.objects.create(dimension=organization, name="班子建设", order=1)
    manual = indicator(
        organization, "1", 10, group=team, evidence_hint="支委会会议记录", criteria="酌情扣分", order=1
    )
    graded = indicator(
        organization,
        "2",
        4,
        group=team,
        rule=rules.GradedLevels(
            4, (rules.Level("好", 4), rules.Level("较好", 3), rules.Level("一般", 2), rules.Level("差", 0))
        ),
        criteria="好4分、较好3分、一般2分、差0分",
        order=2,
    )
    computed = indicator(
        members,
        "3",
        6,
        rule=rules.PerUnitDeduction(
            6, "0.5", required=1, period="month", subject="支委会", action="开", unit="次"
        ),
        metric="meetings",
        metric_period="month",
        meeting_kinds=["COMMITTEE_MEETING"],
        criteria="每月召开支委会1次，每少开1次扣0.5分",
        order=1,
    )
    fixed = indicator(
        members,
        "4",
        10,
        rule=rules.FixedDeduction(10, 15, event="未按规定发展党员"),
        criteria="未按规定发展党员的扣15分",
        order=2,
    )
    veto = indicator(
        members, "5", 0, rule=rules.Veto(condition="发生严重违纪"), is_veto=True, criteria="一票否决", order=3
    )
    bonus = indicator(
        members,
        "6",
        4,
        rule=rules.Bonus(2, cap=4, condition="创新做法"),
        is_bonus=True,
        criteria="有创新做法的加2分，最多加4分",
        order=4,
    )
    extra = [indicator(organization, f"9{n:02d}", 1, order=10 + n) for n in range(extra_manual)]
    return SimpleNamespace(
        framework=framework,
        dimensions=(organization, members),
        manual=manual,
        graded=graded,
        computed=computed,
        fixed=fixed,
        veto=veto,
        bonus=bonus,
        extra=extra,
    )


def approved_site(tree, cast, *, branch=None, extra_manual: int = 0) -> SimpleNamespace:
    """Branch A1's site, approved, in a running campaign with the framework above."""
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    table = build_framework(campaign, extra_manual=extra_manual)
    site = nominate_site(
        campaign=campaign, branch=branch or tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY
    )
    approve_site(site=site, by=cast.org_department)
    return SimpleNamespace(campaign=campaign, site=site, table=table)


# What a complete self-assessment of the framework above answers, field by field.
def complete_answers(table) -> dict:
    return {
        table.manual: {"score": "9", "reason": "一次会议记录不全", "narrative": "按月召开"},
        table.graded: {"level": "较好"},
        table.computed: {"score": "6"},
        table.fixed: {"occurred": "no"},
        table.veto: {"occurred": "no"},
        table.bonus: {"count": "1", "narrative": "积分制管理"},
    }
