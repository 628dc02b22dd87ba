"""A self-assessed site of branch A1 (the state in which the 组织部 opens a survey) and helpers
to open a survey and cast ballots through the services, for the survey tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments.models import Ballot
from assessments.services.survey import cast_ballot, open_survey
from campaigns.services import mark_self_assessed
from tests.assessments.self_assessment_factories import approved_site
from tests.campaigns.factories import IMPLEMENTATION_DAY

C = Ballot.Choice
DAY = datetime.timedelta(days=1)


def self_assessed_site(tree, cast, **kwargs):
    """Branch A1's site, 自评通过, with the small framework of `approved_site`."""
    setup = approved_site(tree, cast, **kwargs)
    setup.site = mark_self_assessed(site=setup.site, by=cast.committee, today=IMPLEMENTATION_DAY)
    return setup


def survey_of(site, cast, *, count: int = 10, opens_on=None, closes_on=None, **kwargs):
    today = timezone.localdate()
    return open_survey(
        site=site,
        by=cast.org_department,
        opens_on=opens_on or today,
        closes_on=closes_on or today + 7 * DAY,
        ballot_count=count,
        **kwargs,
    )


def vote(survey, *choices: str, comment: str = "") -> list[Ballot]:
    """Cast one ballot per choice on the survey's unused tokens, in serial order."""
    tokens = list(survey.tokens.filter(ballot__isnull=True).order_by("serial")[: len(choices)])
    return [
        cast_ballot(token=token.token, choice=choice, comment=comment)
        for token, choice in zip(tokens, choices, strict=True)
    ]
