"""The self-assessment (基层自评) pages: the branch secretary scores the campaign's framework item by
item, attaches evidence and submits; the nominating 党委 returns it with a reason or approves it;
the 组织部 sees every site's totals per dimension and exports them.

The site comes through `Site.objects.visible_to(user)` (someone else's site and a missing one both
answer 404); what the viewer may do is asked of `assessments.policies`, which answer 403 with the
reason when a step is tried anyway. Each field saves on change with htmx: the response updates the
item's status and the field's error slot only, so what is being typed is never replaced; without
JavaScript the same form posts and the page comes back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, Site
from organizations.uploads import describe_limits
from spreadsheets import xlsx_response

from .. import policies, queries
from ..models import Evidence, Indicator, SelfAssessment
from ..services.self_assessment import (
    EVIDENCE_EXTENSIONS,
    SCORE_FIELDS,
    approve_self_assessment,
    remove_evidence,
    return_self_assessment,
    save_indicator_score,
    submit_self_assessment,
    upload_evidence,
)

ROWS_PER_PAGE = 25


def _visible_site(request: HttpRequest, pk: int) -> Site:
    return get_object_or_404(
        Site.objects.visible_to(request.user).with_related().prefetch_related("campaign__phases"), pk=pk
    )


def _indicator_of(site: Site, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("dimension__framework"),
        pk=pk,
        dimension__framework__campaign=site.campaign,
    )


def _page_url(site: Site, anchor: str = "") -> str:
    url = reverse("assessments:self_assessment", args=[site.pk])
    return f"{url}#{anchor}" if anchor else url


def _permissions(user, assessment) -> dict:
    edit_refusal = policies.cannot_edit_self_assessment(user, assessment)
    return {
        "may_edit": edit_refusal is None,
        "edit_refusal": edit_refusal,
        "may_submit": policies.cannot_submit_self_assessment(user, assessment) is None,
        "may_return": policies.cannot_return_self_assessment(user, assessment) is None,
        "approve_refusal": policies.cannot_approve_self_assessment(user, assessment),
    }


def _page(request: HttpRequest, site: Site, *, status: int = 200, **extra) -> HttpResponse:
    """The whole sheet; `typed`/`errors` for one indicator show a refused save again."""
    assessment = queries.self_assessment_of(site)
    sheet = queries.self_assessment_sheet(site, assessment)
    typed = extra.pop("typed", None)
    if typed is not None:
        item = sheet.item(typed["indicator"])
        if item is not None:
            item.typed, item.errors = typed["values"], typed["errors"]
    permissions = _permissions(request.user, assessment)
    permissions["may_approve"] = permissions["approve_refusal"] is None
    context = {
        "site": site,
        "assessment": assessment,
        "sheet": sheet,
        "upload_limits": describe_limits(EVIDENCE_EXTENSIONS),
        "accept": ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS),
        **permissions,
        **extra,
    }
    return render(request, "assessments/self_assessment/page.html", context, status=status)


@login_required
def self_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet: every dimension, item group and indicator with the computed figures, the
    secretary's answers, evidence and what is still missing; the steps the viewer may take.

    Queries: the site (with campaign, branch, committee) and its phases; the self-assessment;
    the dimensions, item groups and indicators; the scores; the evidence; the computed figures
    (`scoring`); the viewer's roles for the policies — the same however many indicators.
    """
    return _page(request, _visible_site(request, pk))


