"""A site's own pages: the overview (facts, plan, phases, leading group, funding, typical
cases), the plan and its file, and the history of what was done.

The site comes through `Site.objects.visible_to(user)`: someone else's site and a missing one
both answer 404. Changes are offered only to those `policies.cannot_edit_site` allows (the
branch secretary and the nominating 党委 while the campaign runs); anyone else who tries gets 403.
The leading group and funding sections edit in place with htmx (the section is re-rendered and
swapped); without JavaScript the same links and forms lead to plain pages that redirect back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Model
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from organizations.models import AuditEvent, Verb

from .. import policies
from ..forms.site import FundingForm, LeadingGroupMemberForm, PlanForm
from ..models import Funding, LeadingGroupMember, Site
from ..services import (
    remove_funding,
    remove_leading_group_member,
    save_funding,
    save_leading_group_member,
    update_site_plan,
)

EVENTS_PER_PAGE = 25
SITE_RELATED = ("site__campaign", "site__organization", "site__nominated_by")
# Ids for the add forms' fields, apart from the edit form's when both are on the page.
MEMBER_FORM_ID = "lg-new-%s"
FUNDING_FORM_ID = "fund-new-%s"


def _visible_site(request: HttpRequest, pk: int) -> Site:
    return get_object_or_404(Site.objects.visible_to(request.user).with_related(), pk=pk)


def _require_editor(request: HttpRequest, site: Site) -> None:
    if reason := policies.cannot_edit_site(request.user, site):
        raise PermissionDenied(reason)


def _posted(request: HttpRequest):
    """The submitted data for a bound form (even when empty), or None to show a fresh one."""
    return request.POST if request.method == "POST" else None


def _service_error(form: Form, error: ValidationError) -> None:
    """A refusal from a service, shown at the top of the form that asked for it."""
    form.add_error(None, error.messages)


# The overview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingLine:
    funding: Funding
    amount: str
    spent: str
    balance: str


@dataclass(frozen=True)
class FundingTotals:
    amount: str
    spent: str
    balance: str
    spent_percent: int


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _funding_label(funding: Funding) -> str:
    return f"{funding.get_source_display()} {_yuan(funding.amount)} 元"


def _funding_lines(fundings: list[Funding]) -> tuple[list[FundingLine], FundingTotals]:
    """Each row and the totals, formatted as money (the zh-hans locale groups no digits)."""
    lines = [FundingLine(f, _yuan(f.amount), _yuan(f.spent), _yuan(f.balance)) for f in fundings]
    amount = sum((f.amount for f in fundings), Decimal(0))
    spent = sum((f.spent for f in fundings), Decimal(0))
    percent = int(spent * 100 / amount) if amount else 0
    return lines, FundingTotals(_yuan(amount), _yuan(spent), _yuan(amount - spent), percent)


def _funding_context(fundings: list[Funding]) -> dict:
    lines, totals = _funding_lines(fundings)
    return {"funding_lines": lines, "funding_totals": totals}


@login_required
def site_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The site at a glance, with its plan, phases, leading group, funding and typical cases.

    Queries: the site with campaign, branch and committee; the phases; the leading group; the
    funding rows; the typical cases (one each, however many rows); the user's roles for the
    top bar; whether the user may edit (one role query); the lifecycle actions (a role query
    for each action the site's state allows, see `site_actions`).
    """
    site = get_object_or_404(Site.objects.visible_to(request.user).with_detail(), pk=pk)
    today = timezone.localdate()
    may_edit = policies.cannot_edit_site(request.user, site) is None
    return render(
        request,
        "campaigns/site/overview.html",
        {
            "site": site,
            "today": today,
            "phases": list(site.campaign.phases.all()),
            "current_phase": site.campaign.phase_on(today),
            "may_edit": may_edit,
            "plan_file_name": PurePosixPath(site.plan_file.name).name if site.plan_file else "",
            "typical_cases": list(site.typical_cases.all()),
            "members": list(site.leading_group.all()),
            "member_form": LeadingGroupMemberForm(auto_id=MEMBER_FORM_ID) if may_edit else None,
            **_funding_context(list(site.fundings.all())),
            "funding_form": FundingForm(auto_id=FUNDING_FORM_ID) if may_edit else None,
        },
    )


# History -----------------------------------------------------------------------------------


