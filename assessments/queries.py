"""Reads for the self-assessment pages: what a person enters for each indicator (`Entry`), the
whole sheet of one site (`self_assessment_sheet`), what is still missing before it can be
submitted (`readiness`), and the campaign-wide list with totals per dimension (`campaign_totals`).

The sheet costs a fixed number of queries however many indicators the framework has: the
dimensions, item groups and indicators (one each), the scores, the evidence, and what
`scoring.score_site` needs for the computed figures.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from campaigns.models import Campaign, Site

from . import rules, scoring
from .models import Dimension, Evidence, Indicator, IndicatorScore, ItemGroup, SelfAssessment
from .periods import count_periods

SCORE = "score"
LEVEL = "level"
OCCURRED = "occurred"
COUNT = "count"
VETO = "veto"


@dataclass(frozen=True)
class Entry:
    """What the secretary answers for one indicator, and how the answer becomes points.

    * `score` — a number 0..max (a manual rule, no rule, or any rule the system computes: the
      secretary still gives their own score, which is compared with the computed one);
    * `level` — one of the graded levels (好/较好/一般/差);
    * `occurred` — whether the event of a fixed deduction happened;
    * `count` — how many (done, short, or bonus items) for a per-unit or bonus rule the system
      does not compute;
    * `veto` — whether a 一票否决 item was touched.

    The points follow from the answer through the rule's own pure function (`rules.score`).
    """

    indicator: Indicator
    rule: rules.Rule | None
    kind: str
    periods: int = 1

    @property
    def max_score(self) -> Decimal:
        return self.indicator.max_score

    @property
    def max_text(self) -> str:
        return rules.fmt(self.indicator.max_score)

    @property
    def asks_veto(self) -> bool:
        return self.kind == VETO or self.indicator.is_veto

    @property
    def answer_fields(self) -> tuple[str, ...]:
        """The fields whose answer sets the score (none when the score is typed)."""
        return {LEVEL: (LEVEL,), OCCURRED: (OCCURRED,), COUNT: (COUNT,), VETO: (OCCURRED,)}.get(self.kind, ())

    @property
    def fields(self) -> tuple[str, ...]:
        typed = (SCORE, *self.reason_field) if self.kind == SCORE else self.answer_fields
        veto = (OCCURRED,) if self.asks_veto and OCCURRED not in typed else ()
        return (*typed, *veto, "narrative")

    @property
    def reason_field(self) -> tuple[str, ...]:
        """A typed score below the maximum asks why (酌情扣分); a computed one has the records."""
        return () if self.indicator.is_computed else ("reason",)

    @property
    def level_labels(self) -> tuple[str, ...]:
        if isinstance(self.rule, rules.GradedLevels):
            return tuple(level.label for level in self.rule.levels)
        return ()

    @property
    def levels(self) -> list[tuple[str, str]]:
        if isinstance(self.rule, rules.GradedLevels):
            return [(level.label, rules.fmt(level.points)) for level in self.rule.levels]
        return []

    @property
    def count_label(self) -> str:
        rule = self.rule
        if isinstance(rule, rules.PerUnitDeduction):
            if rule.required is not None:
                return f"{rule.subject or '完成'}次数（{rule.unit}）"
            return f"{rule.subject or ''}{rule.action or '扣分情形'}数量（{rule.unit}）"
        if isinstance(rule, rules.Bonus):
            return f"{rule.condition or '加分'}数量（{rule.unit}）"
        return "数量"

    @property
    def event_label(self) -> str:
        if isinstance(self.rule, rules.FixedDeduction) and self.rule.event:
            return self.rule.event
        return "扣分情形"

    def points(self, row: IndicatorScore) -> Decimal | None:
        """The points an answered level, event or count gives; None while unanswered."""
        result = self.result(row)
        if result is None:
            return None
        return result.bonus if isinstance(self.rule, rules.Bonus) else result.points

    def result(self, row: IndicatorScore | None) -> rules.RuleResult | None:
        """The rule's result for the answer (with its explanation), or None while unanswered."""
        if row is None or self.rule is None:
            return None
        if self.kind == LEVEL and row.level:
            return rules.score(self.rule, row.level)
        if self.kind == OCCURRED and row.occurred is not None:
            return rules.score(self.rule, row.occurred)
        if self.kind == VETO and row.occurred is not None:
            return rules.score(self.rule, not row.occurred)
        if self.kind == COUNT and row.count is not None:
            if isinstance(self.rule, rules.PerUnitDeduction):
                return rules.score(self.rule, row.count, periods=self.periods)
            return rules.score(self.rule, row.count)
        return None

    def needs_reason(self, row: IndicatorScore | None) -> bool:
        """A typed score below the maximum asks why (酌情扣分)."""
        return (
            self.kind == SCORE
            and bool(self.reason_field)
            and row is not None
            and row.score is not None
            and row.score < self.max_score
            and not row.reason.strip()
        )


