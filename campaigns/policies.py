"""Who may do what in a campaign: one predicate per kind of action.

Services call these before they write (and refuse with a message); views call the same ones
to decide which actions to offer and to answer 403. Seeing an object at all is a matter of
`visible_to(user)` (404 otherwise); these decide what a user who sees it may change.
"""

from __future__ import annotations

from organizations.models import Organization, Role, has_role

from .models import Campaign, Site


def may_create_campaign(user) -> bool:
    """Someone who is 组织部 somewhere may start a campaign (for an organization where they are)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or Role.objects.filter(user_id=user.pk, kind=Role.Kind.ORG_DEPARTMENT).exists()


def may_manage_campaign(user, campaign: Campaign) -> bool:
    """The organizer's 组织部: campaign settings, campaign-wide schedule, decisions, cases.

    The predicate form of `Campaign.objects.managed_by(user)` (a 组织部 role at the organizer
    or above), for one campaign in hand.
    """
    return has_role(user, Role.Kind.ORG_DEPARTMENT, campaign.organizer)


def may_nominate(user, committee: Organization) -> bool:
    return has_role(user, Role.Kind.COMMITTEE, committee)


def may_act_for_committee(user, site: Site) -> bool:
    """The nominating 党委: withdraw, approve the self-assessment, request acceptance."""
    return has_role(user, Role.Kind.COMMITTEE, site.nominated_by)


def may_edit_site(user, site: Site) -> bool:
    """The branch secretary (or its 党委) keeps the site's records while the campaign runs."""
    if site.campaign.status != Campaign.Status.ACTIVE:
        return False
    return has_role(user, Role.Kind.BRANCH_SECRETARY, site.organization) or may_act_for_committee(user, site)


def may_supervise(user, site: Site) -> bool:
    """督导: the 组织部 and the site's own 党委 (the plan: 各党委要加强对…创建工作的指导)."""
    return may_manage_campaign(user, site.campaign) or may_act_for_committee(user, site)
