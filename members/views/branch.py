"""Which branch's records: the entry page, the lookup every members page uses, and the 403."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from organizations.models import Organization


def branch_for(request, pk: int) -> Organization:
    """The 党支部 `pk` if the user sees it; 404 for someone else's branch or a missing one."""
    return get_object_or_404(Organization.objects.visible_to(request.user).branches(), pk=pk)


def forbid(reason: str | None) -> None:
    """403 with a `members.policies` refusal, when there is one."""
    if reason:
        raise PermissionDenied(reason)


@login_required
def branch_home(request):
    """党员管理: straight to the user's branch when there is one, else a list to choose from."""
    branches = list(Organization.objects.visible_to(request.user).branches().filter(is_active=True))
    if len(branches) == 1:
        return redirect("members:member_list", branch=branches[0].pk)
    return render(request, "members/branch_home.html", {"branches": branches})
