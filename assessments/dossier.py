"""The site's dossier (创建档案): every record of the campaign year bound into one A4 PDF with a
cover, a table of contents with page numbers and the sections the plans' 归档立卷 asks for, and
`档案.zip` beside it holding the PDF and every evidence file, named by section and number.

    content = dossier_content(site, variant)       # what the dossier states, no file read
    fingerprint(content)                           # its sha256: same content, same dossier
    request_dossier(site=site, variant=…, by=user)  # PENDING and enqueued, unless already current
    render_dossier(site_id, variant)               # the Celery job's work (`tasks.render_site_dossier`)

Sections, in this order: 创建方案; 领导小组; 工作安排 with completion and dates; 三会一课 with
attendance; 党员星级服务 (the skills register, the year's services, the star board); 帮扶结对 and
挂牌; 经费; 督导 and 整改 with their closing; 基层自评 with its evidence; 创建工作总结; and, once an
acceptance is signed, 验收结果. The year is the campaign's calendar year.

Personal data follows the viewer (`variant_for`): the 完整版 shows whole 公民身份证号 and phone
numbers to those `members.policies.sees_id_numbers` names (the branch secretary, the 组织部);
everyone else allowed to read the dossier (the 党委, the acceptance team) gets the 脱敏版, both
masked. Each variant is rendered and stored on its own (`Dossier`, one row per site and variant).

Re-rendering only on change: the fingerprint is the sha256 of a canonical JSON of everything the
dossier prints (each evidence file by its stored name and recorded hash) and the variant; a
dossier rendered from the same fingerprint is current, and neither a request nor the job renders
it again unless forced. The date printed on the cover is the rendering's and not part of it.

Evidence: images are embedded at a readable size (scaled down to at most `MAX_EDGE` pixels for
the PDF; the ZIP keeps the original); every other file is listed with its sha256, computed from
the bytes bundled. Reading the records costs a fixed number of queries whatever their number.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone

from campaigns.models import Funding, LeadingGroupMember, Rectification, Site, SupervisionVisit, WorkItem
from members import figures as branch_figures
from members.meeting_record import MeetingRecord, absentees_text, marks_of, with_marks
from members.models import Household, Meeting, Member, Pairing, Plaque, ServiceRecord
from members.policies import sees_id_numbers
from members.queries import Board, load_board
from members.reports import css_string
from members.stars import STAR_NAMES
from organizations.templatetags.chinese_dates import chinese_date

from . import queries, rules, scoring
from .models import Acceptance, Dossier, Metric, WorkSummary
from .surveys import site_satisfaction

logger = logging.getLogger(__name__)
PROGRESS_LOGGER = logging.getLogger("weasyprint.progress")

# Bumped when what `dossier_content` holds or how the template prints it changes, so a dossier
# rendered by older code is not taken for current.
CONTENT_VERSION = 1
DASH = "—"
NUMERALS = "一二三四五六七八九十"
# Longest edge, in pixels, of an evidence image as embedded: 170 mm at about 180 dpi.
MAX_EDGE = 1200
# A PENDING or RENDERING dossier older than this is taken for a lost job and may be asked again.
STALE_JOB = datetime.timedelta(minutes=15)
TEMPLATE = "assessments/dossier/dossier.html"
MANIFEST = "校验清单.txt"

V = Dossier.Variant


# Who gets which copy ---------------------------------------------------------------------------


def variant_for(user, site: Site) -> str:
    """The copy `user` reads: whole ID numbers and phones for those who see them on the member
    pages (`sees_id_numbers`), masked for everyone else."""
    return V.FULL if sees_id_numbers(user, site.organization) else V.MASKED


def mask_phone(phone: str) -> str:
    """138****5678: the first three and the last four digits of a mobile; a shorter number keeps
    its last two. Blank stays blank."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def _id_number(member: Member, variant: str) -> str:
    return (member.id_number if variant == V.FULL else member.masked_id_number) or DASH


def _phone(phone: str, variant: str) -> str:
    return (phone if variant == V.FULL else mask_phone(phone)) or DASH


# Formatting ------------------------------------------------------------------------------------


def _day(day: datetime.date | datetime.datetime | None) -> str:
    return chinese_date(day) or DASH


def _num(value: Decimal | int | None) -> str:
    return DASH if value is None else rules.fmt(Decimal(value))


def _percent(value: Decimal | None) -> str:
    return DASH if value is None else f"{rules.fmt(Decimal(value))}%"


def _yuan(amount: Decimal | None) -> str:
    return DASH if amount is None else f"{Decimal(amount):,.2f}"


def heading(number: int, title: str) -> str:
    """一、创建方案 … 十一、验收结果."""
    numeral = NUMERALS[number - 1] if number <= 10 else "十" + NUMERALS[number - 11]
    return f"{numeral}、{title}"


def year_span(site: Site) -> tuple[datetime.date, datetime.date]:
    """The dossier's year: the campaign's calendar year."""
    year = site.campaign.year
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# Evidence files --------------------------------------------------------------------------------


