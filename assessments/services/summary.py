"""Writes for the 创建工作总结 (`WorkSummary`): the branch secretary writes it part by part (what
was done under each 一级指标 of the framework, the site's 特色, the figures, the problems, the
next steps) and submits it to the nominating 党委, which returns it with its comments or approves
it — the self-assessment's steps, on the same policies' terms.

Each function takes the summary's row lock (making a draft on the first write), asks
`assessments.policies`, writes, and records the step in the site's history. Saving the text is
not audited line by line, as a self-assessment's scores are not; submitting, returning and
approving are. A refusal raises `LifecycleError` with the policy's reason; a part left empty on
submitting, or a return without a reason, raises `ValidationError` keyed by the form's field
(`dim_<dimension id>`, `highlights`, …, `reason`), so the page shows it beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Site
from campaigns.services import LifecycleError
from organizations.models import Verb, record_event

from .. import policies
from ..models import Dimension, WorkSummary

S = WorkSummary.Status
# The parts after the dimensions, in the order the summary prints them, with what an empty one lacks.
PARTS: dict[str, str] = {
    "highlights": "请写明本示范点的创建特色。",
    "figures": "请填写主要数据（可插入系统统计的数据）。",
    "problems": "请写明存在的问题和不足。",
    "next_steps": "请写明下步打算。",
}
# The summary's own audit verbs (提交/退回/审核通过创建工作总结).
SUBMIT_VERB = Verb.SUBMIT_WORK_SUMMARY
RETURN_VERB = Verb.RETURN_WORK_SUMMARY
APPROVE_VERB = Verb.APPROVE_WORK_SUMMARY


def dimension_field(dimension_id: int) -> str:
    """The form field (and error key) of one dimension's part."""
    return f"dim_{dimension_id}"


def campaign_dimensions(site: Site) -> list[Dimension]:
    """The 一级指标 of the site's campaign framework, in the table's order. One query."""
    return list(Dimension.objects.filter(framework__campaign_id=site.campaign_id).order_by("order", "id"))


def missing_parts(summary: WorkSummary, dimensions: list[Dimension]) -> dict[str, str]:
    """What must still be written before the summary can be submitted, by field."""
    missing = {}
    for dimension in dimensions:
        if not (summary.dimension_texts or {}).get(str(dimension.pk), "").strip():
            missing[dimension_field(dimension.pk)] = (
                f"请写明“{dimension.name}”方面做了哪些工作、取得什么成效。"
            )
    for name, message in PARTS.items():
        if not getattr(summary, name).strip():
            missing[name] = message
    return missing


def _require(reason: str | None) -> None:
    if reason:
        raise LifecycleError(reason)


def _locked(site: Site) -> WorkSummary:
    summary, _ = WorkSummary.objects.select_for_update().get_or_create(site=site)
    summary.site = site
    return summary


def _event(summary: WorkSummary, *, by, verb: str, text: str) -> None:
    site = summary.site
    record_event(
        actor=by, verb=verb, target=summary, organization=site.organization, summary=text, subject=site
    )


@transaction.atomic
def save_work_summary(
    *,
    site: Site,
    by,
    dimension_texts: Mapping[int, str],
    highlights: str = "",
    figures: str = "",
    problems: str = "",
    next_steps: str = "",
) -> WorkSummary:
    """Save the text as written (any part may still be empty). `dimension_texts` maps dimension
    ids of the site's framework to their part; a dimension left out keeps no text."""
    summary = _locked(site)
    _require(policies.cannot_write_summary(by, summary))
    dimensions = campaign_dimensions(site)
    known = {d.pk for d in dimensions}
    if unknown := set(dimension_texts) - known:
        raise LifecycleError(f"一级指标 {sorted(unknown)} 不属于本活动的考核标准。")
    summary.dimension_texts = {
        str(d.pk): (dimension_texts.get(d.pk) or "").strip() for d in dimensions if d.pk in dimension_texts
    }
    summary.highlights = (highlights or "").strip()
    summary.figures = (figures or "").strip()
    summary.problems = (problems or "").strip()
    summary.next_steps = (next_steps or "").strip()
    summary.updated_by = by if getattr(by, "is_authenticated", False) else None
    summary.save()
    return summary


@transaction.atomic
def submit_work_summary(*, site: Site, by) -> WorkSummary:
    """DRAFT/RETURNED → SUBMITTED once every part is written; the 党委 sees it waiting."""
    summary = _locked(site)
    _require(policies.cannot_submit_summary(by, summary))
    if missing := missing_parts(summary, campaign_dimensions(site)):
        raise ValidationError(missing)
    again = summary.status == S.RETURNED
    summary.status = S.SUBMITTED
    summary.submitted_at = timezone.now()
    summary.save(update_fields=["status", "submitted_at"])
    text = "退回后重新提交创建工作总结" if again else "提交创建工作总结"
    _event(summary, by=by, verb=SUBMIT_VERB, text=text)
    return summary


@transaction.atomic
def return_work_summary(*, site: Site, by, reason: str) -> WorkSummary:
    """SUBMITTED → RETURNED with the 党委's comments, which the secretary sees above the text."""
    summary = _locked(site)
    _require(policies.cannot_return_summary(by, summary))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回意见，写明哪些部分需要修改。"})
    summary.status = S.RETURNED
    summary.review_note = reason
    summary.reviewed_by = by
    summary.reviewed_at = timezone.now()
    summary.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _event(summary, by=by, verb=RETURN_VERB, text=f"退回创建工作总结：{reason}")
    return summary


@transaction.atomic
def approve_work_summary(*, site: Site, by, note: str = "") -> WorkSummary:
    """SUBMITTED → APPROVED, with the 党委's note if any; the summary is then final."""
    summary = _locked(site)
    _require(policies.cannot_approve_summary(by, summary))
    note = (note or "").strip()
    summary.status = S.APPROVED
    summary.review_note = note
    summary.reviewed_by = by
    summary.reviewed_at = timezone.now()
    summary.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _event(summary, by=by, verb=APPROVE_VERB, text="创建工作总结审核通过" + (f"：{note}" if note else ""))
    return summary
