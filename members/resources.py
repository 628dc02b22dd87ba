"""Import and export of the member roster in the layout of the national 党员信息采集表.

A roster kept in that form imports as it is: the sixteen columns carry the form's own
headings, choice columns take the Chinese labels, 所在党支部 is a branch's name or code, and a
row whose 公民身份证号 matches a member already on file updates that member. 人员类别 is
正式党员/预备党员 and 工作岗位 the form's coded occupation; 工作单位及职务 is an optional
extra column.
"""

from __future__ import annotations

import re
from functools import cached_property

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from organizations.models import Organization, Role
from organizations.resources import ChineseDateWidget, ChineseErrorsMixin, ChoiceLabelWidget, YesNoWidget

from .models import Education, Gender, Member

ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def sees_id_numbers(user) -> bool:
    """Full 公民身份证号 are for the 组织部 and branch secretaries (DESIGN §3); others see them masked."""
    if user is None or user.is_superuser:
        return True
    return Role.objects.filter(
        user_id=user.pk, kind__in=[Role.Kind.ORG_DEPARTMENT, Role.Kind.BRANCH_SECRETARY]
    ).exists()


class TextWidget(widgets.Widget):
    """Text cells; spreadsheet numbers (phone numbers, ID numbers) come back without a trailing .0."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class BranchWidget(widgets.ForeignKeyWidget):
    """所在党支部 by organization code or by name, among the branches the importing user sees."""

    def __init__(self, user=None):
        super().__init__(Organization, field="name")
        self.user = user
        self._found: dict[str, Organization] = {}

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError("请填写所在党支部（名称或组织编码）。")
        if text not in self._found:
            branches = Organization.objects.branches()
            if self.user is not None and not self.user.is_superuser:
                branches = branches.visible_to(self.user)
            matches = list(branches.filter(code=text)[:1]) or list(branches.filter(name=text)[:2])
            if not matches:
                raise ValueError(f"找不到党支部“{text}”，或它不在您的管辖范围内。")
            if len(matches) > 1:
                raise ValueError(f"有不止一个党支部名为“{text}”，请改填组织编码。")
            self._found[text] = matches[0]
        return self._found[text]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


def _field(attribute, column, widget=None, **kwargs):
    return fields.Field(attribute=attribute, column_name=column, widget=widget or TextWidget(), **kwargs)


class MemberResource(ChineseErrorsMixin, resources.ModelResource):
    name = _field("name", "姓名")
    gender = _field("gender", "性别", ChoiceLabelWidget(Gender.choices))
    ethnicity = _field("ethnicity", "民族", default="汉族")
    id_number = _field("id_number", "公民身份证号")
    birth_date = _field("birth_date", "出生日期", ChineseDateWidget())
    education = _field("education", "学历", ChoiceLabelWidget(Education.choices))
    status = _field(
        "status", "人员类别", ChoiceLabelWidget(Member.Status.choices), default=Member.Status.FULL
    )
    branch = _field("branch", "所在党支部", BranchWidget())
    joined_on = _field("joined_on", "加入党组织日期", ChineseDateWidget())
    full_member_on = _field("full_member_on", "转为正式党员日期", ChineseDateWidget())
    occupation = _field(
        "occupation",
        "工作岗位",
        ChoiceLabelWidget(Member.Occupation.choices),
        default=Member.Occupation.OTHER,
    )
    phone = _field("phone", "联系电话")
    address = _field("address", "家庭住址")
    party_standing = _field(
        "party_standing",
        "党籍状态",
        ChoiceLabelWidget(Member.Standing.choices),
        default=Member.Standing.NORMAL,
    )
    is_lost_contact = _field("is_lost_contact", "是否为失联党员", YesNoWidget())
    is_mobile = _field("is_mobile", "是否为流动党员", YesNoWidget())
    job = _field("job", "工作单位及职务")

    class Meta:
        model = Member
        fields = (
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "birth_date",
            "education",
            "status",
            "branch",
            "joined_on",
            "full_member_on",
            "occupation",
            "phone",
            "address",
            "party_standing",
            "is_lost_contact",
            "is_mobile",
            "job",
        )
        import_id_fields = ("id_number",)

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.fields["branch"].widget = BranchWidget(user)
        self._id_column = True

    def get_queryset(self):
        queryset = Member.objects.select_related("branch")
        if self.user is None or self.user.is_superuser:
            return queryset
        return queryset.visible_to(self.user)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("branch")

    @cached_property
    def shows_id_numbers(self) -> bool:
        return sees_id_numbers(self.user)

    def dehydrate_id_number(self, member: Member) -> str:
        return member.id_number if self.shows_id_numbers else member.masked_id_number

    # Identity: the 公民身份证号 when the row gives one; a row without one is a new member.

    def before_import(self, dataset, **kwargs):
        self._id_column = self.fields["id_number"].column_name in (dataset.headers or [])
        super().before_import(dataset, **kwargs)

    def get_import_id_fields(self):
        return ["id_number"] if self._id_column else []

    def get_instance(self, instance_loader, row):
        id_number = self._id_number(row)
        if not id_number:
            return None
        return self.get_queryset().filter(id_number=id_number).first()

    def _id_number(self, row) -> str:
        return TextWidget().clean(row.get(self.fields["id_number"].column_name)).upper()

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance.id_number = instance.id_number.upper()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "id_number" not in errors and instance.id_number:
            if not ID_NUMBER.match(instance.id_number):
                errors["id_number"] = ["公民身份证号应为 18 位（末位可为 X）。"]
            elif Member.objects.exclude(pk=instance.pk).filter(id_number=instance.id_number).exists():
                errors["id_number"] = ["该公民身份证号已登记在其他党支部的党员档案中。"]
        if errors:
            raise self.relabel(ValidationError(errors))
