"""WCAG 2.1 A/AA (and so GB/T 37668) on every page each role can reach, checked by axe-core in Chromium.

The pages are found in the URL configuration, not listed by hand: every GET pattern outside the
admin is resolved with real ids from the demo county (`seed_demo`), trying a few objects the role
can see, and kept when it answers a whole HTML page. A page added later joins the check by
itself; a pattern whose parameter cannot be filled fails the test until PARAMETERS or
SEGMENT_MODELS learn it, so no page slips out unnoticed.

axe-core 4.x is vendored from the npm registry (tests/e2e/vendor/, see its README) and evaluated
through Playwright's own channel, which the page's Content-Security-Policy does not govern: the
production CSP is served unchanged during the check.

The keyboard tests below walk the main forms without a mouse: the dues dialog, a failed submit
(error summary, title, links to the fields), a service record, a nomination and an approval.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core import serializers
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from assessments.models import Acceptance, BallotToken, Framework
from campaigns.models import Site
from campaigns.services import (
    PhaseSpec,
    activate_campaign,
    approve_site,
    create_campaign,
    nominate_site,
    save_leading_group_member,
)
from demo.builder import DEMO_PASSWORD
from members.models import DuesPayment, ServiceRecord
from organizations.models import Kind, Organization, User
from tests.members.factories import MemberFactory

# serialized_rollback: Django snapshots the fresh test database, which `demo` puts back.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.e2e]

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (1280, 375)
# The demo accounts, one per role; None is a visitor who has not logged in.
ROLES = {"org_department": "zzb", "committee": "dangwei1", "secretary": "zhibu1", "inspector": "yanshou1"}
HOME_BRANCH = "SFQ-CG-LY"  # the demo branch with a secretary account, a site and a year of records
TRIES = 3  # objects tried per pattern before the role is taken not to reach it
# Outside the check: Django's own admin (the 组织部's data tool, Django's templates) and the
# password pages Django ships but this site does not link to (accounts are issued by the 组织部).
SKIPPED_PREFIXES = ("admin/", "accounts/password", "accounts/reset/", "accounts/logout/")
# A path segment naming a model in another word than its class name.
SEGMENT_MODELS = {
    "leading-group": "campaigns.LeadingGroupMember",
    "development": "members.Applicant",
    "services": "members.ServiceRecord",
    "imports": "members.ImportJob",
    "inspection-photos": "assessments.InspectorScore",
}
# Parameters filled without a model: each gives the values to try.
PARAMETERS = {
    "code": lambda user: list(
        Organization.objects.filter(kind=Kind.BRANCH, code=HOME_BRANCH).values_list("code", flat=True)
    ),
    # Public pages: an unused ballot of a running survey, a report's check code, a campaign's results.
    "token": lambda user: list(
        BallotToken.objects.filter(ballot__isnull=True, survey__closed_at__isnull=True)
        .filter(survey__closes_on__gte=timezone.localdate())
        .values_list("token", flat=True)[:1]
    ),
    "digest": lambda user: list(
        Acceptance.objects.exclude(report_content_sha256="").values_list("report_content_sha256", flat=True)[
            :1
        ]
    ),
    "campaign": lambda user: list(
        Acceptance.objects.filter(signed_at__isnull=False).values_list("site__campaign_id", flat=True)[:1]
    ),
}
# Patterns that only ever answer a file (spreadsheets, PDFs, templates): nothing to check.
FILE_SUFFIXES = (".xlsx", ".pdf", ".csv", ".zip")
BRANCH_LOOKUPS = ("branch", "member__branch", "organization", "household__branch")
FILE_NAMES = {
    "import_template",
    "site_plan_file",
    "meeting_photo",
    "rectification_evidence",
    "inspection_photo",
    "inspection_service_worker",
}


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str  # e.g. "sites/<int:pk>/history/"


def url_patterns(resolver=None, prefix: str = "", namespace: str = "") -> list[Pattern]:
    """Every named URL pattern of the project, with its full route and namespaced name."""
    found: list[Pattern] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            found += url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append(
                Pattern(f"{namespace}:{entry.name}" if namespace else entry.name, prefix + str(entry.pattern))
            )
    return found


def checked_patterns() -> list[Pattern]:
    return [
        p
        for p in url_patterns()
        if not p.route.startswith(SKIPPED_PREFIXES)
        and not p.route.endswith(FILE_SUFFIXES)
        and p.name.rpartition(":")[2] not in FILE_NAMES
    ]


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def model_for(segment: str):
    if segment in SEGMENT_MODELS:
        return apps.get_model(SEGMENT_MODELS[segment])
    wanted = segment.replace("-", "").replace("_", "").lower()
    for model in apps.get_models():
        if model._meta.model_name in (wanted, wanted.removesuffix("s"), wanted.removesuffix("es")):
            return model
    return None


def candidates(pattern: Pattern, user) -> list[str] | None:
    """Paths to try for `pattern` as `user` (AnonymousUser allowed); None when a parameter is unknown."""
    pieces = re.split(r"(<[^>]+>)", pattern.route)
    values: dict[str, list] = {}
    for index, piece in enumerate(pieces):
        match = PARAM.fullmatch(piece)
        if not match:
            continue
        name = match["name"]
        if name in PARAMETERS:
            values[name] = PARAMETERS[name](user)
            continue
        if name == "branch":
            branches = Organization.objects.visible_to(user).filter(kind=Kind.BRANCH)
            home = list(branches.filter(code=HOME_BRANCH).values_list("pk", flat=True))
            values[name] = home or list(branches.order_by("pk").values_list("pk", flat=True)[:TRIES])
            continue
        segment = pieces[index - 1].strip("/").rpartition("/")[2]
        model = (name not in ("pk", "id") and model_for(name)) or model_for(segment)
        if model is None or match["converter"] not in (None, "int"):
            return None
        objects = model._default_manager.visible_to(user)
        if "branch" in values:
            objects = within_branch(objects, values["branch"][:1])
        values[name] = list(objects.order_by("pk").values_list("pk", flat=True)[:TRIES])
    if any(not options for options in values.values()):
        return []
    paths = []
    for attempt in range(TRIES):
        chosen = {name: options[min(attempt, len(options) - 1)] for name, options in values.items()}
        paths.append("/" + PARAM.sub(lambda m, chosen=chosen: str(chosen[m["name"]]), pattern.route))
    return list(dict.fromkeys(paths))


def within_branch(objects, branch_ids: list[int]):
    """The objects under the branch of the URL (a branch page shows only its own rows)."""
    for lookup in BRANCH_LOOKUPS:
        try:
            return objects.filter(**{f"{lookup}__in": branch_ids})
        except FieldError:
            continue
    return objects


def reachable_pages(user) -> tuple[list[str], list[str], list[str]]:
    """(paths of whole HTML pages `user` reaches, patterns that could not be filled, server errors)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    who = user or AnonymousUser()
    pages, unresolved, errors = [], [], []
    for pattern in checked_patterns():
        paths = candidates(pattern, who)
        if paths is None:
            unresolved.append(f"{pattern.name} ({pattern.route})")
            continue
        for path in paths:
            response = client.get(path)
            if response.status_code >= 500:
                errors.append(f"{path}: {response.status_code}")
                break
            html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code == 200 and html and b"<html" in response.content[:500]:
                pages.append(path)
                break
    return pages, unresolved, errors


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").split("\\n")[1]),
  }));
}"""


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN, WCAG_TAGS)


@pytest.fixture
def demo(db, migrated_data):
    """The demo county, on the built-in frameworks that a transactional test before this one has
    flushed away: they come back from the migrations' snapshot (conftest's migrated_data)."""
    if not Framework.objects.filter(is_builtin=True).exists():
        with transaction.atomic():
            for row in serializers.deserialize("json", migrated_data):
                if row.object._meta.app_label == "assessments":
                    row.save()
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_page_passes_axe_at_both_widths(role, demo, browser, live_server):
    user = User.objects.get(username=ROLES[role]) if role else None
    pages, unresolved, errors = reachable_pages(user)
    assert not unresolved, (
        f"这些网址的参数无法用演示数据填写，请在 PARAMETERS 或 SEGMENT_MODELS 中补充：{unresolved}"
    )
    assert not errors, f"服务器错误：{errors}"
    assert len(pages) >= (2 if role is None else 10), pages

    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        if user is not None:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
        found = []
        for path in pages:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            page.goto(live_server.url + path)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.wait_for_timeout(150)  # the page's own resize handler (a11y.js) runs first
                for violation in axe_violations(page):
                    found.append(
                        f"{path} @{width}px [{violation['impact']}] {violation['id']}: {violation['help']}"
                    )
                    found += [f"    {node}" for node in violation["nodes"]]
        print(f"axe: {role or 'anonymous'}: {len(pages)} pages × {len(WIDTHS)} widths")
        assert not found, "\n".join(found)
    finally:
        context.close()


# Keyboard only ------------------------------------------------------------------------------------


def active(page, expression: str = "el => el"):
    return page.evaluate(f"() => ({expression})(document.activeElement)")


def tab_to(page, selector: str, *, limit: int = 40, back: bool = False) -> int:
    """Press Tab (Shift+Tab with back) until the focused element matches `selector`; the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"按 {limit} 次 Tab 也到不了 {selector}")


