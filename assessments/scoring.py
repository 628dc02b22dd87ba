"""Scores computed from a branch's own records, and a site's totals on its framework's own scale.

`computed_result(indicator, site, start=, end=)` scores one indicator whose rule names a metric
(`Indicator.is_computed`): the figure from `members.figures` over the indicator's period windows
(`assessments.periods`), the rule's result (`assessments.rules.score`) and the sentence saying how
it was reached (`支委会 10 次，应开 12 次，少 2 次，扣 1 分`), the days read and a link to the
records behind it.

`score_site(site)` adds a site's self-assessment up per dimension (一级指标) and in total, the
bonus apart and capped framework-wide, the veto failures listed: each item's score is the computed
one where the item is computed, else the score entered (`IndicatorScore`), else unscored. It reads
a fixed number of queries whatever the number of indicators: the framework with its indicators,
the scores, and one query per distinct record set the computed items need (memoized by metric,
days and meeting kinds; the satisfaction rate is one query, `surveys.site_satisfaction`).

Periods: `campaign_period(campaign)` is the campaign's range, from its first phase's start to its
last phase's end (the calendar year of `campaign.year` when it has no phases). An indicator with a
`metric_period` is counted per period as laid out by `assessments.periods` (whole calendar weeks,
months … inside the range; years and two-year windows counted back from its end, so 每两年至少
发展1名新党员 reads the two years up to the assessment, across a year end).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Site
from members import figures

from . import periods, rules
from .models import Dimension, Framework, Indicator, IndicatorScore, Metric
from .periods import Period
from .surveys import SurveyResult, site_satisfaction

ZERO = rules.ZERO

# Where the records behind a metric are listed, for the link beside a computed score.
RECORDS_PAGE = {
    Metric.ATTENDANCE_RATE: "members:meeting_list",
    Metric.ACTIVITIES: "members:meeting_list",
    Metric.MEETINGS: "members:meeting_list",
    Metric.NEW_MEMBERS: "members:member_list",
    Metric.NEW_ACTIVISTS: "members:development_list",
    Metric.DUES_ON_TIME_RATE: "members:dues_grid",
    Metric.STAR_VOLUNTEERS_SHARE: "members:star_board",
}


def campaign_period(campaign: Campaign) -> tuple[datetime.date, datetime.date]:
    """The days a campaign's records are counted over: first phase start to last phase end.

    Uses the phases already prefetched when there are (`campaign.phases.all()`). Without phases,
    the calendar year `campaign.year`.
    """
    phases = list(campaign.phases.all())
    if not phases:
        return datetime.date(campaign.year, 1, 1), datetime.date(campaign.year, 12, 31)
    return min(p.starts_on for p in phases), max(p.ends_on for p in phases)


@dataclass(frozen=True)
class ComputedScore:
    """How a computed indicator scored from the branch's records.

    `result` is None when the records cannot answer yet (no survey, no whole period in the
    range, nothing to measure); `explanation` then says why. `start`/`end` are the days read
    (a two-year window can start before the campaign); `records_url` lists those records.
    """

    indicator_id: int
    metric: str
    figure: Decimal | int | None
    result: rules.RuleResult | None
    explanation: str
    start: datetime.date
    end: datetime.date
    period: str = ""
    records_url: str = ""

    @property
    def points(self) -> Decimal | None:
        return self.result.points if self.result is not None else None

    @property
    def period_label(self) -> str:
        every = f"，每{Period(self.period).label}计" if self.period else ""
        return f"{_day(self.start)}至{_day(self.end)}{every}"


@dataclass
class _Records:
    """Figures for one branch, memoized by (metric, start, end, kinds)."""

    branch: object
    today: datetime.date
    cache: dict = field(default_factory=dict)

    def dates(self, metric: str, start, end, kinds) -> list[datetime.date]:
        key = ("dates", metric, start, end, tuple(sorted(kinds)))
        if key not in self.cache:
            self.cache[key] = figures.dated_records(
                metric, self.branch, start, min(end, self.today), kinds=tuple(kinds)
            )
        return self.cache[key]

    def satisfaction(self, site: Site) -> SurveyResult | None:
        """The survey result the site's satisfaction items score (one query, then memoized)."""
        key = ("satisfaction", site.pk)
        if key not in self.cache:
            self.cache[key] = site_satisfaction(site, today=self.today)
        return self.cache[key]

    def figure(self, metric: str, start, end, kinds) -> Decimal | int | None:
        if metric in figures.DATED:
            return len(self.dates(metric, start, end, kinds))
        key = ("figure", metric, start, end)
        if key not in self.cache:
            self.cache[key] = figures.figure(metric, self.branch, start, end, today=self.today)
        return self.cache[key]


