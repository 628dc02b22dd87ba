"""Every site transition, allowed and refused; each allowed one writes an audit event."""

import pytest

from campaigns.models import Campaign, Site
from campaigns.services import (
    LifecycleError,
    approve_site,
    create_campaign,
    mark_self_assessed,
    nominate_site,
    record_verdict,
    reject_site,
    request_acceptance,
    withdraw_site,
)
from organizations.models import AuditEvent, Kind, Role, Verb
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


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department)


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


def last_event(site):
    return AuditEvent.objects.about(site).first()


# Allowed transitions ------------------------------------------------------------------------


def test_nominate_writes_event_and_sets_committee(nominated, tree, cast):
    assert nominated.status == S.NOMINATED
    assert nominated.nominated_by == tree.committee_a
    event = last_event(nominated)
    assert (event.verb, event.actor, event.summary) == (Verb.NOMINATE, cast.committee, "— → 已申报")
    assert event.organization == tree.branch_a1


def test_approve(approved, cast):
    assert approved.status == S.APPROVED
    event = last_event(approved)
    assert (event.verb, event.actor, event.summary) == (
        Verb.APPROVE,
        cast.org_department,
        "已申报 → 批准创建",
    )


def test_reject_keeps_the_reason_for_the_committee(nominated, cast):
    site = reject_site(site=nominated, by=cast.org_department, reason="创建方案不具体，请细化后重新申报")
    assert site.status == S.REJECTED
    assert Site.objects.get(pk=site.pk).decision_note == "创建方案不具体，请细化后重新申报"
    assert "创建方案不具体" in last_event(site).summary


def test_rejected_branch_is_nominated_again_on_the_same_record(nominated, campaign, tree, cast):
    reject_site(site=nominated, by=cast.org_department, reason="方案不具体")
    again = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    assert again.pk == nominated.pk
    assert again.status == S.NOMINATED
    assert again.decision_note == ""
    assert [e.get_verb_display() for e in AuditEvent.objects.about(again).order_by("id")] == [
        "申报",
        "不予批准",
        "重新申报",
    ]


def test_withdraw(nominated, cast):
    site = withdraw_site(site=nominated, by=cast.committee)
    assert site.status == S.WITHDRAWN
    assert last_event(site).verb == Verb.WITHDRAW


def test_self_assessed(self_assessed, cast):
    assert self_assessed.status == S.SELF_ASSESSED
    assert last_event(self_assessed).actor == cast.committee


def test_request_acceptance(requested):
    assert requested.status == S.ACCEPTANCE_REQUESTED
    assert last_event(requested).verb == Verb.REQUEST_ACCEPTANCE


@pytest.mark.parametrize(
    ("verdict", "status"), [("PASSED", S.PASSED), ("RECTIFYING", S.RECTIFYING), ("FAILED", S.FAILED)]
)
def test_verdicts(requested, cast, verdict, status):
    site = record_verdict(site=requested, by=cast.inspector, verdict=verdict)
    assert site.status == status
    event = last_event(site)
    assert (event.verb, event.actor) == (Verb.RECORD_VERDICT, cast.inspector)


def test_rectifying_site_requests_acceptance_again(requested, cast):
    record_verdict(site=requested, by=cast.inspector, verdict="RECTIFYING", note="党员活动室台账不全")
    site = request_acceptance(site=requested, by=cast.committee, today=ACCEPTANCE_DAY)
    assert site.status == S.ACCEPTANCE_REQUESTED
    assert last_event(site).verb == Verb.REQUEST_ACCEPTANCE_AGAIN


def test_the_whole_path_leaves_one_event_per_step(requested, cast):
    record_verdict(site=requested, by=cast.org_department, verdict="PASSED")
    verbs = [e.verb for e in AuditEvent.objects.about(requested).order_by("id")]
    assert verbs == [
        Verb.NOMINATE,
        Verb.APPROVE,
        Verb.APPROVE_SELF_ASSESSMENT,
        Verb.REQUEST_ACCEPTANCE,
        Verb.RECORD_VERDICT,
    ]


# Refused: wrong role ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "inspector", "outsider", "org_department"])
def test_only_the_branchs_committee_may_nominate(campaign, tree, cast, who):
    with pytest.raises(LifecycleError, match="您没有“第一党委”的党委权限，不能申报“一村党支部”"):
        nominate_site(campaign=campaign, branch=tree.branch_a1, by=getattr(cast, who), today=MOBILIZATION_DAY)
    assert not Site.objects.exists()
    assert not AuditEvent.objects.filter(verb=Verb.NOMINATE).exists()


