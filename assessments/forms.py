"""The campaign settings form: the campaign, its criteria framework and its three phases in one page.

The form checks what it can show beside a field (the weights' sum, each phase's dates and their
order, with the model's own rule `validate_phases`); whatever the services still refuse is put back
on the form by `add_service_error`, so nothing typed is lost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError

from campaigns import policies
from campaigns.models import Campaign, Phase, validate_phases
from campaigns.services import PhaseSpec
from organizations.models import Organization, Role

from .models import Framework

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
WEIGHT_FIELDS = ("weight_self", "weight_public", "weight_inspection")
PHASE_PARTS = ("name", "starts_on", "ends_on")
# What each stage is for, as the 开发区 plan describes it; shown under the stage's name.
PHASE_HINTS = {
    Phase.Kind.MOBILIZATION: "制定方案、召开动员会；党委在此阶段及组织实施阶段申报示范点。",
    Phase.Kind.IMPLEMENTATION: "对照标准抓好落实；支部在此阶段开始自评。",
    Phase.Kind.ACCEPTANCE: "基层自评、群众测评、组织考评，现场验收。",
}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效日期，如 2026-05-18。"},
    )


@dataclass
class PhaseRow:
    """One stage's three fields, for the template."""

    kind: Phase.Kind
    hint: str
    name: forms.BoundField
    starts_on: forms.BoundField
    ends_on: forms.BoundField

    @property
    def has_errors(self) -> bool:
        return bool(self.name.errors or self.starts_on.errors or self.ends_on.errors)


def _framework_label(framework: Framework) -> str:
    origin = "内置" if framework.is_builtin else "自定义"
    return f"{framework}（{origin}）"


