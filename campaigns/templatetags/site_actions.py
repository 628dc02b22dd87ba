"""`{% site_actions site %}`: the lifecycle actions the viewer may take on a site, and only those.

An action the rules would refuse is not offered (the view answers 403 if it is tried anyway).
A committee whose site is ready but whose 总结验收 phase has not begun is told when it may ask
for acceptance instead of being offered a button the service would refuse.
"""

from django import template
from django.utils import timezone

from .. import policies
from ..models import Campaign, Phase, Site

register = template.Library()
S = Site.Status


@register.inclusion_tag("campaigns/partials/site_actions.html", takes_context=True)
def site_actions(context, site: Site) -> dict:
    user = context["request"].user
    running = site.campaign.status == Campaign.Status.ACTIVE
    decides = running and site.status == S.NOMINATED and policies.may_manage_campaign(user, site.campaign)
    committee = running and policies.may_act_for_committee(user, site)
    ready = committee and site.status in (S.SELF_ASSESSED, S.RECTIFYING)
    acceptance = site.campaign.phase_of_kind(Phase.Kind.ACCEPTANCE) if ready else None
    # The rule is request_acceptance's: from 自评通过 only once 总结验收 has begun.
    waits_for = (
        acceptance
        if site.status == S.SELF_ASSESSED and acceptance and timezone.localdate() < acceptance.starts_on
        else None
    )
    return {
        "site": site,
        "csrf_token": context.get("csrf_token"),
        "here": context["request"].get_full_path(),
        "may_decide": decides,
        "may_withdraw": committee and site.status == S.NOMINATED,
        "may_request_acceptance": ready and waits_for is None,
        "acceptance_phase": waits_for,
    }
