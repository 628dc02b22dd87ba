"""The inspector's scoring page (现场验收评分), made for a phone in a village without signal.

Each member of the acceptance team scores every indicator on their own: the answer the entry
asks (a score, a level, a count, whether an event occurred, the veto question), the check method
used, a note and an optional photo. The automatic score from the records and the branch's own
self-assessment score are shown as reference. Until the inspector submits, nothing of the other
inspectors' scores reaches the page; afterwards the page is read-only and shows the team's marks
per indicator with their status.

Saving is done by static/js/inspection.js: every change is written to the phone's localStorage
first, then POSTed here with the time it was typed (`entered_at`, the phone's clock), so a queue
sent late never overwrites a later entry (`save_inspector_score`). `save_score` answers JSON to
the script and redirects back to the page for a plain form post (no JavaScript). The service
worker (static/js/inspection-sw.js, served from the site root by `service_worker`) keeps the
page and its static files so that it opens again without signal.

The acceptance comes through `Acceptance.objects.visible_to(user)` (someone else's and a missing
one both answer 404); who may do what is asked of `assessments.policies` (403 with the reason).
"""

from __future__ import annotations

import datetime
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from campaigns.services import LifecycleError
from organizations.uploads import IMAGE_EXTENSIONS, describe_limits

from .. import policies, rules
from ..acceptance_sheet import AcceptanceSheet, SheetRow, acceptance_sheet, team_prefetch
from ..models import Acceptance, CheckMethod, Indicator, InspectorScore, ItemGroup, TeamMember
from ..queries import Entry, campaign_span, computed_points, entry_for
from ..services.acceptance import (
    INSPECTION_FIELDS,
    answered,
    save_inspection_photo,
    save_inspector_score,
    submit_inspection,
)

ANSWER_FIELDS = ("score", "level", "count", "occurred")
SERVICE_WORKER = "js/inspection-sw.js"
# The pages the service worker controls (and may keep for use without signal).
SERVICE_WORKER_SCOPE = "/acceptances/"


# Looking things up ----------------------------------------------------------------------------


def _visible(user, pk: int) -> Acceptance | None:
    """The acceptance if `user` sees it, with its site and team loaded (the policies read them)."""
    return (
        Acceptance.objects.visible_to(user)
        .select_related("site__campaign__organizer", "site__organization", "site__nominated_by")
        .prefetch_related(team_prefetch())
        .filter(pk=pk)
        .first()
    )


def _visible_acceptance(request: HttpRequest, pk: int) -> Acceptance:
    acceptance = _visible(request.user, pk)
    if acceptance is None:
        raise Http404("找不到该现场验收。")
    return acceptance


def _indicator_of(acceptance: Acceptance, pk: int) -> Indicator | None:
    return (
        Indicator.objects.select_related("dimension__framework")
        .filter(pk=pk, dimension__framework__campaign_id=acceptance.site.campaign_id)
        .first()
    )


def _member(user, acceptance: Acceptance) -> TeamMember | None:
    return next((m for m in acceptance.team_members.all() if m.user_id == user.pk), None)


def _page_url(acceptance: Acceptance, anchor: str = "") -> str:
    url = reverse("assessments:inspection_scoring", args=[acceptance.pk])
    return f"{url}#{anchor}" if anchor else url


# What one card shows ---------------------------------------------------------------------------


def _fmt(value) -> str:
    return "" if value is None else rules.fmt(value)


def _values(row: InspectorScore | None) -> dict[str, str]:
    """An inspector's saved answer as the form's fields show it."""
    if row is None:
        return dict.fromkeys(INSPECTION_FIELDS, "")
    return {
        "score": _fmt(row.score),
        "level": row.level,
        "count": _fmt(row.count),
        "occurred": "" if row.occurred is None else ("yes" if row.occurred else "no"),
        "check_method": row.check_method,
        "note": row.note,
    }


def _asked(entry: Entry) -> list[str]:
    """The fields this entry's form posts, in order."""
    return [name for name in ANSWER_FIELDS if name in entry.fields] + ["check_method", "note"]


def _required(entry: Entry) -> list[str]:
    """What must be filled for the item to count as scored (`services.acceptance.answered`)."""
    main = {"score": "score", "level": "level", "count": "count"}.get(entry.kind, "occurred")
    needed = [main]
    if entry.asks_veto and "occurred" not in needed:
        needed.append("occurred")
    return [*needed, "check_method"]


