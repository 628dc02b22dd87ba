"""Who may do what in a campaign, and when: one function per action, answering with a reason.

`cannot_<action>(user, obj, ...)` returns None when the action is allowed now, or why it is
refused, in Chinese. The services raise `LifecycleError` with that reason (a site's or a
rectification's state is read under its row lock first, so the check sees the state as it is);
views answer 403 or leave out the button with it; template tags show the reason. No other module
restates a role, phase, quota, window or date rule.

Seeing an object at all is `visible_to(user)` (404 otherwise). A page that answers 403 for the
wrong person but explains a wrong moment asks the role part on its own: `cannot_manage_campaign`,
`cannot_act_for_committee`, `cannot_edit_site`, `cannot_supervise`, `cannot_nominate_in`.

The state checks come before the role check, which costs a query: a page asking several policies
about one site queries only for those whose state fits. A date that has not come yet is checked
last, so a refusal for it means everything else holds (the page can say "from that day on").
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from organizations.models import Organization, Role, has_role, role_refusal
from organizations.templatetags.chinese_dates import chinese_date

from .models import Campaign, Phase, Rectification, Site, WorkItem

S = Site.Status
R = Rectification.Status
NOMINATION_PHASES = (Phase.Kind.MOBILIZATION, Phase.Kind.IMPLEMENTATION)
# A site is supervised once approved: a nomination undecided, withdrawn or rejected is not
# (yet) a site under construction.
SUPERVISED_STATUSES = frozenset(Site.HOLDING_STATUSES) - {S.NOMINATED}


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# Who: the roles behind the actions ----------------------------------------------------------


def _holds_any(user, *roles: tuple[str, Organization]) -> bool:
    """`has_role` for "this role here, or that one there" (the roles are read once per request)."""
    return any(has_role(user, kind, organization) for kind, organization in roles)


def _organizer_department(user, campaign: Campaign, action: str) -> str | None:
    """The 组织部 of the campaign's organizer (or above it)."""
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, campaign.organizer, action)


def _nominating_committee(user, site: Site, action: str) -> str | None:
    """The 党委 that nominated the site."""
    return role_refusal(user, Role.Kind.COMMITTEE, site.nominated_by, action)


def _site_keeper(user, site: Site, action: str) -> str | None:
    """The branch secretary, or the nominating 党委 acting for its branch."""
    if _holds_any(
        user, (Role.Kind.BRANCH_SECRETARY, site.organization), (Role.Kind.COMMITTEE, site.nominated_by)
    ):
        return None
    return f"只有本支部书记或申报党委可以{action}。"


def _supervisor(user, site: Site, action: str) -> str | None:
    """督导: the 组织部 and the site's own 党委 (the plan: 各党委要加强对…创建工作的指导)."""
    if _holds_any(
        user, (Role.Kind.ORG_DEPARTMENT, site.campaign.organizer), (Role.Kind.COMMITTEE, site.nominated_by)
    ):
        return None
    return f"只有组织部或申报党委可以{action}。"


# When: states and dates --------------------------------------------------------------------


def _campaign_running(campaign: Campaign, action: str) -> str | None:
    if campaign.status != Campaign.Status.ACTIVE:
        return f"活动“{campaign.name}”{campaign.get_status_display()}，不能{action}。"
    return None


def site_state_refusal(site: Site, allowed, action: str) -> str | None:
    """The campaign runs and the site is in one of the `allowed` states."""
    if reason := _campaign_running(site.campaign, action):
        return reason
    if site.status not in allowed:
        return f"示范点当前状态为“{site.get_status_display()}”，不能{action}。"
    return None


def acceptance_not_begun(site: Site, *, today: datetime.date | None = None) -> str | None:
    """A self-assessed site asks for acceptance once its 总结验收 phase has begun (a rectifying
    one at any time): the date part of `cannot_request_acceptance`, which pages show as a note."""
    acceptance = site.campaign.phase_of_kind(Phase.Kind.ACCEPTANCE)
    if site.status == S.SELF_ASSESSED and acceptance and _today(today) < acceptance.starts_on:
        return (
            f"{acceptance.display_name}阶段自 {chinese_date(acceptance.starts_on)} 开始，届时方可申请验收。"
        )
    return None


# Campaigns ---------------------------------------------------------------------------------


