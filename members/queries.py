"""Reads of a branch's records that are not writes: the star board, the duplicate check, who is
expected at a meeting, a person's place on the development pipeline.

Scoping stays with the querysets (`visible_to`, `within`): these take rows or a branch the caller
has already found through them. Each states how many queries it makes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Trim

from organizations.models import Kind, Organization

from .models import Applicant, Meeting, Member, Plaque, ServiceRecord, StarRule
from .stars import (
    DEFAULT_STAR_THRESHOLDS,
    BoardRow,
    Level,
    level_counts,
    rule_sentence,
    rule_summary,
    star_level,
)

# Duplicates and what the stars count ------------------------------------------------------------
#
# Two records of the same member, the same date and the same content (compared trimmed) are taken
# for one service entered twice: saving one asks first (`members.services.star_service`), the list
# marks every row of such a group, and the stars count a group once however many of its rows are
# verified (`members.stars.counted_key`).


def with_duplicate_flag(records: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    """Annotate `is_duplicate`: another record of the same member, date and trimmed content exists.

    One EXISTS subquery in the list's own query, so the flag costs no extra query per row.
    """
    twins = (
        ServiceRecord.objects.annotate(content_key=Trim("content"))
        .filter(
            member_id=OuterRef("member_id"),
            served_on=OuterRef("served_on"),
            content_key=Trim(OuterRef("content")),
        )
        .exclude(pk=OuterRef("pk"))
    )
    return records.annotate(is_duplicate=Exists(twins))


def find_duplicates(
    *, member: Member, served_on: datetime.date, content: str, exclude: ServiceRecord | None = None
) -> list[ServiceRecord]:
    """The member's records on `served_on` with the same content, compared trimmed. One query."""
    records = (
        ServiceRecord.objects.filter(member=member, served_on=served_on)
        .annotate(content_key=Trim("content"))
        .filter(content_key=content.strip())
        .select_related("verified_by")
        .order_by("id")
    )
    if exclude is not None and exclude.pk:
        records = records.exclude(pk=exclude.pk)
    return list(records)


def counted_service_key(prefix: str = "") -> Concat:
    """The expression the star board counts distinct, per member: date and trimmed content.

    Only verified records count (`verified_at` set — not `verified_by`, which is emptied when the
    verifier's account is deleted), and a duplicate group verified more than once counts once:

        Member.objects.annotate(services_counted=Count(
            counted_service_key("services__"), distinct=True,
            filter=Q(services__verified_at__isnull=False, services__served_on__year=year)))

    The member is the row being grouped, so (member, served_on, content) is distinct.
    """
    return Concat(
        Cast(f"{prefix}served_on", CharField()),
        Value("|"),
        Trim(f"{prefix}content"),
        output_field=CharField(),
    )


# The star board (评“星”) ------------------------------------------------------------------------


def nearest_star_rule(branch: Organization) -> StarRule | None:
    """The StarRule of `branch` or of its nearest ancestor that has one, in one query."""
    return (
        StarRule.objects.filter(organization__path__in=branch.ancestor_paths())
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )


def rule_for(branch: Organization) -> tuple[int, ...]:
    """The thresholds in force for `branch`: the nearest StarRule up the tree, else the default."""
    rule = nearest_star_rule(branch)
    return rule.thresholds if rule is not None else DEFAULT_STAR_THRESHOLDS