def _method_groups(indicator: Indicator) -> list[tuple[str, list[tuple[str, str]]]]:
    """The check methods to choose from, the framework's own for this item first."""
    labels = {value: str(label) for value, label in CheckMethod.choices}
    own = [(m, labels[m]) for m in dict.fromkeys(indicator.check_methods or []) if m in labels]
    rest = [(m, label) for m, label in labels.items() if m not in dict(own)]
    if not own:
        return [("", rest)]
    return [("本项规定的方式", own), ("其他方式", rest)]


def answer_text(entry: Entry, row: InspectorScore | None) -> str:
    """An inspector's answer in words: "9 分", "较好（3 分）", "2 次（2 分）", "没有（10 分）"."""
    if row is None:
        return "未评分"
    points = f"{_fmt(row.score)} 分" if row.score is not None else ""
    if entry.kind == "level" and row.level:
        text = f"{row.level}（{points}）" if points else row.level
    elif entry.kind == "count" and row.count is not None:
        text = f"{_fmt(row.count)}（{points}）" if points else _fmt(row.count)
    elif entry.kind == "occurred" and row.occurred is not None:
        said = "有" if row.occurred else "没有"
        text = f"{said}（{points}）" if points else said
    elif entry.kind == "veto":
        text = ""
    else:
        text = points
    if entry.asks_veto and row.occurred is not None and entry.kind != "occurred":
        veto = "触及否决情形" if row.occurred else "未触及否决"
        text = f"{text}，{veto}" if text else veto
    return text or "未评分"


@dataclass
class TeamMark:
    member: TeamMember
    score: InspectorScore | None
    entry: Entry

    @property
    def submitted(self) -> bool:
        return self.member.submitted_at is not None

    @property
    def answer(self) -> str:
        return answer_text(self.entry, self.score)


@dataclass
class Card:
    row: SheetRow
    own: InspectorScore | None
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    team: list[TeamMark] | None = None  # None while the viewer may not see the team's marks
    group_name: str = ""  # 二级指标

    @property
    def indicator(self) -> Indicator:
        return self.row.indicator

    @property
    def entry(self) -> Entry:
        return self.row.entry

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.pk}"

    @property
    def shown(self) -> dict[str, str]:
        return {**_values(self.own), **self.typed}

    @property
    def asked(self) -> str:
        return " ".join(_asked(self.entry))

    @property
    def required(self) -> str:
        return " ".join(_required(self.entry))

    @property
    def is_answered(self) -> bool:
        return self.own is not None and bool(self.own.check_method) and answered(self.entry, self.own)

    @property
    def method_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        return _method_groups(self.indicator)

    @property
    def computed(self):
        return self.row.computed

    @property
    def computed_points(self):
        return computed_points(self.row.computed)

    @property
    def entered_at(self) -> str:
        if self.own is None or self.own.entered_at is None:
            return ""
        return self.own.entered_at.isoformat()

    @property
    def error_text(self) -> dict[str, str]:
        return {name: "；".join(messages_) for name, messages_ in self.errors.items()}

    @property
    def answer(self) -> str:
        return answer_text(self.entry, self.own)

    @property
    def photo_url(self) -> str:
        return _photo_url(self.own) if self.own is not None else ""

    @property
    def all_submitted(self) -> bool:
        return bool(self.team) and all(mark.submitted for mark in self.team)


@dataclass
class CardGroup:
    dimension: object
    cards: list[Card]


def _cards(sheet: AcceptanceSheet, user, *, see_team: bool, typed: dict | None) -> list[CardGroup]:
    typed = typed or {}
    campaign_id = sheet.acceptance.site.campaign_id
    group_names = dict(
        ItemGroup.objects.filter(dimension__framework__campaign_id=campaign_id).values_list("pk", "name")
    )
    groups = []
    for block in sheet.dimensions:
        cards = []
        for row in block.rows:
            card = Card(row=row, own=row.score_of(user.pk))
            card.group_name = group_names.get(row.indicator.item_group_id, "")
            if row.indicator.pk in typed:
                card.typed, card.errors = typed[row.indicator.pk]
            if see_team:
                card.team = [
                    TeamMark(member, row.score_of(member.user_id), row.entry) for member in sheet.team
                ]
            cards.append(card)
        groups.append(CardGroup(block.dimension, cards))
    return groups


# The page ------------------------------------------------------------------------------------


