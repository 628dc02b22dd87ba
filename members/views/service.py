"""星级服务 and 帮扶结对: a branch's service records, households, pairings and plaques.

Rows come through `visible_to(request.user)` inside the branch from `branch_for` (404 for
someone else's branch or row and for a missing one). Who may change what is
`members.policies` (`cannot_record_services`, `cannot_verify_services`, `cannot_remove_service`,
`cannot_keep_households`, `cannot_award_plaques`): a visible page whose action the user may not
take answers 403 with the policy's reason and does not offer it. Every write goes through
`members.services.star_service`; a refusal is shown beside the form field it concerns.

Verifying works as a plain form that redirects back to the filtered list; with htmx the list
region (counts, rows, pager) is re-rendered in place. Publishing (公示) is a form of its own in
that region: the verified, not yet published records the filters (党员, 月份, 服务对象) select are
marked as published today, by whoever may verify.

积分 is shown, entered and exported only where the branch's star rule keeps points
(`star_service.uses_points`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Value, When
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from organizations.models import Organization

from .. import policies
from ..forms.service import (
    PUBLISHED_NO,
    PUBLISHED_YES,
    STATUS_CHOICES,
    STATUS_DUPLICATE,
    STATUS_UNVERIFIED,
    STATUS_VERIFIED,
    HouseholdForm,
    PairingForm,
    PlaqueForm,
    ServiceFilterForm,
    ServiceForm,
)
from ..models import Household, Member, Pairing, Plaque, ServiceRecord
from ..queries import duplicates_among, with_duplicate_flag
from ..rules import MAX_PAIRINGS_PER_MEMBER, PAIRING_RULE
from ..services.star_service import (
    DuplicateService,
    award_plaque,
    pair_member,
    publish_services,
    record_service,
    remove_plaque,
    remove_service,
    save_household,
    unpair_member,
    update_service,
    uses_points,
    verify_services,
)
from .branch import branch_for, forbid

PER_PAGE = 25
# Plaques listed in the plan's order (五星级党员示范户 first), not by their codes.
TITLE_ORDER = Case(
    *(When(title=value, then=Value(i)) for i, value in enumerate(Plaque.Title.values)),
    output_field=IntegerField(),
)
# The list's query-string keys kept when coming back to it (filters and page).
LIST_KEYS = (*ServiceFilterForm.FIELDS, "page")


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal beside the field it names (dict errors), else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in error.messages:
            form.add_error(None, message)


# 星级服务 ------------------------------------------------------------------------------------


def _back_query(params) -> str:
    """The list's filters and page from `params`, re-encoded (only the keys the list knows)."""
    return urlencode([(key, params[key]) for key in LIST_KEYS if params.get(key)])


def _service_list_url(branch: Organization, back: str = "") -> str:
    url = reverse("members:service_list", args=[branch.pk])
    return f"{url}?{back}" if back else url


def _filters(request, branch: Organization, params) -> tuple[ServiceFilterForm, dict[str, str]]:
    """The list's filter form for `params` and the valid filters chosen in it.

    Queries: the branch's members, households and months with records (the filter choices).
    """
    user = request.user
    members = list(
        Member.objects.visible_to(user).filter(branch=branch).only("id", "name").order_by("name", "id")
    )
    households = list(
        Household.objects.visible_to(user)
        .filter(branch=branch)
        .only("id", "name", "category")
        .order_by("name", "id")
    )
    records = ServiceRecord.objects.visible_to(user).filter(member__branch=branch)
    months = list(records.dates("served_on", "month", order="DESC"))
    filters = ServiceFilterForm(params, members=members, households=households, months=months)
    return filters, filters.values()


def _selected(records, chosen: dict[str, str]):
    """`records` narrowed to the 党员, 服务对象 and 月份 chosen (not 核实 or 公示 情况)."""
    if "member" in chosen:
        records = records.filter(member_id=chosen["member"])
    if "household" in chosen:
        records = records.filter(household_id=chosen["household"])
    if "month" in chosen:
        year, month = (int(part) for part in chosen["month"].split("-"))
        records = records.filter(served_on__year=year, served_on__month=month)
    return records


