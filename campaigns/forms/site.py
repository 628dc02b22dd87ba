"""Forms for a site's own pages: the 创建方案, the leading group and the funding.

They validate what was typed; the services in `campaigns.services` decide whether the user may
save it and record the change.
"""

from __future__ import annotations

from django import forms

from ..models import Funding, LeadingGroupMember
from .plan import PlanFileMixin


class PlanForm(PlanFileMixin, forms.Form):
    plan_file_note = "上传新文件将替换原附件。"

    plan = forms.CharField(
        label="创建方案",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="目标任务、主要措施、工作步骤和保障措施；已有定稿文件的，也可只上传附件。",
    )
    highlights = forms.CharField(
        label="创建特色",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="本支部的特色做法和品牌，如“党员星级服务”“党员联系农户全覆盖”。",
    )
    plan_file = forms.FileField(label="方案附件", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.describe_plan_file()


class LeadingGroupMemberForm(forms.ModelForm):
    class Meta:
        model = LeadingGroupMember
        fields = ["position", "name", "title", "duty"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "title": forms.TextInput(attrs={"placeholder": "如：村党支部书记"}),
            "duty": forms.TextInput(attrs={"placeholder": "如：全面负责创建工作"}),
        }
        help_texts = {"title": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's own blank choice ("- Select an option -") has no Chinese translation.
        self.fields["position"].choices = [("", "请选择职务"), *LeadingGroupMember.Position.choices]


class FundingForm(forms.ModelForm):
    class Meta:
        model = Funding
        fields = ["source", "amount", "spent", "note"]
        widgets = {
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
            "spent": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
            "note": forms.TextInput(attrs={"placeholder": "如：党员活动阵地改造"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "请选择经费来源"), *Funding.Source.choices]

    def clean(self):
        cleaned = super().clean()
        amount, spent = cleaned.get("amount"), cleaned.get("spent")
        if amount is not None and spent is not None and spent > amount:
            # Beside the field, rather than the model constraint's message at the top of the form.
            self.add_error("spent", f"已使用金额不能超过经费金额（{amount:,.2f} 元）。")
        return cleaned
