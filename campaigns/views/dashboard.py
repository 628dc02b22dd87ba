"""A campaign's dashboard: where it stands, for whoever may see the campaign.

Every figure covers only the sites the viewer sees (`Site.objects.visible_to`), so a 党委 sees
its own part and the 组织部 the whole. The figures come from `campaigns.queries`, one aggregate
query each; the page's query count does not depend on the number of sites. The two charts are
inline SVG drawn on the server (CSP forbids inline scripts, and no chart library is needed).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from spreadsheets import xlsx_response

from .. import policies, queries
from ..models import DUE_SOON_DAYS, Campaign, Site

S = Site.Status

# Sites being built: approved and not yet through acceptance.
UNDER_WAY = [S.APPROVED, S.SELF_ASSESSED, S.ACCEPTANCE_REQUESTED, S.RECTIFYING]

# The lifecycle in reading order; the side exits are charted only when some site took them.
CHART_STATUSES = [S.NOMINATED, S.APPROVED, S.SELF_ASSESSED, S.ACCEPTANCE_REQUESTED, S.RECTIFYING, S.PASSED]
SIDE_EXITS = [S.FAILED, S.REJECTED, S.WITHDRAWN]


# Charts: pure geometry, in SVG user units ----------------------------------------------------
#
# Both charts are 360 units wide, about a phone's width in CSS pixels, so their text stays
# readable at 375 px; on a desktop they are shown at most about 1.5× that size.

CHART_WIDTH = 360


@dataclass
class Bar:
    status: str
    label: str
    count: int
    y: float
    width: float
    middle: float  # the bar's vertical centre, where its label and count sit
    count_x: float

    @property
    def css(self) -> str:
        return self.status.lower()


@dataclass
class StatusChart:
    bars: list[Bar]
    width: int
    height: int
    label_x: int
    bar_x: int
    bar_height: int


def status_chart(counts: dict[str, int]) -> StatusChart:
    """Horizontal bars, one per state, longest = the most sites in one state."""
    label_x, bar_x, row, bar_height, count_room = 80, 88, 30, 20, 34
    statuses = CHART_STATUSES + [s for s in SIDE_EXITS if counts.get(s)]
    longest = max([counts.get(s, 0) for s in statuses] + [1])
    span = CHART_WIDTH - bar_x - count_room
    bars = []
    for i, status in enumerate(statuses):
        count = counts.get(status, 0)
        # A zero still gets a sliver, so the row reads as "none" rather than "missing".
        width = round(max(span * count / longest, 2), 1)
        bars.append(
            Bar(
                status=status.value,
                label=status.label,
                count=count,
                y=i * row + (row - bar_height) / 2,
                width=width,
                middle=i * row + row / 2,
                count_x=round(bar_x + width + 6, 1),
            )
        )
    return StatusChart(
        bars=bars,
        width=CHART_WIDTH,
        height=len(statuses) * row,
        label_x=label_x,
        bar_x=bar_x,
        bar_height=bar_height,
    )


@dataclass
class Point:
    x: float
    y: float
    value: int


@dataclass
class Series:
    status: str
    label: str
    points: list[Point]

    @property
    def css(self) -> str:
        return self.status.lower()

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class MonthLabel:
    text: str
    x: float


@dataclass
class ProgressChart:
    series: list[Series]
    ticks: list[Tick]
    months: list[MonthLabel]
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    table: list[tuple[datetime.date, list[int]]]
    is_empty: bool


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _nice_ceiling(value: int) -> tuple[int, int]:
    """An axis maximum ≥ `value` and a step of 1, 2 or 5 × 10ⁿ giving at most 5 gridlines."""
    value = max(value, 1)
    magnitude = 10 ** max(int(math.log10(value)) - 1, 0)
    for step in (m * magnitude for m in (1, 2, 5, 10, 20, 50)):
        if value / step <= 5:
            return step * math.ceil(value / step), step
    return value, value


def progress_chart(
    by_month: dict[str, dict[datetime.date, int]],
    *,
    first: datetime.date,
    last: datetime.date,
    today: datetime.date,
) -> ProgressChart:
    """Cumulative lines: how many sites had reached each milestone by the end of each month.

    The axis runs over the campaign's months (`first` to `last`, widened to hold every event);
    the lines stop at the current month.
    """
    event_months = [m for counts in by_month.values() for m in counts]
    months = _month_starts(min([first, *event_months]), max([last, *event_months]))
    # Up to this month; an event dated later (a clock set back) still shows.
    current = max([today.replace(day=1), *event_months])
    shown = [m for m in months if m <= current]
    cumulative = {}
    for status, counts in by_month.items():
        running, values = 0, []
        for month in shown:
            running += counts.get(month, 0)
            values.append(running)
        cumulative[status] = values
    highest = max((v[-1] for v in cumulative.values() if v), default=0)
    top_value, step = _nice_ceiling(highest)

    width, height = CHART_WIDTH, 200
    left, right, top, bottom = 30, CHART_WIDTH - 12, 12, height - 26
    band = (right - left) / len(months)

    def x(i: int) -> float:
        return left + band * (i + 0.5)

    def y(value: int) -> float:
        return bottom - (bottom - top) * value / top_value

    series = [
        Series(
            status=status,
            label=S(status).label,
            points=[Point(round(x(i), 1), round(y(v), 1), v) for i, v in enumerate(values)],
        )
        for status, values in cumulative.items()
    ]
    # Label every month while they fit (about 26 units each), otherwise every second or third.
    every = max(1, math.ceil(len(months) * 26 / (right - left)))
    labels = [
        MonthLabel(f"{m.month}月" if m.month != 1 or i == 0 else f"{m.year}年1月", round(x(i), 1))
        for i, m in enumerate(months)
        if i % every == 0
    ]
    return ProgressChart(
        series=series,
        ticks=[Tick(v, round(y(v), 1)) for v in range(0, top_value + 1, step)],
        months=labels,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        table=[(m, [cumulative[s][i] for s in cumulative]) for i, m in enumerate(shown)],
        is_empty=highest == 0,
    )


# Pages ------------------------------------------------------------------------------------


def _visible_campaign(request, pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.visible_to(request.user)
        .select_related("organizer", "framework")
        .prefetch_related("phases"),
        pk=pk,
    )


def _framework_name(campaign: Campaign) -> str:
    try:
        return str(campaign.framework)
    except ObjectDoesNotExist:
        return ""


# Sites of one 党委 listed under its totals, a page at a time.
SITES_PER_PAGE = 25


def _selected_committee(request, committees: list[queries.CommitteeTotals]) -> queries.CommitteeTotals | None:
    """The 党委 whose sites are listed: `?committee=<id>` among those in sight, or the only one
    (a 党委 viewing its own part)."""
    if len(committees) == 1:
        return committees[0]
    wanted = request.GET.get("committee", "")
    return next((c for c in committees if str(c.committee.pk) == wanted), None)


@login_required
def campaign_dashboard(request, pk: int):
    """The campaign at a glance: phases, sites by state, progress over time, each 党委's totals
    (its sites a page at a time when chosen, or at once when the viewer sees one 党委), and what
    falls due.

    Queries (none per site, none growing with the campaign): session; user; the user's roles;
    the campaign with organizer and framework (404 when out of sight); its phases; the counts
    by state; the 党委 totals (sites, work, rectifications, the 党委 themselves); with a 党委
    chosen, the page's count and its sites with their counts; work items due (counts, the
    first overdue, the first due soon); rectifications due (the same three); milestone events
    by month.
    """
    user = request.user
    campaign = _visible_campaign(request, pk)
    today = timezone.localdate()
    phases = list(campaign.phases.all())
    may_manage = not policies.cannot_manage_campaign(user, campaign)
    open_for_nomination = not policies.nominations_closed(campaign, today=today)
    may_nominate = not policies.cannot_nominate(user, campaign, today=today)

    sites = Site.objects.visible_to(user).filter(campaign=campaign)
    counts = queries.status_counts(sites)
    committees = queries.committee_totals(sites, today=today)
    selected = _selected_committee(request, committees)
    site_page = None
    if selected is not None:
        rows = queries.site_progress_rows(sites.filter(nominated_by=selected.committee), today=today)
        site_page = Paginator(rows, SITES_PER_PAGE).get_page(request.GET.get("page"))
        site_page.object_list = [queries.as_progress(site) for site in site_page.object_list]
    work = queries.due_work_items(campaign, user=user, today=today)
    rectifications = queries.due_rectifications(campaign, user=user, today=today)
    chart_first = phases[0].starts_on if phases else today
    chart_last = phases[-1].ends_on if phases else today
    return render(
        request,
        "campaigns/dashboard/dashboard.html",
        {
            "campaign": campaign,
            "framework_name": _framework_name(campaign),
            "today": today,
            "phases": phases,
            "current_phase": campaign.phase_on(today),
            "may_manage": may_manage,
            "may_nominate": may_nominate,
            "nominations_open": open_for_nomination,
            "is_draft": campaign.status == Campaign.Status.DRAFT,
            "total": sum(counts.values()),
            "pending": counts[S.NOMINATED],
            "under_way": sum(counts[s] for s in UNDER_WAY),
            "passed": counts[S.PASSED],
            "status_chart": status_chart(counts),
            "progress_chart": progress_chart(
                queries.milestones_by_month(sites), first=chart_first, last=chart_last, today=today
            ),
            "committees": committees,
            "selected_committee": selected,
            "site_page": site_page,
            "committee_query": f"committee={selected.committee.pk}"
            if selected and len(committees) > 1
            else "",
            "work": work,
            "rectifications": rectifications,
            "due_soon_days": DUE_SOON_DAYS,
        },
    )


EXPORT_HEADERS = [
    "申报党委",
    "示范点（党支部）",
    "所属领域",
    "状态",
    "申报时间",
    "工作安排已完成",
    "工作安排总数",
    "完成率(%)",
    "未销号整改",
    "逾期整改",
]


@login_required
def dashboard_export(request, pk: int):
    """The committee table as .xlsx: one row per site the user sees, formulas escaped.

    Queries: session; user; the campaign (404 when out of sight); its phases (prefetched);
    the sites with their counts.
    """
    campaign = _visible_campaign(request, pk)
    today = timezone.localdate()
    sites = Site.objects.visible_to(request.user).filter(campaign=campaign)
    rows = [
        [
            row.site.nominated_by.name,
            row.site.organization.name,
            row.site.organization.get_sector_display(),
            row.site.get_status_display(),
            timezone.localtime(row.site.nominated_at).strftime("%Y-%m-%d %H:%M")
            if row.site.nominated_at
            else "",
            row.work_done,
            row.work_total,
            row.work_percent,
            row.rectifications_open,
            row.rectifications_overdue,
        ]
        for row in queries.site_progress(sites, today=today)
    ]
    return xlsx_response(
        f"{campaign.name}-示范点进度-{today:%Y%m%d}.xlsx", EXPORT_HEADERS, rows, title="示范点进度"
    )
