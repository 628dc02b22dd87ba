"""The signed acceptance report (验收报告): an A4 PDF rendered with WeasyPrint from the acceptance
sheet (`acceptance_sheet`) and the figures frozen at signing, stored with the acceptance and
checked at the public `/verify/<sha256>/`.

Two hashes identify a report. A PDF cannot contain its own file hash, so what every page's footer
and the QR code carry is the **content digest**: the sha256 of a canonical JSON of what the report
states (`report_content`: campaign, site, visit date, team, every score, the survey, the
composite and its parts, the verdict, the findings, who signed and when) — the same text a reader
sees, so two renderings of the same signed result carry the same digest. The stored PDF's own
sha256 (`sha256sum 验收报告.pdf`) is kept as well; `/verify/` knows both. The rectification
items' status, which moves on after signing, is printed "as at" the rendering and left out of the
digest.

The sheet is read as on the day of signing, so the self-assessment's computed items count the
records as the team saw them. `render_report` is idempotent: a rendered report is not rendered
again unless `force` (a re-issue: a new file, and a new digest only if the content changed).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Site
from members.reports import css_string
from organizations.models import Verb, record_event
from organizations.templatetags.chinese_dates import chinese_date

from . import rules
from .acceptance_sheet import AcceptanceSheet, SheetRow, acceptance_sheet
from .models import Acceptance, CheckMethod, Metric

# WeasyPrint logs every layout step at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Bumped when what `report_content` holds changes shape, so an old digest is never recomputed
# differently by accident.
CONTENT_VERSION = 1
CENT = Decimal("0.01")
DASH = "—"
DIGEST_LENGTH = 64
HEX = frozenset("0123456789abcdef")


def is_digest(value: str) -> bool:
    """Whether `value` has the shape of a sha256 in hex (64 characters 0-9, a-f, lower case)."""
    return len(value) == DIGEST_LENGTH and set(value) <= HEX


def normalize_digest(value: str) -> str:
    """A pasted hash as stored: spaces and a `sha256:` prefix dropped, lower case."""
    text = "".join((value or "").split()).lower()
    return text.removeprefix("sha256:")


def _num(value: Decimal | int | None) -> str:
    return DASH if value is None else rules.fmt(Decimal(value))


def _percent(value: Decimal | None) -> str:
    return DASH if value is None else f"{rules.fmt(Decimal(value))}%"


# What the report states -------------------------------------------------------------------------


@dataclass
class Inspector:
    user_id: int
    name: str
    is_lead: bool
    signed_at: datetime.datetime | None


@dataclass
class ScoreLine:
    """One indicator's line of the score table, as printed."""

    code: str
    text: str
    group: str
    criteria: str
    max_points: str
    is_bonus: bool
    is_veto: bool
    self_points: str
    self_explanation: str
    computed_explanation: str
    marks: list[str]
    notes: list[str]
    counted: str
    status: str
    agreed_reason: str

    def digest_part(self) -> dict:
        return {
            "code": self.code,
            "text": self.text,
            "max": self.max_points,
            "bonus": self.is_bonus,
            "veto": self.is_veto,
            "self": self.self_points,
            "marks": self.marks,
            "counted": self.counted,
            "status": self.status,
            "agreed_reason": self.agreed_reason,
        }


@dataclass
class DimensionBlock:
    name: str
    max_points: str
    self_points: str
    inspection_points: str
    lines: list[ScoreLine]


@dataclass
class VetoLine:
    code: str
    text: str
    answers: list[str]
    agreed: str
    outcome: str


@dataclass
class CompositePart:
    label: str
    points: str
    weight: int
    weighted: str


@dataclass
class ReportData:
    acceptance: Acceptance
    site: Site
    team: list[Inspector]
    dimensions: list[DimensionBlock]
    totals: dict
    vetoes: list[VetoLine]
    bonus: dict
    survey: dict | None
    computed: list[dict]
    parts: list[CompositePart]
    composite: dict
    rectifications: list[dict] = field(default_factory=list)

    @property
    def lead(self) -> Inspector | None:
        return next((m for m in self.team if m.is_lead), None)


def _occurred_text(occurred: bool | None) -> str:
    return {True: "发生", False: "未发生"}.get(occurred, DASH)


def _mark(row: SheetRow, user_id: int) -> str:
    """What one inspector gave an indicator: points, or for a pure veto item whether it occurred."""
    score = row.score_of(user_id)
    if score is None:
        return DASH
    indicator = row.indicator
    if indicator.is_veto and indicator.max_score == 0 and not indicator.is_bonus:
        return _occurred_text(score.occurred)
    text = _num(score.score)
    if indicator.is_veto and score.occurred:
        text += "（否决）"
    return text


