"""Writes for what a site and a campaign keep during the campaign.

The site's plan, leading group, work schedule and funding; the campaign-wide schedule;
supervision visits and rectification; typical cases. Like the lifecycle services, each
function checks the actor through `campaigns.policies`, validates, saves, and records an
audit event in the same transaction; a refusal raises `LifecycleError` in Chinese.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from organizations.models import Verb, record_event

from .. import policies
from ..models import (
    Campaign,
    Funding,
    LeadingGroupMember,
    Phase,
    Rectification,
    Site,
    SupervisionVisit,
    TypicalCase,
    WorkItem,
    validate_phases,
)
from .lifecycle import LifecycleError

R = Rectification.Status


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise LifecycleError(message)


def _changes(instance: models.Model, fields: dict) -> list[str]:
    """Apply `fields` to `instance`; return a “字段：旧 → 新” line for each that changed."""
    lines = []
    for name, value in fields.items():
        before = getattr(instance, name)
        if before == value:
            continue
        field = instance._meta.get_field(name)
        setattr(instance, name, value)
        if isinstance(field, models.FileField):
            lines.append(f"{field.verbose_name}：已更新")
        elif field.choices:
            lines.append(f"{field.verbose_name}：{getattr(instance, f'get_{name}_display')()}")
        elif isinstance(field, models.TextField):
            lines.append(f"{field.verbose_name}：已修改")
        else:
            lines.append(f"{field.verbose_name}：{before or '—'} → {value or '—'}")
    return lines


def _save(
    instance: models.Model, fields: dict, *, by, site: Site, verb: str, target_label: str
) -> models.Model:
    """Validate and save `instance` with `fields`, recording what changed on the site's history."""
    creating = instance.pk is None
    lines = _changes(instance, fields)
    if not creating and not lines:
        return instance
    instance.full_clean()
    instance.save()
    summary = f"{target_label}" if creating else f"{target_label}：{'；'.join(lines)}"
    record_event(
        actor=by, verb=verb, target=instance, organization=site.organization, summary=summary, subject=site
    )
    return instance


# The site's plan ---------------------------------------------------------------------------


@transaction.atomic
def update_site_plan(
    *, site: Site, by, plan: str, highlights: str, plan_file: UploadedFile | None = None
) -> Site:
    """The 创建方案 (text and/or an attached file) and the site's 特色."""
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以修改创建方案（活动进行中）。")
    fields = {"plan": plan.strip(), "highlights": highlights.strip()}
    if plan_file is not None:
        fields["plan_file"] = plan_file
    lines = _changes(site, fields)
    if not lines:
        return site
    site.full_clean()
    site.save(update_fields=list(fields))
    record_event(
        actor=by, verb=Verb.UPDATE_PLAN, target=site, organization=site.organization, summary="；".join(lines)
    )
    return site


# Leading group -----------------------------------------------------------------------------


@transaction.atomic
def save_leading_group_member(
    *, site: Site, by, member: LeadingGroupMember | None = None, **fields
) -> LeadingGroupMember:
    """Add (member=None) or change one member of the 领导小组."""
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以维护领导小组。")
    instance = member or LeadingGroupMember(site=site)
    verb = Verb.CHANGE_LEADER if member else Verb.ADD_LEADER
    return _save(
        instance, fields, by=by, site=site, verb=verb, target_label=f"{fields.get('name') or instance.name}"
    )


@transaction.atomic
def remove_leading_group_member(*, member: LeadingGroupMember, by) -> None:
    site = member.site
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以维护领导小组。")
    label = f"{member.get_position_display()} {member.name}"
    record_event(
        actor=by,
        verb=Verb.REMOVE_LEADER,
        target=member,
        organization=site.organization,
        summary=label,
        subject=site,
    )
    member.delete()


# Work schedule -----------------------------------------------------------------------------


def _require_schedule_editor(by, campaign: Campaign, site: Site | None) -> None:
    if site is None:
        _require(policies.may_manage_campaign(by, campaign), "只有组织部可以维护全活动的工作安排。")
    else:
        _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以维护示范点的工作安排。")


