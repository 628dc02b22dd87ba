"""Writes for on-site acceptance (现场验收): scheduling the visit, each inspector's own scores
(saved as they are typed, also when sent late from a phone that lost signal), submitting them,
the lead's agreed scores where the team differs, findings and rectification items, and signing.

Signing freezes the record: every later write is refused by `assessments.policies` (`_unsigned`).
It happens once, even when two leads press at once (the acceptance's row is locked and its
`signed_at` read again), stores the composite and its parts, moves the site through
`campaigns.services.record_verdict` (which writes the transition and its audit event), opens the
公示 period and enqueues the report on commit.

A refusal raises `LifecycleError` with the policy's reason; a value that does not fit its field
raises `ValidationError` keyed by the field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Rectification, Site
from campaigns.services import LifecycleError, raise_rectification, record_verdict
from organizations.models import Role, Verb, has_role, record_event
from organizations.uploads import IMAGE_EXTENSIONS, check_upload

from .. import policies
from ..models import Acceptance, AgreedScore, CheckMethod, Indicator, InspectorScore, TeamMember
from ..queries import campaign_span, entry_for
from .self_assessment import _decimal, parse_entry

User = get_user_model()

# What `save_inspector_score` accepts besides the answer fields of the indicator's entry.
INSPECTION_FIELDS = ("score", "level", "count", "occurred", "check_method", "note")
DEFAULT_MARGIN = Decimal("1")


def _require(reason: str | None) -> None:
    if reason:
        raise LifecycleError(reason)


def _event(acceptance: Acceptance, *, by, verb: str, summary: str, target=None) -> None:
    site = acceptance.site
    record_event(
        actor=by,
        verb=verb,
        target=target if target is not None else acceptance,
        organization=site.organization,
        summary=summary,
        subject=site,
    )


def _locked(acceptance: Acceptance) -> Acceptance:
    """The acceptance as it is in the database now, its row held until commit."""
    fresh = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    fresh.site = Site.objects.select_related("campaign__organizer", "organization").get(pk=fresh.site_id)
    return fresh


def _belongs(acceptance: Acceptance, indicator: Indicator) -> None:
    if indicator.dimension.framework.campaign_id != acceptance.site.campaign_id:
        raise LifecycleError("该考核内容不属于本活动的考核标准。")


# Scheduling ----------------------------------------------------------------------------------


def _check_team(site: Site, team: list, lead) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not team:
        errors["team"] = ["请选择验收小组成员。"]
        return errors
    if len({u.pk for u in team}) != len(team):
        errors["team"] = ["验收小组成员有重复。"]
    outside = [u for u in team if not has_role(u, Role.Kind.INSPECTOR, site.organization)]
    if outside:
        names = "、".join(getattr(u, "name", "") or u.get_username() for u in outside)
        errors.setdefault("team", []).append(f"{names}没有本示范点的验收组成员角色。")
    if lead is None:
        errors["lead"] = ["请指定验收组长。"]
    elif lead.pk not in {u.pk for u in team}:
        errors["lead"] = ["组长须是验收小组成员。"]
    return errors


def _check_margin(margin) -> Decimal:
    value = _decimal(str(margin), "分歧阈值")
    if value is None:
        return DEFAULT_MARGIN
    if value >= 100:
        raise ValidationError("分歧阈值须小于 100 分。")
    return value


def _team_names(team: list, lead) -> str:
    names = [getattr(u, "name", "") or u.get_username() for u in team]
    lead_name = getattr(lead, "name", "") or lead.get_username()
    return f"组长 {lead_name}，组员 {'、'.join(names)}"


@transaction.atomic
def schedule_acceptance(
    *,
    site: Site,
    by,
    visited_on: datetime.date,
    team: list,
    lead,
    margin=DEFAULT_MARGIN,
    today: datetime.date | None = None,
) -> Acceptance:
    """The 组织部 schedules the visit: date, team of inspectors (each holding the inspector role
    over the site), the lead among them, and the margin beyond which two scores must be agreed."""
    site = (
        Site.objects.select_for_update().select_related("campaign__organizer", "organization").get(pk=site.pk)
    )
    _require(policies.cannot_schedule_acceptance(by, site))
    errors = _check_team(site, team, lead)
    if visited_on is None:
        errors["visited_on"] = ["请填写验收日期。"]
    elif visited_on < (today or timezone.localdate()):
        errors["visited_on"] = ["验收日期不能早于今天。"]
    try:
        margin = _check_margin(margin)
    except ValidationError as error:
        errors["disagreement_margin"] = error.messages
    if errors:
        raise ValidationError(errors)
    if Acceptance.objects.filter(site=site, signed_at__isnull=True).exists():
        raise LifecycleError("该示范点已有一次尚未签署的现场验收，请修改那一次的安排。")
    try:
        with transaction.atomic():
            acceptance = Acceptance.objects.create(
                site=site, visited_on=visited_on, disagreement_margin=margin, scheduled_by=by
            )
    except IntegrityError:
        raise LifecycleError("该示范点已有一次尚未签署的现场验收，请修改那一次的安排。") from None
    TeamMember.objects.bulk_create(
        TeamMember(acceptance=acceptance, user=user, is_lead=user.pk == lead.pk) for user in team
    )
    _event(
        acceptance,
        by=by,
        verb=Verb.SCHEDULE_ACCEPTANCE,
        summary=f"{visited_on:%Y-%m-%d}，{_team_names(team, lead)}",
    )
    return acceptance


@transaction.atomic
def change_acceptance(
    *, acceptance: Acceptance, by, visited_on: datetime.date, team: list, lead, margin=DEFAULT_MARGIN
) -> Acceptance:
    """The 组织部 changes the date, team, lead or margin until any inspector has submitted scores.
    Scores of an inspector taken off the team go with them."""
    acceptance = _locked(acceptance)
    _require(policies.cannot_change_acceptance(by, acceptance))
    errors = _check_team(acceptance.site, team, lead)
    if visited_on is None:
        errors["visited_on"] = ["请填写验收日期。"]
    try:
        margin = _check_margin(margin)
    except ValidationError as error:
        errors["disagreement_margin"] = error.messages
    if errors:
        raise ValidationError(errors)
    keep = {u.pk for u in team}
    acceptance.inspector_scores.exclude(inspector_id__in=keep).delete()
    acceptance.team_members.exclude(user_id__in=keep).delete()
    present = set(acceptance.team_members.values_list("user_id", flat=True))
    TeamMember.objects.bulk_create(
        TeamMember(acceptance=acceptance, user=user) for user in team if user.pk not in present
    )
    acceptance.team_members.update(is_lead=False)
    acceptance.team_members.filter(user_id=lead.pk).update(is_lead=True)
    acceptance.visited_on = visited_on
    acceptance.disagreement_margin = margin
    acceptance.save(update_fields=["visited_on", "disagreement_margin"])
    _event(
        acceptance,
        by=by,
        verb=Verb.CHANGE_ACCEPTANCE,
        summary=f"{visited_on:%Y-%m-%d}，{_team_names(team, lead)}，分歧阈值 {margin} 分",
    )
    return acceptance


# An inspector's own scores ------------------------------------------------------------------


def _parse_inspection(entry, name: str, raw: str):
    if name == "check_method":
        value = (raw or "").strip()
        if value and value not in CheckMethod.values:
            raise ValidationError("请选择考核方式。")
        return value
    if name == "note":
        return (raw or "").strip()
    return parse_entry(entry, name, raw)


def save_inspector_score(
    *,
    acceptance: Acceptance,
    indicator: Indicator,
    by,
    raw: dict[str, str],
    entered_at: datetime.datetime | None = None,
) -> InspectorScore:
    """Save what one inspector typed for one indicator (any of `INSPECTION_FIELDS`, as text).

    Idempotent: the same values sent twice (a phone's queue retried) leave one row unchanged.
    `entered_at` is when the inspector typed it (the phone's clock); a write older than the one
    stored — a queue sent late after a newer entry arrived — changes nothing. Every field is
    parsed on its own: the good ones are saved (committed) and the bad ones then raise together
    as a `ValidationError` keyed by field.
    """
    with transaction.atomic():
        acceptance = _locked(acceptance)
        _require(policies.cannot_score(by, acceptance))
        _belongs(acceptance, indicator)
        entry = entry_for(indicator, campaign_span(acceptance.site.campaign))
        row, _ = InspectorScore.objects.get_or_create(
            acceptance=acceptance, inspector=by, indicator=indicator
        )
        if entered_at is not None and row.entered_at is not None and entered_at < row.entered_at:
            return row
        errors: dict[str, list[str]] = {}
        changed = []
        allowed = {*entry.fields, "check_method", "note"}
        for name in INSPECTION_FIELDS:
            if name not in raw or name not in allowed:
                continue
            try:
                value = _parse_inspection(entry, name, raw[name])
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
        if entered_at is not None and row.entered_at != entered_at:
            row.entered_at = entered_at
            changed.append("entered_at")
        if changed:
            row.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if errors:
        raise ValidationError(errors)
    return row


@transaction.atomic
def save_inspection_photo(
    *, acceptance: Acceptance, indicator: Indicator, by, file: UploadedFile
) -> InspectorScore:
    """A photo of what the inspector saw (JPEG or PNG, checked by content and size)."""
    acceptance = _locked(acceptance)
    _require(policies.cannot_score(by, acceptance))
    _belongs(acceptance, indicator)
    check_upload(file, IMAGE_EXTENSIONS)
    row, _ = InspectorScore.objects.get_or_create(acceptance=acceptance, inspector=by, indicator=indicator)
    old = row.photo.name if row.photo else ""
    row.photo = file
    row.save(update_fields=["photo", "updated_at"])
    if old:
        storage = row.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return row


def missing_own_scores(acceptance: Acceptance, user) -> list[Indicator]:
    """The indicators this inspector has not answered yet (or without a check method)."""
    from ..acceptance_sheet import framework_indicators

    span = campaign_span(acceptance.site.campaign)
    rows = {s.indicator_id: s for s in InspectorScore.objects.filter(acceptance=acceptance, inspector=user)}
    missing = []
    for indicator in framework_indicators(acceptance.site.campaign_id):
        row = rows.get(indicator.pk)
        entry = entry_for(indicator, span)
        if row is None or not row.check_method or not answered(entry, row):
            missing.append(indicator)
    return missing


def answered(entry, row: InspectorScore) -> bool:
    """Whether an inspector's row answers its entry (the veto question included)."""
    if entry.asks_veto and row.occurred is None:
        return False
    if entry.kind in ("score",):
        return row.score is not None
    if entry.kind == "level":
        return bool(row.level)
    if entry.kind == "count":
        return row.count is not None
    return row.occurred is not None


@transaction.atomic
def submit_inspection(*, acceptance: Acceptance, by) -> TeamMember:
    """An inspector submits their own scores: every indicator answered, with a check method.
    From then on they see the others' scores and can no longer change their own."""
    acceptance = _locked(acceptance)
    member = TeamMember.objects.select_for_update().filter(acceptance=acceptance, user_id=by.pk).first()
    _require(policies.cannot_submit_scores(by, acceptance))
    missing = missing_own_scores(acceptance, by)
    if missing:
        raise LifecycleError(
            [
                f"还有 {len(missing)} 项未评分或未选考核方式：",
                *(f"{i.code} {i.text[:30]}" for i in missing[:10]),
            ]
        )
    member.submitted_at = timezone.now()
    member.save(update_fields=["submitted_at"])
    _event(acceptance, by=by, verb=Verb.SUBMIT_INSPECTION, target=member, summary=f"{member.user} 提交评分")
    return member


# The lead: agreed scores, findings, rectification items ----------------------------------------


@transaction.atomic
def agree_score(
    *,
    acceptance: Acceptance,
    indicator: Indicator,
    by,
    score: str,
    reason: str,
    occurred: bool | None = None,
) -> AgreedScore:
    """The lead (or the 组织部) records the agreed score of an indicator the team differs on,
    with the reason; it may be changed until signing."""
    from ..acceptance_sheet import acceptance_sheet

    acceptance = _locked(acceptance)
    _require(policies.cannot_agree_score(by, acceptance))
    _belongs(acceptance, indicator)
    row = acceptance_sheet(acceptance).row(indicator.pk)
    if row.marks.status == "PENDING":
        raise LifecycleError(f"“{indicator.code}”还有组员未评分，全部组员评分后才能判断是否需要议定。")
    if row.marks.status == "CONSISTENT":
        raise LifecycleError(f"“{indicator.code}”的组员评分相差未超过阈值，按平均分计，无须议定。")
    errors = {}
    try:
        value = _decimal(score, "议定得分")
    except ValidationError as error:
        errors["score"] = error.messages
        value = None
    if value is None and "score" not in errors:
        errors["score"] = ["请填写议定得分。"]
    elif value is not None and value > indicator.max_score:
        errors["score"] = [f"议定得分不能超过本项分值 {indicator.max_score.normalize():f} 分。"]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["请写明议定理由，报告中将列出。"]
    if indicator.is_veto and occurred is None:
        errors["occurred"] = ["请议定是否发生否决情形。"]
    if errors:
        raise ValidationError(errors)
    agreed, _ = AgreedScore.objects.update_or_create(
        acceptance=acceptance,
        indicator=indicator,
        defaults={"score": value, "reason": reason, "decided_by": by, "occurred": occurred},
    )
    veto = "，发生否决情形" if occurred else ""
    _event(
        acceptance,
        by=by,
        verb=Verb.AGREE_SCORE,
        target=agreed,
        summary=f"{indicator.code} 议定 {value.normalize():f} 分{veto}：{reason}",
    )
    return agreed


@transaction.atomic
def record_findings(*, acceptance: Acceptance, by, findings: str) -> Acceptance:
    """The lead (or the 组织部) writes the team's findings (验收意见)."""
    acceptance = _locked(acceptance)
    _require(policies.cannot_record_findings(by, acceptance))
    findings = (findings or "").strip()
    if findings == acceptance.findings:
        return acceptance
    acceptance.findings = findings
    acceptance.save(update_fields=["findings"])
    _event(acceptance, by=by, verb=Verb.RECORD_FINDINGS, summary=findings[:200] or "清空验收意见")
    return acceptance


@transaction.atomic
def raise_acceptance_rectification(
    *,
    acceptance: Acceptance,
    by,
    description: str,
    owner: str,
    due_on: datetime.date,
    today: datetime.date | None = None,
) -> Rectification:
    """A rectification item found on site (owner, due date): it joins the site's 整改 loop
    (`campaigns.services.raise_rectification`, source 现场验收) and the acceptance's list."""
    acceptance = _locked(acceptance)
    _require(policies.cannot_record_findings(by, acceptance))
    errors = {}
    if not (description or "").strip():
        errors["description"] = ["请填写整改事项。"]
    if due_on is None:
        errors["due_on"] = ["请填写整改时限。"]
    elif due_on < (today or timezone.localdate()):
        errors["due_on"] = ["整改时限不能早于今天。"]
    if errors:
        raise ValidationError(errors)
    item = raise_rectification(
        site=acceptance.site,
        by=by,
        description=description,
        owner=owner or "",
        due_on=due_on,
        source=Rectification.Source.ACCEPTANCE,
    )
    acceptance.rectifications.add(item)
    return item


# Signing --------------------------------------------------------------------------------------


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The last day of a period of `days` working days (Monday–Friday) starting on `start`
    (or on the next working day when `start` falls on a weekend). Public holidays are not known
    to the system; the 组织部 sees the end date before it publishes."""
    day = start
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    counted = 1
    while counted < max(days, 1):
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


@transaction.atomic
def sign_acceptance(
    *, acceptance: Acceptance, by, verdict: str, today: datetime.date | None = None
) -> Acceptance:
    """The lead signs the result: once.

    Freezes the record (every later write is refused), stores the composite and its parts, moves
    the site to 验收通过 / 限期整改 / 未通过 through the lifecycle service (transition and audit
    event), opens the 公示 period from the next day for the campaign's number of working days, and
    enqueues the report after commit.
    """
    from ..acceptance_sheet import acceptance_sheet

    acceptance = _locked(acceptance)
    _require(policies.cannot_sign_acceptance(by, acceptance))
    sheet = acceptance_sheet(acceptance, today=today)
    if sheet.missing:
        raise LifecycleError(["还不能签署：", *sheet.missing])
    composite = sheet.composite
    if verdict not in composite.verdicts:
        allowed = "、".join(str(Acceptance.Verdict(v).label) for v in composite.verdicts)
        raise LifecycleError(f"综合得分 {composite.total}，验收结论只能是：{allowed}。")
    now = timezone.now()
    day = today or timezone.localdate()
    acceptance.self_part = composite.self_part
    acceptance.public_part = composite.public_part
    acceptance.inspection_part = composite.inspection_part
    acceptance.bonus_part = composite.bonus
    acceptance.composite_score = composite.total
    acceptance.vetoed = composite.vetoed
    acceptance.verdict = verdict
    acceptance.signed_at = now
    acceptance.signed_by = by
    acceptance.publicity_starts_on = add_working_days(day + datetime.timedelta(days=1), 1)
    acceptance.publicity_ends_on = add_working_days(
        acceptance.publicity_starts_on, acceptance.site.campaign.publicity_days
    )
    acceptance.save(
        update_fields=[
            "self_part",
            "public_part",
            "inspection_part",
            "bonus_part",
            "composite_score",
            "vetoed",
            "verdict",
            "signed_at",
            "signed_by",
            "publicity_starts_on",
            "publicity_ends_on",
        ]
    )
    acceptance.team_members.filter(user_id=by.pk).update(signed_at=now)
    label = Acceptance.Verdict(verdict).label
    _event(
        acceptance,
        by=by,
        verb=Verb.SIGN_ACCEPTANCE,
        summary=f"综合得分 {composite.total}，{label}；公示至 {acceptance.publicity_ends_on:%Y-%m-%d}",
    )
    record_verdict(site=acceptance.site, by=by, verdict=verdict, note=f"综合得分 {composite.total}")
    pk = acceptance.pk
    transaction.on_commit(lambda: _enqueue_report(pk))
    return acceptance


def _enqueue_report(pk: int) -> None:
    from ..tasks import render_acceptance_report

    render_acceptance_report.delay(pk)