def _notes(row: SheetRow, team: list[Inspector]) -> list[str]:
    """How each inspector checked the item and what they noted, members who did alike together:
    `全组：查阅资料` or `张三：实地查看，会议记录齐全`."""
    groups: dict[tuple[str, str], list[str]] = {}
    for member in team:
        score = row.score_of(member.user_id)
        if score is None:
            continue
        method = CheckMethod(score.check_method).label if score.check_method in CheckMethod.values else ""
        key = (str(method), score.note.strip())
        if any(key):
            groups.setdefault(key, []).append(member.name)
    lines = []
    for (method, note), names in groups.items():
        who = "全组" if len(names) == len(team) > 1 else "、".join(names)
        lines.append(f"{who}：{'，'.join(part for part in (method, note) if part)}")
    return lines


def _veto_answer(row: SheetRow, member: Inspector) -> str:
    score = row.score_of(member.user_id)
    return _occurred_text(score.occurred) if score is not None else DASH


def _veto_condition(indicator) -> str:
    """The event that fails the site: the rule's condition (发生严重违纪), else the item as written."""
    rule = indicator.structured_rule
    condition = rule.condition if isinstance(rule, rules.Veto) else ""
    return condition or indicator.criteria or indicator.text


def _counted(row: SheetRow) -> str:
    indicator = row.indicator
    if indicator.is_veto and indicator.max_score == 0 and not indicator.is_bonus:
        return "否决" if row.marks.vetoed else "通过"
    return _num(row.marks.points)


def _line(row: SheetRow, team: list[Inspector]) -> ScoreLine:
    indicator = row.indicator
    self_result = row.self_item.result if row.self_item is not None else None
    computed = row.computed
    agreed = row.agreed
    return ScoreLine(
        code=indicator.code,
        text=indicator.text,
        group=indicator.item_group.name if indicator.item_group_id else "",
        criteria=indicator.criteria,
        max_points=_num(indicator.max_score),
        is_bonus=indicator.is_bonus,
        is_veto=indicator.is_veto,
        self_points=_num(row.self_points),
        self_explanation=self_result.explanation if self_result is not None else "",
        computed_explanation=computed.explanation if computed is not None else "",
        marks=[_mark(row, member.user_id) for member in team],
        notes=_notes(row, team),
        counted=_counted(row),
        status=row.marks.status_label,
        agreed_reason=agreed.reason if agreed is not None else "",
    )


def _survey(sheet: AcceptanceSheet) -> dict | None:
    result = sheet.survey
    if result is None:
        return None
    survey = result.survey
    return {
        "title": survey.title if survey is not None else "群众满意度测评",
        "period": (
            f"{chinese_date(survey.opens_on)}至{chinese_date(survey.closes_on)}" if survey is not None else ""
        ),
        "issued": result.issued,
        "cast": result.cast,
        "turnout": _percent(result.turnout),
        "rate": _percent(result.rate),
        "choices": [[str(label), n, _percent(share)] for _value, label, n, share in result.by_choice],
    }


