"""The import engine for a branch's records: read a file, check every row, then save all or none.

django-import-export's resources (members/resources.py) map the Chinese columns to fields and
parse each cell, and their lookups load each referenced table once. What this engine replaces
is import-export's row-by-row save: every row is checked first, collecting every bad row with
its number and reason; only a file without one is written, with bulk_create/bulk_update in one
transaction. Rows already on file are found with one query per kind, so importing the same
file again updates instead of duplicating: members by 公民身份证号 (else 姓名 + 出生日期),
households by 户主姓名, service records by 党员 + 服务日期 + 服务内容, attendance by 会议 + 党员,
meetings (三会一课) by 会议日期 + 会议主题.

Every member row is held to the member rules (`members.validation.check_member`) exactly as
the register page holds a member, with what is already loaded: the 党小组 and the branch come from
the resources' lookups, and the file's ID numbers are compared with the register in one query.

A file's columns are recognised by the kind's headings (`ImportKind.recognise`: for members the
national form's words and their variants, after `spreadsheets.heading` evens out spaces, line
breaks and full-width brackets); the plan lists every column it uses and every one it ignores,
with why, so nothing is dropped without a word. The roster also goes out as the national
党员基本信息汇总表 (`national_download`), which imports back unchanged.

Files are read, and exports and templates written, with the project's spreadsheet toolkit
(`spreadsheets`): every cell that a spreadsheet would run as a formula is escaped, in .xlsx and
.csv alike.
"""

from __future__ import annotations

import datetime
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from import_export import resources

from organizations.models import Organization
from organizations.resources import ChineseDateWidget, ChoiceLabelWidget, YesNoWidget
from spreadsheets import (
    CSV_TYPE,
    XLSX_TYPE,
    FileRefused,
    RowError,
    Table,
    csv_bytes,
    heading,
    template_xlsx,
    xlsx_bytes,
)

from . import policies, rules
from .meeting_record import SHEET_ORDER, headcount_problem, with_marks, with_sheet_counts
from .models import Attendance, Education, Household, ImportJob, Meeting, Member, ServiceRecord
from .resources import (
    MEMBER_HEADINGS,
    MEMBER_UNSTORED,
    AttendanceResource,
    CountWidget,
    HoursWidget,
    HouseholdResource,
    MeetingResource,
    MemberResource,
    PointsWidget,
    ServiceRecordResource,
    is_masked,
)
from .validation import ID_TAKEN, RULE_FIELDS, check_member

IMPORT_EXTENSIONS = ("xlsx", "csv")
# Files with more rows than this are imported by a Celery job while the page shows progress.
ASYNC_ROWS = 2_000
PROGRESS_EVERY = 500
WRITE_BATCH = 1_000
PREVIEW_ROWS = 10
# Exports read the rows a chunk at a time, and only the columns they write.
EXPORT_CHUNK = 2_000
MEMBER_EXPORT_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "status",
    "branch__name",
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
)
MEETING_EXPORT_FIELDS = (
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
    "agenda",
    "minutes",
    "resolutions",
)


# The four kinds ---------------------------------------------------------------------------------


