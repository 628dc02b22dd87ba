"""Nomination and decision: the 党委 puts a branch forward, the 组织部 approves or rejects it;
the 党委 may withdraw a nomination not yet decided and later asks for on-site acceptance.

Objects come through `visible_to` (404 otherwise); a visible one the user may not act on
answers 403. Every change goes through a `campaigns.services` function; its refusal
(`LifecycleError`) is shown to the user, in the form or as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from organizations.models import Organization, Role

from .. import policies, queries, services
from ..forms.nominations import ApproveForm, NominationForm, RejectForm
from ..models import Campaign, Site

S = Site.Status
NOMINATIONS_PER_PAGE = 20


def _reason(error: ValidationError) -> str:
    return "；".join(error.messages)


def _next_url(request, default: str) -> str:
    """Where to go back to: a same-site `next` from the form, or `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _visible_site(request, pk: int) -> Site:
    """The site with campaign, branch and committee, 404 when the user does not see it."""
    return get_object_or_404(
        Site.objects.visible_to(request.user).with_related().prefetch_related("campaign__phases"), pk=pk
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# The 组织部's queue ---------------------------------------------------------------------------


@login_required
def nomination_queue(request, pk: int):
    """The nominations awaiting a decision, oldest first, then those decided, newest first.

    Both lists paginate (`page`, `decided_page`) and filter by committee. Queries: session,
    user, the campaign (404 when out of sight), whether the user is its 组织部 (403 if not),
    the committees with sites (the filter), count and rows of each list, the top bar's roles.
    """
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("organizer"), pk=pk)
    if reason := policies.cannot_manage_campaign(request.user, campaign):
        raise PermissionDenied(reason)
    sites = Site.objects.visible_to(request.user).filter(campaign=campaign)
    committees = list(
        Organization.objects.filter(pk__in=sites.values("nominated_by")).annotate(
            n_pending=Count("nominated_sites", filter=Q(nominated_sites__in=sites.filter(status=S.NOMINATED)))
        )
    )
    committee = next((c for c in committees if c.pk == _int_or_none(request.GET.get("committee"))), None)
    if committee is not None:
        sites = sites.filter(nominated_by=committee)
    rows = sites.with_related()
    pending = Paginator(rows.filter(status=S.NOMINATED).order_by("nominated_at", "pk"), NOMINATIONS_PER_PAGE)
    decided = Paginator(
        rows.exclude(status=S.NOMINATED).order_by("-status_changed_at", "-pk"), NOMINATIONS_PER_PAGE
    )
    filters = {"committee": committee.pk} if committee else {}
    pending_page = pending.get_page(request.GET.get("page"))
    decided_page = decided.get_page(request.GET.get("decided_page"))
    return render(
        request,
        "campaigns/nominations/queue.html",
        {
            "campaign": campaign,
            "committees": committees,
            "selected_committee": committee,
            "page_obj": pending_page,
            "decided_page": decided_page,
            "filter_query": urlencode(filters),
            "decided_query": urlencode({**filters, "page": pending_page.number}),
            "here": request.get_full_path(),
        },
    )


# Nominating (the 党委) ------------------------------------------------------------------------


@login_required
def nominate(request, pk: int):
    """A 党委 nominates one of its own branches, with the 创建方案 and 特色.

    Only 党支部 under the committees where the user holds the 党委 role are offered; branches
    already holding a site in the campaign are shown disabled. The window, quota and
    one-site-per-branch rules are `policies.cannot_nominate`'s: the page says why the campaign
    takes no nomination now, and `nominate_site`'s refusal is shown in the form, keeping what
    was typed.
    """
    user = request.user
    campaign = get_object_or_404(
        Campaign.objects.visible_to(user).select_related("organizer").prefetch_related("phases"), pk=pk
    )
    if reason := policies.cannot_nominate_in(user, campaign):
        raise PermissionDenied(reason)
    committees = [
        role.organization
        for role in Role.objects.filter(user_id=user.pk, kind=Role.Kind.COMMITTEE)
        .within(campaign.organizer)
        .select_related("organization")
    ]
    branches = (
        Organization.objects.visible_to(user, role_kind=Role.Kind.COMMITTEE)
        .branches()
        .within(campaign.organizer)
        .filter(is_active=True)
    )
    existing = list(
        Site.objects.filter(campaign=campaign, organization__in=branches).select_related(
            "organization", "campaign", "nominated_by"
        )
    )
    held = [s for s in existing if s.status in Site.HOLDING_STATUSES]
    returned = [s for s in existing if s.status not in Site.HOLDING_STATUSES]
    taken = {
        s.organization_id: "已申报，待审批"
        if s.status == S.NOMINATED
        else f"已申报，{s.get_status_display()}"
        for s in held
    }
    if request.method == "POST":
        form = NominationForm(request.POST, request.FILES, branches=branches, taken=taken)
        if form.is_valid():
            data = form.cleaned_data
            try:
                site = services.nominate_site(
                    campaign=campaign,
                    branch=data["branch"],
                    by=user,
                    plan=data["plan"],
                    highlights=data["highlights"],
                    plan_file=data["plan_file"],
                )
            except ValidationError as error:
                # LifecycleError (quota, one per branch, phase) or the file refused on save.
                form.add_error(None, error)
            else:
                messages.success(request, f"已申报“{site.organization.name}”，请等待组织部审批。")
                return redirect("campaigns:site_detail", site.pk)
        if request.FILES.get("plan_file") and form.errors:
            form.add_error("plan_file", "出于安全原因，浏览器不会保留已选的文件，请重新选择。")
    else:
        form = NominationForm(branches=branches, taken=taken)

    quota = queries.quota_use(campaign, committees)
    return render(
        request,
        "campaigns/nominations/nominate.html",
        {
            "campaign": campaign,
            "form": form,
            "closed_reason": policies.nominations_closed(campaign) or "",
            "quota": quota,
            "quota_full": bool(quota) and all(q.full for q in quota),
            "may_withdraw_one": any(policies.cannot_withdraw(user, s) is None for s in held),
            "held": held,
            "returned": returned,
            "has_branches": bool(form.fields["branch"].queryset),
        },
    )


# Decisions (the 组织部) ------------------------------------------------------------------------


@login_required
@require_POST
def approve(request, pk: int):
    """批准创建, with an optional note. Under htmx the queue's card is answered in place."""
    site = _visible_site(request, pk)
    if reason := policies.cannot_manage_campaign(request.user, site.campaign):
        raise PermissionDenied(reason)
    form = ApproveForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.approve_site(site=site, by=request.user, note=form.cleaned_data["note"])
        except services.LifecycleError as refused:
            error = _reason(refused)
    else:
        error = "；".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        return render(
            request,
            "campaigns/nominations/_nomination.html",
            {"site": site, "error": error, "just_decided": not error, "here": _next_url(request, "")},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已批准“{site.organization.name}”创建示范点。")
    return redirect(_next_url(request, reverse("campaigns:site_detail", args=[site.pk])))


@login_required
def reject(request, pk: int):
    """不予批准: a page asking for the reason, which the committee then sees on the site page."""
    site = _visible_site(request, pk)
    if reason := policies.cannot_manage_campaign(request.user, site.campaign):
        raise PermissionDenied(reason)
    back = _next_url(request, reverse("campaigns:site_detail", args=[site.pk]))
    if request.method == "POST":
        form = RejectForm(request.POST)
        if form.is_valid():
            try:
                services.reject_site(site=site, by=request.user, reason=form.cleaned_data["reason"])
            except services.LifecycleError as refused:
                form.add_error(None, refused)
            else:
                messages.success(
                    request, f"已对“{site.organization.name}”作出不予批准决定，申报党委将看到理由。"
                )
                return redirect(back)
    else:
        form = RejectForm()
    return render(
        request,
        "campaigns/nominations/reject.html",
        {"site": site, "form": form, "back": back, "refusal": policies.cannot_reject(request.user, site)},
    )


# The committee's own actions on its site ----------------------------------------------------


def _committee_action(request, pk: int, action, done: str):
    site = _visible_site(request, pk)
    if reason := policies.cannot_act_for_committee(request.user, site):
        raise PermissionDenied(reason)
    try:
        action(site=site, by=request.user)
    except services.LifecycleError as refused:
        messages.error(request, _reason(refused))
    else:
        messages.success(request, done.format(name=site.organization.name))
    return redirect("campaigns:site_detail", site.pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    """The nominating 党委 withdraws a nomination not yet decided; the quota place is freed."""
    return _committee_action(request, pk, services.withdraw_site, "已撤回“{name}”的申报，名额已释放。")


@login_required
@require_POST
def request_acceptance(request, pk: int):
    """The nominating 党委 asks for on-site acceptance, when the state and phase allow."""
    return _committee_action(
        request, pk, services.request_acceptance, "已为“{name}”申请现场验收，请等待验收组安排。"
    )