def _composite(acceptance: Acceptance) -> tuple[list[CompositePart], dict]:
    """The composite as signed (the stored parts), each part with its weight and share."""
    campaign = acceptance.site.campaign
    weights = (campaign.weight_self, campaign.weight_public, campaign.weight_inspection)
    stored = (acceptance.self_part, acceptance.public_part, acceptance.inspection_part)
    labels = ("基层自评", "群众测评", "组织考评")
    parts = []
    for label, points, weight in zip(labels, stored, weights, strict=True):
        share = (Decimal(points or 0) * weight / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        parts.append(CompositePart(label, _num(points), weight, _num(share)))
    total = acceptance.composite_score or Decimal(0)
    bonus = acceptance.bonus_part or Decimal(0)
    weighted = total - bonus
    pass_score = campaign.pass_score
    sum_text = " + ".join(f"{p.label} {p.points} × {p.weight}%" for p in parts)
    explanation = f"{sum_text} = {_num(weighted)}"
    if bonus:
        explanation += f"；加分 {_num(bonus)}"
    explanation += f"；综合得分 {_num(total)}"
    if acceptance.vetoed:
        explanation += "。一票否决项未通过，验收不通过。"
    else:
        reached = "达到" if total >= pass_score else "未达到"
        explanation += f"，{reached}通过分数线 {_num(pass_score)} 分。"
    verdict = Acceptance.Verdict(acceptance.verdict)
    return parts, {
        "total": _num(total),
        "weighted": _num(weighted),
        "bonus": _num(bonus),
        "pass_score": _num(pass_score),
        "vetoed": acceptance.vetoed,
        "verdict": acceptance.verdict,
        "verdict_label": str(verdict.label),
        "explanation": explanation,
    }


def report_data(acceptance: Acceptance, sheet: AcceptanceSheet | None = None) -> ReportData:
    """What the report prints, read from the sheet (as on the day of signing) and the acceptance."""
    site = acceptance.site
    if sheet is None:
        day = timezone.localtime(acceptance.signed_at).date() if acceptance.signed_at else None
        sheet = acceptance_sheet(acceptance, today=day)
    team = [Inspector(m.user_id, str(m.user), m.is_lead, m.signed_at) for m in sheet.team]
    self_by_dimension = sheet.self_score.by_dimension
    dimensions = []
    vetoes = []
    computed = []
    for block in sheet.dimensions:
        own = self_by_dimension.get(block.dimension.pk)
        lines = [_line(row, team) for row in block.rows]
        dimensions.append(
            DimensionBlock(
                name=block.dimension.name,
                max_points=_num(block.max_points),
                self_points=_num(own.points if own is not None else None),
                inspection_points=_num(block.inspection_points),
                lines=lines,
            )
        )
        for row in block.rows:
            indicator = row.indicator
            if indicator.is_veto:
                agreed = row.agreed.occurred if row.agreed is not None else None
                vetoes.append(
                    VetoLine(
                        code=indicator.code,
                        text=_veto_condition(indicator),
                        answers=[_veto_answer(row, member) for member in team],
                        agreed=_occurred_text(agreed) if row.agreed is not None else "",
                        outcome="一票否决" if row.marks.vetoed else "未触及",
                    )
                )
            if row.computed is not None:
                metric = Metric(row.computed.metric).label if row.computed.metric in Metric.values else ""
                figure = row.computed.figure
                computed.append(
                    {
                        "code": indicator.code,
                        "metric": str(metric),
                        "figure": DASH if figure is None else rules.fmt(Decimal(figure)),
                        "period": row.computed.period_label,
                        "points": _num(row.computed.points),
                        "explanation": row.computed.explanation,
                    }
                )
    bonus = sheet.inspection.bonus
    framework = sheet.self_score.framework
    parts, composite = _composite(acceptance)
    return ReportData(
        acceptance=acceptance,
        site=site,
        team=team,
        dimensions=dimensions,
        totals={
            "max": _num(sheet.framework_total),
            "self": _num(sheet.self_score.points),
            "inspection": _num(sheet.inspection.points),
        },
        vetoes=vetoes,
        bonus={
            "claimed": _num(bonus.claimed),
            "awarded": _num(bonus.awarded),
            "cap": _num(framework.bonus_cap)
            if framework is not None and framework.bonus_cap is not None
            else "",
            "explanation": bonus.explanation,
            "on_hundred": _num(acceptance.bonus_part),
        },
        survey=_survey(sheet),
        computed=computed,
        parts=parts,
        composite=composite,
        rectifications=[
            {
                "description": item.description,
                "owner": item.owner,
                "due_on": item.due_on,
                "status": item.get_status_display(),
            }
            for item in acceptance.rectifications.order_by("due_on", "pk")
        ],
    )


SURVEY_KEYS = ("issued", "cast", "turnout", "rate", "choices")


def report_content(data: ReportData) -> dict:
    """The canonical content the digest is taken of (see the module docstring)."""
    acceptance, site = data.acceptance, data.site
    campaign = site.campaign
    signed_by = acceptance.signed_by
    return {
        "version": CONTENT_VERSION,
        "acceptance": acceptance.pk,
        "campaign": {"id": campaign.pk, "name": campaign.name, "year": campaign.year},
        "organizer": campaign.organizer.name,
        "site": {"id": site.pk, "branch": site.organization.name},
        "visited_on": acceptance.visited_on.isoformat() if acceptance.visited_on else None,
        "team": [{"name": m.name, "lead": m.is_lead} for m in data.team],
        "dimensions": [
            {
                "name": d.name,
                "max": d.max_points,
                "self": d.self_points,
                "inspection": d.inspection_points,
                "items": [line.digest_part() for line in d.lines],
            }
            for d in data.dimensions
        ],
        "totals": data.totals,
        "bonus": {k: data.bonus[k] for k in ("claimed", "awarded", "on_hundred")},
        "vetoes": [[v.code, v.answers, v.agreed, v.outcome] for v in data.vetoes],
        "survey": (
            {k: data.survey[k] for k in ("issued", "cast", "turnout", "rate", "choices")}
            if data.survey
            else None
        ),
        "parts": [[p.label, p.points, p.weight] for p in data.parts],
        "composite": {k: data.composite[k] for k in ("total", "bonus", "pass_score", "vetoed")},
        "verdict": acceptance.verdict,
        "findings": acceptance.findings,
        "signed_at": acceptance.signed_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
        "signed_by": str(signed_by) if signed_by is not None else "",
    }


def content_digest(content: dict) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of `content`."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_url(digest: str) -> str:
    """The absolute address of the public check of `digest` (on `settings.SITE_URL`)."""
    return settings.SITE_URL.rstrip("/") + reverse("assessments:verify", args=[digest])


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _load(acceptance: Acceptance) -> Acceptance:
    return Acceptance.objects.select_related(
        "site__campaign__organizer", "site__organization", "site__nominated_by", "signed_by"
    ).get(pk=acceptance.pk)


def report_html(acceptance: Acceptance) -> tuple[str, str]:
    """The report's HTML and its content digest (printed in it). The acceptance must be signed."""
    acceptance = _load(acceptance)
    if acceptance.signed_at is None:
        raise ValueError("验收尚未签署，不能生成验收报告。")
    data = report_data(acceptance)
    digest = content_digest(report_content(data))
    url = verify_url(digest)
    site = acceptance.site
    html = render_to_string(
        "assessments/report/report.html",
        {
            "data": data,
            "columns": 5 + len(data.team),
            "acceptance": acceptance,
            "site": site,
            "campaign": site.campaign,
            "digest": digest,
            "verify_url": url,
            "qr_data_uri": _qr(url),
            "rendered_on": timezone.localdate(),
            "footer_top": css_string(f"{site.organization.name} · {site.campaign.name} · 验收报告"),
            "footer_digest": css_string(f" · 校验码 {digest}"),
        },
    )
    return html, digest


def report_filename(acceptance: Acceptance) -> str:
    return f"验收报告-{acceptance.site.organization.name}-{acceptance.pk}.pdf"


def render_report(acceptance: Acceptance, *, force: bool = False) -> Acceptance:
    """Render the signed acceptance's report and store it (see the module docstring).

    Idempotent: an acceptance whose report is rendered is returned as it is unless `force`; two
    workers rendering at once store one report (the row is locked and read again before saving).
    Records `Verb.ISSUE_REPORT` (no actor: the system issues it) on the site's history.
    """
    # WeasyPrint takes about a second to import; only rendering needs it.
    from weasyprint import HTML

    loaded = _load(acceptance)
    if loaded.report_rendered_at is not None and loaded.report and not force:
        return loaded
    html, digest = report_html(loaded)
    pdf = HTML(string=html).write_pdf()
    with transaction.atomic():
        locked = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
        if locked.report_rendered_at is not None and locked.report and not force:
            return _load(locked)
        old_name = locked.report.name if locked.report else ""
        locked.site = loaded.site
        locked.report.save(report_filename(locked), ContentFile(pdf), save=False)
        locked.report_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.report_content_sha256 = digest
        locked.report_rendered_at = timezone.now()
        locked.save(update_fields=["report", "report_sha256", "report_content_sha256", "report_rendered_at"])
        site = locked.site
        record_event(
            actor=None,
            verb=Verb.ISSUE_REPORT,
            target=locked,
            organization=site.organization,
            subject=site,
            summary=f"{'重新' if old_name else ''}生成验收报告，校验码 {digest}",
        )
        if old_name and old_name != locked.report.name:
            storage = locked.report.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return _load(locked)


def issued_report(digest: str) -> tuple[Acceptance, str] | None:
    """The signed acceptance whose report has `digest` as its content digest or its file's hash,
    with which one matched ("content" or "file"); None when no report has it."""
    if not is_digest(digest):
        return None
    acceptance = (
        Acceptance.objects.filter(
            Q(report_content_sha256=digest) | Q(report_sha256=digest), signed_at__isnull=False
        )
        .select_related("site__campaign__organizer", "site__organization")
        .order_by("-report_rendered_at")
        .first()
    )
    if acceptance is None:
        return None
    return acceptance, "content" if acceptance.report_content_sha256 == digest else "file"
