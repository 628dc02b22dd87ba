"""党费 and 三会一课: the dues grid, the meetings list, a meeting's page with its attendance sheet.

Rows come through `visible_to` (someone else's branch or meeting answers 404, as a missing one
does); a user who sees them but may not change them (`policies.cannot_record_dues`,
`policies.cannot_keep_meetings`: the 组织部, inspectors) gets 403 with the policy's reason on
every change and is not offered it. Every write goes through `members.services.records`; a
refusal from a service shows beside the form.

Each page works without JavaScript. With htmx, a dues cell opens its small form in a panel at
the foot of the screen and saving updates that member's row and the counts in place; the
attendance sheet saves in place.
"""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from organizations.models import Kind, Organization

from .. import figures, policies, rules
from ..forms.records import AttendanceSheetForm, DuesPaymentForm, MeetingForm, parse_month
from ..meeting_record import SHEET_ORDER, headcount, meeting_record, render_meeting_record
from ..models import Attendance, DuesPayment, ExportJob, Meeting, MeetingPhoto, Member
from ..queries import SheetGroup, branch_of, meeting_figures, on_sheet, sheet_groups, sheet_lines
from ..rules import DUES_STATE_LABELS, DuesState
from ..services.records import (
    record_attendance,
    record_dues_payment,
    remove_dues_payment,
    remove_meeting,
    remove_meeting_photo,
    save_meeting,
)
from .branch import branch_for, forbid
from .imports import export_response

PER_PAGE = 25
MONTH_NUMBERS = range(1, 13)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _service_error(form, error: ValidationError) -> None:
    """Show a service's refusal beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _groups(request, branch: Organization) -> list[Organization]:
    """The branch's 党小组, in tree order (one query)."""
    return list(Organization.objects.visible_to(request.user).groups_of(branch))


# Dues (党费) --------------------------------------------------------------------------------------


@dataclass
class DuesCell:
    month: datetime.date
    state: DuesState
    amount: Decimal | None = None
    paid_on: datetime.date | None = None
    url: str = ""

    @property
    def label(self) -> str:
        return DUES_STATE_LABELS[self.state]


@dataclass
class DuesRow:
    member_id: int
    cells: list[DuesCell]
    unpaid: int = 0
    late: int = 0
    member: Member | None = None


@dataclass
class DuesSummary:
    members: int = 0
    fully_paid: int = 0  # no month 欠缴 (owed, ended, unpaid) in the year so far
    owing: int = 0  # members with at least one month 欠缴
    late_payments: int = 0
    unpaid_months: int = 0


@dataclass
class DuesLedger:
    """The year's dues of a set of members: a row per member (in register order) and the counts."""

    year: int
    rows: dict[int, DuesRow] = field(default_factory=dict)
    summary: DuesSummary = field(default_factory=DuesSummary)


def _ledger(members, year: int, today: datetime.date) -> DuesLedger:
    """Every member's twelve months of `year`, in two queries whatever the number of members:
    the members' join dates and 党籍, and their payments of the year."""
    meta = list(members.values_list("pk", "joined_on", "party_standing"))
    paid: dict[tuple[int, datetime.date], tuple[Decimal, datetime.date | None]] = {
        (member_id, month): (amount, paid_on)
        for member_id, month, amount, paid_on in DuesPayment.objects.filter(
            member__in=members, month__year=year
        ).values_list("member_id", "month", "amount", "paid_on")
    }
    ledger = DuesLedger(year=year)
    summary = ledger.summary
    for pk, joined_on, standing in meta:
        row = DuesRow(member_id=pk, cells=[])
        suspended = standing == Member.Standing.SUSPENDED
        for number in MONTH_NUMBERS:
            month = datetime.date(year, number, 1)
            amount, paid_on = paid.get((pk, month), (None, None))
            state = rules.dues_state(month, paid_on, joined_on=joined_on, suspended=suspended, today=today)
            row.cells.append(DuesCell(month=month, state=state, amount=amount, paid_on=paid_on))
            row.unpaid += state == DuesState.UNPAID
            row.late += state == DuesState.LATE
        ledger.rows[pk] = row
        summary.members += 1
        summary.owing += bool(row.unpaid)
        summary.fully_paid += not row.unpaid
        summary.late_payments += row.late
        summary.unpaid_months += row.unpaid
    return ledger


