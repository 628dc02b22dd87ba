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
from ..meeting_record import headcount_problem
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
    host = forms.CharField(label="主持人", max_length=50, required=False)
    recorder = forms.CharField(label="记录人", max_length=50, required=False)
    expected_count = forms.IntegerField(
        label="应到人数",
        min_value=0,
        max_value=32767,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    present_count = forms.IntegerField(
        label="实到人数",
        min_value=0,
        max_value=32767,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    observers = forms.CharField(
        label="列席人员",
        max_length=300,
        required=False,
        help_text="非本支部党员的列席人员，如“村委会主任张三、驻村干部李四”。",
    )
    agenda = forms.CharField(
        label="议程",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每项一行，如“一、传达学习上级会议精神”。",
    )
    minutes = forms.CharField(
        label="会议内容（会议记录）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="讨论发言的主要内容，可照纸质记录本录入。",
    )
    resolutions = forms.CharField(
        label="决议",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="会议形成的决议或决定，没有的留空。",
    )
    photos = MultiplePhotoField(label="会议照片", required=False)

    # The form's sections, in the order of a paper 会议记录 page.
    SECTIONS = (
        ("会议", ("kind", "group", "held_on", "topic", "location")),
        ("主持和出席", ("host", "recorder", "expected_count", "present_count", "observers")),
        ("会议内容", ("agenda", "minutes", "resolutions")),
        ("照片", ("photos",)),
    )
    COUNT_HELP = "未逐人登记出勤时照签到表填写；在出勤表中逐人登记后按出勤记录计算。"

    def __init__(
        self, *args, groups: list[Organization], photos_kept: int = 0, sheet_saved: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.sheet_saved = sheet_saved
        if sheet_saved:
            # Counted from the saved sheet: nothing to type.
            del self.fields["expected_count"], self.fields["present_count"]
        else:
            self.fields["present_count"].help_text = self.COUNT_HELP
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

    def sections(self) -> list[tuple[str, list]]:
        """(heading, bound fields) for each section, leaving out fields the form does not have."""
        return [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS
        ]

    def clean(self):
        data = super().clean()
        if problem := headcount_problem(data.get("expected_count"), data.get("present_count")):
            self.add_error("present_count", problem)
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
    """One 出席/缺席/请假 choice per member on the sheet, 出席 unless marked otherwise, and a
    缺席原因 box beside it (kept only for a member absent or excused)."""

    REASON_MAX = Attendance._meta.get_field("reason").max_length

    def __init__(
        self,
        *args,
        members: list[Member],
        marked: dict[int, str],
        reasons: dict[int, str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        reasons = reasons or {}
        for member in members:
            self.fields[self.field_name(member)] = forms.ChoiceField(
                label=member.name,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=marked.get(member.pk, Attendance.Status.PRESENT),
            )
            self.fields[self.reason_name(member)] = forms.CharField(
                label=f"{member.name}的缺席原因",
                max_length=self.REASON_MAX,
                required=False,
                initial=reasons.get(member.pk, ""),
                widget=forms.TextInput(attrs={"placeholder": "缺席原因，如“外出务工”"}),
            )

    @staticmethod
    def field_name(member: Member) -> str:
        return f"m{member.pk}"

    @staticmethod
    def reason_name(member: Member) -> str:
        return f"r{member.pk}"

    def statuses(self) -> dict[int, str]:
        """{member id: status} (call after `is_valid()`)."""
        return {int(name[1:]): value for name, value in self.cleaned_data.items() if name[0] == "m"}

    def reasons(self) -> dict[int, str]:
        """{member id: 缺席原因} of the members not marked 出席 (call after `is_valid()`)."""
        statuses = self.statuses()
        return {
            pk: self.cleaned_data[f"r{pk}"].strip()
            for pk, status in statuses.items()
            if status != Attendance.Status.PRESENT and self.cleaned_data.get(f"r{pk}", "").strip()
        }