def _refused(request: HttpRequest, acceptance: Acceptance, reason: str) -> HttpResponse:
    """403 with the policy's reason, pointing to the acceptance's own page (the 组织部 follows
    the scores there)."""
    return render(
        request,
        "assessments/inspection/refused.html",
        {"acceptance": acceptance, "site": acceptance.site, "reason": reason},
        status=403,
    )


def _page(
    request: HttpRequest,
    acceptance: Acceptance,
    *,
    status: int = 200,
    typed: dict | None = None,
    submit_errors: list[str] | None = None,
) -> HttpResponse:
    user = request.user
    member = _member(user, acceptance)
    score_refusal = policies.cannot_score(user, acceptance)
    see_team = policies.cannot_see_team_scores(user, acceptance) is None
    sheet = acceptance_sheet(acceptance)
    groups = _cards(sheet, user, see_team=see_team, typed=typed)
    cards = [card for group in groups for card in group.cards]
    missing = [card for card in cards if not card.is_answered]
    context = {
        "acceptance": acceptance,
        "site": acceptance.site,
        "member": member,
        "team": sheet.team,
        "groups": groups,
        "total": len(cards),
        "done": len(cards) - len(missing),
        "missing": missing,
        "may_score": score_refusal is None,
        "score_refusal": score_refusal,
        "see_team": see_team,
        "submit_errors": submit_errors or [],
        "photo_limits": describe_limits(IMAGE_EXTENSIONS),
        "photo_accept": ",".join(f".{e}" for e in IMAGE_EXTENSIONS),
        "service_worker_url": reverse("assessments:inspection_service_worker"),
        "service_worker_scope": SERVICE_WORKER_SCOPE,
    }
    return render(request, "assessments/inspection/page.html", context, status=status)