class ImportKind(ABC):
    """What one kind of import reads, how it finds rows already on file, and what it checks."""

    kind: str
    slug: str
    model: type[models.Model]
    resource_class: type[resources.ModelResource]
    required: tuple[str, ...]
    notes: dict[str, str] = {}
    # Other headings a file may give a column: {attribute: (the app's heading, other headings…)}.
    headings: dict[str, tuple[str, ...]] = {}
    # Headings the forms carry that no field keeps, with why they are left out.
    unstored: dict[str, str] = {}

    @property
    def label(self) -> str:
        return ImportJob.Kind(self.kind).label

    def resource(self, *, branch: Organization, user) -> resources.ModelResource:
        return self.resource_class(branch=branch, user=user)

    @abstractmethod
    def index(self, branch: Organization) -> Any:
        """Everything needed to find existing rows, in one query."""

    @abstractmethod
    def match(self, values: dict, index: Any) -> tuple[models.Model | None, list[tuple]]:
        """The existing row these values are about (or None) and the keys that say which row it is;
        two rows of a file with a key in common are the same record twice. Raises ValueError
        with the reason (in Chinese) when the row cannot say which record it is."""

    # What `check` may fill in besides the file's own columns (a 出生日期 from the 公民身份证号).
    derived: tuple[str, ...] = ()

    def new(self, branch: Organization) -> models.Model:
        return self.model()

    def prepare(self, branch: Organization, user) -> Any:
        """What `check` needs to know once per file (a policy's answer, say): one query at most."""
        return None

    def check(
        self,
        instance: models.Model,
        branch: Organization,
        today: datetime.date,
        *,
        before: dict | None = None,
        prepared: Any = None,
    ) -> None:
        """The model's rules for one row, from what is in hand (no query); raises
        ValidationError by field. `before` holds the row's values as they were on file ({} for a
        new row), `prepared` what `prepare` answered."""
        return None

    def check_all(self, rows: list[tuple[int, models.Model]], branch: Organization) -> list[RowError]:
        """Checks across the whole file, each one query at most."""
        return []

    @abstractmethod
    def export_queryset(self, *, branch: Organization, user) -> QuerySet:
        """The branch's rows of this kind that `user` sees, with what the columns read."""

    def recognise(self, table: Table, resource) -> tuple[Table, list[tuple[str, str]], list[tuple[str, str]]]:
        """The table with each column under the app's own heading, the columns it will use as
        (the file's heading, the app's), and those it will not as (the file's heading, why)."""
        read = {f.column_name for f in resource.get_import_fields() if f.column_name}
        names = {heading(c): c for c in read}
        for attribute, others in self.headings.items():
            if attribute not in resource.fields:
                continue  # a column this branch does not keep (积分 without points)
            own = resource.fields[attribute].column_name
            names.update({heading(other): own for other in others})
        used, ignored, renames = [], [], {}
        for name in table.headers:
            if name in names:
                renames[name] = names[name]
                used.append((name, names[name]))
            elif name in self.unstored:
                ignored.append((name, self.unstored[name]))
            else:
                ignored.append((name, "不是本导入认识的列，这一列的内容不会导入"))
        return table.renamed(renames), used, ignored

    def columns(self, branch: Organization, user=None) -> list[tuple[str, bool, str]]:
        """(heading, required, how to fill it in) for each column a file may have."""
        resource = self.resource(branch=branch, user=user)
        result = []
        for column_field in resource.get_import_fields():
            if not column_field.attribute or (
                column_field.readonly and column_field.column_name not in self.notes
            ):
                continue
            name = column_field.column_name
            result.append((name, name in self.required, self.notes.get(name) or _note(column_field)))
        return result


def _note(column_field) -> str:
    widget = column_field.widget
    if isinstance(widget, ChoiceLabelWidget):
        note = "填 " + "、".join(widget.values)
    elif isinstance(widget, YesNoWidget):
        note = "填 是 或 否"
    elif isinstance(widget, ChineseDateWidget):
        note = "日期，如 2020-01-31、2020/1/31 或 2020年1月31日"
    elif isinstance(widget, PointsWidget):
        note = "积分，如 2 或 0.5，可留空"
    elif isinstance(widget, HoursWidget):
        note = "小时数，如 1 或 1.5"
    elif isinstance(widget, CountWidget):
        note = "人数，整数"
    else:
        note = ""
    default = column_field.default
    if default is not NOT_PROVIDED and default not in (None, ""):
        shown = (
            widget.render(default) if not isinstance(widget, ChoiceLabelWidget) else widget.labels[default]
        )
        if shown:
            note = f"{note}，留空为“{shown}”" if note else f"留空为“{shown}”"
    return note