PUBLISHABLE = Q(verified_at__isnull=False, published_on__isnull=True)


def _service_list_context(request, branch: Organization, params, *, notice: str = "") -> dict:
    """What the list page and its htmx region show for the filters in `params`.

    The duplicate flag (疑似重复) is asked of the page's rows only (`duplicates_among`, one
    query of index lookups), never of every record of the branch: how many duplicates there
    are in all is known only when the list is filtered to them (the pager's count).

    Queries: the branch's members, households and months with records (the filter choices);
    the summary counts (one aggregate); whether the branch keeps points (its star rule); the
    page's count and rows (member, household and verifier joined); the page's duplicates; the
    role checks of `cannot_verify_services` and `cannot_record_services`, asked once for every
    row; for someone who may verify, how many of the chosen records wait for 公示.
    """
    user = request.user
    filters, chosen = _filters(request, branch, params)
    branch_records = ServiceRecord.objects.visible_to(user).filter(member__branch=branch)

    summary = branch_records.aggregate(
        total=Count("pk"),
        unverified=Count("pk", filter=Q(verified_at__isnull=True)),
        published=Count("pk", filter=Q(published_on__isnull=False)),
    )
    summary["verified"] = summary["total"] - summary["unverified"]
    records = _selected(branch_records, chosen)
    selected = records
    if chosen.get("published") == PUBLISHED_YES:
        records = records.filter(published_on__isnull=False)
    elif chosen.get("published") == PUBLISHED_NO:
        records = records.filter(published_on__isnull=True)
    status = chosen.get("status")
    if status == STATUS_UNVERIFIED:
        records = records.filter(verified_at__isnull=True)
    elif status == STATUS_VERIFIED:
        records = records.filter(verified_at__isnull=False)
    elif status == STATUS_DUPLICATE:
        records = with_duplicate_flag(records).filter(is_duplicate=True)
    records = records.select_related("member", "household", "verified_by").order_by(
        "-served_on", "member__name", "id"
    )
    page_obj = Paginator(records, PER_PAGE).get_page(params.get("page"))
    # None: not counted (only the filtered list knows how many duplicates there are in all).
    summary["duplicates"] = page_obj.paginator.count if status == STATUS_DUPLICATE else None
    twins = duplicates_among(page_obj.object_list)
    filter_query = urlencode(list(chosen.items()))
    page_query = urlencode([*chosen.items(), ("page", page_obj.number)])
    verifying = policies.cannot_verify_services(user, branch)
    recording = policies.cannot_record_services(user, branch)
    for record in page_obj.object_list:
        record.is_duplicate = record.pk in twins
        record.removal_refused = policies.service_removal_refusal(
            record, recording=recording, verifying=verifying
        )
    may_verify = verifying is None
    others = [(key, value) for key, value in chosen.items() if key != "status"]
    return {
        "branch": branch,
        "tab": "services",
        "uses_points": uses_points(branch),
        "publishable": selected.filter(PUBLISHABLE).count() if may_verify else 0,
        "publish_scope": _scope_label(chosen, filters),
        "filters": filters,
        "chosen": chosen,
        "status": status or "",
        "status_links": [
            (value, label, urlencode(others + ([("status", value)] if value else [])))
            for value, label in STATUS_CHOICES
        ],
        "summary": summary,
        "page_obj": page_obj,
        "records": page_obj.object_list,
        "duplicates_on_page": len(twins),
        "pending_on_page": [r.pk for r in page_obj.object_list if r.verified_at is None]
        if may_verify
        else [],
        "filter_query": filter_query,
        "page_query": page_query,
        "may_keep": recording is None,
        "may_verify": may_verify,
        "notice": notice,
    }


