"""Import and export of a branch's records with the headings people keep in their spreadsheets.

The member roster is laid out as the national 党员信息采集表: a roster kept in that form, or
in its 汇总表, imports as it is. Each column is known by the form's heading and by what counties
print instead (`MEMBER_HEADINGS`: 入党日期, 转正日期, 联系电话（手机号）, 公民身份\n证号 …); choice
columns take the Chinese labels, the stored codes and the usual other words; 学历 and 工作岗位
are stored as the national codes (GB/T 4658 学历代码; the 采集表's 工作岗位 table). 所在党支部 is
a branch's name or code, and a row whose 公民身份证号 matches a member already on file updates
that member. 联系电话 (the mobile) and 固定电话 are two columns; 失去联系日期 may be a year and
month; 工作单位及职务 and 党小组 are optional extra columns.

Households (帮扶对象), service records (星级服务记录, with 责任人, 积分 where the branch's star
rule keeps points, and 公示日期), meetings (三会一课, one row per meeting with what its paper
会议记录 states) and meeting attendance (会议出勤, with 缺席原因) have resources of their own,
always for one branch. Every reference is written as people write it
(a 党小组 by name, a 党员 by name with the 公民身份证号 where names repeat, a 帮扶对象 by name, a
会议 by date and topic) and resolved through a lookup that loads its table once per import,
so a file of any length costs one query per referenced table, never one per row.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from organizations.models import Kind, Organization
from organizations.resources import (
    NOTHING,
    ChineseDateWidget,
    ChineseErrorsMixin,
    ChoiceLabelWidget,
    YesNoWidget,
    typed,
)
from spreadsheets import cell_text, heading

from . import policies
from .meeting_record import Headcount, absentees_text, counted, headcount, marks_of
from .models import Attendance, Education, Gender, Household, Meeting, Member, ServiceRecord
from .queries import nearest_star_rule
from .validation import group_refusal, normal_id_number

SCIENTIFIC_ID = "Excel 已把身份证号变成科学计数法，请把该列设为文本后重新导出"
SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)

# Other words for a choice, as rosters write them, by the stored value.
GENDER_WORDS = {"男性": Gender.MALE, "女性": Gender.FEMALE}
STATUS_WORDS = {"正式": Member.Status.FULL, "预备": Member.Status.PROBATIONARY}
STANDING_WORDS = {
    "正常党籍": Member.Standing.NORMAL,
    "停止": Member.Standing.SUSPENDED,
    "已停止党籍": Member.Standing.SUSPENDED,
    "停籍": Member.Standing.SUSPENDED,
}
# 学历: the names and codes of GB/T 4658 below the level the form asks (21 大学本科毕业 is 大学本科),
# the app's old labels, and the usual short words.
EDUCATION_WORDS = {
    **dict.fromkeys(
        ["研究生及以上", "博士", "博士研究生", "硕士", "硕士研究生", "研究生班"], Education.POSTGRADUATE
    ),
    **dict.fromkeys([str(c) for c in range(11, 20)], Education.POSTGRADUATE),
    **dict.fromkeys(["本科", "大本", "大学", "大学本科毕业"], Education.BACHELOR),
    **dict.fromkeys(["21", "22", "23", "28"], Education.BACHELOR),
    **dict.fromkeys(["大专", "专科", "大学专科毕业"], Education.COLLEGE),
    **dict.fromkeys(["31", "32", "33"], Education.COLLEGE),
    **dict.fromkeys(
        ["中专", "中技", "技校", "职高", "中等职业教育", "中等专科毕业", "职业高中", "技工学校"],
        Education.VOCATIONAL,
    ),
    **dict.fromkeys([str(c) for c in range(41, 50)], Education.VOCATIONAL),
    **dict.fromkeys(["普通高中", "高中毕业", "高中/中专", "普通高级中学"], Education.SENIOR),
    **dict.fromkeys(["61", "62", "63"], Education.SENIOR),
    **dict.fromkeys(["初级中学", "初中毕业", "71", "73"], Education.JUNIOR),
    **dict.fromkeys(["小学及以下", "小学毕业", "81", "83"], Education.PRIMARY),
    **dict.fromkeys(["文盲", "半文盲"], Education.OTHER),
}
# 工作岗位: the app's old labels and the usual short words.
OCCUPATION_WORDS = {
    **dict.fromkeys(["机关事业单位人员", "公务员", "机关干部", "参公人员"], Member.Occupation.STAFF),
    **dict.fromkeys(["教师", "医生", "事业单位专技人员"], Member.Occupation.INSTITUTION_PROFESSIONAL),
    **dict.fromkeys(["企业人员", "企业职工"], Member.Occupation.PRIVATE_ENTERPRISE_MANAGER),
    **dict.fromkeys(["工人", "工勤人员", "技术工人"], Member.Occupation.WORKER),
    **dict.fromkeys(["农民", "牧民", "渔民", "务农", "农民工"], Member.Occupation.FARMER),
    **dict.fromkeys(["在校学生"], Member.Occupation.STUDENT),
    **dict.fromkeys(["军人", "武警", "解放军"], Member.Occupation.ARMED_FORCES),
    **dict.fromkeys(["退休", "离休", "离退休", "退休人员", "离休人员"], Member.Occupation.RETIRED),
    **dict.fromkeys(["其他", "其它", "无业", "消防救援人员"], Member.Occupation.OTHER),
}

# 三会一课 as registers name them, by the stored kind.
MEETING_KIND_WORDS = {
    **dict.fromkeys(["党员大会", "支部大会", "党支部党员大会"], Meeting.Kind.GENERAL_MEETING),
    **dict.fromkeys(
        ["支委会议", "支部委员会", "支部委员会会议", "支委扩大会议"], Meeting.Kind.COMMITTEE_MEETING
    ),
    **dict.fromkeys(["党小组会议", "小组会"], Meeting.Kind.GROUP_MEETING),
    **dict.fromkeys(["上党课", "专题党课", "党课学习"], Meeting.Kind.PARTY_LECTURE),
    **dict.fromkeys(["主题党日活动", "固定党日", "党员活动日"], Meeting.Kind.THEME_DAY),
    **dict.fromkeys(["专题组织生活会", "组织生活"], Meeting.Kind.ORG_LIFE_MEETING),
    **dict.fromkeys(["民主评议", "民主评议党员大会"], Meeting.Kind.MEMBER_APPRAISAL),
}
ATTENDANCE_WORDS = {
    **dict.fromkeys(["到", "出勤", "参加", "已到", "√", "✓"], Attendance.Status.PRESENT),
    **dict.fromkeys(["未到", "缺勤", "无故缺席"], Attendance.Status.ABSENT),
    **dict.fromkeys(["请假", "事假", "病假"], Attendance.Status.EXCUSED),
}

# The roster's columns by field: the app's own heading first, then what the national
# 党员基本信息采集表, its 汇总表 and counties' own rosters print for it. Compared after
# `spreadsheets.heading` (no spaces or line breaks, full-width brackets as ordinary ones).
MEMBER_HEADINGS = {
    "name": ("姓名", "党员姓名"),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "id_number": (
        "公民身份证号",
        "公民身份证号码",
        "身份证号",
        "身份证号码",
        "身份证",
        "居民身份证号",
        "居民身份证号码",
    ),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "education": ("学历", "最高学历", "文化程度"),
    "status": ("人员类别", "党员类别"),
    "branch": ("所在党支部", "所在支部", "党支部", "所在党组织", "党支部名称"),
    "joined_on": ("加入党组织日期", "入党日期", "入党时间", "加入党组织时间"),
    "full_member_on": ("转为正式党员日期", "转正日期", "转正时间", "转为正式党员时间"),
    "occupation": ("工作岗位", "岗位", "职业"),
    "phone": (
        "联系电话",
        "手机号码",
        "联系电话(手机号)",
        "联系电话(手机号码)",
        "手机",
        "手机号",
        "移动电话",
    ),
    "landline": ("固定电话", "联系电话(固定电话)", "座机", "固话", "家庭电话"),
    "address": ("家庭住址", "住址", "家庭地址", "现居住地", "现住址"),
    "party_standing": ("党籍状态", "党籍"),
    "is_lost_contact": ("是否为失联党员", "是否失联党员", "是否失联", "失联党员"),
    "lost_contact_since": ("失去联系日期", "失去联系的日期", "失联日期", "失联时间"),
    "is_mobile": ("是否为流动党员", "是否流动党员", "是否流动", "流动党员"),
    "mobile_destination": ("外出流向", "流向", "流动去向", "外出地点"),
    "job": ("工作单位及职务", "工作单位", "单位及职务"),
    "group": ("党小组", "所在党小组"),
}
# Columns the forms carry that say nothing a member's record keeps, with why they are left out.
MEMBER_UNSTORED = {
    "序号": "只是行的编号",
    "编号": "只是行的编号",
    "备注": "党员档案没有备注一项，备注不导入",
    "年龄": "由出生日期算出，不必导入",
    "党龄": "由加入党组织日期算出，不必导入",
}


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


class PlainTextWidget(TextWidget):
    """A text box of the 采集表 that may say 无 or — for nothing (a phone, 外出流向)."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        return "" if len(text) <= 3 and typed(text) in NOTHING else text