class MemberImport(ImportKind):
    kind = ImportJob.Kind.MEMBERS
    slug = "members"
    model = Member
    resource_class = MemberResource
    required = ("姓名", "性别")
    derived = ("birth_date",)
    headings = MEMBER_HEADINGS
    unstored = MEMBER_UNSTORED
    notes = {
        "公民身份证号": "18 位，请把该列设为文本；与出生日期至少填一项，再次导入时据此认出同一名党员",
        "出生日期": "日期，如 1980-01-01、1980/1/1 或 1980年1月1日",
        "学历": "填 研究生、大学本科、大学专科、中等专科、高中、初中、小学、其他，或其 GB/T 4658 代码",
        "所在党支部": "本支部的名称或组织编码，可留空",
        "工作岗位": "填采集表的工作岗位名称或代码，如 农牧渔民（09）、工勤技能人员（08）",
        "失去联系日期": "失联党员填，可只写年月，如 2020.07 或 2020年7月",
        "外出流向": "流动党员填，如 广东省深圳市",
        "党小组": "本支部党小组的名称，可留空",
    }

    def new(self, branch):
        return Member(branch=branch)

    def index(self, branch):
        by_id: dict[str, Member] = {}
        by_name_birth: dict[tuple, list[Member]] = {}
        for member in Member.objects.filter(branch=branch).select_related("branch", "group"):
            if member.id_number:
                by_id[member.id_number] = member
            by_name_birth.setdefault((member.name, member.birth_date), []).append(member)
        return by_id, by_name_birth

    def match(self, values, index):
        by_id, by_name_birth = index
        name, birth_date = values.get("name", ""), values.get("birth_date")
        id_number = values.get("id_number", "")
        same_person = by_name_birth.get((name, birth_date), [])
        if id_number and is_masked(id_number):
            # A masked number (from a committee's export) only says which member is meant.
            del values["id_number"]
            candidates = [m for m in same_person if m.masked_id_number == id_number]
            if len(candidates) != 1:
                raise ValueError(
                    "公民身份证号是隐去部分数字的，只能用来更新已登记的党员，"
                    "本支部没有姓名、出生日期和身份证号都对得上的党员；请填写完整的身份证号。"
                )
            return candidates[0], [("pk", candidates[0].pk)]
        if id_number:
            member = by_id.get(id_number)
            if member is None:
                unnumbered = [m for m in same_person if not m.id_number]
                member = unnumbered[0] if len(unnumbered) == 1 and birth_date else None
            keys = [("id", id_number)]
        else:
            if birth_date is None:
                raise ValueError("公民身份证号和出生日期至少填一项，以便再次导入时认出同一名党员。")
            if len(same_person) > 1:
                raise ValueError(
                    f"本支部有 {len(same_person)} 名党员叫“{name}”且出生日期相同，"
                    "请填写公民身份证号加以区分。"
                )
            member = same_person[0] if same_person else None
            keys = [("name_birth", name, birth_date)]
        if member is not None:
            keys.append(("pk", member.pk))
        return member, keys

    def check(self, instance, branch, today, *, before=None, prepared=None):
        data = check_member(
            {name: getattr(instance, name) for name in RULE_FIELDS},
            branch=branch,
            member=instance,
            today=today,
        )
        instance.id_number, instance.birth_date = data["id_number"], data["birth_date"]

    def check_all(self, rows, branch):
        # A number new to the file's members: another branch's member may hold it (this
        # branch's own would have been matched and updated).
        numbers = {
            m.id_number: number for number, m in rows if m.id_number and m.id_number != m.stored_id_number
        }
        taken = (
            Member.objects.filter(id_number__in=list(numbers))
            .exclude(branch=branch)
            .values_list("id_number", flat=True)
        )
        return [RowError(numbers[id_number], _sentence([ID_TAKEN])) for id_number in taken]

    def export_queryset(self, *, branch, user):
        return (
            Member.objects.visible_to(user)
            .filter(branch=branch)
            .select_related("branch", "group")
            .only(*MEMBER_EXPORT_FIELDS, "group__name")
        )


class HouseholdImport(ImportKind):
    kind = ImportJob.Kind.HOUSEHOLDS
    slug = "households"
    model = Household
    resource_class = HouseholdResource
    required = ("户主姓名", "类别")
    notes = {"户主姓名": "再次导入时据此认出同一户"}

    def new(self, branch):
        return Household(branch=branch)

    def index(self, branch):
        by_name: dict[str, list[Household]] = {}
        for household in Household.objects.filter(branch=branch):
            by_name.setdefault(household.name, []).append(household)
        return by_name

    def match(self, values, index):
        name = values.get("name", "")
        found = index.get(name, [])
        if len(found) > 1:
            raise ValueError(f"本支部已有 {len(found)} 户帮扶对象户主叫“{name}”，无法确定更新哪一户。")
        return (found[0] if found else None), [("name", name)]

    def export_queryset(self, *, branch, user):
        return (
            Household.objects.visible_to(user)
            .filter(branch=branch)
            .only("name", "category", "needs", "address", "phone")
            .order_by("name", "id")
        )


