"""The member register (党员名册), a member's page, and the development pipeline (发展党员).

Rows come through `visible_to(request.user)`: someone else's branch or member answers 404 like
a missing one. Within the branch everyone who sees it reads the register with phones and
addresses (that is the scope); the 公民身份证号 is shown whole only to those
`policies.sees_id_numbers` names. Who may add and change is `policies.cannot_keep_register`
and `policies.cannot_develop_members` (403 with its reason otherwise, and the buttons are not
shown); every write goes through `members.services`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from organizations.models import Organization

from .. import development_rules, policies, roster_form
from ..forms.register import AdvanceForm, ApplicantForm, MemberFilterForm, MemberForm
from ..models import (
    Applicant,
    Attendance,
    DevelopmentStage,
    DuesPayment,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
)
from ..queries import history_of, rule_for
from ..rules import DuesState, dues_state, months_back
from ..services.development import DevelopmentError, add_applicant, advance_applicant
from ..services.register import RegisterError, add_member, update_member
from ..stars import counted_key, star_level
from .branch import branch_for, forbid

PER_PAGE = 25
RECENT_MEETINGS = 10
DUES_MONTHS = 12
Stage = development_rules.Stage


def _member_or_404(request, pk: int) -> Member:
    return get_object_or_404(Member.objects.visible_to(request.user).select_related("branch", "group"), pk=pk)


def _filter_query(request) -> str:
    """The query string without the page number, for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# The register ----------------------------------------------------------------------------------


@login_required
def member_list(request, branch: int):
    branch = branch_for(request, branch)
    groups = list(Organization.objects.groups_of(branch))
    filter_form = MemberFilterForm(request.GET or None, groups=groups)
    chosen = filter_form.filters() if request.GET else {}

    in_branch = Member.objects.visible_to(request.user).filter(branch=branch)
    summary = in_branch.aggregate(
        total=Count("id"),
        full=Count("id", filter=Q(status=Member.Status.FULL)),
        probationary=Count("id", filter=Q(status=Member.Status.PROBATIONARY)),
        mobile=Count("id", filter=Q(is_mobile=True)),
        lost=Count("id", filter=Q(is_lost_contact=True)),
        suspended=Count("id", filter=Q(party_standing=Member.Standing.SUSPENDED)),
    )
    # By 党小组 (as the secretary keeps them), then name; members in no group last.
    members = in_branch.select_related("group").order_by(F("group__path").asc(nulls_last=True), "name", "id")
    if q := chosen.get("q", "").strip():
        members = members.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(skills__icontains=q))
    if group := chosen.get("group"):
        members = (
            members.filter(group__isnull=True)
            if group == MemberFilterForm.NO_GROUP
            else members.filter(group_id=int(group))
        )
    if status := chosen.get("status"):
        members = members.filter(status=status)
    if standing := chosen.get("standing"):
        members = members.filter(party_standing=standing)
    if chosen.get("mobile"):
        members = members.filter(is_mobile=True)
    if chosen.get("lost"):
        members = members.filter(is_lost_contact=True)

    page_obj = Paginator(members, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/register/member_list.html",
        {
            "branch": branch,
            "tab": "members",
            "filter_form": filter_form,
            "is_filtered": bool(chosen),
            "summary": summary,
            "page_obj": page_obj,
            "filter_query": _filter_query(request),
            "sees_id_numbers": policies.sees_id_numbers(request.user, branch),
            "may_keep": policies.cannot_keep_register(request.user, branch) is None,
        },
    )


@login_required
def member_add(request, branch: int):
    branch = branch_for(request, branch)
    forbid(policies.cannot_keep_register(request.user, branch))
    today = timezone.localdate()
    form = MemberForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            member = add_member(branch=branch, by=request.user, today=today, **form.cleaned_data)
        except RegisterError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已登记党员“{member.name}”。")
            return redirect("members:member_detail", member.pk)
    return render(
        request,
        "members/register/member_form.html",
        {
            "branch": branch,
            "tab": "members",
            "form": form,
            "heading": "登记党员",
            "back_url": reverse("members:member_list", args=[branch.pk]),
        },
    )


