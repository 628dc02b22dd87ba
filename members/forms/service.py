"""Forms for the star-service pages: service records, their filters, households, pairings, plaques.

Plain forms (not ModelForms): the services in `members.services.star_service` save, so
validating a form never touches the row being edited; the rules a form shows beside its fields
are the `members.rules` the services check again. Choices of members and households are the
branch's own.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Count
from django.utils import timezone

from organizations.models import Organization

from .. import rules
from ..models import Household, Member, Plaque

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        group = getattr(obj, "group", None)
        return f"{obj.name}（{group.name}）" if group else obj.name


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        return f"{obj.name}（{obj.get_category_display()}）"


def branch_members(branch: Organization):
    return Member.objects.filter(branch=branch).select_related("group").order_by("name", "id")


def branch_households(branch: Organization):
    return Household.objects.filter(branch=branch).order_by("name", "id")


class ServiceForm(forms.Form):
    """One entry of a member's 星级服务卡 (with the 服务反馈卡 text)."""

    member = MemberChoiceField(label="党员", queryset=Member.objects.none(), empty_label="请选择党员")
    household = HouseholdChoiceField(
        label="服务对象",
        queryset=Household.objects.none(),
        required=False,
        empty_label="（不针对某一帮扶对象）",
        help_text="入户帮扶时选择帮扶对象；没有登记的请先在“帮扶结对”中登记。",
    )
    served_on = forms.DateField(label="服务日期", widget=DATE_INPUT)
    hours = forms.DecimalField(
        label="服务时长（小时）",
        max_digits=5,
        decimal_places=1,
        initial=Decimal("1"),
        widget=forms.NumberInput(
            attrs={
                "step": "0.5",
                "min": rules.MIN_SERVICE_HOURS,
                "max": rules.MAX_SERVICE_HOURS,
                "inputmode": "decimal",
            }
        ),
        help_text="按半小时计，如 1.5。",
    )
    place = forms.CharField(
        label="服务地点",
        max_length=100,
        required=False,
        help_text="如：村委会、村文化广场。入户服务可不填，记为服务对象的住址。",
    )
    content = forms.CharField(
        label="服务内容", max_length=300, widget=forms.Textarea(attrs={"rows": 2}), help_text="最多 300 字。"
    )
    feedback = forms.CharField(
        label="服务反馈",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="服务反馈卡：党员向支部反馈的服务情况、服务对象的意见。",
    )
    responsible = forms.CharField(
        label="责任人",
        max_length=50,
        required=False,
        help_text="负责安排或核实这次服务的人，如党小组长。",
    )
    points = forms.DecimalField(
        label="积分",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
        help_text="按本支部积分制管理办法计分，如 2 或 0.5。",
    )

    def __init__(self, *args, branch: Organization, uses_points: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = branch_members(branch)
        self.fields["household"].queryset = branch_households(branch)
        if not uses_points:
            # The branch's star rule keeps no points: nothing to enter.
            del self.fields["points"]

    def clean_served_on(self) -> datetime.date:
        served_on = self.cleaned_data["served_on"]
        if problem := rules.future_day_problem("served_on", served_on, timezone.localdate()):
            raise forms.ValidationError(problem)
        return served_on

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if problem := rules.service_hours_problem(hours):
            raise forms.ValidationError(problem)
        return hours

    def clean(self):
        cleaned = super().clean()
        household = cleaned.get("household")
        if not cleaned.get("place") and "place" not in self.errors:
            if household is not None and household.address:
                cleaned["place"] = household.address[:100]
            else:
                self.add_error("place", "请填写服务地点。")
        return cleaned


STATUS_UNVERIFIED = "unverified"
STATUS_VERIFIED = "verified"
STATUS_DUPLICATE = "duplicate"
STATUS_CHOICES = [
    ("", "全部"),
    (STATUS_UNVERIFIED, "待核实"),
    (STATUS_VERIFIED, "已核实"),
    (STATUS_DUPLICATE, "疑似重复"),
]
PUBLISHED_YES = "yes"
PUBLISHED_NO = "no"
PUBLISHED_CHOICES = [("", "全部"), (PUBLISHED_YES, "已公示"), (PUBLISHED_NO, "未公示")]


class ServiceFilterForm(forms.Form):
    """The list's filters. Choices come from lists the view has already loaded, so checking a
    chosen value costs no query; an unknown value is simply not applied."""

    member = forms.ChoiceField(label="党员", required=False)
    month = forms.ChoiceField(label="月份", required=False)
    status = forms.ChoiceField(label="核实情况", required=False, choices=STATUS_CHOICES)
    household = forms.ChoiceField(label="服务对象", required=False)
    published = forms.ChoiceField(label="公示情况", required=False, choices=PUBLISHED_CHOICES)

    FIELDS = ("member", "month", "status", "household", "published")

    def __init__(self, data, *, members, households, months: list[datetime.date]):
        super().__init__(data)
        self.fields["member"].choices = [("", "全部党员"), *((str(m.pk), m.name) for m in members)]
        self.fields["household"].choices = [
            ("", "全部"),
            *((str(h.pk), f"{h.name}（{h.get_category_display()}）") for h in households),
        ]
        self.fields["month"].choices = [
            ("", "全部月份"),
            *((f"{d:%Y-%m}", f"{d.year}年{d.month}月") for d in months),
        ]

    def values(self) -> dict[str, str]:
        """The filters that hold a valid value, by name (empty when none)."""
        self.is_valid()
        return {
            name: self.data.get(name, "")
            for name in self.FIELDS
            if name not in self.errors and self.data.get(name, "")
        }


class HouseholdForm(forms.Form):
    name = forms.CharField(label="户主姓名", max_length=50)
    category = forms.ChoiceField(label="类别", choices=[("", "请选择"), *Household.Category.choices])
    needs = forms.CharField(
        label="帮扶需求",
        max_length=200,
        required=False,
        help_text="如：房屋修缮、代办低保年审、农产品销路。",
    )
    address = forms.CharField(label="住址", max_length=200, required=False)
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        validators=[RegexValidator(r"^[0-9+\- ]{5,20}$", "请填写正确的电话号码（数字，可含 - ）。")],
    )