def yearly_board(
    branch: Organization,
    year: int,
    rule: Sequence[int] | None = None,
    *,
    group: Organization | None = None,
) -> list[BoardRow]:
    """Every member of `branch` (or of its 党小组 `group`) with the year's services and stars.

    What counts: services the secretary has verified (`verified_at` set) and served within
    `year`. An apparent duplicate — the same member, date and content entered twice — counts
    once even if both entries were verified: a member's count is the number of distinct
    (served_on, trimmed content) pairs (`counted_service_key`). Members whose 党籍 is suspended
    (停止党籍) are left off; a member without a counted service is on the board with 0.

    One aggregate query whatever the number of members (two when `rule` is not given and
    the branch's rule has to be looked up). Sorted by stars, then count, then name.
    """
    thresholds = tuple(rule) if rule is not None else rule_for(branch)
    # A correlated subquery rather than LEFT JOIN + GROUP BY over every member's rows: it reads
    # each member's services through the member index and needs no grouping of the outer rows.
    # tests/bench/test_star_board.py times both: half the join's time on SQLite, about the same
    # on PostgreSQL.
    counted = (
        ServiceRecord.objects.filter(member=OuterRef("pk"), verified_at__isnull=False, served_on__year=year)
        .order_by()
        .values("member")
        .annotate(n=Count(counted_service_key(), distinct=True))
        .values("n")
    )
    members = Member.objects.filter(branch=branch).exclude(party_standing=Member.Standing.SUSPENDED)
    if group is not None:
        members = members.filter(group=group)
    rows = (
        members.annotate(service_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        .order_by("-service_count", "name", "pk")
        .values_list("pk", "name", "group__name", "service_count")
    )
    return [
        BoardRow(
            member_id=pk,
            name=name,
            group_name=group_name or "",
            services=count,
            stars=star_level(count, thresholds),
        )
        for pk, name, group_name, count in rows
    ]


@dataclass(frozen=True, slots=True)
class PlaqueBoard:
    """The plaques hanging in `year`: those awarded for `year`, else for the latest year before it
    (挂牌 happens at the year's end, so all year long last year's plaques are the ones up)."""

    year: int | None
    by_title: list[tuple[str, list[Plaque]]]


def plaques_on_display(branch: Organization, year: int) -> PlaqueBoard:
    """The branch's plaques of `year` or of the latest earlier year that has any, in one query.

    Each plaque comes with its member's name only (`member__name`); nothing else of the member
    is loaded, since the public board shows this.
    """
    of_branch = Plaque.objects.filter(member__branch=branch)
    latest_year = of_branch.filter(year__lte=year).order_by("-year").values("year")[:1]
    plaques = list(
        of_branch.filter(year=Subquery(latest_year))
        .select_related("member")
        .only("title", "method", "year", "awarded_on", "member__name")
        .order_by("member__name", "pk")
    )
    by_title = [
        (label, [p for p in plaques if p.title == value])
        for value, label in Plaque.Title.choices
        if any(p.title == value for p in plaques)
    ]
    return PlaqueBoard(year=plaques[0].year if plaques else None, by_title=by_title)


@dataclass(frozen=True, slots=True)
class Board:
    """Everything the star board, the public page and the poster show for one branch and year."""

    year: int
    rule: tuple[int, ...]
    rule_source: Organization | None
    rows: list[BoardRow]
    levels: list[Level]
    plaques: PlaqueBoard

    @property
    def summary(self) -> str:
        return rule_summary(self.rule)

    @property
    def sentence(self) -> str:
        return rule_sentence(self.rule)

    @property
    def starred(self) -> int:
        return sum(1 for row in self.rows if row.stars)

    @property
    def services(self) -> int:
        return sum(row.services for row in self.rows)


def load_board(branch: Organization, year: int, *, group: Organization | None = None) -> Board:
    """The year's board for `branch` in three queries: the rule, the board, the plaques."""
    star_rule = nearest_star_rule(branch)
    rule = star_rule.thresholds if star_rule is not None else DEFAULT_STAR_THRESHOLDS
    rows = yearly_board(branch, year, rule, group=group)
    return Board(
        year=year,
        rule=rule,
        rule_source=star_rule.organization if star_rule is not None else None,
        rows=rows,
        levels=level_counts(rows),
        plaques=plaques_on_display(branch, year),
    )


def service_years(branch: Organization) -> list[int]:
    """Years in which the branch has any service record, newest first, in one query."""
    days = ServiceRecord.objects.filter(member__branch=branch).dates("served_on", "year", order="DESC")
    return [day.year for day in days]


# Meetings ---------------------------------------------------------------------------------------


def branch_of(organization: Organization) -> Organization:
    """The 党支部 an organization is, or sits in (a 党小组's branch): one query for a group."""
    if organization.kind == Kind.BRANCH:
        return organization
    branch = organization.nearest(Kind.BRANCH)
    if branch is None:
        raise ValueError(f"{organization} 不属于任何党支部。")
    return branch


def expected_members(meeting: Meeting) -> QuerySet[Member]:
    """Who is 应到 at `meeting`: the members of the 党小组 holding it, or of the branch.

    Members whose 党籍 is suspended (停止党籍) do not take part in party life, and members who
    joined after the meeting could not have attended; both are left off. Ordered by 党小组 and
    name (members without a 党小组 last), as the sheet lists them.
    """
    organization = meeting.organization
    members = Member.objects.exclude(party_standing=Member.Standing.SUSPENDED).filter(
        Q(joined_on__isnull=True) | Q(joined_on__lte=meeting.held_on)
    )
    if organization.kind == Kind.GROUP:
        members = members.filter(group=organization)
    else:
        members = members.filter(branch=organization)
    return members.order_by(F("group__path").asc(nulls_last=True), "name", "pk")


# Development ------------------------------------------------------------------------------------


def history_of(applicant: Applicant) -> dict[str, datetime.date]:
    """Stage → date reached, from the applicant's stages (prefetched: no query; else one)."""
    return {s.stage: s.reached_on for s in applicant.stages.all()}
