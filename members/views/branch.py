"""Which branch's records: the entry page, the lookup every members page uses, and the 403."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode

from organizations.models import Kind, Organization

BRANCHES_PER_PAGE = 50


def branch_for(request, pk: int) -> Organization:
    """The 党支部 `pk` if the user sees it; 404 for someone else's branch or a missing one."""
    return get_object_or_404(Organization.objects.visible_to(request.user).branches(), pk=pk)


def forbid(reason: str | None) -> None:
    """403 with a `members.policies` refusal, when there is one."""
    if reason:
        raise PermissionDenied(reason)


@login_required
def branch_home(request):
    """党员管理: straight to the user's branch when there is one, else the branches in sight,
    grouped under their 党委, searchable by name and a page at a time.

    Queries (none per branch): the user's roles; the 党委 in sight (the filter); whether there
    is one branch only; the page's count and its branches; the 党委 above the page's branches.
    """
    visible = Organization.objects.visible_to(request.user)
    branches = visible.branches().filter(is_active=True)
    query = request.GET.get("q", "").strip()[:50]
    committees = list(visible.filter(kind=Kind.PARTY_COMMITTEE).order_by("path"))
    selected = next((c for c in committees if str(c.pk) == request.GET.get("committee", "")), None)
    if not query and selected is None:
        first_two = list(branches.order_by("path")[:2])
        if len(first_two) == 1:
            return redirect("members:member_list", branch=first_two[0].pk)
    if selected is not None:
        branches = branches.filter(path__startswith=selected.path)
    if query:
        branches = branches.filter(name__icontains=query)
    page = Paginator(branches.order_by("path"), BRANCHES_PER_PAGE).get_page(request.GET.get("page"))
    ancestors = {path for branch in page.object_list for path in branch.ancestor_paths()}
    above = {c.path: c for c in Organization.objects.filter(kind=Kind.PARTY_COMMITTEE, path__in=ancestors)}

    def committee_of(branch):
        paths = [p for p in branch.ancestor_paths() if p in above]
        return above[paths[-1]] if paths else None

    groups = [(committee, list(rows)) for committee, rows in groupby(page.object_list, key=committee_of)]
    filters = {}
    if query:
        filters["q"] = query
    if selected is not None:
        filters["committee"] = selected.pk
    return render(
        request,
        "members/branch_home.html",
        {
            "page_obj": page,
            "groups": groups,
            "committees": committees,
            "selected_committee": selected,
            "query": query,
            "is_filtered": bool(query or selected),
            "filter_query": urlencode(filters),
        },
    )