@login_required
@require_POST
def save_score(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """Save one indicator's fields as typed; with htmx answer the item's status and error slots."""
    site = _visible_site(request, pk)
    indicator_obj = _indicator_of(site, indicator)
    if reason := policies.cannot_edit_self_assessment(request.user, queries.self_assessment_of(site)):
        raise PermissionDenied(reason)
    raw = {name: request.POST[name] for name in SCORE_FIELDS if name in request.POST}
    errors: dict[str, list[str]] = {}
    try:
        save_indicator_score(site=site, indicator=indicator_obj, by=request.user, raw=raw)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"general": error.messages}
    if request.htmx:
        sheet = queries.self_assessment_sheet(site)
        item = sheet.item(indicator_obj.pk)
        item.errors = errors
        return render(
            request,
            "assessments/self_assessment/_saved.html",
            {
                "site": site,
                "sheet": sheet,
                "assessment": sheet.assessment,
                "item": item,
                "block": sheet.block_of(indicator_obj.pk),
                "may_submit": policies.cannot_submit_self_assessment(request.user, sheet.assessment) is None,
                "saved_at": None if errors else timezone.now(),
            },
            status=200,
        )
    if errors:
        messages.error(request, f"{indicator_obj.code} 未能全部保存，请按提示修改。")
        return _page(
            request,
            site,
            typed={"indicator": indicator_obj.pk, "values": raw, "errors": errors},
        )
    messages.success(request, f"已保存 {indicator_obj.code}。")
    return redirect(_page_url(site, f"ind-{indicator_obj.pk}"))


# Evidence ------------------------------------------------------------------------------------


