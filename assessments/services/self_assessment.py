"""Writes for the self-assessment (基层自评): the branch secretary's scores, narratives and
evidence; submitting to the 党委; the 党委 returning it (with a reason) or approving it, which
moves the site to 自评通过 through `campaigns.services.mark_self_assessed` in the same transaction.

Each function reads the self-assessment's state under its row lock, asks `assessments.policies`,
writes, and records an audit event in the site's history. A score typed into the page is saved
as it is entered and is not audited keystroke by keystroke; submitting, returning, approving and
evidence files are. A refusal raises `LifecycleError` with the policy's reason; a value that does
not fit its field raises `ValidationError` keyed by the field, so the page shows it beside it.
"""

from __future__ import annotations

import datetime
import hashlib
import mimetypes
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from campaigns.models import Site
from campaigns.services import LifecycleError, mark_self_assessed
from organizations.models import Verb, record_event
from organizations.uploads import DOCUMENT_EXTENSIONS, check_upload

from .. import policies
from ..models import Evidence, Indicator, IndicatorScore, SelfAssessment
from ..queries import Entry, campaign_span, entry_for, readiness

A = SelfAssessment.Status
EVIDENCE_EXTENSIONS = DOCUMENT_EXTENSIONS
# What `save_indicator_score` accepts, each parsed on its own so one bad value keeps the others.
SCORE_FIELDS = ("score", "level", "count", "occurred", "reason", "narrative")


def _require(reason: str | None) -> None:
    if reason:
        raise LifecycleError(reason)


def _locked(site: Site) -> SelfAssessment:
    """The site's self-assessment under its row lock, made (as a draft) on the first write."""
    assessment, _ = SelfAssessment.objects.select_for_update().get_or_create(site=site)
    assessment.site = site
    return assessment


def _event(assessment: SelfAssessment, *, by, verb: str, summary: str, target=None) -> None:
    site = assessment.site
    record_event(
        actor=by,
        verb=verb,
        target=target if target is not None else assessment,
        organization=site.organization,
        summary=summary,
        subject=site,
    )


# Scores --------------------------------------------------------------------------------------


