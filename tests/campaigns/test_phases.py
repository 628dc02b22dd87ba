import datetime

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign, Phase, validate_phases
from campaigns.services import LifecycleError, PhaseSpec, activate_campaign, create_campaign
from tests.campaigns.factories import standard_phases

pytestmark = pytest.mark.django_db
D = datetime.date


def phase(kind, start, end, name=""):
    return Phase(kind=kind, starts_on=start, ends_on=end, name=name)


def test_ordered_phases_pass():
    validate_phases([phase(p.kind, p.starts_on, p.ends_on, p.name) for p in standard_phases()])


def test_a_phase_may_start_on_the_day_the_previous_ends():
    # The 望城 plan: 宣传发动 5月18日至6月10日, 创建培育 6月10日至11月30日.
    validate_phases(
        [
            phase("MOBILIZATION", D(2026, 5, 18), D(2026, 6, 10), "宣传发动"),
            phase("IMPLEMENTATION", D(2026, 6, 10), D(2026, 11, 30), "创建培育"),
            phase("ACCEPTANCE", D(2026, 12, 1), D(2026, 12, 31), "总结验收"),
        ]
    )


def test_overlapping_phases_are_refused_with_the_names():
    with pytest.raises(ValidationError) as excinfo:
        validate_phases(
            [
                phase("MOBILIZATION", D(2026, 3, 1), D(2026, 5, 1), "宣传发动"),
                phase("IMPLEMENTATION", D(2026, 4, 1), D(2026, 11, 1), "创建培育"),
            ]
        )
    assert "「创建培育」应在「宣传发动」结束（2026-05-01）之后开始。" in excinfo.value.messages


def test_phases_out_of_order_are_refused():
    with pytest.raises(ValidationError, match="总结验收"):
        validate_phases(
            [
                phase("ACCEPTANCE", D(2026, 3, 1), D(2026, 3, 31)),
                phase("IMPLEMENTATION", D(2026, 4, 1), D(2026, 11, 1)),
            ]
        )


def test_a_phase_ending_before_it_starts_is_refused():
    with pytest.raises(ValidationError, match="开始日期晚于结束日期"):
        validate_phases([phase("MOBILIZATION", D(2026, 5, 1), D(2026, 4, 1))])


def test_the_same_kind_twice_is_refused():
    with pytest.raises(ValidationError, match="每个阶段只能设置一次"):
        validate_phases(
            [
                phase("MOBILIZATION", D(2026, 3, 1), D(2026, 3, 5)),
                phase("MOBILIZATION", D(2026, 3, 6), D(2026, 3, 9)),
            ]
        )


def test_phase_clean_checks_against_the_campaigns_other_phases(tree, cast):
    campaign = create_campaign(
        by=cast.org_department, name="活动", year=2026, organizer=tree.work, phases=standard_phases()
    )
    acceptance = campaign.phases.get(kind="ACCEPTANCE")
    acceptance.starts_on = D(2026, 10, 1)
    with pytest.raises(ValidationError, match="总结验收"):
        acceptance.full_clean()


def test_weights_must_sum_to_100(tree, cast):
    with pytest.raises(ValidationError, match="三项权重之和必须等于 100"):
        create_campaign(
            by=cast.org_department,
            name="活动",
            year=2026,
            organizer=tree.work,
            phases=standard_phases(),
            weight_self=30,
            weight_public=30,
            weight_inspection=30,
        )
    assert not Campaign.objects.exists()


def test_bad_phases_create_no_campaign(tree, cast):
    phases = [PhaseSpec("MOBILIZATION", D(2026, 5, 1), D(2026, 4, 1))]
    with pytest.raises(ValidationError):
        create_campaign(by=cast.org_department, name="活动", year=2026, organizer=tree.work, phases=phases)
    assert not Campaign.objects.exists()


def test_campaign_needs_all_three_phases_to_start(tree, cast):
    campaign = create_campaign(
        by=cast.org_department, name="活动", year=2026, organizer=tree.work, phases=standard_phases()[:2]
    )
    with pytest.raises(LifecycleError, match="尚缺：总结验收"):
        activate_campaign(campaign=campaign, by=cast.org_department)


def test_phase_on_a_shared_boundary_day_is_the_later_phase(tree, cast):
    phases = [
        PhaseSpec("MOBILIZATION", D(2026, 5, 18), D(2026, 6, 10), "宣传发动"),
        PhaseSpec("IMPLEMENTATION", D(2026, 6, 10), D(2026, 11, 30), "创建培育"),
        PhaseSpec("ACCEPTANCE", D(2026, 12, 1), D(2026, 12, 31), "总结验收"),
    ]
    campaign = create_campaign(
        by=cast.org_department, name="活动", year=2026, organizer=tree.work, phases=phases
    )
    assert campaign.phase_on(D(2026, 6, 10)).name == "创建培育"
    assert campaign.phase_on(D(2026, 5, 18)).name == "宣传发动"
    assert campaign.phase_on(D(2027, 1, 1)) is None
