"""Writes for campaigns and the site lifecycle: one function per transition.

Each function asks `campaigns.policies` whether the actor may take the step now (reading the
site's state under its row lock first), changes state, and records a `SiteTransition` and an
audit event in the same transaction. Views, admin actions, imports, tasks and the demo data
all call these. A refused action raises `LifecycleError` with the policy's reason.

    NOMINATED → APPROVED | REJECTED | WITHDRAWN          (REJECTED/WITHDRAWN → NOMINATED again)
    APPROVED → SELF_ASSESSED → ACCEPTANCE_REQUESTED → PASSED | RECTIFYING | FAILED
    RECTIFYING → ACCEPTANCE_REQUESTED
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from organizations.models import Organization, Verb, record_event

from .. import policies
from ..models import Campaign, Phase, Site, SiteTransition, validate_phases


class LifecycleError(ValidationError):
    """An action refused by the rules; `message` says why, in Chinese."""


S = Site.Status


@dataclass(frozen=True)
class PhaseSpec:
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    name: str = ""


def _require(reason: str | None) -> None:
    """Refuse with a policy's reason, if it gave one."""
    if reason:
        raise LifecycleError(reason)


def _lock_status(site: Site) -> None:
    """Read the site's state as it is in the database now, holding its row until commit, so
    that two decisions taken at once cannot both pass the policy asked next."""
    site.status = Site.objects.select_for_update().values_list("status", flat=True).get(pk=site.pk)


def _record_transition(site: Site, before: str, *, by, verb: str, note: str = "") -> None:
    """The transition (data for charts) and the audit event (for people) of a status change."""
    SiteTransition.objects.create(
        site=site,
        from_status=before,
        to_status=site.status,
        at=site.status_changed_at,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    before_label = Site.Status(before).label if before else "—"
    summary = f"{before_label} → {site.get_status_display()}"
    if note:
        summary = f"{summary}；{note}"
    record_event(actor=by, verb=verb, target=site, organization=site.organization, summary=summary)


def _set_status(site: Site, status: str, *, by, verb: str, note: str = "", extra_fields=()) -> Site:
    before = site.status
    site.status = status
    site.status_changed_at = timezone.now()
    site.save(update_fields=["status", "status_changed_at", *extra_fields])
    _record_transition(site, before, by=by, verb=verb, note=note)
    return site


# Campaigns -------------------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    by,
    name: str,
    year: int,
    organizer: Organization,
    phases: list[PhaseSpec],
    quota_per_committee: int = 1,
    weight_self: int = 20,
    weight_public: int = 30,
    weight_inspection: int = 50,
    pass_score=80,
    publicity_days: int = 5,
    description: str = "",
) -> Campaign:
    """Create a draft campaign with its three phases. Only the organizer's 组织部 may."""
    _require(policies.cannot_create_campaign(by, organizer))
    campaign = Campaign(
        name=name,
        year=year,
        organizer=organizer,
        description=description,
        quota_per_committee=quota_per_committee,
        weight_self=weight_self,
        weight_public=weight_public,
        weight_inspection=weight_inspection,
        pass_score=pass_score,
        publicity_days=publicity_days,
    )
    campaign.full_clean()
    phase_objects = [
        Phase(kind=p.kind, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on) for p in phases
    ]
    validate_phases(phase_objects)
    campaign.save()
    for phase in phase_objects:
        phase.campaign = campaign
    Phase.objects.bulk_create(phase_objects)
    record_event(
        actor=by, verb=Verb.CREATE_CAMPAIGN, target=campaign, organization=organizer, summary=f"{year} 年度"
    )
    return campaign


@transaction.atomic
def activate_campaign(*, campaign: Campaign, by) -> Campaign:
    """DRAFT → ACTIVE: nominations open. The three phases must all be set."""
    campaign.status = (
        Campaign.objects.select_for_update().values_list("status", flat=True).get(pk=campaign.pk)
    )
    _require(policies.cannot_activate_campaign(by, campaign))
    campaign.status = Campaign.Status.ACTIVE
    campaign.save(update_fields=["status"])
    record_event(
        actor=by,
        verb=Verb.ACTIVATE_CAMPAIGN,
        target=campaign,
        organization=campaign.organizer,
        summary="草稿 → 进行中",
    )
    return campaign


# Sites: nomination and decision -------------------------------------------------------------