def _schedule_event(item: WorkItem, *, by, verb: str, summary: str) -> None:
    organization = item.site.organization if item.site_id else item.campaign.organizer
    subject = item.site if item.site_id else item.campaign
    record_event(
        actor=by, verb=verb, target=item, organization=organization, summary=summary, subject=subject
    )


@transaction.atomic
def save_work_item(
    *, campaign: Campaign, by, site: Site | None = None, item: WorkItem | None = None, **fields
) -> WorkItem:
    """Add (item=None) or change one 工作安排 of a site, or campaign-wide when `site` is None.

    Marking an item 已完成 without a date takes today's.
    """
    _require_schedule_editor(by, campaign, site)
    if fields.get("status") == WorkItem.Status.DONE and not fields.get("done_on"):
        fields["done_on"] = (item.done_on if item else None) or timezone.localdate()
    if fields.get("status") and fields["status"] != WorkItem.Status.DONE:
        fields["done_on"] = None
    instance = item or WorkItem(campaign=campaign, site=site)
    creating = instance.pk is None
    lines = _changes(instance, fields)
    if not creating and not lines:
        return instance
    instance.full_clean()
    instance.save()
    verb = Verb.ADD_WORK_ITEM if creating else Verb.CHANGE_WORK_ITEM
    _schedule_event(
        instance,
        by=by,
        verb=verb,
        summary=instance.title if creating else f"{instance.title}：{'；'.join(lines)}",
    )
    return instance


@transaction.atomic
def complete_work_item(*, item: WorkItem, by, done_on: datetime.date | None = None) -> WorkItem:
    return save_work_item(
        campaign=item.campaign, site=item.site, item=item, by=by, status=WorkItem.Status.DONE, done_on=done_on
    )


@transaction.atomic
def remove_work_item(*, item: WorkItem, by) -> None:
    _require_schedule_editor(by, item.campaign, item.site)
    _schedule_event(item, by=by, verb=Verb.REMOVE_WORK_ITEM, summary=item.title)
    item.delete()


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.message}"


class ImportRefused(LifecycleError):
    """An import with bad rows: nothing was saved; `rows` lists every bad row."""

    def __init__(self, rows: list[RowError]):
        self.rows = rows
        super().__init__([str(r) for r in rows])


def _labelled(error: ValidationError) -> list[str]:
    """“字段：错误” for each message of a WorkItem's validation error."""
    return [
        m if name == "__all__" else f"{WorkItem._meta.get_field(name).verbose_name}：{m}"
        for name, messages in error.message_dict.items()
        for m in messages
    ]


@transaction.atomic
def import_work_items(
    *,
    campaign: Campaign,
    by,
    rows: Iterable[dict],
    site: Site | None = None,
    first_row: int = 2,
    row_numbers: Sequence[int] | None = None,
    errors: Iterable[RowError] = (),
) -> list[WorkItem]:
    """All-or-nothing import of 工作安排 rows (dicts of model field values, already parsed).

    Every bad row is reported with its spreadsheet row number (the first data row is
    `first_row`, or each row's number is given in `row_numbers` when they are not consecutive,
    e.g. blank rows skipped); if any is bad, nothing is saved. `errors` are rows the caller
    already found bad while reading the file: they are reported together with the rest.
    """
    _require_schedule_editor(by, campaign, site)
    items, bad = [], list(errors)
    numbers = itertools.count(first_row) if row_numbers is None else row_numbers
    for number, row in zip(numbers, rows, strict=row_numbers is not None):
        fields = dict(row)
        if fields.get("status") == WorkItem.Status.DONE and not fields.get("done_on"):
            fields["done_on"] = timezone.localdate()
        item = WorkItem(campaign=campaign, site=site, **fields)
        try:
            item.full_clean()
        except ValidationError as error:
            bad.append(RowError(number, "；".join(_labelled(error))))
            continue
        items.append(item)
    if bad:
        raise ImportRefused(sorted(bad, key=lambda error: error.row))
    WorkItem.objects.bulk_create(items)
    subject = site or campaign
    organization = site.organization if site else campaign.organizer
    record_event(
        actor=by,
        verb=Verb.IMPORT_WORK_ITEMS,
        target=subject,
        organization=organization,
        summary=f"{len(items)} 项",
        subject=subject,
    )
    return items


# Funding -----------------------------------------------------------------------------------