class ServiceImport(ImportKind):
    """星级服务记录. 积分 is a column only where the branch's star rule keeps points; elsewhere a
    积分 column is listed as ignored, with why. 公示日期 may be given only for a record already
    verified, and set or changed only by someone who may verify (`policies.cannot_verify_services`,
    as the list's 公示 button): a new record is verified first, then published."""

    kind = ImportJob.Kind.SERVICES
    slug = "services"
    model = ServiceRecord
    resource_class = ServiceRecordResource
    required = ("姓名", "服务日期", "服务地点", "服务内容")
    notes = {
        "姓名": "本支部党员名册中的姓名",
        "公民身份证号": "本支部有同名党员时填写，以区分是哪一位",
        "服务对象": "本支部帮扶对象的户主姓名，可留空",
        "责任人": "负责安排或核实这次服务的人，如党小组长，可留空",
        "公示日期": "已核实的记录在公示栏公示的日期；新记录留空，核实后再公示",
    }
    headings = {
        "responsible": ("责任人", "服务责任人", "负责人", "联系责任人"),
        "points": ("积分", "服务积分", "积分(分)", "所得积分"),
        "published_on": ("公示日期", "公示时间", "公示"),
    }
    POINTS_UNUSED = "本支部的星级评定标准未实行积分制，积分不导入"

    def recognise(self, table, resource):
        table, used, ignored = super().recognise(table, resource)
        if "points" not in resource.fields:
            points = {heading(name) for name in self.headings["points"]}
            ignored = [(name, self.POINTS_UNUSED if name in points else why) for name, why in ignored]
        return table, used, ignored

    def prepare(self, branch, user):
        # Asked once, and only if a row sets or changes a 公示日期.
        return functools.cache(lambda: policies.cannot_verify_services(user, branch) if user else None)

    def check(self, instance, branch, today, *, before=None, prepared=None):
        before = before or {}
        published_on = instance.published_on
        if published_on is None or published_on == before.get("published_on"):
            return
        if instance.verified_at is None:
            raise ValidationError(
                {"published_on": "只有已核实的服务记录才能公示；新记录请留空，待支部书记核实后再公示。"}
            )
        if refusal := prepared():
            raise ValidationError({"published_on": refusal})
        if published_on > today:
            raise ValidationError({"published_on": "公示日期不能晚于今天。"})
        if published_on < instance.served_on:
            raise ValidationError({"published_on": "公示日期不能早于服务日期。"})

    def index(self, branch):
        by_key: dict[tuple, ServiceRecord] = {}
        for record in ServiceRecord.objects.filter(member__branch=branch).order_by("-id"):
            # Where the register already holds a duplicate, the earliest record is the one updated.
            by_key[(record.member_id, record.served_on, record.content)] = record
        return by_key

    def match(self, values, index):
        key = (values["member"].pk, values.get("served_on"), values.get("content", ""))
        return index.get(key), [key]

    def export_queryset(self, *, branch, user):
        return (
            ServiceRecord.objects.visible_to(user)
            .filter(member__branch=branch)
            .select_related("member", "household")
            .only(
                "served_on",
                "place",
                "content",
                "hours",
                "feedback",
                "responsible",
                "points",
                "verified_at",
                "published_on",
                "member__name",
                "member__id_number",
                "household__name",
            )
            .order_by("served_on", "id")
        )


class AttendanceImport(ImportKind):
    kind = ImportJob.Kind.ATTENDANCE
    slug = "attendance"
    model = Attendance
    resource_class = AttendanceResource
    required = ("会议日期", "会议主题", "姓名")
    notes = {
        "会议日期": "已在三会一课中登记的会议的日期，如 2026-05-01",
        "会议主题": "与三会一课中登记的主题一字不差",
        "姓名": "本支部党员名册中的姓名",
        "公民身份证号": "本支部有同名党员时填写，以区分是哪一位",
        "缺席原因": "缺席或请假的原因，如“外出务工”；出席的留空",
    }
    headings = {"reason": ("缺席原因", "请假原因", "原因", "缺席事由", "请假事由")}

    def check(self, instance, branch, today, *, before=None, prepared=None):
        if instance.reason and instance.status == Attendance.Status.PRESENT:
            raise ValidationError({"reason": "出席的党员不填缺席原因。"})

    def index(self, branch):
        return {(a.meeting_id, a.member_id): a for a in Attendance.objects.within(branch)}

    def match(self, values, index):
        key = (values["meeting"].pk, values["member"].pk)
        return index.get(key), [key]

    def export_queryset(self, *, branch, user):
        return (
            Attendance.objects.visible_to(user)
            .within(branch)
            .select_related("meeting", "member")
            .only(
                "status",
                "reason",
                "meeting__held_on",
                "meeting__kind",
                "meeting__topic",
                "member__name",
                "member__id_number",
            )
            .order_by("meeting__held_on", "meeting_id", "member__name", "id")
        )


