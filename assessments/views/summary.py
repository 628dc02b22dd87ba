"""The 创建工作总结 page: the branch secretary writes the summary part by part — what was done
under each 一级指标 of the framework, the site's 特色, the figures, the problems, the next steps —
with the year's computed figures offered beside the parts for insertion; submits it to the
nominating 党委, which returns it with its comments or approves it.

The site comes through `Site.objects.visible_to(user)` (someone else's site and a missing one
both answer 404); everyone in scope reads the summary, and what they may do is asked of
`assessments.policies` (403 with the reason when a step is tried anyway). Writes go through
`assessments.services.summary`. An 插入 button puts the figure's sentence at the cursor with
static/js/summary.js; without JavaScript the same button posts the form, which comes back with
the sentence added to the part and everything typed kept (nothing is saved until 保存).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Site

from .. import dossier, policies
from ..models import Dimension, WorkSummary
from ..services.summary import (
    PARTS,
    approve_work_summary,
    campaign_dimensions,
    dimension_field,
    return_work_summary,
    save_work_summary,
    submit_work_summary,
)

ALL_FIGURES = "all"
PART_LABELS = {
    "highlights": ("创建特色", "本示范点区别于其他支部的做法和亮点，如“星级服务七步法”。"),
    "figures": (
        "主要数据",
        "全年的主要数据。可用“系统统计的数据”中的“插入”按钮插入系统按台账统计的数据，插入后可修改。",
    ),
    "problems": ("存在问题", "对照考核标准，还有哪些差距和不足。"),
    "next_steps": ("下步打算", "针对存在问题的整改措施和今后的工作计划。"),
}


class SummaryForm(forms.Form):
    """One textarea per dimension of the framework, then the four parts; all optional on saving
    (submitting asks for every part: `services.summary.missing_parts`)."""

    def __init__(self, *args, dimensions: list[Dimension], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for dimension in dimensions:
            self.fields[dimension_field(dimension.pk)] = forms.CharField(
                label=dimension.name,
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=f"对照“{dimension.name}”的考核内容，写明做了哪些工作、取得什么成效。",
            )
        for name in PARTS:
            label, help_text = PART_LABELS[name]
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=help_text
            )


def _visible_site(request: HttpRequest, pk: int) -> Site:
    return get_object_or_404(
        Site.objects.visible_to(request.user).with_related().prefetch_related("campaign__phases"), pk=pk
    )


def _page_url(site: Site) -> str:
    return reverse("assessments:work_summary", args=[site.pk])


def _initial(summary: WorkSummary, dimensions: list[Dimension]) -> dict:
    texts = summary.dimension_texts or {}
    initial = {dimension_field(d.pk): texts.get(str(d.pk), "") for d in dimensions}
    initial.update({name: getattr(summary, name) for name in PARTS})
    if summary.pk is None:
        initial["highlights"] = summary.site.highlights
    return initial


def _page(
    request: HttpRequest,
    site: Site,
    summary: WorkSummary,
    dimensions: list[Dimension],
    form: SummaryForm | None = None,
    *,
    status: int = 200,
    **extra,
) -> HttpResponse:
    user = request.user
    write_refusal = policies.cannot_write_summary(user, summary)
    may_write = write_refusal is None
    figures = dossier.year_figures(site) if may_write else []
    if form is None:
        form = SummaryForm(initial=_initial(summary, dimensions), dimensions=dimensions)
    parts = [
        {"field": form[name], "figures": [f for f in figures if f.target == name]} for name in form.fields
    ]
    texts = summary.dimension_texts or {}
    context = {
        "site": site,
        "summary": summary,
        "form": form,
        "parts": parts,
        "figures_paragraph": dossier.figures_paragraph(figures),
        "all_figures": ALL_FIGURES,
        "may_write": may_write,
        "write_refusal": write_refusal,
        "may_submit": policies.cannot_submit_summary(user, summary) is None,
        "may_return": policies.cannot_return_summary(user, summary) is None,
        "may_approve": policies.cannot_approve_summary(user, summary) is None,
        "written": [(d.name, texts.get(str(d.pk), "")) for d in dimensions]
        + [(PART_LABELS[name][0], getattr(summary, name)) for name in PARTS],
        **extra,
    }
    return render(request, "assessments/summary/page.html", context, status=status)


def _insert(form: SummaryForm, site: Site, key: str) -> str | None:
    """Add the figure `key` to its part of the bound form's data; its label, or None if unknown."""
    figures = dossier.year_figures(site)
    if key == ALL_FIGURES:
        target, text, label = "figures", dossier.figures_paragraph(figures), "全部数据"
    else:
        figure = next((f for f in figures if f.key == key), None)
        if figure is None:
            return None
        target, text, label = figure.target, figure.text, figure.label
    if target not in form.fields or not text:
        return None
    data = form.data.copy()
    typed = data.get(target, "").rstrip()
    data[target] = f"{typed}\n{text}" if typed else text
    form.data = data
    return f"{label}（插入“{form.fields[target].label}”）"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def work_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary: the form while the secretary may write it, the text otherwise.

    Queries: the site (with campaign, branch, committee) and its phases; the summary; the
    dimensions; the viewer's roles; and for the writer the year's figures (`dossier.year_figures`,
    about twenty) — the same however many records the year has.
    """
    site = _visible_site(request, pk)
    summary = dossier.summary_of(site)
    dimensions = campaign_dimensions(site)
    if request.method != "POST":
        return _page(request, site, summary, dimensions)
    if reason := policies.cannot_write_summary(request.user, summary):
        raise PermissionDenied(reason)
    form = SummaryForm(request.POST, dimensions=dimensions)
    if key := request.POST.get("insert"):
        inserted = _insert(form, site, key)
        if inserted:
            messages.info(request, f"已插入{inserted}，请检查后保存。")
        else:
            messages.error(request, "没有这项数据可以插入。")
        form = SummaryForm(form.data, dimensions=dimensions)
        form.is_valid()
        return _page(request, site, summary, dimensions, form)
    form.is_valid()
    data = form.cleaned_data
    summary = save_work_summary(
        site=site,
        by=request.user,
        dimension_texts={d.pk: data.get(dimension_field(d.pk), "") for d in dimensions},
        **{name: data.get(name, "") for name in PARTS},
    )
    if request.POST.get("action") != "submit":
        messages.success(request, "创建工作总结已保存。")
        return redirect(_page_url(site))
    try:
        submit_work_summary(site=site, by=request.user)
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
        return _page(request, site, dossier.summary_of(site), dimensions, form)
    messages.success(request, f"创建工作总结已提交{site.nominated_by.name}审核。")
    return redirect(_page_url(site))


@login_required
@require_POST
def return_summary(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    summary = dossier.summary_of(site)
    if reason := policies.cannot_return_summary(request.user, summary):
        raise PermissionDenied(reason)
    try:
        return_work_summary(site=site, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        return _page(
            request,
            site,
            summary,
            campaign_dimensions(site),
            return_error="；".join(error.messages),
            return_open=True,
        )
    messages.success(request, "创建工作总结已退回支部修改。")
    return redirect(_page_url(site))


@login_required
@require_POST
def approve_summary(request: HttpRequest, pk: int) -> HttpResponse:
    site = _visible_site(request, pk)
    summary = dossier.summary_of(site)
    if reason := policies.cannot_approve_summary(request.user, summary):
        raise PermissionDenied(reason)
    approve_work_summary(site=site, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, "创建工作总结审核通过。")
    return redirect(_page_url(site))