def cannot_create_campaign(user, organizer: Organization | None = None) -> str | None:
    """A 组织部 starts a campaign for its own organization (or one below). Without `organizer`:
    whether the user is 组织部 anywhere, to offer 新建活动."""
    if organizer is not None:
        return role_refusal(user, Role.Kind.ORG_DEPARTMENT, organizer, "创建示范点创建活动")
    if getattr(user, "is_authenticated", False) and (
        user.is_superuser or Role.objects.filter(user_id=user.pk, kind=Role.Kind.ORG_DEPARTMENT).exists()
    ):
        return None
    return "只有组织部可以创建示范点创建活动。"


def cannot_manage_campaign(user, campaign: Campaign) -> str | None:
    """The organizer's 组织部: the nomination queue, the decisions, the campaign's own pages.

    The one-campaign form of `Campaign.objects.managed_by(user)`.
    """
    return _organizer_department(user, campaign, "管理本活动")


def cannot_update_campaign(user, campaign: Campaign) -> str | None:
    """Settings and phase dates, until the campaign is closed."""
    if campaign.status == Campaign.Status.CLOSED:
        return "活动已结束，设置不能再修改。"
    return _organizer_department(user, campaign, "修改活动设置")


def cannot_activate_campaign(user, campaign: Campaign) -> str | None:
    """草稿 → 进行中, once all three phases are set."""
    if campaign.status != Campaign.Status.DRAFT:
        return f"活动当前状态为“{campaign.get_status_display()}”，不能启动。"
    kinds = {p.kind for p in campaign.phases.all()}
    missing = [Phase.Kind(k).label for k in Phase.ORDER if k not in kinds]
    if missing:
        return f"启动前须设置全部三个阶段，尚缺：{'、'.join(missing)}。"
    # The campaign's own framework copy (reverse one-to-one, set by assessments): where the plan
    # gave no points (分值由组织部确定) the 组织部 confirms them before the campaign starts.
    framework = getattr(campaign, "framework", None)
    if framework is not None and framework.needs_points_confirmed:
        return "方案未规定分值，分值由组织部确定：请先在活动设置中确认考核标准各项分值，再启动活动。"
    return _organizer_department(user, campaign, "启动活动")


def cannot_change_framework(user, campaign: Campaign) -> str | None:
    """A draft's framework may be swapped; once started it is frozen: sites are assessed on it."""
    if campaign.status != Campaign.Status.DRAFT:
        return "活动已启动，考核标准已冻结，不能更换。"
    return _organizer_department(user, campaign, "更换考核标准")


# Nomination --------------------------------------------------------------------------------


def nominations_closed(campaign: Campaign, *, today: datetime.date | None = None) -> str | None:
    """Why the campaign takes no nomination on `today`, or None: it takes them while running,
    in its 动员部署 or 组织实施 phase (on a shared boundary day the later phase counts)."""
    if campaign.status == Campaign.Status.DRAFT:
        return f"活动“{campaign.name}”尚未启动，组织部启动后方可申报。"
    if campaign.status == Campaign.Status.CLOSED:
        return f"活动“{campaign.name}”已结束，不再接受申报。"
    phase = campaign.phase_on(_today(today))
    if phase is not None and phase.kind in NOMINATION_PHASES:
        return None
    windows = [p for p in campaign.phases.all() if p.kind in NOMINATION_PHASES]
    if not windows:
        return "活动未设置申报阶段，暂不接受申报。"
    return (
        f"申报只能在动员部署或组织实施阶段进行：本活动申报时间为 {chinese_date(windows[0].starts_on)}"
        f" 至 {chinese_date(windows[-1].ends_on)}（{'、'.join(p.display_name for p in windows)}阶段），"
        "现在不在申报时间内。"
    )


def cannot_nominate_in(user, campaign: Campaign) -> str | None:
    """Only a 党委 within the campaign's organizer nominates (the nominate page is theirs)."""
    if getattr(user, "is_authenticated", False) and (
        user.is_superuser
        or Role.objects.filter(user_id=user.pk, kind=Role.Kind.COMMITTEE).within(campaign.organizer).exists()
    ):
        return None
    return "只有本活动范围内的党委可以申报示范点。"


def quota_refusal(campaign: Campaign, committee: Organization, used: int) -> str | None:
    """成熟一个、打造一个: a committee whose nominations hold `used` places may add no more once
    they fill the campaign's quota."""
    if used >= campaign.quota_per_committee:
        return f"“{committee.name}”本活动的申报名额为 {campaign.quota_per_committee} 个，已全部用完。"
    return None