@dataclass
class Attachment:
    """One evidence file of a section, numbered within it: `09-03` is the third of section 九.

    `sha256` is the hash recorded at upload where there is one (self-assessment evidence); the
    rendering computes every file's from its bytes (`actual_sha256`) and prints that one.
    """

    section: int
    section_title: str
    number: int
    title: str
    name: str
    file: FieldFile
    recorded_sha256: str = ""
    actual_sha256: str = ""
    size: int | None = None
    embedded: bool = False

    @property
    def code(self) -> str:
        return f"{self.section:02d}-{self.number:02d}"

    @property
    def label(self) -> str:
        return f"附件{self.section}-{self.number}"

    @property
    def is_image(self) -> bool:
        return PurePosixPath(self.name).suffix.lower() in (".jpg", ".jpeg", ".png")

    @property
    def uri(self) -> str:
        return f"dossier:{self.code}"

    @property
    def zip_name(self) -> str:
        """`04-三会一课/04-07-签到表.jpg`: the section's folder, the code and the file's own name."""
        own = PurePosixPath(self.name.replace("\\", "/")).name or f"附件{self.suffix}"
        return f"{self.section:02d}-{self.section_title}/{self.code}-{own}"

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.file.name or "").suffix.lower()

    @property
    def sha256(self) -> str:
        return self.actual_sha256 or self.recorded_sha256

    @property
    def tampered(self) -> bool:
        """The bytes differ from the hash recorded at upload."""
        return bool(
            self.recorded_sha256 and self.actual_sha256 and self.recorded_sha256 != self.actual_sha256
        )

    def digest_part(self) -> list:
        return [self.code, self.title, self.name, self.file.name, self.recorded_sha256]


# Keys of a section's data whose values are attachment codes (one, or a list).
ATTACHMENT_KEYS = ("file", "photos", "evidence", "refs")


def _resolve(value, by_code: dict[str, Attachment]):
    if isinstance(value, dict):
        return {
            key: _codes(item, by_code) if key in ATTACHMENT_KEYS else _resolve(item, by_code)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve(item, by_code) for item in value]
    return value


def _codes(value, by_code: dict[str, Attachment]):
    if isinstance(value, list):
        return [by_code[code] for code in value]
    return by_code.get(value) if value else None


@dataclass
class Section:
    number: int
    key: str
    title: str
    data: dict
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return heading(self.number, self.title)

    @property
    def anchor(self) -> str:
        return f"s-{self.key}"

    @property
    def template(self) -> str:
        return f"assessments/dossier/sections/{self.key}.html"

    @property
    def view(self) -> dict:
        """`data` as the template reads it: the attachment codes under `ATTACHMENT_KEYS` replaced
        by the attachments themselves."""
        by_code = {a.code: a for a in self.attachments}
        return _resolve(self.data, by_code)

    def attach(self, *, title: str, name: str, file: FieldFile, sha256: str = "") -> Attachment:
        attachment = Attachment(
            section=self.number,
            section_title=self.title,
            number=len(self.attachments) + 1,
            title=title,
            name=name or PurePosixPath(file.name).name,
            file=file,
            recorded_sha256=sha256,
        )
        self.attachments.append(attachment)
        return attachment


@dataclass
class DossierContent:
    site: Site
    variant: str
    cover: dict
    sections: list[Section]

    @property
    def attachments(self) -> list[Attachment]:
        return [a for section in self.sections for a in section.attachments]

    def canonical(self) -> dict:
        """What the fingerprint is taken of: everything printed, and the variant."""
        return {
            "version": CONTENT_VERSION,
            "variant": self.variant,
            "cover": self.cover,
            "sections": [
                [s.key, s.heading, s.data, [a.digest_part() for a in s.attachments]] for s in self.sections
            ],
        }


