"""The acceptance lead scores on a 375-px phone and loses the signal: what is entered is kept on
the phone, the page opens again from the service worker's cache, and when the signal returns
every score reaches the server once. Then the lead submits and sees the team's marks.
Screenshots go to /work/notes/screens/ (and test-artifacts/)."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from assessments.models import CheckMethod, InspectorScore, TeamMember
from tests.assessments.acceptance_factories import full_answers, requested_site, scheduled, score_all
from tests.e2e.test_accessibility import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = 375
SCREENS = Path("/work/notes/screens")

UNSENT = """() => Object.keys(localStorage)
    .filter(key => key.startsWith("inspection:"))
    .filter(key => !JSON.parse(localStorage.getItem(key)).sent).length"""

# The CSRF token in the copy of the page the service worker keeps.
KEPT_TOKEN = """async () => {
    const kept = await caches.match(location.origin + location.pathname, {ignoreVary: true});
    const html = kept ? await kept.text() : "";
    const found = html.match(/data-csrf="([^"]+)"/);
    return found ? found[1] : null;
}"""


@pytest.fixture
def setup(tree, cast):
    """A scheduled acceptance whose second inspector has already scored and submitted."""
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    score_all(team.acceptance, team.second, full_answers(requested.table, manual="7", level="好"))
    return requested.table, team


def shoot(page, artifacts, name):
    page.evaluate("window.scrollTo(0, 0)")  # the sticky progress bar in its place
    page.screenshot(path=artifacts / name, full_page=True)
    if SCREENS.parent.exists():
        SCREENS.mkdir(exist_ok=True)
        shutil.copy(artifacts / name, SCREENS / name)


def card(page, indicator):
    return page.locator(f"#ind-{indicator.pk}")


def offline_ready(page):
    """Wait until the service worker controls the page and has kept it (reload once if needed)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => !!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function(
        "() => !!navigator.serviceWorker.controller"
        " && document.querySelector('[data-inspection]').dataset.offlineReady === 'yes'"
    )