def cannot_nominate(
    user, campaign: Campaign, branch: Organization | None = None, *, today: datetime.date | None = None
) -> str | None:
    """申报: the campaign takes nominations today (`nominations_closed`); the branch is a 党支部
    within the organizer, under a 党委 where the user holds the 党委 role; it holds no site in
    the campaign yet; its committee's quota has a place left. A branch rejected or withdrawn
    earlier may be nominated again.

    Without `branch`: whether the user may nominate some branch now (the dashboard's button).
    """
    if reason := nominations_closed(campaign, today=today):
        return reason
    if branch is None:
        return cannot_nominate_in(user, campaign)
    if branch.kind != Organization.Kind.BRANCH:
        return f"只有党支部可以申报示范点，“{branch.name}”是{branch.kind_label}。"
    committee = branch.nearest(Organization.Kind.PARTY_COMMITTEE)
    if committee is None:
        return f"“{branch.name}”不在任何党委之下，无法申报。"
    if reason := role_refusal(user, Role.Kind.COMMITTEE, committee, f"申报“{branch.name}”"):
        return reason
    if not campaign.organizer.path or not branch.path.startswith(campaign.organizer.path):
        return f"“{branch.name}”不在本活动组织单位“{campaign.organizer.name}”的范围内。"
    held = Site.objects.filter(
        campaign=campaign, organization=branch, status__in=Site.HOLDING_STATUSES
    ).first()
    if held is not None:
        return f"“{branch.name}”已申报本活动（{held.get_status_display()}），每个支部只能申报一次。"
    used = Site.objects.filter(
        campaign=campaign, nominated_by=committee, status__in=Site.HOLDING_STATUSES
    ).count()
    return quota_refusal(campaign, committee, used)


# The site's lifecycle ----------------------------------------------------------------------


def cannot_act_for_committee(user, site: Site) -> str | None:
    """The nominating 党委, who withdraws and asks for acceptance: the role alone."""
    return _nominating_committee(user, site, "办理该示范点的申报事项")


def cannot_withdraw(user, site: Site) -> str | None:
    """The nominating 党委 withdraws a nomination not yet decided; the quota place is freed."""
    return site_state_refusal(site, [S.NOMINATED], "撤回") or _nominating_committee(user, site, "撤回申报")


def cannot_approve(user, site: Site) -> str | None:
    """The organizer's 组织部 approves a nomination (批准创建)."""
    return site_state_refusal(site, [S.NOMINATED], "批准") or _organizer_department(
        user, site.campaign, "批准创建"
    )


def cannot_reject(user, site: Site) -> str | None:
    """The organizer's 组织部 rejects a nomination (不予批准)."""
    return site_state_refusal(site, [S.NOMINATED], "不予批准") or _organizer_department(
        user, site.campaign, "作出不予批准决定"
    )


def cannot_mark_self_assessed(user, site: Site, *, today: datetime.date | None = None) -> str | None:
    """The nominating 党委 approves the branch's self-assessment, from 组织实施 on."""
    if reason := site_state_refusal(site, [S.APPROVED], "审核通过自评") or _nominating_committee(
        user, site, "审核通过自评"
    ):
        return reason
    implementation = site.campaign.phase_of_kind(Phase.Kind.IMPLEMENTATION)
    if implementation and _today(today) < implementation.starts_on:
        return f"组织实施阶段自 {chinese_date(implementation.starts_on)} 开始，届时方可自评。"
    return None


def cannot_request_acceptance(user, site: Site, *, today: datetime.date | None = None) -> str | None:
    """The nominating 党委 asks for on-site acceptance: from 自评通过 once 总结验收 has begun,
    and again from 限期整改 when the rectification is done."""
    return (
        site_state_refusal(site, [S.SELF_ASSESSED, S.RECTIFYING], "申请验收")
        or _nominating_committee(user, site, "申请现场验收")
        or acceptance_not_begun(site, today=today)
    )


def cannot_record_verdict(user, site: Site) -> str | None:
    """An inspector of the site (or the organizer's 组织部) records the acceptance verdict."""
    if reason := site_state_refusal(site, [S.ACCEPTANCE_REQUESTED], "作出验收结论"):
        return reason
    if _holds_any(
        user, (Role.Kind.INSPECTOR, site.organization), (Role.Kind.ORG_DEPARTMENT, site.campaign.organizer)
    ):
        return None
    return "您不是本示范点的验收组成员或组织部，不能作出验收结论。"


# The site's records ------------------------------------------------------------------------


def cannot_edit_site(user, site: Site) -> str | None:
    """The branch secretary (or its 党委) keeps the site's plan, leading group, funding and
    schedule while the campaign runs."""
    return _campaign_running(site.campaign, "修改示范点资料") or _site_keeper(user, site, "修改示范点资料")


