"""`{% site_actions site %}`: the lifecycle actions the viewer may take on a site, and only those.

Each is offered when its policy allows it (the view answers 403 or the service refuses if it is
tried anyway). A committee whose site is ready but whose 总结验收 phase has not begun is told,
in the policy's words, when it may ask for acceptance instead of being offered a button.
"""

from django import template

from .. import policies
from ..models import Site

register = template.Library()


@register.inclusion_tag("campaigns/partials/site_actions.html", takes_context=True)
def site_actions(context, site: Site) -> dict:
    user = context["request"].user
    acceptance_refusal = policies.cannot_request_acceptance(user, site)
    # Only the date stands in the way when the refusal is the phase's own.
    waits = acceptance_refusal is not None and acceptance_refusal == policies.acceptance_not_begun(site)
    return {
        "site": site,
        "csrf_token": context.get("csrf_token"),
        "here": context["request"].get_full_path(),
        "may_decide": policies.cannot_approve(user, site) is None,
        "may_withdraw": policies.cannot_withdraw(user, site) is None,
        "may_request_acceptance": acceptance_refusal is None,
        "acceptance_note": acceptance_refusal if waits else "",
    }