def test_scores_entered_without_signal_survive_a_reload_and_are_saved_once(
    page_for, live_server, setup, cast, artifacts
):
    table, team = setup
    url = f"{live_server.url}/acceptances/{team.acceptance.pk}/score/"
    lead = page_for(cast.inspector, width=PHONE)
    lead.goto(url)
    offline_ready(lead)
    assert lead.evaluate("document.documentElement.scrollWidth") <= PHONE
    # The second inspector's marks are not on the page before the lead submits.
    assert "第二组员" in lead.content() and "会议记录齐全" not in lead.content()
    assert axe_violations(lead) == []
    shoot(lead, artifacts, "inspection-375.png")

    lead.context.set_offline(True)
    # The page learns it is offline from navigator.onLine: type only once it reads false.
    lead.wait_for_function("() => !navigator.onLine")
    manual = card(lead, table.manual)
    manual.get_by_label("评分").fill("5")
    manual.get_by_label("本次考核方式").select_option(CheckMethod.RECORDS)
    manual.get_by_label("说明").fill("三月支委会记录缺页")
    graded = card(lead, table.graded)
    graded.locator("label.insp-choice", has_text="较好").click()
    graded.get_by_label("本次考核方式").select_option(CheckMethod.SITE_VISIT)
    fixed = card(lead, table.fixed)
    fixed.locator("label.insp-choice", has_text="没有").click()
    fixed.get_by_label("本次考核方式").select_option(CheckMethod.INTERVIEW)
    lead.get_by_text("无网络：3 项已保存在本机，联网后自动上传").wait_for()
    assert manual.locator("[data-status]").inner_text().startswith("未")

    kept = lead.evaluate(KEPT_TOKEN)
    lead.reload()  # no signal: the page comes from the service worker's cache
    lead.locator("[data-inspection]").wait_for()
    # Django masks the CSRF token afresh in every response: the same token is the kept copy.
    assert kept and lead.locator("[data-inspection]").get_attribute("data-csrf") == kept
    manual = card(lead, table.manual)
    assert manual.get_by_label("评分").input_value() == "5"
    assert manual.get_by_label("说明").input_value() == "三月支委会记录缺页"
    assert manual.get_by_label("本次考核方式").input_value() == CheckMethod.RECORDS
    assert card(lead, table.graded).get_by_label("较好").is_checked()
    assert card(lead, table.fixed).get_by_label("没有").is_checked()
    lead.get_by_text("无网络：3 项已保存在本机，联网后自动上传").wait_for()
    assert lead.locator("#insp-progress").inner_text() == "已评 3 / 6 项"
    assert axe_violations(lead) == []
    shoot(lead, artifacts, "inspection-offline-375.png")
    assert not InspectorScore.objects.filter(inspector=cast.inspector).exists()

    lead.context.set_offline(False)
    lead.wait_for_function(f"() => ({UNSENT})() === 0")
    lead.locator("[data-net]").wait_for(state="hidden")
    # On SQLite the live server shares the test's connection: let the page's requests finish.
    lead.wait_for_load_state("networkidle")
    rows = {row.indicator_id: row for row in InspectorScore.objects.filter(inspector=cast.inspector)}
    assert set(rows) == {table.manual.pk, table.graded.pk, table.fixed.pk}
    assert InspectorScore.objects.filter(inspector=cast.inspector).count() == 3
    assert (rows[table.manual.pk].score, rows[table.manual.pk].note) == (Decimal("5"), "三月支委会记录缺页")
    assert rows[table.manual.pk].check_method == CheckMethod.RECORDS
    assert (rows[table.graded.pk].level, rows[table.graded.pk].score) == ("较好", Decimal("3"))
    assert (rows[table.fixed.pk].occurred, rows[table.fixed.pk].check_method) == (
        False,
        CheckMethod.INTERVIEW,
    )
    assert all(row.entered_at is not None for row in rows.values())

    # The rest online, then the wide screen, then submitting.
    computed = card(lead, table.computed)
    computed.get_by_label("评分").fill("5.5")
    computed.get_by_label("本次考核方式").select_option(CheckMethod.RECORDS)
    veto = card(lead, table.veto)
    veto.locator("label.insp-choice", has_text="未触及").click()
    veto.get_by_label("本次考核方式").select_option(CheckMethod.INTERVIEW)
    bonus = card(lead, table.bonus)
    bonus.locator("input[name=count]").fill("1")
    bonus.get_by_label("本次考核方式").select_option(CheckMethod.RECORDS)
    lead.wait_for_function(f"() => ({UNSENT})() === 0")
    lead.get_by_text("已评 6 / 6 项").wait_for()
    lead.wait_for_load_state("networkidle")

    wide = page_for(cast.inspector)
    wide.goto(url)
    wide.locator(f"#ind-{table.bonus.pk} [data-status]").wait_for()
    shoot(wide, artifacts, "inspection-1280.png")

    lead.get_by_text("我已核对").click()
    lead.get_by_role("button", name="提交本人评分").click()
    lead.get_by_text("已提交本人评分").wait_for()
    lead.wait_for_load_state("networkidle")
    assert TeamMember.objects.get(acceptance=team.acceptance, user=cast.inspector).submitted_at is not None
    body = lead.content()
    assert "会议记录齐全" in body  # the second inspector's note, now visible
    assert "有分歧" in body and "一致" in body
    assert lead.evaluate("document.documentElement.scrollWidth") <= PHONE
    shoot(lead, artifacts, "inspection-submitted-375.png")
    # Without the flash message: base.html's <li role="status"> is axe's "list" finding, not this page's.
    lead.reload()
    assert axe_violations(lead) == []
    assert InspectorScore.objects.filter(inspector=cast.inspector).count() == 6
