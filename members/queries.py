"""Reads of a branch's records that are not writes: the star board, the duplicate check, who is
expected at a meeting and who is on its attendance sheet, the meetings' figures, a person's place
on the development pipeline.

Scoping stays with the querysets (`visible_to`, `within`): these take rows or a branch the caller
has already found through them. Each states how many queries it makes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat, Trim

from organizations.models import Kind, Organization

from .models import Applicant, Attendance, Meeting, MeetingPhoto, Member, Plaque, ServiceRecord, StarRule
from .stars import (
    DEFAULT_STAR_THRESHOLDS,
    BoardRow,
    Level,
    level_counts,
    rule_sentence,
    rule_summary,
    star_scale,
)


class CountOf(Subquery):
    """How many rows a queryset returns, as a scalar subquery (correlated through `OuterRef` or
    not): `SELECT COUNT(*) FROM (…)`. Counts what a plain `Count` cannot in one expression, such
    as distinct pairs of columns."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, **extra) -> None:
        # Order means nothing to a count (and a model's default ordering may add a join).
        super().__init__(queryset.order_by(), **extra)


# Duplicates and what the stars count ------------------------------------------------------------
#
# Two records of the same member, the same date and the same content (compared trimmed) are taken
# for one service entered twice: saving one asks first (`members.services.star_service`), the list
# marks every row of such a group, and the stars count a group once however many of its rows are
# verified (`members.stars.counted_key`).