@transaction.atomic
def save_funding(*, site: Site, by, funding: Funding | None = None, **fields) -> Funding:
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以登记经费。")
    instance = funding or Funding(site=site)
    verb = Verb.CHANGE_FUNDING if funding else Verb.ADD_FUNDING
    source = fields.get("source") or instance.source
    label = str(Funding(source=source, amount=fields.get("amount", instance.amount)))
    return _save(instance, fields, by=by, site=site, verb=verb, target_label=label)


@transaction.atomic
def remove_funding(*, funding: Funding, by) -> None:
    site = funding.site
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以登记经费。")
    record_event(
        actor=by,
        verb=Verb.REMOVE_FUNDING,
        target=funding,
        organization=site.organization,
        summary=str(funding),
        subject=site,
    )
    funding.delete()


# Supervision and rectification -------------------------------------------------------------


# A site is supervised once it has been approved: a nomination still undecided, withdrawn or
# rejected is not (yet) a site under construction.
SUPERVISED_STATUSES = frozenset(Site.HOLDING_STATUSES) - {Site.Status.NOMINATED}


def _require_supervised(site: Site, action: str) -> None:
    if site.status not in SUPERVISED_STATUSES:
        raise LifecycleError(f"示范点当前为“{site.get_status_display()}”，批准创建后才能{action}。")


@transaction.atomic
def record_supervision_visit(
    *,
    site: Site,
    by,
    visited_on: datetime.date,
    method: str,
    findings: str,
    rectifications: Iterable[dict] = (),
) -> SupervisionVisit:
    """督导: a visit to a site by the 组织部 or its 党委, with what was found.

    `rectifications` (dicts of `description`, `owner`, `due_on`) are raised from the visit in
    the same transaction: all are saved or none.
    """
    _require(policies.may_supervise(by, site), "只有组织部或申报党委可以记录督导。")
    _require_supervised(site, "记录督导")
    visit = SupervisionVisit(
        site=site, visited_on=visited_on, method=method, findings=findings.strip(), recorded_by=by
    )
    visit.full_clean()
    visit.save()
    record_event(
        actor=by,
        verb=Verb.RECORD_SUPERVISION,
        target=visit,
        organization=site.organization,
        summary=f"{visit.get_method_display()}（{visited_on:%Y-%m-%d}）",
        subject=site,
    )
    for fields in rectifications:
        raise_rectification(site=site, by=by, visit=visit, **fields)
    return visit


@transaction.atomic
def raise_rectification(
    *,
    site: Site,
    by,
    description: str,
    owner: str,
    due_on: datetime.date,
    source: str = Rectification.Source.SUPERVISION,
    visit: SupervisionVisit | None = None,
) -> Rectification:
    """An item to put right (整改), with its owner and due date."""
    _require(policies.may_supervise(by, site), "只有组织部或申报党委可以提出整改事项。")
    if source == Rectification.Source.SUPERVISION:
        _require_supervised(site, "提出整改事项")
    if visit is not None and visit.site_id != site.pk:
        raise LifecycleError("督导记录不属于该示范点。")
    item = Rectification(
        site=site,
        source=source,
        supervision_visit=visit,
        description=description.strip(),
        owner=owner.strip(),
        due_on=due_on,
    )
    item.full_clean()
    item.save()
    record_event(
        actor=by,
        verb=Verb.RAISE_RECTIFICATION,
        target=item,
        organization=site.organization,
        summary=f"{item}（{owner or '未定责任人'}，{due_on:%Y-%m-%d} 前）",
        subject=site,
    )
    return item


@transaction.atomic
def answer_rectification(
    *, item: Rectification, by, response: str, evidence: UploadedFile | None = None
) -> Rectification:
    """The branch reports what it did (整改情况), optionally with an evidence file."""
    site = item.site
    _require(policies.may_edit_site(by, site), "只有本支部书记或申报党委可以反馈整改情况。")
    if item.status == R.CLOSED:
        raise LifecycleError("该整改事项已销号，不能再反馈。")
    if not response.strip():
        raise LifecycleError("请填写整改情况。")
    item.response = response.strip()
    if evidence is not None:
        item.evidence = evidence
    item.status = R.ANSWERED
    item.full_clean()
    item.save(update_fields=["response", "evidence", "status"])
    record_event(
        actor=by,
        verb=Verb.ANSWER_RECTIFICATION,
        target=item,
        organization=site.organization,
        summary=str(item),
        subject=site,
    )
    return item