def skip_to_main(page) -> None:
    page.keyboard.press("Tab")
    assert active(page, "el => el.textContent.trim()") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert active(page, "el => el.id") == "main"


def dangling_references(page) -> list[str]:
    """aria-describedby / aria-labelledby ids that name no element on the page."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[aria-describedby], [aria-labelledby]")].flatMap(el =>
             ["aria-describedby", "aria-labelledby"].flatMap(a => (el.getAttribute(a) || "").split(/\\s+/)
               .filter(id => id && !document.getElementById(id))
               .map(id => `${el.name || el.id}: ${a}=${id}`)))"""
    )


@pytest.fixture
def running(tree, cast):
    """A campaign in its 动员部署 phase today, with the 一村 site approved and a member in 一村."""
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
    campaign = activate_campaign(campaign=campaign, by=cast.org_department)
    member = MemberFactory(branch=tree.branch_a1, name="王建军")
    return campaign, member


def test_failed_submit_announces_its_errors_and_links_them(page_for, live_server, running, tree, cast):
    page = page_for(cast.secretary)
    page.goto(f"{live_server.url}/branches/{tree.branch_a1.pk}/meetings/add/")
    skip_to_main(page)
    presses = tab_to(page, "form.form button[type=submit]")
    # The crumbs and the branch's tabs, then the paper 会议记录's fields (issue 11 added 主持人,
    # 记录人, 应到, 实到, 列席, 议程 and 决议); the date box takes three stops in Chromium.
    assert presses <= 32, f"登记会议按钮前有 {presses} 个 Tab 停靠点"
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")

    assert page.title().startswith("错误：")
    assert active(page, "el => el.id") == "error-summary"
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert dangling_references(page) == []
    first_link = page.locator("#error-summary a").first
    target = first_link.get_attribute("href")[1:]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert active(page, "el => el.id") == target
    assert active(page, "el => el.getAttribute('aria-invalid')") == "true"
    assert axe_violations(page) == []


