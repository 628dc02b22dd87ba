"""Forms for supervision (督导), rectification (整改) and typical cases (典型案例).

The forms only read and check what was typed; the views hand `cleaned_data` to the services in
`campaigns.services`, which hold the rules about who may do what and when.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from organizations.uploads import DOCUMENT_EXTENSIONS, check_upload, describe_limits

from ..models import SupervisionVisit


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="督导日期", widget=_date_input())
    method = forms.ChoiceField(
        label="督导方式",
        choices=SupervisionVisit.Method.choices,
        widget=forms.RadioSelect,
        help_text="随机调研：不打招呼随机抽查；明察暗访：不亮身份实地查看；重点督办：对突出问题挂牌督办。",
    )
    findings = forms.CharField(
        label="发现问题",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明看到的情况和存在的问题；需要支部整改的，在下面逐条列出整改事项。",
    )

    def clean_visited_on(self) -> datetime.date:
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("督导日期不能晚于今天。")
        return day


class RectificationForm(forms.Form):
    """One item to put right, with its owner and due date."""

    description = forms.CharField(label="整改事项", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label="整改责任人", max_length=100, help_text="如“村党支部书记 王建国”。")
    due_on = forms.DateField(label="整改时限", widget=_date_input())

    def clean_due_on(self) -> datetime.date | None:
        day = self.cleaned_data["due_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError("整改时限不能早于今天。")
        return day


class RectificationRowForm(RectificationForm):
    """A row of the visit form: blank is fine (skipped), but a started row needs all three."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self):
        data = super().clean()
        if any(data.get(name) for name in self.fields):
            for name, field in self.fields.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"请填写{field.label}。")
        return data


class BaseRectificationFormSet(forms.BaseFormSet):
    """The items raised together with a visit.

    `prefill` gives the rows typed so far when the page is shown again with one more row
    (the “再加一项” button without JavaScript); those rows stay blank-permitted extra rows, so
    a row emptied again is simply skipped.
    """

    def __init__(self, *args, prefill: list[dict] | None = None, **kwargs):
        self.prefill = prefill or []
        super().__init__(*args, **kwargs)
        if self.prefill and not self.is_bound:
            self.extra = len(self.prefill) + 1

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if not self.is_bound and index is not None and index < len(self.prefill):
            kwargs["initial"] = self.prefill[index]
        return kwargs

    def items(self) -> list[dict]:
        """The filled-in rows' cleaned data (call after `is_valid()`)."""
        return [f.cleaned_data for f in self.forms if f.has_changed() and f.cleaned_data]


RectificationFormSet = forms.formset_factory(
    RectificationRowForm, formset=BaseRectificationFormSet, extra=2, max_num=10, absolute_max=10
)
RECTIFICATION_PREFIX = "rect"


class AnswerForm(forms.Form):
    response = forms.CharField(
        label="整改情况",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明采取了哪些措施、整改到什么程度。",
    )
    evidence = forms.FileField(
        label="整改佐证（可选）",
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in DOCUMENT_EXTENSIONS)}),
    )

    def __init__(self, *args, has_evidence: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Worded when the form is made, from the same settings check_upload enforces.
        help_text = f"照片、会议记录扫描件等；{describe_limits(DOCUMENT_EXTENSIONS)}。"
        if has_evidence:
            help_text += "已有佐证文件：不选文件则保留原文件，选了则替换。"
        self.fields["evidence"].help_text = help_text

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        check_upload(evidence, DOCUMENT_EXTENSIONS)
        return evidence


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明还差什么，支部据此重新整改后再反馈。",
    )


class TypicalCaseForm(forms.Form):
    title = forms.CharField(label="案例标题", max_length=200)
    summary = forms.CharField(
        label="案例摘要",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="做法、成效和可推广的经验，供宣传推介使用。",
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