def with_duplicate_flag(records: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    """Annotate `is_duplicate`: another record of the same member, date and trimmed content exists.

    An EXISTS per row, each an index lookup on (member, served_on): ask it of a page's records
    (`duplicates_among`), or to filter, never to count a whole branch's records.
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


def duplicates_among(records: list[ServiceRecord]) -> set[int]:
    """The ids of those of `records` (a page of the list) that have a twin, in one query."""
    if not records:
        return set()
    flagged = with_duplicate_flag(ServiceRecord.objects.filter(pk__in=[r.pk for r in records]))
    return set(flagged.filter(is_duplicate=True).order_by().values_list("pk", flat=True))


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
    """What the star board counts distinct per member — date and trimmed content — as one text
    expression, for a query that has to count it through a join (the board itself counts the
    distinct pairs of columns, `yearly_board`, which needs no text built per row).

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
    # Per member, a correlated COUNT over the distinct (served_on, trimmed content) pairs of the
    # year's verified records: each an index-only range scan of the ServiceRecord index on
    # (member, served_on, verified_at, content) (migration 0008), so the rows of other years
    # and other branches are never read. Distinct columns rather than COUNT(DISTINCT served_on
    # || '|' || content): no text is built per row, which made the board 2.3× the bare GROUP BY
    # (tests/bench/test_star_board.py).
    counted = (
        ServiceRecord.objects.filter(member=OuterRef("pk"), verified_at__isnull=False, served_on__year=year)
        .order_by()
        .values("served_on", content_key=Trim("content"))
        .distinct()
    )
    members = Member.objects.filter(branch=branch).exclude(party_standing=Member.Standing.SUSPENDED)
    if group is not None:
        members = members.filter(group=group)
    rows = (
        members.annotate(service_count=CountOf(counted))
        .order_by("-service_count", "name", "pk")
        .values_list("pk", "name", "group__name", "service_count")
    )
    stars = star_scale(thresholds)
    return [BoardRow(pk, name, group_name or "", count, stars(count)) for pk, name, group_name, count in rows]


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
    """The years from the branch's first service record to its latest, newest first, in one query.

    Each member's first and latest day are one index probe apiece (the ServiceRecord index on
    member and served_on), so the query reads two entries per member however many years of
    records the branch keeps — not every record, as a DISTINCT over the years would.
    """
    days = ServiceRecord.objects.filter(member=OuterRef("pk")).values("served_on")
    span = Member.objects.filter(branch=branch).aggregate(
        first=Min(Subquery(days.order_by("served_on")[:1])),
        last=Max(Subquery(days.order_by("-served_on")[:1])),
    )
    if span["first"] is None:
        return []
    return list(range(span["last"].year, span["first"].year - 1, -1))


# Meetings ---------------------------------------------------------------------------------------


def branch_of(organization: Organization) -> Organization:
    """The 党支部 an organization is, or sits in (a 党小组's branch): one query for a group."""
    if organization.kind == Kind.BRANCH:
        return organization
    branch = organization.nearest(Kind.BRANCH)
    if branch is None:
        raise ValueError(f"{organization} 不属于任何党支部。")
    return branch


def expected_q(meeting: Meeting) -> Q:
    """The condition on Member of being 应到 at `meeting` (`expected_members`), for a filter or
    a per-row flag."""
    organization = meeting.organization
    holders = Q(group=organization) if organization.kind == Kind.GROUP else Q(branch=organization)
    return (
        holders
        & ~Q(party_standing=Member.Standing.SUSPENDED)
        & (Q(joined_on__isnull=True) | Q(joined_on__lte=meeting.held_on))
    )


def expected_members(meeting: Meeting) -> QuerySet[Member]:
    """Who is 应到 at `meeting`: the members of the 党小组 holding it, or of the branch.

    Members whose 党籍 is suspended (停止党籍) do not take part in party life, and members who
    joined after the meeting could not have attended; both are left off. Ordered by 党小组 and
    name (members without a 党小组 last), as the sheet lists them.
    """
    return Member.objects.filter(expected_q(meeting)).order_by(
        F("group__path").asc(nulls_last=True), "name", "pk"
    )


def on_sheet(meeting: Meeting) -> QuerySet[Member]:
    """Who is on the meeting's attendance sheet: those expected and anyone already marked (a
    member marked once and since moved out of the branch or 党小组 stays on it).

    The ids are a UNION of the two, each read through its own index (members by branch or
    党小组, marks by meeting): an OR of the two conditions would make the database read every
    member of the city.
    """
    ids = (
        Member.objects.filter(expected_q(meeting))
        .order_by()
        .values("pk")
        .union(Attendance.objects.filter(meeting=meeting).order_by().values("member_id"))
    )
    return Member.objects.filter(pk__in=ids)


# How the sheet's address (`?group=`) names the members without a 党小组.
NO_GROUP = "none"


@dataclass(frozen=True, slots=True)
class SheetGroup:
    """One 党小组's part of an attendance sheet (`group_id` None: members without a 党小组)."""

    group_id: int | None
    name: str
    members: int  # on the sheet
    present: int
    absent: int
    excused: int

    @property
    def marked(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def unmarked(self) -> int:
        return self.members - self.marked

    @property
    def key(self) -> str:
        """How the sheet's address names the group (`?group=`)."""
        return str(self.group_id) if self.group_id is not None else NO_GROUP


def _mark(meeting: Meeting) -> FilteredRelation:
    """The member's mark at `meeting`, as a LEFT JOIN on the (meeting, member) unique index."""
    return FilteredRelation("attendances", condition=Q(attendances__meeting=meeting))


def sheet_groups(meeting: Meeting) -> list[SheetGroup]:
    """The sheet's 党小组 in tree order (members without one last), each with how many of its
    members are on the sheet and how they were marked. One query whatever the sheet's size."""
    status = Attendance.Status
    rows = (
        on_sheet(meeting)
        .alias(mark=_mark(meeting))
        .values("group_id", "group__name", "group__path")
        .annotate(
            members=Count("pk"),
            present=Count("pk", filter=Q(mark__status=status.PRESENT)),
            absent=Count("pk", filter=Q(mark__status=status.ABSENT)),
            excused=Count("pk", filter=Q(mark__status=status.EXCUSED)),
        )
        .order_by(F("group__path").asc(nulls_last=True))
    )
    return [
        SheetGroup(
            group_id=row["group_id"],
            name=row["group__name"] or "未编入党小组",
            members=row["members"],
            present=row["present"],
            absent=row["absent"],
            excused=row["excused"],
        )
        for row in rows
    ]


def sheet_lines(meeting: Meeting, *, group: SheetGroup | None = None) -> QuerySet[Member]:
    """The sheet's members — of `group` only when given, else all of them — in the sheet's
    order, each with `mark_status` and `mark_reason` (None / "" when not marked) and
    `is_expected`; slice it for a page. One query."""
    lines = on_sheet(meeting)
    if group is not None:
        grouped = group.group_id is not None
        lines = lines.filter(group_id=group.group_id) if grouped else lines.filter(group__isnull=True)
    return (
        lines.alias(mark=_mark(meeting))
        .annotate(
            mark_status=F("mark__status"),
            mark_reason=F("mark__reason"),
            is_expected=ExpressionWrapper(expected_q(meeting), output_field=BooleanField()),
        )
        .select_related("group")
        .order_by(F("group__path").asc(nulls_last=True), "name", "pk")
    )


@dataclass(frozen=True, slots=True)
class MeetingFigures:
    """A meeting's saved sheet in numbers, and its photos."""

    present: int = 0
    absent: int = 0
    excused: int = 0
    photos: int = 0

    @property
    def marked(self) -> int:
        return self.present + self.absent + self.excused


def meeting_figures(meeting_ids: Sequence[int]) -> dict[int, MeetingFigures]:
    """The figures of the meetings `meeting_ids` (a page of the list), in one query: a count
    per status, each an index-only scan of Attendance (meeting, status), and the photos."""
    if not meeting_ids:
        return {}
    status = Attendance.Status

    def marks(value: str) -> CountOf:
        return CountOf(Attendance.objects.filter(meeting=OuterRef("pk"), status=value).values("status"))

    rows = (
        Meeting.objects.filter(pk__in=meeting_ids)
        .order_by()
        .annotate(
            n_present=marks(status.PRESENT),
            n_absent=marks(status.ABSENT),
            n_excused=marks(status.EXCUSED),
            n_photos=CountOf(MeetingPhoto.objects.filter(meeting=OuterRef("pk")).values("pk")),
        )
        .values_list("pk", "n_present", "n_absent", "n_excused", "n_photos")
    )
    return {
        pk: MeetingFigures(present=present, absent=absent, excused=excused, photos=photos)
        for pk, present, absent, excused, photos in rows
    }


# Development ------------------------------------------------------------------------------------


def history_of(applicant: Applicant) -> dict[str, datetime.date]:
    """Stage → date reached, from the applicant's stages (prefetched: no query; else one)."""
    return {s.stage: s.reached_on for s in applicant.stages.all()}