class MeetingImport(ImportKind):
    """三会一课: one row per meeting, as a paper 会议记录 states it (主持人, 记录人, 应到 / 实到 /
    列席, 议程, 会议记录, 决议). 党小组 is empty for a meeting the branch held.

    应到 / 实到 are kept only for a meeting whose attendance is not marked member by member: for
    one that has a saved sheet they are counted from it, so the file's numbers must agree with
    the sheet or be left empty. 缺席人员及原因 goes out in the export from the sheet and is not
    read back: absentees and their reasons are marked on the sheet (or imported as 会议出勤).
    """

    kind = ImportJob.Kind.MEETINGS
    slug = "meetings"
    model = Meeting
    resource_class = MeetingResource
    required = ("会议日期", "会议类型", "会议主题")
    notes = {
        "会议日期": "日期，如 2026-05-10；再次导入时按日期和主题认出同一次会议",
        "党小组": "党小组会填召开会议的党小组名称；支部召开的会议留空",
        "应到人数": "未逐人登记出勤时照签到表填写；已在出勤表中登记的会议按出勤计算，可留空",
        "实到人数": "同上，不能多于应到人数",
    }
    headings = {
        "held_on": ("会议日期", "召开日期", "会议时间", "召开时间", "日期", "时间"),
        "kind": ("会议类型", "会议类别", "类型"),
        "organization": ("党小组", "召开党小组", "所在党小组"),
        "topic": ("会议主题", "主题", "会议名称", "会议议题"),
        "location": ("地点", "会议地点", "召开地点"),
        "host": ("主持人", "会议主持人", "主持"),
        "recorder": ("记录人", "会议记录人", "记录员"),
        "expected_count": ("应到人数", "应到", "应到会人数", "应出席人数"),
        "present_count": ("实到人数", "实到", "实到会人数", "实际出席人数", "出席人数"),
        "observers": ("列席人员", "列席", "列席人"),
        "agenda": ("议程", "会议议程"),
        "minutes": ("会议记录", "会议内容", "记录内容", "内容", "主要内容"),
        "resolutions": ("决议", "会议决议", "决定事项", "形成决议"),
    }
    ABSENTEES = "缺席人员及原因"
    ABSENTEES_NOT_READ = "缺席人员及原因在会议页面的出勤表中逐人登记（或用“会议出勤”导入），这一列不导入"
    ABSENTEES_HEADINGS = frozenset(heading(h) for h in ("缺席人员及原因", "缺席人员", "缺席情况", "请假人员"))

    def recognise(self, table, resource):
        table, used, ignored = super().recognise(table, resource)
        moved = [(name, own) for name, own in used if own == self.ABSENTEES]
        used = [pair for pair in used if pair not in moved]
        ignored = [
            (name, self.ABSENTEES_NOT_READ if name in self.ABSENTEES_HEADINGS else why)
            for name, why in ignored
        ] + [(name, self.ABSENTEES_NOT_READ) for name, _ in moved]
        return table, used, ignored

    def new(self, branch):
        return Meeting(organization=branch)

    def index(self, branch):
        by_key: dict[tuple, list[Meeting]] = {}
        meetings = with_marks(with_sheet_counts(Meeting.objects.within(branch)))
        for meeting in meetings.select_related("organization"):
            meeting.typed_counts = (meeting.expected_count, meeting.present_count)
            by_key.setdefault((meeting.held_on, meeting.topic), []).append(meeting)
        return by_key

    def match(self, values, index):
        key = (values.get("held_on"), values.get("topic", ""))
        found = index.get(key, [])
        if len(found) > 1:
            raise ValueError(
                f"{key[0]:%Y-%m-%d} 已登记 {len(found)} 次主题都是“{key[1]}”的会议，无法确定更新哪一次。"
            )
        return (found[0] if found else None), [key]

    def check(self, instance, branch, today, *, before=None, prepared=None):
        errors = {}
        if problem := rules.future_day_problem("held_on", instance.held_on, today):
            errors["held_on"] = problem
        if instance.kind and (
            problem := rules.meeting_group_problem(
                group_meeting=instance.kind == Meeting.Kind.GROUP_MEETING,
                group_chosen=instance.organization_id != branch.pk,
            )
        ):
            errors["organization"] = problem
        marked = getattr(instance, "sheet_marked", 0)
        if marked:
            # Counted from the sheet: the file may repeat the counts, not change them.
            sheet = {"expected_count": marked, "present_count": instance.sheet_present}
            for name, number in sheet.items():
                given = getattr(instance, name)
                if given is not None and given != number:
                    label = Meeting._meta.get_field(name).verbose_name
                    errors[name] = (
                        f"这次会议已在出勤表中逐人登记，{label}按出勤计算为 {number} 人，"
                        f"与填写的 {given} 人不符；请改为 {number} 或留空。"
                    )
            instance.expected_count, instance.present_count = instance.typed_counts
        elif problem := headcount_problem(instance.expected_count, instance.present_count):
            errors["present_count"] = problem
        if errors:
            raise ValidationError(errors)

    def export_queryset(self, *, branch, user):
        meetings = with_sheet_counts(Meeting.objects.visible_to(user).within(branch))
        # 缺席人员及原因 is all the export reads of a sheet: only the marks of those not present.
        absent = (
            Attendance.objects.exclude(status=Attendance.Status.PRESENT)
            .select_related("member__group")
            .only("meeting", "status", "reason", "member__name", "member__group__name")
            .order_by(*SHEET_ORDER)
        )
        return (
            meetings.prefetch_related(Prefetch("attendances", queryset=absent))
            .select_related("organization")
            .only(*MEETING_EXPORT_FIELDS, "organization__name")
            .order_by("held_on", "id")
        )


