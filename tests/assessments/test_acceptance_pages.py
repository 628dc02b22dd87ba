"""The on-site acceptance pages: who sees and does what (404 outside one's scope, 403 with the
policy's reason inside it, the login page for the anonymous), the score table and its filter,
the agreed scores, findings and rectification items with their errors kept beside the fields,
scheduling, signing with its confirmation, the frozen result, and query counts that do not grow
with the framework."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import Acceptance, AgreedScore, TeamMember
from assessments.services.acceptance import agree_score, sign_acceptance
from campaigns.models import Rectification, Site
from organizations.models import Role
from tests.organizations.factories import UserFactory, give_role

from .acceptance_factories import ended_survey, full_answers, requested_site, scheduled, score_all

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
ROLES = ["org_department", "committee", "secretary", "lead", "second", "outside", "outsider", "anonymous"]


@pytest.fixture
def requested(tree, cast):
    return requested_site(tree, cast)


@pytest.fixture
def team(tree, cast, requested):
    return scheduled(tree, cast, requested)


@pytest.fixture
def divergent(team, requested):
    """Both inspectors submitted; they differ by 3 on item 1 (margin 1); the survey has ended."""
    score_all(team.acceptance, team.lead, full_answers(requested.table, manual="9"))
    score_all(team.acceptance, team.second, full_answers(requested.table, manual="6"))
    ended_survey(requested.site)
    return team


@pytest.fixture
def ready(divergent, requested):
    """Item 1 agreed: nothing stands in the way of signing (composite 81, 通过)."""
    agree_score(
        acceptance=divergent.acceptance,
        indicator=requested.table.manual,
        by=divergent.lead,
        score="9",
        reason="核实",
    )
    return divergent


def user_of(role, cast, team):
    if role == "anonymous":
        return None
    return getattr(team, role, None) or getattr(cast, role)


def as_(client, role, cast, team):
    user = user_of(role, cast, team)
    if user is not None:
        client.force_login(user)
    return client


def detail_url(team) -> str:
    return reverse("assessments:acceptance_detail", args=[team.acceptance.pk])


def text(response) -> str:
    """The page's words without tags, one space between them."""
    body = response.content.decode()
    body = body[body.find("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def is_login(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response.url


# Every URL × role --------------------------------------------------------------------------------

# What each role gets where it sees the acceptance: 200 a page, 302 done (and back to the page),
# 403 seen but not theirs to do; everywhere the outsider gets 404 and the anonymous the login.
OTHERS = ("committee", "secretary", "second", "outside")
SEE = dict.fromkeys(("org_department", "lead", *OTHERS), 200)
ORG_ONLY = {"org_department": 200, "lead": 403, **dict.fromkeys(OTHERS, 403)}
LEAD_OR_ORG = {"org_department": 302, "lead": 302, **dict.fromkeys(OTHERS, 403)}
LEAD_ONLY = {"org_department": 403, "lead": 200, **dict.fromkeys(OTHERS, 403)}


def expect(table: dict, role: str):
    return {"outsider": 404, "anonymous": "login"}.get(role) or table[role]


def check(response, expected):
    if expected == "login":
        assert is_login(response)
    else:
        assert response.status_code == expected, response.content.decode()[:400]
        if expected == 302:
            assert not is_login(response)


@pytest.mark.parametrize("role", ROLES)
def test_the_acceptance_page_answers_each_role(client, cast, team, role):
    response = as_(client, role, cast, team).get(detail_url(team))
    check(response, expect(SEE, role))


@pytest.mark.parametrize("role", ROLES)
def test_the_schedule_page_answers_each_role(client, cast, requested, role, tree):
    team = scheduled(tree, cast, requested)
    Acceptance.objects.all().delete()  # the site asked for acceptance and has none yet
    response = as_(client, role, cast, team).get(
        reverse("assessments:acceptance_schedule", args=[requested.site.pk])
    )
    check(response, expect(ORG_ONLY, role))
    if response.status_code == 403:
        assert "不能安排现场验收" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_answers_each_role(client, cast, team, role):
    response = as_(client, role, cast, team).get(
        reverse("assessments:acceptance_edit", args=[team.acceptance.pk])
    )
    check(response, expect(ORG_ONLY, role))


@pytest.mark.parametrize("role", ROLES)
def test_agreeing_answers_each_role(client, cast, divergent, requested, role):
    url = reverse("assessments:acceptance_agree", args=[divergent.acceptance.pk, requested.table.manual.pk])
    response = as_(client, role, cast, divergent).post(url, {"score": "8", "reason": "核实后议定"})
    check(response, expect(LEAD_OR_ORG, role))
    assert AgreedScore.objects.exists() == (response.status_code == 302 and not is_login(response))


@pytest.mark.parametrize("role", ROLES)
def test_findings_answer_each_role(client, cast, team, role):
    url = reverse("assessments:acceptance_findings", args=[team.acceptance.pk])
    response = as_(client, role, cast, team).post(url, {"findings": "整体扎实"})
    check(response, expect(LEAD_OR_ORG, role))
    saved = Acceptance.objects.get().findings == "整体扎实"
    assert saved == (role in ("org_department", "lead"))


@pytest.mark.parametrize("role", ROLES)
def test_raising_a_rectification_answers_each_role(client, cast, team, role):
    url = reverse("assessments:acceptance_rectification_add", args=[team.acceptance.pk])
    data = {"description": "活动室制度上墙", "owner": "村支书", "due_on": f"{TOMORROW:%Y-%m-%d}"}
    response = as_(client, role, cast, team).post(url, data)
    check(response, expect(LEAD_OR_ORG, role))
    assert Rectification.objects.exists() == (role in ("org_department", "lead"))


@pytest.mark.parametrize("role", ROLES)
def test_the_sign_confirmation_answers_each_role(client, cast, ready, role):
    url = reverse("assessments:acceptance_sign", args=[ready.acceptance.pk])
    response = as_(client, role, cast, ready).get(url, {"verdict": "PASSED"})
    check(response, expect(LEAD_ONLY, role))
    if response.status_code == 403:
        assert "只有验收组长可以签署验收结论。" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_signing_answers_each_role(client, cast, ready, role):
    url = reverse("assessments:acceptance_sign", args=[ready.acceptance.pk])
    response = as_(client, role, cast, ready).post(url, {"verdict": "PASSED"})
    check(response, expect(LEAD_ONLY | {"lead": 302}, role))
    assert (Acceptance.objects.get().signed_at is not None) == (role == "lead")


def test_a_committee_of_another_party_committee_gets_404(client, tree, cast, team):
    other = UserFactory(username="t_dangwei_b")
    give_role(other, tree.committee_b, Role.Kind.COMMITTEE)
    client.force_login(other)
    assert client.get(detail_url(team)).status_code == 404
    assert client.post(reverse("assessments:acceptance_sign", args=[team.acceptance.pk])).status_code == 404


def test_an_indicator_of_another_framework_is_404(client, cast, divergent, tree):
    client.force_login(cast.org_department)
    url = reverse("assessments:acceptance_agree", args=[divergent.acceptance.pk, 999999])
    assert client.post(url, {"score": "8", "reason": "x"}).status_code == 404


# The hub -----------------------------------------------------------------------------------------


def test_the_org_department_sees_every_inspectors_score_and_the_divergent_item(
    client, cast, divergent, requested
):
    client.force_login(cast.org_department)
    response = client.get(detail_url(divergent))
    body = response.content.decode()
    words = text(response)
    assert "验收组员 （组长）" in words and "第二组员" in words
    manual = requested.table.manual.pk
    row = re.search(rf'<tr class="acc-row acc-row--divergent" id="row-{manual}">(.*?)</tr>', body, re.S)
    assert row is not None, "the divergent item is highlighted"
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).split().count("有分歧，待议定") == 1
    assert f'id="agree-{manual}"' in body and 'name="reason"' in body
    assert "1 项组员评分相差超过阈值，须由组长议定：1。" in words
    assert "满意率 90%" in words and "参与率 83.33%" in words


def test_the_filter_shows_only_the_divergent_items(client, cast, divergent, requested):
    client.force_login(cast.org_department)
    words = text(client.get(detail_url(divergent), {"only": "divergent"}))
    assert "考核内容1" in words
    assert "考核内容2" not in words and "考核内容4" not in words


@pytest.mark.parametrize("role", ["secretary", "committee", "outside"])
def test_the_team_scores_are_hidden_from_others_until_signed_with_the_reason(client, cast, divergent, role):
    response = as_(client, role, cast, divergent).get(detail_url(divergent))
    words = text(response)
    assert "不能查看验收小组评分" in words
    assert (
        "第二组员 计分" not in words
        and "综合得分" not in words
        and 'name="reason"' not in response.content.decode()
    )


def test_an_inspector_sees_the_others_only_after_submitting(client, cast, team, requested):
    score_all(team.acceptance, team.second, full_answers(requested.table))
    client.force_login(team.lead)
    response = client.get(detail_url(team))
    words = text(response)
    assert "提交本人评分后，才能看到其他组员的评分。" in words and "打开我的评分表" in words
    assert reverse("assessments:inspection_scoring", args=[team.acceptance.pk]) in response.content.decode()
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    words = text(client.get(detail_url(team)))
    assert "提交本人评分后" not in words and "第二组员 计分" in words.replace("（组长）", "")


def test_the_team_and_who_has_submitted_are_listed(client, cast, team, requested):
    score_all(team.acceptance, team.second, full_answers(requested.table))
    client.force_login(cast.secretary)
    words = text(client.get(detail_url(team)))
    assert "验收组员 组长 未提交评分" in words
    assert re.search(r"第二组员 已提交 \d+月\d+日", words)


def test_the_edit_link_is_offered_until_someone_submits(client, cast, team, requested):
    client.force_login(cast.org_department)
    edit = reverse("assessments:acceptance_edit", args=[team.acceptance.pk])
    assert edit in client.get(detail_url(team)).content.decode()
    score_all(team.acceptance, team.second, full_answers(requested.table))
    assert edit not in client.get(detail_url(team)).content.decode()
    response = client.get(edit)
    assert response.status_code == 403 and "已有组员提交评分" in response.content.decode()


# Agreeing, findings, rectification items ---------------------------------------------------------


def agree_url(team, indicator) -> str:
    return reverse("assessments:acceptance_agree", args=[team.acceptance.pk, indicator.pk])


def test_an_agreed_score_is_saved_and_the_page_says_so(client, cast, divergent, requested):
    client.force_login(cast.org_department)
    response = client.post(
        agree_url(divergent, requested.table.manual), {"score": "8", "reason": "会议记录缺一次"}
    )
    assert response.status_code == 302
    assert response.url == f"{detail_url(divergent)}#agree-{requested.table.manual.pk}"
    agreed = AgreedScore.objects.get()
    assert (agreed.score, agreed.reason, agreed.decided_by) == (
        Decimal("8"),
        "会议记录缺一次",
        cast.org_department,
    )
    words = text(client.get(response.url))
    assert "已议定第 1 项：8 分。" in words and "议定 8 分" in words and "理由： 会议记录缺一次" in words
    assert "已议定" in words and "签署前还需" not in words


def test_a_refused_agreed_score_keeps_what_was_typed_beside_its_fields(client, cast, divergent, requested):
    client.force_login(divergent.lead)
    manual = requested.table.manual.pk
    response = client.post(
        agree_url(divergent, requested.table.manual), {"score": "12", "reason": "看了台账"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "议定得分不能超过本项分值 10 分。" in body
    assert 'value="12"' in body and "看了台账</textarea>" in body
    score_input = re.search(rf'<input[^>]*id="id_agree{manual}_score"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in score_input
    assert f'aria-describedby="id_agree{manual}_score_helptext id_agree{manual}_score_error"' in score_input
    assert f'id="id_agree{manual}_score_error"' in body
    # The summary at the top links to the field.
    assert 'id="error-summary"' in body and f'href="#id_agree{manual}_score"' in body
    assert not AgreedScore.objects.exists()


def test_a_missing_reason_is_said_beside_the_reason(client, cast, divergent, requested):
    client.force_login(divergent.lead)
    manual = requested.table.manual.pk
    body = client.post(
        agree_url(divergent, requested.table.manual), {"score": "8", "reason": ""}
    ).content.decode()
    assert "请写明议定理由，报告中将列出。" in body and 'value="8"' in body
    assert f'id="id_agree{manual}_reason_error"' in body


def test_agreeing_a_consistent_item_is_refused_on_the_page(client, cast, divergent, requested):
    client.force_login(divergent.lead)
    response = client.post(agree_url(divergent, requested.table.graded), {"score": "3", "reason": "x"})
    assert response.status_code == 200
    assert "无须议定" in response.content.decode() and not AgreedScore.objects.exists()


def test_a_disputed_veto_asks_whether_the_event_occurred(client, cast, team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table, veto="no"))
    score_all(team.acceptance, team.second, full_answers(requested.table, veto="yes"))
    client.force_login(team.lead)
    veto = requested.table.veto
    body = client.get(detail_url(team)).content.decode()
    assert 'name="occurred" value="yes"' in body and "是否发生否决情形" in body
    body = client.post(agree_url(team, veto), {"score": "0", "reason": "核实"}).content.decode()
    assert "请议定是否发生否决情形。" in body
    response = client.post(agree_url(team, veto), {"score": "0", "reason": "核实", "occurred": "yes"})
    assert response.status_code == 302 and AgreedScore.objects.get().occurred is True


def test_findings_are_saved_and_shown(client, cast, team):
    client.force_login(team.lead)
    response = client.post(
        reverse("assessments:acceptance_findings", args=[team.acceptance.pk]), {"findings": "台账规范"}
    )
    assert response.status_code == 302 and response.url.endswith("#findings")
    assert Acceptance.objects.get().findings == "台账规范"
    assert "台账规范</textarea>" in client.get(detail_url(team)).content.decode()


def test_a_rectification_raised_here_is_in_the_sites_supervision_list(client, cast, team, requested):
    client.force_login(team.lead)
    url = reverse("assessments:acceptance_rectification_add", args=[team.acceptance.pk])
    data = {
        "description": "党员活动室制度上墙不全",
        "owner": "村党支部书记",
        "due_on": f"{TOMORROW:%Y-%m-%d}",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.endswith("#rectifications")
    words = text(client.get(detail_url(team)))
    assert "待整改 党员活动室制度上墙不全" in words
    client.force_login(cast.secretary)
    supervision = client.get(reverse("campaigns:site_supervision", args=[requested.site.pk]))
    assert "党员活动室制度上墙不全" in supervision.content.decode()
    assert "现场验收" in text(supervision)


def test_a_refused_rectification_keeps_what_was_typed(client, cast, team):
    client.force_login(team.lead)
    url = reverse("assessments:acceptance_rectification_add", args=[team.acceptance.pk])
    yesterday = TODAY - datetime.timedelta(days=1)
    body = client.post(
        url, {"description": "制度上墙", "owner": "", "due_on": f"{yesterday:%Y-%m-%d}"}
    ).content.decode()
    assert "整改时限不能早于今天。" in body and "制度上墙</textarea>" in body
    assert 'id="id_rect_due_on_error"' in body and '<details class="acc-rect-add" open>' in body
    assert not Rectification.objects.exists()


# Scheduling --------------------------------------------------------------------------------------


def schedule_url(requested) -> str:
    return reverse("assessments:acceptance_schedule", args=[requested.site.pk])


def test_the_schedule_form_lists_the_inspectors_over_the_site_only(client, tree, cast, requested):
    elsewhere = UserFactory(username="t_yanshou_b", name="第二党委验收员")
    give_role(elsewhere, tree.committee_b, Role.Kind.INSPECTOR)
    client.force_login(cast.org_department)
    body = client.get(schedule_url(requested)).content.decode()
    assert "验收组员" in body and "第二党委验收员" not in body and "一村书记" not in body
    assert 'name="disagreement_margin"' in body and 'value="1"' in body


def test_scheduling_creates_the_acceptance_and_opens_it(client, tree, cast, requested):
    second = UserFactory(username="t_y2", name="第二组员")
    give_role(second, tree.work, Role.Kind.INSPECTOR)
    client.force_login(cast.org_department)
    data = {
        "visited_on": f"{TOMORROW:%Y-%m-%d}",
        "team": [cast.inspector.pk, second.pk],
        "lead": second.pk,
        "disagreement_margin": "2",
    }
    response = client.post(schedule_url(requested), data)
    acceptance = Acceptance.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "assessments:acceptance_detail", args=[acceptance.pk]
    )
    assert TeamMember.objects.get(is_lead=True).user == second
    assert (acceptance.visited_on, acceptance.disagreement_margin) == (TOMORROW, Decimal("2"))


def test_a_refused_schedule_keeps_what_was_typed_and_names_the_fields(client, tree, cast, requested):
    second = UserFactory(username="t_y2", name="第二组员")
    give_role(second, tree.work, Role.Kind.INSPECTOR)
    client.force_login(cast.org_department)
    yesterday = TODAY - datetime.timedelta(days=1)
    data = {"visited_on": f"{yesterday:%Y-%m-%d}", "team": [cast.inspector.pk], "lead": second.pk}
    response = client.post(schedule_url(requested), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "验收日期不能早于今天。" in body and "组长须是验收小组成员。" in body
    assert f'value="{yesterday:%Y-%m-%d}"' in body
    assert re.search(rf'<input[^>]*value="{cast.inspector.pk}"[^>]*checked', body)
    assert 'aria-describedby="id_lead_helptext id_lead_error"' in body
    assert 'href="#id_visited_on"' in body  # the error summary
    assert not Acceptance.objects.exists()


def test_scheduling_a_second_time_points_to_the_first(client, cast, team, requested):
    client.force_login(cast.org_department)
    body = client.get(schedule_url(requested)).content.decode()
    assert "尚未签署" in body and detail_url(team) in body and 'name="visited_on"' not in body


def test_changing_the_arrangement_keeps_the_form_filled_and_saves(client, cast, team):
    client.force_login(cast.org_department)
    url = reverse("assessments:acceptance_edit", args=[team.acceptance.pk])
    body = client.get(url).content.decode()
    assert re.search(rf'<input[^>]*value="{team.second.pk}"[^>]*checked', body)
    data = {
        "visited_on": f"{TOMORROW:%Y-%m-%d}",
        "team": [team.lead.pk, team.outside.pk],
        "lead": team.outside.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert {m.user for m in TeamMember.objects.all()} == {team.lead, team.outside}
    assert TeamMember.objects.get(is_lead=True).user == team.outside


# Signing -----------------------------------------------------------------------------------------


def sign_url(team) -> str:
    return reverse("assessments:acceptance_sign", args=[team.acceptance.pk])


def test_the_lead_sees_the_verdicts_the_composite_allows_with_the_first_checked(client, ready):
    client.force_login(ready.lead)
    body = client.get(detail_url(ready)).content.decode()
    assert re.search(r'<input type="radio" name="verdict" value="PASSED" id="verdict-passed" checked>', body)
    assert 'value="RECTIFYING"' not in body and 'value="FAILED"' not in body
    assert 'hx-get="' + sign_url(ready) + '"' in body and 'hx-target="#sign-dialog"' in body


def test_while_something_is_missing_the_lead_is_told_what_and_not_offered_to_sign(client, divergent):
    client.force_login(divergent.lead)
    words = text(client.get(detail_url(divergent)))
    assert "还不能签署" in words and 'name="verdict"' not in words
    response = client.get(sign_url(divergent), {"verdict": "PASSED"})
    assert response.status_code == 302 and response.url.endswith("#sign")


def test_an_out_of_date_confirmation_sends_the_whole_page_back_not_into_the_dialog(client, ready):
    client.force_login(ready.lead)
    target = f"{detail_url(ready)}#sign"
    response = client.get(sign_url(ready), {"verdict": "FAILED"}, **HTMX)  # 81 分: only 通过
    assert response["HX-Redirect"] == target
    response = client.get(sign_url(ready), {"verdict": "FAILED"})
    assert response.status_code == 302 and response.url == target
    assert "请从列出的验收结论中选择一项。" in text(client.get(target))


def test_the_confirmation_is_a_dialog_with_htmx_and_a_page_without(client, ready):
    client.force_login(ready.lead)
    dialog = client.get(sign_url(ready), {"verdict": "PASSED"}, **HTMX).content.decode()
    assert dialog.lstrip().startswith("<section") and 'role="dialog" aria-modal="true"' in dialog
    assert "综合得分 <strong>81</strong>" in dialog and "示范点状态改为“验收通过”" in dialog
    assert 'name="verdict" value="PASSED"' in dialog and "?close=1" in dialog
    page = client.get(sign_url(ready), {"verdict": "PASSED"}).content.decode()
    assert "<html" in page and 'role="dialog"' not in page and "确认签署" in page
    assert client.get(sign_url(ready), {"close": "1"}, **HTMX).content == b""


def test_signing_shows_the_frozen_result_to_everyone_in_scope(client, cast, ready, requested):
    client.force_login(ready.lead)
    response = client.post(sign_url(ready), {"verdict": "PASSED"})
    assert response.status_code == 302 and response.url == f"{detail_url(ready)}#result"
    assert Site.objects.get(pk=requested.site.pk).status == Site.Status.PASSED
    words = text(client.get(response.url))
    assert "验收结论已签署：通过。" in words
    client.force_login(cast.secretary)
    response = client.get(detail_url(ready))
    body, words = response.content.decode(), text(response)
    assert "验收结论： 通过" in words and "综合得分 81 分" in words
    assert "签署人 验收组员（组长）" in words and "验收报告正在生成" in words
    assert "第二组员" in words and "计分" in words  # everyone in scope sees the scores once signed
    assert "<form" not in body.split('id="scores"')[1]  # nothing left to change


def test_after_the_report_is_rendered_the_page_links_to_it(client, cast, ready):
    acceptance = sign_acceptance(acceptance=ready.acceptance, by=ready.lead, verdict="PASSED")
    acceptance.report.save("report.pdf", ContentFile(b"%PDF-1.7"), save=True)
    client.force_login(cast.committee)
    body = client.get(detail_url(ready)).content.decode()
    assert f'href="{reverse("assessments:acceptance_report", args=[acceptance.pk])}"' in body
    assert "验收报告</a>" in body


def test_pressing_sign_again_lands_on_the_result_not_an_error(client, ready):
    client.force_login(ready.lead)
    client.post(sign_url(ready), {"verdict": "PASSED"})
    response = client.post(sign_url(ready), {"verdict": "PASSED"}, follow=True)
    assert response.status_code == 200
    assert "签署，不能再签署验收结论。" in text(response)


def test_a_verdict_the_composite_does_not_allow_is_said_beside_the_choice(client, ready):
    client.force_login(ready.lead)
    response = client.post(sign_url(ready), {"verdict": "FAILED"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "验收结论只能是：通过。" in body and 'id="verdict-error"' in body
    assert Acceptance.objects.get().signed_at is None


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 34])
def test_the_acceptance_page_costs_the_same_with_6_or_40_indicators(
    client, tree, cast, extra, django_assert_max_num_queries
):
    requested = requested_site(tree, cast, extra_manual=extra)
    team = scheduled(tree, cast, requested)
    score_all(team.acceptance, team.lead, full_answers(requested.table, manual="9"))
    score_all(team.acceptance, team.second, full_answers(requested.table, manual="6"))
    ended_survey(requested.site)
    client.force_login(cast.org_department)
    client.get(detail_url(team))  # warm the content types
    # 21 queries: session, user; the acceptance (with site, campaign, organizer, branch,
    # committee, signer, scheduler), its team, the campaign's phases; "has anyone submitted" and
    # three role checks for the policies; the sheet: team, inspectors' scores, agreed scores,
    # framework, dimensions, indicators, self-assessment scores, the meetings the computed item
    # reads, the survey with its counts; the survey policy's role check; the rectification
    # items; the viewer's roles for the top bar — none of it per indicator or per inspector.
    with django_assert_max_num_queries(21):
        response = client.get(detail_url(team))
    assert response.status_code == 200
    assert text(response).count("有分歧，待议定") >= 1