def test_a_committee_cannot_nominate_another_committees_branch(campaign, tree, cast):
    with pytest.raises(LifecycleError, match="您没有“第二党委”的党委权限，不能申报“实验学校党支部”"):
        nominate_site(campaign=campaign, branch=tree.branch_b1, by=cast.committee, today=MOBILIZATION_DAY)


@pytest.mark.parametrize("who", ["committee", "secretary", "inspector", "outsider"])
def test_only_the_org_department_approves_or_rejects(nominated, cast, who):
    with pytest.raises(LifecycleError, match="您没有“示范区工委”的组织部权限，不能批准创建"):
        approve_site(site=nominated, by=getattr(cast, who))
    with pytest.raises(LifecycleError, match="的组织部权限，不能作出不予批准决定"):
        reject_site(site=nominated, by=getattr(cast, who), reason="不够成熟")
    assert Site.objects.get(pk=nominated.pk).status == S.NOMINATED


def test_a_committee_department_below_the_organizer_cannot_approve(nominated, tree):
    clerk = UserFactory(username="t_sub_zzb")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    with pytest.raises(LifecycleError, match="组织部权限"):
        approve_site(site=nominated, by=clerk)


@pytest.mark.parametrize("who", ["secretary", "inspector", "outsider", "org_department"])
def test_only_the_committee_marks_self_assessed_and_requests_acceptance(self_assessed, approved, cast, who):
    with pytest.raises(LifecycleError, match="的党委权限，不能申请现场验收"):
        request_acceptance(site=self_assessed, by=getattr(cast, who), today=ACCEPTANCE_DAY)


def test_only_the_committee_approves_the_self_assessment(approved, cast):
    with pytest.raises(LifecycleError, match="的党委权限，不能审核通过自评"):
        mark_self_assessed(site=approved, by=cast.secretary, today=IMPLEMENTATION_DAY)


@pytest.mark.parametrize("who", ["committee", "secretary", "outsider"])
def test_only_inspectors_or_the_org_department_give_the_verdict(requested, cast, who):
    with pytest.raises(LifecycleError, match="不是本示范点的验收组成员或组织部"):
        record_verdict(site=requested, by=getattr(cast, who), verdict="PASSED")


def test_only_the_nominating_committee_withdraws(nominated, tree, cast):
    other = UserFactory(username="t_dangwei_b")
    give_role(other, tree.committee_b, Role.Kind.COMMITTEE)
    with pytest.raises(LifecycleError, match="您没有“第一党委”的党委权限，不能撤回申报"):
        withdraw_site(site=nominated, by=other)


# Refused: preconditions ---------------------------------------------------------------------


def test_quota_full(campaign, tree, cast, nominated):
    with pytest.raises(LifecycleError, match="“第一党委”本活动的申报名额为 1 个，已全部用完"):
        nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY)


def test_a_rejected_site_frees_the_quota_place(campaign, tree, cast, nominated):
    reject_site(site=nominated, by=cast.org_department, reason="条件不成熟")
    site = nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY)
    assert site.status == S.NOMINATED


def test_quota_of_two(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    for branch in (tree.branch_a1, tree.branch_a2):
        nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)
    third = make_org(tree.committee_a, Kind.BRANCH, "三村党支部")
    with pytest.raises(LifecycleError, match="名额为 2 个"):
        nominate_site(campaign=campaign, branch=third, by=cast.committee, today=MOBILIZATION_DAY)


def test_second_site_for_a_branch(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    with pytest.raises(LifecycleError, match="已申报本活动（已申报），每个支部只能申报一次"):
        nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    assert Site.objects.count() == 1


def test_one_site_per_branch_per_campaign_is_a_database_constraint(nominated):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(
            campaign=nominated.campaign,
            organization=nominated.organization,
            nominated_by=nominated.nominated_by,
        )


def test_the_same_branch_may_be_a_site_in_next_years_campaign(tree, cast, nominated):
    next_year = active_campaign(organizer=tree.work, by=cast.org_department, year=2027)
    site = nominate_site(
        campaign=next_year,
        branch=tree.branch_a1,
        by=cast.committee,
        today=MOBILIZATION_DAY.replace(year=2027),
    )
    assert site.pk != nominated.pk


@pytest.mark.parametrize("day", [ACCEPTANCE_DAY, MOBILIZATION_DAY.replace(month=1)])
def test_nomination_outside_its_phases(campaign, tree, cast, day):
    with pytest.raises(LifecycleError, match="申报只能在动员部署或组织实施阶段进行"):
        nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=day)


def test_nomination_to_a_draft_campaign(tree, cast):
    draft = create_campaign(
        by=cast.org_department, name="草稿活动", year=2026, organizer=tree.work, phases=standard_phases()
    )
    with pytest.raises(LifecycleError, match="尚未启动，组织部启动后方可申报"):
        nominate_site(campaign=draft, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)


