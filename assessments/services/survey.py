"""Writes for 群众测评 (the satisfaction survey): the 组织部 opens a survey for a site (issuing its
one-time ballot tokens) and may end it early; a resident casts one ballot with a token.

Opening and closing ask `assessments.policies`, record an audit event in the site's history and
raise `LifecycleError` with the policy's reason when refused; a value that does not fit raises
`ValidationError` keyed by the field. A ballot stores the choice, the optional comment and the time
— no name, no address, no IP — and is not audited (the audit trail names people).

One ballot per token is the database's: `Ballot.token` is unique. Two phones submitting the same
token at once both pass the policy; the second insert fails on the unique index and is refused
with the same "已经投过" sentence, never an error page.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from campaigns.models import Site
from campaigns.services import LifecycleError
from organizations.models import Verb, record_event
from organizations.templatetags.chinese_dates import chinese_date

from .. import policies
from ..models import CODE_LENGTH, MAX_BALLOTS, Ballot, BallotToken, Survey, new_code, new_token

COMMENT_MAX = 500
TITLE_MAX = Survey._meta.get_field("title").max_length
# Tries at issuing the tokens when a hand code collides with one already issued (31⁸ codes: rare).
ISSUE_ATTEMPTS = 5


def _require(reason: str | None) -> None:
    if reason:
        raise LifecycleError(reason)


# Opening and closing ---------------------------------------------------------------------------


def _check_survey(
    *, title: str, opens_on: datetime.date | None, closes_on: datetime.date | None, ballot_count, today
) -> None:
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "请填写测评名称。"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"测评名称最多 {TITLE_MAX} 个字。"
    if opens_on is None:
        errors["opens_on"] = "请填写开始日期。"
    if closes_on is None:
        errors["closes_on"] = "请填写截止日期。"
    elif closes_on < today:
        errors["closes_on"] = f"截止日期不能早于今天（{chinese_date(today)}）。"
    elif opens_on is not None and opens_on > closes_on:
        errors["closes_on"] = "截止日期不能早于开始日期。"
    if not isinstance(ballot_count, int) or isinstance(ballot_count, bool):
        errors["ballot_count"] = "请填写发放票数（整数）。"
    elif not 1 <= ballot_count <= MAX_BALLOTS:
        errors["ballot_count"] = f"发放票数须在 1 到 {MAX_BALLOTS} 张之间。"
    if errors:
        raise ValidationError(errors)


def _issue_tokens(survey: Survey, count: int) -> None:
    """`count` tokens with serials 1..count. A hand code is unique across all surveys: on the rare
    collision with one already issued (the unique index answers) draw them all again."""
    for attempt in range(ISSUE_ATTEMPTS):
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(new_code())
        tokens = [
            BallotToken(survey=survey, serial=serial, code=code, token=new_token())
            for serial, code in enumerate(codes, start=1)
        ]
        try:
            with transaction.atomic():
                BallotToken.objects.bulk_create(tokens)
        except IntegrityError:
            if attempt == ISSUE_ATTEMPTS - 1:
                raise
            continue
        return


@transaction.atomic
def open_survey(
    *,
    site: Site,
    by,
    opens_on: datetime.date,
    closes_on: datetime.date,
    ballot_count: int,
    title: str = "群众满意度测评",
    today: datetime.date | None = None,
) -> Survey:
    """Open a survey of `site` for [opens_on, closes_on] and issue `ballot_count` one-time tokens.

    A site has at most one survey that has not ended: the 组织部 ends the running one first (a
    second set of QR codes in circulation would mix two periods' ballots)."""
    today = today or timezone.localdate()
    site = (
        Site.objects.select_for_update(of=("self",))
        .select_related("campaign__organizer", "organization")
        .get(pk=site.pk)
    )
    _require(policies.cannot_open_survey(by, site))
    title = (title or "").strip()
    _check_survey(title=title, opens_on=opens_on, closes_on=closes_on, ballot_count=ballot_count, today=today)
    running = (
        Survey.objects.filter(site=site, closed_at__isnull=True, closes_on__gte=today)
        .order_by("opens_on")
        .first()
    )
    if running is not None:
        raise LifecycleError(
            f"该示范点已有尚未结束的群众测评“{running.title}”（{chinese_date(running.opens_on)}至"
            f"{chinese_date(running.closes_on)}），请先结束它再发起新的测评。"
        )
    survey = Survey.objects.create(
        site=site,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        ballot_count=ballot_count,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _issue_tokens(survey, ballot_count)
    record_event(
        actor=by,
        verb=Verb.OPEN_SURVEY,
        target=survey,
        organization=site.organization,
        summary=f"{title}：{chinese_date(opens_on)}至{chinese_date(closes_on)}，发放 {ballot_count} 张测评票",
        subject=site,
    )
    return survey


@transaction.atomic
def close_survey(*, survey: Survey, by, today: datetime.date | None = None) -> Survey:
    """End `survey` early: it takes no more ballots; its figures stay as they are."""
    locked = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("site__campaign__organizer", "site__organization")
        .get(pk=survey.pk)
    )
    _require(policies.cannot_close_survey(by, locked, today=today))
    locked.closed_at = timezone.now()
    locked.closed_by = by
    locked.save(update_fields=["closed_at", "closed_by"])
    cast = Ballot.objects.filter(survey=locked).count()
    record_event(
        actor=by,
        verb=Verb.CLOSE_SURVEY,
        target=locked,
        organization=locked.site.organization,
        summary=f"{locked.title}提前结束，已收 {cast} / {locked.ballot_count} 张票",
        subject=locked.site,
    )
    survey.closed_at, survey.closed_by = locked.closed_at, locked.closed_by
    return locked


# Ballots ---------------------------------------------------------------------------------------

_NOT_CODE = re.compile(r"[\s\-‐‑–—_－]+")


def normalize_code(typed: str) -> str:
    """A hand code as typed (`abcd-efgh`, `ABCD EFGH`, full-width dash) → `ABCDEFGH`."""
    return _NOT_CODE.sub("", typed or "").upper()


def find_token(typed: str) -> BallotToken | None:
    """The token whose link (`token`) or hand code (`code`, case and spaces/dashes ignored) is
    `typed`, with its survey and site, and `has_ballot` annotated: one query."""
    typed = (typed or "").strip()
    if not typed or len(typed) > 64:
        return None
    match = Q(token=typed)
    code = normalize_code(typed)
    if len(code) == CODE_LENGTH:
        match |= Q(code=code)
    return (
        BallotToken.objects.filter(match)
        .select_related("survey__site__organization")
        .annotate(has_ballot=Exists(Ballot.objects.filter(token=OuterRef("pk"))))
        .first()
    )


def cast_ballot(*, token: str, choice: str, comment: str = "", today: datetime.date | None = None) -> Ballot:
    """Cast the one ballot of `token` (the link's token or the hand code)."""
    found = find_token(token)
    survey = found.survey if found is not None else None
    _require(policies.cannot_cast_ballot(survey, found, today=today))
    errors = {}
    if choice not in Ballot.Choice.values:
        errors["choice"] = "请选择“满意”“基本满意”或“不满意”。"
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"意见建议最多 {COMMENT_MAX} 字，现在是 {len(comment)} 字。"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Ballot.objects.create(token=found, survey=survey, choice=choice, comment=comment)
    except IntegrityError:
        # Another submit of the same token won the race: answer as the policy does for a used one.
        found.has_ballot = True
        raise LifecycleError(policies.cannot_cast_ballot(survey, found, today=today)) from None
