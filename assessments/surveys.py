"""Reads for 群众测评 (the satisfaction survey): a survey's figures, the figure a site's framework
scores, and the printable sheet of QR codes.

`survey_result(survey)` counts a survey's ballots in one aggregate query. The rate is
(满意 + 基本满意) / valid ballots × 100 and the turnout valid ballots / issued × 100, both to two
decimals; `issued` is the survey's `ballot_count` (it issued exactly that many tokens).

`site_satisfaction(site)` is the figure the `satisfaction_rate` metric scores (`assessments.scoring`):
the site's latest survey **with at least one ballot**, an ended survey (closed early or past its
last day) preferred over one still running — a finished survey's rate no longer changes, so once
one has ended a later survey counts only when it has ended too; before any has ended, the running
one's rate as it stands. "Latest" is the later last day (`closes_on`), then the later created.
One query.

`render_sheet(survey, base_url)` is the A4 PDF (WeasyPrint) the 组织部 prints and cuts up: twelve
ballots a page, each a QR code to the public ballot page, its serial, the hand code and the short
address to type it at; a large survey prints in parts of 240 ballots (`sheet_parts`).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import batched
from urllib.parse import urlsplit

import segno
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members.reports import css_string
from organizations.templatetags.chinese_dates import chinese_date

from .models import Ballot, BallotToken, Survey

# WeasyPrint logs every layout step at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

C = Ballot.Choice
HUNDREDTH = Decimal("0.01")
# Ballots on one A4 sheet: three across, four down, each about 63 × 64 mm.
SHEET_COLUMNS = 3
SHEET_ROWS = 4
PER_PAGE = SHEET_COLUMNS * SHEET_ROWS
SHEET_PART = 20 * PER_PAGE


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SurveyResult:
    """A survey's figures. `rate` and `turnout` are None while there is nothing to divide by."""

    issued: int
    cast: int
    satisfied: int
    fairly_satisfied: int
    dissatisfied: int
    survey: Survey | None = field(default=None, compare=False, repr=False)

    @property
    def good(self) -> int:
        """满意 + 基本满意."""
        return self.satisfied + self.fairly_satisfied

    @property
    def rate(self) -> Decimal | None:
        """(满意 + 基本满意) / 有效票 × 100, to two decimals."""
        return _percent(self.good, self.cast)

    @property
    def exact_rate(self) -> Decimal | None:
        """The rate unrounded, for a rule to compare (89.996 does not reach 90)."""
        return Decimal(self.good) * 100 / Decimal(self.cast) if self.cast else None

    @property
    def turnout(self) -> Decimal | None:
        """有效票 / 发放票数 × 100, to two decimals."""
        return _percent(self.cast, self.issued)

    @property
    def by_choice(self) -> list[tuple[str, str, int, Decimal | None]]:
        """(value, label, ballots, share of the valid ballots) for each choice, in ballot order."""
        counts = (self.satisfied, self.fairly_satisfied, self.dissatisfied)
        return [
            (choice.value, choice.label, n, _percent(n, self.cast))
            for choice, n in zip(C, counts, strict=True)
        ]


COUNTS = ("n_cast", "n_satisfied", "n_fairly", "n_dissatisfied")


def _counts(prefix: str = "") -> dict:
    """Count(…) per choice over the ballots, reached through `prefix` (`ballots__` from a survey)."""
    target = f"{prefix}pk" if prefix else "pk"
    return {
        "n_cast": Count(target),
        "n_satisfied": Count(target, filter=Q(**{f"{prefix}choice": C.SATISFIED})),
        "n_fairly": Count(target, filter=Q(**{f"{prefix}choice": C.FAIRLY_SATISFIED})),
        "n_dissatisfied": Count(target, filter=Q(**{f"{prefix}choice": C.DISSATISFIED})),
    }


def _result(survey: Survey, counts) -> SurveyResult:
    return SurveyResult(
        issued=survey.ballot_count,
        cast=counts["n_cast"],
        satisfied=counts["n_satisfied"],
        fairly_satisfied=counts["n_fairly"],
        dissatisfied=counts["n_dissatisfied"],
        survey=survey,
    )


def survey_result(survey: Survey) -> SurveyResult:
    """The survey's figures as they stand: one aggregate query over its ballots."""
    return _result(survey, Ballot.objects.filter(survey=survey).aggregate(**_counts()))


