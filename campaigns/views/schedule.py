"""Work schedules (工作安排): the campaign-wide one kept by the 组织部, and each site's own
month-by-month schedule kept by its branch secretary (or the nominating 党委).

Everyone who sees a campaign or a site sees its schedule; only those
`policies.cannot_edit_schedule` allows change it, and the change buttons are shown only to them
(the views answer 403 otherwise).
Marking an item done and deleting it swap the row in place under htmx and redirect back without.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from spreadsheets import ImportRefused, xlsx_response

from .. import policies
from ..forms.schedule import (
    COLUMNS,
    ScheduleImportForm,
    WorkItemForm,
    example_rows,
    export_rows,
)
from ..models import Campaign, Site, WorkItem
from ..services import (
    LifecycleError,
    complete_work_item,
    import_work_items,
    remove_work_item,
    save_work_item,
)

ITEMS_PER_PAGE = 25
OVERDUE = "OVERDUE"
STATUS_FILTERS = [*WorkItem.Status.choices, (OVERDUE, "已逾期")]


# Loading and permissions -------------------------------------------------------------------------


def _campaign_for(user, pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.visible_to(user).select_related("organizer").prefetch_related("phases"), pk=pk
    )


def _site_for(user, pk: int) -> Site:
    return get_object_or_404(
        Site.objects.visible_to(user).with_related().prefetch_related("campaign__phases"), pk=pk
    )


def _item_for(user, pk: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.visible_to(user)
        .select_related(
            "phase",
            "responsible_user",
            "campaign__organizer",
            "site__campaign",
            "site__organization",
            "site__nominated_by",
        )
        .prefetch_related("campaign__phases"),
        pk=pk,
    )


def _require_editor(user, item: WorkItem) -> None:
    if reason := policies.cannot_edit_work_item(user, item):
        raise PermissionDenied(reason)


def _schedule_url(item: WorkItem) -> str:
    if item.site_id:
        return reverse("campaigns:site_schedule", args=[item.site_id])
    return reverse("campaigns:campaign_schedule", args=[item.campaign_id])


def _back(request, url: str) -> HttpResponse:
    """Redirect to `url`; under htmx, have the browser load it, so the message shows."""
    if request.htmx:
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _next_url(request, fallback: str, *, anchor: str = "") -> str:
    """Where to go back to: the page the action came from, if it is one of ours (scrolled to
    `anchor`, so a phone does not land at the top of a long list), else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return f"{target}#{anchor}" if anchor and "#" not in target else target
    return fallback


def _item_anchor_url(base: str, items: QuerySet, item: WorkItem) -> str:
    """`base` at the page of the schedule (ordered by due date) that holds `item`, scrolled to it."""
    before = items.filter(Q(due_on__lt=item.due_on) | Q(due_on=item.due_on, pk__lt=item.pk)).count()
    page = before // ITEMS_PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    return f"{base}{query}#item-{item.pk}"


# Lists ---------------------------------------------------------------------------------------------


def _summary(items: QuerySet, today: datetime.date) -> dict:
    """How many items, done, and overdue: one aggregate query."""
    return items.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=WorkItem.Status.DONE)),
        overdue=Count("pk", filter=items.overdue_q(today)),
    )


def _filter_status(items: QuerySet, status: str | None, today: datetime.date) -> QuerySet:
    if status == OVERDUE:
        return items.overdue(today)
    if status in WorkItem.Status.values:
        return items.filter(status=status)
    return items


def _months(campaign: Campaign) -> list[tuple[str, str]]:
    """(YYYY-MM, label) for each month the campaign's stages span, for the month filter."""
    phases = list(campaign.phases.all())
    if phases:
        first, last = min(p.starts_on for p in phases), max(p.ends_on for p in phases)
    else:
        first, last = datetime.date(campaign.year, 1, 1), datetime.date(campaign.year, 12, 31)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        label = f"{month}月" if year == campaign.year else f"{year}年{month}月"
        months.append((f"{year}-{month:02d}", label))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@login_required
