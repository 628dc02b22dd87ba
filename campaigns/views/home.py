"""Each role's home page, listing the sites it may see (a site's own pages are in `site`).

Every row comes through `visible_to(user)`; someone else's site and a missing one both answer 404.
The page's query count does not depend on the number of sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.shortcuts import render
from django.utils.http import urlencode

from organizations.models import Organization, Role, held_roles

from ..models import Campaign, Site

SITES_PER_PAGE = 25

# The heading of a user's home page comes from their most senior role.
ROLE_PRECEDENCE = [
    Role.Kind.ORG_DEPARTMENT,
    Role.Kind.COMMITTEE,
    Role.Kind.INSPECTOR,
    Role.Kind.BRANCH_SECRETARY,
]
HEADINGS = {
    Role.Kind.ORG_DEPARTMENT: "示范点总览",
    Role.Kind.COMMITTEE: "本党委申报的示范点",
    Role.Kind.INSPECTOR: "示范点验收",
    Role.Kind.BRANCH_SECRETARY: "本支部的示范点",
}


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class CampaignSummary:
    campaign: Campaign
    total: int
    counts: list[StatusCount] = field(default_factory=list)


def user_roles(user) -> list[Role]:
    """The user's roles with their organizations, most senior first (`held_roles`: one query,
    shared with the policies and scopes the page asks)."""
    roles = list(held_roles(user))
    roles.sort(key=lambda r: (ROLE_PRECEDENCE.index(r.kind), r.organization.path))
    return roles


def _status_counts(rows: dict[str, int]) -> list[StatusCount]:
    return [StatusCount(s.value, s.label, rows[s.value]) for s in Site.Status if rows.get(s.value)]


def _campaign_summaries(user) -> list[CampaignSummary]:
    """For an 组织部: each campaign it runs with its sites counted by status, in one query."""
    per_status = {f"n_{s.value}": Count("sites", filter=Q(sites__status=s.value)) for s in Site.Status}
    organizers = Organization.objects.visible_to(user, role_kind=Role.Kind.ORG_DEPARTMENT)
    campaigns = Campaign.objects.filter(organizer__in=organizers).annotate(
        n_total=Count("sites"), **per_status
    )
    return [
        CampaignSummary(
            campaign=c,
            total=c.n_total,
            counts=_status_counts({s.value: getattr(c, f"n_{s.value}") for s in Site.Status}),
        )
        for c in campaigns
    ]


def _nominated_counts(user) -> tuple[int, list[StatusCount]]:
    """For a 党委: the sites its committees nominated, counted by status, in one query."""
    committees = Organization.objects.visible_to(user, role_kind=Role.Kind.COMMITTEE)
    rows = dict(
        Site.objects.filter(nominated_by__in=committees)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return sum(rows.values()), _status_counts(rows)


# `assessments` depends on `campaigns`, never the reverse: the self-assessment is reached through
# its reverse relation and its state named by value (assessments.models.SelfAssessment.Status).
SELF_ASSESSMENT_SUBMITTED = "SUBMITTED"


def _self_assessments_to_review(user) -> list[Site]:
    """For a 党委: the sites it nominated whose self-assessment awaits its review, in one query."""
    committees = Organization.objects.visible_to(user, role_kind=Role.Kind.COMMITTEE)
    return list(
        Site.objects.visible_to(user)
        .filter(nominated_by__in=committees, self_assessment__status=SELF_ASSESSMENT_SUBMITTED)
        .select_related("organization", "campaign")
        .order_by("self_assessment__submitted_at", "pk")
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def home(request):
    """The sites the user may see, 25 a page, with a summary for each role the user holds.

    Queries: the user's roles; the campaigns with sites in view, for the filter; one aggregate
    per role kind held (组织部: counts per campaign and status; 验收组: sites awaiting acceptance)
    or two (党委: counts by status, self-assessments awaiting review); the page's count and its
    rows (sites with campaign, branch and committee).
    """
    user = request.user
    roles = user_roles(user)
    if not roles and not user.is_superuser:
        return render(request, "campaigns/home.html", {"roles": roles, "unassigned": True})

    by_kind: dict[str, list[Role]] = {}
    for role in roles:
        by_kind.setdefault(role.kind, []).append(role)

    sites = Site.objects.visible_to(user).with_related()
    # Filter choices: only campaigns with a site in view, so no choice leads to an empty list.
    campaigns = list(
        Campaign.objects.visible_to(user).filter(
            Exists(Site.objects.visible_to(user).filter(campaign=OuterRef("pk")))
        )
    )
    campaign_id = _int_or_none(request.GET.get("campaign"))
    selected_campaign = next((c for c in campaigns if c.pk == campaign_id), None)
    if selected_campaign is not None:
        sites = sites.filter(campaign=selected_campaign)
    status = request.GET.get("status")
    selected_status = Site.Status(status) if status in Site.Status.values else None
    if selected_status is not None:
        sites = sites.filter(status=selected_status)

    awaiting = None
    if Role.Kind.INSPECTOR in by_kind:
        awaiting = Site.objects.visible_to(user).filter(status=Site.Status.ACCEPTANCE_REQUESTED).count()
        # Inspectors work down the list from the top: sites awaiting acceptance come first.
        sites = sites.annotate(
            awaiting_first=Case(
                When(status=Site.Status.ACCEPTANCE_REQUESTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("awaiting_first", "-campaign__year", "campaign__name", "campaign_id", "organization__path")

    is_committee = Role.Kind.COMMITTEE in by_kind
    nominated_total, nominated_counts = _nominated_counts(user) if is_committee else (0, [])
    to_review = _self_assessments_to_review(user) if is_committee else []
    page = Paginator(sites, SITES_PER_PAGE).get_page(request.GET.get("page"))
    filters = {}
    if selected_campaign is not None:
        filters["campaign"] = selected_campaign.pk
    if selected_status is not None:
        filters["status"] = selected_status.value
    heading = HEADINGS[roles[0].kind] if roles else "全部示范点"
    return render(
        request,
        "campaigns/home.html",
        {
            "roles": roles,
            "heading": heading,
            "page_obj": page,
            "campaigns": campaigns,
            # With one campaign in sight, naming it on every row is noise: the heading names it.
            "list_campaign": selected_campaign or (campaigns[0] if len(campaigns) == 1 else None),
            "selected_campaign": selected_campaign,
            "selected_status": selected_status,
            "filter_query": urlencode(filters),
            "is_filtered": bool(filters),
            "org_department_roles": by_kind.get(Role.Kind.ORG_DEPARTMENT, []),
            "campaign_summaries": (_campaign_summaries(user) if Role.Kind.ORG_DEPARTMENT in by_kind else []),
            "committee_roles": by_kind.get(Role.Kind.COMMITTEE, []),
            "nominated_total": nominated_total,
            "nominated_counts": nominated_counts,
            "self_assessments_to_review": to_review,
            "secretary_roles": by_kind.get(Role.Kind.BRANCH_SECRETARY, []),
            "inspector_roles": by_kind.get(Role.Kind.INSPECTOR, []),
            "awaiting": awaiting,
        },
    )
