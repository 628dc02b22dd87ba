"""Who may do what to criteria frameworks and self-assessments: one function per action, answering
with a reason (None when allowed, the refusal in Chinese otherwise), as in `campaigns.policies`."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campaigns.models import Campaign, Site
from campaigns.policies import cannot_create_campaign, cannot_mark_self_assessed, site_state_refusal
from organizations.models import Role, role_refusal
from organizations.templatetags.chinese_dates import chinese_date

from .models import Acceptance, Ballot, BallotToken, Objection, SelfAssessment, Survey, TeamMember

EDITABLE = (SelfAssessment.Status.DRAFT, SelfAssessment.Status.RETURNED)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def cannot_import_framework(user) -> str | None:
    """A 组织部 (anywhere) imports a 评分细则 as a template framework, as it would start a campaign on it."""
    if cannot_create_campaign(user) is None:
        return None
    return "只有组织部可以导入考核标准。"


def cannot_confirm_points(user, campaign: Campaign) -> str | None:
    """The organizer's 组织部 confirms (and may adjust) the points of a draft campaign's framework
    copy where the plan gave none (分值由组织部确定); once started the copy is frozen."""
    framework = getattr(campaign, "framework", None)
    if framework is None:
        return "活动尚无考核标准。"
    if framework.points_from_plan:
        return "该考核标准的分值出自方案，无须确认。"
    if campaign.status != Campaign.Status.DRAFT:
        return "活动已启动，考核标准已冻结，分值不能再修改。"
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, campaign.organizer, "确认考核标准分值")


# The self-assessment (基层自评) ------------------------------------------------------------
#
# `assessment` may be unsaved (`SelfAssessment(site=site)`, status DRAFT) before the first score:
# the page asks the same policies whether it exists yet or not.


def _self_assessment_state(assessment: SelfAssessment, allowed, action: str) -> str | None:
    if assessment.status not in allowed:
        return f"自评当前为“{assessment.get_status_display()}”，不能{action}。"
    return None


def _secretary_while_editable(user, assessment: SelfAssessment, action: str) -> str | None:
    """A draft or returned self-assessment of an approved site, while the campaign runs, in the
    hands of the site's branch secretary."""
    return (
        _self_assessment_state(assessment, EDITABLE, action)
        or site_state_refusal(assessment.site, [Site.Status.APPROVED], action)
        or role_refusal(user, Role.Kind.BRANCH_SECRETARY, assessment.site.organization, action)
    )


def cannot_edit_self_assessment(user, assessment: SelfAssessment, today=None) -> str | None:
    """The branch secretary of the site fills in the self-assessment (scores, narratives,
    evidence) while it is a draft or has been returned, the site is approved and the campaign runs."""
    return _secretary_while_editable(user, assessment, "填写自评")


def cannot_submit_self_assessment(user, assessment: SelfAssessment, today=None) -> str | None:
    """The secretary submits it to the nominating 党委 when it is editable. Whether it is
    complete is `queries.readiness`, which the service asks as well."""
    return _secretary_while_editable(user, assessment, "提交自评")


def cannot_return_self_assessment(user, assessment: SelfAssessment, today=None) -> str | None:
    """The nominating 党委 sends a submitted self-assessment back (退回), with a reason."""
    return (
        _self_assessment_state(assessment, [SelfAssessment.Status.SUBMITTED], "退回")
        or site_state_refusal(assessment.site, [Site.Status.APPROVED], "退回自评")
        or role_refusal(user, Role.Kind.COMMITTEE, assessment.site.nominated_by, "退回自评")
    )


def cannot_approve_self_assessment(user, assessment: SelfAssessment, today=None) -> str | None:
    """The nominating 党委 approves a submitted self-assessment; the site becomes 自评通过
    (`campaigns.policies.cannot_mark_self_assessed`: from 组织实施 on)."""
    return _self_assessment_state(
        assessment, [SelfAssessment.Status.SUBMITTED], "审核通过"
    ) or cannot_mark_self_assessed(user, assessment.site, today=today)