class PairingForm(forms.Form):
    member = MemberChoiceField(label="党员", queryset=Member.objects.none(), empty_label="请选择党员")
    household = HouseholdChoiceField(
        label="帮扶对象", queryset=Household.objects.none(), empty_label="请选择帮扶对象"
    )
    started_on = forms.DateField(label="结对日期", required=False, widget=DATE_INPUT)

    def __init__(self, *args, branch: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        members = branch_members(branch).annotate(pairing_count=Count("pairings"))
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = _member_with_pairings
        most = rules.MAX_PAIRINGS_PER_MEMBER
        self.fields["member"].help_text = f"括号内为已结对户数；每位党员最多结对 {most} 户。"
        self.fields["household"].queryset = branch_households(branch).annotate(
            pairing_count=Count("pairings")
        )
        self.fields["household"].label_from_instance = _household_with_pairings


def _household_with_pairings(household: Household) -> str:
    count = getattr(household, "pairing_count", 0)
    paired = f"，已有 {count} 名党员结对" if count else "，尚无党员结对"
    return f"{household.name}（{household.get_category_display()}{paired}）"


def _member_with_pairings(member: Member) -> str:
    count = getattr(member, "pairing_count", 0)
    return f"{member.name}（已结对 {count} 户）" if count else f"{member.name}（未结对）"


class PlaqueForm(forms.Form):
    member = MemberChoiceField(label="党员", queryset=Member.objects.none(), empty_label="请选择党员")
    title = forms.ChoiceField(label="挂牌称号", choices=Plaque.Title.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label="产生方式", choices=Plaque.Method.choices, widget=forms.RadioSelect)
    year = forms.IntegerField(label="年度", min_value=2000)
    awarded_on = forms.DateField(label="挂牌日期", required=False, widget=DATE_INPUT)

    def __init__(self, *args, branch: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = branch_members(branch)
        self.fields["year"].widget.attrs.update(
            {"max": timezone.localdate().year + 1, "inputmode": "numeric"}
        )

    def clean(self):
        cleaned = super().clean()
        if "year" in cleaned:
            problems = rules.plaque_problems(cleaned["year"], cleaned.get("awarded_on"), timezone.localdate())
            for field, problem in problems.items():
                self.add_error(field, problem)
        return cleaned