@login_required
def service_list(request, branch: int):
    """星级服务: the branch's service records with filters, 25 a page; the secretary verifies."""
    branch = branch_for(request, branch)
    context = _service_list_context(request, branch, request.GET)
    return render(request, "members/service/service_list.html", context)


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@login_required
@require_POST
def service_verify(request, branch: int):
    """Verify the checked records, one record (“核实” on its row) or the page's pending ones."""
    branch = branch_for(request, branch)
    forbid(policies.cannot_verify_services(request.user, branch))
    if request.POST.get("one"):
        ids = _ids([request.POST["one"]])
    elif request.POST.get("scope") == "page":
        ids = _ids(request.POST.getlist("page_record"))
    else:
        ids = _ids(request.POST.getlist("record"))
    back = QueryDict(request.POST.get("back", ""))
    if not ids:
        notice = "请先勾选要核实的记录。"
    else:
        chosen = (
            ServiceRecord.objects.visible_to(request.user)
            .filter(member__branch=branch, pk__in=ids)
            .select_related("member", "household")
        )
        verified = verify_services(branch=branch, by=request.user, records=chosen)
        notice = f"已核实 {len(verified)} 条服务记录，计入星级。" if verified else "所选记录都已核实过。"
    if request.htmx:
        context = _service_list_context(request, branch, back, notice=notice)
        return render(request, "members/service/_services.html", context)
    (messages.success if ids else messages.warning)(request, notice)
    return HttpResponseRedirect(_service_list_url(branch, _back_query(back)))


def _scope_label(chosen: dict[str, str], filters: ServiceFilterForm) -> str:
    """The records a 公示 covers, in words: “2026年5月、张三的” or “全部”."""
    parts = [
        dict(filters.fields[name].choices)[chosen[name]]
        for name in ("month", "member", "household")
        if name in chosen
    ]
    return "、".join(parts) + "的" if parts else "全部"


@login_required
@require_POST
def service_publish(request, branch: int):
    """公示: mark the verified, unpublished records the list's filters select as published today."""
    branch = branch_for(request, branch)
    forbid(policies.cannot_verify_services(request.user, branch))
    back = QueryDict(request.POST.get("back", ""))
    _, chosen = _filters(request, branch, back)
    records = _selected(
        ServiceRecord.objects.visible_to(request.user).filter(member__branch=branch).filter(PUBLISHABLE),
        chosen,
    ).select_related("member", "household")
    published = publish_services(branch=branch, by=request.user, records=records)
    if published:
        day = published[0].published_on
        notice = f"已公示 {len(published)} 条已核实的服务记录，公示日期 {day:%Y-%m-%d}。"
    else:
        notice = "没有待公示的记录：只有已核实、尚未公示的记录才能公示。"
    if request.htmx:
        context = _service_list_context(request, branch, back, notice=notice)
        return render(request, "members/service/_services.html", context)
    (messages.success if published else messages.warning)(request, notice)
    return HttpResponseRedirect(_service_list_url(branch, _back_query(back)))


def _service_form_page(request, branch, form, *, record=None, duplicates=None, back=""):
    return render(
        request,
        "members/service/service_form.html",
        {
            "branch": branch,
            "tab": "services",
            "form": form,
            "record": record,
            "may_verify": policies.cannot_verify_services(request.user, branch) is None,
            "duplicates": duplicates or [],
            "back": back,
            "list_url": _service_list_url(branch, back),
        },
    )


def _confirmed(request) -> bool:
    return request.POST.get("confirm_duplicate") == "1"


