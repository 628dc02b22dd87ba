"""Reads for on-site acceptance: the whole sheet of one acceptance — per indicator the
self-assessment's score, the score computed from the records, each inspector's mark, the agreed
score and whether the team differs — with the inspection's total, the survey, the composite and
what still stands in the way of signing.

The pages (the inspector's scoring page, the lead's reconciliation page), the signing service
and the report all read it, so they cannot disagree. A fixed number of queries whatever the size
of the framework or the team: the indicators, the team, the inspectors' scores, the agreed
scores, the survey's figures, and what `scoring.score_site` reads. Once signed, the stored
composite is what counts (`Acceptance.composite_score` and its parts); the sheet's recomputed
one is shown beside it only while unsigned.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from . import composite as composite_rules
from . import inspection, scoring
from .models import Acceptance, AgreedScore, Dimension, Indicator, InspectorScore, TeamMember
from .queries import Entry, campaign_span, entry_for


def framework_indicators(campaign_id: int) -> list[Indicator]:
    """The indicators of a campaign's framework in table order (one query)."""
    return list(
        Indicator.objects.filter(dimension__framework__campaign_id=campaign_id)
        .select_related("dimension", "item_group")
        .order_by("dimension__order", "dimension_id", "order", "id")
    )


@dataclass
class SheetRow:
    indicator: Indicator
    entry: Entry
    self_item: scoring.ItemScore | None
    scores: dict[int, InspectorScore]  # by inspector's user id
    agreed: AgreedScore | None
    marks: inspection.ItemMarks

    @property
    def computed(self) -> scoring.ComputedScore | None:
        return self.self_item.computed if self.self_item is not None else None

    @property
    def self_points(self) -> Decimal | None:
        return self.self_item.points if self.self_item is not None else None

    def score_of(self, user_id: int) -> InspectorScore | None:
        return self.scores.get(user_id)


@dataclass
class SheetDimension:
    dimension: Dimension
    rows: list[SheetRow]

    @property
    def max_points(self) -> Decimal:
        return sum((r.indicator.max_score for r in self.rows if not r.indicator.is_bonus), Decimal("0"))

    @property
    def inspection_points(self) -> Decimal:
        return sum(
            (min(r.marks.points or 0, r.indicator.max_score) for r in self.rows if not r.indicator.is_bonus),
            Decimal("0"),
        )


@dataclass
class AcceptanceSheet:
    acceptance: Acceptance
    team: list[TeamMember]
    dimensions: list[SheetDimension]
    self_score: scoring.SiteScore
    survey: object | None  # surveys.SurveyResult
    survey_ended: bool
    inspection: inspection.InspectionTotal
    framework_total: Decimal
    composite: composite_rules.Composite | None
    missing: list[str] = field(default_factory=list)
    _by_indicator: dict[int, SheetRow] = field(default_factory=dict)

    def row(self, indicator_id: int) -> SheetRow:
        return self._by_indicator[indicator_id]

    @property
    def rows(self) -> list[SheetRow]:
        return [row for d in self.dimensions for row in d.rows]

    @property
    def lead(self) -> TeamMember | None:
        return next((m for m in self.team if m.is_lead), None)

    @property
    def divergent_rows(self) -> list[SheetRow]:
        return [row for row in self.rows if row.marks.status in (inspection.DIVERGENT, inspection.AGREED)]

    @property
    def all_submitted(self) -> bool:
        return bool(self.team) and all(m.submitted_at for m in self.team)


