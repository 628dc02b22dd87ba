"""Forms for dues (党费) and meetings (三会一课).

The forms read what was typed and put each problem beside its field, asking the same
`members.rules` the services check again before they save; who may do what is
`members.policies`. The views hand `cleaned_data` to `members.services.records`.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone

from organizations.models import Organization
from organizations.uploads import IMAGE_EXTENSIONS, check_upload, describe_limits

from .. import rules
from ..models import Attendance, Meeting, Member
from ..rules import MAX_PHOTOS_PER_MEETING, MAX_PHOTOS_PER_UPLOAD

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str | None) -> datetime.date | None:
    """A month typed as "2026-05" → 2026-05-01; None for anything else."""
    match = MONTH_PATTERN.match((value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DuesPaymentForm(forms.Form):
    amount = forms.DecimalField(
        label="金额（元）",
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    paid_on = forms.DateField(label="缴纳日期", widget=_date_input(), help_text="当月内缴纳为按时缴纳。")

    def clean_paid_on(self) -> datetime.date:
        day = self.cleaned_data["paid_on"]
        if problem := rules.future_day_problem("paid_on", day, timezone.localdate()):
            raise forms.ValidationError(problem)
        return day


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; cleans to a list (empty when none was chosen). `already` is
    how many the meeting keeps, for the limit on photos per meeting."""

    already = 0

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": ",".join(f".{e}" for e in IMAGE_EXTENSIONS)})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultiplePhotoField, self).clean(file, initial) for file in files]
        if problem := rules.photo_count_problem(len(cleaned), already=self.already):
            raise forms.ValidationError(problem)
        errors = []
        for file in cleaned:
            try:
                check_upload(file, IMAGE_EXTENSIONS)
            except forms.ValidationError as error:
                errors += [f"{file.name}：{message}" for message in error.messages]
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=[("", "请选择"), *Meeting.Kind.choices])
    group = forms.TypedChoiceField(
        label="党小组",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="党小组会选择召开会议的党小组；其他会议由支部召开，不选。",
    )
    held_on = forms.DateField(label="召开日期", widget=_date_input())
    topic = forms.CharField(label="主题", max_length=200, help_text="如“学习党的二十届四中全会精神”。")
    location = forms.CharField(label="地点", max_length=100, required=False)
    minutes = forms.CharField(
        label="会议记录",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="会议议程、主持人、讨论发言和形成的决议，可照纸质记录本录入。",
    )
    photos = MultiplePhotoField(label="会议照片", required=False)

    def __init__(self, *args, groups: list[Organization], photos_kept: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {g.pk: g for g in groups}
        self.fields["group"].choices = [("", "不选（支部召开）")] + [(g.pk, g.name) for g in groups]
        self.fields["photos"].already = photos_kept
        room = MAX_PHOTOS_PER_MEETING - photos_kept
        kept = f"已有 {photos_kept} 张，还能上传 {room} 张；" if photos_kept else ""
        self.fields["photos"].help_text = (
            f"签到、会场和活动照片，可一次选择多张（最多 {MAX_PHOTOS_PER_UPLOAD} 张，"
            f"每次会议共 {MAX_PHOTOS_PER_MEETING} 张）；{kept}"
            f"{describe_limits(IMAGE_EXTENSIONS)}。"
        )
        if not groups:
            del self.fields["group"]

    def clean_group(self) -> Organization | None:
        pk = self.cleaned_data.get("group")
        return self.groups[pk] if pk is not None else None

    def clean_held_on(self) -> datetime.date:
        day = self.cleaned_data["held_on"]
        if problem := rules.future_day_problem("held_on", day, timezone.localdate()):
            raise forms.ValidationError(problem)
        return day

    def clean(self):
        data = super().clean()
        kind, group = data.get("kind"), data.get("group")
        if "group" not in self.fields:
            if kind == Meeting.Kind.GROUP_MEETING:
                self.add_error("kind", "本支部还没有设立党小组，不能登记党小组会。")
            return data
        if kind and (
            problem := rules.meeting_group_problem(
                group_meeting=kind == Meeting.Kind.GROUP_MEETING, group_chosen=group is not None
            )
        ):
            self.add_error("group", problem)
        return data


class AttendanceSheetForm(forms.Form):
    """One 出席/缺席/请假 choice per member on the sheet, 出席 unless marked otherwise."""

    def __init__(self, *args, members: list[Member], marked: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        for member in members:
            self.fields[self.field_name(member)] = forms.ChoiceField(
                label=member.name,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=marked.get(member.pk, Attendance.Status.PRESENT),
            )

    @staticmethod
    def field_name(member: Member) -> str:
        return f"m{member.pk}"

    def statuses(self) -> dict[int, str]:
        """{member id: status} (call after `is_valid()`)."""
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}