def campaign_schedule(request, pk: int):
    """The campaign-wide 工作安排, filtered by stage, status and month, 25 a page.

    GET lists; POST adds an item (组织部 only). Queries: the campaign and its phases; whether the
    user is its 组织部; the counts (all, done, overdue); the page's count and its rows with stage
    and responsible user.
    """
    campaign = _campaign_for(request.user, pk)
    refusal = policies.cannot_edit_schedule(request.user, campaign)
    may_edit = refusal is None
    add_form = None
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        add_form = WorkItemForm(request.POST, campaign=campaign)
        if add_form.is_valid():
            try:
                item = save_work_item(campaign=campaign, by=request.user, **add_form.item_fields())
            except LifecycleError as error:
                add_form.add_error(None, error)
            else:
                messages.success(request, f"已增加工作安排“{item.title}”。")
                items = WorkItem.objects.filter(campaign=campaign, site__isnull=True)
                return redirect(_item_anchor_url(request.path, items, item))
    elif may_edit:
        add_form = WorkItemForm(campaign=campaign)

    today = timezone.localdate()
    all_items = WorkItem.objects.visible_to(request.user).filter(campaign=campaign, site__isnull=True)
    phases = list(campaign.phases.all())
    phase_id = request.GET.get("phase", "")
    selected_phase = next((p for p in phases if str(p.pk) == phase_id), None)
    status = request.GET.get("status", "")
    selected_status = status if status in dict(STATUS_FILTERS) else ""
    months = _months(campaign)
    month = request.GET.get("month", "")
    selected_month = month if month in dict(months) else ""

    items = all_items
    if selected_phase is not None:
        items = items.filter(phase=selected_phase)
    items = _filter_status(items, selected_status, today)
    if selected_month:
        year, number = (int(part) for part in selected_month.split("-"))
        items = items.filter(due_on__year=year, due_on__month=number)
    filters = {
        key: value
        for key, value in (
            ("phase", selected_phase.pk if selected_phase else ""),
            ("status", selected_status),
            ("month", selected_month),
        )
        if value
    }
    page = Paginator(items.select_related("phase", "responsible_user"), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "campaigns/schedule/campaign_schedule.html",
        {
            "campaign": campaign,
            "phases": phases,
            "months": months,
            "status_filters": STATUS_FILTERS,
            "selected_phase": selected_phase,
            "selected_status": selected_status,
            "selected_month": selected_month,
            "filter_query": urlencode(filters),
            "is_filtered": bool(filters),
            "summary": _summary(all_items, today),
            "page_obj": page,
            "today": today,
            "may_edit": may_edit,
            "add_form": add_form,
            "here": request.get_full_path(),
        },
    )


@dataclass
class MonthGroup:
    label: str
    items: list[WorkItem]


def _month_groups(items: list[WorkItem], year: int) -> list[MonthGroup]:
    """Items (ordered by due date) grouped as the plans write them: 5月份, 6月份, …"""
    groups: list[MonthGroup] = []
    for item in items:
        due = item.due_on
        label = f"{due.month}月份" if due.year == year else f"{due.year}年{due.month}月份"
        if not groups or groups[-1].label != label:
            groups.append(MonthGroup(label, []))
        groups[-1].items.append(item)
    return groups


SITE_STATUS_FILTERS = [("OPEN", "未完成"), (OVERDUE, "已逾期"), (WorkItem.Status.DONE, "已完成")]


@login_required
def site_schedule(request, pk: int):
    """A site's 工作安排 month by month, 25 items a page, filtered by status.

    GET lists; POST adds an item (the branch secretary or the nominating 党委, while the campaign
    runs). Queries: the site with campaign, branch and committee, and the phases; the user's roles
    for cannot_edit_schedule (one query); the counts; the page's count and its rows.
    """
    site = _site_for(request.user, pk)
    campaign = site.campaign
    refusal = policies.cannot_edit_schedule(request.user, campaign, site)
    may_edit = refusal is None
    add_form = None
    if request.method == "POST":
        if refusal:
            raise PermissionDenied(refusal)
        add_form = WorkItemForm(request.POST, campaign=campaign)
        if add_form.is_valid():
            try:
                item = save_work_item(campaign=campaign, site=site, by=request.user, **add_form.item_fields())
            except LifecycleError as error:
                add_form.add_error(None, error)
            else:
                messages.success(request, f"已增加工作安排“{item.title}”。")
                return redirect(_item_anchor_url(request.path, WorkItem.objects.filter(site=site), item))
    elif may_edit:
        add_form = WorkItemForm(campaign=campaign)

    today = timezone.localdate()
    all_items = WorkItem.objects.visible_to(request.user).filter(site=site)
    status = request.GET.get("status", "")
    selected_status = status if status in dict(SITE_STATUS_FILTERS) else ""
    if selected_status == "OPEN":
        items = all_items.open()
    else:
        items = _filter_status(all_items, selected_status, today)
    filters = {"status": selected_status} if selected_status else {}
    page = Paginator(items.select_related("phase", "responsible_user"), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "campaigns/schedule/site_schedule.html",
        {
            "site": site,
            "tab": "schedule",
            "campaign": campaign,
            "status_filters": SITE_STATUS_FILTERS,
            "selected_status": selected_status,
            "filter_query": urlencode(filters),
            "summary": _summary(all_items, today),
            "page_obj": page,
            "groups": _month_groups(page.object_list, campaign.year),
            "today": today,
            "may_edit": may_edit,
            "add_form": add_form,
            "here": request.get_full_path(),
        },
    )


# Import and export --------------------------------------------------------------------------------


