"""The list of campaigns a user takes part in."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render

from .. import policies
from ..models import Campaign, Site

CAMPAIGNS_PER_PAGE = 20


@login_required
def campaign_list(request):
    """Campaigns the user sees, newest first, with how many of their sites each has.

    Queries: whether the user is an 组织部 anywhere (to offer 新建活动), the page count and
    the page's campaigns with their organizer and site counts.
    """
    visible_sites = Site.objects.visible_to(request.user).values("pk")
    campaigns = (
        Campaign.objects.visible_to(request.user)
        .select_related("organizer")
        .annotate(
            n_sites=Count("sites", filter=Q(sites__in=visible_sites), distinct=True),
            n_passed=Count(
                "sites", filter=Q(sites__in=visible_sites, sites__status=Site.Status.PASSED), distinct=True
            ),
        )
        .order_by("-year", "name", "pk")
    )
    page = Paginator(campaigns, CAMPAIGNS_PER_PAGE).get_page(request.GET.get("page"))
    may_create = policies.cannot_create_campaign(request.user) is None
    return render(request, "campaigns/campaign_list.html", {"page_obj": page, "may_create": may_create})