class IdNumberWidget(TextWidget):
    """公民身份证号 as stored (`members.validation.normal_id_number`): upper-case X, no spaces.

    A number cell of 16 or more digits, or text such as 1.30225198005061E+17, is a number Excel
    has rounded (it keeps 15 digits): refused, since the digits it lost cannot be guessed."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
            raise ValueError(SCIENTIFIC_ID)
        text = normal_id_number(super().clean(value, row, **kwargs))
        if SCIENTIFIC.match(text):
            raise ValueError(SCIENTIFIC_ID)
        return text


class HoursWidget(widgets.Widget):
    """时长(小时): a number such as 1 or 1.5; empty means the field's default."""

    what = "小时数"

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{text}”不是数字，请填写{self.what}，如 1 或 1.5。") from None
        if not number.is_finite() or number < 0 or number >= 10000:
            raise ValueError(f"“{text}”不是有效的{self.what}。")
        return number.quantize(Decimal("0.1"))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value.normalize():f}"


class PointsWidget(HoursWidget):
    """积分: a number such as 2 or 0.5; empty means none."""

    what = "积分"


class CountWidget(widgets.Widget):
    """A number of people (应到人数, 实到人数): a whole number, 无 or empty for none; “12人”
    is read as 12."""

    def clean(self, value, row=None, **kwargs):
        text = PlainTextWidget().clean(value).removesuffix("人").strip()
        if not text:
            return None
        text = typed(text)
        if not text.isdecimal() or int(text) > 32767:
            raise ValueError(f"“{str(value).strip()}”不是人数，请填写整数，如 12。")
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


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