type Span = tuple[datetime.date, datetime.date]


def campaign_span(campaign: Campaign) -> Span:
    """The days the campaign's records are counted over (`scoring.campaign_period`)."""
    return scoring.campaign_period(campaign)


def _periods(rule: rules.Rule | None, span: Span) -> int:
    """How many periods a per-unit rule with a requirement asks for over the campaign."""
    if not (isinstance(rule, rules.PerUnitDeduction) and rule.required is not None and rule.period):
        return 1
    return count_periods(*span, rule.period)


def entry_for(indicator: Indicator, span: Span) -> Entry:
    """What is asked for `indicator` over the campaign's `span` (`campaign_span`)."""
    rule = indicator.structured_rule
    if indicator.is_computed or rule is None or isinstance(rule, rules.Manual | rules.Threshold):
        kind = LEVEL if isinstance(rule, rules.GradedLevels) else SCORE
    elif isinstance(rule, rules.GradedLevels):
        kind = LEVEL
    elif isinstance(rule, rules.FixedDeduction):
        kind = OCCURRED
    elif isinstance(rule, rules.Veto):
        kind = VETO
    else:
        kind = COUNT
    return Entry(indicator=indicator, rule=rule, kind=kind, periods=_periods(rule, span))


# One site's sheet ----------------------------------------------------------------------------


@dataclass
class Item:
    """One indicator on the page: what is asked, what was answered, what the records say."""

    indicator: Indicator
    entry: Entry
    row: IndicatorScore | None
    evidence: list[Evidence]
    computed: object | None = None  # scoring.ComputedScore
    # What was typed and refused, shown again with its errors (a page without htmx).
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.pk}"

    @property
    def shown(self) -> dict[str, str]:
        """Each field's value as the form shows it: what was typed if refused, else what is saved."""
        row = self.row
        saved = {
            "score": "" if row is None or row.score is None else rules.fmt(row.score),
            "level": row.level if row is not None else "",
            "count": "" if row is None or row.count is None else rules.fmt(row.count),
            "occurred": "" if row is None or row.occurred is None else ("yes" if row.occurred else "no"),
            "reason": row.reason if row is not None else "",
            "narrative": row.narrative if row is not None else "",
        }
        return {**saved, **self.typed}

    @property
    def score(self) -> Decimal | None:
        return self.row.score if self.row is not None else None

    @property
    def field_errors(self) -> list[tuple[str, str]]:
        """Each field's error slot, empty when it took the value."""
        return [(name, "；".join(self.errors.get(name, []))) for name in self.entry.fields]

    @property
    def answer_explanation(self) -> str:
        """How a level, an event or a count became the score (the rule's own sentence)."""
        result = self.entry.result(self.row)
        return result.explanation if result is not None else ""

    @property
    def computed_points(self) -> Decimal | None:
        return computed_points(self.computed)

    @property
    def contradiction(self) -> str:
        """A self-score that differs from what the records give, with both numbers."""
        computed = self.computed_points
        if computed is None or self.score is None or computed == self.score:
            return ""
        return (
            f"自评 {rules.fmt(self.score)} 分，与系统按记录计算的 {rules.fmt(computed)} 分不一致，"
            "请核对记录或在说明中写明理由。"
        )

    @property
    def missing(self) -> list[str]:
        """What this indicator still lacks before the self-assessment can be submitted."""
        gaps = []
        if self.score is None:
            gaps.append("未评分")
        if self.entry.asks_veto and (self.row is None or self.row.occurred is None):
            gaps.append("一票否决项未作答")
        if self.entry.needs_reason(self.row):
            gaps.append(f"低于满分 {self.entry.max_text} 分，未填写扣分理由")
        if self.indicator.evidence_hint and not self.evidence:
            gaps.append(f"缺佐证材料（{self.indicator.evidence_hint}）")
        return gaps


