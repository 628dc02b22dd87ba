"""Supervision (督导), rectification (整改) and typical cases (典型案例).

A site's 督导整改 tab shows its supervision visits, its rectification items and its selected
cases, with only the actions the viewer may take; the campaign's rectification list gathers
every item the viewer sees. Rows come through `visible_to` (404 otherwise); a visible row the
viewer may not act on answers 403. Every write goes through `campaigns.services`, and a refusal
from a service is shown beside the form, never as an error page (`LifecycleError` is a
`ValidationError`, so one `except ValidationError` catches the rules and model validation alike).

The answer / return / close actions work as plain forms that redirect back to the tab; with
htmx they post in place and the response is the item's card (plus the tab's counts, swapped
out of band), so the page does not reload.
"""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from .. import policies
from ..forms.supervision import (
    RECTIFICATION_PREFIX,
    AnswerForm,
    RectificationForm,
    RectificationFormSet,
    RectificationRowForm,
    ReturnForm,
    TypicalCaseForm,
    VisitForm,
)
from ..models import DUE_SOON_DAYS, Campaign, Rectification, Site
from ..services import (
    answer_rectification,
    close_rectification,
    raise_rectification,
    record_supervision_visit,
    return_rectification,
    select_typical_case,
)

R = Rectification.Status
# Items still to be done first, then those waiting to be closed, then the closed ones.
OPEN_FIRST = Case(
    When(status=R.OPEN, then=Value(0)),
    When(status=R.ANSWERED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
ITEMS_PER_PAGE = 25
# Who answered, returned and closed an item, shown on its card.
ITEM_PEOPLE = ("answered_by", "returned_by", "closed_by")


# Finding rows ------------------------------------------------------------------------------


def _site_or_404(request, pk: int) -> Site:
    """The site with campaign (and its organizer, which the role checks need), branch and committee."""
    return get_object_or_404(
        Site.objects.visible_to(request.user).with_related().select_related("campaign__organizer"), pk=pk
    )


def _item_or_404(request, pk: int) -> Rectification:
    return get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related(
            "site__campaign__organizer", "site__organization", "site__nominated_by", *ITEM_PEOPLE
        ),
        pk=pk,
    )


def _tab_url(site: Site, item: Rectification | None = None) -> str:
    url = reverse("campaigns:site_supervision", args=[site.pk])
    return f"{url}#rect-{item.pk}" if item is not None else url


# What the viewer may do --------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The actions a user may take on one site's supervision tab, each the policy's answer.

    The roles are asked once for the site; each item then asks only its own state
    (`policies.rectification_step_refusal`), so the tab's queries do not grow with its items.
    """

    may_raise: bool  # record a visit, raise an item: the 组织部 or the nominating 党委
    may_review: bool  # close or return an answered item: the same people
    may_answer: bool  # answer an item: the branch secretary (or its 党委) while the campaign runs
    may_select_case: bool  # mark a 典型案例: the 组织部, once the site passed acceptance

    def answers(self, item: Rectification) -> bool:
        # Whoever reviews an answer (a 党委 may also answer for its branch) is not offered to
        # rewrite it: they close it or send it back.
        offered = item.status == R.OPEN or not self.may_review
        return self.may_answer and offered and not policies.rectification_step_refusal(item, "answer")

    def reviews(self, item: Rectification) -> bool:
        return self.may_review and not policies.rectification_step_refusal(item, "close")


def _viewer(user, site: Site) -> Viewer:
    return Viewer(
        may_raise=policies.cannot_record_supervision(user, site) is None,
        may_review=policies.cannot_supervise(user, site) is None,
        may_answer=policies.cannot_edit_site(user, site) is None,
        may_select_case=policies.cannot_select_typical_case(user, site) is None,
    )


# Preparing items for display ---------------------------------------------------------------


@dataclass
class Counts:
    open: int = 0
    answered: int = 0
    closed: int = 0
    overdue: int = 0
    due_soon: int = 0

    @property
    def total(self) -> int:
        return self.open + self.answered + self.closed


def _counts(items, today: datetime.date) -> Counts:
    """One aggregate: the items by status, and those overdue and due soon."""
    return Counts(
        **items.aggregate(
            open=Count("pk", filter=Q(status=R.OPEN)),
            answered=Count("pk", filter=Q(status=R.ANSWERED)),
            closed=Count("pk", filter=Q(status=R.CLOSED)),
            overdue=Count("pk", filter=items.overdue_q(today)),
            due_soon=Count("pk", filter=items.due_soon_q(today)),
        )
    )


def _prepare(items: list[Rectification], *, viewer: Viewer) -> None:
    """Give each item the (blank) answer or return form its card shows, when the viewer may use
    it. Who answered, returned and closed it are the item's own fields (loaded with it)."""
    for item in items:
        if viewer.answers(item) and not hasattr(item, "answer_form"):
            item.answer_form = AnswerForm(auto_id=f"id_r{item.pk}_%s", has_evidence=bool(item.evidence))
        if viewer.reviews(item) and not hasattr(item, "return_form"):
            item.return_form = ReturnForm(auto_id=f"id_r{item.pk}_%s")


def _item_response(request, item: Rectification, *, open_form: str = "", error: str = ""):
    """The htmx answer: the item's card and, out of band, the tab's counts."""
    site = item.site
    today = timezone.localdate()
    viewer = _viewer(request.user, site)
    _prepare([item], viewer=viewer)
    counts = _counts(site.rectifications.all(), today)
    return render(
        request,
        "campaigns/supervision/_item_response.html",
        {
            "item": item,
            "site": site,
            "viewer": viewer,
            "open_form": open_form,
            "item_error": error,
            "counts": counts,
            "today": today,
            "due_soon_days": DUE_SOON_DAYS,
        },
    )


# The tab -----------------------------------------------------------------------------------


@login_required
def site_supervision(request, pk: int):
    """督导整改: the site's rectification items, supervision visits and typical cases.

    Queries: the site with campaign, branch and committee (404 when out of scope); the
    viewer's role checks (a fixed few, see `_viewer`); the items with their visit and who
    answered, returned and closed them; the visits with who recorded them; the typical cases
    with who selected them; the viewer's roles for the top bar.
    """
    site = _site_or_404(request, pk)
    today = timezone.localdate()
    viewer = _viewer(request.user, site)
    items = list(
        site.rectifications.select_related("supervision_visit", *ITEM_PEOPLE).order_by(
            OPEN_FIRST,
            "due_on",
            "id",
        )
    )
    _prepare(items, viewer=viewer)
    visits = list(site.supervision_visits.select_related("recorded_by").order_by("-visited_on", "-id"))
    by_visit: dict[int, list[Rectification]] = {}
    for item in items:
        if item.supervision_visit_id:
            by_visit.setdefault(item.supervision_visit_id, []).append(item)
    for visit in visits:
        visit.raised = by_visit.get(visit.pk, [])
    cases = list(site.typical_cases.select_related("selected_by"))
    return render(
        request,
        "campaigns/supervision/site_supervision.html",
        {
            "site": site,
            "tab": "supervision",
            "viewer": viewer,
            "today": today,
            "items": items,
            "counts": _counts(site.rectifications.all(), today),
            "due_soon_days": DUE_SOON_DAYS,
            "visits": visits,
            "cases": cases,
        },
    )


# Visits and new items ----------------------------------------------------------------------


def _require_raise(request, site: Site) -> HttpResponseRedirect | None:
    """403 unless the viewer supervises the site; a redirect with the reason if the site is
    not (yet) supervised; None when the form may be used."""
    if reason := policies.cannot_supervise(request.user, site):
        raise PermissionDenied(reason)
    if reason := policies.cannot_record_supervision(request.user, site):
        messages.error(request, reason)
        return HttpResponseRedirect(_tab_url(site))
    return None


def _rectification_row(request):
    """htmx: one more blank row for the visit form's items, with the formset's new row count.

    Nothing (204) once the form holds as many rows as one visit may raise.
    """
    index = _int(request.GET.get(f"{RECTIFICATION_PREFIX}-TOTAL_FORMS"), RectificationFormSet.extra)
    if not 0 <= index < RectificationFormSet.max_num:
        return HttpResponse(status=204)
    form = RectificationRowForm(
        prefix=f"{RECTIFICATION_PREFIX}-{index}", empty_permitted=True, use_required_attribute=False
    )
    return render(
        request,
        "campaigns/supervision/_rect_row.html",
        {"row": form, "number": index + 1, "total": index + 1, "prefix": RECTIFICATION_PREFIX, "oob": True},
    )


@login_required
def visit_add(request, pk: int):
    """Record a supervision visit, optionally raising rectification items from it at once.

    “再加一项” adds a row: in place with htmx, or by showing the page again (what was typed is
    kept) without it.
    """
    site = _site_or_404(request, pk)
    refused = _require_raise(request, site)
    if refused:
        return refused
    if request.method == "GET" and request.htmx and "add_row" in request.GET:
        return _rectification_row(request)

    if request.method == "POST" and "add_row" in request.POST:
        form = VisitForm(initial={k: request.POST.get(k, "") for k in VisitForm.base_fields})
        total = _int(request.POST.get(f"{RECTIFICATION_PREFIX}-TOTAL_FORMS"), 0)
        prefill = [
            {
                name: request.POST.get(f"{RECTIFICATION_PREFIX}-{i}-{name}", "")
                for name in RectificationForm.base_fields
            }
            for i in range(min(total, RectificationFormSet.max_num - 1))
        ]
        formset = RectificationFormSet(prefix=RECTIFICATION_PREFIX, prefill=prefill)
    elif request.method == "POST":
        form = VisitForm(request.POST)
        formset = RectificationFormSet(request.POST, prefix=RECTIFICATION_PREFIX)
        if form.is_valid() and formset.is_valid():
            items = formset.items()
            try:
                record_supervision_visit(
                    site=site, by=request.user, rectifications=items, **form.cleaned_data
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                raised = f"，提出整改事项 {len(items)} 项" if items else ""
                messages.success(request, f"已记录督导{raised}。")
                return HttpResponseRedirect(_tab_url(site))
    else:
        form = VisitForm(initial={"visited_on": timezone.localdate()})
        formset = RectificationFormSet(prefix=RECTIFICATION_PREFIX)
    return render(
        request,
        "campaigns/supervision/visit_form.html",
        {
            "site": site,
            "tab": "supervision",
            "form": form,
            "formset": formset,
            "prefix": RECTIFICATION_PREFIX,
        },
    )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@login_required
def rectification_add(request, pk: int):
    """Raise one rectification item (整改事项) on the site, outside a visit."""
    site = _site_or_404(request, pk)
    refused = _require_raise(request, site)
    if refused:
        return refused
    form = RectificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = raise_rectification(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已提出整改事项。")
            return HttpResponseRedirect(_tab_url(site, item))
    return render(
        request,
        "campaigns/supervision/action_form.html",
        {
            "site": site,
            "tab": "supervision",
            "form": form,
            "heading": "提出整改事项",
            "intro": "整改事项提出后，支部书记在“督导整改”中反馈整改情况，再由组织部或申报党委销号。",
            "action": reverse("campaigns:rectification_add", args=[site.pk]),
            "submit": "提出整改事项",
        },
    )


# Answer, return, close ---------------------------------------------------------------------


@login_required
def rectification_answer(request, pk: int):
    """The branch answers an item: 整改情况 and an optional evidence file."""
    item = _item_or_404(request, pk)
    site = item.site
    if reason := policies.cannot_edit_site(request.user, site):
        raise PermissionDenied(reason)
    form = AnswerForm(
        request.POST or None,
        request.FILES or None,
        auto_id=f"id_r{item.pk}_%s",
        has_evidence=bool(item.evidence),
    )
    if request.method == "POST" and form.is_valid():
        try:
            answer_rectification(
                item=item,
                by=request.user,
                response=form.cleaned_data["response"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if request.htmx:
                return _item_response(request, item)
            messages.success(request, "整改情况已反馈，等待组织部或申报党委销号。")
            return HttpResponseRedirect(_tab_url(site, item))
    if request.method == "POST" and request.htmx:
        item.answer_form = form
        return _item_response(request, item, open_form="answer")
    return render(
        request,
        "campaigns/supervision/action_form.html",
        {
            "site": site,
            "tab": "supervision",
            "item": item,
            "form": form,
            "heading": "反馈整改情况",
            "action": reverse("campaigns:rectification_answer", args=[item.pk]),
            "submit": "提交反馈",
            "multipart": True,
        },
    )


@login_required
def rectification_return(request, pk: int):
    """The supervisor sends an answered item back to 待整改, saying why."""
    item = _item_or_404(request, pk)
    site = item.site
    if reason := policies.cannot_supervise(request.user, site):
        raise PermissionDenied(reason)
    form = ReturnForm(request.POST or None, auto_id=f"id_r{item.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            return_rectification(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if request.htmx:
                return _item_response(request, item)
            messages.success(request, "已退回，支部重新整改后再反馈。")
            return HttpResponseRedirect(_tab_url(site, item))
    if request.method == "POST" and request.htmx:
        item.return_form = form
        return _item_response(request, item, open_form="return")
    return render(
        request,
        "campaigns/supervision/action_form.html",
        {
            "site": site,
            "tab": "supervision",
            "item": item,
            "form": form,
            "heading": "退回整改反馈",
            "action": reverse("campaigns:rectification_return", args=[item.pk]),
            "submit": "退回",
            "danger": True,
        },
    )


@login_required
@require_POST
def rectification_close(request, pk: int):
    """The supervisor accepts the answer and closes the item (销号)."""
    item = _item_or_404(request, pk)
    site = item.site
    if reason := policies.cannot_supervise(request.user, site):
        raise PermissionDenied(reason)
    try:
        close_rectification(item=item, by=request.user)
    except ValidationError as error:
        message = "；".join(error.messages)
        if request.htmx:
            return _item_response(request, item, error=message)
        messages.error(request, message)
    else:
        if request.htmx:
            return _item_response(request, item)
        messages.success(request, "整改事项已销号。")
    return HttpResponseRedirect(_tab_url(site, item))


@login_required
def rectification_evidence(request, pk: int):
    """The evidence file of an item the viewer sees, as a download named after the site."""
    item = _item_or_404(request, pk)
    if not item.evidence:
        raise Http404("该整改事项没有佐证文件。")
    extension = Path(item.evidence.name).suffix.lower()
    filename = f"整改佐证-{item.site.organization.name}-{item.pk}{extension}"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(
        item.evidence.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )


# The campaign's list -----------------------------------------------------------------------

STATUS_FILTERS = {
    "OPEN": ("待整改", Q(status=R.OPEN)),
    "ANSWERED": ("已反馈", Q(status=R.ANSWERED)),
    "CLOSED": ("已销号", Q(status=R.CLOSED)),
}


def _status_filter(items, key: str, today: datetime.date) -> Q | None:
    if key in STATUS_FILTERS:
        return STATUS_FILTERS[key][1]
    if key == "OVERDUE":
        return items.overdue_q(today)
    if key == "DUE_SOON":
        return items.due_soon_q(today)
    return None


@login_required
def rectification_list(request, pk: int):
    """Every rectification item of the campaign's sites that the viewer sees, 25 a page.

    Filters: status (待整改 / 已反馈 / 已销号 / 逾期未改 / 7 日内到期), committee and branch.
    Queries: the campaign; the sites with items (for the committee and branch choices) with
    their branch and committee; one aggregate for the counts on top; the page's count and its
    rows with site, branch and committee; the viewer's roles for the top bar.
    """
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    today = timezone.localdate()
    visible = Rectification.objects.visible_to(request.user).filter(site__campaign=campaign)

    sites = list(
        Site.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .filter(Exists(Rectification.objects.filter(site=OuterRef("pk"))))
        .select_related("organization", "nominated_by")
        .order_by("organization__path")
    )
    committees = sorted({s.nominated_by for s in sites}, key=lambda o: o.path)
    committee_id = _int(request.GET.get("committee"), 0)
    committee = next((c for c in committees if c.pk == committee_id), None)
    branches = [s.organization for s in sites if committee is None or s.nominated_by_id == committee.pk]
    branch_id = _int(request.GET.get("branch"), 0)
    branch = next((b for b in branches if b.pk == branch_id), None)

    scoped = visible
    if committee is not None:
        scoped = scoped.filter(site__nominated_by=committee)
    if branch is not None:
        scoped = scoped.filter(site__organization=branch)

    counts = _counts(scoped, today)

    status = request.GET.get("status", "")
    status_q = _status_filter(scoped, status, today)
    if status_q is None:
        status = ""
    rows = scoped.filter(status_q) if status_q is not None else scoped
    rows = rows.select_related("site__organization", "site__nominated_by").order_by(
        OPEN_FIRST,
        "due_on",
        "id",
    )
    page = Paginator(rows, ITEMS_PER_PAGE).get_page(request.GET.get("page"))

    filters = {
        "status": status,
        "committee": committee.pk if committee else "",
        "branch": branch.pk if branch else "",
    }
    filters = {k: v for k, v in filters.items() if v}
    place = {k: v for k, v in filters.items() if k != "status"}
    return render(
        request,
        "campaigns/supervision/rectification_list.html",
        {
            "campaign": campaign,
            "today": today,
            "counts": counts,
            "status": status,
            "status_links": [
                ("", "全部", counts.total),
                ("OVERDUE", "逾期未改", counts.overdue),
                ("DUE_SOON", f"{DUE_SOON_DAYS} 日内到期", counts.due_soon),
                ("OPEN", "待整改", counts.open),
                ("ANSWERED", "已反馈", counts.answered),
                ("CLOSED", "已销号", counts.closed),
            ],
            "place_query": urlencode(place),
            "committees": committees,
            "committee": committee,
            "branches": branches,
            "branch": branch,
            "page_obj": page,
            "filter_query": urlencode(filters),
            "is_filtered": bool(filters),
        },
    )


# Typical cases -----------------------------------------------------------------------------


@login_required
def typical_case_add(request, pk: int):
    """The 组织部 selects the site's experience as a 典型案例 (sites that passed acceptance)."""
    site = _site_or_404(request, pk)
    if reason := policies.cannot_manage_campaign(request.user, site.campaign):
        raise PermissionDenied(reason)
    form = TypicalCaseForm(request.POST or None, initial={"year": site.campaign.year})
    if request.method == "POST" and form.is_valid():
        try:
            select_typical_case(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已评为典型案例。")
            return HttpResponseRedirect(f"{_tab_url(site)}#cases")
    return render(
        request,
        "campaigns/supervision/action_form.html",
        {
            "site": site,
            "tab": "supervision",
            "form": form,
            "heading": "评选典型案例",
            "intro": "总结示范点的做法和成效，评为典型案例后在本示范点“督导整改”页展示，供宣传推介。",
            "refusal": policies.cannot_select_typical_case(request.user, site),
            "action": reverse("campaigns:typical_case_add", args=[site.pk]),
            "submit": "评为典型案例",
        },
    )