def cannot_view_self_assessment_overview(user, campaign: Campaign, today=None) -> str | None:
    """The organizer's 组织部 sees every site's self-assessment of the campaign, with totals."""
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, campaign.organizer, "查看全部自评汇总")


# 群众测评 (the satisfaction survey) ------------------------------------------------------------

SURVEY_SITE_STATES = (Site.Status.SELF_ASSESSED, Site.Status.ACCEPTANCE_REQUESTED, Site.Status.RECTIFYING)


def cannot_open_survey(user, site: Site) -> str | None:
    """The organizer's 组织部 opens a survey for a site once its self-assessment has passed (自评通过,
    申请验收, or 限期整改 before the next visit): "基层自评、群众测评、组织考评" in that order."""
    return site_state_refusal(site, SURVEY_SITE_STATES, "发起群众测评") or role_refusal(
        user, Role.Kind.ORG_DEPARTMENT, site.campaign.organizer, "发起群众测评"
    )


def cannot_view_survey(user, survey: Survey) -> str | None:
    """The live rate, turnout and the printable QR sheet are the organizer's 组织部's."""
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, survey.site.campaign.organizer, "查看群众测评")


def cannot_close_survey(user, survey: Survey, today=None) -> str | None:
    """The 组织部 ends a survey early (it takes no more ballots); an ended one stays ended."""
    if survey.has_ended(_today(today)):
        return "该测评已经结束。"
    return cannot_view_survey(user, survey)


def cannot_cast_ballot(survey: Survey, token: BallotToken | None, today=None) -> str | None:
    """Anyone holding an unused token of an open survey votes once; no login, no personal data.

    Whether the token is used is finally the database's (`Ballot.token` is unique); this answers
    the page before the form is shown."""
    day = _today(today)
    if token is None:
        return "这个二维码或手输码不存在，请核对后重新输入。"
    if survey.closed_at is not None or day > survey.closes_on:
        return "本次测评已经结束，不再接收投票。感谢您的关心。"
    if day < survey.opens_on:
        return f"本次测评自 {chinese_date(survey.opens_on)} 开始，届时再来投票。"
    if getattr(token, "has_ballot", None) or Ballot.objects.filter(token=token).exists():
        return "这张测评票已经投过了，每张票只能投一次。"
    return None


# 现场验收 (on-site acceptance) ------------------------------------------------------------------


def _team_member(user, acceptance: Acceptance) -> TeamMember | None:
    """The user's place in the acceptance team, if any (a query unless `team_members` is prefetched)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if "team_members" in getattr(acceptance, "_prefetched_objects_cache", {}):
        return next((m for m in acceptance.team_members.all() if m.user_id == user.pk), None)
    return acceptance.team_members.filter(user_id=user.pk).first()


def _unsigned(acceptance: Acceptance, action: str) -> str | None:
    if acceptance.signed_at is not None:
        return f"验收已于 {timezone.localtime(acceptance.signed_at):%Y-%m-%d %H:%M} 签署，不能再{action}。"
    return site_state_refusal(acceptance.site, [Site.Status.ACCEPTANCE_REQUESTED], action)


def cannot_schedule_acceptance(user, site: Site) -> str | None:
    """The organizer's 组织部 schedules the visit (date, team, lead) for a site that asked for it."""
    return site_state_refusal(site, [Site.Status.ACCEPTANCE_REQUESTED], "安排现场验收") or role_refusal(
        user, Role.Kind.ORG_DEPARTMENT, site.campaign.organizer, "安排现场验收"
    )


def cannot_change_acceptance(user, acceptance: Acceptance) -> str | None:
    """The 组织部 changes the date, team or margin until any inspector has submitted scores."""
    if reason := _unsigned(acceptance, "修改验收安排"):
        return reason
    if acceptance.team_members.filter(submitted_at__isnull=False).exists():
        return "已有组员提交评分，验收安排不能再修改。"
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, acceptance.site.campaign.organizer, "修改验收安排")


