"""The 星级服务评定标准 as a pure function (village plan, 定“制”), and the yearly board (评“星”):

年内服务次数累计达5次，授予一星党员志愿者称号；……累计达25次，授予五星党员志愿者称号。
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from organizations.models import Organization

if TYPE_CHECKING:
    from members.models import Plaque, StarRule

DEFAULT_STAR_THRESHOLDS: tuple[int, int, int, int, int] = (5, 10, 15, 20, 25)

# What each level is called on the board; 0 is a member below the first threshold.
STAR_TITLES = {
    5: "五星党员志愿者",
    4: "四星党员志愿者",
    3: "三星党员志愿者",
    2: "二星党员志愿者",
    1: "一星党员志愿者",
    0: "尚未评星",
}
STAR_NAMES = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星", 0: "未达一星"}


def star_level(count: int, rule: Sequence[int] = DEFAULT_STAR_THRESHOLDS) -> int:
    """Stars (0–5) earned by `count` verified services in a year under `rule`.

    `rule` lists the counts needed for one to five stars, strictly increasing.
    """
    if len(rule) != 5 or any(later <= earlier for earlier, later in itertools.pairwise(rule)):
        raise ValueError("星级标准须为 5 个逐级递增的次数。")
    return sum(1 for needed in rule if count >= needed)


def rule_summary(rule: Sequence[int]) -> str:
    """The rule in one line, as the board states it."""
    return f"年内服务累计 {'/'.join(str(n) for n in rule)} 次授予一至五星党员志愿者"


def rule_sentence(rule: Sequence[int]) -> str:
    """The plan's wording folded into one sentence, for the printed poster."""
    counts = "、".join(f"{needed}次" for needed in rule)
    return f"年内服务次数累计达{counts}，分别授予一星至五星党员志愿者称号"


# members.models imports this module (for star_level), so the models are imported where used.


def nearest_star_rule(branch: Organization) -> StarRule | None:
    """The StarRule of `branch` or of its nearest ancestor that has one, in one query."""
    from members.models import StarRule

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


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the yearly board. Deliberately no personal data: the public page shows it."""

    member_id: int
    name: str
    group_name: str
    services: int
    stars: int


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
    (served_on, trimmed content) pairs, the key the service cards flag duplicates by
    (`members.services.service.counted_service_key`). Members whose 党籍 is suspended
    (停止党籍) are left off; a member without a counted service is on the board with 0.

    One aggregate query whatever the number of members (two when `rule` is not given and
    the branch's rule has to be looked up). Sorted by stars, then count, then name.
    """
    from members.models import Member, ServiceRecord
    from members.services.service import counted_service_key

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


class Level(NamedTuple):
    stars: int
    name: str
    title: str
    members: int


def level_counts(rows: Sequence[BoardRow]) -> list[Level]:
    """How many members stand at each level, five stars down to none."""
    tally = dict.fromkeys(range(6), 0)
    for row in rows:
        tally[row.stars] += 1
    return [Level(n, STAR_NAMES[n], STAR_TITLES[n], tally[n]) for n in range(5, -1, -1)]


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
    from members.models import Plaque

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
    from members.models import ServiceRecord

    days = ServiceRecord.objects.filter(member__branch=branch).dates("served_on", "year", order="DESC")
    return [day.year for day in days]