def _last_grid_year(today: datetime.date) -> int:
    """Next year's grid opens in December, when members start paying ahead for it."""
    return today.year + 1 if today.month == 12 else today.year


def _grid_year(value: str | None, today: datetime.date) -> int:
    year = _int(value)
    return year if year is not None and 2000 <= year <= _last_grid_year(today) else today.year


@dataclass(frozen=True)
class GridView:
    """Which part of the grid is shown: the year, the 党小组, only members owing, the page."""

    year: int
    group: Organization | None = None
    owing: bool = False
    page: int | None = None

    @classmethod
    def read(cls, params, groups: list[Organization], today: datetime.date) -> GridView:
        group_pk = _int(params.get("group"))
        return cls(
            year=_grid_year(params.get("year"), today),
            group=next((g for g in groups if g.pk == group_pk), None),
            owing=params.get("owing") == "1",
            page=_int(params.get("page")),
        )

    def query(self, *, page: bool = True) -> str:
        """The grid's query string for this view (`page` included unless asked not to)."""
        params: dict[str, object] = {"year": self.year}
        if self.group:
            params["group"] = self.group.pk
        if self.owing:
            params["owing"] = 1
        if page and self.page and self.page > 1:
            params["page"] = self.page
        return urlencode(params)

    def members(self, request, branch: Organization):
        members = Member.objects.visible_to(request.user).filter(branch=branch)
        return members.filter(group=self.group) if self.group else members


def _dues_links(rows: list[DuesRow], *, branch: Organization, view: GridView) -> None:
    base = reverse("members:dues_record", args=[branch.pk])
    back = view.query()
    for row in rows:
        for cell in row.cells:
            query = {"member": row.member_id, "month": f"{cell.month:%Y-%m}", "back": back}
            cell.url = f"{base}?{urlencode(query)}"


def _on_time_rate(branch: Organization, year: int, today: datetime.date) -> Decimal | None:
    return figures.dues_on_time_rate(
        branch, datetime.date(year, 1, 1), datetime.date(year, 12, 31), today=today
    )


@login_required
def dues_grid(request, branch: int):
    """党费: a month × member grid of the year, with who is late or owing standing out.

    Queries, whatever the number of members: session, user, the branch (404 when out of
    scope), its 党小组, the members' join dates and 党籍 and their payments of the year (for
    the grid and the counts), the page's members, the branch-wide on-time rate (members,
    payments), the viewer's roles (`cannot_record_dues`), the top bar's roles.
    """
    branch = branch_for(request, branch)
    today = timezone.localdate()
    groups = _groups(request, branch)
    view = GridView.read(request.GET, groups, today)
    ledger = _ledger(view.members(request, branch), view.year, today)
    ids = [pk for pk, row in ledger.rows.items() if row.unpaid or not view.owing]
    page_obj = Paginator(ids, PER_PAGE).get_page(view.page)
    on_page = Member.objects.filter(pk__in=list(page_obj.object_list)).select_related("group").in_bulk()
    rows = [ledger.rows[pk] for pk in page_obj.object_list]
    for row in rows:
        row.member = on_page[row.member_id]
    may_edit = policies.cannot_record_dues(request.user, branch) is None
    if may_edit:
        _dues_links(rows, branch=branch, view=view)
    return render(
        request,
        "members/records/dues_grid.html",
        {
            "branch": branch,
            "tab": "dues",
            "view": view,
            "groups": groups,
            "rows": rows,
            "page_obj": page_obj,
            "filter_query": view.query(page=False),
            "summary": ledger.summary,
            "on_time_rate": _on_time_rate(branch, view.year, today),
            "months": [datetime.date(view.year, n, 1) for n in MONTH_NUMBERS],
            "current_month": today.replace(day=1),
            "years": [y for y in (view.year - 1, view.year + 1) if 2000 <= y <= _last_grid_year(today)],
            "may_edit": may_edit,
        },
    )


def _back_view(back: str, groups: list[Organization], today: datetime.date) -> GridView:
    return GridView.read(QueryDict(back), groups, today)


