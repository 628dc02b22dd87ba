"""群众测评 pages: every URL for every role (组织部, 党委, secretary, inspector on the team and not on
it, outsider, anonymous); the 组织部's form, figures and QR sheet; the public entry and ballot
pages (a wrong, used or closed ballot said plainly; rate-limited); query counts."""

import subprocess
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Acceptance, Ballot, BallotToken, Survey, TeamMember
from assessments.services.survey import close_survey
from assessments.surveys import hand_code
from assessments.views import survey as survey_views
from organizations.models import Role
from tests.assessments.survey_factories import DAY, C, self_assessed_site, survey_of, vote
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STAFF_ROLES = ["committee", "secretary", "inspector", "inspector_on_team"]


@pytest.fixture
def site(tree, cast):
    return self_assessed_site(tree, cast).site


@pytest.fixture
def survey(site, cast):
    return survey_of(site, cast, count=10, title="2026年群众满意度测评")


@pytest.fixture
def users(cast, site):
    """The cast, plus an inspector on the site's acceptance team."""
    on_team = UserFactory(username="t_yanshou_team", name="验收组长")
    give_role(on_team, site.campaign.organizer, Role.Kind.INSPECTOR)
    acceptance = Acceptance.objects.create(site=site)
    TeamMember.objects.create(acceptance=acceptance, user=on_team, is_lead=True)
    return {
        "org_department": cast.org_department,
        "committee": cast.committee,
        "secretary": cast.secretary,
        "inspector": cast.inspector,
        "inspector_on_team": on_team,
        "outsider": cast.outsider,
        "anonymous": None,
    }


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def expected(role: str, allowed: int) -> int:
    if role == "org_department":
        return allowed
    if role == "outsider":
        return 404
    if role == "anonymous":
        return 302
    return 403


ALL_ROLES = ["org_department", *STAFF_ROLES, "outsider", "anonymous"]


# The 组织部's pages × roles --------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", ["survey_detail", "survey_live", "survey_sheet"])
def test_reading_a_survey_is_the_organizers(client, users, survey, role, name):
    response = client_for(client, users[role]).get(reverse(f"assessments:{name}", args=[survey.pk]))
    assert response.status_code == expected(role, 200)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if response.status_code == 403:
        assert "组织部" in response.content.decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_opening_a_survey_is_the_organizers(client, users, site, role):
    url = reverse("assessments:survey_open", args=[site.pk])
    client = client_for(client, users[role])
    assert client.get(url).status_code == expected(role, 200)
    posted = client.post(
        url,
        {"title": "群众满意度测评", "opens_on": TODAY, "closes_on": TODAY + 5 * DAY, "ballot_count": "12"},
    )
    assert posted.status_code == expected(role, 302)
    assert Survey.objects.filter(site=site).exists() == (role == "org_department")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_closing_a_survey_is_the_organizers(client, users, survey, role):
    response = client_for(client, users[role]).post(reverse("assessments:survey_close", args=[survey.pk]))
    assert response.status_code == expected(role, 302)
    survey.refresh_from_db()
    assert (survey.closed_at is not None) == (role == "org_department")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_public_pages_answer_everyone_alike(client, users, survey, role):
    client = client_for(client, users[role])
    token = survey.tokens.get(serial=1)
    assert client.get(reverse("assessments:ballot_entry")).status_code == 200
    page = client.get(reverse("assessments:ballot", args=[token.token]))
    assert page.status_code == 200
    assert "满意" in page.content.decode()


def test_closing_and_opening_only_answer_post(client, cast, survey):
    client.force_login(cast.org_department)
    assert client.get(reverse("assessments:survey_close", args=[survey.pk])).status_code == 405


# The 组织部's form ------------------------------------------------------------------------------


def test_the_organizer_opens_a_survey_and_lands_on_its_page(client, cast, site):
    client.force_login(cast.org_department)
    form = client.get(reverse("assessments:survey_open", args=[site.pk]))
    assert f'value="{TODAY:%Y-%m-%d}"' in form.content.decode()  # opens today unless changed

    response = client.post(
        reverse("assessments:survey_open", args=[site.pk]),
        {"title": "入户测评", "opens_on": TODAY, "closes_on": TODAY + 7 * DAY, "ballot_count": "40"},
        follow=True,
    )

    survey = Survey.objects.get(site=site)
    assert response.redirect_chain[-1][0] == reverse("assessments:survey_detail", args=[survey.pk])
    assert (survey.title, survey.ballot_count, survey.tokens.count()) == ("入户测评", 40, 40)
    assert "生成 40 张测评票" in response.content.decode()


