"""Forms for nominating a branch (申报) and deciding a nomination (批准创建 / 不予批准).

They check what was typed; `nominate_site`, `approve_site` and `reject_site` decide whether it
may be done (quota, one site per branch, phase, role) and say why not.
"""

from __future__ import annotations

from django import forms

from organizations.models import Organization

from .plan import PlanFileMixin


class BranchSelect(forms.Select):
    """A select whose branches already holding a site in the campaign are shown, but disabled."""

    taken: dict[int, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        pk = getattr(value, "value", value)
        if pk in self.taken:
            option["label"] = f"{label}（{self.taken[pk]}）"
            option["attrs"]["disabled"] = True
        return option


class NominationForm(PlanFileMixin, forms.Form):
    branch = forms.ModelChoiceField(
        label="申报党支部",
        queryset=Organization.objects.none(),
        empty_label="请选择本党委的党支部",
        widget=BranchSelect,
        error_messages={"invalid_choice": "只能申报本党委所属的党支部，请从列表中选择。"},
    )
    plan = forms.CharField(
        label="创建方案",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="目标任务、主要措施、方法步骤和保障措施。可直接填写，也可只上传方案文件，两者至少一项。",
    )
    plan_file = forms.FileField(label="创建方案文件", required=False)
    highlights = forms.CharField(
        label="创建特色",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="本支部的特色做法和品牌，如“党员星级服务”“党员联系农户全覆盖”。",
    )

    def __init__(self, *args, branches, taken: dict[int, str], **kwargs):
        """`branches`: the 党支部 the user may put forward; `taken`: pk → why one is unavailable.

        Taken branches stay valid choices, so a POST naming one reaches `nominate_site`, whose
        refusal says why; the page shows them disabled.
        """
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["branch"].widget.taken = taken
        self.describe_plan_file()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("plan") and not cleaned.get("plan_file") and "plan_file" not in self.errors:
            self.add_error("plan", "请填写创建方案，或上传方案文件。")
        return cleaned


class ApproveForm(forms.Form):
    note = forms.CharField(
        label="审批意见",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "可不填，如：同意列为示范点创建单位"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予批准理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="请写明原因和改进建议。申报党委将在示范点页面看到这条理由，可据此改进后重新申报。",
        error_messages={"required": "请写明不予批准的理由。"},
    )