class MeetingHolderWidget(widgets.ForeignKeyWidget):
    """党小组 of a meeting: one of the branch's 党小组 by name; empty for the branch itself.
    The groups are loaded once per import."""

    def __init__(self, branch: Organization):
        super().__init__(Organization, field="name")
        self.branch = branch

    @cached_property
    def _index(self) -> dict[str, Organization]:
        return {group.name: group for group in Organization.objects.groups_of(self.branch)}

    def clean(self, value, row=None, **kwargs):
        name = PlainTextWidget().clean(value)
        if not name or name == self.branch.name:
            return self.branch
        group = self._index.get(name)
        if group is None:
            raise ValueError(group_refusal(self.branch, name))
        return group

    def render(self, value, obj=None, **kwargs):
        return value.name if value is not None and value.pk != self.branch.pk else ""


def member_heading_names() -> dict[str, str]:
    """Every heading a roster may give a member column (`MEMBER_HEADINGS`) → the app's own."""
    column = {attribute: names[0] for attribute, names in MEMBER_HEADINGS.items()}
    return {
        heading(name): column[attribute] for attribute, names in MEMBER_HEADINGS.items() for name in names
    }


def _field(attribute, column, widget=None, **kwargs):
    return fields.Field(attribute=attribute, column_name=column, widget=widget or TextWidget(), **kwargs)