@dataclass
class GroupBlock:
    group: ItemGroup | None
    items: list[Item] = field(default_factory=list)


@dataclass
class DimensionBlock:
    dimension: Dimension
    groups: list[GroupBlock]
    scored: scoring.DimensionScore

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group.items]

    @property
    def max_points(self) -> Decimal:
        return sum((i.indicator.max_score for i in self.items if not i.indicator.is_bonus), Decimal(0))

    @property
    def self_points(self) -> Decimal:
        return sum((i.score or 0 for i in self.items if not i.indicator.is_bonus), Decimal(0))

    @property
    def bonus_points(self) -> Decimal:
        return sum((i.score or 0 for i in self.items if i.indicator.is_bonus), Decimal(0))


@dataclass
class Missing:
    item: Item
    text: str


@dataclass
class Sheet:
    assessment: SelfAssessment
    dimensions: list[DimensionBlock]
    span: Span
    site_score: scoring.SiteScore

    @property
    def items(self) -> list[Item]:
        return [item for block in self.dimensions for item in block.items]

    @property
    def missing(self) -> list[Missing]:
        return [Missing(item, text) for item in self.items for text in item.missing]

    @property
    def scored(self) -> int:
        return sum(1 for item in self.items if item.score is not None)

    @property
    def max_points(self) -> Decimal:
        return sum((block.max_points for block in self.dimensions), Decimal(0))

    @property
    def self_points(self) -> Decimal:
        return sum((block.self_points for block in self.dimensions), Decimal(0))

    @property
    def bonus_points(self) -> Decimal:
        return sum((block.bonus_points for block in self.dimensions), Decimal(0))

    @property
    def contradictions(self) -> list[Item]:
        return [item for item in self.items if item.contradiction]

    def item(self, indicator_pk: int) -> Item | None:
        return next((i for i in self.items if i.indicator.pk == indicator_pk), None)

    def block_of(self, indicator_pk: int) -> DimensionBlock | None:
        return next(
            (b for b in self.dimensions if any(i.indicator.pk == indicator_pk for i in b.items)), None
        )


def computed_points(computed) -> Decimal | None:
    """The automatic score of a `scoring.ComputedScore` (the bonus for a bonus rule)."""
    result = getattr(computed, "result", None)
    if result is None:
        return None
    return result.bonus if result.bonus else result.points


def framework_dimensions(campaign: Campaign) -> list[Dimension]:
    """The campaign's dimensions with their indicators: two queries."""
    return list(
        Dimension.objects.filter(framework__campaign=campaign)
        .order_by("order", "id")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("order", "id")))
    )


def self_assessment_of(site: Site) -> SelfAssessment:
    """The site's self-assessment, or an unsaved draft before the first score (no write on a read)."""
    assessment = SelfAssessment.objects.filter(site=site).select_related("reviewed_by").first()
    if assessment is None:
        assessment = SelfAssessment(site=site)
    assessment.site = site
    return assessment