@login_required
def service_add(request, branch: int):
    """Record a service; an apparent duplicate is shown and saved only on “仍然保存”.

    “保存并继续录入” comes back to a blank form for the same member and date, for copying a
    paper 服务卡 in one go. `?member=` and `?household=` preselect (links from other pages).
    """
    branch = branch_for(request, branch)
    forbid(policies.cannot_record_services(request.user, branch))
    back = _back_query(request.GET)
    duplicates = None
    points = uses_points(branch)
    if request.method == "POST":
        form = ServiceForm(request.POST, branch=branch, uses_points=points)
        if form.is_valid():
            try:
                record = record_service(
                    branch=branch, by=request.user, confirm_duplicate=_confirmed(request), **form.cleaned_data
                )
            except DuplicateService as duplicate:
                duplicates = duplicate.duplicates
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, f"已记录{record.member.name} {record.served_on:%m月%d日}的服务，待支部书记核实。"
                )
                if "continue" in request.POST:
                    query = urlencode(
                        {"member": record.member_id, "served_on": f"{record.served_on:%Y-%m-%d}"}
                    )
                    return HttpResponseRedirect(f"{reverse('members:service_add', args=[branch.pk])}?{query}")
                return HttpResponseRedirect(_service_list_url(branch, back))
    else:
        initial = {"served_on": timezone.localdate(), "hours": 1}
        for key in ("member", "household", "served_on"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = ServiceForm(initial=initial, branch=branch, uses_points=points)
    return _service_form_page(request, branch, form, duplicates=duplicates, back=back)


def _record_or_404(request, branch: Organization, pk: int) -> ServiceRecord:
    return get_object_or_404(
        ServiceRecord.objects.visible_to(request.user).select_related(
            "member__branch", "household", "verified_by"
        ),
        pk=pk,
        member__branch=branch,
    )


@login_required
def service_edit(request, branch: int, pk: int):
    """Change a service record (a verified one changed by the 党委 goes back to 待核实)."""
    branch = branch_for(request, branch)
    record = _record_or_404(request, branch, pk)
    forbid(policies.cannot_record_services(request.user, branch))
    back = _back_query(request.GET)
    duplicates = None
    points = uses_points(branch)
    if request.method == "POST":
        form = ServiceForm(request.POST, branch=branch, uses_points=points)
        if form.is_valid():
            try:
                update_service(
                    record=record, by=request.user, confirm_duplicate=_confirmed(request), **form.cleaned_data
                )
            except DuplicateService as duplicate:
                duplicates = duplicate.duplicates
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"已保存{record.member.name}的服务记录。")
                return HttpResponseRedirect(_service_list_url(branch, back))
    else:
        form = ServiceForm(
            initial={
                "member": record.member_id,
                "served_on": record.served_on,
                "place": record.place,
                "content": record.content,
                "household": record.household_id,
                "hours": record.hours,
                "feedback": record.feedback,
                "responsible": record.responsible,
                "points": record.points,
            },
            branch=branch,
            uses_points=points,
        )
    return _service_form_page(request, branch, form, record=record, duplicates=duplicates, back=back)


@login_required
def service_remove(request, branch: int, pk: int):
    """Delete a record entered by mistake; a verified one only by the secretary. GET asks first."""
    branch = branch_for(request, branch)
    record = _record_or_404(request, branch, pk)
    forbid(policies.cannot_remove_service(request.user, record))
    back = _back_query(request.GET)
    if request.method == "POST":
        remove_service(record=record, by=request.user)
        messages.success(request, f"已删除{record.member.name} {record.served_on:%m月%d日}的一条服务记录。")
        return HttpResponseRedirect(_service_list_url(branch, back))
    return render(
        request,
        "members/service/confirm.html",
        {
            "branch": branch,
            "tab": "services",
            "title": "删除服务记录",
            "question": f"确定删除{record.member.name} {record.served_on:%Y-%m-%d}“{record.content}”"
            "这条服务记录吗？删除后不能恢复。",
            "action": "删除",
            "cancel_url": _service_list_url(branch, back),
        },
    )


# 帮扶对象与结对 --------------------------------------------------------------------------------