def computed_result(
    indicator: Indicator,
    site: Site,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    _records: _Records | None = None,
) -> ComputedScore | None:
    """The automatic score of `indicator` for `site`'s branch over [start, end]; None when the
    indicator is not computed (no metric, or no rule)."""
    if not indicator.is_computed:
        return None
    records = _records or _Records(site.organization, today or timezone.localdate())
    rule = indicator.structured_rule
    metric = Metric(indicator.metric)
    period = Period(indicator.metric_period) if indicator.metric_period else None
    url = _records_url(metric, site)
    base = {"indicator_id": indicator.pk, "metric": metric.value, "records_url": url}

    if metric == Metric.SATISFACTION_RATE:
        survey = records.satisfaction(site)
        if survey is None:
            waiting = "群众满意率待群众测评后计算"
            return ComputedScore(**base, figure=None, result=None, explanation=waiting, start=start, end=end)
        result = _score_satisfaction(rule, survey)
        return ComputedScore(
            **base,
            figure=survey.rate,
            result=result,
            explanation=result.explanation,
            start=survey.survey.opens_on,
            end=survey.survey.closes_on,
        )
    if period is None or metric not in figures.DATED:
        value = records.figure(metric.value, start, end, indicator.meeting_kinds)
        if value is None:
            return ComputedScore(
                **base,
                figure=None,
                result=None,
                explanation=f"{metric.label}：期间内没有可计算的记录",
                start=start,
                end=end,
            )
        result = _score_value(rule, value, periods_required=1)
        return ComputedScore(
            **base, figure=value, result=result, explanation=result.explanation, start=start, end=end
        )

    read = periods.window(start, end, period)
    if read is None:
        return ComputedScore(
            **base,
            figure=None,
            result=None,
            explanation=f"活动期间没有完整的一{period.label}，{metric.label}无法按每{period.label}计算",
            start=start,
            end=end,
            period=period.value,
        )
    dates = records.dates(metric.value, read[0], read[1], indicator.meeting_kinds)
    result, value = _score_periods(rule, start, end, period, dates)
    return ComputedScore(
        **base,
        figure=value,
        result=result,
        explanation=result.explanation,
        start=read[0],
        end=read[1],
        period=period.value,
    )


def _score_satisfaction(rule: rules.Rule, survey: SurveyResult) -> rules.RuleResult:
    """Score the survey's rate (unrounded, so 89.996 does not reach 90) and say how many ballots
    it rests on: 群众满意率 93.5%（有效票 120 张），达到 90%，得 5 分."""
    if isinstance(rule, rules.Threshold) and not rule.subject:
        rule = replace(rule, subject=Metric.SATISFACTION_RATE.label.removesuffix("(%)"))
    result = _score_value(rule, survey.exact_rate, periods_required=1)
    head, comma, tail = result.explanation.partition("，")
    votes = f"（有效票 {survey.cast} 张）"
    return replace(result, explanation=f"{head}{votes}{comma}{tail}")


def _score_value(rule: rules.Rule, value, *, periods_required: int) -> rules.RuleResult:
    value = _decimal(value)
    match rule:
        case rules.PerUnitDeduction():
            return rules.score_per_unit(rule, value, periods=periods_required)
        case rules.Bonus():
            return rules.score_bonus(rule, value)
        case rules.Veto() | rules.FixedDeduction():
            raise ValueError("一票否决和定额扣分项按事实评定，不由系统指标计算。")
    return rules.score(rule, value)


