"""Import and export of a branch's records with the headings people keep in their spreadsheets.

The member roster is laid out as the national 党员信息采集表: a roster kept in that form
imports as it is. The sixteen columns carry the form's own headings, choice columns take the
Chinese labels, 所在党支部 is a branch's name or code, and a row whose 公民身份证号 matches a
member already on file updates that member. 人员类别 is 正式党员/预备党员 and 工作岗位 the form's
coded occupation; 工作单位及职务 and 党小组 are optional extra columns.

Households (帮扶对象), service records (星级服务记录) and meeting attendance (会议出勤) have
resources of their own, always for one branch. Every reference is written as people write it
(a 党小组 by name, a 党员 by name with the 公民身份证号 where names repeat, a 帮扶对象 by name, a
会议 by date and topic) and resolved through a lookup that loads its table once per import,
so a file of any length costs one query per referenced table, never one per row.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from organizations.models import Kind, Organization
from organizations.resources import ChineseDateWidget, ChineseErrorsMixin, ChoiceLabelWidget, YesNoWidget
from spreadsheets import cell_text

from . import policies
from .models import Attendance, Education, Gender, Household, Meeting, Member, ServiceRecord
from .validation import group_refusal, normal_id_number


def is_masked(id_number: str) -> bool:
    """A 公民身份证号 as a masked export shows it (4301**********1234)."""
    return "*" in id_number


class TextWidget(widgets.Widget):
    """Text cells; spreadsheet numbers (phone numbers, ID numbers) come back without a trailing .0,
    and a cell an export escaped against formulas ('=…, '+86…) comes back as it was typed."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class IdNumberWidget(TextWidget):
    """公民身份证号 as stored (`members.validation.normal_id_number`): upper-case X, no spaces."""

    def clean(self, value, row=None, **kwargs):
        return normal_id_number(super().clean(value, row, **kwargs))


class HoursWidget(widgets.Widget):
    """时长(小时): a number such as 1 or 1.5; empty means the field's default."""

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not text:
            return None
        try:
            hours = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{text}”不是数字，请填写小时数，如 1 或 1.5。") from None
        if not hours.is_finite() or hours < 0 or hours >= 10000:
            raise ValueError(f"“{text}”不是有效的小时数。")
        return hours.quantize(Decimal("0.1"))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value.normalize():f}"


