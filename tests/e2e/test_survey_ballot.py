"""A resident opens the ballot link from a QR code on a 375-px phone, without logging in, votes
and is thanked; the same link then says it was used; a second resident types the hand code. The
组织部's survey page, open meanwhile, updates its figures by itself — in a real browser, with
screenshots in test-artifacts/."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import Ballot, Survey
from assessments.surveys import hand_code
from campaigns.services import (
    PhaseSpec,
    activate_campaign,
    approve_site,
    create_campaign,
    mark_self_assessed,
    nominate_site,
)
from tests.assessments.self_assessment_factories import build_framework

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = 375


@pytest.fixture
def site(tree, cast):
    """A survey of branch A1's site, 自评通过 in a campaign now in its 组织实施 phase."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    campaign = create_campaign(
        by=cast.org_department,
        name=f"{today.year}年度基层党建示范点创建活动",
        year=today.year,
        organizer=tree.work,
        phases=[
            PhaseSpec("MOBILIZATION", today - 60 * day, today - 31 * day),
            PhaseSpec("IMPLEMENTATION", today - 30 * day, today + 60 * day),
            PhaseSpec("ACCEPTANCE", today + 61 * day, today + 90 * day),
        ],
    )
    build_framework(campaign)
    activate_campaign(campaign=campaign, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=today - 40 * day)
    approve_site(site=site, by=cast.org_department)
    return mark_self_assessed(site=site, by=cast.committee, today=today)


def phone(browser):
    context = browser.new_context(viewport={"width": PHONE, "height": 760}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_a_resident_votes_by_the_qr_link_on_a_phone(browser, page_for, live_server, site, cast, artifacts):
    office = page_for(cast.org_department)
    office.goto(f"{live_server.url}/sites/{site.pk}/surveys/new/")
    office.get_by_label("发放票数").fill("0")
    office.get_by_role("button", name="发起测评并生成二维码").click()
    office.locator("#error-summary").get_by_text("发放票数至少 1 张").wait_for()
    office.get_by_label("发放票数").fill("5")
    closes_on = timezone.localdate() + datetime.timedelta(days=7)
    office.get_by_label("截止日期").fill(f"{closes_on:%Y-%m-%d}")
    office.screenshot(path=artifacts / "survey-open-1280.png", full_page=True)
    office.get_by_role("button", name="发起测评并生成二维码").click()
    office.get_by_text("已投 0 张 / 发放 5 张").wait_for()
    survey = Survey.objects.get(site=site)
    first, second = survey.tokens.order_by("serial")[:2]

    context, resident = phone(browser)
    try:
        resident.goto(f"{live_server.url}/ballot/{first.token}/")
        resident.get_by_role("group", name="您对本支部党建示范点创建工作的总体评价").wait_for()
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE
        resident.screenshot(path=artifacts / "ballot-375.png", full_page=True)

        resident.get_by_role("button", name="提交评价").click()  # nothing chosen yet
        resident.locator("#id_choice_error").get_by_text("请选择").wait_for()
        resident.get_by_label("基本满意").check()
        resident.get_by_label("意见建议（选填）").fill("村里的路灯修好了，希望多组织文化活动")
        resident.get_by_role("button", name="提交评价").click()
        resident.get_by_role("heading", name="感谢您的评价！").wait_for()
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE
        resident.screenshot(path=artifacts / "ballot-thanks-375.png", full_page=True)

        resident.goto(f"{live_server.url}/ballot/{first.token}/")
        resident.get_by_text("这张测评票已经投过了，每张票只能投一次。").wait_for()
        assert resident.get_by_role("radio").count() == 0
        resident.screenshot(path=artifacts / "ballot-used-375.png", full_page=True)

        # A second resident without a camera types the hand code from the slip.
        resident.goto(f"{live_server.url}/ballot/")
        resident.get_by_label("手输码").fill(hand_code(second.code).lower())
        resident.get_by_role("button", name="进入投票").click()
        resident.get_by_label("满意", exact=True).check()
        resident.get_by_role("button", name="提交评价").click()
        resident.get_by_role("heading", name="感谢您的评价！").wait_for()
    finally:
        context.close()

    # The 组织部's page, left open, polls its figures every 10 seconds.
    office.get_by_text("已投 2 张 / 发放 5 张").wait_for(timeout=25000)
    assert "100.00" in office.locator("#sv-figures").inner_text()
    office.reload()
    office.get_by_text("村里的路灯修好了，希望多组织文化活动").wait_for()
    office.screenshot(path=artifacts / "survey-detail-1280.png", full_page=True)
    office.set_viewport_size({"width": PHONE, "height": 800})
    assert office.evaluate("document.documentElement.scrollWidth") <= PHONE
    office.screenshot(path=artifacts / "survey-detail-375.png", full_page=True)

    assert list(Ballot.objects.order_by("token__serial").values_list("choice", flat=True)) == [
        Ballot.Choice.FAIRLY_SATISFIED,
        Ballot.Choice.SATISFIED,
    ]
