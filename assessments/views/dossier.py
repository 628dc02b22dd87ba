"""The dossier's page (创建档案): its state for the viewer's copy, the job's progress while it
renders (polled with htmx; a <noscript> refresh without JavaScript), and the PDF and ZIP.

The site comes through `Site.objects.visible_to(user)` (someone else's site and a missing one
both answer 404); within scope only the branch secretary, the 党委 and 组织部 over the branch and
the site's acceptance teams may read or ask for the dossier (`policies.cannot_download_dossier`,
403 with its reason). Which copy the viewer gets — 完整版 or 脱敏版 — is `dossier.variant_for`;
nobody can ask for the other one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from campaigns.models import Site

from .. import dossier, policies
from ..models import Dossier


def _readable_site(request: HttpRequest, pk: int) -> Site:
    site = get_object_or_404(
        Site.objects.visible_to(request.user)
        .with_related()
        .select_related("campaign__organizer")
        .prefetch_related("campaign__phases"),
        pk=pk,
    )
    if reason := policies.cannot_download_dossier(request.user, site):
        raise PermissionDenied(reason)
    return site


def _state(site: Site, variant: str, current: str | None = None) -> dict:
    record = dossier.current_dossier(site, variant)
    busy = record is not None and dossier.is_busy(record, timezone.now())
    ready = record is not None and record.is_ready
    return {
        "site": site,
        "variant": variant,
        "variant_label": Dossier.Variant(variant).label,
        "record": record,
        "busy": busy,
        "ready": ready,
        # Known on the page (which reads the records), not in the polled panel.
        "stale": ready and current is not None and not dossier.is_current(record, current),
    }


@login_required
@require_safe
def dossier_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The viewer's copy: rendered or not, current or not (the records read now against the
    fingerprint it was rendered from), its progress, the downloads and the button to render.

    Queries: the site (with campaign, branch, committee, organizer) and its phases; the viewer's
    roles and team places for the policy; the dossier row; the records behind the fingerprint
    (`dossier.dossier_content`, about thirty) — the same however many records the year has.
    """
    site = _readable_site(request, pk)
    variant = dossier.variant_for(request.user, site)
    current = dossier.fingerprint(dossier.dossier_content(site, variant))
    return render(request, "assessments/dossier/page.html", _state(site, variant, current))


@login_required
@require_safe
@never_cache
def dossier_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The state panel alone, which the page polls every 2 s while the job runs."""
    site = _readable_site(request, pk)
    variant = dossier.variant_for(request.user, site)
    return render(request, "assessments/dossier/_state.html", _state(site, variant))


@login_required
@require_POST
def dossier_render(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the viewer's copy; nothing is rendered again when the records have not changed."""
    site = _readable_site(request, pk)
    variant = dossier.variant_for(request.user, site)
    _record, queued = dossier.request_dossier(site=site, variant=variant, by=request.user)
    if queued:
        messages.success(request, "已开始生成创建档案，完成后可在本页下载。")
    else:
        messages.info(request, "创建档案已是最新或正在生成，无须重新生成。")
    return redirect(reverse("assessments:dossier", args=[site.pk]))


def _download(request: HttpRequest, pk: int, *, bundle: bool) -> FileResponse:
    site = _readable_site(request, pk)
    record = dossier.current_dossier(site, dossier.variant_for(request.user, site))
    if record is None or not record.is_ready:
        raise Http404("创建档案尚未生成。")
    field = record.bundle if bundle else record.pdf
    try:
        handle = field.open("rb")
    except FileNotFoundError as missing:
        raise Http404("创建档案的文件已不存在，请重新生成。") from missing
    name = dossier.bundle_name(site) if bundle else dossier.pdf_name(site)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type="application/zip" if bundle else "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def dossier_pdf(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, pk, bundle=False)


@login_required
@require_safe
def dossier_zip(request: HttpRequest, pk: int) -> FileResponse:
    return _download(request, pk, bundle=True)