class BranchWidget(widgets.ForeignKeyWidget):
    """所在党支部 by organization code or by name, among the branches the importing user sees.

    With `branch`, the import is into that branch only: an empty cell means it and any other
    branch is refused. The branches are loaded once per import.
    """

    def __init__(self, user=None, branch: Organization | None = None):
        super().__init__(Organization, field="name")
        self.user = user
        self.branch = branch

    @cached_property
    def _index(self) -> tuple[dict[str, Organization], dict[str, list[Organization]]]:
        if self.branch is not None:
            branches = [self.branch]
        else:
            queryset = Organization.objects.branches()
            if self.user is not None and not self.user.is_superuser:
                queryset = queryset.visible_to(self.user)
            branches = list(queryset)
        by_name: dict[str, list[Organization]] = {}
        for branch in branches:
            by_name.setdefault(branch.name, []).append(branch)
        return {branch.code: branch for branch in branches}, by_name

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not text:
            if self.branch is not None:
                return self.branch
            raise ValueError("请填写所在党支部（名称或组织编码）。")
        by_code, by_name = self._index
        if text in by_code:
            return by_code[text]
        matches = by_name.get(text, [])
        if len(matches) > 1:
            raise ValueError(f"有不止一个党支部名为“{text}”，请改填组织编码。")
        if matches:
            return matches[0]
        if self.branch is not None:
            raise ValueError(f"“{text}”不是本支部：这里只导入{self.branch.name}的党员，本列可留空。")
        raise ValueError(f"找不到党支部“{text}”，或它不在您的管辖范围内。")

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class GroupWidget(widgets.ForeignKeyWidget):
    """党小组 by name within the row's 所在党支部; the groups are loaded once per import."""

    def __init__(self, branch_widget: BranchWidget, branch_column: str = "所在党支部"):
        super().__init__(Organization, field="name")
        self.branch_widget = branch_widget
        self.branch_column = branch_column

    @cached_property
    def _index(self) -> dict[tuple[str, str], Organization]:
        queryset = Organization.objects.filter(kind=Kind.GROUP)
        user = self.branch_widget.user
        if self.branch_widget.branch is not None:
            queryset = queryset.within(self.branch_widget.branch)
        elif user is not None and not user.is_superuser:
            queryset = queryset.visible_to(user)
        return {(group.path[: -Organization.steplen], group.name): group for group in queryset}

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not text:
            return None
        try:
            branch = self.branch_widget.clean((row or {}).get(self.branch_column))
        except ValueError:
            return None  # the 所在党支部 column reports its own error
        group = self._index.get((branch.path, text))
        if group is None:
            raise ValueError(group_refusal(branch, text))
        return group

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class MemberWidget(widgets.ForeignKeyWidget):
    """A 党员 of the branch by 姓名; where two share a name, the row's 公民身份证号 tells them apart.

    A masked number (as a committee's export shows it) is compared in its masked form.
    """

    def __init__(self, branch: Organization, id_column: str = "公民身份证号"):
        super().__init__(Member, field="name")
        self.branch = branch
        self.id_column = id_column

    @cached_property
    def _index(self) -> tuple[dict[str, list[Member]], dict[str, Member]]:
        by_name: dict[str, list[Member]] = {}
        by_id: dict[str, Member] = {}
        for member in Member.objects.filter(branch=self.branch).only("name", "id_number", "branch"):
            by_name.setdefault(member.name, []).append(member)
            if member.id_number:
                by_id[member.id_number] = member
        return by_name, by_id

    def clean(self, value, row=None, **kwargs):
        name = TextWidget().clean(value)
        if not name:
            raise ValueError("请填写党员姓名。")
        id_number = IdNumberWidget().clean((row or {}).get(self.id_column))
        by_name, by_id = self._index
        if id_number and not is_masked(id_number):
            member = by_id.get(id_number)
            if member is None:
                raise ValueError(f"本支部党员名册中没有公民身份证号为 {id_number} 的党员。")
            if member.name != name:
                raise ValueError(f"公民身份证号 {id_number} 是“{member.name}”的，与姓名“{name}”不符。")
            return member
        candidates = by_name.get(name, [])
        if id_number:
            candidates = [m for m in candidates if m.masked_id_number == id_number]
        if not candidates:
            raise ValueError(f"本支部党员名册中没有“{name}”，请先在党员名册中登记。")
        if len(candidates) > 1:
            raise ValueError(f"本支部有 {len(candidates)} 名党员叫“{name}”，请填写公民身份证号加以区分。")
        return candidates[0]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class HouseholdWidget(widgets.ForeignKeyWidget):
    """A 帮扶对象 of the branch by 户主姓名; an empty cell means none."""

    def __init__(self, branch: Organization):
        super().__init__(Household, field="name")
        self.branch = branch

    @cached_property
    def _index(self) -> dict[str, list[Household]]:
        by_name: dict[str, list[Household]] = {}
        for household in Household.objects.filter(branch=self.branch):
            by_name.setdefault(household.name, []).append(household)
        return by_name

    def clean(self, value, row=None, **kwargs):
        name = TextWidget().clean(value)
        if not name:
            return None
        matches = self._index.get(name, [])
        if not matches:
            raise ValueError(f"本支部帮扶对象中没有“{name}”，请先登记该帮扶对象或将本列留空。")
        if len(matches) > 1:
            raise ValueError(f"本支部有 {len(matches)} 户帮扶对象户主叫“{name}”，无法确定是哪一户。")
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class MeetingWidget(widgets.ForeignKeyWidget):
    """A 会议 of the branch or its 党小组 by 会议主题 and the row's 会议日期."""

    def __init__(self, branch: Organization, date_column: str = "会议日期"):
        super().__init__(Meeting, field="topic")
        self.branch = branch
        self.date_column = date_column

    @cached_property
    def _index(self) -> dict[tuple, list[Meeting]]:
        by_key: dict[tuple, list[Meeting]] = {}
        meetings = Meeting.objects.within(self.branch).select_related("organization")
        for meeting in meetings:
            by_key.setdefault((meeting.held_on, meeting.topic), []).append(meeting)
        return by_key

    def clean(self, value, row=None, **kwargs):
        topic = TextWidget().clean(value)
        if not topic:
            raise ValueError("请填写会议主题。")
        held_on = ChineseDateWidget().clean((row or {}).get(self.date_column))
        if held_on is None:
            raise ValueError("请填写会议日期。")
        matches = self._index.get((held_on, topic), [])
        if not matches:
            raise ValueError(
                f"找不到 {held_on:%Y-%m-%d} 召开的“{topic}”，请先在三会一课中登记这次会议，"
                "并核对日期和主题与登记的一字不差。"
            )
        if len(matches) > 1:
            raise ValueError(
                f"{held_on:%Y-%m-%d} 有 {len(matches)} 次会议主题都是“{topic}”，无法确定是哪一次。"
            )
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return value.topic if value else ""


def _field(attribute, column, widget=None, **kwargs):
    return fields.Field(attribute=attribute, column_name=column, widget=widget or TextWidget(), **kwargs)


