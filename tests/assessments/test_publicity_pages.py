"""The 公示 pages and the report download, URL by role: the 组织部, the 党委, the branch secretary,
the inspector on the team, an inspector not on it, an outsider and an anonymous visitor. Public
pages show no personal data; objections are taken during the period only and rate-limited; forms
keep what was typed; lists cost the same number of queries however many rows."""

import datetime
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from assessments import report
from assessments.models import Acceptance, Objection
from assessments.services.publicity import answer_objection, lodge_objection
from campaigns.models import Site
from organizations.models import Kind
from tests.assessments.acceptance_factories import requested_site, scheduled
from tests.assessments.test_report import media, signed_acceptance  # noqa: F401 (media: a fixture)
from tests.organizations.factories import make_org

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
ROLES = ["org_department", "committee", "secretary", "lead", "outside", "outsider", "anonymous"]
CONTACT = "13912345678"
OBJECTION_TEXT = "测评票有代填情况，请核实。"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def built(tree, cast):
    """A signed result (its report not rendered: only the download tests need the PDF)."""
    built = signed_acceptance(tree, cast)
    built.start, built.end = built.acceptance.publicity_starts_on, built.acceptance.publicity_ends_on
    return built


@pytest.fixture
def rendered(built):
    built.acceptance = report.render_report(built.acceptance)
    return built


@pytest.fixture
def on_day(monkeypatch):
    """on_day(day): the pages run as on `day` (`timezone.localdate()` without an argument)."""
    real = timezone.localdate

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz)
        )

    return set_day


def login(client, cast, built, role: str) -> None:
    users = {"lead": built.lead, "outside": built.outside}
    if role != "anonymous":
        client.force_login(users.get(role) or getattr(cast, role))


def lodged(built, **fields) -> Objection:
    values = {"lodged_by": "王秀兰", "contact": CONTACT, "text": OBJECTION_TEXT} | fields
    return lodge_objection(acceptance=built.acceptance, today=built.start, **values)


def report_url(acceptance) -> str:
    return reverse("assessments:acceptance_report", args=[acceptance.pk])


def results_url(built) -> str:
    return reverse("assessments:public_results", args=[built.campaign.pk])


def lodge_url(built) -> str:
    return reverse("assessments:objection_lodge", args=[built.acceptance.pk])


def answer_url(objection) -> str:
    return reverse("assessments:objection_answer", args=[objection.pk])


def overview_url(built) -> str:
    return reverse("assessments:publicity_overview", args=[built.campaign.pk])


# The report -------------------------------------------------------------------------------------

IN_SCOPE = {"org_department", "committee", "secretary", "lead", "outside"}


@pytest.mark.parametrize("role", ROLES)
def test_the_report_is_downloaded_within_scope(client, cast, rendered, role):
    login(client, cast, rendered, role)

    response = client.get(report_url(rendered.acceptance))

    if role in IN_SCOPE:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert quote("验收报告-一村党支部.pdf") in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_a_report_still_rendering_says_so(client, cast, built, role):
    login(client, cast, built, role)

    response = client.get(report_url(built.acceptance))

    expected = {"outsider": 404, "anonymous": 302}.get(role, 202)
    assert response.status_code == expected
    if expected == 202:
        body = response.content.decode()
        assert "验收报告正在生成" in body and 'http-equiv="refresh"' in body


@pytest.mark.parametrize("role", ROLES)
def test_an_unsigned_acceptance_has_no_report(client, tree, cast, role):
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    built = type("Built", (), {"lead": team.lead, "outside": team.outside})
    login(client, cast, built, role)

    response = client.get(report_url(team.acceptance))

    expected = {"outsider": 404, "anonymous": 302}.get(role, 403)
    assert response.status_code == expected
    if expected == 403:
        assert "验收尚未签署，还没有验收报告。" in response.content.decode()


def test_a_report_file_gone_from_storage_is_404(client, cast, rendered):
    rendered.acceptance.report.storage.delete(rendered.acceptance.report.name)
    client.force_login(cast.org_department)

    assert client.get(report_url(rendered.acceptance)).status_code == 404


# The public check ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_check_and_its_form_answer_every_role(client, cast, rendered, role):
    login(client, cast, rendered, role)
    digest = rendered.acceptance.report_content_sha256

    assert client.get(reverse("assessments:verify_form")).status_code == 200
    response = client.get(reverse("assessments:verify", args=[digest]))
    assert response.status_code == 200
    assert "本报告由系统签发" in response.content.decode()


