"""A branch secretary answers a rectification item in place (htmx) and the 党委 closes it, in a
real browser; the card names who did each, from the item's own fields."""

import datetime

import pytest
from django.utils import timezone

from campaigns.models import Rectification
from campaigns.services import (
    PhaseSpec,
    activate_campaign,
    approve_site,
    create_campaign,
    nominate_site,
    raise_rectification,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def item(tree, cast):
    """An open item on an approved site of a campaign running today."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    campaign = create_campaign(
        by=cast.org_department,
        name=f"{today.year}年度基层党建示范点创建活动",
        year=today.year,
        organizer=tree.work,
        phases=[
            PhaseSpec("MOBILIZATION", today - 10 * day, today + 10 * day),
            PhaseSpec("IMPLEMENTATION", today + 11 * day, today + 100 * day),
            PhaseSpec("ACCEPTANCE", today + 101 * day, today + 130 * day),
        ],
    )
    activate_campaign(campaign=campaign, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=today)
    approve_site(site=site, by=cast.org_department)
    return raise_rectification(
        site=site,
        by=cast.committee,
        description="党员活动室制度未上墙",
        owner="村支书",
        due_on=today + 3 * day,
    )


def test_secretary_answers_in_place_and_the_committee_closes(page_for, live_server, item, cast):
    url = f"{live_server.url}/sites/{item.site_id}/supervision/"
    card = f"#rect-{item.pk}"

    secretary = page_for(cast.secretary)
    secretary.goto(url)
    assert "即将到期" in secretary.locator(card).inner_text()
    secretary.locator(card).get_by_text("反馈整改情况…").click()
    secretary.locator(f"{card} textarea[name=response]").fill("已制作制度牌并上墙。")
    secretary.locator(card).get_by_role("button", name="提交反馈").click()
    secretary.locator(card).get_by_text("一村书记，").wait_for()
    assert secretary.url == url  # answered in place, no reload

    committee = page_for(cast.committee)
    committee.on("dialog", lambda dialog: dialog.accept())
    committee.goto(url)
    committee.locator(card).get_by_role("button", name="整改到位，销号").click()
    committee.locator(card).get_by_text("党委联络员").wait_for()

    item.refresh_from_db()
    assert item.status == Rectification.Status.CLOSED
    assert (item.answered_by, item.closed_by) == (cast.secretary, cast.committee)
