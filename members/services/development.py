"""Writes for the development pipeline (发展党员): put a person on it, record their next stage.

Who may is `members.policies.cannot_develop_members`. The time rules are the pure functions of
`members.development_rules`; these services apply them to the stored history, refuse a move
with the rule named, and keep the register in step:
reaching 预备党员 puts the person on the register as a member, reaching 正式党员 makes that
member full.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import Organization, Verb, record_event

from .. import development_rules as rules
from .. import policies
from ..models import Applicant, DevelopmentStage, Member
from ..queries import history_of

Stage = rules.Stage

# What a refusal is about: the date typed, or the move itself.
DATE_RULES = {"不得预先登记", "日期先后", "年满十八岁", "培养教育考察一年以上", "预备期一年"}


class DevelopmentError(ValidationError):
    """A move the rules refuse; the message names the rule, in Chinese."""


def _refuse(refusal: rules.Refusal, *, date_field: str) -> DevelopmentError:
    field = date_field if refusal.rule in DATE_RULES else NON_FIELD_ERRORS
    return DevelopmentError({field: [refusal.message]})


@transaction.atomic
def add_applicant(
    *,
    branch: Organization,
    by,
    name: str,
    gender: str,
    applied_on: datetime.date,
    birth_date: datetime.date | None = None,
    phone: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> Applicant:
    """Put a person who has applied to join (入党申请人) on the branch's pipeline."""
    if reason := policies.cannot_develop_members(by, branch):
        raise DevelopmentError(reason)
    today = today or timezone.localdate()
    if birth_date is not None and birth_date > today:
        raise DevelopmentError({"birth_date": ["出生日期不能晚于今天。"]})
    refusal = rules.check_move({}, Stage.APPLICANT, applied_on, birth_date=birth_date, today=today)
    if refusal is not None:
        raise _refuse(refusal, date_field="applied_on")
    applicant = Applicant(
        branch=branch, name=name.strip(), gender=gender, birth_date=birth_date, phone=phone.strip(), note=note
    )
    applicant.full_clean()
    applicant.save()
    DevelopmentStage.objects.create(applicant=applicant, stage=Stage.APPLICANT, reached_on=applied_on)
    record_event(
        actor=by,
        verb=Verb.REGISTER_APPLICANT,
        target=applicant,
        organization=branch,
        summary=f"{applicant.name}：{rules.chinese_date(applied_on)}递交入党申请书",
        subject=branch,
    )
    return applicant


@transaction.atomic
def advance_applicant(
    *,
    applicant: Applicant,
    by,
    stage: str,
    on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> DevelopmentStage:
    """Record that `applicant` reached `stage` on `on`, if the rules allow it.

    预备党员 creates the Member (预备党员, joined that day) and links it to the applicant;
    正式党员 makes that member full from that day.
    """
    # Locked, so two secretaries recording the same move at once cannot both pass the check.
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("branch", "member")
        .get(pk=applicant.pk)
    )
    if reason := policies.cannot_develop_members(by, applicant.branch):
        raise DevelopmentError(reason)
    history = history_of(applicant)
    refusal = rules.check_move(
        history, stage, on, birth_date=applicant.birth_date, today=today or timezone.localdate()
    )
    if refusal is not None:
        raise _refuse(refusal, date_field="reached_on")
    before = rules.current_stage(history)
    before_label = Stage(before).label if before else "未登记"
    reached = DevelopmentStage.objects.create(applicant=applicant, stage=stage, reached_on=on, note=note)
    record_event(
        actor=by,
        verb=Verb.ADVANCE_DEVELOPMENT,
        target=applicant,
        organization=applicant.branch,
        summary=f"{applicant.name}：{before_label} → {Stage(stage).label}（{rules.chinese_date(on)}）",
        subject=applicant.branch,
    )
    if stage == Stage.PROBATIONARY:
        _receive_member(applicant, on=on, by=by)
    elif stage == Stage.FULL:
        _make_full(applicant, on=on, joined_on=history[Stage.PROBATIONARY], by=by)
    return reached


def _receive_member(applicant: Applicant, *, on: datetime.date, by) -> Member:
    """Put the new 预备党员 on the register with what the pipeline knows about them."""
    member = applicant.member or Member(
        branch=applicant.branch,
        name=applicant.name,
        gender=applicant.gender,
        birth_date=applicant.birth_date,
        phone=applicant.phone,
    )
    member.status = Member.Status.PROBATIONARY
    member.joined_on = on
    member.full_member_on = None
    member.full_clean(validate_constraints=False)
    member.save()
    if applicant.member_id != member.pk:
        applicant.member = member
        applicant.save(update_fields=["member"])
    record_event(
        actor=by,
        verb=Verb.ADMIT_PROBATIONARY,
        target=member,
        organization=applicant.branch,
        summary=f"{member.name}：{rules.chinese_date(on)}接收为预备党员，由发展党员登记转入名册",
    )
    return member


def _make_full(applicant: Applicant, *, on: datetime.date, joined_on: datetime.date, by) -> Member:
    member = applicant.member
    if member is None:
        # Someone whose 预备党员 stage was recorded before the register kept them.
        member = _receive_member(applicant, on=joined_on, by=by)
    member.status = Member.Status.FULL
    member.full_member_on = on
    member.save(update_fields=["status", "full_member_on"])
    record_event(
        actor=by,
        verb=Verb.CONFIRM_FULL_MEMBER,
        target=member,
        organization=applicant.branch,
        summary=f"{member.name}：{rules.chinese_date(on)}转为正式党员",
    )
    return member
