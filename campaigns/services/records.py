"""Writes for what a site and a campaign keep during the campaign.

The site's plan, leading group, work schedule and funding; the campaign-wide schedule;
supervision visits and rectification; typical cases. Like the lifecycle services, each
function asks `campaigns.policies` (a rectification's state read under its row lock first),
validates, saves, and records an audit event in the same transaction; a refusal raises
`LifecycleError` with the policy's reason.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from organizations.models import Verb, describe_changes, record_event
from spreadsheets import ImportRefused, RowError

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


def _require(reason: str | None) -> None:
    """Refuse with a policy's reason, if it gave one."""
    if reason:
        raise LifecycleError(reason)


def _site_event(site: Site, *, by, verb: str, target: models.Model, summary: str) -> None:
    """An audit event on one of a site's records, in the site's history."""
    record_event(
        actor=by, verb=verb, target=target, organization=site.organization, summary=summary, subject=site
    )


def _changes(instance: models.Model, fields: dict) -> list[str]:
    """Apply `fields` to `instance`; return a “字段：旧 → 新” line for each that changed."""
    lines = describe_changes(instance, fields)
    for name, value in fields.items():
        setattr(instance, name, value)
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
    _site_event(site, by=by, verb=verb, target=instance, summary=summary)
    return instance


# The site's plan ---------------------------------------------------------------------------


@transaction.atomic
def update_site_plan(
    *, site: Site, by, plan: str, highlights: str, plan_file: UploadedFile | None = None
) -> Site:
    """The 创建方案 (text and/or an attached file) and the site's 特色."""
    _require(policies.cannot_edit_site(by, site))
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
    _require(policies.cannot_edit_site(by, site))
    instance = member or LeadingGroupMember(site=site)
    verb = Verb.CHANGE_LEADER if member else Verb.ADD_LEADER
    return _save(
        instance, fields, by=by, site=site, verb=verb, target_label=f"{fields.get('name') or instance.name}"
    )


@transaction.atomic
def remove_leading_group_member(*, member: LeadingGroupMember, by) -> None:
    site = member.site
    _require(policies.cannot_edit_site(by, site))
    label = f"{member.get_position_display()} {member.name}"
    _site_event(site, by=by, verb=Verb.REMOVE_LEADER, target=member, summary=label)
    member.delete()


# Work schedule -----------------------------------------------------------------------------


