"""A site that asked for on-site acceptance, its survey and its acceptance team, built through
the services, for the acceptance-half tests.

    requested = requested_site(tree, cast)            # branch A1's site, 申请验收, framework of
                                                      # self_assessment_factories (6 items)
    team = scheduled(tree, cast, requested)           # lead cast.inspector + second inspector;
                                                      # team.outside: an inspector not on the team
    ended_survey(requested.site, satisfied=8, fairly=1, dissatisfied=1)
    score_all(team.acceptance, user, answers)         # every item answered, with a check method
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from assessments.models import Ballot, BallotToken, CheckMethod, Survey
from assessments.services.acceptance import save_inspector_score, schedule_acceptance, submit_inspection
from campaigns.services import mark_self_assessed, request_acceptance
from organizations.models import Role
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY
from tests.organizations.factories import UserFactory, give_role

from .self_assessment_factories import approved_site


def requested_site(tree, cast, **kwargs) -> SimpleNamespace:
    """Branch A1's approved site taken on to 申请验收 (self-assessed by the 党委's word)."""
    built = approved_site(tree, cast, **kwargs)
    mark_self_assessed(site=built.site, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=built.site, by=cast.committee, today=ACCEPTANCE_DAY)
    built.site.refresh_from_db()
    return built


def scheduled(tree, cast, requested, *, margin: str = "1", visited_on: datetime.date | None = None):
    """The acceptance scheduled by the 组织部: cast.inspector leads, `second` scores too,
    `outside` holds the inspector role over the site but is not on the team."""
    second = UserFactory(username="t_yanshou2", name="第二组员")
    outside = UserFactory(username="t_yanshou3", name="组外验收员")
    give_role(second, tree.work, Role.Kind.INSPECTOR)
    give_role(outside, tree.work, Role.Kind.INSPECTOR)
    acceptance = schedule_acceptance(
        site=requested.site,
        by=cast.org_department,
        visited_on=visited_on or timezone.localdate(),
        team=[cast.inspector, second],
        lead=cast.inspector,
        margin=Decimal(margin),
    )
    return SimpleNamespace(acceptance=acceptance, lead=cast.inspector, second=second, outside=outside)


def ended_survey(
    site, *, satisfied: int = 8, fairly: int = 1, dissatisfied: int = 1, unused: int = 2
) -> Survey:
    """A survey that closed yesterday with the given ballots (and some tokens never used)."""
    today = timezone.localdate()
    total = satisfied + fairly + dissatisfied + unused
    survey = Survey.objects.create(
        site=site,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today - datetime.timedelta(days=1),
        ballot_count=total,
    )
    tokens = BallotToken.objects.bulk_create(
        BallotToken(survey=survey, serial=n) for n in range(1, total + 1)
    )
    choices = (
        [Ballot.Choice.SATISFIED] * satisfied
        + [Ballot.Choice.FAIRLY_SATISFIED] * fairly
        + [Ballot.Choice.DISSATISFIED] * dissatisfied
    )
    Ballot.objects.bulk_create(
        Ballot(token=token, survey=survey, choice=choice)
        for token, choice in zip(tokens, choices, strict=False)
    )
    return survey


def full_answers(table, *, manual: str = "9", level: str = "较好", veto: str = "no") -> dict:
    """An inspector's answers to every item of `self_assessment_factories.build_framework`."""
    method = CheckMethod.RECORDS
    return {
        table.manual: {"score": manual, "check_method": method, "note": "会议记录齐全"},
        table.graded: {"level": level, "check_method": CheckMethod.SITE_VISIT},
        table.computed: {"score": "6", "check_method": method},
        table.fixed: {"occurred": "no", "check_method": method},
        table.veto: {"occurred": veto, "check_method": CheckMethod.INTERVIEW},
        table.bonus: {"count": "1", "check_method": method},
        **{item: {"score": "1", "check_method": method} for item in table.extra},
    }


def score_all(acceptance, user, answers: dict, *, submit: bool = True) -> None:
    for indicator, raw in answers.items():
        save_inspector_score(acceptance=acceptance, indicator=indicator, by=user, raw=raw)
    if submit:
        submit_inspection(acceptance=acceptance, by=user)
