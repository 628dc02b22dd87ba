"""The branch secretary scores the self-assessment on a 375-px phone, attaches a photo and
submits; the 党委 returns it with a reason; the secretary corrects and resubmits; the 党委
approves and the site becomes 自评通过 — in a real browser, with screenshots in test-artifacts/."""

import datetime

import pytest
from django.utils import timezone

from assessments.models import SelfAssessment
from campaigns.models import Site
from campaigns.services import PhaseSpec, activate_campaign, approve_site, create_campaign, nominate_site
from tests.assessments.self_assessment_factories import build_framework

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = 375
# A real (tiny) JPEG: the upload check reads the content, not the name.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d3ffd9"
)


@pytest.fixture
def setup(tree, cast):
    """Branch A1's site, approved, in a campaign now in its 组织实施 phase."""
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
    table = build_framework(campaign)
    activate_campaign(campaign=campaign, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=today - 40 * day)
    approve_site(site=site, by=cast.org_department)
    return site, table


def item(page, indicator):
    return page.locator(f"#ind-{indicator.pk}")


def choose(page, indicator, label):
    item(page, indicator).locator("label.sa-choice", has_text=label).first.click()


def saved(page, indicator):
    item(page, indicator).locator(".sa-saved").wait_for()


def test_secretary_scores_on_a_phone_and_the_committee_returns_then_approves(
    page_for, live_server, setup, cast, artifacts, tmp_path
):
    site, table = setup
    photo = tmp_path / "支委会照片.jpg"
    photo.write_bytes(JPEG)

    secretary = page_for(cast.secretary, width=PHONE)
    secretary.goto(f"{live_server.url}/sites/{site.pk}/")
    secretary.get_by_role("link", name="打开自评表").click()
    secretary.wait_for_url(f"**/sites/{site.pk}/self-assessment/")
    secretary.screenshot(path=artifacts / "self-assessment-phone-start.png", full_page=True)
    assert secretary.evaluate("document.documentElement.scrollWidth") <= PHONE

    manual = item(secretary, table.manual)
    manual.get_by_label("自评分").fill("12")
    manual.get_by_label("扣分理由").click()  # leaving the field saves it
    manual.get_by_text("分数不能超过本项分值 10 分。").wait_for()
    assert manual.get_by_label("自评分").input_value() == "12"  # what was typed stays
    manual.get_by_label("自评分").fill("9")
    manual.get_by_label("扣分理由").fill("三月会议记录不全")
    manual.get_by_label("完成情况").fill("每月召开支委会，记录齐全")
    manual.get_by_label("完成情况").blur()
    saved(secretary, table.manual)
    manual.locator("input[type=file]").set_input_files(str(photo))  # uploads once chosen
    manual.get_by_role("link", name="支委会照片.jpg").wait_for()

    choose(secretary, table.graded, "较好")
    saved(secretary, table.graded)
    computed = item(secretary, table.computed)
    computed.get_by_label("自评分").fill("6")
    computed.get_by_label("完成情况").click()
    computed.locator(".sa-flag").wait_for()  # above what the records give: both numbers shown
    choose(secretary, table.fixed, "没有")
    saved(secretary, table.fixed)
    choose(secretary, table.veto, "未触及")
    saved(secretary, table.veto)
    bonus = item(secretary, table.bonus)
    bonus.locator("input[name=count]").fill("1")
    bonus.get_by_label("完成情况").click()
    saved(secretary, table.bonus)

    submit = secretary.get_by_role("button", name="提交第一党委审核")
    submit.scroll_into_view_if_needed()
    assert submit.is_enabled()
    secretary.screenshot(path=artifacts / "self-assessment-phone-filled.png", full_page=True)
    submit.click()
    secretary.get_by_text("自评已提交第一党委审核").wait_for()
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED

    committee = page_for(cast.committee)
    committee.goto(f"{live_server.url}/sites/{site.pk}/")
    committee.get_by_text("等待第一党委审核").wait_for()
    committee.get_by_role("link", name="查看自评，审核").click()
    committee.screenshot(path=artifacts / "self-assessment-committee-review.png", full_page=True)
    committee.get_by_text("退回修改…").click()
    committee.get_by_label("退回理由").fill("第3项自评分高于会议记录，请核实后修改")
    committee.get_by_role("button", name="退回支部修改").click()
    committee.get_by_text("自评已退回支部修改").wait_for()

    secretary.goto(f"{live_server.url}/sites/{site.pk}/self-assessment/")
    secretary.get_by_text("第3项自评分高于会议记录，请核实后修改").wait_for()
    secretary.screenshot(path=artifacts / "self-assessment-phone-returned.png", full_page=True)
    computed = item(secretary, table.computed)
    records = computed.locator(".sa-computed strong").inner_text().split()[0]
    computed.get_by_label("自评分").fill(records)
    computed.get_by_label("完成情况").fill("按记录核实")
    computed.get_by_label("完成情况").blur()
    saved(secretary, table.computed)
    assert computed.locator(".sa-flag").count() == 0
    secretary.get_by_role("button", name="修改完毕，重新提交").click()
    secretary.get_by_text("自评已提交第一党委审核").wait_for()

    committee.goto(f"{live_server.url}/sites/{site.pk}/self-assessment/")
    committee.get_by_role("button", name="审核通过").click()
    committee.get_by_text("进入“自评通过”").wait_for()
    committee.screenshot(path=artifacts / "self-assessment-committee-approved.png", full_page=True)

    site.refresh_from_db()
    assert site.status == Site.Status.SELF_ASSESSED
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.APPROVED