def _require_schedule_editor(by, campaign: Campaign, site: Site | None) -> None:
    _require(policies.cannot_edit_schedule(by, campaign, site))


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

    Marking an item 已完成 without a date takes today's; a 完成日期 after today is refused
    (on the `done_on` field, for the form to show beside it).
    """
    _require_schedule_editor(by, campaign, site)
    if fields.get("status") == WorkItem.Status.DONE and not fields.get("done_on"):
        fields["done_on"] = (item.done_on if item else None) or timezone.localdate()
    if fields.get("status") and fields["status"] != WorkItem.Status.DONE:
        fields["done_on"] = None
    if reason := policies.done_on_refusal(fields.get("done_on")):
        raise LifecycleError({"done_on": reason})
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
    """标记完成, on `done_on` (today by default)."""
    _require(policies.cannot_complete_work_item(by, item, done_on=done_on))
    return save_work_item(
        campaign=item.campaign, site=item.site, item=item, by=by, status=WorkItem.Status.DONE, done_on=done_on
    )


@transaction.atomic
def remove_work_item(*, item: WorkItem, by) -> None:
    _require_schedule_editor(by, item.campaign, item.site)
    _schedule_event(item, by=by, verb=Verb.REMOVE_WORK_ITEM, summary=item.title)
    item.delete()


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
    e.g. blank rows skipped); if any is bad, nothing is saved and `spreadsheets.ImportRefused`
    lists them all. `errors` are rows the caller already found bad while reading the file: they
    are reported together with the rest.
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
        raise ImportRefused(bad)
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
    _require(policies.cannot_edit_site(by, site))
    instance = funding or Funding(site=site)
    verb = Verb.CHANGE_FUNDING if funding else Verb.ADD_FUNDING
    source = fields.get("source") or instance.source
    label = str(Funding(source=source, amount=fields.get("amount", instance.amount)))
    return _save(instance, fields, by=by, site=site, verb=verb, target_label=label)


@transaction.atomic
def remove_funding(*, funding: Funding, by) -> None:
    site = funding.site
    _require(policies.cannot_edit_site(by, site))
    _site_event(site, by=by, verb=Verb.REMOVE_FUNDING, target=funding, summary=str(funding))
    funding.delete()


# Supervision and rectification -------------------------------------------------------------


def _lock_status(item: Rectification) -> None:
    """Read the item's state as it is in the database now, holding its row until commit, so that
    an answer and a close (or two reviews) taken at once cannot both pass the policy asked next."""
    item.status = Rectification.objects.select_for_update().values_list("status", flat=True).get(pk=item.pk)


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
    _require(policies.cannot_record_supervision(by, site))
    visit = SupervisionVisit(
        site=site, visited_on=visited_on, method=method, findings=findings.strip(), recorded_by=by
    )
    visit.full_clean()
    visit.save()
    _site_event(
        site,
        by=by,
        verb=Verb.RECORD_SUPERVISION,
        target=visit,
        summary=f"{visit.get_method_display()}（{visited_on:%Y-%m-%d}）",
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
    _require(policies.cannot_raise_rectification(by, site, source))
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
    _site_event(
        site,
        by=by,
        verb=Verb.RAISE_RECTIFICATION,
        target=item,
        summary=f"{item}（{owner or '未定责任人'}，{due_on:%Y-%m-%d} 前）",
    )
    return item


@transaction.atomic
def answer_rectification(
    *, item: Rectification, by, response: str, evidence: UploadedFile | None = None
) -> Rectification:
    """The branch reports what it did (整改情况), optionally with an evidence file."""
    site = item.site
    _lock_status(item)
    _require(policies.cannot_answer_rectification(by, item))
    if not response.strip():
        raise LifecycleError("请填写整改情况。")
    item.response = response.strip()
    if evidence is not None:
        item.evidence = evidence
    item.status = R.ANSWERED
    item.answered_at = timezone.now()
    item.answered_by = by
    item.full_clean()
    item.save(update_fields=["response", "evidence", "status", "answered_at", "answered_by"])
    _site_event(site, by=by, verb=Verb.ANSWER_RECTIFICATION, target=item, summary=str(item))
    return item


@transaction.atomic
def close_rectification(*, item: Rectification, by, closed_on: datetime.date | None = None) -> Rectification:
    """The supervisor accepts the answer and closes the item (销号)."""
    site = item.site
    _lock_status(item)
    _require(policies.cannot_close_rectification(by, item))
    item.status = R.CLOSED
    item.closed_on = closed_on or timezone.localdate()
    item.closed_by = by
    item.save(update_fields=["status", "closed_on", "closed_by"])
    _site_event(site, by=by, verb=Verb.CLOSE_RECTIFICATION, target=item, summary=str(item))
    return item


@transaction.atomic
def return_rectification(*, item: Rectification, by, reason: str) -> Rectification:
    """The answer is not enough: back to 待整改, with the reason kept on the item for the branch."""
    site = item.site
    _lock_status(item)
    _require(policies.cannot_return_rectification(by, item))
    if not reason.strip():
        raise LifecycleError("退回须写明理由。")
    item.status = R.OPEN
    item.return_reason = reason.strip()
    item.returned_at = timezone.now()
    item.returned_by = by
    item.save(update_fields=["status", "return_reason", "returned_at", "returned_by"])
    _site_event(site, by=by, verb=Verb.RETURN_RECTIFICATION, target=item, summary=f"{item}：{reason.strip()}")
    return item


# Typical cases -----------------------------------------------------------------------------


@transaction.atomic
def select_typical_case(*, site: Site, by, title: str, summary: str, year: int | None = None) -> TypicalCase:
    """The 组织部 selects a site's experience as a 典型案例 (典型引领)."""
    _require(policies.cannot_select_typical_case(by, site))
    case = TypicalCase(
        site=site,
        title=title.strip(),
        summary=summary.strip(),
        year=year or site.campaign.year,
        selected_by=by,
    )
    case.full_clean()
    case.save()
    _site_event(site, by=by, verb=Verb.SELECT_TYPICAL_CASE, target=case, summary=case.title)
    return case


# Campaign settings -------------------------------------------------------------------------


@transaction.atomic
def update_campaign(*, campaign: Campaign, by, phases: list | None = None, **fields) -> Campaign:
    """Change a campaign's settings and, optionally, its phase dates (validated together)."""
    _require(policies.cannot_update_campaign(by, campaign))
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