def test_only_a_branch_can_be_a_site(campaign, tree, cast):
    with pytest.raises(LifecycleError, match="只有党支部可以申报示范点"):
        nominate_site(campaign=campaign, branch=tree.group_a1, by=cast.committee, today=MOBILIZATION_DAY)


def test_acceptance_requested_before_the_acceptance_phase(self_assessed, cast):
    with pytest.raises(LifecycleError, match="总结验收阶段自 2026年11月16日 开始"):
        request_acceptance(site=self_assessed, by=cast.committee, today=IMPLEMENTATION_DAY)


def test_self_assessment_before_implementation(approved, cast):
    with pytest.raises(LifecycleError, match="组织实施阶段自 2026年4月16日 开始"):
        mark_self_assessed(site=approved, by=cast.committee, today=MOBILIZATION_DAY)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda site, cast: approve_site(site=site, by=cast.org_department), "不能批准"),
        (lambda site, cast: reject_site(site=site, by=cast.org_department, reason="x"), "不能不予批准"),
        (lambda site, cast: withdraw_site(site=site, by=cast.committee), "不能撤回"),
        (
            lambda site, cast: request_acceptance(site=site, by=cast.committee, today=ACCEPTANCE_DAY),
            "不能申请验收",
        ),
        (
            lambda site, cast: record_verdict(site=site, by=cast.inspector, verdict="PASSED"),
            "不能作出验收结论",
        ),
    ],
)
def test_transitions_from_the_wrong_state(approved, cast, action, message):
    with pytest.raises(LifecycleError, match=f"示范点当前状态为“批准创建”，{message}"):
        action(approved, cast)


def test_self_assessed_only_from_approved(nominated, cast):
    with pytest.raises(LifecycleError, match="当前状态为“已申报”，不能审核通过自评"):
        mark_self_assessed(site=nominated, by=cast.committee, today=IMPLEMENTATION_DAY)


def test_reject_needs_a_reason(nominated, cast):
    with pytest.raises(LifecycleError, match="须写明理由"):
        reject_site(site=nominated, by=cast.org_department, reason="  ")


def test_unknown_verdict(requested, cast):
    with pytest.raises(LifecycleError, match="验收结论只能是"):
        record_verdict(site=requested, by=cast.inspector, verdict="MAYBE")


def test_refused_actions_write_no_event(nominated, cast):
    before = AuditEvent.objects.count()
    with pytest.raises(LifecycleError):
        approve_site(site=nominated, by=cast.secretary)
    assert AuditEvent.objects.count() == before


def test_only_the_organizers_department_creates_a_campaign(tree, cast):
    with pytest.raises(LifecycleError, match="的组织部权限，不能创建示范点创建活动"):
        create_campaign(by=cast.committee, name="x", year=2026, organizer=tree.work, phases=standard_phases())
    assert not Campaign.objects.exists()


def test_audit_events_cannot_be_edited_or_deleted(nominated):
    from django.core.exceptions import ValidationError

    event = last_event(nominated)
    event.summary = "改写"
    with pytest.raises(ValidationError, match="不可修改"):
        event.save()
    with pytest.raises(ValidationError, match="不可删除"):
        event.delete()


@pytest.mark.parametrize("who", ["secretary", "inspector", "outsider", "org_department"])
def test_only_the_committee_approves_the_self_assessment_whoever_else_tries(approved, cast, who):
    with pytest.raises(LifecycleError, match="的党委权限，不能审核通过自评"):
        mark_self_assessed(site=approved, by=getattr(cast, who), today=IMPLEMENTATION_DAY)
    assert Site.objects.get(pk=approved.pk).status == S.APPROVED


def test_a_closed_campaign_takes_no_decision(nominated, cast):
    Campaign.objects.filter(pk=nominated.campaign_id).update(status=Campaign.Status.CLOSED)
    site = Site.objects.get(pk=nominated.pk)
    with pytest.raises(LifecycleError, match="已结束，不能批准"):
        approve_site(site=site, by=cast.org_department)
    assert Site.objects.get(pk=site.pk).status == S.NOMINATED


def test_a_stale_copy_of_the_site_cannot_be_decided_twice(nominated, cast):
    stale = Site.objects.get(pk=nominated.pk)
    approve_site(site=nominated, by=cast.org_department)
    with pytest.raises(LifecycleError, match="当前状态为“批准创建”，不能不予批准"):
        reject_site(site=stale, by=cast.org_department, reason="迟到的决定")
    assert Site.objects.get(pk=nominated.pk).status == S.APPROVED
