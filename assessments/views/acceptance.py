"""The on-site acceptance pages (现场验收): the 组织部 schedules the visit (date, team, lead,
margin) and may change it until someone has submitted; the acceptance's page is the hub —
the team and who has submitted, the score table per dimension with the divergent items, the
agreed scores, findings, rectification items, the survey, the composite and its explanation,
what still stands in the way of signing, and the lead's signature; after signing, the frozen
result and the report.

The acceptance comes through `Acceptance.objects.visible_to(user)` (someone else's and a missing
one both answer 404); what the viewer may do is asked of `assessments.policies`, which answer 403
with the reason when a step is tried anyway. Every write goes through
`assessments.services.acceptance`; a refusal or a bad value is shown beside its form on the page
again, with what was typed. The forms post and redirect back; the signature asks for
confirmation first, in a dialog with htmx (static/js/a11y.js takes and returns focus) or on a
page of its own without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from campaigns.forms.supervision import RectificationForm
from campaigns.models import Campaign, Site
from campaigns.services import VERDICT_STATUS, LifecycleError
from organizations.models import Role

from .. import inspection, policies
from ..acceptance_sheet import AcceptanceSheet, SheetRow, acceptance_sheet, team_prefetch
from ..composite import CENT, HUNDRED
from ..models import Acceptance, Dimension, Indicator, InspectorScore, TeamMember
from ..rules import fmt
from ..services import acceptance as services

User = get_user_model()

ONLY_DIVERGENT = "divergent"
# The marks of the team that a lead has to look at: still divergent, or agreed after differing.
RECONCILED = (inspection.DIVERGENT, inspection.AGREED)
YES_NO = {"yes": True, "no": False}


# Finding rows ---------------------------------------------------------------------------------


def _visible_site(request: HttpRequest, pk: int) -> Site:
    return get_object_or_404(
        Site.objects.visible_to(request.user).with_related().select_related("campaign__organizer"), pk=pk
    )


def _visible_acceptance(request: HttpRequest, pk: int) -> Acceptance:
    """The acceptance with its site (campaign, organizer, branch, committee), who scheduled and
    signed it, and its team (lead first, with users): the policies read the team from here."""
    return get_object_or_404(
        Acceptance.objects.visible_to(request.user)
        .select_related(
            "site__campaign__organizer",
            "site__organization",
            "site__nominated_by",
            "signed_by",
            "scheduled_by",
        )
        .prefetch_related(team_prefetch(), "site__campaign__phases"),
        pk=pk,
    )


def _indicator_of(acceptance: Acceptance, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("dimension__framework"),
        pk=pk,
        dimension__framework__campaign_id=acceptance.site.campaign_id,
    )


def _detail_url(acceptance: Acceptance, anchor: str = "") -> str:
    url = reverse("assessments:acceptance_detail", args=[acceptance.pk])
    return f"{url}#{anchor}" if anchor else url


def inspectors_of(site: Site):
    """The users holding the inspector role over the site (at its branch or above), by name."""
    holders = Role.objects.filter(kind=Role.Kind.INSPECTOR).covering(site.organization).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("name", "username")


def _put_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: keyed messages beside their fields, the rest on top."""
    if isinstance(error, LifecycleError) or not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


# Forms ----------------------------------------------------------------------------------------


