"""Read-side figures for a campaign's dashboard: one aggregate query per figure.

Every function takes the sites the viewer may see (`Site.objects.visible_to(user)` narrowed to
one campaign) or the user, so a 党委 gets its own part and the 组织部 the whole. None of them
issues a query per site: counts come from subqueries and GROUP BY, lists are sliced.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncMonth

from organizations.models import Organization

from . import policies
from .models import Campaign, Rectification, Site, SiteTransition, WorkItem

# How many items of each list the dashboard shows.
DUE_LIST_LENGTH = 5

S = Site.Status


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of `queryset` (filtered on OuterRef("pk")) as a correlated subquery, 0 when none.

    A subquery per figure keeps the counts independent: joining work items and rectifications
    onto the sites in one GROUP BY would multiply the rows of one by the other.
    """
    counted = queryset.order_by().values("site").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclass
class SiteProgress:
    site: Site
    work_done: int
    work_total: int
    rectifications_open: int
    rectifications_overdue: int

    @property
    def work_percent(self) -> int:
        return round(100 * self.work_done / self.work_total) if self.work_total else 0


def site_progress_rows(sites: QuerySet, *, today: datetime.date) -> QuerySet:
    """The sites with branch and committee and their counts annotated (`as_progress` turns a row
    into a `SiteProgress`), ordered by committee and branch: a queryset to page or slice."""
    work = WorkItem.objects.filter(site=OuterRef("pk"))
    rectifications = Rectification.objects.filter(site=OuterRef("pk"))
    return (
        sites.select_related("organization", "nominated_by")
        .annotate(
            n_work=_count(work),
            n_work_done=_count(work.filter(status=WorkItem.Status.DONE)),
            n_open=_count(rectifications.open()),
            n_overdue=_count(rectifications.overdue(today)),
        )
        .order_by("nominated_by__path", "organization__path")
    )


def as_progress(site: Site) -> SiteProgress:
    return SiteProgress(
        site=site,
        work_done=site.n_work_done,
        work_total=site.n_work,
        rectifications_open=site.n_open,
        rectifications_overdue=site.n_overdue,
    )


def site_progress(sites: QuerySet, *, today: datetime.date) -> list[SiteProgress]:
    """Each site with its branch and committee, work items done / total and open / overdue
    rectifications, ordered by committee and branch. One query."""
    return [as_progress(site) for site in site_progress_rows(sites, today=today)]


def status_counts(sites: QuerySet) -> dict[str, int]:
    """How many of `sites` are in each state, every state present (0 when none). One query."""
    counts = dict.fromkeys(S.values, 0)
    for row in sites.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass
class CommitteeTotals:
    """One 党委's sites in a campaign, added up: what the 组织部's dashboard lists per 党委."""

    committee: Organization
    sites: int = 0
    passed: int = 0
    work_done: int = 0
    work_total: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0

    @property
    def work_percent(self) -> int:
        return round(100 * self.work_done / self.work_total) if self.work_total else 0


def committee_totals(sites: QuerySet, *, today: datetime.date) -> list[CommitteeTotals]:
    """Per nominating 党委: its sites (and how many passed), work items done / total, open and
    overdue rectifications — four GROUP BY queries whatever the number of sites, in tree order."""
    totals: dict[int, CommitteeTotals] = {}
    site_rows = (
        sites.order_by()
        .values("nominated_by")
        .annotate(n=Count("pk"), passed=Count("pk", filter=Q(status=S.PASSED)))
    )
    for row in site_rows:
        totals[row["nominated_by"]] = CommitteeTotals(committee=None, sites=row["n"], passed=row["passed"])
    if not totals:
        return []
    work = (
        WorkItem.objects.filter(site__in=sites.order_by().values("pk"))
        .order_by()
        .values("site__nominated_by")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=WorkItem.Status.DONE)))
    )
    for row in work:
        total = totals[row["site__nominated_by"]]
        total.work_total, total.work_done = row["n"], row["done"]
    rectification_rows = Rectification.objects.filter(site__in=sites.order_by().values("pk"))
    rectifications = (
        rectification_rows.order_by()
        .values("site__nominated_by")
        .annotate(
            open=Count("pk", filter=~Q(status=Rectification.DONE_STATUS)),
            overdue=Count("pk", filter=rectification_rows.overdue_q(today)),
        )
    )
    for row in rectifications:
        total = totals[row["site__nominated_by"]]
        total.rectifications_open, total.rectifications_overdue = row["open"], row["overdue"]
    for committee in Organization.objects.filter(pk__in=totals):
        totals[committee.pk].committee = committee
    return sorted(totals.values(), key=lambda t: t.committee.path)