def _import(request, *, campaign: Campaign, site: Site | None, back: str, context: dict):
    """The import page for either schedule; GET ?template=1 downloads an example file."""
    if request.method == "GET" and request.GET.get("template"):
        return xlsx_response("工作安排导入模板.xlsx", COLUMNS, example_rows(campaign), title="工作安排")
    row_errors = []
    if request.method == "POST":
        form = ScheduleImportForm(request.POST, request.FILES, campaign=campaign)
        if form.is_valid():
            sheet = form.sheet
            try:
                items = import_work_items(
                    campaign=campaign,
                    site=site,
                    by=request.user,
                    rows=sheet.rows,
                    row_numbers=sheet.numbers,
                    errors=sheet.errors,
                )
            except ImportRefused as refused:
                row_errors = refused.rows
            except LifecycleError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, f"已导入 {len(items)} 项工作安排。")
                return redirect(back)
    else:
        form = ScheduleImportForm(campaign=campaign)
    return render(
        request,
        "campaigns/schedule/import.html",
        {
            **context,
            "form": form,
            "row_errors": row_errors,
            "back": back,
            "columns": COLUMNS,
            "phases": list(campaign.phases.all()),
            "phases_renamed": any(p.name and p.name != p.get_kind_display() for p in campaign.phases.all()),
            "statuses": WorkItem.Status.labels,
        },
    )


@login_required
def campaign_schedule_import(request, pk: int):
    campaign = _campaign_for(request.user, pk)
    if reason := policies.cannot_edit_schedule(request.user, campaign):
        raise PermissionDenied(reason)
    back = reverse("campaigns:campaign_schedule", args=[campaign.pk])
    return _import(request, campaign=campaign, site=None, back=back, context={"campaign": campaign})


@login_required
def site_schedule_import(request, pk: int):
    site = _site_for(request.user, pk)
    if reason := policies.cannot_edit_schedule(request.user, site.campaign, site):
        raise PermissionDenied(reason)
    back = reverse("campaigns:site_schedule", args=[site.pk])
    return _import(
        request,
        campaign=site.campaign,
        site=site,
        back=back,
        context={"campaign": site.campaign, "site": site},
    )


def _export(items: QuerySet, filename: str):
    rows = export_rows(items.select_related("phase", "responsible_user").order_by("due_on", "pk"))
    return xlsx_response(filename, COLUMNS, rows, title="工作安排")


@login_required
def campaign_schedule_export(request, pk: int):
    campaign = _campaign_for(request.user, pk)
    items = WorkItem.objects.visible_to(request.user).filter(campaign=campaign, site__isnull=True)
    return _export(items, f"{campaign.name}-工作安排.xlsx")


@login_required
def site_schedule_export(request, pk: int):
    site = _site_for(request.user, pk)
    items = WorkItem.objects.visible_to(request.user).filter(site=site)
    return _export(items, f"{site.organization.name}-工作安排.xlsx")


# One item -------------------------------------------------------------------------------------------


def _row_response(request, item: WorkItem) -> HttpResponse:
    """The item's row as its schedule page shows it, for htmx to swap in."""
    today = timezone.localdate()
    template = (
        "campaigns/schedule/_site_item.html" if item.site_id else "campaigns/schedule/_campaign_row.html"
    )
    return render(
        request,
        template,
        {"item": item, "today": today, "may_edit": True, "here": _next_url(request, _schedule_url(item))},
    )


@login_required
def work_item_edit(request, pk: int):
    item = _item_for(request.user, pk)
    _require_editor(request.user, item)
    fallback = _schedule_url(item)
    if request.method == "POST":
        form = WorkItemForm(request.POST, campaign=item.campaign, item=item)
        if form.is_valid():
            try:
                save_work_item(
                    campaign=item.campaign, site=item.site, item=item, by=request.user, **form.item_fields()
                )
            except LifecycleError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"已保存“{item.title}”。")
                siblings = WorkItem.objects.filter(campaign=item.campaign_id, site=item.site_id)
                return redirect(
                    _next_url(request, _item_anchor_url(fallback, siblings, item), anchor=f"item-{item.pk}")
                )
    else:
        form = WorkItemForm(campaign=item.campaign, item=item)
    return render(
        request,
        "campaigns/schedule/item_form.html",
        {"item": item, "form": form, "back": _next_url(request, fallback)},
    )


@login_required
@require_POST
def work_item_done(request, pk: int):
    item = _item_for(request.user, pk)
    _require_editor(request.user, item)
    try:
        complete_work_item(item=item, by=request.user)
    except LifecycleError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if request.htmx:
            return _row_response(request, item)
        messages.success(request, f"“{item.title}”已标记为完成。")
    anchor = f"item-{item.pk}"
    return _back(request, _next_url(request, f"{_schedule_url(item)}#{anchor}", anchor=anchor))


@login_required
def work_item_delete(request, pk: int):
    """GET asks to confirm; POST deletes (htmx confirms in the page and removes the row)."""
    item = _item_for(request.user, pk)
    _require_editor(request.user, item)
    back = _next_url(request, _schedule_url(item))
    if request.method == "POST":
        title = item.title
        try:
            remove_work_item(item=item, by=request.user)
        except LifecycleError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if request.htmx:
                return HttpResponse("")
            messages.success(request, f"已删除“{title}”。")
        return _back(request, back)
    return render(request, "campaigns/schedule/item_delete.html", {"item": item, "back": back})