class MemberResource(ChineseErrorsMixin, resources.ModelResource):
    """The roster. With `branch`, for that branch only (the branch pages); without, for every
    branch `user` sees (the admin)."""

    name = _field("name", "姓名")
    gender = _field("gender", "性别", ChoiceLabelWidget(Gender.choices))
    ethnicity = _field("ethnicity", "民族", default="汉族")
    id_number = _field("id_number", "公民身份证号", IdNumberWidget())
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
    group = _field("group", "党小组")

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
            "group",
        )
        import_id_fields = ("id_number",)

    def __init__(self, *, user=None, branch: Organization | None = None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.branch = branch
        branch_widget = BranchWidget(user, branch)
        self.fields["branch"].widget = branch_widget
        self.fields["group"].widget = GroupWidget(branch_widget)
        self._id_column = True

    def get_queryset(self):
        queryset = Member.objects.select_related("branch", "group")
        if self.branch is not None:
            queryset = queryset.filter(branch=self.branch)
        if self.user is None or self.user.is_superuser:
            return queryset
        return queryset.visible_to(self.user)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("branch", "group")

    @cached_property
    def _shown_by_branch(self) -> dict[int, bool]:
        return {}

    def shows_id_numbers_of(self, branch: Organization) -> bool:
        """Whole 公民身份证号 where `policies.sees_id_numbers` lets the user see them (the
        branch secretary, the 组织部), masked elsewhere; one check per branch, not per row.
        Without a user (a script, the shell) they are whole."""
        if self.user is None:
            return True
        if branch.pk not in self._shown_by_branch:
            self._shown_by_branch[branch.pk] = policies.sees_id_numbers(self.user, branch)
        return self._shown_by_branch[branch.pk]

    def dehydrate_id_number(self, member: Member) -> str:
        shown = self.shows_id_numbers_of(self.branch or member.branch)
        return member.id_number if shown else member.masked_id_number

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
        return IdNumberWidget().clean(row.get(self.fields["id_number"].column_name))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Every row through `full_clean`, so `Member.clean` holds it to the member rules
        (`members.validation.check_member`) as the register page does, ID number included."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, messages)  # a column already refused is named once
        if errors:
            raise self.relabel(ValidationError(errors))


class BranchRecordsResource(ChineseErrorsMixin, resources.ModelResource):
    """A resource for one branch's records; `user` decides whether ID numbers show in full."""

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(**kwargs)
        self.branch = branch
        self.user = user

    @cached_property
    def shows_id_numbers(self) -> bool:
        return self.user is None or policies.sees_id_numbers(self.user, self.branch)

    def dehydrate_id_number(self, record) -> str:
        member = record.member
        return member.id_number if self.shows_id_numbers else member.masked_id_number


class HouseholdResource(BranchRecordsResource):
    name = _field("name", "户主姓名")
    category = _field("category", "类别", ChoiceLabelWidget(Household.Category.choices))
    needs = _field("needs", "帮扶需求")
    address = _field("address", "住址")
    phone = _field("phone", "联系电话")

    class Meta:
        model = Household
        fields = ("name", "category", "needs", "address", "phone")
        import_id_fields = ("name",)

    def get_queryset(self):
        return Household.objects.filter(branch=self.branch)

    def import_instance(self, instance, row, **kwargs):
        instance.branch = self.branch
        super().import_instance(instance, row, **kwargs)


class ServiceRecordResource(BranchRecordsResource):
    member = _field("member", "姓名")
    id_number = _field("member__id_number", "公民身份证号", readonly=True)
    served_on = _field("served_on", "服务日期", ChineseDateWidget())
    place = _field("place", "服务地点")
    content = _field("content", "服务内容")
    household = _field("household", "服务对象")
    hours = _field("hours", "时长(小时)", HoursWidget(), default=Decimal("1"))
    feedback = _field("feedback", "服务反馈")
    verified = fields.Field(column_name="核实情况", readonly=True)

    class Meta:
        model = ServiceRecord
        fields = (
            "member",
            "id_number",
            "served_on",
            "place",
            "content",
            "household",
            "hours",
            "feedback",
            "verified",
        )
        import_id_fields = ("member", "served_on", "content")

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(branch=branch, user=user, **kwargs)
        self.fields["member"].widget = MemberWidget(branch)
        self.fields["household"].widget = HouseholdWidget(branch)

    def get_queryset(self):
        return ServiceRecord.objects.filter(member__branch=self.branch).select_related("member", "household")

    def dehydrate_verified(self, record: ServiceRecord) -> str:
        return "已核实" if record.verified_at else "未核实"


class AttendanceResource(BranchRecordsResource):
    meeting_date = _field("meeting__held_on", "会议日期", ChineseDateWidget(), readonly=True)
    meeting_kind = _field("meeting__kind", "会议类型", ChoiceLabelWidget(Meeting.Kind.choices), readonly=True)
    meeting = _field("meeting", "会议主题")
    member = _field("member", "姓名")
    id_number = _field("member__id_number", "公民身份证号", readonly=True)
    status = _field(
        "status", "出勤", ChoiceLabelWidget(Attendance.Status.choices), default=Attendance.Status.PRESENT
    )

    class Meta:
        model = Attendance
        fields = ("meeting_date", "meeting_kind", "meeting", "member", "id_number", "status")
        import_id_fields = ("meeting", "member")

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(branch=branch, user=user, **kwargs)
        self.fields["meeting"].widget = MeetingWidget(branch)
        self.fields["member"].widget = MemberWidget(branch)

    def get_queryset(self):
        return Attendance.objects.within(self.branch).select_related("meeting", "member")
