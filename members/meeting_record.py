"""The 会议记录: what a meeting's record states, and that record printed as one PDF (WeasyPrint).

A paper 会议记录 page states, besides the time and place: 主持人, 记录人, 应到 / 实到 / 列席,
缺席人员及原因, 议程, the minutes and 决议. Most of it is on `Meeting` itself; the headcount
comes from the attendance sheet when members were marked one by one, else from the two numbers
typed on the meeting (`Headcount`), so a meeting copied from a paper register without its
sign-in sheet still says how many came.

The PDF's CSS names "Noto Sans CJK SC" (fonts-noto-cjk) everywhere, the @page margin boxes
included: they do not inherit the body's font, and without it their Chinese comes out as boxes.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.template.loader import render_to_string

from organizations.models import Kind, Organization

from . import rules
from .models import Attendance, Meeting
from .reports import css_string

# WeasyPrint logs every layout step at INFO; a download should not print a page of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


# The headcount (应到 / 实到) ----------------------------------------------------------------------


def headcount_problem(expected: int | None, present: int | None) -> str | None:
    """Why typed 应到 / 实到 numbers cannot both stand, or None (the problem is the 实到's)."""
    if expected is not None and present is not None and present > expected:
        return f"实到人数（{present} 人）不能多于应到人数（{expected} 人）。"
    return None


@dataclass(frozen=True)
class Headcount:
    """应到 and 实到 of one meeting: counted from its attendance sheet (`from_sheet`), else the
    numbers typed on the meeting (either may be missing)."""

    expected: int | None
    present: int | None
    absent: int = 0
    excused: int = 0
    from_sheet: bool = False

    @property
    def known(self) -> bool:
        return self.expected is not None or self.present is not None

    @property
    def rate(self) -> Decimal | None:
        """到会率 (`members.rules.attendance_rate`); typed numbers know no 请假, so none is left out."""
        if self.expected is None or self.present is None:
            return None
        return rules.attendance_rate(expected=self.expected, present=self.present, excused=self.excused)


def headcount(
    meeting: Meeting, *, marked: int = 0, present: int = 0, absent: int = 0, excused: int = 0
) -> Headcount:
    """The meeting's headcount from its sheet's counts (`marked` members marked, of whom
    `present` 出席 …), or from its typed numbers when nobody is marked."""
    if marked:
        return Headcount(expected=marked, present=present, absent=absent, excused=excused, from_sheet=True)
    return Headcount(expected=meeting.expected_count, present=meeting.present_count)


def with_sheet_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings` annotated with their saved sheets' counts — `sheet_marked`, `sheet_present`,
    `sheet_absent`, `sheet_excused` — in the same query; `counted` turns them into a Headcount."""
    status = "attendances__status"
    return meetings.annotate(
        sheet_marked=Count("attendances", distinct=True),
        sheet_present=Count("attendances", filter=Q(**{status: Attendance.Status.PRESENT}), distinct=True),
        sheet_absent=Count("attendances", filter=Q(**{status: Attendance.Status.ABSENT}), distinct=True),
        sheet_excused=Count("attendances", filter=Q(**{status: Attendance.Status.EXCUSED}), distinct=True),
    )


def counted(meeting: Meeting) -> Headcount:
    """The headcount of a meeting loaded through `with_sheet_counts` (no query)."""
    return headcount(
        meeting,
        marked=meeting.sheet_marked,
        present=meeting.sheet_present,
        absent=meeting.sheet_absent,
        excused=meeting.sheet_excused,
    )


# Who came and who did not ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One member's line of the sheet as the record prints it."""

    name: str
    group_name: str
    status: str
    reason: str

    @property
    def status_label(self) -> str:
        return Attendance.Status(self.status).label

    @property
    def absent_text(self) -> str:
        """“张三（请假：外出务工）” — how a paper record lists an absentee."""
        why = f"：{self.reason}" if self.reason else ""
        return f"{self.name}（{self.status_label}{why}）"


def absentees_text(marks: list[Mark]) -> str:
    """缺席人员及原因 in one line, as the export and the record write it ("" when none)."""
    return "；".join(m.absent_text for m in marks if m.status != Attendance.Status.PRESENT)


# The sheet's order: by 党小组 (members without one last), then name.
SHEET_ORDER = (F("member__group__path").asc(nulls_last=True), "member__name", "pk")


def with_marks(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings` with their saved marks and the members' names prefetched (one more query)."""
    marks = Attendance.objects.select_related("member__group").order_by(*SHEET_ORDER)
    return meetings.prefetch_related(Prefetch("attendances", queryset=marks))


def marks_of(meeting: Meeting) -> list[Mark]:
    """The meeting's saved marks in the sheet's order: no query when loaded through `with_marks`,
    else one; none for a meeting not saved yet."""
    if meeting.pk is None:
        return []
    attendances = meeting.attendances.all()
    if "attendances" not in getattr(meeting, "_prefetched_objects_cache", {}):
        attendances = attendances.select_related("member__group").order_by(*SHEET_ORDER)
    return [
        Mark(a.member.name, a.member.group.name if a.member.group else "", a.status, a.reason)
        for a in attendances
    ]


@dataclass
class MeetingRecord:
    """Everything the 会议记录 page prints for one meeting."""

    meeting: Meeting
    branch: Organization
    marks: list[Mark] = field(default_factory=list)

    @property
    def headcount(self) -> Headcount:
        statuses = [m.status for m in self.marks]
        return headcount(
            self.meeting,
            marked=len(statuses),
            present=statuses.count(Attendance.Status.PRESENT),
            absent=statuses.count(Attendance.Status.ABSENT),
            excused=statuses.count(Attendance.Status.EXCUSED),
        )

    @property
    def present(self) -> list[Mark]:
        return [m for m in self.marks if m.status == Attendance.Status.PRESENT]

    @property
    def absent(self) -> list[Mark]:
        return [m for m in self.marks if m.status != Attendance.Status.PRESENT]

    @property
    def held_by(self) -> str:
        """Who held it: the branch, or “一村党支部第一党小组” for a 党小组会."""
        organization = self.meeting.organization
        if organization.kind == Kind.GROUP:
            return f"{self.branch.name}{organization.name}"
        return self.branch.name


def meeting_record(meeting: Meeting, branch: Organization) -> MeetingRecord:
    """The record of `meeting` (held by `branch` or one of its 党小组): one query for the marks."""
    return MeetingRecord(meeting=meeting, branch=branch, marks=marks_of(meeting))


# The PDF ------------------------------------------------------------------------------------------


def _day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_meeting_record(record: MeetingRecord, *, printed_on: datetime.date) -> bytes:
    """The 会议记录 of one meeting as an A4 PDF, with lines for 主持人 and 记录人 to sign."""
    # WeasyPrint takes about a second to import; only this function needs it.
    from weasyprint import HTML

    meeting = record.meeting
    html = render_to_string(
        "members/records/meeting_record_pdf.html",
        {
            "record": record,
            "meeting": meeting,
            "branch": record.branch,
            "headcount": record.headcount,
            "held_on": _day(meeting.held_on),
            "printed_on": printed_on,
            "footer_left": css_string(f"{record.branch.name} · 会议记录 · {meeting.held_on:%Y-%m-%d}"),
            "footer_right": css_string(f"打印于 {_day(printed_on)}"),
        },
    )
    return HTML(string=html).write_pdf()