def fingerprint(content: DossierContent) -> str:
    canonical = json.dumps(content.canonical(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The sections ----------------------------------------------------------------------------------


def _plan(site: Site, section: Section) -> None:
    campaign = site.campaign
    section.data = {
        "text": site.plan,
        "highlights": site.highlights,
        "nominated": f"{site.nominated_by.name}于{_day(site.nominated_at)}申报" if site.nominated_at else "",
        "decision_note": site.decision_note,
        "phases": [
            {"name": p.display_name, "dates": f"{_day(p.starts_on)}至{_day(p.ends_on)}"}
            for p in sorted(campaign.phases.all(), key=lambda p: p.starts_on)
        ],
    }
    if site.plan_file:
        attachment = section.attach(
            title="创建方案附件", name=PurePosixPath(site.plan_file.name).name, file=site.plan_file
        )
        section.data["file"] = attachment.code


def _leading_group(site: Site, section: Section) -> None:
    rows = LeadingGroupMember.objects.filter(site=site).in_rank_order()
    section.data = {
        "rows": [[m.get_position_display(), m.name, m.title, m.duty] for m in rows],
    }


def _timeliness(item: WorkItem, today: datetime.date) -> str:
    if item.status == WorkItem.Status.DONE:
        if item.done_on and item.done_on > item.due_on:
            return f"逾期 {(item.done_on - item.due_on).days} 天完成"
        return "按时完成"
    if item.due_on < today:
        return f"逾期 {(today - item.due_on).days} 天未完成"
    return ""


def _work(site: Site, section: Section, today: datetime.date) -> None:
    items = list(WorkItem.objects.filter(site=site).select_related("phase").order_by("due_on", "id"))
    done = [i for i in items if i.status == WorkItem.Status.DONE]
    on_time = [i for i in done if i.done_on is None or i.done_on <= i.due_on]
    overdue = [i for i in items if i.status != WorkItem.Status.DONE and i.due_on < today]
    section.data = {
        "total": len(items),
        "done": len(done),
        "on_time": len(on_time),
        "overdue": len(overdue),
        "percent": _percent(branch_figures.percent(len(done), len(items))) if items else DASH,
        "rows": [
            [
                i.phase.display_name if i.phase_id else DASH,
                i.title,
                i.responsible or DASH,
                _day(i.due_on),
                i.get_status_display(),
                _day(i.done_on),
                _timeliness(i, today),
            ]
            for i in items
        ],
    }


def _photo_name(caption: str, stored: str) -> str:
    """A meeting photo's name in the bundle: its caption where it has one (会场.jpg)."""
    path = PurePosixPath(stored)
    return f"{caption}{path.suffix}" if caption else path.name


def _meetings(site: Site, section: Section) -> None:
    branch = site.organization
    start, end = year_span(site)
    meetings = list(
        with_marks(
            Meeting.objects.within(branch)
            .filter(held_on__gte=start, held_on__lte=end)
            .select_related("organization")
            .prefetch_related("photos")
            .order_by("held_on", "id")
        )
    )
    kinds = Counter(m.kind for m in meetings)
    rows = []
    for meeting in meetings:
        record = MeetingRecord(meeting=meeting, branch=branch, marks=marks_of(meeting))
        count = record.headcount
        photos = [
            section.attach(
                title=f"{meeting.held_on:%Y-%m-%d} {meeting.get_kind_display()}照片",
                name=_photo_name(photo.caption, photo.image.name),
                file=photo.image,
            ).code
            for photo in meeting.photos.all()
        ]
        rows.append(
            {
                "date": _day(meeting.held_on),
                "kind": meeting.get_kind_display(),
                "held_by": record.held_by,
                "topic": meeting.topic,
                "location": meeting.location,
                "host": meeting.host,
                "recorder": meeting.recorder,
                "observers": meeting.observers,
                "expected": _num(count.expected),
                "present": _num(count.present),
                "excused": count.excused,
                "absent": count.absent,
                "rate": _percent(count.rate),
                "from_sheet": count.from_sheet,
                "absentees": absentees_text(record.marks),
                "agenda": meeting.agenda,
                "resolutions": meeting.resolutions,
                "minutes": meeting.minutes,
                "photos": photos,
            }
        )
    section.data = {
        "year": site.campaign.year,
        "total": len(meetings),
        "kinds": [[label, kinds[value]] for value, label in Meeting.Kind.choices if kinds[value]],
        "rate": _percent(branch_figures.meeting_attendance_rate(branch, start, end)),
        "rows": rows,
    }


def _service(site: Site, section: Section, variant: str, board: Board) -> None:
    branch = site.organization
    start, end = year_span(site)
    members = (
        Member.objects.filter(branch=branch)
        .select_related("group")
        .order_by(F("group__path").asc(nulls_last=True), "name", "pk")
    )
    services = (
        ServiceRecord.objects.filter(member__branch=branch, served_on__gte=start, served_on__lte=end)
        .select_related("member", "household")
        .order_by("served_on", "id")
    )
    section.data = {
        "year": board.year,
        "variant": variant,
        "members": [
            [
                m.name,
                m.get_gender_display(),
                m.group.name if m.group_id else DASH,
                m.get_status_display(),
                _id_number(m, variant),
                _phone(m.phone, variant),
                m.skills or DASH,
                "流动党员" if m.is_mobile else "",
            ]
            for m in members
        ],
        "services": [
            [
                chinese_date(s.served_on, "short"),  # the year is the section's
                s.member.name,
                s.place,
                s.content,
                s.household.name if s.household_id else DASH,
                _num(s.hours),
                "已核实" if s.verified_at else "未核实",
            ]
            for s in services
        ],
        "rule": board.sentence,
        "levels": [[level.name, level.title, level.members] for level in board.levels],
        "starred": board.starred,
        "counted": board.services,
        "board": [
            [r.name, r.group_name or DASH, r.services, r.stars, STAR_NAMES[r.stars]] for r in board.rows
        ],
    }


def _pairing(site: Site, section: Section, variant: str) -> None:
    branch = site.organization
    year = site.campaign.year
    households = Household.objects.filter(branch=branch).order_by("category", "name", "pk")
    pairings = (
        Pairing.objects.filter(member__branch=branch)
        .select_related("member", "household")
        .order_by("member__name", "household__name", "pk")
    )
    plaques = (
        Plaque.objects.filter(member__branch=branch, year=year)
        .select_related("member")
        .order_by("title", "member__name")
    )
    section.data = {
        "year": year,
        "households": [
            [h.name, h.get_category_display(), h.needs or DASH, h.address or DASH, _phone(h.phone, variant)]
            for h in households
        ],
        "pairings": [
            [p.member.name, p.household.name, p.household.get_category_display(), _day(p.started_on)]
            for p in pairings
        ],
        "plaques": [
            [p.get_title_display(), p.member.name, p.get_method_display(), _day(p.awarded_on)]
            for p in plaques
        ],
    }


def _funding(site: Site, section: Section) -> None:
    rows = list(Funding.objects.filter(site=site).with_balance())
    by_source: dict[str, list[Decimal]] = {}
    for row in rows:
        sums = by_source.setdefault(row.get_source_display(), [Decimal(0), Decimal(0)])
        sums[0] += row.amount
        sums[1] += row.spent
    amount = sum((r.amount for r in rows), Decimal(0))
    spent = sum((r.spent for r in rows), Decimal(0))
    section.data = {
        "rows": [
            [r.get_source_display(), _yuan(r.amount), _yuan(r.spent), _yuan(r.balance), r.note] for r in rows
        ],
        "by_source": [[label, _yuan(a), _yuan(s)] for label, (a, s) in by_source.items()],
        "amount": _yuan(amount),
        "spent": _yuan(spent),
        "balance": _yuan(amount - spent),
    }


def _supervision(site: Site, section: Section, today: datetime.date) -> None:
    visits = (
        SupervisionVisit.objects.filter(site=site).select_related("recorded_by").order_by("visited_on", "id")
    )
    items = list(
        Rectification.objects.filter(site=site)
        .select_related("supervision_visit", "closed_by", "answered_by")
        .order_by("created_at", "id")
    )
    rows = []
    for item in items:
        evidence = ""
        if item.evidence:
            evidence = section.attach(
                title=f"整改佐证：{item.description[:30]}",
                name=PurePosixPath(item.evidence.name).name,
                file=item.evidence,
            ).code
        rows.append(
            {
                "source": item.get_source_display(),
                "visit": _day(item.supervision_visit.visited_on) if item.supervision_visit_id else "",
                "description": item.description,
                "owner": item.owner or DASH,
                "due": _day(item.due_on),
                "status": item.get_status_display(),
                "overdue": item.days_overdue(today),
                "response": item.response,
                "answered": _day(item.answered_at) if item.answered_at else "",
                "closed": _day(item.closed_on) if item.closed_on else "",
                "closed_by": str(item.closed_by) if item.closed_by_id else "",
                "evidence": evidence,
            }
        )
    closed = sum(1 for i in items if i.status == Rectification.Status.CLOSED)
    section.data = {
        "visits": [
            [
                _day(v.visited_on),
                v.get_method_display(),
                v.findings,
                str(v.recorded_by) if v.recorded_by_id else DASH,
            ]
            for v in visits
        ],
        "rectifications": rows,
        "total": len(items),
        "closed": closed,
        "open": len(items) - closed,
    }


def _self_assessment(site: Site, section: Section) -> queries.Sheet:
    sheet = queries.self_assessment_sheet(site)
    assessment = sheet.assessment
    codes: dict[int, str] = {}
    dimensions = []
    for block in sheet.dimensions:
        items = []
        for item in block.items:
            indicator = item.indicator
            refs = []
            for evidence in item.evidence:
                attachment = section.attach(
                    title=f"{indicator.code} {indicator.text[:40]}",
                    name=evidence.original_name,
                    file=evidence.file,
                    sha256=evidence.sha256,
                )
                codes[evidence.pk] = attachment.code
                refs.append(attachment.code)
            row = item.row
            items.append(
                {
                    "code": indicator.code,
                    "group": indicator.item_group.name if indicator.item_group_id else "",
                    "text": indicator.text,
                    "max": _num(indicator.max_score),
                    "bonus": indicator.is_bonus,
                    "veto": indicator.is_veto,
                    "score": _num(item.score),
                    "answer": item.answer_explanation,
                    "computed": item.computed.explanation if item.computed is not None else "",
                    "reason": row.reason if row is not None else "",
                    "narrative": row.narrative if row is not None else "",
                    "hint": indicator.evidence_hint,
                    "refs": refs,
                }
            )
        dimensions.append(
            {
                "name": block.dimension.name,
                "max": _num(block.max_points),
                "score": _num(block.self_points),
                "items": items,
            }
        )
    # Evidence not tied to an item (kept when its indicator was removed) is still bound.
    if assessment.pk:
        loose = [e for e in assessment.evidence.order_by("uploaded_at", "id") if e.pk not in codes]
        for evidence in loose:
            section.attach(
                title="其他佐证材料", name=evidence.original_name, file=evidence.file, sha256=evidence.sha256
            )
    section.data = {
        "status": assessment.get_status_display(),
        "submitted": _day(assessment.submitted_at) if assessment.submitted_at else "",
        "reviewed": _day(assessment.reviewed_at) if assessment.reviewed_at else "",
        "reviewed_by": str(assessment.reviewed_by) if assessment.reviewed_by_id else "",
        "review_note": assessment.review_note,
        "summary": assessment.summary,
        "framework": sheet.site_score.framework.name if sheet.site_score.framework else "",
        "max": _num(sheet.max_points),
        "score": _num(sheet.self_points),
        "bonus": _num(sheet.bonus_points),
        "dimensions": dimensions,
    }
    return sheet


def summary_of(site: Site) -> WorkSummary:
    """The site's 创建工作总结, or an unsaved draft before the first save (no write on a read)."""
    summary = WorkSummary.objects.filter(site=site).select_related("reviewed_by").first()
    if summary is None:
        summary = WorkSummary(site=site)
    summary.site = site
    return summary


def _summary(site: Site, section: Section, sheet: queries.Sheet) -> None:
    summary = summary_of(site)
    texts = summary.dimension_texts or {}
    section.data = {
        "written": summary.pk is not None,
        "status": summary.get_status_display(),
        "approved": summary.status == WorkSummary.Status.APPROVED,
        "reviewed": _day(summary.reviewed_at) if summary.reviewed_at else "",
        "reviewed_by": str(summary.reviewed_by) if summary.reviewed_by_id else "",
        "review_note": summary.review_note if summary.status == WorkSummary.Status.APPROVED else "",
        "dimensions": [
            [block.dimension.name, texts.get(str(block.dimension.pk), "")] for block in sheet.dimensions
        ],
        "highlights": summary.highlights,
        "figures": summary.figures,
        "problems": summary.problems,
        "next_steps": summary.next_steps,
    }


def _acceptance(acceptances: list[Acceptance]) -> dict:
    rounds = []
    for acceptance in acceptances:
        team = sorted(acceptance.team_members.all(), key=lambda m: (not m.is_lead, m.pk))
        campaign = acceptance.site.campaign
        rounds.append(
            {
                "visited": _day(acceptance.visited_on),
                "team": "、".join(f"{m.user}{'（组长）' if m.is_lead else ''}" for m in team),
                "parts": [
                    ["基层自评", _num(acceptance.self_part), campaign.weight_self],
                    ["群众测评", _num(acceptance.public_part), campaign.weight_public],
                    ["组织考评", _num(acceptance.inspection_part), campaign.weight_inspection],
                ],
                "bonus": _num(acceptance.bonus_part),
                "composite": _num(acceptance.composite_score),
                "pass_score": _num(campaign.pass_score),
                "vetoed": acceptance.vetoed,
                "verdict": acceptance.get_verdict_display(),
                "findings": acceptance.findings,
                "signed": _day(acceptance.signed_at),
                "signed_by": str(acceptance.signed_by) if acceptance.signed_by_id else "",
                "publicity": (
                    f"{_day(acceptance.publicity_starts_on)}至{_day(acceptance.publicity_ends_on)}"
                    if acceptance.publicity_starts_on
                    else ""
                ),
                "final": _day(acceptance.final_at) if acceptance.final_at else "",
                "digest": acceptance.report_content_sha256,
                "rectifications": [
                    [
                        r.description,
                        r.owner or DASH,
                        _day(r.due_on),
                        r.get_status_display(),
                        _day(r.closed_on) if r.closed_on else "",
                    ]
                    for r in sorted(acceptance.rectifications.all(), key=lambda r: (r.due_on, r.pk))
                ],
            }
        )
    return {"rounds": rounds}


def _load_site(site: Site) -> Site:
    return (
        Site.objects.with_related()
        .select_related("campaign__organizer")
        .prefetch_related("campaign__phases")
        .get(pk=site.pk)
    )


def dossier_content(site: Site, variant: str, *, today: datetime.date | None = None) -> DossierContent:
    """Everything the dossier prints for `site` in `variant`, read from the records; no file is
    opened. About thirty queries, the same however many records the year has."""
    today = today or timezone.localdate()
    site = _load_site(site)
    campaign = site.campaign
    board = load_board(site.organization, campaign.year)
    acceptances = list(
        Acceptance.objects.filter(site=site, signed_at__isnull=False)
        .select_related("site__campaign", "signed_by")
        .prefetch_related("team_members__user", "rectifications")
        .order_by("signed_at", "pk")
    )
    titles = [
        ("plan", "创建方案"),
        ("leading_group", "领导小组"),
        ("work", "工作安排"),
        ("meetings", "三会一课"),
        ("service", "党员星级服务"),
        ("pairing", "帮扶结对与挂牌"),
        ("funding", "经费"),
        ("supervision", "督导与整改"),
        ("self_assessment", "基层自评"),
        ("summary", "创建工作总结"),
    ]
    if acceptances:
        titles.append(("acceptance", "验收结果"))
    sections = {key: Section(n, key, title, {}) for n, (key, title) in enumerate(titles, start=1)}
    _plan(site, sections["plan"])
    _leading_group(site, sections["leading_group"])
    _work(site, sections["work"], today)
    _meetings(site, sections["meetings"])
    _service(site, sections["service"], variant, board)
    _pairing(site, sections["pairing"], variant)
    _funding(site, sections["funding"])
    _supervision(site, sections["supervision"], today)
    sheet = _self_assessment(site, sections["self_assessment"])
    _summary(site, sections["summary"], sheet)
    if acceptances:
        sections["acceptance"].data = _acceptance(acceptances)
    cover = {
        "branch": site.organization.name,
        "committee": site.nominated_by.name,
        "campaign": campaign.name,
        "year": campaign.year,
        "organizer": campaign.organizer.name,
        "status": site.get_status_display(),
        "variant": Dossier.Variant(variant).label,
    }
    return DossierContent(site=site, variant=variant, cover=cover, sections=list(sections.values()))


# The year's figures, as sentences a summary may quote ----------------------------------------


@dataclass(frozen=True)
class YearFigure:
    """One computed figure worded as the summary would write it, and where it is offered:
    `target` is the summary's field ("figures", or `dim_<id>` for a dimension's items)."""

    key: str
    label: str
    text: str
    target: str = "figures"


def _kind_counts(site: Site) -> tuple[Counter, int]:
    start, end = year_span(site)
    rows = (
        Meeting.objects.within(site.organization)
        .filter(held_on__gte=start, held_on__lte=end)
        .values_list("kind", flat=True)
        .order_by()
    )
    kinds = Counter(rows)
    return kinds, sum(kinds.values())


def year_figures(site: Site, *, today: datetime.date | None = None) -> list[YearFigure]:
    """The site's year in figures (meetings, attendance, development, dues, stars, pairing, the
    schedule, supervision, funding, the self-assessment, the survey), each one sentence, then the
    computed items of each dimension with how they were reached. `site` with its campaign, branch
    and phases. A fixed number of queries (about twenty)."""
    today = today or timezone.localdate()
    branch = site.organization
    year = site.campaign.year
    start, end = year_span(site)
    figures: list[YearFigure] = []

    kinds, total = _kind_counts(site)
    if total:
        parts = "、".join(
            f"{label} {kinds[value]} 次" for value, label in Meeting.Kind.choices if kinds[value]
        )
        figures.append(YearFigure("meetings", "三会一课", f"{year}年召开{parts}，共 {total} 次"))
    rate = branch_figures.meeting_attendance_rate(branch, start, end)
    if rate is not None:
        figures.append(YearFigure("attendance", "党员到会率", f"党员到会率 {_percent(rate)}"))
    new_members = branch_figures.new_members(branch, start, end)
    activists = branch_figures.new_activists(branch, start, end)
    figures.append(
        YearFigure("development", "发展党员", f"发展党员 {new_members} 名，培养入党积极分子 {activists} 名")
    )
    dues = branch_figures.dues_on_time_rate(branch, start, end, today=today)
    if dues is not None:
        figures.append(YearFigure("dues", "党费缴纳", f"党费按时足额缴纳率 {_percent(dues)}"))
    board = load_board(branch, year)
    if board.rows:
        levels = "、".join(
            f"{level.name} {level.members} 名" for level in board.levels if level.stars and level.members
        )
        share = _percent(branch_figures.percent(board.starred, len(board.rows)))
        text = (
            f"全年核实党员星级服务 {board.services} 次，"
            f"评出星级党员志愿者 {board.starred} 名（占党员 {share}）"
        )
        figures.append(YearFigure("stars", "党员星级服务", text + (f"，其中{levels}" if levels else "")))
    pairings = Pairing.objects.filter(member__branch=branch).values("household").distinct().count()
    plaques = Counter(
        Plaque.objects.filter(member__branch=branch, year=year).values_list("title", flat=True).order_by()
    )
    if pairings or plaques:
        text = f"党员结对帮扶 {pairings} 户"
        if plaques:
            named = "、".join(
                f"{label} {plaques[value]} 户" for value, label in Plaque.Title.choices if plaques[value]
            )
            text += f"，评选挂牌{named}"
        figures.append(YearFigure("pairing", "帮扶结对与挂牌", text))
    items = list(WorkItem.objects.filter(site=site).values_list("status", "due_on", "done_on"))
    if items:
        done = [(due, on) for status, due, on in items if status == WorkItem.Status.DONE]
        on_time = sum(1 for due, on in done if on is None or on <= due)
        figures.append(
            YearFigure(
                "work",
                "工作安排",
                f"制定工作安排 {len(items)} 项，已完成 {len(done)} 项，其中按时完成 {on_time} 项",
            )
        )
    visits = SupervisionVisit.objects.filter(site=site).count()
    rectifications = list(Rectification.objects.filter(site=site).values_list("status", flat=True))
    if visits or rectifications:
        closed = sum(1 for status in rectifications if status == Rectification.Status.CLOSED)
        figures.append(
            YearFigure(
                "supervision",
                "督导与整改",
                f"接受督导 {visits} 次，整改事项 {len(rectifications)} 项，已销号 {closed} 项",
            )
        )
    fundings = list(Funding.objects.filter(site=site).values_list("source", "amount", "spent"))
    if fundings:
        labels = dict(Funding.Source.choices)
        amounts: dict[str, Decimal] = {}
        for source, amount, _spent in fundings:
            amounts[source] = amounts.get(source, Decimal(0)) + amount
        parts = "、".join(f"{labels[s]} {_yuan(a)} 元" for s, a in amounts.items())
        spent = sum((row[2] for row in fundings), Decimal(0))
        total_amount = sum(amounts.values(), Decimal(0))
        figures.append(
            YearFigure(
                "funding",
                "经费",
                f"落实创建经费 {_yuan(total_amount)} 元（{parts}），已使用 {_yuan(spent)} 元",
            )
        )
    site_score = scoring.score_site(site, today=today)
    if site_score.framework is not None and not site_score.unscored:
        text = f"基层自评得分 {_num(site_score.points)} 分（满分 {_num(site_score.max_points)} 分）"
        if site_score.bonus.awarded:
            text += f"，加分 {_num(site_score.bonus.awarded)} 分"
        figures.append(YearFigure("self_score", "基层自评", text))
    survey = site_satisfaction(site, today=today)
    if survey is not None and survey.rate is not None:
        figures.append(
            YearFigure(
                "satisfaction", "群众满意率", f"群众满意率 {_percent(survey.rate)}（有效票 {survey.cast} 张）"
            )
        )
    for dimension in site_score.dimensions:
        for item in dimension.items:
            computed = item.computed
            if computed is None or not computed.explanation:
                continue
            metric = Metric(computed.metric).label if computed.metric in Metric.values else ""
            figures.append(
                YearFigure(
                    f"item-{item.indicator.pk}",
                    f"{item.indicator.code} {metric}",
                    f"{metric}：{computed.explanation}" if metric else computed.explanation,
                    target=f"dim_{dimension.dimension.pk}",
                )
            )
    return figures


def figures_paragraph(figures: list[YearFigure]) -> str:
    """The year's figures (not the items') as one sentence: 2026年召开支委会 12 次…；党员到会率 93.5%。"""
    lines = [f.text for f in figures if f.target == "figures"]
    return "；".join(lines) + "。" if lines else ""


# Asking for a dossier ---------------------------------------------------------------------------


def current_dossier(site: Site, variant: str) -> Dossier | None:
    return Dossier.objects.filter(site=site, variant=variant).select_related("requested_by").first()


def is_busy(dossier: Dossier, now: datetime.datetime) -> bool:
    """Queued or rendering, and not so long ago that the job must have been lost."""
    if dossier.status not in (Dossier.Status.PENDING, Dossier.Status.RENDERING):
        return False
    since = dossier.started_at or dossier.requested_at
    return since is not None and now - since < STALE_JOB


def is_current(dossier: Dossier | None, current: str) -> bool:
    """The rendered dossier states the content whose fingerprint is `current`."""
    return (
        dossier is not None
        and dossier.status == Dossier.Status.DONE
        and dossier.is_ready
        and dossier.fingerprint == current
    )


def request_dossier(*, site: Site, variant: str, by, force: bool = False) -> tuple[Dossier, bool]:
    """Ask for `site`'s dossier in `variant`: (the dossier, whether a job was enqueued).

    Nothing is enqueued when the rendered dossier is current (same fingerprint) unless `force`,
    nor while a job for it is queued or running. The caller has asked
    `policies.cannot_download_dossier`. The job is enqueued when the transaction commits.
    """
    # The tasks module imports this one; the job is looked up when it is enqueued.
    from .tasks import render_site_dossier

    current = fingerprint(dossier_content(site, variant))
    now = timezone.now()
    with transaction.atomic():
        dossier, _ = Dossier.objects.select_for_update().get_or_create(site=site, variant=variant)
        if is_busy(dossier, now) or (is_current(dossier, current) and not force):
            return dossier, False
        dossier.status = Dossier.Status.PENDING
        dossier.stage = "等待后台生成"
        dossier.progress = 0
        dossier.error = ""
        dossier.requested_by = by if getattr(by, "is_authenticated", False) else None
        dossier.requested_at = now
        dossier.started_at = None
        dossier.save(
            update_fields=[
                "status",
                "stage",
                "progress",
                "error",
                "requested_by",
                "requested_at",
                "started_at",
            ]
        )
        transaction.on_commit(lambda: render_site_dossier.delay(site.pk, variant, force))
    return dossier, True


# Rendering -------------------------------------------------------------------------------------


class Progress:
    """Writes the job's step and percentage on the dossier row for the page to poll, at most
    every `interval` seconds (the last of a step always)."""

    def __init__(self, dossier_id: int, *, interval: float = 0.5) -> None:
        self.dossier_id = dossier_id
        self.interval = interval
        self._last = 0.0

    def __call__(self, percent: int, stage: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        Dossier.objects.filter(pk=self.dossier_id).update(
            progress=min(max(percent, 0), 100), stage=stage[:100]
        )


class _LayoutProgress(logging.Handler):
    """Turns WeasyPrint's "Step 5 - Creating layout - Page N" log lines into progress, against
    the pages expected (the last rendering's count, else an estimate)."""

    def __init__(self, report: Callable[[int, str], None], expected_pages: int) -> None:
        super().__init__(logging.INFO)
        self.report = report
        self.expected = max(expected_pages, 1)
        self.page = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if message.startswith("Step 5") and record.args:
            # Pages holding a page reference (the contents) are laid out again: never go back.
            if record.args[0] <= self.page:
                return
            page = self.page = record.args[0]
            share = min(page / self.expected, 1)
            self.report(30 + int(55 * share), f"正在排版第 {page} 页")
        elif message.startswith("Step 6"):
            self.report(87, "正在写入 PDF")


@contextmanager
def _weasyprint_progress(report: Callable[[int, str], None], expected_pages: int) -> Iterator[None]:
    """WeasyPrint's progress lines reach `report` for the duration (other modules keep the logger
    at WARNING, and nothing of it is printed)."""
    handler = _LayoutProgress(report, expected_pages)
    level, propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
    PROGRESS_LOGGER.addHandler(handler)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.propagate = False
    try:
        yield
    finally:
        PROGRESS_LOGGER.removeHandler(handler)
        PROGRESS_LOGGER.setLevel(level)
        PROGRESS_LOGGER.propagate = propagate


def _read_chunks(file: FieldFile) -> Iterator[bytes]:
    with file.open("rb") as handle:
        yield from iter(lambda: handle.read(1024 * 1024), b"")


def embeddable_image(data: bytes) -> bytes | None:
    """An evidence photo as embedded: turned upright, at most `MAX_EDGE` pixels on its longer
    edge, a JPEG on white; None when it does not decode as an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as source:
            # A JPEG decodes at 1/2, 1/4 … of its size when that still covers the target: much
            # faster than decoding a phone photo whole.
            scale = min(MAX_EDGE / max(source.size), 1)
            source.draft("RGB", (int(source.width * scale), int(source.height * scale)))
            image = ImageOps.exif_transpose(source)
            image.thumbnail((MAX_EDGE, MAX_EDGE))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=False)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _prepare_attachments(
    attachments: list[Attachment], report: Callable[[int, str], None]
) -> dict[str, bytes]:
    """Hash every file (and note its size); scale the images for embedding. Returns the embedded
    images by URI. A file missing from storage is listed as missing, not bundled."""
    images: dict[str, bytes] = {}
    for n, attachment in enumerate(attachments, start=1):
        report(5 + int(20 * n / max(len(attachments), 1)), f"正在整理附件 {n}/{len(attachments)}")
        digest, size = hashlib.sha256(), 0
        chunks = []
        try:
            for chunk in _read_chunks(attachment.file):
                digest.update(chunk)
                size += len(chunk)
                if attachment.is_image:
                    chunks.append(chunk)
        except (FileNotFoundError, OSError):
            logger.warning("dossier: evidence file %s is missing", attachment.file.name)
            continue
        attachment.actual_sha256 = digest.hexdigest()
        attachment.size = size
        if attachment.is_image:
            scaled = embeddable_image(b"".join(chunks))
            if scaled is not None:
                images[attachment.uri] = scaled
                attachment.embedded = True
    return images


def _fetcher(images: dict[str, bytes]):
    """A WeasyPrint URL fetcher that serves the embedded images and refuses everything else (the
    dossier reaches no network and no file outside what it was given)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DossierFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in images:
                return URLFetcherResponse(url, images[url], {"Content-Type": "image/jpeg"})
            raise ValueError(f"档案不读取外部资源：{url}")

    return DossierFetcher()


def dossier_html(content: DossierContent, *, rendered_on: datetime.date, digest: str) -> str:
    site = content.site
    cover = content.cover
    return render_to_string(
        TEMPLATE,
        {
            "content": content,
            "cover": cover,
            "sections": content.sections,
            "attachments": content.attachments,
            "digest": digest,
            "rendered_on": rendered_on,
            "footer_top": css_string(
                f"{site.organization.name} · {cover['year']} 年度创建档案（{cover['variant']}）"
            ),
            "footer_digest": css_string(f" · 内容指纹 {digest[:16]}"),
        },
    )


def write_pdf(
    html: str, images: dict[str, bytes], report: Callable[[int, str], None], expected_pages: int
) -> tuple[bytes, int]:
    """The PDF and its page count."""
    from weasyprint import HTML

    with _weasyprint_progress(report, expected_pages):
        document = HTML(string=html, url_fetcher=_fetcher(images)).render()
        pdf = document.write_pdf()
    return pdf, len(document.pages)


def pdf_name(site: Site) -> str:
    return f"{site.organization.name}-{site.campaign.year}年度创建档案.pdf"


def bundle_name(site: Site) -> str:
    return f"{site.organization.name}-{site.campaign.year}年度档案.zip"


def write_bundle(pdf: bytes, attachments: list[Attachment], target) -> None:
    """`档案.zip`: 档案.pdf, every evidence file under its section's folder (`Attachment.zip_name`),
    and a `sha256sum -c` manifest of them all. Files already compressed are stored as they are."""
    lines = [f"{hashlib.sha256(pdf).hexdigest()}  档案.pdf"]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as bundle:
        bundle.writestr("档案.pdf", pdf)
        for attachment in attachments:
            if not attachment.actual_sha256:
                continue
            with bundle.open(attachment.zip_name, "w", force_zip64=True) as out:
                for chunk in _read_chunks(attachment.file):
                    out.write(chunk)
            lines.append(f"{attachment.actual_sha256}  {attachment.zip_name}")
        bundle.writestr(MANIFEST, "\n".join(lines) + "\n", compress_type=zipfile.ZIP_DEFLATED)


def _estimate_pages(content: DossierContent, previous: int) -> int:
    if previous:
        return previous
    rows = sum(
        len(section.data.get(key, ()))
        for section in content.sections
        for key in ("rows", "members", "services", "board", "households", "pairings")
    )
    images = sum(1 for a in content.attachments if a.is_image)
    return 4 + rows // 20 + images // 2


def _claim(site: Site, variant: str, digest: str, *, force: bool) -> Dossier | None:
    """Take the dossier row for rendering, or None when it is current already."""
    with transaction.atomic():
        dossier, _ = Dossier.objects.select_for_update().get_or_create(site=site, variant=variant)
        if is_current(dossier, digest) and not force:
            return None
        dossier.status = Dossier.Status.RENDERING
        dossier.stage = "正在读取记录"
        dossier.progress = 5
        dossier.error = ""
        dossier.started_at = timezone.now()
        dossier.save(update_fields=["status", "stage", "progress", "error", "started_at"])
    return dossier


def _store(
    dossier: Dossier, *, digest: str, pdf: bytes, pages: int, bundle_file, attachments: int, started: float
) -> Dossier:
    site = dossier.site
    # Under the fields' own folder (dossiers/<year>/): site, copy and content in the name.
    stem = f"site{site.pk}-{dossier.variant.lower()}-{digest[:16]}"
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        old = [f.name for f in (locked.pdf, locked.bundle) if f]
        storage = locked.pdf.storage
        locked.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        bundle_file.seek(0)
        digest_zip = hashlib.sha256()
        for chunk in iter(lambda: bundle_file.read(1024 * 1024), b""):
            digest_zip.update(chunk)
        bundle_file.seek(0)
        locked.bundle.save(f"{stem}.zip", File(bundle_file), save=False)
        locked.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.bundle_sha256 = digest_zip.hexdigest()
        locked.fingerprint = digest
        locked.pages = pages
        locked.attachments = attachments
        locked.status = Dossier.Status.DONE
        locked.stage = "已生成"
        locked.progress = 100
        locked.rendered_at = timezone.now()
        locked.render_ms = int((time.perf_counter() - started) * 1000)
        locked.save()
        stale = [name for name in old if name not in (locked.pdf.name, locked.bundle.name)]
        if stale:
            transaction.on_commit(lambda: [storage.delete(name) for name in stale])
    return locked


def render_dossier(
    site: Site, variant: str, *, force: bool = False, today: datetime.date | None = None
) -> Dossier | None:
    """Render and store `site`'s dossier in `variant` (the job's work); None when the stored one
    is current and not `force`d. Progress is written on the row as it goes; a failure is recorded
    on it (FAILED, with the error) and raised again for the job to retry."""
    started = time.perf_counter()
    content = dossier_content(site, variant, today=today)
    digest = fingerprint(content)
    dossier = _claim(content.site, variant, digest, force=force)
    if dossier is None:
        return None
    report = Progress(dossier.pk)
    try:
        images = _prepare_attachments(content.attachments, report)
        report(28, "正在排版", force=True)
        html = dossier_html(content, rendered_on=today or timezone.localdate(), digest=digest)
        pdf, pages = write_pdf(html, images, report, _estimate_pages(content, dossier.pages))
        report(93, "正在打包附件", force=True)
        with tempfile.TemporaryFile() as bundle_file:
            write_bundle(pdf, content.attachments, bundle_file)
            bundled = sum(1 for a in content.attachments if a.actual_sha256)
            return _store(
                dossier,
                digest=digest,
                pdf=pdf,
                pages=pages,
                bundle_file=bundle_file,
                attachments=bundled,
                started=started,
            )
    except Exception as error:
        Dossier.objects.filter(pk=dossier.pk).update(
            status=Dossier.Status.FAILED, stage="生成失败", error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