def _score_periods(
    rule: rules.Rule, start: datetime.date, end: datetime.date, period: Period, dates: list[datetime.date]
) -> tuple[rules.RuleResult, int]:
    """Score dated records per period: (result, the figure shown)."""
    if isinstance(rule, rules.PerUnitDeduction):
        per_period = max(1, math.ceil(rule.required)) if rule.required is not None else 1
        cover = periods.coverage(start, end, period, dates, per_period=per_period)
        result = rules.score_per_unit(rule, cover.credited, periods=len(cover.spans))
        return result, cover.credited
    if isinstance(rule, rules.Threshold):
        spans = periods.spans(start, end, period)
        counts = [sum(1 for day in dates if day in span) for span in spans]
        weakest = min(counts) if counts else 0
        result = rules.score_threshold(rule, weakest if rule.at_least else max(counts))
        met = [
            span
            for span, count in zip(spans, counts, strict=True)
            if (count >= rule.threshold if rule.at_least else count <= rule.threshold)
        ]
        subject = rule.subject or "记录"
        unit = rule.unit or "次"
        every = f"每{period.label}"
        if len(spans) == 1:
            head = f"{spans[0].label}{subject} {counts[0]} {unit}"
        else:
            limit = f"{every} {rules.fmt(rule.threshold)} {unit}"
            head = f"{subject}：{len(spans)} 个{period.label}中 {len(met)} 个达到{limit}"
            missing = [span.label for span in spans if span not in met]
            if missing:
                shown = "、".join(missing[:3]) + ("等" if len(missing) > 3 else "")
                head += f"，{len(missing)} 个未达到（{shown}）"
        wording = "达到" if rule.at_least else "不超过"
        limit = f"{every} {rules.fmt(rule.threshold)} {unit}"
        if result.points == result.max_points:
            tail = f"得 {rules.fmt(result.points)} 分"
        elif result.points == ZERO:
            tail = "不得分"
        else:
            tail = f"扣 {rules.fmt(rule.deduction)} 分"
        if len(spans) == 1:
            met_word = wording if met else f"未{wording}"
            tail = f"{met_word}{limit}，{tail}"
        return replace(result, explanation=f"{head}，{tail}"), weakest
    if isinstance(rule, rules.Bonus):
        return rules.score_bonus(rule, len(dates)), len(dates)
    return _score_value(rule, len(dates), periods_required=1), len(dates)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _records_url(metric: Metric, site: Site) -> str:
    name = RECORDS_PAGE.get(metric)
    return reverse(name, args=[site.organization_id]) if name else ""


def _day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# A site's totals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemScore:
    indicator: Indicator
    result: rules.RuleResult | None
    computed: ComputedScore | None
    entered: IndicatorScore | None

    @property
    def points(self) -> Decimal | None:
        return self.result.points if self.result is not None else None


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    items: tuple[ItemScore, ...]
    total: rules.DimensionTotal

    @property
    def points(self) -> Decimal:
        return self.total.points

    @property
    def max_points(self) -> Decimal:
        return self.total.max_points


@dataclass(frozen=True)
class SiteScore:
    """A site's score on its framework's own scale (80, 100, 150 …), the bonus apart."""

    framework: Framework | None
    dimensions: tuple[DimensionScore, ...]
    points: Decimal
    max_points: Decimal
    bonus: rules.BonusTotal
    vetoes: tuple[Indicator, ...]
    unscored: tuple[Indicator, ...]

    @property
    def failed_by_veto(self) -> bool:
        return bool(self.vetoes)

    @property
    def total_with_bonus(self) -> Decimal:
        return self.points + self.bonus.awarded

    @property
    def by_dimension(self) -> dict[int, DimensionScore]:
        return {d.dimension.pk: d for d in self.dimensions}