# Every kind the engine reads and writes, by kind.
ALL_KINDS: dict[str, ImportKind] = {
    spec.kind: spec
    for spec in (MemberImport(), HouseholdImport(), ServiceImport(), AttendanceImport(), MeetingImport())
}
# The kinds the import page offers: an `ImportJob` records its kind, so those it has a choice for.
KINDS: dict[str, ImportKind] = {
    kind: spec for kind, spec in ALL_KINDS.items() if kind in ImportJob.Kind.values
}
BY_SLUG: dict[str, ImportKind] = {spec.slug: spec for spec in ALL_KINDS.values()}


# Checking every row -----------------------------------------------------------------------------


@dataclass
class PreviewRow:
    row: int
    action: str  # 新增, 更新 or 无变化
    cells: list[str]


@dataclass
class Plan:
    """What importing a file would do: the rows to create and to update, or every bad row."""

    kind: ImportKind
    total: int
    headers: list[str]
    # The file's columns it uses as (its heading, the app's) and ignores as (its heading, why).
    used_columns: list[tuple[str, str]] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)
    creates: list[models.Model] = field(default_factory=list)
    updates: list[models.Model] = field(default_factory=list)
    update_fields: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)


def _sentence(problems: Iterable[str]) -> str:
    return "；".join(p.rstrip("。；") for p in problems) + "。"


def _labelled(column: str, reason: str) -> str:
    """“列名：原因”, unless the reason already names its column (the member rules' messages do,
    in the words the register page shows beside the field)."""
    return reason if reason.startswith(column) else f"{column}：{reason}"