def test_a_refused_form_keeps_what_was_typed_and_links_each_error(client, cast, site):
    client.force_login(cast.org_department)
    response = client.post(
        reverse("assessments:survey_open", args=[site.pk]),
        {"title": "入户测评", "opens_on": TODAY + 9 * DAY, "closes_on": TODAY + 2 * DAY, "ballot_count": "0"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="入户测评"' in page
    assert "发放票数至少 1 张" in page
    assert 'aria-describedby="id_ballot_count_helptext id_ballot_count_error"' in page
    assert 'id="id_ballot_count_error"' in page
    assert not Survey.objects.exists()


def test_a_period_the_service_refuses_is_shown_beside_its_field(client, cast, site):
    client.force_login(cast.org_department)
    response = client.post(
        reverse("assessments:survey_open", args=[site.pk]),
        {"title": "入户测评", "opens_on": TODAY + 9 * DAY, "closes_on": TODAY + 2 * DAY, "ballot_count": "5"},
    )
    assert response.context["form"].errors["closes_on"] == ["截止日期不能早于开始日期。"]


def test_a_second_survey_while_one_runs_is_refused_on_the_form(client, cast, site, survey):
    client.force_login(cast.org_department)
    response = client.post(
        reverse("assessments:survey_open", args=[site.pk]),
        {"title": "再测一次", "opens_on": TODAY, "closes_on": TODAY + 2 * DAY, "ballot_count": "5"},
    )
    assert "尚未结束的群众测评" in response.content.decode()
    assert Survey.objects.count() == 1


def test_a_site_not_yet_self_assessed_is_refused_with_the_reason(client, cast, tree):
    from tests.assessments.self_assessment_factories import approved_site

    site = approved_site(tree, cast).site
    client.force_login(cast.org_department)
    response = client.get(reverse("assessments:survey_open", args=[site.pk]))
    assert response.status_code == 403
    assert "批准创建" in response.content.decode()


# The figures, comments and sheet -------------------------------------------------------------


def test_the_page_shows_rate_turnout_counts_and_comments(client, cast, survey):
    vote(survey, C.SATISFIED, C.SATISFIED, C.FAIRLY_SATISFIED, comment="希望多开展活动")
    vote(survey, C.DISSATISFIED)
    client.force_login(cast.org_department)

    page = client.get(reverse("assessments:survey_detail", args=[survey.pk])).content.decode()

    assert "75.00" in page  # (2 + 1) / 4
    assert "40.00" in page  # 4 / 10
    assert "已投 4 张 / 发放 10 张" in page
    assert page.count("希望多开展活动") == 3
    assert 'hx-trigger="every 10s"' in page
    assert reverse("assessments:survey_live", args=[survey.pk]) in page
    assert reverse("campaigns:site_detail", args=[survey.site_id]) in page
    assert reverse("assessments:survey_close", args=[survey.pk]) in page


def test_the_live_fragment_stops_polling_once_the_survey_has_ended(client, cast, survey):
    client.force_login(cast.org_department)
    live = reverse("assessments:survey_live", args=[survey.pk])
    assert 'hx-trigger="every 10s"' in client.get(live, headers={"HX-Request": "true"}).content.decode()

    close_survey(survey=survey, by=cast.org_department)

    fragment = client.get(live, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "已提前结束" in fragment
    page = client.get(reverse("assessments:survey_detail", args=[survey.pk])).content.decode()
    assert reverse("assessments:survey_close", args=[survey.pk]) not in page


def test_comments_are_paged(client, cast, site):
    survey = survey_of(site, cast, count=25)
    vote(survey, *[C.SATISFIED] * 22, comment="好")
    client.force_login(cast.org_department)
    first = client.get(reverse("assessments:survey_detail", args=[survey.pk]))
    second = client.get(reverse("assessments:survey_detail", args=[survey.pk]), {"page": 2})
    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 2
    assert "第 1 / 2 页" in first.content.decode()


def test_the_sheet_is_an_inline_pdf_named_after_the_site(client, cast, survey):
    client.force_login(cast.org_department)
    response = client.get(reverse("assessments:survey_sheet", args=[survey.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert disposition.endswith("filename*=utf-8''" + quote("测评二维码-一村党支部.pdf"))


def test_a_large_survey_prints_in_parts(client, cast, site, tmp_path):
    survey = survey_of(site, cast, count=250)
    client.force_login(cast.org_department)
    page = client.get(reverse("assessments:survey_detail", args=[survey.pk])).content.decode()
    assert "第 1–240 张" in page and "第 241–250 张" in page

    second = client.get(reverse("assessments:survey_sheet", args=[survey.pk]), {"part": 2})

    assert second.status_code == 200
    path = tmp_path / "part.pdf"
    path.write_bytes(second.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert text.count("No. ") == 10 and "No. 241" in text and "No. 001" not in text
    sheet = reverse("assessments:survey_sheet", args=[survey.pk])
    for part in ("3", "0", "x"):
        assert client.get(sheet, {"part": part}).status_code == 404


def test_query_counts_do_not_grow_with_ballots(client, cast, site, django_assert_max_num_queries):
    survey = survey_of(site, cast, count=40)
    client.force_login(cast.org_department)

    def queries(name):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"assessments:{name}", args=[survey.pk])).status_code == 200
        return len(captured)

    vote(survey, C.SATISFIED, C.DISSATISFIED, C.FAIRLY_SATISFIED, comment="意见")
    few = {name: queries(name) for name in ("survey_detail", "survey_live")}
    vote(survey, *[C.SATISFIED, C.FAIRLY_SATISFIED, C.DISSATISFIED] * 9, comment="意见")
    assert survey.ballots.count() == 30
    many = {name: queries(name) for name in ("survey_detail", "survey_live")}
    assert few == many
    # session, user; the survey with its site; the viewer's role (to view, and again to close);
    # the ballots' counts; the comments' count and page; the top bar's roles.
    with django_assert_max_num_queries(9):
        client.get(reverse("assessments:survey_detail", args=[survey.pk]))
    # session, user; the survey; the role; the counts.
    with django_assert_max_num_queries(5):
        client.get(reverse("assessments:survey_live", args=[survey.pk]))


# The public pages ----------------------------------------------------------------------------


def test_the_ballot_page_asks_three_choices_in_a_fieldset_and_nothing_personal(client, cast, survey):
    token = survey.tokens.get(serial=3)
    response = client.get(reverse("assessments:ballot", args=[token.token]))
    page = response.content.decode()

    assert response.status_code == 200
    assert "<fieldset" in page and "<legend" in page
    assert page.count('type="radio"') == 3
    for label in ("满意", "基本满意", "不满意"):
        assert f'<span class="sv-option__label">{label}</span>' in page
    assert "一村党支部" in page and "2026年群众满意度测评" in page
    for personal in ("姓名</label>", "电话</label>", "身份证", cast.org_department.name):
        assert personal not in page
    assert 'name="comment"' in page and 'maxlength="500"' in page
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


def test_a_resident_votes_and_is_thanked_then_the_link_says_it_was_used(client, survey):
    token = survey.tokens.get(serial=1)
    url = reverse("assessments:ballot", args=[token.token])

    voted = client.post(url, {"choice": C.FAIRLY_SATISFIED, "comment": "道路还要再修"}, follow=True)

    assert voted.redirect_chain == [(f"{url}?done=1", 302)]
    assert "感谢您的评价" in voted.content.decode()
    ballot = Ballot.objects.get()
    assert (ballot.token, ballot.choice, ballot.comment) == (token, C.FAIRLY_SATISFIED, "道路还要再修")
    again = client.get(url)
    assert again.status_code == 410
    assert "这张测评票已经投过了" in again.content.decode()
    resubmitted = client.post(url, {"choice": C.DISSATISFIED})
    assert resubmitted.status_code == 410
    assert Ballot.objects.count() == 1


def test_thanks_is_shown_only_for_a_used_token(client, survey):
    url = reverse("assessments:ballot", args=[survey.tokens.get(serial=1).token])
    page = client.get(url, {"done": "1"})
    assert page.status_code == 200 and "感谢" not in page.content.decode()


def test_a_ballot_without_a_choice_keeps_the_comment_and_links_the_error(client, survey):
    url = reverse("assessments:ballot", args=[survey.tokens.get(serial=1).token])
    response = client.post(url, {"comment": "请多听群众意见"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "请多听群众意见" in page
    assert 'aria-describedby="id_choice_error"' in page and 'id="id_choice_error"' in page
    assert 'class="error-summary"' in page
    assert not Ballot.objects.exists()


def test_a_wrong_token_is_404_with_a_way_to_type_the_code(client, survey):
    response = client.get(reverse("assessments:ballot", args=["no-such-token"]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "不存在" in page and reverse("assessments:ballot_entry") in page


def test_a_closed_survey_says_so(client, cast, survey):
    close_survey(survey=survey, by=cast.org_department)
    response = client.get(reverse("assessments:ballot", args=[survey.tokens.first().token]))
    assert response.status_code == 410
    assert "本次测评已经结束" in response.content.decode()


def test_an_expired_survey_says_so(client, site, cast):
    survey = survey_of(site, cast, opens_on=TODAY, closes_on=TODAY)
    Survey.objects.filter(pk=survey.pk).update(opens_on=TODAY - 5 * DAY, closes_on=TODAY - DAY)
    response = client.post(
        reverse("assessments:ballot", args=[survey.tokens.first().token]), {"choice": C.SATISFIED}
    )
    assert response.status_code == 410
    assert "已经结束" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_survey_not_yet_open_says_when_it_opens(client, site, cast):
    opens = TODAY + 2 * DAY
    survey = survey_of(site, cast, opens_on=opens, closes_on=opens + 3 * DAY)
    response = client.get(reverse("assessments:ballot", args=[survey.tokens.first().token]))
    assert response.status_code == 200
    assert f"{opens.month}月{opens.day}日 开始" in response.content.decode()
    assert 'type="radio"' not in response.content.decode()


def test_the_hand_code_leads_to_the_ballot(client, survey):
    token = survey.tokens.get(serial=4)
    typed = hand_code(token.code).lower()
    response = client.get(reverse("assessments:ballot_entry"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:ballot", args=[token.token])


def test_a_wrong_hand_code_is_said_beside_the_field(client, survey):
    response = client.get(reverse("assessments:ballot_entry"), {"code": "ZZZZ-ZZZZ"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "没有找到这个手输码" in page and 'value="ZZZZ-ZZZZ"' in page
    assert 'aria-describedby="id_code_helptext id_code_error"' in page and 'id="id_code_error"' in page


def test_the_ballot_page_also_opens_by_hand_code(client, survey):
    token = survey.tokens.get(serial=5)
    response = client.get(reverse("assessments:ballot", args=[hand_code(token.code)]))
    assert response.status_code == 200 and 'type="radio"' in response.content.decode()


def test_the_public_pages_are_rate_limited(client, survey, monkeypatch):
    url = reverse("assessments:ballot", args=[survey.tokens.first().token])
    answers = [client.get(url).status_code for _ in range(survey_views.BALLOT_PER_MINUTE + 1)]
    assert answers[:-1] == [200] * survey_views.BALLOT_PER_MINUTE
    limited = client.get(url)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert "操作过于频繁" in limited.content.decode()
    entry = reverse("assessments:ballot_entry")
    entries = [client.get(entry).status_code for _ in range(survey_views.ENTRY_PER_MINUTE + 1)]
    assert entries[-1] == 429
    # The limit is per address: another client is not held back.
    assert client.get(url, REMOTE_ADDR="198.51.100.20").status_code == 200


def test_the_public_ballot_queries_are_few(client, survey, django_assert_max_num_queries):
    url = reverse("assessments:ballot", args=[survey.tokens.first().token])
    # The token with its survey and site, whether it was used (one query), the policy's check.
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200
    assert BallotToken.objects.count() == 10
