"""Writes for a branch's dues (党费) and meetings (三会一课): payments, meetings, photos, attendance.

Each function asks `members.policies` whether the actor may, validates with `members.rules`,
saves and records an audit event in one transaction (`organization=` the branch; `subject=` the
member for dues, the branch for meetings). A refusal raises `ValidationError` in Chinese — code
"forbidden" for the policy's reason, else a dict keyed by form field where the reason belongs to
one field, so the page shows it beside that field.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from organizations.models import Kind, Organization, Verb, record_event
from organizations.uploads import IMAGE_EXTENSIONS, check_upload

from .. import policies, rules
from ..meeting_record import headcount_problem
from ..models import Attendance, DuesPayment, Meeting, MeetingPhoto, Member
from ..queries import branch_of, expected_members


def _month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


def _day_label(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _money(amount: Decimal) -> str:
    return f"{amount:.2f} 元"


# Dues -------------------------------------------------------------------------------------------


@transaction.atomic
def record_dues_payment(
    *, member: Member, month: datetime.date, amount: Decimal, paid_on: datetime.date, by
) -> DuesPayment:
    """Record (or correct) `member`'s dues for `month`: the amount and the day it was paid.

    One payment per member and month: recording a month that has one corrects it. A day after
    today is refused; so is a month before the member joined (nothing is owed then). Paying
    ahead — a day before the month — is allowed: some members pay a year at once.
    """
    branch = member.branch
    if reason := policies.cannot_record_dues(by, branch):
        raise ValidationError(reason, code="forbidden")
    month = rules.month_start(month)
    if problem := rules.future_day_problem("paid_on", paid_on, timezone.localdate()):
        raise ValidationError({"paid_on": problem})
    if not rules.owes_dues(month, joined_on=member.joined_on, suspended=False):
        raise ValidationError(
            f"{member.name}于{_day_label(member.joined_on)}加入党组织，{_month_label(month)}无需缴纳党费。"
        )
    payment = DuesPayment.objects.select_for_update().filter(member=member, month=month).first()
    label = f"{member.name} {_month_label(month)}"
    if payment is None:
        payment = DuesPayment(member=member, month=month, amount=amount, paid_on=paid_on)
        verb, summary = Verb.RECORD_DUES, f"{label}：{_money(amount)}，{paid_on:%Y-%m-%d} 缴纳"
    else:
        changes = []
        if payment.amount != amount:
            changes.append(f"金额：{_money(payment.amount)} → {_money(amount)}")
        if payment.paid_on != paid_on:
            before = f"{payment.paid_on:%Y-%m-%d}" if payment.paid_on else "未缴"
            changes.append(f"缴纳日期：{before} → {paid_on:%Y-%m-%d}")
        if not changes:
            return payment
        payment.amount, payment.paid_on = amount, paid_on
        verb, summary = Verb.CORRECT_DUES, f"{label}：{'；'.join(changes)}"
    payment.full_clean()
    payment.save()
    record_event(actor=by, verb=verb, target=payment, organization=branch, summary=summary, subject=member)
    return payment


@transaction.atomic
def remove_dues_payment(*, payment: DuesPayment, by) -> None:
    """Delete a payment recorded by mistake; the month shows as unpaid again."""
    member = payment.member
    if reason := policies.cannot_record_dues(by, member.branch):
        raise ValidationError(reason, code="forbidden")
    paid = f"{payment.paid_on:%Y-%m-%d} 缴纳" if payment.paid_on else "未缴"
    record_event(
        actor=by,
        verb=Verb.REMOVE_DUES,
        target=payment,
        organization=member.branch,
        summary=f"{member.name} {_month_label(payment.month)}：{_money(payment.amount)}，{paid}",
        subject=member,
    )
    payment.delete()


# Meetings ---------------------------------------------------------------------------------------


def _check_photos(photos: Sequence[UploadedFile], *, already: int) -> None:
    if problem := rules.photo_count_problem(len(photos), already=already):
        raise ValidationError({"photos": problem})
    for photo in photos:
        try:
            check_upload(photo, IMAGE_EXTENSIONS)
        except ValidationError as error:
            raise ValidationError({"photos": [f"{photo.name}：{m}" for m in error.messages]}) from error


def _meeting_place(*, branch: Organization, kind: str, group: Organization | None) -> Organization:
    """Who holds the meeting: the 党小组 for a 党小组会, the branch for every other kind."""
    group_meeting = kind == Meeting.Kind.GROUP_MEETING
    if problem := rules.meeting_group_problem(group_meeting=group_meeting, group_chosen=group is not None):
        raise ValidationError({"group": problem})
    if group is None:
        return branch
    if group.kind != Kind.GROUP or not group.path.startswith(branch.path):
        raise ValidationError({"group": f"“{group.name}”不是{branch.name}的党小组。"})
    return group


@transaction.atomic
def save_meeting(
    *,
    branch: Organization,
    by,
    meeting: Meeting | None = None,
    kind: str,
    group: Organization | None,
    held_on: datetime.date,
    topic: str,
    location: str = "",
    host: str = "",
    recorder: str = "",
    expected_count: int | None = None,
    present_count: int | None = None,
    observers: str = "",
    agenda: str = "",
    minutes: str = "",
    resolutions: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Meeting:
    """Record a meeting held by `branch` or one of its 党小组 (meeting=None), or change one,
    adding `photos` (.jpg/.png) to it, with what its paper 会议记录 states: 主持人, 记录人,
    列席人员, 议程, the minutes and 决议.

    A meeting is recorded once held: a day after today is refused. 应到 / 实到 are typed only
    for a meeting whose attendance is not marked member by member (实到 no more than 应到); once
    its sheet is saved they are counted from it, and typed numbers are not kept. When a change
    moves the meeting to another holder (branch ↔ 党小组), the attendance marks of members no
    longer expected there are dropped, so the rate is over the right people.
    """
    if reason := policies.cannot_keep_meetings(by, branch):
        raise ValidationError(reason, code="forbidden")
    organization = _meeting_place(branch=branch, kind=kind, group=group)
    if problem := rules.future_day_problem("held_on", held_on, timezone.localdate()):
        raise ValidationError({"held_on": problem})
    if problem := headcount_problem(expected_count, present_count):
        raise ValidationError({"present_count": problem})
    already = meeting.photos.count() if meeting is not None else 0
    _check_photos(photos, already=already)

    creating = meeting is None
    instance = meeting or Meeting()
    moved = not creating and (instance.organization_id != organization.pk or instance.held_on != held_on)
    before = None if creating else (instance.get_kind_display(), instance.held_on, instance.topic)
    instance.organization = organization
    instance.kind = kind
    instance.held_on = held_on
    instance.topic = topic.strip()
    instance.location = location.strip()
    instance.host = host.strip()
    instance.recorder = recorder.strip()
    instance.observers = observers.strip()
    instance.agenda = agenda.strip()
    instance.minutes = minutes.strip()
    instance.resolutions = resolutions.strip()
    # Counted from the sheet once there is one: typed numbers would only disagree with it.
    typed = (expected_count, present_count) != (None, None)
    if typed and not creating and Attendance.objects.filter(meeting=instance).exists():
        expected_count = present_count = None
    instance.expected_count, instance.present_count = expected_count, present_count
    instance.full_clean()
    instance.save()

    dropped = 0
    if moved:
        dropped, _ = (
            Attendance.objects.filter(meeting=instance)
            .exclude(member__in=expected_members(instance))
            .delete()
        )
    for photo in photos:
        MeetingPhoto.objects.create(meeting=instance, image=photo)

    if creating:
        verb, summary = Verb.ADD_MEETING, str(instance)
    else:
        verb, summary = Verb.CHANGE_MEETING, str(instance)
        if before and before != (instance.get_kind_display(), instance.held_on, instance.topic):
            summary = f"{before[1]:%Y-%m-%d} {before[0]} {before[2]} → {instance}"
    if photos:
        summary += f"；上传照片 {len(photos)} 张"
    if dropped:
        summary += f"；不再应到的 {dropped} 人出勤记录已删除"
    record_event(actor=by, verb=verb, target=instance, organization=branch, summary=summary, subject=branch)
    return instance


def _delete_files_on_commit(names: list[str], storage) -> None:
    # Files are not part of the transaction: remove them only once the rows are gone for good.
    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def remove_meeting_photo(*, photo: MeetingPhoto, by) -> None:
    meeting = photo.meeting
    branch = branch_of(meeting.organization)
    if reason := policies.cannot_keep_meetings(by, branch):
        raise ValidationError(reason, code="forbidden")
    record_event(
        actor=by,
        verb=Verb.REMOVE_MEETING_PHOTO,
        target=meeting,
        organization=branch,
        summary=f"{meeting}：删除照片 1 张",
        subject=branch,
    )
    _delete_files_on_commit([photo.image.name], photo.image.storage)
    photo.delete()


@transaction.atomic
def remove_meeting(*, meeting: Meeting, by) -> None:
    """Delete a meeting entered by mistake, with its attendance sheet and photos."""
    branch = branch_of(meeting.organization)
    if reason := policies.cannot_keep_meetings(by, branch):
        raise ValidationError(reason, code="forbidden")
    photos = list(meeting.photos.all())
    record_event(
        actor=by,
        verb=Verb.REMOVE_MEETING,
        target=meeting,
        organization=branch,
        summary=str(meeting),
        subject=branch,
    )
    if photos:
        _delete_files_on_commit([p.image.name for p in photos], photos[0].image.storage)
    meeting.delete()


@dataclass(frozen=True)
class AttendanceCounts:
    expected: int
    present: int
    absent: int
    excused: int

    @property
    def rate(self):
        return rules.attendance_rate(expected=self.expected, present=self.present, excused=self.excused)


@transaction.atomic
def record_attendance(
    *, meeting: Meeting, statuses: Mapping[int, str], reasons: Mapping[int, str] | None = None, by
) -> AttendanceCounts:
    """Save the meeting's whole attendance sheet at once: {member id: 出席/缺席/请假}, with the
    缺席原因 of those absent or excused ({member id: reason}; a present member's is not kept).

    The sheet lists the members expected at the meeting (`members.queries.expected_members`)
    and any already marked; every one of them must be given a status, and nobody else may be.
    Saving again replaces the marks. From then on 应到 / 实到 are counted from the sheet, so
    numbers typed on the meeting before are cleared.
    """
    branch = branch_of(meeting.organization)
    if reason := policies.cannot_keep_meetings(by, branch):
        raise ValidationError(reason, code="forbidden")
    on_sheet = set(expected_members(meeting).values_list("pk", flat=True))
    on_sheet |= set(meeting.attendances.values_list("member_id", flat=True))
    given = set(statuses)
    if given - on_sheet:
        raise ValidationError("出勤表中有不属于本次会议应到人员的党员，请刷新页面后重新填写。")
    if on_sheet - given:
        raise ValidationError(f"还有 {len(on_sheet - given)} 名党员没有选择出勤情况。")
    valid = set(Attendance.Status.values)
    if any(status not in valid for status in statuses.values()):
        raise ValidationError("出勤情况只能是出席、缺席或请假。")

    reasons = reasons or {}
    reason_limit = Attendance._meta.get_field("reason").max_length
    kept = {}
    for pk, status in statuses.items():
        reason = (reasons.get(pk) or "").strip() if status != Attendance.Status.PRESENT else ""
        if len(reason) > reason_limit:
            raise ValidationError(f"缺席原因最多 {reason_limit} 个字。")
        kept[pk] = reason
    Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, member_id=pk, status=status, reason=kept[pk])
            for pk, status in statuses.items()
        ],
        update_conflicts=True,
        unique_fields=["meeting", "member"],
        update_fields=["status", "reason"],
    )
    if (meeting.expected_count, meeting.present_count) != (None, None):
        meeting.expected_count = meeting.present_count = None
        meeting.save(update_fields=["expected_count", "present_count"])
    values = list(statuses.values())
    counts = AttendanceCounts(
        expected=len(values),
        present=values.count(Attendance.Status.PRESENT),
        absent=values.count(Attendance.Status.ABSENT),
        excused=values.count(Attendance.Status.EXCUSED),
    )
    rate = counts.rate
    record_event(
        actor=by,
        verb=Verb.RECORD_ATTENDANCE,
        target=meeting,
        organization=branch,
        summary=(
            f"{meeting}：应到 {counts.expected} 人，出席 {counts.present}，缺席 {counts.absent}，"
            f"请假 {counts.excused}，到会率 {'—' if rate is None else f'{rate}%'}"
        ),
        subject=branch,
    )
    return counts