class MemberResource(ChineseErrorsMixin, resources.ModelResource):
    """The roster. With `branch`, for that branch only (the branch pages); without, for every
    branch `user` sees (the admin)."""

    name = _field("name", "姓名")
    gender = _field("gender", "性别", ChoiceLabelWidget(Gender.choices, GENDER_WORDS))
    ethnicity = _field("ethnicity", "民族", default="汉族")
    id_number = _field("id_number", "公民身份证号", IdNumberWidget())
    birth_date = _field("birth_date", "出生日期", ChineseDateWidget())
    education = _field("education", "学历", ChoiceLabelWidget(Education.choices, EDUCATION_WORDS))
    status = _field(
        "status",
        "人员类别",
        ChoiceLabelWidget(Member.Status.choices, STATUS_WORDS),
        default=Member.Status.FULL,
    )
    branch = _field("branch", "所在党支部", BranchWidget())
    joined_on = _field("joined_on", "加入党组织日期", ChineseDateWidget())
    full_member_on = _field("full_member_on", "转为正式党员日期", ChineseDateWidget())
    occupation = _field(
        "occupation",
        "工作岗位",
        ChoiceLabelWidget(Member.Occupation.choices, OCCUPATION_WORDS),
        default=Member.Occupation.OTHER,
    )
    phone = _field("phone", "联系电话", PlainTextWidget())
    landline = _field("landline", "固定电话", PlainTextWidget())
    address = _field("address", "家庭住址", PlainTextWidget())
    party_standing = _field(
        "party_standing",
        "党籍状态",
        ChoiceLabelWidget(Member.Standing.choices, STANDING_WORDS),
        default=Member.Standing.NORMAL,
    )
    is_lost_contact = _field("is_lost_contact", "是否为失联党员", YesNoWidget())
    lost_contact_since = _field("lost_contact_since", "失去联系日期", ChineseDateWidget(month_ok=True))
    is_mobile = _field("is_mobile", "是否为流动党员", YesNoWidget())
    mobile_destination = _field("mobile_destination", "外出流向", PlainTextWidget())
    job = _field("job", "工作单位及职务", PlainTextWidget())
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
            "landline",
            "address",
            "party_standing",
            "is_lost_contact",
            "lost_contact_since",
            "is_mobile",
            "mobile_destination",
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
        # The admin reads the file with django-import-export: its headings are recognised as
        # the branch pages recognise them (入党日期, 公民身份\n证号 …).
        names = member_heading_names()
        if dataset.headers:
            dataset.headers = [names.get(heading(h), heading(h)) for h in dataset.headers]
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
    responsible = _field("responsible", "责任人", PlainTextWidget())
    points = _field("points", "积分", PointsWidget())
    verified = fields.Field(column_name="核实情况", readonly=True)
    published_on = _field("published_on", "公示日期", ChineseDateWidget())

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
            "responsible",
            "points",
            "verified",
            "published_on",
        )
        import_id_fields = ("member", "served_on", "content")

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(branch=branch, user=user, **kwargs)
        self.fields["member"].widget = MemberWidget(branch)
        self.fields["household"].widget = HouseholdWidget(branch)
        # 积分 is a column only where the branch's star rule (the nearest up the tree) keeps points.
        rule = nearest_star_rule(branch)
        self.uses_points = rule is not None and rule.uses_points
        if not self.uses_points:
            del self.fields["points"]

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
        "status",
        "出勤",
        ChoiceLabelWidget(Attendance.Status.choices, ATTENDANCE_WORDS),
        default=Attendance.Status.PRESENT,
    )
    reason = _field("reason", "缺席原因", PlainTextWidget())

    class Meta:
        model = Attendance
        fields = ("meeting_date", "meeting_kind", "meeting", "member", "id_number", "status", "reason")
        import_id_fields = ("meeting", "member")

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(branch=branch, user=user, **kwargs)
        self.fields["meeting"].widget = MeetingWidget(branch)
        self.fields["member"].widget = MemberWidget(branch)

    def get_queryset(self):
        return Attendance.objects.within(self.branch).select_related("meeting", "member")


class MeetingResource(BranchRecordsResource):
    """One row per meeting (三会一课) of the branch and its 党小组, with what a paper 会议记录
    states. 应到人数 / 实到人数 go out counted from the attendance sheet where there is one;
    缺席人员及原因 goes out from the sheet and is not read back (the sheet keeps it)."""

    held_on = _field("held_on", "会议日期", ChineseDateWidget())
    kind = _field("kind", "会议类型", ChoiceLabelWidget(Meeting.Kind.choices, MEETING_KIND_WORDS))
    organization = _field("organization", "党小组")
    topic = _field("topic", "会议主题")
    location = _field("location", "地点", PlainTextWidget())
    host = _field("host", "主持人", PlainTextWidget())
    recorder = _field("recorder", "记录人", PlainTextWidget())
    expected_count = _field("expected_count", "应到人数", CountWidget())
    present_count = _field("present_count", "实到人数", CountWidget())
    observers = _field("observers", "列席人员", PlainTextWidget())
    absentees = fields.Field(column_name="缺席人员及原因", readonly=True)
    agenda = _field("agenda", "议程", PlainTextWidget())
    minutes = _field("minutes", "会议记录", PlainTextWidget())
    resolutions = _field("resolutions", "决议", PlainTextWidget())

    class Meta:
        model = Meeting
        fields = (
            "held_on",
            "kind",
            "organization",
            "topic",
            "location",
            "host",
            "recorder",
            "expected_count",
            "present_count",
            "observers",
            "absentees",
            "agenda",
            "minutes",
            "resolutions",
        )
        import_id_fields = ("held_on", "topic")

    def __init__(self, *, branch: Organization, user=None, **kwargs):
        super().__init__(branch=branch, user=user, **kwargs)
        self.fields["organization"].widget = MeetingHolderWidget(branch)

    def get_queryset(self):
        return Meeting.objects.within(self.branch).select_related("organization")

    def dehydrate_expected_count(self, meeting: Meeting):
        return _headcount(meeting).expected

    def dehydrate_present_count(self, meeting: Meeting):
        return _headcount(meeting).present

    def dehydrate_absentees(self, meeting: Meeting) -> str:
        """From the saved sheet (prefetched through `members.meeting_record.with_marks`)."""
        return absentees_text(marks_of(meeting))


def _headcount(meeting: Meeting) -> Headcount:
    """A meeting's headcount where it came with its sheet's counts (`with_sheet_counts`), else
    its typed numbers (a meeting new in an import's preview has no sheet)."""
    return counted(meeting) if hasattr(meeting, "sheet_marked") else headcount(meeting)