def cannot_score(user, acceptance: Acceptance) -> str | None:
    """Each inspector of the team scores on their own until they submit their scores."""
    if reason := _unsigned(acceptance, "评分"):
        return reason
    member = _team_member(user, acceptance)
    if member is None:
        return "您不是本次验收小组的成员，不能评分。"
    if member.submitted_at is not None:
        return f"您已于 {timezone.localtime(member.submitted_at):%Y-%m-%d %H:%M} 提交评分，不能再修改。"
    return None


def cannot_submit_scores(user, acceptance: Acceptance) -> str | None:
    """An inspector submits their own scores (all indicators scored: the service checks)."""
    return cannot_score(user, acceptance)


def cannot_see_team_scores(user, acceptance: Acceptance) -> str | None:
    """Inspectors see one another's scores only after submitting their own; the 组织部 always;
    everyone in scope once the acceptance is signed."""
    if acceptance.signed_at is not None:
        return None
    member = _team_member(user, acceptance)
    if member is not None:
        if member.submitted_at is None:
            return "提交本人评分后，才能看到其他组员的评分。"
        return None
    return role_refusal(
        user, Role.Kind.ORG_DEPARTMENT, acceptance.site.campaign.organizer, "查看验收小组评分"
    )


def _lead_or_organizer(user, acceptance: Acceptance, action: str) -> str | None:
    member = _team_member(user, acceptance)
    if member is not None and member.is_lead:
        return None
    if role_refusal(user, Role.Kind.ORG_DEPARTMENT, acceptance.site.campaign.organizer, action) is None:
        return None
    return f"只有验收组长或组织部可以{action}。"


def cannot_agree_score(user, acceptance: Acceptance) -> str | None:
    """Where inspectors differ by more than the margin, the lead (or the 组织部) records the
    agreed score with a reason, before signing."""
    return _unsigned(acceptance, "议定得分") or _lead_or_organizer(user, acceptance, "议定得分")


def cannot_record_findings(user, acceptance: Acceptance) -> str | None:
    """The lead (or the 组织部) writes the findings and raises rectification items, before signing."""
    return _unsigned(acceptance, "填写验收意见") or _lead_or_organizer(user, acceptance, "填写验收意见")


def cannot_sign_acceptance(user, acceptance: Acceptance) -> str | None:
    """The lead signs, once; whether everything is ready is `queries.signing_readiness`."""
    if reason := _unsigned(acceptance, "签署验收结论"):
        return reason
    member = _team_member(user, acceptance)
    if member is None or not member.is_lead:
        return "只有验收组长可以签署验收结论。"
    return None


def cannot_download_report(user, acceptance: Acceptance) -> str | None:
    """A rendered report is read by everyone who sees the site (scope is `visible_to`)."""
    if acceptance.signed_at is None:
        return "验收尚未签署，还没有验收报告。"
    if not acceptance.report:
        return "验收报告正在生成，请稍后刷新。"
    return None


# 公示 and objections --------------------------------------------------------------------------


def cannot_lodge_objection(acceptance: Acceptance, today=None) -> str | None:
    """Anyone lodges an objection while the result is in its 公示 period."""
    day = _today(today)
    if acceptance.publicity_starts_on is None or acceptance.publicity_ends_on is None:
        return "该验收结果尚未公示。"
    if day < acceptance.publicity_starts_on:
        return f"公示自 {chinese_date(acceptance.publicity_starts_on)} 开始。"
    if day > acceptance.publicity_ends_on:
        return f"公示已于 {chinese_date(acceptance.publicity_ends_on)} 结束，不再受理异议。"
    return None


def cannot_answer_objection(user, objection: Objection) -> str | None:
    """The organizer's 组织部 answers each objection (once; an answer is a record)."""
    if objection.answered_at is not None:
        return "该异议已经答复。"
    campaign = objection.acceptance.site.campaign
    return role_refusal(user, Role.Kind.ORG_DEPARTMENT, campaign.organizer, "答复公示异议")