@transaction.atomic
def close_rectification(*, item: Rectification, by, closed_on: datetime.date | None = None) -> Rectification:
    """The supervisor accepts the answer and closes the item (销号)."""
    site = item.site
    _require(policies.may_supervise(by, site), "只有组织部或申报党委可以对整改事项销号。")
    if item.status != R.ANSWERED:
        raise LifecycleError(f"整改事项当前为“{item.get_status_display()}”，须先由支部反馈整改情况才能销号。")
    item.status = R.CLOSED
    item.closed_on = closed_on or timezone.localdate()
    item.save(update_fields=["status", "closed_on"])
    record_event(
        actor=by,
        verb=Verb.CLOSE_RECTIFICATION,
        target=item,
        organization=site.organization,
        summary=str(item),
        subject=site,
    )
    return item


@transaction.atomic
def return_rectification(*, item: Rectification, by, reason: str) -> Rectification:
    """The answer is not enough: back to 待整改, with the reason added to the record."""
    site = item.site
    _require(policies.may_supervise(by, site), "只有组织部或申报党委可以退回整改反馈。")
    if item.status != R.ANSWERED:
        raise LifecycleError(f"整改事项当前为“{item.get_status_display()}”，不能退回。")
    if not reason.strip():
        raise LifecycleError("退回须写明理由。")
    item.status = R.OPEN
    item.save(update_fields=["status"])
    record_event(
        actor=by,
        verb=Verb.RETURN_RECTIFICATION,
        target=item,
        organization=site.organization,
        summary=f"{item}：{reason.strip()}",
        subject=site,
    )
    return item


# Typical cases -----------------------------------------------------------------------------


@transaction.atomic
def select_typical_case(*, site: Site, by, title: str, summary: str, year: int | None = None) -> TypicalCase:
    """The 组织部 selects a site's experience as a 典型案例 (典型引领)."""
    _require(policies.may_manage_campaign(by, site.campaign), "只有组织部可以评选典型案例。")
    if site.status != Site.Status.PASSED:
        raise LifecycleError(f"示范点当前为“{site.get_status_display()}”，验收通过后才能评选典型案例。")
    case = TypicalCase(
        site=site,
        title=title.strip(),
        summary=summary.strip(),
        year=year or site.campaign.year,
        selected_by=by,
    )
    case.full_clean()
    case.save()
    record_event(
        actor=by,
        verb=Verb.SELECT_TYPICAL_CASE,
        target=case,
        organization=site.organization,
        summary=case.title,
        subject=site,
    )
    return case


# Campaign settings -------------------------------------------------------------------------


@transaction.atomic
def update_campaign(*, campaign: Campaign, by, phases: list | None = None, **fields) -> Campaign:
    """Change a campaign's settings and, optionally, its phase dates (validated together)."""
    _require(policies.may_manage_campaign(by, campaign), "只有组织部可以修改活动设置。")
    if campaign.status == Campaign.Status.CLOSED:
        raise LifecycleError("活动已结束，设置不能再修改。")
    lines = _changes(campaign, fields)
    campaign.full_clean()
    if phases is not None:
        existing = {p.kind: p for p in campaign.phases.all()}
        edited = []
        for spec in phases:
            phase = existing.get(spec.kind) or Phase(campaign=campaign, kind=spec.kind)
            phase_lines = _changes(
                phase, {"name": spec.name, "starts_on": spec.starts_on, "ends_on": spec.ends_on}
            )
            if phase_lines or phase.pk is None:
                lines.append(f"{phase.display_name}：{spec.starts_on:%Y-%m-%d} 至 {spec.ends_on:%Y-%m-%d}")
            edited.append(phase)
        validate_phases(edited)
        for phase in edited:
            phase.save()
    if not lines:
        return campaign
    campaign.save()
    record_event(
        actor=by,
        verb=Verb.UPDATE_CAMPAIGN,
        target=campaign,
        organization=campaign.organizer,
        summary="；".join(lines),
    )
    return campaign
