"""群众测评 pages: the 组织部 opens a survey for a site, prints its QR codes, follows the rate as
ballots come in and may end it early; residents vote on a public page without login.

The 组织部's pages find the site or survey through `visible_to(user)` (someone else's and a missing
one both answer 404) and ask `assessments.policies` (403 with the reason). The public pages —
the hand-code entry and the ballot — need no login, show the site's name and the survey's title
and period only, and are rate-limited per client address (`config.ratelimit`). A ballot stores
the choice and the optional comment, nothing about who cast it.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigns.models import Site
from config.ratelimit import rate_limited

from .. import policies, surveys
from ..forms import DATE_FORMATS
from ..models import MAX_BALLOTS, Ballot, Survey
from ..services.survey import COMMENT_MAX, cast_ballot, close_survey, find_token, open_survey

COMMENTS_PER_PAGE = 20
# Requests a minute per client address. Generous: a village hall's Wi-Fi or a carrier's shared
# address puts many residents behind one address, and each vote is two or three requests; guessing
# a 128-bit token or one of 31⁸ hand codes gets nowhere at any of these rates.
BALLOT_PER_MINUTE = 60
ENTRY_PER_MINUTE = 30
SURVEY_RELATED = (
    "site__campaign__organizer",
    "site__organization",
    "site__nominated_by",
    "closed_by",
)


# Forms -----------------------------------------------------------------------------------------


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"required": f"请填写{label}。", "invalid": "请填写有效日期，如 2026-05-18。"},
    )


class SurveyForm(forms.Form):
    title = forms.CharField(
        label="测评名称",
        max_length=Survey._meta.get_field("title").max_length,
        initial="群众满意度测评",
        error_messages={"required": "请填写测评名称。"},
    )
    opens_on = _date_field("开始日期")
    closes_on = _date_field("截止日期")
    ballot_count = forms.IntegerField(
        label="发放票数",
        min_value=1,
        max_value=MAX_BALLOTS,
        help_text=(
            f"生成的一次性二维码数量（每张可投一票），最多 {MAX_BALLOTS} 张；"
            "一般按走访户数或群众代表人数确定。"
        ),
        error_messages={
            "required": "请填写发放票数。",
            "invalid": "发放票数须为整数。",
            "min_value": "发放票数至少 1 张。",
            "max_value": f"发放票数最多 {MAX_BALLOTS} 张。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].help_text = "截止日当天仍可投票；需要时可提前结束。"


class BallotForm(forms.Form):
    choice = forms.ChoiceField(
        label="您对本支部党建示范点创建工作的总体评价",
        choices=Ballot.Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择“满意”“基本满意”或“不满意”。"},
    )
    comment = forms.CharField(
        label="意见建议（选填）",
        required=False,
        max_length=COMMENT_MAX,
        help_text=f"最多 {COMMENT_MAX} 字。不必留姓名、电话等个人信息。",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
        error_messages={"max_length": f"意见建议最多 {COMMENT_MAX} 字。"},
    )


class EntryForm(forms.Form):
    code = forms.CharField(
        label="手输码",
        max_length=40,
        help_text="印在二维码下方的 8 位字母和数字，如 ABCD-EFGH，大小写均可。",
        error_messages={"required": "请输入手输码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


def _refused(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: keyed errors beside their fields, a reason at the top."""
    form.add_error(None, error)


# The 组织部's pages ----------------------------------------------------------------------------


def _visible_survey(request: HttpRequest, pk: int, policy=policies.cannot_view_survey) -> Survey:
    survey = get_object_or_404(Survey.objects.visible_to(request.user).select_related(*SURVEY_RELATED), pk=pk)
    if reason := policy(request.user, survey):
        raise PermissionDenied(reason)
    return survey


def _state(survey: Survey, today) -> tuple[str, str]:
    """(key, label) of where the survey stands today."""
    if survey.closed_at is not None:
        return "closed", "已提前结束"
    if today > survey.closes_on:
        return "ended", "已结束"
    if today < survey.opens_on:
        return "waiting", "未开始"
    return "open", "进行中"