# The public results ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_results_are_public_without_personal_data(client, cast, built, on_day, role):
    lodged(built)
    on_day(built.start)
    login(client, cast, built, role)

    response = client.get(results_url(built))

    assert response.status_code == 200
    body = response.content.decode()
    acceptance = built.acceptance
    assert "一村党支部" in body and built.campaign.name in body
    assert report.rules.fmt(acceptance.composite_score) in body
    assert acceptance.get_verdict_display() in body
    assert "有异议待答复" in body
    assert f'href="{lodge_url(built)}"' in body
    for personal in ("验收组员", "第二组员", "王秀兰", CONTACT, OBJECTION_TEXT, "一村书记"):
        assert personal not in body, personal
    assert response.cookies == {}


def test_results_show_only_once_their_period_started_and_take_objections_only_during_it(
    client, built, on_day
):
    on_day(built.start - DAY)
    assert "一村党支部" not in client.get(results_url(built)).content.decode()

    on_day(built.start)
    body = client.get(results_url(built)).content.decode()
    assert "公示中" in body and f'href="{lodge_url(built)}"' in body

    on_day(built.end + DAY)
    body = client.get(results_url(built)).content.decode()
    assert "已公示" in body and f'href="{lodge_url(built)}"' not in body


def test_an_unknown_campaign_has_no_results_page(client, db):
    assert client.get(reverse("assessments:public_results", args=[999])).status_code == 404


# Lodging an objection ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_anyone_lodges_an_objection_during_the_period(client, cast, built, on_day, role):
    on_day(built.start)
    login(client, cast, built, role)

    assert client.get(lodge_url(built)).status_code == 200
    response = client.post(lodge_url(built), {"lodged_by": "", "contact": CONTACT, "text": OBJECTION_TEXT})

    assert response.status_code == 302 and response["Location"] == f"{lodge_url(built)}?sent=1"
    objection = Objection.objects.get()
    assert (objection.lodged_by, objection.contact, objection.text) == ("", CONTACT, OBJECTION_TEXT)
    assert "异议已提交" in client.get(response["Location"]).content.decode()


def test_a_refused_objection_keeps_what_was_typed(client, built, on_day):
    on_day(built.start)

    response = client.post(lodge_url(built), {"lodged_by": "王秀兰", "contact": "", "text": OBJECTION_TEXT})

    assert response.status_code == 400
    body = response.content.decode()
    assert "请留下联系方式（电话或地址），以便组织部答复。" in body
    assert 'value="王秀兰"' in body and OBJECTION_TEXT in body
    assert (
        'aria-describedby="id_contact_helptext id_contact_error"' in body or 'id="id_contact_error"' in body
    )
    assert 'aria-invalid="true"' in body
    assert not Objection.objects.exists()


def test_no_objection_outside_the_period(client, built, on_day):
    on_day(built.start - DAY)
    assert client.get(lodge_url(built)).status_code == 404  # not public yet

    on_day(built.end + DAY)
    response = client.post(lodge_url(built), {"contact": CONTACT, "text": OBJECTION_TEXT})
    assert response.status_code == 403
    assert "不再受理异议" in response.content.decode()
    assert client.get(lodge_url(built)).status_code == 403
    assert not Objection.objects.exists()


def test_an_unsigned_acceptance_takes_no_objection(client, tree, cast):
    team = scheduled(tree, cast, requested_site(tree, cast))

    assert client.get(reverse("assessments:objection_lodge", args=[team.acceptance.pk])).status_code == 404


def test_lodging_is_rate_limited(client, built, on_day):
    on_day(built.start)
    data = {"contact": CONTACT, "text": OBJECTION_TEXT}

    statuses = [client.post(lodge_url(built), data).status_code for _ in range(11)]

    assert statuses == [302] * 10 + [429]
    assert Objection.objects.count() == 10


# Answering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_org_department_answers(client, cast, built, role):
    objection = lodged(built)
    login(client, cast, built, role)

    response = client.post(answer_url(objection), {"answer": "经核实，不存在代填。"})

    objection.refresh_from_db()
    if role == "org_department":
        assert response.status_code == 302
        assert response["Location"] == f"{overview_url(built)}#objection-{objection.pk}"
        assert objection.answer == "经核实，不存在代填。"
    else:
        expected = {"outsider": 404, "anonymous": 302}.get(role, 403)
        assert response.status_code == expected
        assert objection.answered_at is None