def site_satisfaction(site, today: datetime.date | None = None) -> SurveyResult | None:
    """The result the framework scores for `site` (see the module docstring), or None while no
    survey of the site has a ballot. One query."""
    today = today or timezone.localdate()
    ended = Q(closed_at__isnull=False) | Q(closes_on__lt=today)
    survey = (
        Survey.objects.filter(site=site)
        .annotate(
            **_counts("ballots__"),
            ended=Case(When(ended, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .filter(n_cast__gt=0)
        .order_by("-ended", "-closes_on", "-created_at", "-pk")
        .first()
    )
    if survey is None:
        return None
    return _result(survey, {name: getattr(survey, name) for name in COUNTS})


# The QR sheet --------------------------------------------------------------------------------


def hand_code(code: str) -> str:
    """ABCDEFGH → ABCD-EFGH: two groups of four are easier to read off paper and type."""
    return f"{code[:4]}-{code[4:]}" if len(code) > 4 else code


def ballot_url(base_url: str, token: str) -> str:
    """The absolute address of the ballot page of `token`, as the QR code holds it."""
    return base_url.rstrip("/") + reverse("assessments:ballot", args=[token])


def entry_address(base_url: str) -> str:
    """The short address a resident types, without the scheme: `dangjian.example.gov.cn/ballot/`."""
    url = base_url.rstrip("/") + reverse("assessments:ballot_entry")
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class SheetBallot:
    serial: str
    code: str
    qr_data_uri: str


def _qr(url: str) -> str:
    """The QR code of `url` as a PNG data URI. Error level M survives a crease or a smudge; two
    modules of quiet zone inside the cut line. A small PNG, not SVG: WeasyPrint lays out a
    thousand SVG codes several times slower, and `image-rendering: pixelated` keeps it sharp."""
    return segno.make_qr(url, error="m").png_data_uri(scale=4, border=2)


def sheet_parts(survey: Survey) -> list[tuple[int, int]]:
    """The serial ranges printed one PDF each: (1, 240), (241, 480) … — a PDF of 20 pages renders
    in a few seconds, while all 2000 ballots at once would outlast a web request."""
    count = survey.ballot_count
    return [(first, min(first + SHEET_PART - 1, count)) for first in range(1, count + 1, SHEET_PART)]


def render_sheet(survey: Survey, base_url: str, *, part: tuple[int, int] | None = None) -> bytes:
    """The survey's ballots as an A4 PDF, twelve to a page (see the module docstring).

    `base_url` is the address residents reach the system at (`settings.SITE_URL`), e.g.
    `https://dangjian.example.gov.cn`; the QR codes and the printed address are built on it.
    `part` is a (first, last) serial range from `sheet_parts`; None prints every ballot.
    """
    # WeasyPrint takes about a second to import; only this function needs it.
    from weasyprint import HTML

    site = survey.site
    tokens = BallotToken.objects.filter(survey=survey).order_by("serial")
    if part is not None:
        tokens = tokens.filter(serial__range=part)
    tokens = list(tokens.values_list("serial", "code", "token"))
    # Serials padded to the widest (007 of 120), so a stack of cut slips sorts by eye.
    width = len(str(survey.ballot_count))
    ballots = [
        SheetBallot(f"{serial:0{width}d}", hand_code(code), _qr(ballot_url(base_url, token)))
        for serial, code, token in tokens
    ]
    period = f"{chinese_date(survey.opens_on)}至{chinese_date(survey.closes_on)}"
    # The last row is padded with None: an empty cell, not a wider one.
    pages = [
        [[*row, *[None] * (SHEET_COLUMNS - len(row))] for row in batched(chunk, SHEET_COLUMNS)]
        for chunk in batched(ballots, PER_PAGE)
    ]
    html = render_to_string(
        "assessments/survey/sheet.html",
        {
            "survey": survey,
            "site": site,
            "pages": pages,
            "period": period,
            "entry_address": entry_address(base_url),
            "footer_left": css_string(f"{site.organization.name} · {survey.title} · {period}"),
            "footer_right": css_string("每张票只能投一次 · "),
        },
    )
    return HTML(string=html).write_pdf()
