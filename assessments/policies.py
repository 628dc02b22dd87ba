"""Who may do what to criteria frameworks and self-assessments: one function per action, answering
with a reason (None when allowed, the refusal in Chinese otherwise), as in `campaigns.policies`."""

from __future__ import annotations

from campaigns.models import Campaign, Site
from campaigns.policies import cannot_create_campaign, cannot_mark_self_assessed, site_state_refusal
from organizations.models import Role, role_refusal

from .models import SelfAssessment

EDITABLE = (SelfAssessment.Status.DRAFT, SelfAssessment.Status.RETURNED)


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