def test_answering_is_a_post(client, cast, built):
    client.force_login(cast.org_department)
    assert client.get(answer_url(lodged(built))).status_code == 405


def test_a_refused_answer_comes_back_with_what_was_typed(client, cast, built):
    objection = lodged(built)
    client.force_login(cast.org_department)
    typed = "经核实" * 1400  # 4200 characters, over the limit

    response = client.post(answer_url(objection), {"answer": typed})

    assert response.status_code == 400
    body = response.content.decode()
    assert "答复最多 4000 个字" in body
    assert typed in body
    assert f'aria-describedby="answer-{objection.pk}-help answer-{objection.pk}-error"' in body
    assert Objection.objects.get(pk=objection.pk).answered_at is None


def test_an_answered_objection_cannot_be_answered_again(client, cast, built):
    objection = lodged(built)
    answer_objection(objection=objection, by=cast.org_department, answer="已核实")
    client.force_login(cast.org_department)

    response = client.post(answer_url(objection), {"answer": "再答一次"})

    assert response.status_code == 403
    assert "该异议已经答复" in response.content.decode()


# The 组织部's overview ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_overview_is_the_org_departments(client, cast, built, role):
    lodged(built)
    login(client, cast, built, role)

    response = client.get(overview_url(built))

    if role == "org_department":
        assert response.status_code == 200
        body = response.content.decode()
        assert "一村党支部" in body and OBJECTION_TEXT in body and CONTACT in body
        assert f'action="{answer_url(Objection.objects.get())}"' in body
        assert f'href="{report_url(built.acceptance)}"' in body
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_the_overview_shows_answers_and_filters_open_objections(client, cast, built):
    answered = lodged(built, text="第一条异议")
    answer_objection(objection=answered, by=cast.org_department, answer="第一条已答复")
    client.force_login(cast.org_department)

    body = client.get(overview_url(built)).content.decode()
    assert "第一条已答复" in body and f'action="{answer_url(answered)}"' not in body
    assert "没有待答复的异议" in client.get(overview_url(built), {"filter": "open"}).content.decode()

    lodged(built, text="第二条异议")
    assert "第二条异议" in client.get(overview_url(built), {"filter": "open"}).content.decode()


# Query counts ------------------------------------------------------------------------------------


def more_results(built, tree, count: int) -> None:
    """`count` more signed results in 公示, each with two objections (one answered). Written
    straight to the tables: only the lists' query counts are measured here."""
    now = timezone.now()
    for n in range(count):
        branch = make_org(tree.committee_b, Kind.BRANCH, f"第{n}村党支部", code=f"X{n}")
        site = Site.objects.create(
            campaign=built.campaign,
            organization=branch,
            nominated_by=tree.committee_b,
            status=Site.Status.PASSED,
        )
        acceptance = Acceptance.objects.create(
            site=site,
            visited_on=built.acceptance.visited_on,
            verdict=Acceptance.Verdict.PASSED,
            composite_score=90 + n % 10,
            signed_at=now,
            publicity_starts_on=built.start,
            publicity_ends_on=built.end,
        )
        Objection.objects.create(acceptance=acceptance, contact="1", text="一")
        Objection.objects.create(
            acceptance=acceptance,
            contact="2",
            text="二",
            answer="答",
            answered_at=now,
            answered_by=built.lead,
        )


@pytest.mark.parametrize("extra", [2, 29])
def test_the_public_results_cost_the_same_with_3_or_30_rows(
    client, tree, built, on_day, extra, django_assert_max_num_queries
):
    more_results(built, tree, extra)
    on_day(built.start)
    # 3: the campaign with its organizer; the page's count; its rows with the open objections
    # counted in the same query.
    with django_assert_max_num_queries(3):
        body = client.get(results_url(built)).content.decode()
    assert body.count('class="table__main"') == min(extra + 1, 25)


@pytest.mark.parametrize("extra", [2, 14])
def test_the_overview_costs_the_same_with_more_results_and_objections(
    client, cast, tree, built, extra, django_assert_max_num_queries
):
    more_results(built, tree, extra)
    lodged(built)
    client.force_login(cast.org_department)
    # 8: session and user; the top bar's roles; the campaign; the role the policy asks; the
    # page's count and rows; the page's objections with who answered them.
    with django_assert_max_num_queries(8):
        body = client.get(overview_url(built)).content.decode()
    assert body.count('class="panel pub-card"') == min(extra + 1, 10)
