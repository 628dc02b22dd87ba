"""A committee user nominates a branch and a 组织部 user approves it, in a real browser.

Screenshots of the dashboard and the site page (desktop and a 375-px phone) are saved to
test-artifacts/ for people to look at.
"""

import datetime

import pytest
from django.utils import timezone

from campaigns.models import Site, SiteTransition
from campaigns.services import PhaseSpec, activate_campaign, create_campaign
from organizations.models import AuditEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def campaign(tree, cast):
    """A running campaign whose 动员部署 phase is open today, whatever day the suite runs."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    campaign = create_campaign(
        by=cast.org_department,
        name=f"{today.year}年度基层党建示范点创建活动",
        year=today.year,
        organizer=tree.work,
        phases=[
            PhaseSpec("MOBILIZATION", today - 10 * day, today + 10 * day, "动员部署"),
            PhaseSpec("IMPLEMENTATION", today + 11 * day, today + 100 * day, "组织实施"),
            PhaseSpec("ACCEPTANCE", today + 101 * day, today + 130 * day, "总结验收"),
        ],
    )
    return activate_campaign(campaign=campaign, by=cast.org_department)


def test_committee_nominates_and_org_department_approves(
    page_for, live_server, campaign, tree, cast, artifacts
):
    committee = page_for(cast.committee)
    committee.goto(f"{live_server.url}/campaigns/{campaign.pk}/nominate/")
    committee.select_option("select[name=branch]", label=tree.branch_a1.name)
    committee.fill(
        "textarea[name=plan]",
        "以“星级服务激活力，党建领跑新农村”为主题，建档、定制、分户、设区、办卡、设栏、评星挂牌。",
    )
    committee.fill("textarea[name=highlights]", "党员星级服务卡，人手一册。")
    committee.get_by_role("button", name="提交申报").click()
    committee.wait_for_url(f"{live_server.url}/sites/*/")
    site = Site.objects.get(campaign=campaign, organization=tree.branch_a1)
    assert site.status == Site.Status.NOMINATED
    assert committee.get_by_text("已申报").first.is_visible()

    clerk = page_for(cast.org_department)
    clerk.goto(f"{live_server.url}/campaigns/{campaign.pk}/nominations/")
    card = clerk.locator(".nomination", has_text=tree.branch_a1.name)
    card.get_by_role("button", name="批准创建").click()
    clerk.wait_for_function(
        "() => !document.querySelector('.nomination button[type=submit]')"
        " || document.body.innerText.includes('已批准')"
    )
    site.refresh_from_db()
    assert site.status == Site.Status.APPROVED
    assert [e.actor for e in AuditEvent.objects.about(site).order_by("id")] == [
        cast.committee,
        cast.org_department,
    ]
    assert [(t.to_status, t.by) for t in SiteTransition.objects.filter(site=site)] == [
        (Site.Status.NOMINATED, cast.committee),
        (Site.Status.APPROVED, cast.org_department),
    ]

    clerk.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    assert clerk.locator("svg").first.is_visible()
    clerk.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    clerk.goto(f"{live_server.url}/sites/{site.pk}/")
    assert clerk.get_by_text("批准创建").first.is_visible()
    clerk.screenshot(path=str(artifacts / "site-desktop.png"), full_page=True)

    phone = page_for(cast.committee, width=375)
    phone.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    phone.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    phone.goto(f"{live_server.url}/sites/{site.pk}/")
    phone.screenshot(path=str(artifacts / "site-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
