"""Writes for 公示 (publication of a signed result) and its objections.

Signing opens the 公示 period (`sign_acceptance` sets `publicity_starts_on`/`publicity_ends_on`).
While it runs anyone may lodge an objection (no login; name optional, a contact required); the
organizer's 组织部 answers each one. The result becomes final (`final_at`) only once the period
has ended **and** every objection is answered: `finalize_results` does it for every such result —
the daily beat task calls it, and answering the last open objection of an ended period calls it
at once for that result.

`publicity_state` is how a result stands on a day, for the pages (the public list, the site page,
the 组织部's overview):

* 未公示 — not signed, or its period has not started yet;
* 有异议待答复 — some objection is unanswered, during the period or after it (an objection
  lodged on the last day keeps the result open until it is answered);
* 公示中 — within the period, every objection so far answered;
* 已公示 — the period has ended and every objection is answered (final once `finalize_results`
  has run).
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaigns.services import LifecycleError
from organizations.models import Verb, record_event

from .. import policies
from ..models import Acceptance, Objection

# Lengths a form checks before the database would: the fields' own, and a page of text.
NAME_MAX = Objection._meta.get_field("lodged_by").max_length
CONTACT_MAX = Objection._meta.get_field("contact").max_length
TEXT_MAX = 2000
ANSWER_MAX = 4000


class PublicityState(StrEnum):
    NOT_PUBLISHED = "未公示"
    IN_PUBLICITY = "公示中"
    OBJECTIONS_PENDING = "有异议待答复"
    PUBLISHED = "已公示"

    @property
    def css(self) -> str:
        """The badge modifier the pages colour the state with."""
        return {
            PublicityState.NOT_PUBLISHED: "muted",
            PublicityState.IN_PUBLICITY: "info",
            PublicityState.OBJECTIONS_PENDING: "warning",
            PublicityState.PUBLISHED: "success",
        }[self]


def publicity_state(
    acceptance: Acceptance, today: datetime.date | None = None, *, unanswered: int | None = None
) -> PublicityState:
    """How `acceptance`'s 公示 stands on `today` (see the module docstring).

    `unanswered` is the number of unanswered objections when the caller has it (a list annotates
    it: `Acceptance.objects.annotate(unanswered=…)`); otherwise the attribute `unanswered` of the
    acceptance is used if present, else one query counts them.
    """
    day = today or timezone.localdate()
    if acceptance.signed_at is None or acceptance.publicity_starts_on is None:
        return PublicityState.NOT_PUBLISHED
    if day < acceptance.publicity_starts_on:
        return PublicityState.NOT_PUBLISHED
    if unanswered is None:
        unanswered = getattr(acceptance, "unanswered", None)
    if unanswered is None:
        unanswered = acceptance.objections.filter(answered_at__isnull=True).count()
    if unanswered:
        return PublicityState.OBJECTIONS_PENDING
    if acceptance.publicity_ends_on is not None and day > acceptance.publicity_ends_on:
        return PublicityState.PUBLISHED
    return PublicityState.IN_PUBLICITY


def unanswered_exists():
    """`Exists(...)` of an unanswered objection, for filtering acceptances."""
    return Exists(Objection.objects.filter(acceptance=OuterRef("pk"), answered_at__isnull=True))


def _event(acceptance: Acceptance, *, by, verb: str, target, summary: str) -> None:
    site = acceptance.site
    record_event(
        actor=by, verb=verb, target=target, organization=site.organization, summary=summary, subject=site
    )


def _locked(pk: int) -> Acceptance:
    return (
        Acceptance.objects.select_for_update()
        .select_related("site__organization", "site__campaign")
        .get(pk=pk)
    )


@transaction.atomic
def lodge_objection(
    *, acceptance: Acceptance, lodged_by: str, contact: str, text: str, today: datetime.date | None = None
) -> Objection:
    """Anyone lodges an objection to a result in its 公示 period (no account; the name may be left
    blank, a contact is required so the 组织部 can answer). Raises `LifecycleError` outside the
    period and `ValidationError` keyed by field for what does not fit."""
    acceptance = _locked(acceptance.pk)
    if reason := policies.cannot_lodge_objection(acceptance, today):
        raise LifecycleError(reason)
    lodged_by, contact, text = (lodged_by or "").strip(), (contact or "").strip(), (text or "").strip()
    errors: dict[str, list[str]] = {}
    if len(lodged_by) > NAME_MAX:
        errors["lodged_by"] = [f"姓名最多 {NAME_MAX} 个字。"]
    if not contact:
        errors["contact"] = ["请留下联系方式（电话或地址），以便组织部答复。"]
    elif len(contact) > CONTACT_MAX:
        errors["contact"] = [f"联系方式最多 {CONTACT_MAX} 个字。"]
    if not text:
        errors["text"] = ["请写明异议内容。"]
    elif len(text) > TEXT_MAX:
        errors["text"] = [f"异议内容最多 {TEXT_MAX} 个字，现有 {len(text)} 个字。"]
    if errors:
        raise ValidationError(errors)
    objection = Objection.objects.create(
        acceptance=acceptance, lodged_by=lodged_by, contact=contact, text=text
    )
    # The summary leaves out the name and the contact: the audit trail is read by more people.
    _event(acceptance, by=None, verb=Verb.LODGE_OBJECTION, target=objection, summary=text[:200])
    return objection


def answer_objection(
    *, objection: Objection, by, answer: str, today: datetime.date | None = None
) -> Objection:
    """The organizer's 组织部 answers an objection, once. Answering the last open objection of a
    result whose period has ended makes the result final (`finalize_results`)."""
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update()
            .select_related("acceptance__site__campaign__organizer", "acceptance__site__organization")
            .get(pk=objection.pk)
        )
        if reason := policies.cannot_answer_objection(by, objection):
            raise LifecycleError(reason)
        answer = (answer or "").strip()
        if not answer:
            raise ValidationError({"answer": ["请填写答复内容。"]})
        if len(answer) > ANSWER_MAX:
            raise ValidationError({"answer": [f"答复最多 {ANSWER_MAX} 个字，现有 {len(answer)} 个字。"]})
        objection.answer = answer
        objection.answered_by = by
        objection.answered_at = timezone.now()
        objection.save(update_fields=["answer", "answered_by", "answered_at"])
        _event(
            objection.acceptance, by=by, verb=Verb.ANSWER_OBJECTION, target=objection, summary=answer[:200]
        )
    finalize_results(today=today, acceptance_ids=[objection.acceptance_id])
    return objection


def finalize_results(
    today: datetime.date | None = None, *, acceptance_ids: list[int] | None = None
) -> list[Acceptance]:
    """Make final every signed result whose 公示 ended before `today` with every objection
    answered (of `acceptance_ids` only, when given); returns those it finalized. Idempotent: a
    final result is left alone, so a second run changes nothing."""
    day = today or timezone.localdate()
    candidates = Acceptance.objects.filter(
        signed_at__isnull=False, final_at__isnull=True, publicity_ends_on__lt=day
    ).exclude(unanswered_exists())
    if acceptance_ids is not None:
        candidates = candidates.filter(pk__in=acceptance_ids)
    finalized = []
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            acceptance = _locked(pk)
            # Read again under the lock: an objection or another run may have come in between.
            if (
                acceptance.final_at is not None
                or acceptance.objections.filter(answered_at__isnull=True).exists()
            ):
                continue
            acceptance.final_at = timezone.now()
            acceptance.save(update_fields=["final_at"])
            answered = acceptance.objections.count()
            summary = f"公示期满（{acceptance.publicity_ends_on:%Y-%m-%d}），" + (
                f"{answered} 条异议均已答复，结果确定" if answered else "无异议，结果确定"
            )
            _event(acceptance, by=None, verb=Verb.FINALIZE_RESULT, target=acceptance, summary=summary)
            finalized.append(acceptance)
    return finalized