@login_required
def member_edit(request, pk: int):
    member = _member_or_404(request, pk)
    branch = member.branch
    forbid(policies.cannot_keep_register(request.user, branch))
    today = timezone.localdate()
    form = MemberForm(
        request.POST or None,
        instance=member,
        branch=branch,
        shows_id_number=policies.sees_id_numbers(request.user, branch),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = update_member(member=member, by=request.user, today=today, **form.cleaned_data)
        except RegisterError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已保存“{member.name}”的信息。")
            return redirect("members:member_detail", member.pk)
    return render(
        request,
        "members/register/member_form.html",
        {
            "branch": branch,
            "tab": "members",
            "form": form,
            "member": member,
            "heading": f"修改党员信息：{form.initial.get('name') or member.name}",
            "back_url": reverse("members:member_detail", args=[member.pk]),
        },
    )


# A member's page ------------------------------------------------------------------------------


# The member page's words for how a month stands (the months shown end with this one, so a
# month still open is this month); `members.rules.dues_state` decides it, as on the dues grid.
PAGE_DUES_STATES = {
    DuesState.ON_TIME: ("on_time", "按时缴纳"),
    DuesState.LATE: ("late", "补缴"),
    DuesState.UNPAID: ("unpaid", "未缴"),
    DuesState.OPEN: ("due", "本月待缴"),
    DuesState.NOT_DUE: ("before", "—"),
}


@dataclass
class DuesMonth:
    month: datetime.date
    payment: DuesPayment | None
    state: str  # "on_time", "late", "unpaid", "due" (this month, not yet paid), "before" (not owed)
    label: str


def _dues_months(
    member: Member, months: list[datetime.date], payments: list[DuesPayment], today: datetime.date
) -> list[DuesMonth]:
    by_month = {p.month: p for p in payments}
    suspended = member.party_standing == Member.Standing.SUSPENDED
    rows = []
    for month in months:
        payment = by_month.get(month)
        state = dues_state(
            month,
            payment.paid_on if payment else None,
            joined_on=member.joined_on,
            suspended=suspended,
            today=today,
        )
        rows.append(DuesMonth(month, payment, *PAGE_DUES_STATES[state]))
    return rows


@login_required
def member_detail(request, pk: int):
    """Particulars, recent meetings, a year of dues, this year's services and stars, pairings
    and plaques: one query for each, whatever the member's history."""
    member = _member_or_404(request, pk)
    user, branch = request.user, member.branch
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)

    attendances = Attendance.objects.visible_to(user).filter(member=member)
    recent = list(
        attendances.select_related("meeting").order_by("-meeting__held_on", "-meeting_id")[:RECENT_MEETINGS]
    )
    attendance_year = attendances.filter(meeting__held_on__gt=year_ago).aggregate(
        present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
        excused=Count("id", filter=Q(status=Attendance.Status.EXCUSED)),
        absent=Count("id", filter=Q(status=Attendance.Status.ABSENT)),
    )
    months = months_back(today, DUES_MONTHS)
    payments = list(DuesPayment.objects.visible_to(user).filter(member=member, month__gte=months[-1]))
    dues = _dues_months(member, months, payments, today)

    services = list(
        ServiceRecord.objects.visible_to(user)
        .filter(member=member, served_on__year=today.year)
        .select_related("household")
        .order_by("-served_on", "-id")
    )
    # Counted as the star board counts: verified, and the same date and content only once.
    counted: set[tuple[datetime.date, str]] = set()
    for s in services:
        key = counted_key(s.served_on, s.content)
        s.is_repeat = bool(s.verified_at) and key in counted
        if s.verified_at:
            counted.add(key)
    verified = len(counted)
    thresholds = rule_for(branch)
    stars = star_level(verified, thresholds)

    return render(
        request,
        "members/register/member_detail.html",
        {
            "branch": branch,
            "tab": "members",
            "member": member,
            "sees_id_numbers": policies.sees_id_numbers(user, branch),
            "may_keep": policies.cannot_keep_register(user, branch) is None,
            "recent": recent,
            "attendance_year": attendance_year,
            "dues": dues,
            "dues_on_time": sum(1 for d in dues if d.state == "on_time"),
            "dues_open": sum(1 for d in dues if d.state == "unpaid"),
            "year": today.year,
            "services": services,
            "verified": verified,
            "unverified": sum(1 for s in services if not s.verified_at),
            "stars": stars,
            "star_range": range(5),
            "thresholds": thresholds,
            "to_next_star": thresholds[stars] - verified if stars < len(thresholds) else None,
            "pairings": list(
                Pairing.objects.visible_to(user).filter(member=member).select_related("household")
            ),
            "plaques": list(Plaque.objects.visible_to(user).filter(member=member).order_by("-year", "title")),
        },
    )


