"""Writes for campaigns and the site lifecycle: one function per transition.

Each function checks the actor's role and the preconditions, changes state, and records an
audit event in the same transaction. Views, admin actions, imports, tasks and the demo data
all call these, so each rule is written once. A refused action raises `LifecycleError` with
a message fit to show the user.

    NOMINATED → APPROVED | REJECTED | WITHDRAWN          (REJECTED/WITHDRAWN → NOMINATED again)
    APPROVED → SELF_ASSESSED → ACCEPTANCE_REQUESTED → PASSED | RECTIFYING | FAILED
    RECTIFYING → ACCEPTANCE_REQUESTED
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import Organization, Role, Verb, has_role, record_event

from ..models import Campaign, Phase, Site, validate_phases


class LifecycleError(ValidationError):
    """An action refused by the rules; `message` says why, in Chinese."""


S = Site.Status


@dataclass(frozen=True)
class PhaseSpec:
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    name: str = ""


def _require_role(user, kind: str, organization: Organization, action: str) -> None:
    if not has_role(user, kind, organization):
        raise LifecycleError(f"您没有“{organization.name}”的{Role.Kind(kind).label}权限，不能{action}。")


def _require_status(site: Site, allowed: Iterable[str], action: str) -> None:
    """Check the site's state as it is in the database now, holding its row until commit, so
    that two decisions taken at once cannot both pass; also the campaign must be running."""
    site.status = Site.objects.select_for_update().values_list("status", flat=True).get(pk=site.pk)
    if site.campaign.status != Campaign.Status.ACTIVE:
        raise LifecycleError(
            f"活动“{site.campaign.name}”{site.campaign.get_status_display()}，不能{action}。"
        )
    if site.status not in allowed:
        raise LifecycleError(f"示范点当前状态为“{site.get_status_display()}”，不能{action}。")


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _set_status(site: Site, status: str, *, by, verb: str, note: str = "", extra_fields=()) -> Site:
    before = site.get_status_display()
    site.status = status
    site.status_changed_at = timezone.now()
    site.save(update_fields=["status", "status_changed_at", *extra_fields])
    summary = f"{before} → {site.get_status_display()}"
    if note:
        summary = f"{summary}；{note}"
    record_event(actor=by, verb=verb, target=site, organization=site.organization, summary=summary)
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
    _require_role(by, Role.Kind.ORG_DEPARTMENT, organizer, "创建示范点创建活动")
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
    _require_role(by, Role.Kind.ORG_DEPARTMENT, campaign.organizer, "启动活动")
    if campaign.status != Campaign.Status.DRAFT:
        raise LifecycleError(f"活动当前状态为“{campaign.get_status_display()}”，不能启动。")
    kinds = set(campaign.phases.values_list("kind", flat=True))
    missing = [Phase.Kind(k).label for k in Phase.ORDER if k not in kinds]
    if missing:
        raise LifecycleError(f"启动前须设置全部三个阶段，尚缺：{'、'.join(missing)}。")
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
    today: datetime.date | None = None,
) -> Site:
    """A committee puts one of its branches forward (申报).

    Rules: the campaign is running and in its 动员部署 or 组织实施 phase; the branch is a 党支部
    under the actor's committee; one site per branch per campaign; the committee's quota
    (成熟一个、打造一个) holds. A branch rejected or withdrawn earlier is nominated again on
    the same record, so its history stays in one place.
    """
    day = _today(today)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.ACTIVE:
        raise LifecycleError(f"活动“{campaign.name}”{campaign.get_status_display()}，不接受申报。")
    phase = campaign.phase_on(day)
    if phase is None or phase.kind == Phase.Kind.ACCEPTANCE:
        raise LifecycleError("申报只能在动员部署或组织实施阶段进行，当前不在申报时间内。")
    if branch.kind != Organization.Kind.BRANCH:
        raise LifecycleError(f"只有党支部可以申报示范点，“{branch.name}”是{branch.kind_label}。")
    committee = branch.nearest(Organization.Kind.PARTY_COMMITTEE)
    if committee is None:
        raise LifecycleError(f"“{branch.name}”不在任何党委之下，无法申报。")
    _require_role(by, Role.Kind.COMMITTEE, committee, f"申报“{branch.name}”")
    if not campaign.organizer.path or not branch.path.startswith(campaign.organizer.path):
        raise LifecycleError(f"“{branch.name}”不在本活动组织单位“{campaign.organizer.name}”的范围内。")

    existing = Site.objects.filter(campaign=campaign, organization=branch).first()
    if existing is not None and existing.status in Site.HOLDING_STATUSES:
        raise LifecycleError(
            f"“{branch.name}”已申报本活动（{existing.get_status_display()}），每个支部只能申报一次。"
        )
    taken = (
        Site.objects.filter(campaign=campaign, nominated_by=committee, status__in=Site.HOLDING_STATUSES)
        .exclude(organization=branch)
        .count()
    )
    if taken >= campaign.quota_per_committee:
        raise LifecycleError(
            f"“{committee.name}”本活动的申报名额为 {campaign.quota_per_committee} 个，已全部用完。"
        )

    site = existing or Site(campaign=campaign, organization=branch)
    before = site.get_status_display() if existing else "—"
    site.nominated_by = committee
    site.status = S.NOMINATED
    site.plan = plan or site.plan
    site.highlights = highlights or site.highlights
    site.decision_note = ""
    site.nominated_at = site.status_changed_at = timezone.now()
    site.save()
    verb = Verb.RENOMINATE if existing else Verb.NOMINATE
    record_event(actor=by, verb=verb, target=site, organization=branch, summary=f"{before} → 已申报")
    return site


@transaction.atomic
def withdraw_site(*, site: Site, by) -> Site:
    """The committee withdraws a nomination not yet decided."""
    _require_role(by, Role.Kind.COMMITTEE, site.nominated_by, "撤回申报")
    _require_status(site, [S.NOMINATED], "撤回")
    return _set_status(site, S.WITHDRAWN, by=by, verb=Verb.WITHDRAW)


@transaction.atomic
def approve_site(*, site: Site, by, note: str = "") -> Site:
    """The 组织部 approves a nomination (批准创建)."""
    _require_role(by, Role.Kind.ORG_DEPARTMENT, site.campaign.organizer, "批准创建")
    _require_status(site, [S.NOMINATED], "批准")
    site.decision_note = note
    return _set_status(site, S.APPROVED, by=by, verb=Verb.APPROVE, note=note, extra_fields=["decision_note"])


@transaction.atomic
def reject_site(*, site: Site, by, reason: str) -> Site:
    """The 组织部 rejects a nomination (不予批准); the reason is shown to the committee."""
    _require_role(by, Role.Kind.ORG_DEPARTMENT, site.campaign.organizer, "作出不予批准决定")
    _require_status(site, [S.NOMINATED], "不予批准")
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
    _require_role(by, Role.Kind.COMMITTEE, site.nominated_by, "审核通过自评")
    _require_status(site, [S.APPROVED], "审核通过自评")
    implementation = site.campaign.phase_of_kind(Phase.Kind.IMPLEMENTATION)
    if implementation and _today(today) < implementation.starts_on:
        raise LifecycleError(f"组织实施阶段自 {implementation.starts_on:%Y年%m月%d日} 开始，届时方可自评。")
    return _set_status(site, S.SELF_ASSESSED, by=by, verb=Verb.APPROVE_SELF_ASSESSMENT)


@transaction.atomic
def request_acceptance(*, site: Site, by, today: datetime.date | None = None) -> Site:
    """The committee asks the 组织部 for on-site acceptance (申请现场验收).

    Allowed from SELF_ASSESSED once the 总结验收 phase has begun, and again from RECTIFYING
    when the rectification is done.
    """
    _require_role(by, Role.Kind.COMMITTEE, site.nominated_by, "申请现场验收")
    _require_status(site, [S.SELF_ASSESSED, S.RECTIFYING], "申请验收")
    acceptance = site.campaign.phase_of_kind(Phase.Kind.ACCEPTANCE)
    if site.status == S.SELF_ASSESSED and acceptance and _today(today) < acceptance.starts_on:
        raise LifecycleError(
            f"{acceptance.display_name}阶段自 {acceptance.starts_on:%Y年%m月%d日} 开始，届时方可申请验收。"
        )
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
    if not (
        has_role(by, Role.Kind.INSPECTOR, site.organization)
        or has_role(by, Role.Kind.ORG_DEPARTMENT, site.campaign.organizer)
    ):
        raise LifecycleError("您不是本示范点的验收组成员或组织部，不能作出验收结论。")
    _require_status(site, [S.ACCEPTANCE_REQUESTED], "作出验收结论")
    status = VERDICT_STATUS[verdict]
    return _set_status(site, status, by=by, verb=Verb.RECORD_VERDICT, note=note)