# 创建工作总结 and the dossier (创建档案) ------------------------------------------------------

# Sites writing their 创建工作总结: approved for building, and on until the acceptance's verdict.
SUMMARY_SITE_STATES = (
    Site.Status.APPROVED,
    Site.Status.SELF_ASSESSED,
    Site.Status.ACCEPTANCE_REQUESTED,
    Site.Status.RECTIFYING,
)
# Sites with a year of records to bind: approved, and every state after it.
DOSSIER_SITE_STATES = (*SUMMARY_SITE_STATES, Site.Status.PASSED, Site.Status.FAILED)


def _summary_state(summary, allowed: tuple[str, ...], action: str) -> str | None:
    """`allowed` names statuses of `WorkSummary.Status`, read off the summary in hand."""
    if summary.status not in [summary.Status[name] for name in allowed]:
        return f"创建工作总结当前为“{summary.get_status_display()}”，不能{action}。"
    return None


def cannot_write_summary(user, summary) -> str | None:
    """The site's branch secretary writes the 创建工作总结 while it is a draft or returned, the
    site is building (批准创建 to 限期整改) and the campaign runs. `summary` may be unsaved."""
    return (
        _summary_state(summary, ("DRAFT", "RETURNED"), "修改")
        or site_state_refusal(summary.site, SUMMARY_SITE_STATES, "撰写创建工作总结")
        or role_refusal(user, Role.Kind.BRANCH_SECRETARY, summary.site.organization, "撰写创建工作总结")
    )


def cannot_submit_summary(user, summary) -> str | None:
    """The secretary submits it to the nominating 党委 when it may be written; whether every part
    is filled in is the service's check (`services.summary.missing_parts`)."""
    return (
        _summary_state(summary, ("DRAFT", "RETURNED"), "提交")
        or site_state_refusal(summary.site, SUMMARY_SITE_STATES, "提交创建工作总结")
        or role_refusal(user, Role.Kind.BRANCH_SECRETARY, summary.site.organization, "提交创建工作总结")
    )


def _reviewing_committee(user, summary, action: str) -> str | None:
    return (
        _summary_state(summary, ("SUBMITTED",), action)
        or site_state_refusal(summary.site, SUMMARY_SITE_STATES, action)
        or role_refusal(user, Role.Kind.COMMITTEE, summary.site.nominated_by, action)
    )


def cannot_return_summary(user, summary) -> str | None:
    """The nominating 党委 sends a submitted 创建工作总结 back with its comments (退回修改)."""
    return _reviewing_committee(user, summary, "退回创建工作总结")


def cannot_approve_summary(user, summary) -> str | None:
    """The nominating 党委 approves a submitted 创建工作总结."""
    return _reviewing_committee(user, summary, "审核通过创建工作总结")


def cannot_download_dossier(user, site: Site) -> str | None:
    """The dossier holds the branch's personal data: the branch secretary, the 党委 and the 组织部
    over the branch, and the inspectors on one of the site's acceptance teams read it (and ask for
    it to be rendered); no one else, though they see the site. Scope (`visible_to`) comes first."""
    if site.status not in DOSSIER_SITE_STATES:
        return f"示范点当前状态为“{site.get_status_display()}”，还没有创建档案。"
    kinds = (Role.Kind.BRANCH_SECRETARY, Role.Kind.COMMITTEE, Role.Kind.ORG_DEPARTMENT)
    # role_refusal is None exactly when the user holds the role at or above the branch.
    if any(role_refusal(user, kind, site.organization, "") is None for kind in kinds):
        return None
    if (
        getattr(user, "is_authenticated", False)
        and TeamMember.objects.filter(acceptance__site=site, user_id=user.pk).exists()
    ):
        return None
    return "创建档案只有本支部书记、上级党委、组织部和本示范点的验收小组成员可以查看。"