def _evidence_response(
    request: HttpRequest, site: Site, indicator: Indicator, *, error: str = ""
) -> HttpResponse:
    sheet = queries.self_assessment_sheet(site)
    return render(
        request,
        "assessments/self_assessment/_evidence_saved.html",
        {
            "site": site,
            "sheet": sheet,
            "assessment": sheet.assessment,
            "item": sheet.item(indicator.pk),
            "may_edit": True,
            "may_submit": policies.cannot_submit_self_assessment(request.user, sheet.assessment) is None,
            "upload_error": error,
            "upload_limits": describe_limits(EVIDENCE_EXTENSIONS),
            "accept": ",".join(f".{e}" for e in EVIDENCE_EXTENSIONS),
        },
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """Attach a file to one indicator; a refused file is named with the reason beside the field."""
    site = _visible_site(request, pk)
    indicator_obj = _indicator_of(site, indicator)
    if reason := policies.cannot_edit_self_assessment(request.user, queries.self_assessment_of(site)):
        raise PermissionDenied(reason)
    file = request.FILES.get("file")
    error = ""
    if file is None:
        error = "请选择要上传的文件。"
    else:
        try:
            upload_evidence(site=site, indicator=indicator_obj, file=file, by=request.user)
        except ValidationError as refusal:
            error = f"“{file.name}”未上传：{'；'.join(refusal.messages)}"
    if request.htmx:
        return _evidence_response(request, site, indicator_obj, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已上传 {file.name}。")
    return redirect(_page_url(site, f"ind-{indicator_obj.pk}"))


def _visible_evidence(request: HttpRequest, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.visible_to(request.user).select_related(
            "self_assessment__site__campaign",
            "self_assessment__site__organization",
            "self_assessment__site__nominated_by",
            "indicator",
        ),
        pk=pk,
    )


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, to those who see the site; shown inline (a photo opens on a phone)."""
    evidence = _visible_evidence(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("该佐证材料的文件已不存在。") from missing
    response = FileResponse(handle, filename=evidence.original_name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _visible_evidence(request, pk)
    site = evidence.self_assessment.site
    if reason := policies.cannot_edit_self_assessment(request.user, evidence.self_assessment):
        raise PermissionDenied(reason)
    indicator = evidence.indicator
    remove_evidence(evidence=evidence, by=request.user)
    if request.htmx and indicator is not None:
        return _evidence_response(request, site, indicator)
    messages.success(request, f"已删除 {evidence.original_name}。")
    return redirect(_page_url(site, f"ind-{indicator.pk}" if indicator else ""))


# The steps -----------------------------------------------------------------------------------


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    if reason := policies.cannot_submit_self_assessment(request.user, queries.self_assessment_of(site)):
        raise PermissionDenied(reason)
    try:
        submit_self_assessment(site=site, by=request.user, summary=request.POST.get("summary"))
    except ValidationError as error:
        messages.error(request, "".join(error.messages[:1]) + "见下方“尚未完成”清单。")
        return redirect(_page_url(site, "readiness"))
    messages.success(request, f"自评已提交{site.nominated_by.name}审核。")
    return redirect(_page_url(site))


@login_required
@require_POST
def return_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    if reason := policies.cannot_return_self_assessment(request.user, queries.self_assessment_of(site)):
        raise PermissionDenied(reason)
    try:
        return_self_assessment(site=site, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        return _page(request, site, return_error="；".join(error.messages), return_open=True)
    messages.success(request, "自评已退回支部修改。")
    return redirect(_page_url(site))


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    if reason := policies.cannot_approve_self_assessment(request.user, queries.self_assessment_of(site)):
        raise PermissionDenied(reason)
    approve_self_assessment(site=site, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, f"自评审核通过，{site.organization.name}进入“自评通过”。")
    return redirect(_page_url(site))


# The campaign's list (组织部) ----------------------------------------------------------------


def _managed_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("organizer"), pk=pk)
    if reason := policies.cannot_view_self_assessment_overview(request.user, campaign):
        raise PermissionDenied(reason)
    return campaign


def _sort(request: HttpRequest, dimensions) -> str:
    sort = request.GET.get("sort", "branch")
    key = sort.lstrip("-")
    allowed = set(queries.SORTS) | {f"d_{d.pk}" for d in dimensions}
    return sort if key in allowed else "branch"


@login_required
def campaign_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every site's self-assessment of the campaign: status, self-scores per dimension, total and
    bonus; sortable by any column, 25 a page.

    Queries: the campaign; the viewer's role; the dimensions, item groups and indicators; the
    page's count and its rows (sums as subqueries, one query however many sites).
    """
    campaign = _managed_campaign(request, pk)
    dimensions = queries.framework_dimensions(campaign)
    sort = _sort(request, dimensions)
    rows = queries.campaign_totals(campaign, Site.objects.visible_to(request.user), dimensions, sort)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(SelfAssessment.Status.choices)
    for site in page:
        site.dimension_totals = [getattr(site, f"d_{d.pk}") for d in dimensions]
        site.sa_status_label = labels.get(site.sa_status, "未开始")
    maxima = [sum(i.max_score for i in d.indicators.all() if not i.is_bonus) for d in dimensions]
    for dimension in dimensions:
        dimension.sort_key = f"d_{dimension.pk}"
        dimension.sort_desc = f"-d_{dimension.pk}"
    columns = [("branch", "示范点（党支部）"), ("committee", "申报党委"), ("status", "自评状态")]
    return render(
        request,
        "assessments/self_assessment/overview.html",
        {
            "campaign": campaign,
            "dimensions": dimensions,
            "dimension_maxima": maxima,
            "total_max": sum(maxima),
            "columns": columns,
            "sort": sort,
            "page_obj": page,
            "filter_query": f"sort={sort}",
        },
    )


@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The same list as an Excel file, every site in the viewer's scope."""
    campaign = _managed_campaign(request, pk)
    dimensions = queries.framework_dimensions(campaign)
    rows = queries.campaign_totals(
        campaign, Site.objects.visible_to(request.user), dimensions, _sort(request, dimensions)
    )
    labels = dict(SelfAssessment.Status.choices)
    headers = ["示范点（党支部）", "申报党委", "自评状态", *(d.name for d in dimensions), "合计", "加分"]
    lines = [
        [
            site.organization.name,
            site.nominated_by.name,
            labels.get(site.sa_status, "未开始"),
            *(getattr(site, f"d_{d.pk}") for d in dimensions),
            site.sa_total,
            site.sa_bonus,
        ]
        for site in rows
    ]
    today = timezone.localdate()
    return xlsx_response(
        f"{campaign.name}-基层自评汇总-{today:%Y%m%d}.xlsx", headers, lines, title="基层自评汇总"
    )