@login_required
def site_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The site's audit events, newest first, 25 a page, optionally of one kind (`verb`).

    Queries: the site; the user's roles; the kinds of event in this history (the filter);
    the page's count; its events with their actors.
    """
    site = _visible_site(request, pk)
    events = AuditEvent.objects.about(site)
    # The kinds of event for the filter, the most recently done first.
    verbs = [
        Verb(value)
        for value in events.order_by()
        .values("verb")
        .annotate(last=Max("created_at"))
        .order_by("-last", "verb")
        .values_list("verb", flat=True)
    ]
    verb = request.GET.get("verb")
    selected_verb = Verb(verb) if verb in verbs else None
    if selected_verb:
        events = events.filter(verb=selected_verb)
    page = Paginator(events.select_related("actor"), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/site/history.html",
        {
            "site": site,
            "verbs": verbs,
            "selected_verb": selected_verb,
            "page_obj": page,
            "filter_query": urlencode({"verb": selected_verb}) if selected_verb else "",
        },
    )


# The plan ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    _require_editor(request, site)
    if request.method == "POST":
        form = PlanForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                update_site_plan(
                    site=site,
                    by=request.user,
                    plan=form.cleaned_data["plan"],
                    highlights=form.cleaned_data["highlights"],
                    plan_file=form.cleaned_data["plan_file"],
                )
            except ValidationError as error:
                _service_error(form, error)
            else:
                messages.success(request, "创建方案已保存。")
                return redirect(reverse("campaigns:site_detail", args=[site.pk]) + "#plan")
    else:
        form = PlanForm(initial={"plan": site.plan, "highlights": site.highlights})
    return render(
        request,
        "campaigns/site/plan_form.html",
        {
            "site": site,
            "form": form,
            "plan_file_name": PurePosixPath(site.plan_file.name).name if site.plan_file else "",
        },
    )


@login_required
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    """The attached plan, as a download under its stored name, to those who see the site."""
    site = _visible_site(request, pk)
    if not site.plan_file:
        raise Http404("该示范点没有上传方案附件。")
    try:
        handle = site.plan_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("方案附件已不存在。") from missing
    return FileResponse(handle, as_attachment=True, filename=PurePosixPath(site.plan_file.name).name)


# Leading group and funding: in-place sections ----------------------------------------------


def _leading_group_section(site: Site) -> dict:
    return {
        "members": list(LeadingGroupMember.objects.filter(site=site).in_rank_order()),
        "add_form": LeadingGroupMemberForm(auto_id=MEMBER_FORM_ID),
    }


def _funding_section(site: Site) -> dict:
    return {
        **_funding_context(list(Funding.objects.filter(site=site).with_balance())),
        "add_form": FundingForm(auto_id=FUNDING_FORM_ID),
    }


@dataclass(frozen=True)
class Section:
    """One editable list on the overview: its anchor there, its template, and its rows."""

    anchor: str
    template: str
    load: Callable[[Site], dict]

    def url(self, site: Site) -> str:
        return reverse("campaigns:site_detail", args=[site.pk]) + f"#{self.anchor}"


LEADING_GROUP = Section("leading-group", "campaigns/site/_leading_group.html", _leading_group_section)
FUNDING = Section("funding", "campaigns/site/_funding.html", _funding_section)


def _section_response(request: HttpRequest, section: Section, site: Site, **extra) -> HttpResponse:
    """The section re-rendered for htmx to swap in place (the user may edit: they just did)."""
    context = {"site": site, "may_edit": True, **section.load(site), **extra}
    return render(request, section.template, context)


def _done(request: HttpRequest, section: Section, site: Site, notice: str, **extra) -> HttpResponse:
    if request.htmx:
        return _section_response(request, section, site, notice=notice, **extra)
    messages.success(request, notice)
    return redirect(section.url(site))


def _form_response(
    request: HttpRequest,
    section: Section,
    site: Site,
    form: Form,
    *,
    action: str,
    heading: str,
    editing: Model | None = None,
) -> HttpResponse:
    """The form again (fresh or with its errors): in the section with htmx, else as a page."""
    if request.htmx:
        if editing is None:
            return _section_response(request, section, site, add_form=form, add_open=True)
        return _section_response(request, section, site, editing=editing.pk, edit_form=form)
    return render(
        request,
        "campaigns/site/record_form.html",
        {"site": site, "form": form, "action": action, "heading": heading, "back_url": section.url(site)},
    )


def _confirm_response(
    request: HttpRequest, section: Section, site: Site, *, action: str, question: str, verb: str
) -> HttpResponse:
    return render(
        request,
        "campaigns/site/confirm_delete.html",
        {"site": site, "action": action, "question": question, "verb": verb, "back_url": section.url(site)},
    )


def _member_of_visible_site(request: HttpRequest, pk: int) -> LeadingGroupMember:
    return get_object_or_404(
        LeadingGroupMember.objects.visible_to(request.user).select_related(*SITE_RELATED), pk=pk
    )


def _funding_of_visible_site(request: HttpRequest, pk: int) -> Funding:
    return get_object_or_404(Funding.objects.visible_to(request.user).select_related(*SITE_RELATED), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def leading_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    _require_editor(request, site)
    action = reverse("campaigns:leading_group_add", args=[site.pk])
    form = LeadingGroupMemberForm(
        _posted(request), instance=LeadingGroupMember(site=site), auto_id=MEMBER_FORM_ID
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = save_leading_group_member(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_error(form, error)
        else:
            # The form stays open after an addition: a group is usually entered member by member.
            return _done(request, LEADING_GROUP, site, f"已添加{member}。", add_open=True)
    return _form_response(request, LEADING_GROUP, site, form, action=action, heading="添加领导小组成员")


@login_required
@require_http_methods(["GET", "POST"])
def leading_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_of_visible_site(request, pk)
    site = member.site
    _require_editor(request, site)
    action = reverse("campaigns:leading_group_edit", args=[member.pk])
    # The form works on a copy: the service compares the saved member with what was typed.
    form = LeadingGroupMemberForm(_posted(request), instance=copy.copy(member), auto_id=f"lg-{member.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            member = save_leading_group_member(site=site, by=request.user, member=member, **form.cleaned_data)
        except ValidationError as error:
            _service_error(form, error)
        else:
            return _done(request, LEADING_GROUP, site, f"已保存{member}。")
    return _form_response(
        request,
        LEADING_GROUP,
        site,
        form,
        action=action,
        heading=f"修改领导小组成员：{member.name}",
        editing=member,
    )


@login_required
@require_http_methods(["GET", "POST"])
def leading_group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_of_visible_site(request, pk)
    site = member.site
    _require_editor(request, site)
    if request.method == "POST":
        remove_leading_group_member(member=member, by=request.user)
        return _done(request, LEADING_GROUP, site, f"已将{member}移出领导小组。")
    return _confirm_response(
        request,
        LEADING_GROUP,
        site,
        action=reverse("campaigns:leading_group_delete", args=[member.pk]),
        question=f"确定将{member}移出领导小组吗？",
        verb="确定移出",
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_add(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    _require_editor(request, site)
    action = reverse("campaigns:funding_add", args=[site.pk])
    form = FundingForm(_posted(request), instance=Funding(site=site), auto_id=FUNDING_FORM_ID)
    if request.method == "POST" and form.is_valid():
        try:
            funding = save_funding(site=site, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_error(form, error)
        else:
            return _done(request, FUNDING, site, f"已登记经费：{_funding_label(funding)}。")
    return _form_response(request, FUNDING, site, form, action=action, heading="登记经费")


@login_required
@require_http_methods(["GET", "POST"])
def funding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    funding = _funding_of_visible_site(request, pk)
    site = funding.site
    _require_editor(request, site)
    action = reverse("campaigns:funding_edit", args=[funding.pk])
    form = FundingForm(_posted(request), instance=copy.copy(funding), auto_id=f"fund-{funding.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            funding = save_funding(site=site, by=request.user, funding=funding, **form.cleaned_data)
        except ValidationError as error:
            _service_error(form, error)
        else:
            return _done(request, FUNDING, site, f"已保存经费：{_funding_label(funding)}。")
    return _form_response(request, FUNDING, site, form, action=action, heading="修改经费", editing=funding)


@login_required
@require_http_methods(["GET", "POST"])
def funding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    funding = _funding_of_visible_site(request, pk)
    site = funding.site
    _require_editor(request, site)
    if request.method == "POST":
        remove_funding(funding=funding, by=request.user)
        return _done(request, FUNDING, site, f"已删除经费：{_funding_label(funding)}。")
    return _confirm_response(
        request,
        FUNDING,
        site,
        action=reverse("campaigns:funding_delete", args=[funding.pk]),
        question=f"确定删除这笔经费（{_funding_label(funding)}）吗？",
        verb="确定删除",
    )