def self_assessment_sheet(site: Site, assessment: SelfAssessment | None = None) -> Sheet:
    """Every dimension, item group and indicator of the site's campaign, with the answers, the
    evidence and the computed figures. `site` comes with its campaign and phases loaded.

    Queries: `scoring.score_site` (framework, dimensions, indicators, scores, and one per record
    set the computed items read), the item groups, the evidence.
    """
    assessment = assessment if assessment is not None else self_assessment_of(site)
    site_score = scoring.score_site(site)
    evidence: dict[int | None, list[Evidence]] = defaultdict(list)
    if assessment.pk:
        for file in Evidence.objects.filter(self_assessment=assessment).order_by("uploaded_at", "id"):
            evidence[file.indicator_id].append(file)
    groups_of: dict[int, list[ItemGroup]] = defaultdict(list)
    if site_score.framework is not None:
        for group in ItemGroup.objects.filter(dimension__framework=site_score.framework).order_by(
            "order", "id"
        ):
            groups_of[group.dimension_id].append(group)
    span = campaign_span(site.campaign)
    blocks = []
    for scored in site_score.dimensions:
        groups = {g.pk: GroupBlock(g) for g in groups_of[scored.dimension.pk]}
        loose = GroupBlock(None)
        for item_score in scored.items:
            indicator = item_score.indicator
            item = Item(
                indicator=indicator,
                entry=entry_for(indicator, span),
                row=item_score.entered,
                evidence=evidence.get(indicator.pk, []),
                computed=item_score.computed,
            )
            groups.get(indicator.item_group_id, loose).items.append(item)
        ordered = ([loose] if loose.items else []) + [g for g in groups.values() if g.items]
        blocks.append(DimensionBlock(scored.dimension, ordered, scored))
    return Sheet(assessment=assessment, dimensions=blocks, span=span, site_score=site_score)


@dataclass
class Readiness:
    missing: list[Missing]

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(assessment: SelfAssessment) -> Readiness:
    """What must still be done before submitting: every indicator scored, evidence where the
    indicator asks for it, veto items answered, a reason for a typed score below the maximum."""
    return Readiness(missing=self_assessment_sheet(assessment.site, assessment).missing)


# The campaign's list -------------------------------------------------------------------------


SORTS = ("branch", "committee", "status", "total")
# Sites that assess themselves: approved for building, and on from there.
SITES_ASSESSING = [
    Site.Status.APPROVED,
    Site.Status.SELF_ASSESSED,
    Site.Status.ACCEPTANCE_REQUESTED,
    Site.Status.RECTIFYING,
    Site.Status.PASSED,
    Site.Status.FAILED,
]


def campaign_totals(
    campaign: Campaign, sites: QuerySet[Site], dimensions: list[Dimension], sort: str = "branch"
) -> QuerySet[Site]:
    """The campaign's sites (those the viewer sees, `sites`) with their self-assessment's
    status and the self-scores summed per dimension (`d_<id>`), in total (`sa_total`) and as
    bonus apart (`sa_bonus`): one query, sortable by any of them (`-` for descending)."""
    scores = IndicatorScore.objects.filter(self_assessment__site=OuterRef("pk")).order_by()

    def summed(queryset):
        total = queryset.values("self_assessment").annotate(s=Sum("score")).values("s")
        return Coalesce(Subquery(total, output_field=DecimalField()), Value(Decimal(0)))

    per_dimension = {
        f"d_{d.pk}": summed(scores.filter(indicator__dimension=d, indicator__is_bonus=False))
        for d in dimensions
    }
    status = Subquery(
        SelfAssessment.objects.filter(site=OuterRef("pk")).values("status")[:1], output_field=CharField()
    )
    rows = (
        sites.filter(campaign=campaign, status__in=SITES_ASSESSING)
        .select_related("organization", "nominated_by")
        .annotate(
            sa_status=Coalesce(status, Value("")),
            sa_total=summed(scores.filter(indicator__is_bonus=False)),
            sa_bonus=summed(scores.filter(indicator__is_bonus=True)),
            **per_dimension,
        )
    )
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    order = {
        "branch": ["organization__path"],
        "committee": ["nominated_by__path", "organization__path"],
        "status": ["sa_rank", "organization__path"],
        "total": ["sa_total", "organization__path"],
    }.get(key)
    if order is None and key.startswith("d_") and key in per_dimension:
        order = [key, "organization__path"]
    if order is None:
        order, descending = ["organization__path"], False
    if key == "status":
        rows = rows.annotate(
            sa_rank=Case(
                *(When(sa_status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)),
                default=Value(len(STATUS_ORDER)),
            )
        )
    if descending:
        order = [f"-{order[0]}", *order[1:]]
    return rows.order_by(*order)


# Waiting for the 党委 first, then being filled, then done.
STATUS_ORDER = [
    SelfAssessment.Status.SUBMITTED,
    SelfAssessment.Status.RETURNED,
    SelfAssessment.Status.DRAFT,
    SelfAssessment.Status.APPROVED,
]
