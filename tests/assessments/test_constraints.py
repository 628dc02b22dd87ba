import datetime

import pytest
from django.db import IntegrityError, transaction

from assessments.models import Ballot, BallotToken, Survey
from campaigns.services import nominate_site
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    return Survey.objects.create(
        site=site, opens_on=datetime.date(2026, 11, 16), closes_on=datetime.date(2026, 11, 30)
    )


def test_a_token_casts_one_ballot(survey):
    token = BallotToken.objects.create(survey=survey)
    Ballot.objects.create(token=token, survey=survey, choice=Ballot.Choice.SATISFIED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(token=token, survey=survey, choice=Ballot.Choice.DISSATISFIED)
    assert Ballot.objects.count() == 1


def test_tokens_are_unguessable_and_unique(survey):
    tokens = {BallotToken.objects.create(survey=survey).token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 20 for t in tokens)


def test_ballots_are_scoped_to_the_branch(survey, cast):
    token = BallotToken.objects.create(survey=survey)
    Ballot.objects.create(token=token, survey=survey, choice=Ballot.Choice.FAIRLY_SATISFIED)
    assert Ballot.objects.visible_to(cast.secretary).count() == 1
    assert not Ballot.objects.visible_to(cast.outsider).exists()
    assert not Survey.objects.visible_to(cast.outsider).exists()