@login_required
def household_list(request, branch: int):
    """帮扶对象 with their needs, contact and paired members; members not yet paired.

    Queries: counts by category (one aggregate); the page's count and rows with their service
    count and last service date; the rows' pairings with members (one prefetch); members with
    no pairing; the role checks of `cannot_keep_households`.
    """
    branch = branch_for(request, branch)
    households = Household.objects.visible_to(request.user).filter(branch=branch)
    by_category = households.aggregate(
        total=Count("pk"),
        **{value: Count("pk", filter=Q(category=value)) for value in Household.Category.values},
    )
    category = request.GET.get("category", "")
    if category not in Household.Category.values:
        category = ""
    rows = households.filter(category=category) if category else households
    rows = (
        rows.annotate(service_count=Count("services"), last_served_on=Max("services__served_on"))
        .prefetch_related(
            Prefetch(
                "pairings", queryset=Pairing.objects.select_related("member").order_by("member__name", "id")
            )
        )
        .order_by("name", "id")
    )
    page_obj = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    unpaired = list(
        Member.objects.visible_to(request.user)
        .filter(branch=branch)
        .exclude(Exists(Pairing.objects.filter(member_id=OuterRef("pk"))))
        .only("id", "name", "is_mobile", "is_lost_contact")
        .order_by("name", "id")
    )
    categories = [(value, label, by_category[value]) for value, label in Household.Category.choices]
    return render(
        request,
        "members/service/household_list.html",
        {
            "branch": branch,
            "tab": "households",
            "section": "households",
            "by_category": by_category,
            "categories": categories,
            "category": category,
            "page_obj": page_obj,
            "households": page_obj.object_list,
            "filter_query": urlencode({"category": category}) if category else "",
            "unpaired": unpaired,
            "max_pairings": MAX_PAIRINGS_PER_MEMBER,
            "pairing_rule": PAIRING_RULE,
            "may_keep": policies.cannot_keep_households(request.user, branch) is None,
        },
    )


def _household_form_page(request, branch, form, household=None):
    return render(
        request,
        "members/service/household_form.html",
        {"branch": branch, "tab": "households", "form": form, "household": household},
    )


@login_required
def household_add(request, branch: int):
    branch = branch_for(request, branch)
    forbid(policies.cannot_keep_households(request.user, branch))
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = save_household(branch=branch, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"已登记帮扶对象：{household}。")
            return HttpResponseRedirect(reverse("members:household_list", args=[branch.pk]))
    return _household_form_page(request, branch, form)


@login_required
def household_edit(request, branch: int, pk: int):
    branch = branch_for(request, branch)
    household = get_object_or_404(Household.objects.visible_to(request.user), pk=pk, branch=branch)
    forbid(policies.cannot_keep_households(request.user, branch))
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        if form.is_valid():
            try:
                save_household(branch=branch, by=request.user, household=household, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"已保存帮扶对象：{household}。")
                return HttpResponseRedirect(reverse("members:household_list", args=[branch.pk]))
    else:
        form = HouseholdForm(initial={name: getattr(household, name) for name in HouseholdForm.base_fields})
    return _household_form_page(request, branch, form, household)