@login_required
def scoring_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspector's scoring sheet; read-only with the team's marks once they have submitted.

    Queries: session and user; the acceptance (site, campaign, organizer, branch) and its team;
    what `acceptance_sheet` reads (the team, every inspector's scores, the agreed scores, the
    self-assessment and its computed figures, the survey); the viewer's roles for the policies —
    the same however many indicators.
    """
    acceptance = _visible_acceptance(request, pk)
    if _member(request.user, acceptance) is None:
        return _refused(request, acceptance, policies.cannot_score(request.user, acceptance) or "")
    return _page(request, acceptance)


# Saving one indicator --------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refuse(request: HttpRequest, status: int, reason: str) -> HttpResponse:
    """A save refused as a whole: JSON to the script, the usual error page to a form post."""
    if _wants_json(request):
        return JsonResponse({"saved": False, "error": reason}, status=status)
    if status == 401:
        return redirect_to_login(request.get_full_path())
    if status == 404:
        raise Http404(reason)
    raise PermissionDenied(reason)


def _entered_at(text: str) -> datetime.datetime | None:
    """The phone's time of typing (ISO 8601); ValueError when it is not a time."""
    text = (text or "").strip()
    if not text:
        return None
    value = parse_datetime(text)
    if value is None:
        raise ValueError(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _photo_url(row: InspectorScore) -> str:
    return reverse("assessments:inspection_photo", args=[row.pk]) if row.photo else ""


@require_POST
def save_score(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """Save what the inspector typed for one indicator (and a photo, when one is sent).

    To the page's script (Accept: application/json) it answers JSON: 200
    `{saved: true, score, answered, entered_at, stale, photo_url}` — `stale` when a later entry
    was already stored, so this one changed nothing; 400 `{saved: false, errors: {field: [..]}}`
    for values that do not fit (the others were saved); 401/403/404 `{saved: false, error}` in
    Chinese. A plain form post is redirected back to the page (or shown again with its errors).
    """
    user = request.user
    if not user.is_authenticated:
        return _refuse(request, 401, "登录已过期，请重新登录。填写的内容保存在本机，登录后自动上传。")
    acceptance = _visible(user, pk)
    indicator_obj = _indicator_of(acceptance, indicator) if acceptance is not None else None
    if indicator_obj is None:
        return _refuse(request, 404, "找不到该验收或考核内容。")
    if reason := policies.cannot_score(user, acceptance):
        return _refuse(request, 403, reason)
    try:
        entered_at = _entered_at(request.POST.get("entered_at", ""))
    except ValueError:
        return JsonResponse({"saved": False, "errors": {"entered_at": ["录入时间格式不对。"]}}, status=400)

    raw = {name: request.POST[name] for name in INSPECTION_FIELDS if name in request.POST}
    photo = request.FILES.get("photo")
    errors: dict[str, list[str]] = {}
    row = None
    try:
        if raw:
            row = save_inspector_score(
                acceptance=acceptance, indicator=indicator_obj, by=user, raw=raw, entered_at=entered_at
            )
    except LifecycleError as refusal:
        return _refuse(request, 403, "；".join(refusal.messages))
    except ValidationError as error:
        errors.update(error.message_dict)
    if photo is not None:
        try:
            row = save_inspection_photo(acceptance=acceptance, indicator=indicator_obj, by=user, file=photo)
        except LifecycleError as refusal:
            return _refuse(request, 403, "；".join(refusal.messages))
        except ValidationError as refusal:
            errors["photo"] = [f"“{photo.name}”未上传：{'；'.join(refusal.messages)}"]
    if row is None or errors:
        row = InspectorScore.objects.filter(
            acceptance=acceptance, inspector=user, indicator=indicator_obj
        ).first()

    if _wants_json(request):
        return _json_answer(acceptance, indicator_obj, row, entered_at, errors)
    if errors:
        messages.error(request, f"{indicator_obj.code} 未能全部保存，请按提示修改。")
        return _page(request, acceptance, status=400, typed={indicator_obj.pk: (raw, errors)})
    messages.success(request, f"已保存 {indicator_obj.code}。")
    return redirect(_page_url(acceptance, f"ind-{indicator_obj.pk}"))


def _json_answer(acceptance, indicator, row: InspectorScore | None, entered_at, errors) -> JsonResponse:
    entry = entry_for(indicator, campaign_span(acceptance.site.campaign))
    stored_at = row.entered_at if row is not None else None
    body = {
        "saved": not errors,
        "score": _fmt(row.score) if row is not None else "",
        "answered": row is not None and bool(row.check_method) and answered(entry, row),
        "entered_at": stored_at.isoformat() if stored_at else "",
        "stale": bool(entered_at and stored_at and stored_at > entered_at),
        "photo_url": _photo_url(row) if row is not None else "",
        "errors": errors,
    }
    return JsonResponse(body, status=400 if errors else 200)


# Submitting ------------------------------------------------------------------------------------


@login_required
@require_POST
def submit_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspector submits their own scores; a refusal lists what is still missing."""
    acceptance = _visible_acceptance(request, pk)
    if reason := policies.cannot_submit_scores(request.user, acceptance):
        raise PermissionDenied(reason)
    if request.POST.get("confirm") != "yes":
        return _page(
            request, acceptance, status=400, submit_errors=["请勾选“提交后本人评分不能再修改”再提交。"]
        )
    try:
        submit_inspection(acceptance=acceptance, by=request.user)
    except LifecycleError as refusal:
        return _page(request, acceptance, status=400, submit_errors=refusal.messages)
    messages.success(request, "已提交本人评分。现在可以看到其他组员已提交的评分。")
    return redirect(_page_url(acceptance))


# A photo ---------------------------------------------------------------------------------------


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo an inspector took: to its inspector, and to whoever may see the team's scores
    (team members after submitting, the organizer's 组织部, everyone in scope after signing)."""
    row = get_object_or_404(
        InspectorScore.objects.visible_to(request.user).select_related(
            "acceptance__site__campaign__organizer", "acceptance__site__organization"
        ),
        pk=pk,
    )
    if not row.photo:
        raise Http404("该评分没有现场照片。")
    reason = (
        None
        if row.inspector_id == request.user.pk
        else policies.cannot_see_team_scores(request.user, row.acceptance)
    )
    if reason:
        raise PermissionDenied(reason)
    try:
        handle = row.photo.open("rb")
    except FileNotFoundError as missing:
        raise Http404("该照片的文件已不存在。") from missing
    content_type = mimetypes.guess_type(row.photo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The service worker ----------------------------------------------------------------------------


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker's script, served from the site root so that it may control the
    scoring pages under /acceptances/ (a worker's scope cannot reach above its own path)."""
    path = finders.find(SERVICE_WORKER)
    if not path:
        raise Http404("找不到离线脚本。")
    response = HttpResponse(Path(path).read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = SERVICE_WORKER_SCOPE
    # The browser checks for a new version on every visit: never an old copy from a cache.
    response["Cache-Control"] = "no-cache"
    return response