@require_safe
@never_cache
@login_required
def member_collection_form(request, pk: int):
    """The member's national 党员基本信息采集表 as a one-page A4 PDF to print and sign: for whoever
    may open the member's page, with the 公民身份证号 whole or masked as that page shows it.
    Personal data, so no cache keeps it."""
    member = _member_or_404(request, pk)
    pdf = roster_form.render_collection_form(
        member=member,
        shows_id_number=policies.sees_id_numbers(request.user, member.branch),
        printed_on=timezone.localdate(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"党员信息采集表-{member.name}.pdf"
    )
    return response


# The development pipeline ---------------------------------------------------------------------

STAGE_RANK = Case(
    *(When(stage=stage, then=Value(i)) for i, stage in enumerate(development_rules.ORDER)),
    output_field=IntegerField(),
)


def _with_rank(applicants):
    """Each applicant's furthest stage as `rank` (its place in the order), for filtering and sorting."""
    furthest = (
        DevelopmentStage.objects.filter(applicant=OuterRef("pk"))
        .annotate(rank=STAGE_RANK)
        .order_by("-rank")
        .values("rank")[:1]
    )
    return applicants.annotate(rank=Subquery(furthest, output_field=IntegerField()))


@dataclass
class PipelineRow:
    """One person on the pipeline and what the rules say about their next step."""

    applicant: Applicant
    steps: list[tuple[str, datetime.date]]  # (stage label, date) in order
    current: str | None
    next: str | None
    earliest: datetime.date | None
    ready: bool

    @property
    def current_label(self) -> str:
        return Stage(self.current).label if self.current else "未登记"

    @property
    def move_name(self) -> str:
        return development_rules.MOVE_NAMES[self.next] if self.next else ""


def _pipeline_row(applicant: Applicant, today: datetime.date) -> PipelineRow:
    history = history_of(applicant)
    upcoming = development_rules.next_stage(history)
    earliest = (
        development_rules.earliest_date(upcoming, history, birth_date=applicant.birth_date)
        if upcoming
        else None
    )
    return PipelineRow(
        applicant=applicant,
        steps=[(Stage(s).label, history[s]) for s in development_rules.ORDER if s in history],
        current=development_rules.current_stage(history),
        next=upcoming,
        earliest=earliest,
        ready=upcoming is not None and (earliest is None or earliest <= today),
    )


@login_required
def development_list(request, branch: int):
    branch = branch_for(request, branch)
    today = timezone.localdate()
    applicants = _with_rank(Applicant.objects.visible_to(request.user).filter(branch=branch))
    by_rank = dict(applicants.order_by().values_list("rank").annotate(n=Count("id")))
    stage = request.GET.get("stage", "")
    if stage in development_rules.ORDER:
        applicants = applicants.filter(rank=development_rules.ORDER.index(stage))
    else:
        stage = ""
    page_obj = Paginator(
        applicants.select_related("member")
        .prefetch_related(Prefetch("stages", queryset=DevelopmentStage.objects.order_by("reached_on", "id")))
        .order_by("rank", "name", "id"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    rows = [_pipeline_row(a, today) for a in page_obj]
    stage_links = [("", "全部", sum(by_rank.values()))] + [
        (s, Stage(s).label, by_rank.get(i, 0)) for i, s in enumerate(development_rules.ORDER)
    ]
    return render(
        request,
        "members/development/development_list.html",
        {
            "branch": branch,
            "tab": "development",
            "stage": stage,
            "stage_links": stage_links,
            "page_obj": page_obj,
            "rows": rows,
            "filter_query": f"stage={stage}" if stage else "",
            "today": today,
            "may_keep": policies.cannot_develop_members(request.user, branch) is None,
        },
    )


@login_required
def applicant_add(request, branch: int):
    branch = branch_for(request, branch)
    forbid(policies.cannot_develop_members(request.user, branch))
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applicant = add_applicant(
                branch=branch,
                by=request.user,
                name=data["name"],
                gender=data["gender"],
                applied_on=data["applied_on"],
                birth_date=data.get("birth_date"),
                phone=data.get("phone", ""),
                note=data.get("note", ""),
            )
        except DevelopmentError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已登记入党申请人“{applicant.name}”。")
            return redirect(
                f"{reverse('members:development_list', args=[branch.pk])}#applicant-{applicant.pk}"
            )
    return render(
        request,
        "members/development/applicant_form.html",
        {
            "branch": branch,
            "tab": "development",
            "form": form,
            "back_url": reverse("members:development_list", args=[branch.pk]),
        },
    )


@login_required
def development_advance(request, pk: int):
    """Record the next stage of one person: the page names the stage and the earliest day."""
    applicant = get_object_or_404(
        Applicant.objects.visible_to(request.user)
        .select_related("branch", "member")
        .prefetch_related(Prefetch("stages", queryset=DevelopmentStage.objects.order_by("reached_on", "id"))),
        pk=pk,
    )
    branch = applicant.branch
    forbid(policies.cannot_develop_members(request.user, branch))
    today = timezone.localdate()
    row = _pipeline_row(applicant, today)
    back_url = f"{reverse('members:development_list', args=[branch.pk])}#applicant-{applicant.pk}"
    if row.next is None:
        messages.info(request, f"“{applicant.name}”已转为正式党员，发展程序已经完成。")
        return redirect(back_url)

    form = AdvanceForm(
        request.POST or None,
        initial={"stage": row.next, "reached_on": today if row.ready else None},
        date_label=f"{row.move_name}日期",
        date_help=(f"最早可填 {development_rules.chinese_date(row.earliest)}。" if row.earliest else ""),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            advance_applicant(
                applicant=applicant,
                by=request.user,
                stage=data["stage"],
                on=data["reached_on"],
                note=data["note"],
                today=today,
            )
        except DevelopmentError as error:
            form.add_error(None, error)
        else:
            move, day = (
                development_rules.MOVE_NAMES[data["stage"]],
                development_rules.chinese_date(data["reached_on"]),
            )
            done = f"“{applicant.name}”已{move}（{day}）。"
            if data["stage"] == Stage.PROBATIONARY:
                done += "已同时登记到党员名册，请补全采集表信息。"
            messages.success(request, done)
            return redirect(back_url)
    return render(
        request,
        "members/development/advance_form.html",
        {
            "branch": branch,
            "tab": "development",
            "applicant": applicant,
            "row": row,
            "form": form,
            "back_url": back_url,
            "rule_hint": development_rules.RULE_HINTS[row.next],
        },
    )