def _figures_context(survey: Survey) -> dict:
    today = timezone.localdate()
    state, state_label = _state(survey, today)
    return {
        "survey": survey,
        "result": surveys.survey_result(survey),
        "state": state,
        "state_label": state_label,
        "polling": state in ("open", "waiting"),
        "updated_at": timezone.localtime(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The 组织部 opens a survey of a site: title, period and the number of ballots."""
    site = get_object_or_404(
        Site.objects.visible_to(request.user).with_related().select_related("campaign__organizer"), pk=pk
    )
    if reason := policies.cannot_open_survey(request.user, site):
        raise PermissionDenied(reason)
    if request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                survey = open_survey(site=site, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(
                    request,
                    f"已发起“{survey.title}”，生成 {survey.ballot_count} 张测评票。请打印二维码发放。",
                )
                return redirect("assessments:survey_detail", survey.pk)
    else:
        form = SurveyForm(initial={"opens_on": timezone.localdate()})
    earlier = list(Survey.objects.filter(site=site).order_by("-opens_on", "-pk")[:10])
    return render(request, "assessments/survey/open.html", {"site": site, "form": form, "earlier": earlier})


@login_required
@require_safe
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The live figures, the comments (newest first, paged) and the steps: print, end early.

    Queries: the survey with its site; the viewer's role (view, close); the ballots' counts;
    the comments' count and page — the same however many ballots.
    """
    survey = _visible_survey(request, pk)
    close_refusal = policies.cannot_close_survey(request.user, survey)
    comments = Ballot.objects.filter(survey=survey).exclude(comment="").order_by("-cast_at", "-pk")
    page = Paginator(comments.only("choice", "comment", "cast_at"), COMMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessments/survey/detail.html",
        {
            **_figures_context(survey),
            "site": survey.site,
            "may_close": close_refusal is None,
            "page_obj": page,
            "entry_address": surveys.entry_address(settings.SITE_URL),
            "sheet_parts": surveys.sheet_parts(survey),
        },
    )


@login_required
@require_safe
def survey_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The figures alone, for htmx to poll while the survey runs."""
    survey = _visible_survey(request, pk)
    return render(request, "assessments/survey/_figures.html", _figures_context(survey))


@login_required
@require_safe
def survey_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR sheet to print: twelve ballots an A4 page, each with its hand code; a large survey
    in parts of 240 ballots, `?part=2` for the second (`surveys.sheet_parts`)."""
    survey = _visible_survey(request, pk)
    parts = surveys.sheet_parts(survey)
    try:
        number = int(request.GET.get("part", "1"))
    except ValueError:
        number = 0
    if not 1 <= number <= len(parts):
        raise Http404("没有这一部分测评二维码。")
    first, last = parts[number - 1]
    # The QR codes must open on residents' phones: the public address, not this request's host.
    pdf = surveys.render_sheet(survey, settings.SITE_URL, part=(first, last))
    name = survey.site.organization.name
    filename = f"测评二维码-{name}.pdf" if len(parts) == 1 else f"测评二维码-{name}-第{first}-{last}张.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    return response


@login_required
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk, policies.cannot_close_survey)
    try:
        close_survey(survey=survey, by=request.user)
    except ValidationError as refused:  # ended meanwhile
        messages.error(request, refused.messages[0])
        return redirect("assessments:survey_detail", survey.pk)
    messages.success(request, f"“{survey.title}”已结束，不再接收投票。")
    return redirect("assessments:survey_detail", survey.pk)


# The public pages ------------------------------------------------------------------------------


def _public(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"assessments/survey/{template}", context, status=status)
    # A ballot page is one person's: no shared cache keeps it, no search engine lists it.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
@rate_limited("ballot-entry", ENTRY_PER_MINUTE)
def ballot_entry(request: HttpRequest) -> HttpResponse:
    """For a resident without a camera: type the hand code, go to the ballot."""
    form = EntryForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        token = find_token(form.cleaned_data["code"])
        if token is not None:
            return redirect("assessments:ballot", token.token)
        form.add_error("code", "没有找到这个手输码，请核对后重新输入。手输码里没有数字 0、1 和字母 O、I、L。")
    return _public(request, "entry.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("ballot", BALLOT_PER_MINUTE)
def ballot(request: HttpRequest, token: str) -> HttpResponse:
    """One token's ballot: 满意 / 基本满意 / 不满意 and a comment, once.

    Unknown token: 404. Used token or ended survey: 410 with the reason; not yet open: 200 with
    the day it opens. After voting the page redirects to itself with `?done=1`, which thanks.
    """
    found = find_token(token)
    if found is None:
        return _public(
            request, "message.html", {"reason": policies.cannot_cast_ballot(None, None), "unknown": True}, 404
        )
    survey = found.survey
    context = {"survey": survey, "site": survey.site}
    if request.GET.get("done") and found.has_ballot:
        return _public(request, "thanks.html", context)
    if reason := policies.cannot_cast_ballot(survey, found):
        gone = found.has_ballot or survey.has_ended(timezone.localdate())
        return _public(request, "message.html", {**context, "reason": reason}, 410 if gone else 200)
    form = BallotForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            cast_ballot(token=found.token, **form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # refused: used meanwhile, or the survey ended
                return _public(request, "message.html", {**context, "reason": error.messages[0]}, 410)
            _refused(form, error)
        else:
            return redirect(f"{reverse('assessments:ballot', args=[found.token])}?done=1")
    return _public(request, "ballot.html", {**context, "form": form, "token": found})
