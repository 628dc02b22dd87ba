"""The acceptance report's download and its public check, and 公示 with objections.

Signed-in pages find the acceptance (or the campaign, or the objection) through `visible_to`
(someone else's and a missing one both answer 404) and ask `assessments.policies` what the viewer
may do (403 with the reason otherwise).

The public pages — `/verify/`, `/results/<campaign>/`, the objection form — need no login, show
no personal data (no names of the team, no one's contact) and are rate-limited per client
address. They stand alone rather than extending base.html, which reads the user and the CSRF
token: the list and the check set no cookie (only the objection form, which posts, has a CSRF
cookie).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST, require_safe

from campaigns.models import Campaign
from campaigns.policies import cannot_manage_campaign
from campaigns.services import LifecycleError
from config.ratelimit import rate_limited

from .. import policies
from ..models import Acceptance, Objection
from ..report import is_digest, issued_report, normalize_digest
from ..services import publicity as services
from ..services.publicity import ANSWER_MAX, CONTACT_MAX, NAME_MAX, TEXT_MAX, publicity_state

PUBLIC_PER_PAGE = 25
OVERVIEW_PER_PAGE = 10
# Seconds a browser or proxy may keep a public page: the 公示 state changes by the day.
PUBLIC_MAX_AGE = 60


# The report --------------------------------------------------------------------------------


@login_required
@require_safe
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed report as a PDF, for everyone who sees the site; while the worker is still
    rendering it, a page saying so (202) that refreshes itself."""
    acceptance = get_object_or_404(
        Acceptance.objects.visible_to(request.user).select_related("site__organization", "site__campaign"),
        pk=pk,
    )
    if reason := policies.cannot_download_report(request.user, acceptance):
        if not acceptance.is_signed:
            raise PermissionDenied(reason)
        return render(
            request,
            "assessments/publicity/report_pending.html",
            {"acceptance": acceptance, "site": acceptance.site, "reason": reason},
            status=202,
        )
    try:
        handle = acceptance.report.open("rb")
    except FileNotFoundError as missing:
        raise Http404("验收报告文件已不存在，请联系组织部重新生成。") from missing
    response = FileResponse(
        handle, filename=f"验收报告-{acceptance.site.organization.name}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The public check --------------------------------------------------------------------------


class VerifyForm(forms.Form):
    digest = forms.CharField(
        label="校验码",
        required=False,
        max_length=200,
        help_text="报告每页页脚“校验码”后的 64 位字母数字，或报告文件的 SHA-256。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )


UPLOAD_MB = settings.MAX_UPLOAD_BYTES // (1024 * 1024)


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label="报告 PDF 文件",
        help_text=f"选择收到的验收报告 PDF，系统计算其 SHA-256 后查询；文件不会保存。最大 {UPLOAD_MB} MB。",
        error_messages={"required": "请选择报告 PDF 文件。", "empty": "所选文件是空的，请重新选择。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(f"文件超过 {UPLOAD_MB} MB，不是本系统签发的报告。")
        return file


def _file_sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _verify_page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    """The check's page. The upload form (which posts, with a CSRF cookie) is only on the form's
    own page, so a check's answer sets no cookie and may be cached."""
    context.setdefault("form", VerifyForm())
    return render(request, "assessments/publicity/verify.html", context, status=status)


@rate_limited("verify", per_minute=30)
@never_cache
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form: paste a 校验码 (GET `?digest=`) or upload the PDF (POST) to have it checked."""
    if request.method == "POST":
        upload = VerifyUploadForm(request.POST, request.FILES)
        if not upload.is_valid():
            return _verify_page(request, upload_form=upload, status=400)
        return redirect("assessments:verify", digest=_file_sha256(upload.cleaned_data["file"]))
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        digest = normalize_digest(form.cleaned_data["digest"])
        if not digest:
            form.add_error("digest", "请输入校验码。")
        elif not is_digest(digest):
            form.add_error("digest", "校验码应为 64 位，由数字 0–9 和字母 a–f 组成，请核对后重新输入。")
        else:
            return redirect("assessments:verify", digest=digest)
    return _verify_page(
        request, form=form, upload_form=VerifyUploadForm(), status=400 if form.errors else 200
    )


@rate_limited("verify", per_minute=30)
@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def verify(request: HttpRequest, digest: str) -> HttpResponse:
    """Whether a report with this content digest (printed in its footer, held by its QR code) or
    this file hash was issued: for which site, on which date, with what result. A hash of the
    right shape that no report has answers 404 with a plain warning; so does a malformed one."""
    value = normalize_digest(digest)
    if not is_digest(value):
        return _verify_page(request, digest=digest[:100], malformed=True, status=404)
    if value != digest:
        return redirect("assessments:verify", digest=value)
    found = issued_report(value)
    if found is None:
        return _verify_page(request, digest=value, unknown=True, status=404)
    acceptance, matched = found
    return _verify_page(
        request,
        digest=value,
        acceptance=acceptance,
        site=acceptance.site,
        campaign=acceptance.site.campaign,
        matched=matched,
        state=publicity_state(acceptance),
    )


# The public results ------------------------------------------------------------------------


def _published(campaign: Campaign, today) -> object:
    """The campaign's signed results whose 公示 has started, with their unanswered objections
    counted (`unanswered`)."""
    return (
        Acceptance.objects.filter(
            site__campaign=campaign, signed_at__isnull=False, publicity_starts_on__lte=today
        )
        .select_related("site__organization")
        .annotate(unanswered=Count("objections", filter=Q(objections__answered_at__isnull=True)))
        .order_by("-publicity_starts_on", "site__organization__path", "-pk")
    )


@rate_limited("results", per_minute=60)
@require_safe
@cache_control(public=True, max_age=PUBLIC_MAX_AGE)
def public_results(request: HttpRequest, campaign: int) -> HttpResponse:
    """The campaign's published results for anyone (no login): each site's composite score,
    verdict, 公示 period and state, and during the period a link to lodge an objection.

    A result appears once its 公示 has started (the day after signing, or the next working day).
    Queries: the campaign with its organizer; the page's count and its rows (the unanswered
    objections counted in the same query) — the same however many results.
    """
    campaign_obj = get_object_or_404(Campaign.objects.select_related("organizer"), pk=campaign)
    today = timezone.localdate()
    page = Paginator(_published(campaign_obj, today), PUBLIC_PER_PAGE).get_page(request.GET.get("page"))
    for acceptance in page:
        acceptance.state = publicity_state(acceptance, today)
        acceptance.may_object = policies.cannot_lodge_objection(acceptance, today) is None
    return render(
        request,
        "assessments/publicity/results.html",
        {"campaign": campaign_obj, "page_obj": page, "today": today},
    )


# Objections --------------------------------------------------------------------------------


TOO_LONG = "最多 %(limit_value)d 个字，现有 %(show_value)d 个字。"


class ObjectionForm(forms.Form):
    lodged_by = forms.CharField(
        label="姓名",
        required=False,
        max_length=NAME_MAX,
        help_text="可不填（匿名反映）。",
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = forms.CharField(
        label="联系方式",
        max_length=CONTACT_MAX,
        help_text="电话或通信地址，仅用于组织部答复您，不会公开。",
        error_messages={"required": "请留下联系方式（电话或地址），以便组织部答复。", "max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    text = forms.CharField(
        label="异议内容",
        max_length=TEXT_MAX,
        help_text=f"请写明对哪一项结果有异议及理由、事实，最多 {TEXT_MAX} 字。",
        error_messages={"required": "请写明异议内容。", "max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _public_acceptance(pk: int, today) -> Acceptance:
    """A signed result whose 公示 has started; anything else is not public (404)."""
    return get_object_or_404(
        Acceptance.objects.select_related("site__organization", "site__campaign__organizer"),
        pk=pk,
        signed_at__isnull=False,
        publicity_starts_on__lte=today,
    )


def _closed(request: HttpRequest, context: dict, reason: str) -> HttpResponse:
    return render(
        request, "assessments/publicity/objection_closed.html", {**context, "reason": reason}, status=403
    )


@rate_limited("objection", per_minute=10)
@never_cache
def lodge_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone lodges an objection to a result in its 公示 period: name optional, contact and text
    required. What was typed comes back with the errors; after sending, a thank-you page."""
    today = timezone.localdate()
    acceptance = _public_acceptance(pk, today)
    context = {"acceptance": acceptance, "site": acceptance.site, "campaign": acceptance.site.campaign}
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    if request.method != "POST" and request.GET.get("sent"):
        return render(request, "assessments/publicity/objection_thanks.html", context)
    if reason := policies.cannot_lodge_objection(acceptance, today):
        return render(
            request, "assessments/publicity/objection_closed.html", {**context, "reason": reason}, status=403
        )
    form = ObjectionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.lodge_objection(acceptance=acceptance, today=today, **form.cleaned_data)
        except LifecycleError as refusal:
            return _closed(request, context, "；".join(refusal.messages))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect(reverse("assessments:objection_lodge", args=[acceptance.pk]) + "?sent=1")
    return render(
        request,
        "assessments/publicity/objection_form.html",
        {**context, "form": form},
        status=400 if form.errors else 200,
    )


def _managed_campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("organizer"), pk=pk)
    if reason := cannot_manage_campaign(request.user, campaign):
        raise PermissionDenied(reason)
    return campaign


def _overview(request: HttpRequest, campaign: Campaign, *, typed: dict | None = None, status: int = 200):
    """The page; `typed` = {objection pk: (answer typed, [errors])} shows a refused answer again."""
    today = timezone.localdate()
    acceptances = (
        Acceptance.objects.visible_to(request.user)
        .filter(site__campaign=campaign, signed_at__isnull=False)
        .select_related("site__organization")
        .annotate(unanswered=Count("objections", filter=Q(objections__answered_at__isnull=True)))
        .prefetch_related(
            Prefetch(
                "objections",
                queryset=Objection.objects.select_related("answered_by").order_by("lodged_at", "pk"),
            )
        )
        .order_by("-unanswered", "-publicity_starts_on", "site__organization__path", "-pk")
    )
    only = (request.GET.get("filter") or request.POST.get("filter")) == "open"
    if only:
        acceptances = acceptances.filter(unanswered__gt=0)
    # A refused answer comes back on the page it was typed on (the form posts its page number).
    number = request.GET.get("page") or request.POST.get("page")
    page = Paginator(acceptances, OVERVIEW_PER_PAGE).get_page(number)
    typed = typed or {}
    for acceptance in page:
        acceptance.state = publicity_state(acceptance, today)
        for objection in acceptance.objections.all():
            objection.typed, objection.errors = typed.get(objection.pk, ("", []))
    return render(
        request,
        "assessments/publicity/overview.html",
        {
            "campaign": campaign,
            "page_obj": page,
            "today": today,
            "only_open": only,
            "filter_query": "filter=open" if only else "",
            "answer_max": ANSWER_MAX,
        },
        status=status,
    )


@login_required
@require_safe
def publicity_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The 组织部's list of the campaign's signed results: 公示 period and state, each objection
    with its answer or a form to answer it; results with open objections first, 10 a page.

    Queries: the campaign and the viewer's role for the policy; the page's count and rows
    (unanswered objections counted in the same query); the objections of the page's results with
    who answered — the same however many results or objections.
    """
    return _overview(request, _managed_campaign(request, pk))


@login_required
@require_POST
def answer_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """The organizer's 组织部 answers one objection; an empty answer comes back with the error."""
    objection = get_object_or_404(
        Objection.objects.visible_to(request.user).select_related(
            "acceptance__site__campaign__organizer", "acceptance__site__organization"
        ),
        pk=pk,
    )
    campaign = objection.acceptance.site.campaign
    if reason := policies.cannot_answer_objection(request.user, objection):
        raise PermissionDenied(reason)
    text = request.POST.get("answer", "")
    try:
        services.answer_objection(objection=objection, by=request.user, answer=text)
    except LifecycleError as refusal:
        raise PermissionDenied("；".join(refusal.messages)) from refusal
    except ValidationError as error:
        return _overview(request, campaign, typed={objection.pk: (text, error.messages)}, status=400)
    messages.success(request, f"已答复{objection.acceptance.site.organization.name}验收结果的异议。")
    back = {name: request.POST[name] for name in ("filter", "page") if request.POST.get(name)}
    query = f"?{urlencode(back)}" if back else ""
    url = reverse("assessments:publicity_overview", args=[campaign.pk])
    return redirect(f"{url}{query}#objection-{objection.pk}")