@login_required
def pairing_add(request, branch: int):
    """Pair a member with a household; a member's third pairing is refused with the plan's rule."""
    branch = branch_for(request, branch)
    forbid(policies.cannot_keep_households(request.user, branch))
    if request.method == "POST":
        form = PairingForm(request.POST, branch=branch)
        if form.is_valid():
            try:
                pairing = pair_member(branch=branch, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"已结对：{pairing.member.name} ↔ {pairing.household}。")
                return HttpResponseRedirect(reverse("members:household_list", args=[branch.pk]))
    else:
        initial = {"started_on": timezone.localdate()}
        for key in ("member", "household"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = PairingForm(initial=initial, branch=branch)
    return render(
        request,
        "members/service/pairing_form.html",
        {
            "branch": branch,
            "tab": "households",
            "form": form,
            "max_pairings": MAX_PAIRINGS_PER_MEMBER,
            "pairing_rule": PAIRING_RULE,
        },
    )


@login_required
def pairing_remove(request, branch: int, pk: int):
    """End a pairing (解除结对). GET asks first."""
    branch = branch_for(request, branch)
    pairing = get_object_or_404(
        Pairing.objects.visible_to(request.user).select_related("member__branch", "household"),
        pk=pk,
        member__branch=branch,
    )
    forbid(policies.cannot_keep_households(request.user, branch))
    list_url = reverse("members:household_list", args=[branch.pk])
    if request.method == "POST":
        unpair_member(pairing=pairing, by=request.user)
        messages.success(request, f"已解除结对：{pairing.member.name} ↔ {pairing.household}。")
        return HttpResponseRedirect(list_url)
    return render(
        request,
        "members/service/confirm.html",
        {
            "branch": branch,
            "tab": "households",
            "title": "解除结对",
            "question": f"确定解除{pairing.member.name}与{pairing.household}的结对帮扶吗？",
            "action": "解除结对",
            "cancel_url": list_url,
        },
    )


# 挂牌 --------------------------------------------------------------------------------------


@login_required
def plaque_list(request, branch: int):
    """挂牌: the branch's plaques by year and title, with how each holder was chosen.

    Queries: the years with plaques (the filter); the page's count and rows with their member;
    the role checks of `cannot_award_plaques`.
    """
    branch = branch_for(request, branch)
    plaques = Plaque.objects.visible_to(request.user).filter(member__branch=branch)
    years = list(plaques.order_by("-year").values_list("year", flat=True).distinct())
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else None
    title = request.GET.get("title", "")
    if title not in Plaque.Title.values:
        title = ""
    rows = plaques.select_related("member").order_by("-year", TITLE_ORDER, "member__name", "id")
    if year:
        rows = rows.filter(year=year)
    if title:
        rows = rows.filter(title=title)
    page_obj = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    chosen = [(k, v) for k, v in (("year", year), ("title", title)) if v]
    return render(
        request,
        "members/service/plaque_list.html",
        {
            "branch": branch,
            "tab": "households",
            "section": "plaques",
            "years": years,
            "year": year,
            "title": title,
            "titles": Plaque.Title.choices,
            "year_query": urlencode([("title", title)]) if title else "",
            "title_query": urlencode([("year", year)]) if year else "",
            "page_obj": page_obj,
            "plaques": page_obj.object_list,
            "filter_query": urlencode(chosen),
            "may_keep": policies.cannot_award_plaques(request.user, branch) is None,
        },
    )


@login_required
def plaque_add(request, branch: int):
    """挂牌 a member for a year; the same title twice in a year for one member is refused."""
    branch = branch_for(request, branch)
    forbid(policies.cannot_award_plaques(request.user, branch))
    if request.method == "POST":
        form = PlaqueForm(request.POST, branch=branch)
        if form.is_valid():
            try:
                plaque = award_plaque(branch=branch, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, f"已挂牌：{plaque.year}年度“{plaque.get_title_display()}” {plaque.member.name}。"
                )
                return HttpResponseRedirect(reverse("members:plaque_list", args=[branch.pk]))
    else:
        today = timezone.localdate()
        initial = {"year": today.year, "awarded_on": today}
        if request.GET.get("member"):
            initial["member"] = request.GET["member"]
        form = PlaqueForm(initial=initial, branch=branch)
    return render(
        request, "members/service/plaque_form.html", {"branch": branch, "tab": "households", "form": form}
    )


@login_required
def plaque_remove(request, branch: int, pk: int):
    """撤销挂牌 (one entered by mistake). GET asks first."""
    branch = branch_for(request, branch)
    plaque = get_object_or_404(
        Plaque.objects.visible_to(request.user).select_related("member__branch"), pk=pk, member__branch=branch
    )
    forbid(policies.cannot_award_plaques(request.user, branch))
    list_url = reverse("members:plaque_list", args=[branch.pk])
    if request.method == "POST":
        remove_plaque(plaque=plaque, by=request.user)
        messages.success(
            request, f"已撤销{plaque.member.name}的{plaque.year}年度“{plaque.get_title_display()}”挂牌。"
        )
        return HttpResponseRedirect(list_url)
    return render(
        request,
        "members/service/confirm.html",
        {
            "branch": branch,
            "tab": "households",
            "title": "撤销挂牌",
            "question": f"确定撤销{plaque.member.name}的{plaque.year}年度"
            f"“{plaque.get_title_display()}”挂牌吗？",
            "action": "撤销挂牌",
            "cancel_url": list_url,
        },
    )
