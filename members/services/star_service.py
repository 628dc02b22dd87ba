"""Writes for the star service (星级服务): service cards, households, pairings and plaques.

Each function asks `members.policies` whether the actor may, validates with `members.rules`,
saves and records an audit event in one transaction (`organization=` the branch; `subject=` the
member, or the branch for a household). A refusal raises `ValidationError` in Chinese — code
"forbidden" for the policy's reason, else a dict keyed by form field where the reason belongs
to one field, so the page shows it beside that field.

A record also keeps its 责任人 and, where the branch's star rule (the nearest up the tree)
keeps points (`StarRule.uses_points`), its 积分; a verified record is published (公示) on the
branch's board by the secretary (`publish_services`), and a record that goes back to 待核实
is no longer published.

Duplicates (疑似重复): two records of the same member, the same date and the same content
(compared trimmed) are taken for one service entered twice. Saving one is refused with
`DuplicateService` unless the person confirms (“仍然保存”); the list marks such rows and the
star board counts them once (`members.queries`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from organizations.models import Organization, Verb, record_event

from .. import policies, rules
from ..models import Household, Member, Pairing, Plaque, ServiceRecord
from ..queries import find_duplicates, nearest_star_rule


class DuplicateService(ValidationError):
    """The record looks like one already entered: same member, date and (trimmed) content.

    `duplicates` are the existing records; saving again with `confirm_duplicate=True` keeps both.
    """

    def __init__(self, message: str, *, duplicates: list[ServiceRecord]):
        super().__init__(message, code="duplicate")
        self.duplicates = duplicates


def _same_branch(branch: Organization, **rows: models.Model | None) -> None:
    """Refuse rows (member, household) that belong to another branch."""
    for field, row in rows.items():
        if row is not None and row.branch_id != branch.pk:
            raise ValidationError({field: f"“{row}”不是{branch.name}的{row._meta.verbose_name}。"})


# Service records ----------------------------------------------------------------------------


POINTS_UNUSED = "本支部的星级评定标准未实行积分制，服务记录不记积分。"


def uses_points(branch: Organization) -> bool:
    """Whether the star rule in force for `branch` keeps 积分 on service records (one query)."""
    rule = nearest_star_rule(branch)
    return rule is not None and rule.uses_points


def _check_service(
    *, branch: Organization, served_on: datetime.date, hours: Decimal, points: Decimal | None
) -> None:
    errors = {}
    if problem := rules.future_day_problem("served_on", served_on, timezone.localdate()):
        errors["served_on"] = problem
    if problem := rules.service_hours_problem(hours):
        errors["hours"] = problem
    if points is not None and not uses_points(branch):
        errors["points"] = POINTS_UNUSED
    if errors:
        raise ValidationError(errors)


def _duplicate_message(member: Member, served_on: datetime.date, count: int) -> str:
    return (
        f"{member.name}在 {served_on:%Y-%m-%d} 已有 {count} 条内容相同的服务记录，可能是重复录入。"
        "同一次服务只记一次；如果确实是另一次服务，请点“仍然保存”。"
    )


def _fields_summary(record: ServiceRecord) -> str:
    household = f"，服务对象{record.household.name}" if record.household else ""
    responsible = f"，责任人{record.responsible}" if record.responsible else ""
    points = f"，{record.points} 分" if record.points is not None else ""
    return (
        f"{record.served_on:%Y-%m-%d} {record.place}：{record.content}"
        f"（{record.hours} 小时{points}{household}{responsible}）"
    )


@transaction.atomic
def record_service(
    *,
    branch: Organization,
    by,
    member: Member,
    served_on: datetime.date,
    place: str,
    content: str,
    hours: Decimal,
    household: Household | None = None,
    feedback: str = "",
    responsible: str = "",
    points: Decimal | None = None,
    confirm_duplicate: bool = False,
) -> ServiceRecord:
    """Enter one service from a member's 星级服务卡; it counts toward stars once verified.

    `points` only where the branch's star rule keeps points. Raises `DuplicateService` when it
    looks already entered, unless `confirm_duplicate`.
    """
    if reason := policies.cannot_record_services(by, branch):
        raise ValidationError(reason, code="forbidden")
    _same_branch(branch, member=member, household=household)
    _check_service(branch=branch, served_on=served_on, hours=hours, points=points)
    content = content.strip()
    duplicates = find_duplicates(member=member, served_on=served_on, content=content)
    if duplicates and not confirm_duplicate:
        raise DuplicateService(_duplicate_message(member, served_on, len(duplicates)), duplicates=duplicates)
    record = ServiceRecord(
        member=member,
        served_on=served_on,
        place=place.strip(),
        content=content,
        household=household,
        hours=hours,
        feedback=feedback.strip(),
        responsible=responsible.strip(),
        points=points,
    )
    record.full_clean()
    record.save()
    note = "（确认保存，与已有记录疑似重复）" if duplicates else ""
    record_event(
        actor=by,
        verb=Verb.RECORD_SERVICE,
        target=record,
        organization=branch,
        summary=f"{member.name} {_fields_summary(record)}{note}",
        subject=member,
    )
    return record


@transaction.atomic
def update_service(
    *,
    record: ServiceRecord,
    by,
    member: Member,
    served_on: datetime.date,
    place: str,
    content: str,
    hours: Decimal,
    household: Household | None = None,
    feedback: str = "",
    responsible: str = "",
    points: Decimal | None = None,
    confirm_duplicate: bool = False,
) -> ServiceRecord:
    """Change a service record. A verified record changed by someone who may not verify goes
    back to 待核实 (the secretary checks it again) and is no longer published; the secretary's
    own change stays verified. Where the branch keeps no points, `points` is left out (None)
    and whatever the record holds is kept."""
    branch = record.member.branch
    if reason := policies.cannot_record_services(by, branch):
        raise ValidationError(reason, code="forbidden")
    _same_branch(branch, member=member, household=household)
    _check_service(branch=branch, served_on=served_on, hours=hours, points=points)
    keeps_points = points is not None or uses_points(branch)
    content = content.strip()
    identity_changed = (member.pk, served_on, content) != (
        record.member_id,
        record.served_on,
        record.content.strip(),
    )
    duplicates = (
        find_duplicates(member=member, served_on=served_on, content=content, exclude=record)
        if identity_changed
        else []
    )
    if duplicates and not confirm_duplicate:
        raise DuplicateService(_duplicate_message(member, served_on, len(duplicates)), duplicates=duplicates)
    before = (record.member_id, _fields_summary(record), record.feedback)
    before_member = record.member
    record.member = member
    record.served_on = served_on
    record.place = place.strip()
    record.content = content
    record.household = household
    record.hours = hours
    record.feedback = feedback.strip()
    record.responsible = responsible.strip()
    if keeps_points:
        record.points = points
    after = (member.pk, _fields_summary(record), record.feedback)
    if before == after:
        return record
    lines = []
    if before[0] != after[0]:
        lines.append(f"党员：{before_member.name} → {member.name}")
    if before[1] != after[1]:
        lines.append(f"{before[1]} → {after[1]}")
    if before[2] != after[2]:
        lines.append("服务反馈已修改")
    was_verified = record.verified_at is not None
    if was_verified:
        if policies.cannot_verify_services(by, branch) is None:
            record.verified_by = by
            record.verified_at = timezone.now()
        else:
            record.verified_by = None
            record.verified_at = None
            lines.append("修改后待支部书记重新核实")
            if record.published_on is not None:
                record.published_on = None
                lines.append("撤下公示，核实后需重新公示")
    if duplicates:
        lines.append("确认保存，与已有记录疑似重复")
    record.full_clean()
    record.save()
    record_event(
        actor=by,
        verb=Verb.CHANGE_SERVICE,
        target=record,
        organization=branch,
        summary=f"{member.name}：{'；'.join(lines)}",
        subject=member,
    )
    return record


@transaction.atomic
def verify_services(*, branch: Organization, by, records: Iterable[ServiceRecord]) -> list[ServiceRecord]:
    """The branch secretary verifies service records (one or a checked batch); only verified
    records count toward stars. Records already verified are left as they are; the ones this
    call verified are returned."""
    if reason := policies.cannot_verify_services(by, branch):
        raise ValidationError(reason, code="forbidden")
    records = list(records)
    for record in records:
        if record.member.branch_id != branch.pk:
            raise ValidationError(f"“{record}”不是{branch.name}的服务记录。")
    pending = [r for r in records if r.verified_at is None]
    if not pending:
        return []
    now = timezone.now()
    # One guarded UPDATE: a row another request verified meanwhile is not stamped twice.
    ServiceRecord.objects.filter(pk__in=[r.pk for r in pending], verified_at__isnull=True).update(
        verified_by=by, verified_at=now
    )
    for record in pending:
        record.verified_by = by
        record.verified_at = now
        record_event(
            actor=by,
            verb=Verb.VERIFY_SERVICE,
            target=record,
            organization=branch,
            summary=f"{record.member.name} {_fields_summary(record)}",
            subject=record.member,
        )
    return pending


@transaction.atomic
def publish_services(
    *, branch: Organization, by, records: Iterable[ServiceRecord], on: datetime.date | None = None
) -> list[ServiceRecord]:
    """公示: the branch secretary marks verified records as published on the board on `on`
    (today when not given). Only verified records may be published; those already published
    keep their date. The ones this call published are returned, each with an audit event."""
    if reason := policies.cannot_verify_services(by, branch):
        raise ValidationError(reason, code="forbidden")
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError("公示日期不能晚于今天。")
    records = list(records)
    for record in records:
        if record.member.branch_id != branch.pk:
            raise ValidationError(f"“{record}”不是{branch.name}的服务记录。")
    unverified = [r for r in records if r.verified_at is None]
    if unverified:
        raise ValidationError(f"有 {len(unverified)} 条记录尚未核实：只有已核实的服务记录才能公示。")
    pending = [r for r in records if r.published_on is None]
    if not pending:
        return []
    # The rows still unpublished and verified, locked: a record published (or sent back to
    # 待核实) meanwhile is left alone, and two presses at once publish (and record) each once.
    still = set(
        ServiceRecord.objects.select_for_update()
        .filter(pk__in=[r.pk for r in pending], published_on__isnull=True, verified_at__isnull=False)
        .values_list("pk", flat=True)
    )
    ServiceRecord.objects.filter(pk__in=still).update(published_on=day)
    pending = [r for r in pending if r.pk in still]
    for record in pending:
        record.published_on = day
        record_event(
            actor=by,
            verb=Verb.PUBLISH_SERVICE,
            target=record,
            organization=branch,
            summary=f"{record.member.name} {_fields_summary(record)}：{day:%Y-%m-%d} 公示",
            subject=record.member,
        )
    return pending


@transaction.atomic
def remove_service(*, record: ServiceRecord, by) -> None:
    """Delete a record entered by mistake (a duplicate, say). A verified record counts toward
    stars, so only someone who may verify (the secretary) removes it."""
    branch = record.member.branch
    if reason := policies.cannot_remove_service(by, record):
        raise ValidationError(reason, code="forbidden")
    member, summary = record.member, f"{record.member.name} {_fields_summary(record)}"
    record_event(
        actor=by,
        verb=Verb.REMOVE_SERVICE,
        target=record,
        organization=branch,
        summary=summary,
        subject=member,
    )
    record.delete()


# Households ------------------------------------------------------------------------------


@transaction.atomic
def save_household(
    *,
    branch: Organization,
    by,
    household: Household | None = None,
    name: str,
    category: str,
    needs: str = "",
    address: str = "",
    phone: str = "",
) -> Household:
    """Register (household=None) or change a 帮扶对象 of the branch."""
    if reason := policies.cannot_keep_households(by, branch):
        raise ValidationError(reason, code="forbidden")
    if household is not None and household.branch_id != branch.pk:
        raise ValidationError(f"“{household}”不是{branch.name}的帮扶对象。")
    instance = household or Household(branch=branch)
    values = {
        "name": name.strip(),
        "category": category,
        "needs": needs.strip(),
        "address": address.strip(),
        "phone": phone.strip(),
    }
    lines = []
    for field_name, value in values.items():
        before = getattr(instance, field_name)
        if before == value:
            continue
        setattr(instance, field_name, value)
        if field_name == "category":
            before, value = (
                Household.Category(before).label if before else "",
                instance.get_category_display(),
            )
        lines.append(
            f"{Household._meta.get_field(field_name).verbose_name}：{before or '—'} → {value or '—'}"
        )
    if household is not None and not lines:
        return household
    instance.full_clean()
    instance.save()
    record_event(
        actor=by,
        verb=Verb.CHANGE_HOUSEHOLD if household else Verb.ADD_HOUSEHOLD,
        target=instance,
        organization=branch,
        summary=str(instance) if household is None else f"{instance}：{'；'.join(lines)}",
        subject=branch,
    )
    return instance


# Pairings ----------------------------------------------------------------------------------


@transaction.atomic
def pair_member(
    *,
    branch: Organization,
    by,
    member: Member,
    household: Household,
    started_on: datetime.date | None = None,
) -> Pairing:
    """Pair a member with a household (结对帮扶): at most `rules.MAX_PAIRINGS_PER_MEMBER` households
    per member (the village plan's 1—2)."""
    if reason := policies.cannot_keep_households(by, branch):
        raise ValidationError(reason, code="forbidden")
    _same_branch(branch, member=member, household=household)
    # Lock the member's row so two pairings saved at once cannot both pass the limit.
    Member.objects.select_for_update().filter(pk=member.pk).exists()
    current = list(Pairing.objects.filter(member=member).select_related("household").order_by("id"))
    if any(p.household_id == household.pk for p in current):
        raise ValidationError({"household": f"{member.name}已经与{household.name}结对。"})
    if len(current) >= rules.MAX_PAIRINGS_PER_MEMBER:
        names = "、".join(p.household.name for p in current)
        raise ValidationError(
            {
                "member": f"按村级方案“{rules.PAIRING_RULE}”，"
                f"每位党员最多结对 {rules.MAX_PAIRINGS_PER_MEMBER} 户；"
                f"{member.name}已结对{names}，不能再结对第三户；如需改结对象，请先解除原有结对。"
            }
        )
    pairing = Pairing(member=member, household=household, started_on=started_on)
    pairing.full_clean()
    pairing.save()
    record_event(
        actor=by,
        verb=Verb.PAIR,
        target=pairing,
        organization=branch,
        summary=f"{member.name} ↔ {household}" + (f"，{started_on:%Y-%m-%d} 起" if started_on else ""),
        subject=member,
    )
    return pairing


@transaction.atomic
def unpair_member(*, pairing: Pairing, by) -> None:
    """End a pairing (解除结对)."""
    member = pairing.member
    branch = member.branch
    if reason := policies.cannot_keep_households(by, branch):
        raise ValidationError(reason, code="forbidden")
    record_event(
        actor=by,
        verb=Verb.UNPAIR,
        target=pairing,
        organization=branch,
        summary=f"{member.name} ↔ {pairing.household}",
        subject=member,
    )
    pairing.delete()


# Plaques -----------------------------------------------------------------------------------


@transaction.atomic
def award_plaque(
    *,
    branch: Organization,
    by,
    member: Member,
    title: str,
    method: str,
    year: int,
    awarded_on: datetime.date | None = None,
) -> Plaque:
    """挂牌: award a member a title for a year, chosen by 群众推荐、党员自荐 or 支部评选.
    One plaque per member, title and year."""
    if reason := policies.cannot_award_plaques(by, branch):
        raise ValidationError(reason, code="forbidden")
    _same_branch(branch, member=member)
    if problems := rules.plaque_problems(year, awarded_on, timezone.localdate()):
        raise ValidationError(problems)
    label = Plaque.Title(title).label
    if Plaque.objects.filter(member=member, title=title, year=year).exists():
        raise ValidationError({"title": f"{member.name}已有{year}年度“{label}”挂牌，同一称号每年只挂一次。"})
    plaque = Plaque(member=member, title=title, method=method, year=year, awarded_on=awarded_on)
    plaque.full_clean()
    plaque.save()
    record_event(
        actor=by,
        verb=Verb.AWARD_PLAQUE,
        target=plaque,
        organization=branch,
        summary=f"{year}年度“{label}” {member.name}（{plaque.get_method_display()}）",
        subject=member,
    )
    return plaque


@transaction.atomic
def remove_plaque(*, plaque: Plaque, by) -> None:
    """Take a plaque back (摘牌), e.g. one entered by mistake."""
    member = plaque.member
    branch = member.branch
    if reason := policies.cannot_award_plaques(by, branch):
        raise ValidationError(reason, code="forbidden")
    record_event(
        actor=by,
        verb=Verb.REVOKE_PLAQUE,
        target=plaque,
        organization=branch,
        summary=f"{plaque.year}年度“{plaque.get_title_display()}” {member.name}",
        subject=member,
    )
    plaque.delete()