def _dues_saved(request, *, branch: Organization, member: Member, view: GridView, message: str):
    """After a save or removal: with htmx the member's row and the counts, redrawn in place and the
    form closed; without it, back to the grid where the secretary was."""
    if not request.htmx:
        messages.success(request, message)
        url = reverse("members:dues_grid", args=[branch.pk])
        return HttpResponseRedirect(f"{url}?{view.query()}#member-{member.pk}")
    today = timezone.localdate()
    ledger = _ledger(view.members(request, branch), view.year, today)
    row = (
        ledger.rows.get(member.pk)
        or _ledger(Member.objects.filter(pk=member.pk), view.year, today).rows[member.pk]
    )
    row.member = member
    _dues_links([row], branch=branch, view=view)
    return render(
        request,
        "members/records/_dues_saved.html",
        {
            "branch": branch,
            "row": row,
            "summary": ledger.summary,
            "on_time_rate": _on_time_rate(branch, view.year, today),
            "view": view,
            "message": message,
            "may_edit": True,
            "current_month": today.replace(day=1),
        },
    )


@login_required
@vary_on_headers("HX-Request")
def dues_record(request, branch: int):
    """Record or correct one member's dues for one month (?member=…&month=2026-05).

    With htmx the form is a fragment for the panel under the grid; without it, a page.
    """
    branch = branch_for(request, branch)
    forbid(policies.cannot_record_dues(request.user, branch))
    params = request.POST if request.method == "POST" else request.GET
    if request.htmx and "close" in params:
        return HttpResponse("")
    member = get_object_or_404(
        Member.objects.visible_to(request.user).filter(branch=branch).select_related("group"),
        pk=_int(params.get("member")) or 0,
    )
    month = parse_month(params.get("month"))
    if month is None:
        raise Http404("月份格式不正确。")
    today = timezone.localdate()
    view = _back_view(params.get("back", ""), _groups(request, branch), today)
    if view.year != month.year:
        view = replace(view, year=month.year, page=None)
    payment = DuesPayment.objects.filter(member=member, month=month).first()
    label = f"{member.name} {month.year}年{month.month}月"

    if request.method == "POST" and "remove" in request.POST:
        if payment is not None:
            remove_dues_payment(payment=payment, by=request.user)
        return _dues_saved(
            request, branch=branch, member=member, view=view, message=f"已删除{label}的党费记录。"
        )
    if request.method == "POST":
        form = DuesPaymentForm(request.POST)
        if form.is_valid():
            try:
                saved = record_dues_payment(member=member, month=month, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _service_error(form, error)
            else:
                state = rules.dues_state(
                    month, saved.paid_on, joined_on=member.joined_on, suspended=False, today=today
                )
                return _dues_saved(
                    request,
                    branch=branch,
                    member=member,
                    view=view,
                    message=f"已登记{label}党费 {saved.amount:.2f} 元（{DUES_STATE_LABELS[state]}）。",
                )
    else:
        last = payment or DuesPayment.objects.filter(member=member).order_by("-month").first()
        form = DuesPaymentForm(
            initial={
                "amount": last.amount if last else None,
                "paid_on": (payment.paid_on if payment else None) or today,
            }
        )
    state = rules.dues_state(
        month,
        payment.paid_on if payment else None,
        joined_on=member.joined_on,
        suspended=member.party_standing == Member.Standing.SUSPENDED,
        today=today,
    )
    context = {
        "branch": branch,
        "tab": "dues",
        "member": member,
        "month": month,
        "payment": payment,
        "state": state,
        "state_label": DUES_STATE_LABELS[state],
        "form": form,
        "back": view.query(),
        "grid_url": f"{reverse('members:dues_grid', args=[branch.pk])}?{view.query()}#member-{member.pk}",
    }
    template = "_dues_editor" if request.htmx else "dues_record"
    return render(request, f"members/records/{template}.html", context)


# Meetings (三会一课) ------------------------------------------------------------------------------


def _meeting_or_404(request, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.visible_to(request.user).select_related("organization"), pk=pk)


@login_required
def meeting_list(request, branch: int):
    """三会一课: the meetings of the branch and its 党小组, newest first, by kind and month.

    Each meeting shows 应到 / 实到 and the rate: counted from its saved sheet, else the numbers
    typed on it (`members.meeting_record.Headcount`).

    Paged first, counted after: the figures are read for the page's 25 meetings only
    (`queries.meeting_figures`), never aggregated over every meeting of the branch.

    Queries, whatever the number of meetings: session, user, the branch, the page's count and
    its meetings, the page's figures (marks by status and photos, one query), the year's count
    and attendance rate (three), the viewer's roles (`cannot_keep_meetings`), the top bar's roles.
    """
    branch = branch_for(request, branch)
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    kind = kind if kind in Meeting.Kind.values else ""
    month_text = request.GET.get("month", "").strip()
    month = parse_month(month_text)
    meetings = Meeting.objects.visible_to(request.user).within(branch)
    if kind:
        meetings = meetings.filter(kind=kind)
    if month:
        meetings = meetings.filter(held_on__gte=month, held_on__lt=rules.next_month(month))
    page_obj = Paginator(
        meetings.select_related("organization").order_by("-held_on", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    figures_of = meeting_figures([meeting.pk for meeting in page_obj])
    for meeting in page_obj:
        shown = figures_of[meeting.pk]
        meeting.photo_count = shown.photos
        meeting.headcount = headcount(
            meeting,
            marked=shown.marked,
            present=shown.present,
            absent=shown.absent,
            excused=shown.excused,
        )

    year_start = today.replace(month=1, day=1)
    year = (
        Meeting.objects.within(branch)
        .filter(held_on__gte=year_start, held_on__lte=today)
        .aggregate(total=Count("pk"), by_groups=Count("pk", filter=Q(organization__kind=Kind.GROUP)))
    )
    filters = {k: v for k, v in (("kind", kind), ("month", month and f"{month:%Y-%m}")) if v}
    return render(
        request,
        "members/records/meeting_list.html",
        {
            "branch": branch,
            "tab": "meetings",
            "page_obj": page_obj,
            "kinds": Meeting.Kind.choices,
            "kind": kind,
            "month_text": month_text,
            "month_error": bool(month_text) and month is None,
            "filter_query": urlencode(filters),
            "is_filtered": bool(filters),
            "year": year | {"label": today.year},
            "year_rate": figures.meeting_attendance_rate(branch, year_start, today),
            "target": rules.ATTENDANCE_TARGET,
            "may_edit": policies.cannot_keep_meetings(request.user, branch) is None,
        },
    )


MEETING_FIELDS = (
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


def _meeting_form(request, *, branch: Organization, meeting: Meeting | None):
    groups = _groups(request, branch)
    photos = list(meeting.photos.all()) if meeting else []
    # A meeting whose sheet is saved counts 应到 / 实到 from it; the form shows them, not boxes.
    record = meeting_record(meeting, branch) if meeting else None
    sheet_saved = bool(record and record.marks)
    options = {"groups": groups, "photos_kept": len(photos), "sheet_saved": sheet_saved}
    if request.method == "POST":
        form = MeetingForm(request.POST, request.FILES, **options)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.setdefault("group", None)
            try:
                saved = save_meeting(branch=branch, by=request.user, meeting=meeting, **data)
            except ValidationError as error:
                _service_error(form, error)
            else:
                if meeting is None:
                    messages.success(request, "会议已登记。请在下方出勤表中核对出勤情况并保存。")
                    return HttpResponseRedirect(
                        reverse("members:meeting_detail", args=[saved.pk]) + "#attendance"
                    )
                messages.success(request, "会议已保存。")
                return HttpResponseRedirect(reverse("members:meeting_detail", args=[saved.pk]))
    elif meeting is not None:
        is_group = meeting.organization.kind == Kind.GROUP
        form = MeetingForm(
            initial={
                "kind": meeting.kind,
                "group": meeting.organization_id if is_group else None,
                "held_on": meeting.held_on,
                "topic": meeting.topic,
                **{name: getattr(meeting, name) for name in MEETING_FIELDS},
            },
            **options,
        )
    else:
        form = MeetingForm(initial={"held_on": timezone.localdate()}, **options)
    return render(
        request,
        "members/records/meeting_form.html",
        {
            "branch": branch,
            "tab": "meetings",
            "form": form,
            "meeting": meeting,
            "record": record,
            "photos": photos,
            # A page shown again after an error cannot keep the chosen files: say so.
            "photos_dropped": bool(request.FILES.getlist("photos")),
        },
    )


@login_required
def meeting_add(request, branch: int):
    branch = branch_for(request, branch)
    forbid(policies.cannot_keep_meetings(request.user, branch))
    return _meeting_form(request, branch=branch, meeting=None)


@login_required
def meeting_edit(request, pk: int):
    meeting = _meeting_or_404(request, pk)
    branch = branch_of(meeting.organization)
    forbid(policies.cannot_keep_meetings(request.user, branch))
    return _meeting_form(request, branch=branch, meeting=meeting)


# The attendance sheet ------------------------------------------------------------------------------
#
# A sheet of up to SHEET_PAGE members is shown and saved whole, as one form. A bigger one (a
# 支部党员大会 of 600) opens one 党小组 at a time — paged by SHEET_PAGE if the 党小组 itself is
# bigger — with every 党小组's counts above it, and “保存” saves the lines shown. The page is
# what a secretary works through with the sign-in sheet in hand: open a 党小组, mark who was
# absent or excused and why, save, go on to the next; a phone never renders 600 rows of radios.
#
# The sheet is still saved whole (`record_attendance`: 应到 / 实到 are counted from it, so it
# never holds half a meeting): the lines shown as posted, everyone else as saved before, and
# those not marked yet as 出席 — what the sheet shows them as until someone changes it; the
# page says so before the first save. Saves of one meeting's sheet take a row lock on the
# meeting, so two secretaries saving two 党小组 at once do not undo each other.

SHEET_PAGE = 60


@dataclass
class SheetLine:
    member: Member
    status: str | None  # the saved mark, None when not marked yet
    expected: bool  # still 应到 (else: marked once, since moved out of the branch or 党小组)
    reason: str = ""  # the saved 缺席原因
    field: object = None  # the 出席/缺席/请假 radios, for those who may save the sheet
    reason_field: object = None  # the 缺席原因 box beside them

    @property
    def status_label(self) -> str:
        return Attendance.Status(self.status).label if self.status else "未登记"


def _open_part(groups: list[SheetGroup], params) -> tuple[SheetGroup | None, Page]:
    """Which part of the sheet `params` (?group=…&page=…) open: the whole sheet (None) when it
    fits a page, else a 党小组 — the one asked for, else the first with members not marked yet,
    else the first — and the page of it. No query: the sizes come from `groups`."""
    total = sum(group.members for group in groups)
    part = None
    if total > SHEET_PAGE:
        part = next((g for g in groups if g.key == params.get("group")), None)
        part = part or next((g for g in groups if g.unmarked), groups[0])
    size = part.members if part else total
    return part, Paginator(range(size), SHEET_PAGE).get_page(params.get("page"))


def _next_part(groups: list[SheetGroup], part: SheetGroup | None) -> SheetGroup | None:
    """The 党小组 after the open one, to go on to once it is done."""
    if part is None:
        return None
    later = groups[groups.index(part) + 1 :]
    return later[0] if later else None


def _posted_elsewhere(meeting: Meeting, data, shown: list[Member]) -> list[Member]:
    """Members on the sheet marked in `data` though not on the part rebuilt for it — the sheet
    changed between showing and saving (members added or moved, a page boundary shifted) — so
    that what was posted for them is saved too, never dropped. Usually none, and no query."""
    posted = {int(name[1:]) for name in data if name[:1] == "m" and name[1:].isdigit()}
    missing = posted - {member.pk for member in shown}
    if not missing:
        return []
    return list(sheet_lines(meeting).filter(pk__in=missing)[:SHEET_PAGE])


def _part_query(part: SheetGroup | None, page: Page) -> str:
    """The address of the open part (“group=12&page=2”), "" for the whole sheet."""
    if part is None:
        return ""
    return urlencode({"group": part.key, **({"page": page.number} if page.number > 1 else {})})


def _sheet(meeting: Meeting, *, may_edit: bool, params, data=None) -> dict:
    """The attendance sheet's counts (every 党小组's and the whole sheet's), the open part's
    lines and, for those who may save it, their form.

    Two queries whatever the sheet's size: the 党小组 with their counts (`sheet_groups`) and
    the open part's lines with their marks (`sheet_lines`, at most SHEET_PAGE).
    """
    groups = sheet_groups(meeting)
    part, page = _open_part(groups, params)
    start = page.start_index() - 1 if page.paginator.count else 0
    members = list(sheet_lines(meeting, group=part)[start : start + SHEET_PAGE])
    if data is not None:
        members += _posted_elsewhere(meeting, data, members)
    marked = {m.pk: m.mark_status for m in members if m.mark_status}
    reasons = {m.pk: m.mark_reason for m in members if m.mark_reason}
    form = AttendanceSheetForm(data, members=members, marked=marked, reasons=reasons) if may_edit else None
    lines = [
        SheetLine(
            member=m,
            status=m.mark_status,
            expected=bool(m.is_expected),
            reason=m.mark_reason or "",
            field=form[AttendanceSheetForm.field_name(m)] if form else None,
            reason_field=form[AttendanceSheetForm.reason_name(m)] if form else None,
        )
        for m in members
    ]
    counts = {
        "expected": sum(g.marked for g in groups),
        "present": sum(g.present for g in groups),
        "absent": sum(g.absent for g in groups),
        "excused": sum(g.excused for g in groups),
    }
    unmarked = sum(g.unmarked for g in groups)
    return {
        "lines": lines,
        "sheet_form": form,
        "counts": counts,
        "rate": rules.attendance_rate(
            expected=counts["expected"], present=counts["present"], excused=counts["excused"]
        )
        if counts["expected"]
        else None,
        "saved": bool(counts["expected"]),
        "unmarked": unmarked,
        # Not marked yet and not on this page: saving the page marks them 出席.
        "unmarked_elsewhere": unmarked - sum(1 for line in lines if line.status is None),
        "on_sheet": sum(g.members for g in groups),
        "sheet_groups": groups if part else [],
        "sheet_part": part,
        "next_part": _next_part(groups, part),
        "sheet_query": _part_query(part, page),
        # The pager (partials/pagination.html) within the open 党小组.
        "page_obj": page,
        "filter_query": urlencode({"group": part.key}) if part else "",
        "statuses": Attendance.Status.choices,
        "target": rules.ATTENDANCE_TARGET,
    }


ABSENT_STATUSES = (Attendance.Status.ABSENT, Attendance.Status.EXCUSED)
# 缺席人员及原因 on the meeting's page; the printed 会议记录 lists them all.
ABSENTEES_SHOWN = 30


def _detail_context(request, meeting: Meeting, branch: Organization, *, params, data=None) -> dict:
    may_edit = policies.cannot_keep_meetings(request.user, branch) is None
    sheet = _sheet(meeting, may_edit=may_edit, params=params, data=data)
    counts = sheet["counts"]
    return {
        "branch": branch,
        "tab": "meetings",
        "meeting": meeting,
        "photos": list(meeting.photos.all()),
        "may_edit": may_edit,
        "headcount": headcount(
            meeting,
            marked=counts["expected"],
            present=counts["present"],
            absent=counts["absent"],
            excused=counts["excused"],
        ),
        "absentees": list(
            meeting.attendances.filter(status__in=ABSENT_STATUSES)
            .select_related("member__group")
            .order_by(*SHEET_ORDER)[:ABSENTEES_SHOWN]
        ),
        "absentee_count": counts["absent"] + counts["excused"],
        **sheet,
    }


@login_required
def meeting_detail(request, pk: int):
    """A meeting as its paper 会议记录 has it — who chaired and recorded it, 应到 / 实到 / 列席,
    who was absent and why, the agenda, minutes and resolutions — its photos, and the attendance
    sheet with the rate (a big one a 党小组 at a time: `?group=…&page=…`).

    Queries, whatever the number of members: session, user, the meeting (and a 党小组's
    branch), the viewer's roles (`cannot_keep_meetings`), its photos, the sheet's 党小组 with
    their counts, the open part's lines, the first absentees, the top bar's roles.
    """
    meeting = _meeting_or_404(request, pk)
    branch = branch_of(meeting.organization)
    context = _detail_context(request, meeting, branch, params=request.GET)
    return render(request, "members/records/meeting_detail.html", context)


def _whole_sheet(meeting: Meeting, form: AttendanceSheetForm) -> tuple[dict[int, str], dict[int, str]]:
    """Everyone's mark and 缺席原因 for `record_attendance`: the lines of the posted page as
    posted, everyone else on the sheet as saved before, or 出席 if never marked. Two queries."""
    saved = {
        pk: (status, reason)
        for pk, status, reason in meeting.attendances.values_list("member_id", "status", "reason")
    }
    statuses = {
        pk: saved.get(pk, (Attendance.Status.PRESENT, ""))[0]
        for pk in on_sheet(meeting).values_list("pk", flat=True)
    }
    reasons = {pk: reason for pk, (_, reason) in saved.items() if reason}
    posted = form.statuses()
    for pk in posted:
        reasons.pop(pk, None)
    statuses.update(posted)
    reasons.update(form.reasons())
    return statuses, reasons


def _save_sheet(request, meeting: Meeting, context: dict) -> str:
    """Save the posted part of the sheet (`_whole_sheet`); the message to show, or "" when the
    form or the service refused it (the errors are on the form)."""
    form = context["sheet_form"]
    if not form.is_valid():
        return ""
    statuses, reasons = _whole_sheet(meeting, form)
    try:
        counts = record_attendance(meeting=meeting, statuses=statuses, reasons=reasons, by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return ""
    rate = "—" if counts.rate is None else f"{counts.rate}%"
    whole = f"应到 {counts.expected} 人，出席 {counts.present} 人，到会率 {rate}。"
    part = context["sheet_part"]
    if part is None:
        return f"出勤已保存：{whole}"
    return f"{part.name}（本页 {len(context['lines'])} 人）的出勤已保存。全会{whole}"


@login_required
@require_POST
def meeting_attendance(request, pk: int):
    """Save the attendance sheet — the part that was shown (`group`, `page` posted with it) as
    marked, the rest as it stands — and with htmx redraw the sheet in place."""
    meeting = _meeting_or_404(request, pk)
    branch = branch_of(meeting.organization)
    forbid(policies.cannot_keep_meetings(request.user, branch))
    with transaction.atomic():
        # One save of this sheet at a time (see the note above SHEET_PAGE).
        Meeting.objects.select_for_update().only("pk").get(pk=meeting.pk)
        context = _detail_context(request, meeting, branch, params=request.POST, data=request.POST)
        saved_message = _save_sheet(request, meeting, context)
    if saved_message:
        query = context["sheet_query"]
        if not request.htmx:
            messages.success(request, saved_message)
            url = reverse("members:meeting_detail", args=[meeting.pk])
            return HttpResponseRedirect(f"{url}?{query}#attendance" if query else f"{url}#attendance")
        context = _detail_context(request, meeting, branch, params=QueryDict(query))
    context["saved_message"] = saved_message
    template = "_attendance" if request.htmx else "meeting_detail"
    return render(request, f"members/records/{template}.html", context)


@login_required
def export_meetings(request, branch: int):
    """三会一课 as .xlsx (or ?format=csv), one row per meeting, in the import layout: whoever
    sees the branch gets the meetings they see; a large export is written by a job."""
    return export_response(request, branch, ExportJob.Kind.MEETINGS)


@login_required
def meeting_record_pdf(request, pk: int):
    """The meeting's 会议记录 as a printable A4 PDF, for whoever sees the meeting."""
    meeting = _meeting_or_404(request, pk)
    branch = branch_of(meeting.organization)
    pdf = render_meeting_record(meeting_record(meeting, branch), printed_on=timezone.localdate())
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"会议记录-{branch.name}-{meeting.held_on:%Y%m%d}-{meeting.topic[:30]}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def meeting_delete(request, pk: int):
    """Delete a meeting entered by mistake (asks first)."""
    meeting = _meeting_or_404(request, pk)
    branch = branch_of(meeting.organization)
    forbid(policies.cannot_keep_meetings(request.user, branch))
    if request.method == "POST":
        remove_meeting(meeting=meeting, by=request.user)
        messages.success(request, f"已删除会议“{meeting.topic}”。")
        return HttpResponseRedirect(reverse("members:meeting_list", args=[branch.pk]))
    return render(
        request,
        "members/records/meeting_delete.html",
        {
            "branch": branch,
            "tab": "meetings",
            "meeting": meeting,
            "marks": meeting.attendances.count(),
            "photo_count": meeting.photos.count(),
        },
    )


def _photo_or_404(request, pk: int) -> MeetingPhoto:
    return get_object_or_404(
        MeetingPhoto.objects.visible_to(request.user).select_related("meeting__organization"), pk=pk
    )


@login_required
def meeting_photo(request, pk: int):
    """A meeting photo, shown inline to whoever sees the meeting (never from MEDIA_URL)."""
    photo = _photo_or_404(request, pk)
    name = PurePosixPath(photo.image.name).name
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as missing:
        raise Http404("照片文件已不存在。") from missing
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, filename=name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def meeting_photo_delete(request, pk: int):
    photo = _photo_or_404(request, pk)
    meeting = photo.meeting
    forbid(policies.cannot_keep_meetings(request.user, branch_of(meeting.organization)))
    remove_meeting_photo(photo=photo, by=request.user)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, "照片已删除。")
    return HttpResponseRedirect(reverse("members:meeting_edit", args=[meeting.pk]) + "#photos")