class CampaignForm(forms.Form):
    """Create (`campaign=None`) or edit a campaign.

    The organizer is chosen among the organizations where `user` is 组织部 (fixed once created).
    The framework is offered while the campaign is a draft; once it has started its copy is frozen
    and the field is left out.
    """

    organizer = forms.ModelChoiceField(
        label="组织单位", queryset=Organization.objects.none(), empty_label=None
    )
    name = forms.CharField(
        label="活动名称",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：2026年度基层党建示范点创建活动"}),
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    framework = forms.ModelChoiceField(
        label="考核标准",
        queryset=Framework.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="活动保存所选标准的副本；活动启动后副本冻结，不再随原标准变化。",
        error_messages={
            "required": "请选择一个考核标准。",
            "invalid_choice": "所选考核标准已不存在，请重新选择。",
        },
    )
    description = forms.CharField(label="活动说明", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    quota_per_committee = forms.IntegerField(
        label="每个党委申报名额",
        min_value=1,
        max_value=50,
        initial=1,
        help_text="“成熟一个、打造一个”：每个党委每年申报的示范点数，一般为 1。",
    )
    weight_self = forms.IntegerField(label="基层自评(%)", min_value=0, max_value=100, initial=20)
    weight_public = forms.IntegerField(label="群众测评(%)", min_value=0, max_value=100, initial=30)
    weight_inspection = forms.IntegerField(label="组织考评(%)", min_value=0, max_value=100, initial=50)
    pass_score = forms.DecimalField(
        label="通过分数线",
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=80,
        help_text="综合得分（百分制）达到此分数方可通过验收。",
    )
    publicity_days = forms.IntegerField(
        label="公示天数",
        min_value=1,
        max_value=90,
        initial=5,
        help_text="验收结果公示期，公示期内可提出异议。",
    )

    def __init__(self, *args, user, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        self.user = user
        self.weight_errors: list[str] = []
        self.phase_errors: list[str] = []
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(campaign)
        super().__init__(*args, **kwargs)
        for kind in Phase.ORDER:
            prefix = kind.lower()
            self.fields[f"{prefix}_name"] = forms.CharField(
                label="本活动的叫法",
                max_length=50,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": kind.label}),
                help_text=f"可不填，默认为“{kind.label}”。",
            )
            self.fields[f"{prefix}_starts_on"] = _date_field("开始日期")
            self.fields[f"{prefix}_ends_on"] = _date_field("结束日期")

        if campaign is None:
            if user.is_superuser:
                organizers = Organization.objects.filter(depth=1)
            else:
                organizers = Organization.objects.filter(
                    roles__user_id=user.pk, roles__kind=Role.Kind.ORG_DEPARTMENT
                ).distinct()
            self.fields["organizer"].queryset = organizers
        else:
            del self.fields["organizer"]
        if self.framework_editable:
            field = self.fields["framework"]
            field.queryset = Framework.objects.templates().order_by("-is_builtin", "name", "-version")
            field.label_from_instance = _framework_label
        else:
            del self.fields["framework"]

    @staticmethod
    def initial_for(campaign: Campaign) -> dict:
        initial = {
            name: getattr(campaign, name)
            for name in (
                "name",
                "year",
                "description",
                "quota_per_committee",
                *WEIGHT_FIELDS,
                "pass_score",
                "publicity_days",
            )
        }
        if initial["pass_score"] == initial["pass_score"].to_integral_value():
            initial["pass_score"] = int(initial["pass_score"])  # 80, not 80.00
        copy = Framework.objects.filter(campaign=campaign).only("based_on_id").first()
        initial["framework"] = copy.based_on_id if copy else None
        for phase in campaign.phases.all():
            prefix = phase.kind.lower()
            initial[f"{prefix}_name"] = phase.name
            initial[f"{prefix}_starts_on"] = phase.starts_on
            initial[f"{prefix}_ends_on"] = phase.ends_on
        return initial

    @cached_property
    def framework_editable(self) -> bool:
        return self.campaign is None or policies.cannot_change_framework(self.user, self.campaign) is None

    # Field groups for the template -----------------------------------------------------------

    def group(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    @property
    def weight_fields(self) -> list[forms.BoundField]:
        return self.group(*WEIGHT_FIELDS)

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        return self.group("quota_per_committee", "pass_score", "publicity_days")

    @property
    def phase_rows(self) -> list[PhaseRow]:
        rows = []
        for kind in Phase.ORDER:
            prefix = kind.lower()
            rows.append(
                PhaseRow(
                    kind=kind,
                    hint=PHASE_HINTS[kind],
                    name=self[f"{prefix}_name"],
                    starts_on=self[f"{prefix}_starts_on"],
                    ends_on=self[f"{prefix}_ends_on"],
                )
            )
        return rows

    @property
    def error_sections(self) -> list[tuple[str, str]]:
        """(anchor, title) of each part of the page that has an error, for the summary on top."""
        rules = {*WEIGHT_FIELDS, "quota_per_committee", "pass_score", "publicity_days"}
        phases = {f"{kind.lower()}_{part}" for kind in Phase.ORDER for part in PHASE_PARTS}
        sections = [
            ("basic", "基本信息", {"organizer", "name", "year", "description"}),
            ("framework", "考核标准", {"framework"}),
            ("weights", "考评权重与规则", rules),
            ("phases", "阶段安排", phases),
        ]
        wrong = set(self.errors)
        if self.weight_errors:
            wrong.add("weight_self")
        return [(anchor, title) for anchor, title, names in sections if wrong & names]

    @property
    def weight_total(self) -> int | None:
        """The sum as typed, for the hint beside the weights (None when a weight is not a number)."""
        total = 0
        for name in WEIGHT_FIELDS:
            try:
                total += int(self[name].value())
            except (TypeError, ValueError):
                return None
        return total

    # Validation ------------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        self._check_weights(data)
        self._check_phases(data)
        return data

    def _check_weights(self, data: dict) -> None:
        weights = [data.get(name) for name in WEIGHT_FIELDS]
        if any(w is None for w in weights):
            return
        total = sum(weights)
        if total != 100:
            self.add_weight_error(
                f"基层自评、群众测评、组织考评三项权重之和须为 100，现为 "
                f"{weights[0]} + {weights[1]} + {weights[2]} = {total}，请调整。"
            )

    def add_weight_error(self, message: str) -> None:
        self.weight_errors.append(message)
        self.add_error(None, message)

    def _check_phases(self, data: dict) -> None:
        """Each stage's dates, then each pair in order, by the model's own rule (validate_phases).

        An error is put beside the date to change: a stage ending before it starts on its end
        date, a stage starting before the previous one ends on its start date.
        """
        complete = []
        for kind in Phase.ORDER:
            prefix = kind.lower()
            phase = Phase(
                kind=kind,
                name=(data.get(f"{prefix}_name") or "").strip(),
                starts_on=data.get(f"{prefix}_starts_on"),
                ends_on=data.get(f"{prefix}_ends_on"),
            )
            if phase.starts_on is None or phase.ends_on is None:
                continue
            try:
                validate_phases([phase])
            except ValidationError as error:
                self.add_error(f"{prefix}_ends_on", error.messages)
                continue
            complete.append(phase)
        for earlier, later in itertools.pairwise(complete):
            try:
                validate_phases([earlier, later])
            except ValidationError as error:
                self.add_error(f"{later.kind.lower()}_starts_on", error.messages)

    def add_service_error(self, error: ValidationError) -> None:
        """Put an error raised by a service back on the form: beside its field, or on top."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                target = name if name in self.fields else None
                for message in messages:
                    if target is None and "权重" in message:
                        self.add_weight_error(message)
                    else:
                        self.add_error(target, message)
        else:
            for message in error.messages:
                if "权重" in message:
                    self.add_weight_error(message)
                else:
                    self.add_error(None, message)

    # For the services --------------------------------------------------------------------------

    def phase_specs(self) -> list[PhaseSpec]:
        data = self.cleaned_data
        return [
            PhaseSpec(
                kind=kind,
                starts_on=data[f"{kind.lower()}_starts_on"],
                ends_on=data[f"{kind.lower()}_ends_on"],
                name=data[f"{kind.lower()}_name"].strip(),
            )
            for kind in Phase.ORDER
        ]

    def campaign_fields(self) -> dict:
        """The campaign's own settings, as keyword arguments of create/update_campaign."""
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "year": data["year"],
            "description": data["description"].strip(),
            "quota_per_committee": data["quota_per_committee"],
            **{name: data[name] for name in WEIGHT_FIELDS},
            "pass_score": data["pass_score"],
            "publicity_days": data["publicity_days"],
        }