class ArrangementForm(forms.Form):
    """The visit: date, team (inspectors over the site), lead among them, margin. The rules
    (lead in the team, date not past, the margin a number) are the service's."""

    visited_on = forms.DateField(
        label="验收日期",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"],
        error_messages={"required": "请填写验收日期。", "invalid": "请填写有效日期，如 2026-11-20。"},
    )
    team = forms.ModelMultipleChoiceField(
        label="验收小组成员",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="只列出持有本示范点验收组成员角色的人员。每人各自评分，提交后才能看到他人评分。",
        error_messages={
            "required": "请选择验收小组成员。",
            "invalid_choice": "所选人员没有本示范点的验收组成员角色。",
            "invalid_pk_value": "所选人员没有本示范点的验收组成员角色。",
        },
    )
    lead = forms.ModelChoiceField(
        label="组长",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="须是上面勾选的成员之一。组长议定分歧项目并签署验收结论。",
        error_messages={"required": "请指定验收组长。", "invalid_choice": "组长须是验收小组成员。"},
    )
    disagreement_margin = forms.CharField(
        label="分歧阈值（分）",
        required=False,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
        help_text="两名组员对同一项的评分相差超过此值，须由组长议定。不填按 1 分。",
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        inspectors = inspectors_of(site)
        self.fields["team"].queryset = inspectors
        self.fields["lead"].queryset = inspectors

    @classmethod
    def initial_for(cls, acceptance: Acceptance) -> dict:
        members = list(acceptance.team_members.all())
        return {
            "visited_on": acceptance.visited_on,
            "team": [m.user_id for m in members],
            "lead": next((m.user_id for m in members if m.is_lead), None),
            "disagreement_margin": format(acceptance.disagreement_margin.normalize(), "f"),
        }


class AgreeForm(forms.Form):
    """The agreed score of one divergent item. Whether each part is given and fits is the
    service's rule (`agree_score`), put back beside its field."""

    score = forms.CharField(
        label="议定得分",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
    )
    reason = forms.CharField(
        label="议定理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写明依据（看了什么、问了谁），验收报告中列出。",
    )
    occurred = forms.ChoiceField(
        label="是否发生否决情形",
        required=False,
        choices=[("no", "未发生"), ("yes", "发生（验收不通过）")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, indicator: Indicator, **kwargs):
        kwargs.setdefault("auto_id", f"id_agree{indicator.pk}_%s")
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["score"].help_text = f"0 至 {fmt(indicator.max_score)} 分。"
        if not indicator.is_veto:
            del self.fields["occurred"]


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label="验收意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="验收小组对示范点创建工作的总体评价和主要问题，验收报告中列出。",
    )


def _rectification_form(data=None) -> RectificationForm:
    return RectificationForm(data, auto_id="id_rect_%s")


# The page's rows ------------------------------------------------------------------------------


@dataclass
class Mark:
    """One inspector's answer to one indicator, as the table shows it."""

    member: TeamMember
    score: InspectorScore | None

    @property
    def text(self) -> str:
        if self.score is None:
            return "—"
        parts = []
        if self.score.score is not None:
            parts.append(fmt(self.score.score))
        if self.score.level:
            parts.append(self.score.level)
        return " · ".join(parts) or "—"

    @property
    def veto_text(self) -> str:
        if self.score is None or self.score.occurred is None:
            return ""
        return "发生否决情形" if self.score.occurred else "未发生否决情形"


@dataclass
class Line:
    """One indicator in the table: the sheet's row and each team member's mark in team order."""

    row: SheetRow
    marks: list[Mark]
    form: AgreeForm | None = None

    @property
    def status(self) -> str:
        return self.row.marks.status

    @property
    def divergent(self) -> bool:
        return self.status == inspection.DIVERGENT

    @property
    def reconciled(self) -> bool:
        return self.status in RECONCILED

    @property
    def own_score(self) -> Decimal | None:
        """What the item scores in the self-assessment (the records' figure where they answer)."""
        return self.row.self_points

    @property
    def counted(self) -> Decimal | None:
        """What the item scores in the inspection: agreed, or the mean of consistent marks."""
        return self.row.marks.points


@dataclass(frozen=True)
class Part:
    """One of the composite's three parts: on a 100-point scale, its weight, what it adds."""

    label: str
    points: Decimal | None
    weight: int

    @property
    def weighted(self) -> Decimal | None:
        if self.points is None:
            return None
        return (self.points * self.weight / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _parts(campaign: Campaign, self_part, public_part, inspection_part) -> list[Part]:
    return [
        Part("基层自评", self_part, campaign.weight_self),
        Part("群众测评", public_part, campaign.weight_public),
        Part("组织考评", inspection_part, campaign.weight_inspection),
    ]


@dataclass
class Block:
    """A dimension's lines, with its points on the framework's scale and the inspection's."""

    dimension: Dimension
    max_points: Decimal
    points: Decimal
    lines: list[Line] = field(default_factory=list)


@dataclass
class Viewer:
    """What the viewer may do, each the policy's answer (None: allowed)."""

    member: TeamMember | None
    change: str | None
    team_scores: str | None
    agree: str | None
    findings: str | None
    sign: str | None

    @property
    def may_change(self) -> bool:
        return self.change is None

    @property
    def sees_team_scores(self) -> bool:
        return self.team_scores is None

    @property
    def may_agree(self) -> bool:
        return self.agree is None

    @property
    def may_record_findings(self) -> bool:
        return self.findings is None

    @property
    def may_sign(self) -> bool:
        return self.sign is None


def _viewer(user, acceptance: Acceptance) -> Viewer:
    member = next((m for m in acceptance.team_members.all() if m.user_id == user.pk), None)
    return Viewer(
        member=member,
        change=policies.cannot_change_acceptance(user, acceptance),
        team_scores=policies.cannot_see_team_scores(user, acceptance),
        agree=policies.cannot_agree_score(user, acceptance),
        findings=policies.cannot_record_findings(user, acceptance),
        sign=policies.cannot_sign_acceptance(user, acceptance),
    )


def _blocks(sheet: AcceptanceSheet, *, agree_forms: dict[int, AgreeForm], may_agree: bool) -> list[Block]:
    blocks = []
    for dimension in sheet.dimensions:
        block = Block(
            dimension.dimension, max_points=dimension.max_points, points=dimension.inspection_points
        )
        for row in dimension.rows:
            line = Line(row, [Mark(m, row.score_of(m.user_id)) for m in sheet.team])
            if may_agree and line.reconciled:
                line.form = agree_forms.get(row.indicator.pk) or _agree_form_for(row)
            block.lines.append(line)
        blocks.append(block)
    return blocks


def _agree_form_for(row: SheetRow) -> AgreeForm:
    initial = {}
    if row.agreed is not None:
        occurred = row.agreed.occurred
        initial = {
            "score": fmt(row.agreed.score),
            "reason": row.agreed.reason,
            "occurred": "" if occurred is None else ("yes" if occurred else "no"),
        }
    return AgreeForm(indicator=row.indicator, initial=initial)


def _page(request: HttpRequest, acceptance: Acceptance, **forms_) -> HttpResponse:
    """The hub (see the module docstring). `forms_` puts a refused form back with what was typed:
    `agree_forms` ({indicator id: form}), `findings_form`, `rectification_form`, `sign_error`.

    Queries: the acceptance with its site, campaign, organizer, branch, committee, signer and
    scheduler; its team with users; the sheet (`acceptance_sheet`: indicators, team, scores,
    agreed scores, survey, self-assessment); its rectification items; the viewer's roles for the
    policies — the same however many indicators or inspectors.
    """
    user = request.user
    viewer = _viewer(user, acceptance)
    sheet = acceptance_sheet(acceptance)
    only_divergent = request.GET.get("only") == ONLY_DIVERGENT
    blocks = _blocks(sheet, agree_forms=forms_.get("agree_forms") or {}, may_agree=viewer.may_agree)
    reconciled = [line for block in blocks for line in block.lines if line.reconciled]
    if only_divergent:
        for block in blocks:
            block.lines = [line for line in block.lines if line.reconciled]
        blocks = [block for block in blocks if block.lines]
    survey = sheet.survey.survey if sheet.survey is not None else None
    if survey is not None:
        survey.site = acceptance.site  # loaded already, with what the survey's policy reads
    signed = acceptance.signed_at is not None
    composite = sheet.composite
    campaign = acceptance.site.campaign
    if signed:
        parts = _parts(campaign, acceptance.self_part, acceptance.public_part, acceptance.inspection_part)
    elif composite is not None:
        parts = _parts(campaign, composite.self_part, composite.public_part, composite.inspection_part)
    else:
        parts = []
    failed = [
        *forms_.get("agree_forms", {}).values(),
        forms_.get("findings_form"),
        forms_.get("rectification_form"),
    ]
    context = {
        "acceptance": acceptance,
        "site": acceptance.site,
        "campaign": campaign,
        "sheet": sheet,
        "viewer": viewer,
        "parts": parts,
        "failed_form": next((form for form in failed if form is not None and form.errors), None),
        "blocks": blocks,
        "reconciled": reconciled,
        "divergent_count": sum(1 for line in reconciled if line.divergent),
        "only_divergent": only_divergent,
        "survey": survey,
        "may_view_survey": survey is not None and policies.cannot_view_survey(user, survey) is None,
        "may_open_survey": not signed
        and sheet.survey is None
        and policies.cannot_open_survey(user, acceptance.site) is None,
        "rectifications": list(acceptance.rectifications.order_by("due_on", "pk")),
        "findings_form": forms_.get("findings_form")
        or FindingsForm(initial={"findings": acceptance.findings}),
        "rectification_form": forms_.get("rectification_form") or _rectification_form(),
        "sign_error": forms_.get("sign_error"),
        "chosen_verdict": forms_.get("chosen_verdict") or (composite.verdicts[0] if composite else ""),
        "verdict_choices": _verdict_choices(composite),
        "report_ready": signed and bool(acceptance.report),
    }
    return render(request, "assessments/acceptance/detail.html", context)


def _verdict_choices(composite) -> list[tuple[str, str]]:
    if composite is None:
        return []
    return [(value, Acceptance.Verdict(value).label) for value in composite.verdicts]


# Scheduling -----------------------------------------------------------------------------------


def _arrangement_page(request: HttpRequest, site: Site, form: ArrangementForm, **extra) -> HttpResponse:
    return render(
        request,
        "assessments/acceptance/arrangement.html",
        {"site": site, "form": form, "inspector_count": form.fields["team"].queryset.count(), **extra},
    )


@login_required
def acceptance_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The 组织部 schedules the visit for a site that asked for acceptance."""
    site = _visible_site(request, pk)
    if reason := policies.cannot_schedule_acceptance(request.user, site):
        raise PermissionDenied(reason)
    pending = Acceptance.objects.filter(site=site, signed_at__isnull=True).first()
    form = ArrangementForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            acceptance = services.schedule_acceptance(
                site=site,
                by=request.user,
                visited_on=data["visited_on"],
                team=list(data["team"]),
                lead=data["lead"],
                margin=data["disagreement_margin"],
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(
                request,
                f"已安排 {acceptance.visited_on:%Y-%m-%d} 现场验收，验收小组成员可在首页看到这项任务。",
            )
            return redirect(_detail_url(acceptance))
    return _arrangement_page(request, site, form, pending=pending)


@login_required
def acceptance_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The 组织部 changes the date, team, lead or margin until someone has submitted scores."""
    acceptance = _visible_acceptance(request, pk)
    if reason := policies.cannot_change_acceptance(request.user, acceptance):
        raise PermissionDenied(reason)
    site = acceptance.site
    if request.method == "POST":
        form = ArrangementForm(request.POST, site=site)
    else:
        form = ArrangementForm(site=site, initial=ArrangementForm.initial_for(acceptance))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_acceptance(
                acceptance=acceptance,
                by=request.user,
                visited_on=data["visited_on"],
                team=list(data["team"]),
                lead=data["lead"],
                margin=data["disagreement_margin"],
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, "验收安排已修改。")
            return redirect(_detail_url(acceptance))
    return _arrangement_page(request, site, form, acceptance=acceptance)


# The hub --------------------------------------------------------------------------------------


@login_required
def acceptance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The acceptance's page for everyone who sees the site; each section as the policies allow."""
    return _page(request, _visible_acceptance(request, pk))


@login_required
@require_POST
def agree_score(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """The lead (or the 组织部) records the agreed score of a divergent item, with the reason."""
    acceptance = _visible_acceptance(request, pk)
    indicator_obj = _indicator_of(acceptance, indicator)
    if reason := policies.cannot_agree_score(request.user, acceptance):
        raise PermissionDenied(reason)
    form = AgreeForm(request.POST, indicator=indicator_obj)
    if form.is_valid():
        data = form.cleaned_data
        try:
            agreed = services.agree_score(
                acceptance=acceptance,
                indicator=indicator_obj,
                by=request.user,
                score=data["score"],
                reason=data["reason"],
                occurred=YES_NO.get(data.get("occurred") or ""),
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, f"已议定第 {indicator_obj.code} 项：{fmt(agreed.score)} 分。")
            return redirect(_detail_url(acceptance, f"agree-{indicator_obj.pk}"))
    return _page(request, acceptance, agree_forms={indicator_obj.pk: form})


@login_required
@require_POST
def findings(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead (or the 组织部) writes the findings (验收意见)."""
    acceptance = _visible_acceptance(request, pk)
    if reason := policies.cannot_record_findings(request.user, acceptance):
        raise PermissionDenied(reason)
    form = FindingsForm(request.POST)
    if form.is_valid():
        try:
            services.record_findings(
                acceptance=acceptance, by=request.user, findings=form.cleaned_data["findings"]
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, "验收意见已保存。")
            return redirect(_detail_url(acceptance, "findings"))
    return _page(request, acceptance, findings_form=form)


@login_required
@require_POST
def rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A rectification item found on site: it joins the site's 整改 loop (督导整改)."""
    acceptance = _visible_acceptance(request, pk)
    if reason := policies.cannot_record_findings(request.user, acceptance):
        raise PermissionDenied(reason)
    form = _rectification_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.raise_acceptance_rectification(
                acceptance=acceptance,
                by=request.user,
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, "整改事项已提出，支部可在“督导整改”中反馈整改情况。")
            return redirect(_detail_url(acceptance, "rectifications"))
    return _page(request, acceptance, rectification_form=form)


# Signing --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation (a dialog with htmx, a page without); POST: the lead signs, once.

    A second press after the first has signed (a double tap, a second tab) lands back on the
    page with the time it was signed, not on an error page.
    """
    acceptance = _visible_acceptance(request, pk)
    if request.method == "GET" and request.GET.get("close"):
        return HttpResponse("")  # the dialog's 取消 with htmx: an empty host closes it
    if reason := policies.cannot_sign_acceptance(request.user, acceptance):
        if request.method == "POST" and acceptance.signed_by_id == request.user.pk:
            messages.info(request, reason)
            return redirect(_detail_url(acceptance, "result"))
        raise PermissionDenied(reason)
    verdict = (request.POST if request.method == "POST" else request.GET).get("verdict", "")
    if request.method == "GET":
        return _confirmation(request, acceptance, verdict)
    try:
        services.sign_acceptance(acceptance=acceptance, by=request.user, verdict=verdict)
    except LifecycleError as error:
        if Acceptance.objects.filter(pk=acceptance.pk, signed_at__isnull=False).exists():
            messages.info(request, " ".join(error.messages))
            return redirect(_detail_url(acceptance, "result"))
        return _page(request, acceptance, sign_error=error.messages, chosen_verdict=verdict)
    label = Acceptance.Verdict(verdict).label
    messages.success(request, f"验收结论已签署：{label}。结果进入公示，验收报告正在生成。")
    return redirect(_detail_url(acceptance, "result"))


def _confirmation(request: HttpRequest, acceptance: Acceptance, verdict: str) -> HttpResponse:
    """What signing will do, to confirm. When the page was out of date (something is missing
    again, or the verdict is no longer allowed), back to the page — with htmx the whole page,
    not into the dialog."""
    sheet = acceptance_sheet(acceptance)
    composite = sheet.composite
    refusal = ""
    if sheet.missing or composite is None:
        refusal = "还不能签署，请先处理“签署前还需”所列事项。"
    elif verdict not in composite.verdicts:
        refusal = "请从列出的验收结论中选择一项。"
    if refusal:
        messages.error(request, refusal)
        url = _detail_url(acceptance, "sign")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "acceptance": acceptance,
        "site": acceptance.site,
        "sheet": sheet,
        "composite": composite,
        "verdict": verdict,
        "verdict_label": Acceptance.Verdict(verdict).label,
        "status_label": Site.Status(VERDICT_STATUS[verdict]).label,
        "campaign": acceptance.site.campaign,
    }
    template = "_sign_dialog" if request.htmx else "sign_confirm"
    return render(request, f"assessments/acceptance/{template}.html", context)