def cannot_edit_schedule(user, campaign: Campaign, site: Site | None = None) -> str | None:
    """A site's 工作安排 is its keepers'; the campaign-wide one (`site` None) the 组织部's."""
    if site is not None:
        return cannot_edit_site(user, site)
    return _organizer_department(user, campaign, "维护全活动的工作安排")


def cannot_edit_work_item(user, item: WorkItem) -> str | None:
    return cannot_edit_schedule(user, item.campaign, item.site)


def done_on_refusal(done_on: datetime.date | None, *, today: datetime.date | None = None) -> str | None:
    """A work item is done on a day that has come: 完成日期 ≤ 今天."""
    if done_on is not None and done_on > _today(today):
        return "完成日期不能晚于今天。"
    return None


def cannot_complete_work_item(
    user, item: WorkItem, *, done_on: datetime.date | None = None, today: datetime.date | None = None
) -> str | None:
    """标记完成 (on `done_on`, by default today) by whoever keeps the item's schedule."""
    return done_on_refusal(done_on, today=today) or cannot_edit_work_item(user, item)


# Supervision, rectification, typical cases --------------------------------------------------


def cannot_supervise(user, site: Site) -> str | None:
    """The 组织部 or the site's own 党委, who supervise it and review its rectification: the role."""
    return _supervisor(user, site, "督导该示范点")


def cannot_record_supervision(user, site: Site) -> str | None:
    """A visit, and rectification items raised from it, once the site is approved."""
    if site.status not in SUPERVISED_STATUSES:
        return f"示范点当前为“{site.get_status_display()}”，批准创建后才能督导和提出整改。"
    return cannot_supervise(user, site)


def cannot_raise_rectification(
    user, site: Site, source: str = Rectification.Source.SUPERVISION
) -> str | None:
    """From supervision once the site is approved; from acceptance whenever its verdict asks —
    by the 组织部, the 党委, or an inspector over the site (the acceptance's own policy says which
    inspector: `assessments.policies.cannot_record_findings`)."""
    if source == Rectification.Source.SUPERVISION:
        return cannot_record_supervision(user, site)
    if _holds_any(
        user,
        (Role.Kind.ORG_DEPARTMENT, site.campaign.organizer),
        (Role.Kind.COMMITTEE, site.nominated_by),
        (Role.Kind.INSPECTOR, site.organization),
    ):
        return None
    return "只有组织部、申报党委或验收组成员可以提出验收整改事项。"


# Each step of a rectification: the states it starts from and why not otherwise.
RECTIFICATION_STEPS = {
    "answer": ((R.OPEN, R.ANSWERED), "该整改事项已销号，不能再反馈。"),
    "close": ((R.ANSWERED,), "整改事项当前为“{status}”，须先由支部反馈整改情况才能销号。"),
    "return": ((R.ANSWERED,), "整改事项当前为“{status}”，不能退回。"),
}


def rectification_step_refusal(item: Rectification, step: str) -> str | None:
    """The state part of answering ("answer"), closing ("close") or returning ("return") `item`,
    for a page that asked the roles once for the whole site and then asks each item."""
    allowed, message = RECTIFICATION_STEPS[step]
    if item.status not in allowed:
        return message.format(status=item.get_status_display())
    return None


def cannot_answer_rectification(user, item: Rectification) -> str | None:
    """The branch (or its 党委) reports what it did, while the campaign runs, until closed."""
    site = item.site
    return (
        rectification_step_refusal(item, "answer")
        or _campaign_running(site.campaign, "反馈整改情况")
        or _site_keeper(user, site, "反馈整改情况")
    )


def cannot_close_rectification(user, item: Rectification) -> str | None:
    """The supervisor accepts an answer and closes the item (销号)."""
    return rectification_step_refusal(item, "close") or _supervisor(user, item.site, "对整改事项销号")


def cannot_return_rectification(user, item: Rectification) -> str | None:
    """The supervisor sends an answer back (退回), with a reason."""
    return rectification_step_refusal(item, "return") or _supervisor(user, item.site, "退回整改反馈")


def cannot_select_typical_case(user, site: Site) -> str | None:
    """The organizer's 组织部 selects a site that passed acceptance as a 典型案例."""
    if site.status != S.PASSED:
        return f"示范点当前为“{site.get_status_display()}”，验收通过后才能评选典型案例。"
    return _organizer_department(user, site.campaign, "评选典型案例")
