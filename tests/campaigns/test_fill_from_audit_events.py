"""The data migration that turns the audit events written before `SiteTransition` and the
rectification's answer fields existed into those rows and fields, once."""

import datetime
import importlib

import pytest
from django.apps import apps

from campaigns.models import Rectification, SiteTransition
from campaigns.services import (
    answer_rectification,
    approve_site,
    close_rectification,
    mark_self_assessed,
    nominate_site,
    raise_rectification,
    record_verdict,
    reject_site,
    request_acceptance,
    return_rectification,
)
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY, MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db

migration = importlib.import_module("campaigns.migrations.0005_fill_from_audit_events")


def near(a: datetime.datetime | None, b: datetime.datetime | None) -> bool:
    """The service stamps the row a moment before the event it writes beside it."""
    if a is None or b is None:
        return a is b
    return abs(a - b) < datetime.timedelta(seconds=5)


@pytest.fixture
def site(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    reject_site(site=site, by=cast.org_department, reason="方案不具体")
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    approve_site(site=site, by=cast.org_department, note="同意")
    mark_self_assessed(site=site, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=site, by=cast.committee, today=ACCEPTANCE_DAY)
    record_verdict(site=site, by=cast.inspector, verdict="RECTIFYING", note="台账不全")
    request_acceptance(site=site, by=cast.committee, today=ACCEPTANCE_DAY)
    return record_verdict(site=site, by=cast.org_department, verdict="PASSED")


def test_each_status_change_of_the_trail_becomes_a_transition(site):
    written = list(SiteTransition.objects.order_by("at", "id"))
    SiteTransition.objects.all().delete()

    migration.site_transitions(apps, None)

    rebuilt = list(SiteTransition.objects.order_by("at", "id"))
    assert [(t.site_id, t.from_status, t.to_status, t.by_id) for t in rebuilt] == [
        (t.site_id, t.from_status, t.to_status, t.by_id) for t in written
    ]
    assert [t.to_status for t in rebuilt][-3:] == ["RECTIFYING", "ACCEPTANCE_REQUESTED", "PASSED"]
    assert all(near(a.at, b.at) for a, b in zip(rebuilt, written, strict=True))


def test_who_answered_returned_and_closed_comes_back_from_the_events(site, cast):
    returned = raise_rectification(
        site=site, by=cast.org_department, description="制度未上墙", owner="王", due_on=ACCEPTANCE_DAY
    )
    answer_rectification(item=returned, by=cast.secretary, response="已上墙")
    return_rectification(item=returned, by=cast.committee, reason="照片看不清")
    closed = raise_rectification(
        site=site, by=cast.committee, description="台账不全", owner="", due_on=ACCEPTANCE_DAY
    )
    answer_rectification(item=closed, by=cast.committee, response="已补齐")
    close_rectification(item=closed, by=cast.org_department)
    written = {r.pk: r for r in Rectification.objects.all()}
    Rectification.objects.update(
        answered_at=None,
        answered_by=None,
        returned_at=None,
        returned_by=None,
        return_reason="",
        closed_by=None,
    )

    migration.rectification_answers(apps, None)

    for item in Rectification.objects.all():
        before = written[item.pk]
        assert (item.answered_by, item.returned_by, item.closed_by, item.return_reason) == (
            before.answered_by,
            before.returned_by,
            before.closed_by,
            before.return_reason,
        )
        assert near(item.answered_at, before.answered_at) and near(item.returned_at, before.returned_at)
    assert Rectification.objects.get(pk=returned.pk).return_reason == "照片看不清"