def _entered_result(indicator: Indicator, entered: IndicatorScore | None) -> rules.RuleResult | None:
    """The result of what a person entered: the level, the count, whether the event happened, or
    the score itself (bounded by the item's points)."""
    if entered is None:
        return None
    rule = indicator.structured_rule
    try:
        match rule:
            case rules.GradedLevels() if entered.level:
                return rules.score_graded(rule, entered.level)
            case rules.PerUnitDeduction() if entered.count is not None and rule.required is None:
                return rules.score_per_unit(rule, entered.count)
            case rules.Bonus() if entered.count is not None:
                return rules.score_bonus(rule, entered.count)
            case rules.FixedDeduction() if entered.occurred is not None:
                return rules.score_fixed(rule, entered.occurred)
            case rules.Veto() if entered.occurred is not None:
                return rules.score_veto(rule, passed=not entered.occurred)
    except ValueError:
        return None
    if entered.score is None:
        return None
    maximum = rules.quantize(indicator.max_score)
    if indicator.is_bonus:
        return rules.RuleResult(ZERO, ZERO, "人工评定加分", bonus=rules.quantize(entered.score))
    points = min(rules.quantize(entered.score), maximum)
    return rules.RuleResult(points, maximum, f"自评 {rules.fmt(points)} 分", vetoed=False)


def _unscored(indicator: Indicator) -> rules.RuleResult:
    """An item not yet scored counts 0 of its points (a bonus item has none)."""
    maximum = ZERO if indicator.is_bonus else rules.quantize(indicator.max_score)
    return rules.RuleResult(ZERO, maximum, "未评分")


def score_site(site: Site, *, today: datetime.date | None = None) -> SiteScore:
    """Add up `site`'s self-assessment on its campaign's framework (see the module docstring).

    Queries: the framework, its dimensions and indicators (3), the phases (1), the entered
    scores (1), and one per distinct record set the computed items read — flat in the number
    of indicators.
    """
    framework = (
        Framework.objects.filter(campaign_id=site.campaign_id)
        .prefetch_related(
            Prefetch(
                "dimensions",
                queryset=Dimension.objects.order_by("order", "id").prefetch_related(
                    Prefetch("indicators", queryset=Indicator.objects.order_by("order", "id"))
                ),
            )
        )
        .first()
    )
    if framework is None:
        empty = rules.cap_bonuses([], None)
        return SiteScore(None, (), ZERO, ZERO, empty, (), ())
    start, end = campaign_period(site.campaign)
    entered = {
        s.indicator_id: s for s in IndicatorScore.objects.filter(self_assessment__site=site).order_by()
    }
    records = _Records(site.organization, today or timezone.localdate())
    dimensions, vetoes, unscored, item_results = [], [], [], []
    for dimension in framework.dimensions.all():
        items = []
        for indicator in dimension.indicators.all():
            computed = (
                computed_result(indicator, site, start=start, end=end, _records=records)
                if indicator.is_computed
                else None
            )
            result = computed.result if computed is not None and computed.result is not None else None
            if result is None:
                result = _entered_result(indicator, entered.get(indicator.pk))
            if result is None:
                unscored.append(indicator)
            else:
                mark = entered.get(indicator.pk)
                if indicator.is_veto and mark is not None and mark.occurred:
                    result = replace(result, vetoed=True)
                if result.vetoed:
                    vetoes.append(indicator)
                item_results.append(result)
            items.append(ItemScore(indicator, result, computed, entered.get(indicator.pk)))
        total = rules.dimension_total(
            [
                item.result
                if item.result is not None
                else rules.RuleResult(
                    ZERO,
                    ZERO if item.indicator.is_bonus else rules.quantize(item.indicator.max_score),
                    "未评分",
                )
                for item in items
            ]
        )
        dimensions.append(DimensionScore(dimension, tuple(items), total))
    bonus = rules.cap_bonuses([d.total for d in dimensions], framework.bonus_cap)
    return SiteScore(
        framework=framework,
        dimensions=tuple(dimensions),
        points=rules.quantize(sum((d.points for d in dimensions), ZERO)),
        max_points=rules.quantize(sum((d.max_points for d in dimensions), ZERO)),
        bonus=bonus,
        vetoes=tuple(vetoes),
        unscored=tuple(unscored),
    )