def plan_import(
    *,
    kind: str,
    branch: Organization,
    user,
    table: Table,
    on_progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check every row of `table` for importing into `branch`; nothing is written.

    Queries: one per referenced table (the resources' lookups), one for the rows already on
    file, and one for checks across the file — none per row.
    """
    spec = ALL_KINDS[kind]
    resource = spec.resource(branch=branch, user=user)
    table, used_columns, ignored_columns = spec.recognise(table, resource)
    table.require(spec.required, advice=f"请用本页的“{spec.label}”模板，或检查列名是否写错。")
    if not table.rows:
        raise FileRefused(
            f"文件中没有数据：第 {table.header_row} 行是列名，从第 {table.header_row + 1} 行起每行一条。"
        )
    in_file = [
        f
        for f in resource.get_import_fields()
        if f.attribute and not f.readonly and f.column_name in table.headers
    ]
    labels = {f.attribute: f.column_name for f in resource.get_import_fields() if f.attribute}
    related = [f.name for f in spec.model._meta.concrete_fields if f.is_relation or f.primary_key]
    attnames = {f.name: f.attname for f in spec.model._meta.concrete_fields}
    export_fields = resource.get_export_fields()
    today = timezone.localdate()

    plan = Plan(
        kind=spec,
        total=len(table.rows),
        headers=[f.column_name for f in export_fields],
        used_columns=used_columns,
        ignored_columns=ignored_columns,
    )
    index = spec.index(branch)
    prepared = spec.prepare(branch, user)
    seen: dict[tuple, int] = {}
    good: list[tuple[int, models.Model]] = []
    changed_fields: set[str] = set()

    for done, (number, row) in enumerate(table.rows, start=1):
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done)
        values, problems = {}, []
        for column_field in in_file:
            try:
                values[column_field.attribute] = column_field.clean(row)
            except (ValueError, ValidationError) as error:
                reason = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                problems.append(_labelled(column_field.column_name, reason))
        if problems:
            plan.errors.append(RowError(number, _sentence(problems)))
            continue
        try:
            instance, keys = spec.match(values, index)
        except ValueError as refused:
            plan.errors.append(RowError(number, _sentence([str(refused)])))
            continue
        earlier = next((seen[k] for k in keys if k in seen), None)
        if earlier is not None:
            plan.errors.append(RowError(number, f"与第 {earlier} 行是同一条记录，请删去重复的一行。"))
            continue
        for key in keys:
            seen[key] = number

        is_new = instance is None
        watched = [*values, *(a for a in spec.derived if a not in values)]
        if is_new:
            instance = spec.new(branch)
            before = {}
        else:
            before = {a: getattr(instance, attnames[a]) for a in watched}
        for attribute, value in values.items():
            setattr(instance, attribute, value)
        errors: dict[str, list[str]] = {}
        try:
            instance.clean_fields(exclude=related)
        except ValidationError as error:
            errors = dict(error.message_dict)
        try:
            spec.check(instance, branch, today, before=before, prepared=prepared)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, messages)  # a field already refused is named once
        if errors:
            problems = [
                _labelled(
                    labels.get(name) or str(spec.model._meta.get_field(name).verbose_name), "；".join(m)
                )
                for name, m in errors.items()
            ]
            plan.errors.append(RowError(number, _sentence(problems)))
            continue

        changes = [a for a in watched if getattr(instance, attnames[a]) != before.get(a)]
        if is_new:
            plan.creates.append(instance)
            action = "新增"
        elif changes:
            plan.updates.append(instance)
            changed_fields.update(changes)
            action = "更新"
        else:
            plan.unchanged += 1
            action = "无变化"
        good.append((number, instance))
        if len(plan.preview) < PREVIEW_ROWS:
            cells = [str(resource.export_field(f, instance)) for f in export_fields]
            plan.preview.append(PreviewRow(row=number, action=action, cells=cells))

    if not plan.errors:
        plan.errors = spec.check_all(good, branch)
    plan.errors.sort(key=lambda e: e.row or 0)
    plan.update_fields = sorted(changed_fields)
    if on_progress is not None:
        on_progress(plan.total)
    return plan


def plan_by_branch(*, table: Table, user) -> tuple[dict[Organization, Plan], list[RowError]]:
    """A roster of several branches (a county's), each row placed by its 所在党支部 among the
    branches `user` sees (every branch without a user): one plan per branch, and the rows that
    name no such branch. Each branch's rows are checked as an import into that branch."""
    resource = MemberResource(user=user)
    table, _, _ = KINDS[ImportJob.Kind.MEMBERS].recognise(table, resource)
    table.require(("所在党支部",), advice="按所在党支部分配各行时，文件须有这一列。")
    widget = resource.fields["branch"].widget
    rows: dict[Organization, list] = {}
    errors = []
    for number, row in table.rows:
        try:
            branch = widget.clean(row.get("所在党支部"))
        except ValueError as refused:
            errors.append(RowError(number, _labelled("所在党支部", str(refused))))
            continue
        rows.setdefault(branch, []).append((number, row))
    plans = {
        branch: plan_import(
            kind=ImportJob.Kind.MEMBERS,
            branch=branch,
            user=user,
            table=Table(headers=table.headers, rows=its_rows, header_row=table.header_row),
        )
        for branch, its_rows in rows.items()
    }
    return plans, errors


@transaction.atomic
def write_plan(plan: Plan) -> tuple[int, int]:
    """Save a plan without errors in one transaction; (created, updated)."""
    if plan.errors:
        raise ValueError("a plan with bad rows is never written")
    manager = plan.kind.model._default_manager
    manager.bulk_create(plan.creates, batch_size=WRITE_BATCH)
    if plan.updates:
        manager.bulk_update(plan.updates, plan.update_fields, batch_size=WRITE_BATCH)
    return len(plan.creates), len(plan.updates)


# Writing files: exports and templates -----------------------------------------------------------


@dataclass
class Download:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ExportTable:
    """What one export writes: its headings, and its rows streamed from `queryset` a chunk at a
    time (`render` turns the records into rows), never every record at once.

    `name` is the file's name without its extension, `title` the sheet's, `above` the lines a
    printed form has over its header."""

    name: str
    title: str
    headers: list[str]
    queryset: QuerySet
    render: Callable[[Iterable[models.Model]], Iterable[Sequence]]
    above: Sequence[str] = ()

    def count(self) -> int:
        return self.queryset.count()

    def rows(self) -> Iterable[Sequence]:
        return self.render(self.queryset.iterator(chunk_size=EXPORT_CHUNK))

    def download(self, fmt: str) -> Download:
        """The whole file in memory: for the few thousand rows a request writes."""
        if fmt == "csv":
            return Download(f"{self.name}.csv", CSV_TYPE, csv_bytes(self.headers, self.rows()))
        content = xlsx_bytes(self.headers, self.rows(), title=self.title, above=self.above)
        return Download(f"{self.name}.xlsx", XLSX_TYPE, content)


def export_table(*, kind: str, branch: Organization, user, today: datetime.date) -> ExportTable:
    """The branch's records of `kind` that `user` sees, in the import layout: each row as the
    kind's resource renders it, from only the columns it writes."""
    spec = ALL_KINDS[kind]
    resource = spec.resource(branch=branch, user=user)
    export_fields = resource.get_export_fields()

    def render(records: Iterable[models.Model]) -> Iterable[list]:
        for record in records:
            yield [resource.export_field(f, record) for f in export_fields]

    return ExportTable(
        name=f"{branch.name}-{spec.label}-{today:%Y%m%d}",
        title=spec.label,
        headers=[f.column_name for f in export_fields],
        queryset=spec.export_queryset(branch=branch, user=user),
        render=render,
    )


def export_download(*, kind: str, fmt: str, branch: Organization, user, today) -> Download:
    """The branch's records of `kind` that `user` sees, as .xlsx or .csv, in the import layout."""
    return export_table(kind=kind, branch=branch, user=user, today=today).download(fmt)


def template_download(*, kind: str, fmt: str, branch: Organization) -> Download:
    """An empty file with the column headings; the .xlsx has a second sheet saying how to fill them."""
    spec = ALL_KINDS[kind]
    columns = spec.columns(branch)
    headers = [name for name, _, _ in columns]
    if fmt == "csv":
        return Download(f"{spec.label}导入模板.csv", CSV_TYPE, csv_bytes(headers, []))
    notes = []
    if spec.kind == ImportJob.Kind.MEMBERS:
        groups = Organization.objects.groups_of(branch)
        notes.append(("本支部党小组", "、".join(g.name for g in groups) or "（本支部尚未设党小组）"))
        notes.append(("学历代码（GB/T 4658）", EDUCATION_CODES))
        notes.append(("工作岗位代码", OCCUPATION_CODES))
    content = template_xlsx(columns, title=spec.label, notes=notes)
    return Download(f"{spec.label}导入模板.xlsx", XLSX_TYPE, content)


# The national 党员基本信息汇总表 ------------------------------------------------------------------

NATIONAL_TITLE = "党员基本信息汇总表"
# Its columns in its order: the 采集表's sixteen items (联系电话 as its two boxes, 手机号码 and
# 固定电话; 失去联系日期 and 外出流向 beside the questions they belong to), between 序号 and 备注.
NATIONAL_COLUMNS = (
    "序号",
    "姓名",
    "性别",
    "公民身份证号",
    "民族",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "加入党组织日期",
    "转为正式党员日期",
    "工作岗位",
    "手机号码",
    "固定电话",
    "家庭住址",
    "党籍状态",
    "是否为失联党员",
    "失去联系日期",
    "是否为流动党员",
    "外出流向",
    "备注",
)


def national_rows(members: Iterable[Member], resource: MemberResource) -> Iterable[list]:
    """One row per member in NATIONAL_COLUMNS' order; 学历 and 工作岗位 as their codes, as the
    form prints them, and the 公民身份证号 as `resource` shows it to its user."""
    for number, m in enumerate(members, start=1):
        yield [
            number,
            m.name,
            m.get_gender_display(),
            resource.dehydrate_id_number(m),
            m.ethnicity,
            m.birth_date,
            m.education,
            m.get_status_display(),
            m.branch.name,
            m.joined_on,
            m.full_member_on,
            m.occupation,
            m.phone,
            m.landline,
            m.address,
            m.get_party_standing_display(),
            "是" if m.is_lost_contact else "否",
            m.lost_contact_since,
            "是" if m.is_mobile else "否",
            m.mobile_destination,
            "",
        ]


def national_table(*, branch: Organization, user, today: datetime.date) -> ExportTable:
    """The branch's roster that `user` sees as the national 汇总表: its title and the 党组织名称
    above the header, as counties print it; it imports back as it is."""
    resource = MemberResource(branch=branch, user=user)
    members = (
        resource.get_queryset()
        .select_related(None)
        .select_related("branch")
        .only(*MEMBER_EXPORT_FIELDS)
        .order_by("name", "id")
    )
    return ExportTable(
        name=f"{branch.name}-{NATIONAL_TITLE}-{today:%Y%m%d}",
        title=NATIONAL_TITLE,
        headers=list(NATIONAL_COLUMNS),
        queryset=members,
        render=functools.partial(national_rows, resource=resource),
        above=[NATIONAL_TITLE, f"党组织名称：{branch.name}　　填报日期：{today:%Y年%m月%d日}"],
    )


def national_download(*, branch: Organization, user, today: datetime.date) -> Download:
    """The national 汇总表 (.xlsx) of the branch's roster that `user` sees (`national_table`)."""
    return national_table(branch=branch, user=user, today=today).download("xlsx")


EDUCATION_CODES = "；".join(f"{code} {label}" for code, label in Education.choices)
OCCUPATION_CODES = "；".join(f"{code} {label}" for code, label in Member.Occupation.choices)