def test_login_errors_are_linked_to_the_fields(browser, live_server, cast):
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        assert active(page, "el => el.name") == "username"
        page.keyboard.type(cast.secretary.username)
        page.keyboard.press("Tab")
        page.keyboard.type("wrong-password")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error-summary")
        assert page.title().startswith("错误：")
        assert active(page, "el => el.id") == "error-summary"
        for name in ("username", "password"):
            assert page.get_attribute(f"input[name={name}]", "aria-invalid") == "true"
        assert dangling_references(page) == []
        assert axe_violations(page) == []
    finally:
        context.close()


def test_dues_dialog_takes_focus_keeps_it_and_gives_it_back(page_for, live_server, running, tree, cast):
    _, member = running
    page = page_for(cast.secretary)
    page.goto(f"{live_server.url}/branches/{tree.branch_a1.pk}/dues/")
    cell = page.locator(f"#member-{member.pk} a.dues-cell").first
    href = cell.get_attribute("href")
    cell.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=dialog][aria-modal=true]")
    assert active(page, "el => el.closest('[role=dialog]') !== null && el.name") == "amount"
    assert page.get_attribute("[role=dialog]", "aria-labelledby")
    assert axe_violations(page) == []
    for _ in range(8):  # Tab goes round inside the dialog, never back to the grid behind it
        page.keyboard.press("Tab")
        assert active(page, "el => el.closest('[role=dialog]') !== null")

    page.keyboard.press("Escape")
    assert page.locator("[role=dialog]").count() == 0
    assert active(page, "el => el.getAttribute('href')") == href

    page.keyboard.press("Enter")
    page.wait_for_selector("[role=dialog][aria-modal=true]")
    page.keyboard.press("Control+A")
    page.keyboard.type("12.50")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=dialog]", state="detached")
    page.wait_for_function(f"() => document.activeElement.getAttribute('href') === {href!r}")
    assert DuesPayment.objects.filter(member=member).count() == 1