@transaction.atomic
def nominate_site(
    *,
    campaign: Campaign,
    branch: Organization,
    by,
    plan: str = "",
    highlights: str = "",
    plan_file: UploadedFile | None = None,
    today: datetime.date | None = None,
) -> Site:
    """A committee puts one of its branches forward (申报), with its 创建方案 as text, as an
    attached file, or both: one step, one audit event.

    The rules are `policies.cannot_nominate`'s, asked while the campaign's row is held, so two
    nominations at once cannot both take the last quota place. A branch rejected or withdrawn
    earlier is nominated again on the same record, so its history stays in one place.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _require(policies.cannot_nominate(by, campaign, branch, today=today))
    existing = Site.objects.filter(campaign=campaign, organization=branch).first()
    site = existing or Site(campaign=campaign, organization=branch)
    before = site.status if existing else ""
    site.nominated_by = branch.nearest(Organization.Kind.PARTY_COMMITTEE)
    site.status = S.NOMINATED
    site.plan = plan or site.plan
    site.highlights = highlights or site.highlights
    if plan_file is not None:
        site.plan_file = plan_file
    site.decision_note = ""
    site.nominated_at = site.status_changed_at = timezone.now()
    site.full_clean()
    site.save()
    _record_transition(site, before, by=by, verb=Verb.RENOMINATE if existing else Verb.NOMINATE)
    return site


@transaction.atomic
def withdraw_site(*, site: Site, by) -> Site:
    """The committee withdraws a nomination not yet decided."""
    _lock_status(site)
    _require(policies.cannot_withdraw(by, site))
    return _set_status(site, S.WITHDRAWN, by=by, verb=Verb.WITHDRAW)


@transaction.atomic
def approve_site(*, site: Site, by, note: str = "") -> Site:
    """The 组织部 approves a nomination (批准创建)."""
    _lock_status(site)
    _require(policies.cannot_approve(by, site))
    site.decision_note = note
    return _set_status(site, S.APPROVED, by=by, verb=Verb.APPROVE, note=note, extra_fields=["decision_note"])


@transaction.atomic
def reject_site(*, site: Site, by, reason: str) -> Site:
    """The 组织部 rejects a nomination (不予批准); the reason is shown to the committee."""
    _lock_status(site)
    _require(policies.cannot_reject(by, site))
    if not reason.strip():
        raise LifecycleError("不予批准须写明理由，党委将看到这条意见。")
    site.decision_note = reason.strip()
    return _set_status(
        site, S.REJECTED, by=by, verb=Verb.REJECT, note=site.decision_note, extra_fields=["decision_note"]
    )


# Sites: assessment and acceptance -----------------------------------------------------------


@transaction.atomic
def mark_self_assessed(*, site: Site, by, today: datetime.date | None = None) -> Site:
    """APPROVED → SELF_ASSESSED once the committee approves the branch's self-assessment.

    Called by the assessments app when the committee approves; not before 组织实施 begins.
    """
    _lock_status(site)
    _require(policies.cannot_mark_self_assessed(by, site, today=today))
    return _set_status(site, S.SELF_ASSESSED, by=by, verb=Verb.APPROVE_SELF_ASSESSMENT)


@transaction.atomic
def request_acceptance(*, site: Site, by, today: datetime.date | None = None) -> Site:
    """The committee asks the 组织部 for on-site acceptance (申请现场验收).

    Allowed from SELF_ASSESSED once the 总结验收 phase has begun, and again from RECTIFYING
    when the rectification is done.
    """
    _lock_status(site)
    _require(policies.cannot_request_acceptance(by, site, today=today))
    verb = Verb.REQUEST_ACCEPTANCE_AGAIN if site.status == S.RECTIFYING else Verb.REQUEST_ACCEPTANCE
    return _set_status(site, S.ACCEPTANCE_REQUESTED, by=by, verb=verb)


VERDICT_STATUS = {"PASSED": S.PASSED, "RECTIFYING": S.RECTIFYING, "FAILED": S.FAILED}


@transaction.atomic
def record_verdict(*, site: Site, by, verdict: str, note: str = "") -> Site:
    """ACCEPTANCE_REQUESTED → PASSED | RECTIFYING | FAILED, on the acceptance team's verdict.

    The inspector leading the team (or the 组织部) records it; the acceptance screens call this
    when the report is signed.
    """
    if verdict not in VERDICT_STATUS:
        raise LifecycleError("验收结论只能是通过、限期整改或不通过。")
    _lock_status(site)
    _require(policies.cannot_record_verdict(by, site))
    status = VERDICT_STATUS[verdict]
    return _set_status(site, status, by=by, verb=Verb.RECORD_VERDICT, note=note)
