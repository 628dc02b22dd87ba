"""Every campaign policy asked by each person of the cast, and the edges of its windows, quotas
and dates. A policy answers None (allowed) or the reason, in Chinese; the services, views and
tags only pass that answer on, so this is where each rule is tested once."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from campaigns import policies
from campaigns.models import Campaign, Rectification, Site, WorkItem
from campaigns.services import (
    PhaseSpec,
    answer_rectification,
    approve_site,
    create_campaign,
    mark_self_assessed,
    nominate_site,
    raise_rectification,
    record_verdict,
    reject_site,
    request_acceptance,
    save_work_item,
    withdraw_site,
)
from organizations.models import Kind, Role
from tests.campaigns.factories import (
    ACCEPTANCE_DAY,
    IMPLEMENTATION_DAY,
    MOBILIZATION_DAY,
    active_campaign,
    standard_phases,
)
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

S = Site.Status
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]
PHASES = {p.kind: p for p in standard_phases()}
DAY = datetime.timedelta(days=1)


@pytest.fixture
def users(cast):
    return {**{role: getattr(cast, role) for role in ROLES[:-1]}, "anonymous": AnonymousUser()}


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department)


@pytest.fixture
def draft(tree, cast):
    return create_campaign(
        by=cast.org_department, name="草稿活动", year=2026, organizer=tree.work, phases=standard_phases()
    )


@pytest.fixture
def nominated(campaign, tree, cast):
    return nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)


@pytest.fixture
def approved(nominated, cast):
    return approve_site(site=nominated, by=cast.org_department)


@pytest.fixture
def self_assessed(approved, cast):
    return mark_self_assessed(site=approved, by=cast.committee, today=IMPLEMENTATION_DAY)


@pytest.fixture
def requested(self_assessed, cast):
    return request_acceptance(site=self_assessed, by=cast.committee, today=ACCEPTANCE_DAY)


@pytest.fixture
def passed(requested, cast):
    return record_verdict(site=requested, by=cast.inspector, verdict="PASSED")


@pytest.fixture
def site_item(approved, cast):
    return save_work_item(
        campaign=approved.campaign,
        site=approved,
        by=cast.secretary,
        title="召开动员会",
        due_on=IMPLEMENTATION_DAY,
    )


@pytest.fixture
def campaign_item(campaign, cast):
    return save_work_item(
        campaign=campaign, by=cast.org_department, title="观摩推进会", due_on=IMPLEMENTATION_DAY
    )


@pytest.fixture
def item(approved, cast):
    return raise_rectification(
        site=approved,
        by=cast.org_department,
        description="制度未上墙",
        owner="王",
        due_on=timezone.localdate() + 10 * DAY,
    )


@pytest.fixture
def answered(item, cast):
    return answer_rectification(item=item, by=cast.secretary, response="已上墙。")


# Each policy, asked about an object in the state where it applies, and who it lets through.
CASES = {
    "create_campaign": (lambda u, f: policies.cannot_create_campaign(u), {"org_department"}),
    "create_campaign_for": (
        lambda u, f: policies.cannot_create_campaign(u, f("tree").work),
        {"org_department"},
    ),
    "manage_campaign": (lambda u, f: policies.cannot_manage_campaign(u, f("campaign")), {"org_department"}),
    "update_campaign": (lambda u, f: policies.cannot_update_campaign(u, f("campaign")), {"org_department"}),
    "activate_campaign": (lambda u, f: policies.cannot_activate_campaign(u, f("draft")), {"org_department"}),
    "change_framework": (lambda u, f: policies.cannot_change_framework(u, f("draft")), {"org_department"}),
    "nominate_in": (lambda u, f: policies.cannot_nominate_in(u, f("campaign")), {"committee"}),
    "nominate_some_branch": (
        lambda u, f: policies.cannot_nominate(u, f("campaign"), today=MOBILIZATION_DAY),
        {"committee"},
    ),
    "nominate": (
        lambda u, f: policies.cannot_nominate(u, f("campaign"), f("tree").branch_a1, today=MOBILIZATION_DAY),
        {"committee"},
    ),
    "act_for_committee": (lambda u, f: policies.cannot_act_for_committee(u, f("nominated")), {"committee"}),
    "withdraw": (lambda u, f: policies.cannot_withdraw(u, f("nominated")), {"committee"}),
    "approve": (lambda u, f: policies.cannot_approve(u, f("nominated")), {"org_department"}),
    "reject": (lambda u, f: policies.cannot_reject(u, f("nominated")), {"org_department"}),
    "mark_self_assessed": (
        lambda u, f: policies.cannot_mark_self_assessed(u, f("approved"), today=IMPLEMENTATION_DAY),
        {"committee"},
    ),
    "request_acceptance": (
        lambda u, f: policies.cannot_request_acceptance(u, f("self_assessed"), today=ACCEPTANCE_DAY),
        {"committee"},
    ),
    "record_verdict": (
        lambda u, f: policies.cannot_record_verdict(u, f("requested")),
        {"org_department", "inspector"},
    ),
    "edit_site": (lambda u, f: policies.cannot_edit_site(u, f("approved")), {"committee", "secretary"}),
    "edit_campaign_schedule": (
        lambda u, f: policies.cannot_edit_schedule(u, f("campaign")),
        {"org_department"},
    ),
    "edit_site_schedule": (
        lambda u, f: policies.cannot_edit_schedule(u, f("campaign"), f("approved")),
        {"committee", "secretary"},
    ),
    "edit_work_item": (
        lambda u, f: policies.cannot_edit_work_item(u, f("site_item")),
        {"committee", "secretary"},
    ),
    "edit_campaign_work_item": (
        lambda u, f: policies.cannot_edit_work_item(u, f("campaign_item")),
        {"org_department"},
    ),
    "complete_work_item": (
        lambda u, f: policies.cannot_complete_work_item(u, f("site_item")),
        {"committee", "secretary"},
    ),
    "supervise": (lambda u, f: policies.cannot_supervise(u, f("approved")), {"org_department", "committee"}),
    "record_supervision": (
        lambda u, f: policies.cannot_record_supervision(u, f("approved")),
        {"org_department", "committee"},
    ),
    "raise_rectification": (
        lambda u, f: policies.cannot_raise_rectification(u, f("approved")),
        {"org_department", "committee"},
    ),
    "raise_rectification_from_acceptance": (
        lambda u, f: policies.cannot_raise_rectification(u, f("requested"), Rectification.Source.ACCEPTANCE),
        {"org_department", "committee", "inspector"},
    ),
    "answer_rectification": (
        lambda u, f: policies.cannot_answer_rectification(u, f("item")),
        {"committee", "secretary"},
    ),
    "close_rectification": (
        lambda u, f: policies.cannot_close_rectification(u, f("answered")),
        {"org_department", "committee"},
    ),
    "return_rectification": (
        lambda u, f: policies.cannot_return_rectification(u, f("answered")),
        {"org_department", "committee"},
    ),
    "select_typical_case": (
        lambda u, f: policies.cannot_select_typical_case(u, f("passed")),
        {"org_department"},
    ),
}


def is_chinese_reason(reason) -> bool:
    return isinstance(reason, str) and bool(re.search(r"[\u4e00-\u9fff]", reason))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("policy", CASES)
def test_each_policy_lets_through_exactly_its_roles(request, users, policy, role):
    ask, allowed = CASES[policy]

    reason = ask(users[role], request.getfixturevalue)

    if role in allowed:
        assert reason is None
    else:
        assert is_chinese_reason(reason), reason


@pytest.mark.parametrize("policy", CASES)
def test_a_superuser_passes_every_role_check(request, policy):
    superuser = UserFactory(username="t_root", is_superuser=True)
    ask, _ = CASES[policy]

    assert ask(superuser, request.getfixturevalue) is None


def test_a_role_refusal_names_the_organization_and_the_action(nominated, cast):
    assert (
        policies.cannot_approve(cast.committee, nominated) == "您没有“示范区工委”的组织部权限，不能批准创建。"
    )
    assert policies.cannot_withdraw(cast.secretary, nominated) == "您没有“第一党委”的党委权限，不能撤回申报。"


# The nomination window ----------------------------------------------------------------------

MOBILIZATION, IMPLEMENTATION, ACCEPTANCE = (
    PHASES["MOBILIZATION"],
    PHASES["IMPLEMENTATION"],
    PHASES["ACCEPTANCE"],
)


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (MOBILIZATION.starts_on - DAY, False),
        (MOBILIZATION.starts_on, True),
        (IMPLEMENTATION.ends_on, True),
        (ACCEPTANCE.starts_on, False),
    ],
)
def test_nominations_are_taken_from_mobilization_to_the_end_of_implementation(
    campaign, cast, tree, day, is_open
):
    reason = policies.cannot_nominate(cast.committee, campaign, tree.branch_a1, today=day)

    assert (reason is None) == is_open
    if not is_open:
        assert reason == (
            "申报只能在动员部署或组织实施阶段进行：本活动申报时间为 2026年3月1日 至 2026年11月15日"
            "（宣传发动、创建培育阶段），现在不在申报时间内。"
        )


def test_on_a_shared_boundary_day_the_later_phase_counts(tree, cast):
    campaign = create_campaign(
        by=cast.org_department,
        name="边界活动",
        year=2026,
        organizer=tree.work,
        phases=[
            PhaseSpec("MOBILIZATION", datetime.date(2026, 3, 1), datetime.date(2026, 4, 15)),
            PhaseSpec("IMPLEMENTATION", datetime.date(2026, 4, 15), datetime.date(2026, 11, 15)),
            PhaseSpec("ACCEPTANCE", datetime.date(2026, 11, 15), datetime.date(2026, 12, 31)),
        ],
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.ACTIVE)
    campaign.refresh_from_db()

    assert policies.nominations_closed(campaign, today=datetime.date(2026, 4, 15)) is None
    assert policies.nominations_closed(campaign, today=datetime.date(2026, 11, 15)) is not None


def test_a_draft_or_closed_campaign_takes_no_nomination(draft, campaign, cast, tree):
    assert policies.cannot_nominate(cast.committee, draft, tree.branch_a1, today=MOBILIZATION_DAY) == (
        "活动“草稿活动”尚未启动，组织部启动后方可申报。"
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.refresh_from_db()
    assert "已结束，不再接受申报" in policies.cannot_nominate(
        cast.committee, campaign, tree.branch_a1, today=MOBILIZATION_DAY
    )


# Quota, one site per branch, the branch itself ------------------------------------------------


def test_quota_refusal_at_its_edge(campaign, tree):
    assert policies.quota_refusal(campaign, tree.committee_a, 0) is None
    assert (
        policies.quota_refusal(campaign, tree.committee_a, 1)
        == "“第一党委”本活动的申报名额为 1 个，已全部用完。"
    )


def test_the_quota_place_is_taken_by_a_nomination_and_freed_by_a_rejection(nominated, campaign, tree, cast):
    second = policies.cannot_nominate(cast.committee, campaign, tree.branch_a2, today=MOBILIZATION_DAY)
    reject_site(site=nominated, by=cast.org_department, reason="条件不成熟")
    after = policies.cannot_nominate(cast.committee, campaign, tree.branch_a2, today=MOBILIZATION_DAY)

    assert "名额为 1 个，已全部用完" in second
    assert after is None


def test_a_branch_is_nominated_once_until_withdrawn(nominated, campaign, tree, cast):
    again = policies.cannot_nominate(cast.committee, campaign, tree.branch_a1, today=MOBILIZATION_DAY)
    withdraw_site(site=nominated, by=cast.committee)

    assert again == "“一村党支部”已申报本活动（已申报），每个支部只能申报一次。"
    assert policies.cannot_nominate(cast.committee, campaign, tree.branch_a1, today=MOBILIZATION_DAY) is None


@pytest.mark.parametrize("branch", ["group_a1", "committee_a"])
def test_only_a_branch_is_nominated(campaign, tree, cast, branch):
    reason = policies.cannot_nominate(cast.committee, campaign, getattr(tree, branch), today=MOBILIZATION_DAY)

    assert reason.startswith("只有党支部可以申报示范点")


def test_a_branch_outside_the_organizer_is_refused(campaign, cast):
    root = make_org(None, Kind.WORK_COMMITTEE, "另一工委", code="X")
    committee = make_org(root, Kind.PARTY_COMMITTEE, "外区党委", code="XC")
    branch = make_org(committee, Kind.BRANCH, "外区党支部", code="XB")
    give_role(cast.committee, committee, Role.Kind.COMMITTEE)

    reason = policies.cannot_nominate(cast.committee, campaign, branch, today=MOBILIZATION_DAY)

    assert reason == "“外区党支部”不在本活动组织单位“示范区工委”的范围内。"


# The site's states and phase dates -------------------------------------------------------------


def test_self_assessment_is_approved_from_the_first_day_of_implementation(approved, cast):
    start = IMPLEMENTATION.starts_on

    assert policies.cannot_mark_self_assessed(cast.committee, approved, today=start - DAY) == (
        "组织实施阶段自 2026年4月16日 开始，届时方可自评。"
    )
    assert policies.cannot_mark_self_assessed(cast.committee, approved, today=start) is None


def test_acceptance_is_requested_from_the_first_day_of_the_acceptance_phase(self_assessed, cast):
    start = ACCEPTANCE.starts_on
    early = policies.cannot_request_acceptance(cast.committee, self_assessed, today=start - DAY)

    assert early == "总结验收阶段自 2026年11月16日 开始，届时方可申请验收。"
    assert early == policies.acceptance_not_begun(self_assessed, today=start - DAY)
    assert policies.cannot_request_acceptance(cast.committee, self_assessed, today=start) is None


def test_a_rectifying_site_asks_again_on_any_day(requested, cast):
    site = record_verdict(site=requested, by=cast.inspector, verdict="RECTIFYING")

    assert policies.acceptance_not_begun(site, today=MOBILIZATION_DAY) is None
    assert policies.cannot_request_acceptance(cast.committee, site, today=MOBILIZATION_DAY) is None


@pytest.mark.parametrize(
    ("ask", "message"),
    [
        (lambda cast, site: policies.cannot_approve(cast.org_department, site), "不能批准"),
        (lambda cast, site: policies.cannot_reject(cast.org_department, site), "不能不予批准"),
        (lambda cast, site: policies.cannot_withdraw(cast.committee, site), "不能撤回"),
        (lambda cast, site: policies.cannot_request_acceptance(cast.committee, site), "不能申请验收"),
        (lambda cast, site: policies.cannot_record_verdict(cast.inspector, site), "不能作出验收结论"),
    ],
)
def test_a_step_from_the_wrong_state_says_the_state(approved, cast, ask, message):
    assert ask(cast, approved) == f"示范点当前状态为“批准创建”，{message}。"


def test_a_closed_campaign_takes_no_step_and_no_record(approved, cast):
    Campaign.objects.filter(pk=approved.campaign_id).update(status=Campaign.Status.CLOSED)
    site = Site.objects.select_related("campaign").get(pk=approved.pk)

    assert (
        policies.cannot_edit_site(cast.secretary, site)
        == "活动“2026年度基层党建示范点创建活动”已结束，不能修改示范点资料。"
    )
    assert policies.cannot_mark_self_assessed(cast.committee, site, today=IMPLEMENTATION_DAY).endswith(
        "已结束，不能审核通过自评。"
    )


def test_a_nomination_is_not_supervised_yet(nominated, cast):
    assert policies.cannot_record_supervision(cast.org_department, nominated) == (
        "示范点当前为“已申报”，批准创建后才能督导和提出整改。"
    )
    assert policies.cannot_supervise(cast.org_department, nominated) is None


def test_a_typical_case_waits_for_the_pass(approved, cast):
    assert policies.cannot_select_typical_case(cast.org_department, approved) == (
        "示范点当前为“批准创建”，验收通过后才能评选典型案例。"
    )


# Campaign settings ---------------------------------------------------------------------------


def test_a_running_campaign_is_not_started_again_and_its_framework_is_frozen(campaign, cast):
    assert (
        policies.cannot_activate_campaign(cast.org_department, campaign)
        == "活动当前状态为“进行中”，不能启动。"
    )
    assert (
        policies.cannot_change_framework(cast.org_department, campaign)
        == "活动已启动，考核标准已冻结，不能更换。"
    )
    assert policies.cannot_update_campaign(cast.org_department, campaign) is None


def test_a_draft_without_all_three_phases_is_not_started(draft, cast):
    draft.phases.filter(kind="ACCEPTANCE").delete()
    draft = Campaign.objects.get(pk=draft.pk)

    assert (
        policies.cannot_activate_campaign(cast.org_department, draft)
        == "启动前须设置全部三个阶段，尚缺：总结验收。"
    )


def test_a_closed_campaign_keeps_its_settings(campaign, cast):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    campaign.refresh_from_db()

    assert policies.cannot_update_campaign(cast.org_department, campaign) == "活动已结束，设置不能再修改。"


# Work items and rectification steps -----------------------------------------------------------


@pytest.mark.parametrize(("offset", "allowed"), [(-1, True), (0, True), (1, False)])
def test_a_work_item_is_done_on_a_day_that_has_come(site_item, cast, offset, allowed):
    today = IMPLEMENTATION_DAY
    done_on = today + offset * DAY

    reason = policies.cannot_complete_work_item(cast.secretary, site_item, done_on=done_on, today=today)

    assert (reason is None) == allowed
    if not allowed:
        assert reason == "完成日期不能晚于今天。"
    assert policies.done_on_refusal(None, today=today) is None


def test_a_new_campaign_item_is_the_org_departments(campaign, cast):
    item = WorkItem(campaign=campaign)

    assert policies.cannot_edit_work_item(cast.org_department, item) is None
    assert policies.cannot_edit_work_item(cast.committee, item) == (
        "您没有“示范区工委”的组织部权限，不能维护全活动的工作安排。"
    )


def test_each_rectification_step_from_the_wrong_state(item, answered, cast):
    closed = Rectification(site=item.site, status=Rectification.Status.CLOSED)
    opened = Rectification(site=item.site, status=Rectification.Status.OPEN)

    assert policies.cannot_answer_rectification(cast.secretary, closed) == "该整改事项已销号，不能再反馈。"
    assert policies.cannot_answer_rectification(cast.secretary, answered) is None
    assert policies.cannot_close_rectification(cast.committee, opened) == (
        "整改事项当前为“待整改”，须先由支部反馈整改情况才能销号。"
    )
    assert (
        policies.cannot_return_rectification(cast.committee, opened) == "整改事项当前为“待整改”，不能退回。"
    )
