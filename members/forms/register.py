"""Forms for the member register and the development pipeline.

They parse what was typed; the rules are not theirs. A member's are `members.validation`'s:
`check_member` through the model (a ModelForm validates its instance, and `Member.clean` runs
it), `check_whereabouts` here, so each problem appears beside its field. The time rules of
发展党员 are the services'.
"""

from __future__ import annotations

from django import forms

from organizations.models import Organization

from ..models import Applicant, DevelopmentStage, Education, Gender, Member
from ..services.register import MEMBER_FIELDS
from ..validation import RegisterError, check_whereabouts, group_refusal


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def with_blank(choices, label: str) -> list[tuple[str, str]]:
    # Django's own blank choice ("---------") reads as noise to a village secretary.
    return [("", label), *choices]


class MemberForm(forms.ModelForm):
    """The 党员信息采集表 items of one member of `branch`.

    With `shows_id_number` false (a 党委 keeping the register sees ID numbers masked) the field
    starts empty: a number typed there replaces the one on file, an empty one keeps it.
    """

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "id_number": forms.TextInput(
                attrs={"autocomplete": "off", "maxlength": 18, "spellcheck": "false", "class": "mono"}
            ),
            "birth_date": date_input(),
            "joined_on": date_input(),
            "full_member_on": date_input(),
            "lost_contact_since": date_input(),
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
            "landline": forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "tel",
                    "autocomplete": "off",
                    "placeholder": "如：0731-84123456",
                }
            ),
            "skills": forms.TextInput(attrs={"placeholder": "如：果树嫁接、电工、驾驶、会计"}),
            "job": forms.TextInput(attrs={"placeholder": "如：村委会委员、XX合作社社长"}),
            "address": forms.TextInput(attrs={"placeholder": "如：城关镇力源村三组12号"}),
            "mobile_destination": forms.TextInput(attrs={"placeholder": "如：广东省深圳市，XX电子厂"}),
        }
        help_texts = {
            "id_number": "18 位，末位可为 X；不知道可先不填。",
            "birth_date": "填了身份证号可不填，自动取身份证上的日期。",
            "full_member_on": "预备党员不填。",
            "skills": "技能特长，开展星级服务时按特长安排。",
            "mobile_destination": "流动党员必填。",
            "lost_contact_since": "失联党员必填。",
        }

    def __init__(
        self,
        *args,
        branch: Organization,
        shows_id_number: bool = True,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.branch = branch
        if self.instance.pk is None:
            self.instance.branch = branch  # the model's rules place the 党小组 under it
        self.keeps_hidden_id = not shows_id_number and bool(self.instance.pk and self.instance.id_number)
        fields = self.fields
        fields["gender"].choices = with_blank(Gender.choices, "请选择")
        fields["education"].choices = with_blank(Education.choices, "未填写")
        fields["status"].choices = Member.Status.choices
        fields["occupation"].choices = Member.Occupation.choices
        fields["party_standing"].choices = Member.Standing.choices
        fields["group"].queryset = Organization.objects.groups_of(branch)
        fields["group"].error_messages["invalid_choice"] = group_refusal(branch)
        fields["group"].empty_label = "未编入党小组"
        fields["group"].label_from_instance = lambda group: group.name
        if self.keeps_hidden_id:
            masked = self.instance.masked_id_number
            fields["id_number"].help_text = f"已登记 {masked}。需要更正时输入完整的新号码，留空则不变。"
            self.initial["id_number"] = ""

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if not value and self.keeps_hidden_id:
            return self.instance.id_number
        return value

    def clean(self):
        cleaned = super().clean()
        try:
            checked = check_whereabouts(cleaned)
        except RegisterError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
            return cleaned
        # Only the fields that parsed: 外出流向 and 失联日期 are cleared for who is back.
        return {name: value for name, value in checked.items() if name in cleaned}

    def validate_unique(self):
        # One ID number per member is checked by check_member with its own message; the
        # model's conditional constraint would only add Django's generic wording.
        pass


class MemberFilterForm(forms.Form):
    """The register's search and filters, read from the query string; bad values are ignored."""

    q = forms.CharField(label="搜索", required=False, max_length=50)
    group = forms.ChoiceField(label="党小组", required=False)
    status = forms.ChoiceField(
        label="人员类别", required=False, choices=with_blank(Member.Status.choices, "全部")
    )
    standing = forms.ChoiceField(
        label="党籍状态", required=False, choices=with_blank(Member.Standing.choices, "全部")
    )
    mobile = forms.BooleanField(label="只看流动党员", required=False)
    lost = forms.BooleanField(label="只看失联党员", required=False)

    NO_GROUP = "none"

    def __init__(self, *args, groups: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [
            ("", "全部"),
            *((str(g.pk), g.name) for g in groups),
            (self.NO_GROUP, "未编入党小组"),
        ]

    def filters(self) -> dict:
        """The valid, non-empty filters (an invalid one is dropped, not an error page)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None, False)}


class ApplicantForm(forms.ModelForm):
    applied_on = forms.DateField(
        label="递交入党申请书日期",
        widget=date_input(),
        help_text="申请人须年满十八岁。",
    )

    class Meta:
        model = Applicant
        fields = ["name", "gender", "birth_date", "phone", "applied_on", "note"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "birth_date": date_input(),
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
            "note": forms.TextInput(attrs={"placeholder": "如：返乡创业青年、村医"}),
        }
        help_texts = {"birth_date": "用于核对是否年满十八岁。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = with_blank(Gender.choices, "请选择")


class AdvanceForm(forms.Form):
    """The next stage (fixed by the page) and the day it was reached."""

    stage = forms.ChoiceField(choices=DevelopmentStage.Stage.choices, widget=forms.HiddenInput)
    reached_on = forms.DateField(label="日期", widget=date_input())
    note = forms.CharField(
        label="备注",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：支部委员会研究确定、培养联系人"}),
    )

    def __init__(self, *args, date_label: str = "日期", date_help: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached_on"].label = date_label
        self.fields["reached_on"].help_text = date_help