@dataclass
class DueList:
    """Open items of one kind: how many are overdue / due soon, and the first few of each."""

    overdue_count: int
    soon_count: int
    overdue: list
    soon: list


def _due_list(items: QuerySet, *, today: datetime.date) -> DueList:
    """Three queries: both counts in one aggregate, then the first few overdue and due soon."""
    counts = items.aggregate(
        overdue=Count("pk", filter=items.overdue_q(today)),
        soon=Count("pk", filter=items.due_soon_q(today)),
    )
    return DueList(
        overdue_count=counts["overdue"],
        soon_count=counts["soon"],
        overdue=list(items.overdue(today).order_by("due_on", "pk")[:DUE_LIST_LENGTH]),
        soon=list(items.due_soon(today).order_by("due_on", "pk")[:DUE_LIST_LENGTH]),
    )


def due_work_items(campaign: Campaign, *, user, today: datetime.date) -> DueList:
    """Work items not done, of the sites the user sees and campaign-wide ones."""
    items = WorkItem.objects.visible_to(user).filter(campaign=campaign).select_related("site__organization")
    return _due_list(items, today=today)


def due_rectifications(campaign: Campaign, *, user, today: datetime.date) -> DueList:
    """Rectifications not closed, of the sites the user sees."""
    items = (
        Rectification.objects.visible_to(user)
        .filter(site__campaign=campaign)
        .select_related("site__organization")
    )
    return _due_list(items, today=today)


# The steps the progress chart follows; a site reaches each once (a site asking for acceptance
# again after rectifying does not count again).
MILESTONES = [S.APPROVED, S.ACCEPTANCE_REQUESTED, S.PASSED]


def milestones_by_month(sites: QuerySet) -> dict[str, dict[datetime.date, int]]:
    """For each milestone (APPROVED, ACCEPTANCE_REQUESTED, PASSED): month → sites reaching it.

    One query over the status transitions of `sites`, each site's first into each milestone,
    grouped by month (Beijing time); months are given as their first day.
    """
    earlier = SiteTransition.objects.filter(site=OuterRef("site"), to_status=OuterRef("to_status")).filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        SiteTransition.objects.filter(site__in=sites.values("pk"), to_status__in=MILESTONES)
        .exclude(Exists(earlier))
        .annotate(month=TruncMonth("at"))
        .order_by()
        .values("month", "to_status")
        .annotate(n=Count("site", distinct=True))
    )
    result: dict[str, dict[datetime.date, int]] = {status: {} for status in MILESTONES}
    for row in rows:
        result[row["to_status"]][row["month"].date()] = row["n"]
    return result


@dataclass(frozen=True)
class QuotaUse:
    committee: Organization
    used: int
    full: bool  # the quota rule (`policies.quota_refusal`) lets it nominate no more


def quota_use(campaign: Campaign, committees: list[Organization]) -> list[QuotaUse]:
    """Each committee with the quota places its nominations hold in `campaign` (one query)."""
    used = dict(
        Site.objects.filter(campaign=campaign, nominated_by__in=committees, status__in=Site.HOLDING_STATUSES)
        .order_by()
        .values("nominated_by")
        .annotate(n=Count("pk"))
        .values_list("nominated_by", "n")
    )
    return [
        QuotaUse(c, used.get(c.pk, 0), policies.quota_refusal(campaign, c, used.get(c.pk, 0)) is not None)
        for c in committees
    ]
