"""`{% acceptance_panel site %}`: the site page's 群众测评 and 现场验收 panel.

The campaigns app renders the site page and knows nothing of assessments' models; the template
loads this tag, which reads the site's latest survey and acceptances and asks the policies what
the user may do here — open a survey, schedule the visit, score, follow the result in 公示.
Queries: the surveys (1), the acceptances with their teams (2), a role query per action the
site's state allows.
"""

from __future__ import annotations

from django import template
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from assessments import policies
from assessments.models import Acceptance, Survey, TeamMember

register = template.Library()


@register.inclusion_tag("assessments/partials/acceptance_panel.html", takes_context=True)
def acceptance_panel(context, site):
    from assessments.services.publicity import publicity_state

    user = context["request"].user
    today = timezone.localdate()
    surveys = list(
        Survey.objects.filter(site=site).annotate(cast=Count("ballots")).order_by("-opens_on", "-pk")[:3]
    )
    acceptances = list(
        Acceptance.objects.filter(site=site)
        .annotate(unanswered=Count("objections", filter=Q(objections__answered_at__isnull=True)))
        .prefetch_related(
            Prefetch(
                "team_members", queryset=TeamMember.objects.select_related("user").order_by("-is_lead", "id")
            )
        )
        .order_by("-created_at", "-pk")
    )
    current = next((a for a in acceptances if a.signed_at is None), None)
    signed = [a for a in acceptances if a.signed_at is not None]
    mine = None
    if current is not None and getattr(user, "is_authenticated", False):
        mine = next((m for m in current.team_members.all() if m.user_id == user.pk), None)
    shows_panel = bool(surveys or acceptances) or site.status in policies.SURVEY_SITE_STATES
    latest_survey = surveys[0] if surveys else None
    return {
        "site": site,
        "today": today,
        "shows_panel": shows_panel,
        "surveys": surveys,
        "latest_survey": latest_survey,
        "may_view_survey": latest_survey is not None
        and policies.cannot_view_survey(user, latest_survey) is None,
        "may_open_survey": policies.cannot_open_survey(user, site) is None,
        "current": current,
        "mine": mine,
        "may_schedule": current is None and policies.cannot_schedule_acceptance(user, site) is None,
        "signed": [(a, publicity_state(a, today)) for a in signed],
    }


@register.inclusion_tag("assessments/partials/my_acceptances.html", takes_context=True)
def my_acceptances(context):
    """The inspector's home: the unsigned acceptances whose team they are on, soonest first, with
    whether they have submitted their scores (one query)."""
    user = context["request"].user
    assignments = list(
        TeamMember.objects.filter(user_id=user.pk, acceptance__signed_at__isnull=True)
        .select_related("acceptance__site__organization", "acceptance__site__campaign")
        .order_by("acceptance__visited_on", "acceptance_id")
    )
    return {"assignments": assignments, "today": timezone.localdate()}