def test_keyboard_alone_records_a_service_nominates_and_approves(page_for, live_server, running, tree, cast):
    campaign, member = running

    secretary = page_for(cast.secretary)
    secretary.goto(f"{live_server.url}/branches/{tree.branch_a1.pk}/services/add/")
    skip_to_main(secretary)
    tab_to(secretary, "select[name=member]")
    secretary.keyboard.press("ArrowDown")
    tab_to(secretary, "input[name=served_on]")
    today = timezone.localdate()
    for part in (f"{today:%Y}", f"{today:%m}", f"{today:%d}"):  # Tab moves between the date's parts
        secretary.keyboard.type(part)
        secretary.keyboard.press("Tab")
    tab_to(secretary, "input[name=place]")
    secretary.keyboard.type("村文化广场")
    tab_to(secretary, "textarea[name=content]")
    secretary.keyboard.type("帮助独居老人打扫卫生。")
    tab_to(secretary, "form.service-form button[type=submit]")
    with secretary.expect_navigation():
        secretary.keyboard.press("Enter")
    # On SQLite the live server shares the test's connection: let the page's own requests (the
    # bell's count) finish before this thread queries.
    secretary.wait_for_load_state("networkidle")
    assert ServiceRecord.objects.filter(member=member, content="帮助独居老人打扫卫生。").exists(), (
        secretary.locator("#error-summary").inner_text()
    )

    committee = page_for(cast.committee)
    committee.goto(f"{live_server.url}/campaigns/{campaign.pk}/nominate/")
    skip_to_main(committee)
    tab_to(committee, "select[name=branch]")
    committee.keyboard.press("ArrowDown")
    tab_to(committee, "textarea[name=plan]")
    committee.keyboard.type("以星级服务激活力，建档、定制、分户、设区、办卡、设栏、评星挂牌。")
    tab_to(committee, "textarea[name=highlights]")
    committee.keyboard.type("党员星级服务卡，人手一册。")
    tab_to(committee, "form.form button[type=submit]")
    committee.keyboard.press("Enter")
    committee.wait_for_url(f"{live_server.url}/sites/*/")
    committee.wait_for_load_state("networkidle")
    site = Site.objects.get(campaign=campaign, organization=tree.branch_a1)

    clerk = page_for(cast.org_department)
    clerk.goto(f"{live_server.url}/campaigns/{campaign.pk}/nominations/")
    skip_to_main(clerk)
    tab_to(clerk, ".nomination button[type=submit]")
    assert active(clerk, "el => el.textContent.trim()") == "批准创建"
    clerk.keyboard.press("Enter")
    clerk.wait_for_function("() => document.body.innerText.includes('已批准')")
    clerk.wait_for_load_state("networkidle")
    site.refresh_from_db()
    assert site.status == Site.Status.APPROVED


def test_in_place_editor_takes_focus_and_escape_gives_it_back(page_for, live_server, running, tree, cast):
    campaign, _ = running
    today = timezone.localdate()
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=today)
    approve_site(site=site, by=cast.org_department)
    leader = save_leading_group_member(site=site, by=cast.secretary, name="张书记", position="LEADER")
    page = page_for(cast.secretary)
    page.goto(f"{live_server.url}/sites/{site.pk}/")
    edit = page.locator(f"#leading-group a[href='/leading-group/{leader.pk}/edit/']")
    edit.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#leading-group [data-focus-first]")
    first_field = "#leading-group [data-focus-first] :is(input:not([type=hidden]), select, textarea)"
    assert active(page, f"el => el === document.querySelector({first_field!r})")

    page.keyboard.press("Escape")
    page.wait_for_selector("#leading-group [data-focus-first]", state="detached")
    page.wait_for_function(
        f"() => document.activeElement.getAttribute('href') === '/leading-group/{leader.pk}/edit/'"
    )


# Delivery -----------------------------------------------------------------------------------------


def test_pages_are_sent_gzipped(client, cast):
    client.force_login(cast.secretary)
    response = client.get("/", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_settings_create_the_sqlite_folder(tmp_path):
    """`make install` then `manage.py migrate` on a fresh checkout, before var/ exists."""
    var = tmp_path / "var"
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(var)},
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert var.is_dir()
