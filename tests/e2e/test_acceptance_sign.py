"""The 组织部 reconciles a divergent item and the lead signs, in a real browser: both inspectors
have submitted and differ on one item, the survey has ended; the 组织部 records the agreed score
with a reason; the lead chooses the verdict, confirms in the dialog (focus moves in, Escape closes
it and returns focus), signs, and the page shows the verdict. Screenshots in /work/notes/screens/
and test-artifacts/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import Acceptance, AgreedScore
from assessments.services import acceptance as service
from campaigns.models import Site
from tests.assessments.acceptance_factories import (
    ended_survey,
    full_answers,
    requested_site,
    scheduled,
    score_all,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = 375
SCREENS = Path("/work/notes/screens")


@pytest.fixture
def screens(artifacts):
    SCREENS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str):
        page.evaluate("window.scrollTo(0, 0)")  # the sticky tabs are drawn where the page is scrolled
        page.screenshot(path=SCREENS / name, full_page=True)
        page.screenshot(path=artifacts / name, full_page=True)

    return shoot


@pytest.fixture
def divergent(tree, cast):
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    score_all(team.acceptance, team.lead, full_answers(requested.table, manual="9"))
    score_all(team.acceptance, team.second, full_answers(requested.table, manual="6"))
    ended_survey(requested.site)
    return requested, team


def test_the_org_department_reconciles_and_the_lead_signs(
    page_for, live_server, divergent, cast, screens, monkeypatch
):
    requested, team = divergent
    manual = requested.table.manual
    url = f"{live_server.url}/acceptances/{team.acceptance.pk}/"
    # The report job is another part's; here it is only counted.
    enqueued = []
    monkeypatch.setattr(service, "_enqueue_report", enqueued.append)

    clerk = page_for(cast.org_department)
    clerk.goto(url)
    row = clerk.locator(f"#row-{manual.pk}")
    assert "acc-row--divergent" in row.get_attribute("class")
    clerk.get_by_text("1 项组员评分相差超过阈值，须由组长议定").wait_for()
    screens(clerk, "acceptance-divergent-1280.png")

    row.get_by_role("link", name="去议定").click()
    card = clerk.locator(f"#agree-{manual.pk}")
    card.get_by_label("议定得分").fill("12")
    card.get_by_label("议定理由").fill("查阅支委会记录，缺一次")
    card.get_by_role("button", name="保存议定得分").click()
    clerk.get_by_text("议定得分不能超过本项分值 10 分。").first.wait_for()
    card = clerk.locator(f"#agree-{manual.pk}")
    assert card.get_by_label("议定理由").input_value() == "查阅支委会记录，缺一次"  # kept
    card.get_by_label("议定得分").fill("9")
    card.get_by_role("button", name="保存议定得分").click()
    clerk.get_by_text("已议定第 1 项：9 分。").wait_for()
    clerk.get_by_text("评分、议定和群众测评均已齐备").wait_for()
    clerk.wait_for_load_state("networkidle")
    assert AgreedScore.objects.get().score == 9

    lead = page_for(team.lead)
    lead.goto(url)
    sign = lead.locator("#sign")
    sign.scroll_into_view_if_needed()
    assert sign.get_by_label("通过（建议）").is_checked()
    opener = sign.get_by_role("button", name="签署验收结论…")
    opener.click()
    dialog = lead.get_by_role("dialog", name="确认签署验收结论")
    dialog.wait_for()
    expect(dialog.locator(":focus")).to_have_count(1)  # focus moved into the dialog
    assert "综合得分81分，验收结论通过" in re.sub(r"\s", "", dialog.inner_text())
    lead.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    expect(opener).to_be_focused()  # and back to the button that opened it
    assert Acceptance.objects.get().signed_at is None

    opener.click()
    dialog = lead.get_by_role("dialog", name="确认签署验收结论")
    dialog.wait_for()
    dialog.get_by_role("link", name="取消").click()
    dialog.wait_for(state="detached")
    expect(opener).to_be_focused()

    opener.click()
    dialog = lead.get_by_role("dialog", name="确认签署验收结论")
    dialog.wait_for()
    expect(dialog.locator(":focus")).to_have_count(1)
    lead.keyboard.press("Tab")
    lead.keyboard.press("Tab")
    expect(dialog.locator(":focus")).to_have_count(1)  # Tab stays inside the dialog
    dialog.get_by_role("button", name="确认签署").click()
    lead.get_by_text("验收结论已签署：通过").wait_for()
    result = lead.locator("#result")
    assert "验收结论：" in result.inner_text() and "通过" in result.locator(".badge").inner_text()
    screens(lead, "acceptance-signed-1280.png")

    phone = page_for(cast.org_department, width=PHONE)
    phone.goto(url)
    phone.locator("#result").wait_for()
    screens(phone, "acceptance-375.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE

    for page in (clerk, lead, phone):
        page.wait_for_load_state("networkidle")
    acceptance = Acceptance.objects.get()
    assert acceptance.verdict == "PASSED" and acceptance.signed_by == team.lead
    assert Site.objects.get(pk=requested.site.pk).status == Site.Status.PASSED
    assert enqueued == [acceptance.pk]