def _decimal(text: str, what: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{what}须为数字。") from None
    if not value.is_finite():
        raise ValidationError(f"{what}须为数字。")
    if value < 0:
        raise ValidationError(f"{what}不能为负数。")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{what}最多保留两位小数。")
    return value


def parse_entry(entry: Entry, field: str, raw: str) -> object:
    """The typed text of one field as the value saved, or ValidationError in Chinese."""
    if field in ("reason", "narrative"):
        return (raw or "").strip()
    if field == "score":
        value = _decimal(raw, "分数")
        if value is not None and value > entry.max_score:
            raise ValidationError(f"分数不能超过本项分值 {entry.max_text} 分。")
        return value
    if field == "count":
        value = _decimal(raw, "数量")
        if value is not None and value != value.to_integral_value():
            raise ValidationError("数量须为整数。")
        return value
    if field == "occurred":
        return {"yes": True, "no": False}.get((raw or "").strip())
    if field == "level":
        label = (raw or "").strip()
        if label and label not in entry.level_labels:
            raise ValidationError(f"请从 {'、'.join(entry.level_labels)} 中选择。")
        return label
    raise ValueError(f"unknown field {field!r}")


def save_indicator_score(*, site: Site, indicator: Indicator, by, raw: dict[str, str]) -> IndicatorScore:
    """Save what the secretary typed for one indicator: any of `SCORE_FIELDS`, as text.

    Every field is parsed on its own; the good ones are saved (committed) and the bad ones then
    raise together as a `ValidationError` keyed by field, so a typo in the score does not lose the
    narrative. Where the rule turns the answer into points (a level, an event, a count), the score
    follows the answer (`Entry.points`).
    """
    with transaction.atomic():
        assessment = _locked(site)
        _require(policies.cannot_edit_self_assessment(by, assessment))
        if indicator.dimension.framework.campaign_id != site.campaign_id:
            raise LifecycleError("该考核内容不属于本活动的考核标准。")
        entry = entry_for(indicator, campaign_span(site.campaign))
        row, _ = IndicatorScore.objects.get_or_create(self_assessment=assessment, indicator=indicator)
        errors: dict[str, list[str]] = {}
        changed = []
        for name in SCORE_FIELDS:
            if name not in raw or name not in entry.fields:
                continue
            try:
                value = parse_entry(entry, name, raw[name])
            except ValidationError as error:
                errors[name] = error.messages
                continue
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed.append(name)
        if any(name in changed for name in entry.answer_fields):
            points = entry.points(row)
            if points != row.score:
                row.score = points
                changed.append("score")
        if changed:
            row.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if errors:
        raise ValidationError(errors)
    return row


# Evidence ------------------------------------------------------------------------------------


@transaction.atomic
def upload_evidence(*, site: Site, indicator: Indicator | None, file: UploadedFile, by) -> Evidence:
    """Keep an evidence file (PDF, Word or a photo), checked by content and size, with its sha256."""
    assessment = _locked(site)
    _require(policies.cannot_edit_self_assessment(by, assessment))
    if indicator is not None and indicator.dimension.framework.campaign_id != site.campaign_id:
        raise LifecycleError("该考核内容不属于本活动的考核标准。")
    check_upload(file, EVIDENCE_EXTENSIONS)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    name = Path(file.name).name[:255]
    evidence = Evidence.objects.create(
        self_assessment=assessment,
        indicator=indicator,
        file=file,
        original_name=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=file.size,
        sha256=digest.hexdigest(),
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    where = f"（{indicator.code}）" if indicator is not None else ""
    _event(assessment, by=by, verb=Verb.UPLOAD_EVIDENCE, target=evidence, summary=f"{name}{where}")
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence, by) -> None:
    """Delete an evidence file while the self-assessment may be edited; the file goes on commit."""
    site = evidence.self_assessment.site
    assessment = _locked(site)
    _require(policies.cannot_edit_self_assessment(by, assessment))
    _event(assessment, by=by, verb=Verb.REMOVE_EVIDENCE, target=evidence, summary=evidence.original_name)
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


# The steps -----------------------------------------------------------------------------------


@transaction.atomic
def submit_self_assessment(*, site: Site, by, summary: str | None = None) -> SelfAssessment:
    """DRAFT/RETURNED → SUBMITTED, once complete (`queries.readiness`); the 党委 sees it waiting."""
    assessment = _locked(site)
    _require(policies.cannot_submit_self_assessment(by, assessment))
    fields = ["status", "submitted_at"]
    if summary is not None:
        assessment.summary = summary.strip()
        fields.append("summary")
    missing = readiness(assessment).missing
    if missing:
        raise LifecycleError(
            [f"自评尚未填写完整，还有 {len(missing)} 处：", *(item.text for item in missing[:10])]
        )
    again = assessment.status == A.RETURNED
    assessment.status = A.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save(update_fields=fields)
    verb_summary = "退回后重新提交自评" if again else "提交自评"
    _event(assessment, by=by, verb=Verb.SUBMIT_SELF_ASSESSMENT, summary=verb_summary)
    return assessment


@transaction.atomic
def return_self_assessment(*, site: Site, by, reason: str) -> SelfAssessment:
    """SUBMITTED → RETURNED with the 党委's reason, which the secretary sees on the page."""
    assessment = _locked(site)
    _require(policies.cannot_return_self_assessment(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回理由，支部据此修改。"})
    assessment.status = A.RETURNED
    assessment.review_note = reason
    assessment.reviewed_by = by
    assessment.reviewed_at = timezone.now()
    assessment.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    _event(assessment, by=by, verb=Verb.RETURN_SELF_ASSESSMENT, summary=f"退回理由：{reason}")
    return assessment


@transaction.atomic
def approve_self_assessment(
    *, site: Site, by, note: str = "", today: datetime.date | None = None
) -> SelfAssessment:
    """SUBMITTED → APPROVED, and the site APPROVED → 自评通过 (`mark_self_assessed`, which
    records the audit event), both or neither."""
    assessment = _locked(site)
    _require(policies.cannot_approve_self_assessment(by, assessment, today=today))
    assessment.status = A.APPROVED
    assessment.review_note = (note or "").strip()
    assessment.reviewed_by = by
    assessment.reviewed_at = timezone.now()
    assessment.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    mark_self_assessed(site=site, by=by, today=today)
    return assessment