def acceptance_sheet(acceptance: Acceptance, *, today: datetime.date | None = None) -> AcceptanceSheet:
    """Everything about one acceptance's scores (see the module docstring)."""
    from .surveys import site_satisfaction

    today = today or timezone.localdate()
    site = acceptance.site
    campaign = site.campaign
    span = campaign_span(campaign)
    team = list(
        TeamMember.objects.filter(acceptance=acceptance).select_related("user").order_by("-is_lead", "id")
    )
    team_ids = [m.user_id for m in team]
    scores: dict[int, dict[int, InspectorScore]] = defaultdict(dict)
    for row in InspectorScore.objects.filter(acceptance=acceptance).order_by():
        scores[row.indicator_id][row.inspector_id] = row
    agreed = {
        a.indicator_id: a
        for a in AgreedScore.objects.filter(acceptance=acceptance).select_related("decided_by")
    }
    self_score = scoring.score_site(site, today=today)
    margin = acceptance.disagreement_margin

    dimensions: list[SheetDimension] = []
    by_indicator: dict[int, SheetRow] = {}
    all_marks = []
    framework = self_score.framework
    for dimension_score in self_score.dimensions:
        rows = []
        for item in dimension_score.items:
            indicator = item.indicator
            given = {
                user_id: inspection.Mark(user_id, s.score, s.occurred)
                for user_id, s in scores.get(indicator.pk, {}).items()
                if user_id in team_ids
            }
            deal = agreed.get(indicator.pk)
            marks = inspection.item_marks(
                indicator_id=indicator.pk,
                max_points=indicator.max_score,
                is_bonus=indicator.is_bonus,
                is_veto=indicator.is_veto,
                team=team_ids,
                given=given,
                margin=margin,
                agreed=inspection.Agreement(deal.score, deal.occurred, deal.reason) if deal else None,
            )
            all_marks.append(marks)
            row = SheetRow(
                indicator=indicator,
                entry=entry_for(indicator, span),
                self_item=item,
                scores=scores.get(indicator.pk, {}),
                agreed=deal,
                marks=marks,
            )
            rows.append(row)
            by_indicator[indicator.pk] = row
        dimensions.append(SheetDimension(dimension_score.dimension, rows))

    bonus_cap = framework.bonus_cap if framework is not None else None
    total = inspection.inspection_total(all_marks, bonus_cap)
    framework_total = self_score.max_points
    survey = site_satisfaction(site, today=today)
    survey_ended = survey is not None and survey.survey is not None and survey.survey.has_ended(today)
    missing = _missing(team, total, survey, survey_ended, framework_total, by_indicator)
    result = None
    if framework_total > 0 and survey is not None and survey.rate is not None:
        result = composite_rules.composite_score(
            self_points=min(self_score.points, framework_total),
            inspection_points=min(total.points, framework_total),
            framework_total=framework_total,
            satisfaction_rate=survey.rate,
            weights=composite_rules.Weights.of(campaign),
            pass_score=campaign.pass_score,
            bonus_points=total.bonus.awarded,
            bonus_cap=bonus_cap,
            vetoed=total.vetoed,
        )
    return AcceptanceSheet(
        acceptance=acceptance,
        team=team,
        dimensions=dimensions,
        self_score=self_score,
        survey=survey,
        survey_ended=survey_ended,
        inspection=total,
        framework_total=framework_total,
        composite=result,
        missing=missing,
        _by_indicator=by_indicator,
    )


def _missing(team, total, survey, survey_ended, framework_total, rows) -> list[str]:
    """What stands between the acceptance and its signature, in Chinese, one line each."""
    missing = []
    if framework_total <= 0:
        missing.append("本活动的考核标准没有计分项。")
    waiting = [m for m in team if m.submitted_at is None]
    if waiting:
        names = "、".join(str(m.user) for m in waiting)
        missing.append(f"{names}尚未提交评分。")
    if total.divergent_ids:
        codes = "、".join(rows[pk].indicator.code for pk in total.divergent_ids[:10])
        missing.append(f"{len(total.divergent_ids)} 项组员评分相差超过阈值，须由组长议定：{codes}。")
    if survey is None or survey.rate is None:
        missing.append("尚无群众测评结果（须发起测评并收到有效票）。")
    elif not survey_ended:
        missing.append("群众测评尚未结束，结束后方可签署。")
    return missing


def team_prefetch() -> Prefetch:
    """`team_members` with their users, lead first: for pages listing acceptances."""
    return Prefetch(
        "team_members", queryset=TeamMember.objects.select_related("user").order_by("-is_lead", "id")
    )
