"""The acceptance half's policies, each asked of every role: who may open a survey, schedule a
visit, score, see the team's scores, agree, write findings, sign, download the report, answer an
objection — and the moments that refuse everyone (signed, not yet submitted, survey ended)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from assessments import policies
from assessments.models import Acceptance, Ballot, BallotToken, Objection, Survey, TeamMember

from .acceptance_factories import ended_survey, requested_site, scheduled

pytestmark = pytest.mark.django_db

ROLES = ("org_department", "committee", "secretary", "lead", "second", "outside", "outsider", "anonymous")


@pytest.fixture
def world(tree, cast):
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    users = {
        "org_department": cast.org_department,
        "committee": cast.committee,
        "secretary": cast.secretary,
        "lead": team.lead,
        "second": team.second,
        "outside": team.outside,
        "outsider": cast.outsider,
        "anonymous": AnonymousUser(),
    }
    return requested, team, users


def allowed(users, ask) -> set[str]:
    return {role for role in ROLES if ask(users[role]) is None}


def test_opening_a_survey_is_the_organizers_department(world):
    requested, _, users = world
    assert allowed(users, lambda u: policies.cannot_open_survey(u, requested.site)) == {"org_department"}


def test_viewing_and_closing_a_survey_is_the_organizers_department(world):
    requested, _, users = world
    today = timezone.localdate()
    survey = Survey.objects.create(
        site=requested.site, opens_on=today, closes_on=today + datetime.timedelta(days=3), ballot_count=5
    )
    assert allowed(users, lambda u: policies.cannot_view_survey(u, survey)) == {"org_department"}
    assert allowed(users, lambda u: policies.cannot_close_survey(u, survey)) == {"org_department"}
    survey.closed_at = timezone.now()
    assert allowed(users, lambda u: policies.cannot_close_survey(u, survey)) == set()


def test_a_ballot_needs_a_known_unused_token_of_an_open_survey(world):
    requested, _, _ = world
    today = timezone.localdate()
    survey = Survey.objects.create(
        site=requested.site, opens_on=today, closes_on=today + datetime.timedelta(days=3), ballot_count=2
    )
    token, used = BallotToken.objects.bulk_create(
        [BallotToken(survey=survey, serial=1), BallotToken(survey=survey, serial=2)]
    )
    Ballot.objects.create(token=used, survey=survey, choice=Ballot.Choice.SATISFIED)
    assert policies.cannot_cast_ballot(survey, token) is None
    assert "投过" in policies.cannot_cast_ballot(survey, used)
    assert "不存在" in policies.cannot_cast_ballot(survey, None)
    assert "开始" in policies.cannot_cast_ballot(survey, token, today=today - datetime.timedelta(days=1))
    assert "结束" in policies.cannot_cast_ballot(survey, token, today=today + datetime.timedelta(days=4))
    survey.closed_at = timezone.now()
    assert "结束" in policies.cannot_cast_ballot(survey, token)


def test_scheduling_is_the_organizers_department_for_a_site_that_asked(tree, cast):
    requested = requested_site(tree, cast)
    users = {"org_department": cast.org_department, "committee": cast.committee, "secretary": cast.secretary}
    users |= {"lead": cast.inspector, "second": cast.inspector, "outside": cast.inspector}
    users |= {"outsider": cast.outsider, "anonymous": AnonymousUser()}
    assert allowed(users, lambda u: policies.cannot_schedule_acceptance(u, requested.site)) == {
        "org_department"
    }


def test_changing_the_schedule_until_someone_submitted(world):
    _, team, users = world
    acceptance = team.acceptance
    assert allowed(users, lambda u: policies.cannot_change_acceptance(u, acceptance)) == {"org_department"}
    TeamMember.objects.filter(acceptance=acceptance, user=team.second).update(submitted_at=timezone.now())
    assert allowed(users, lambda u: policies.cannot_change_acceptance(u, acceptance)) == set()
    assert "已有组员提交" in policies.cannot_change_acceptance(users["org_department"], acceptance)


def test_scoring_is_the_teams_until_each_submits(world):
    _, team, users = world
    acceptance = team.acceptance
    assert allowed(users, lambda u: policies.cannot_score(u, acceptance)) == {"lead", "second"}
    assert allowed(users, lambda u: policies.cannot_submit_scores(u, acceptance)) == {"lead", "second"}
    TeamMember.objects.filter(acceptance=acceptance, user=team.second).update(submitted_at=timezone.now())
    assert allowed(users, lambda u: policies.cannot_score(u, acceptance)) == {"lead"}
    assert "已于" in policies.cannot_score(users["second"], acceptance)


def test_team_scores_are_seen_after_submitting_by_the_department_and_by_all_once_signed(world):
    _, team, users = world
    acceptance = team.acceptance
    assert allowed(users, lambda u: policies.cannot_see_team_scores(u, acceptance)) == {"org_department"}
    assert "提交本人评分后" in policies.cannot_see_team_scores(users["lead"], acceptance)
    TeamMember.objects.filter(acceptance=acceptance, user=team.lead).update(submitted_at=timezone.now())
    assert allowed(users, lambda u: policies.cannot_see_team_scores(u, acceptance)) == {
        "org_department",
        "lead",
    }
    Acceptance.objects.filter(pk=acceptance.pk).update(signed_at=timezone.now(), verdict="PASSED")
    acceptance.refresh_from_db()
    assert allowed(users, lambda u: policies.cannot_see_team_scores(u, acceptance)) == set(ROLES)


def test_agreeing_and_findings_are_the_leads_or_the_departments(world):
    _, team, users = world
    acceptance = team.acceptance
    for ask in (policies.cannot_agree_score, policies.cannot_record_findings):
        assert allowed(users, lambda u, ask=ask: ask(u, acceptance)) == {"lead", "org_department"}


def test_only_the_lead_signs_and_only_once(world):
    _, team, users = world
    acceptance = team.acceptance
    assert allowed(users, lambda u: policies.cannot_sign_acceptance(u, acceptance)) == {"lead"}
    acceptance.signed_at = timezone.now()
    acceptance.verdict = "PASSED"
    for ask in (
        policies.cannot_sign_acceptance,
        policies.cannot_score,
        policies.cannot_agree_score,
        policies.cannot_record_findings,
        policies.cannot_change_acceptance,
    ):
        assert allowed(users, lambda u, ask=ask: ask(u, acceptance)) == set(), ask.__name__
    assert "签署" in policies.cannot_sign_acceptance(users["lead"], acceptance)


def test_the_report_once_signed_and_rendered(world):
    _, team, users = world
    acceptance = team.acceptance
    assert "尚未签署" in policies.cannot_download_report(users["lead"], acceptance)
    acceptance.signed_at = timezone.now()
    assert "正在生成" in policies.cannot_download_report(users["lead"], acceptance)
    acceptance.report.name = "reports/2026/r.pdf"
    # Scope is the queryset's (`Acceptance.objects.visible_to`); the policy then lets everyone in.
    assert policies.cannot_download_report(users["outsider"], acceptance) is None


def test_objections_during_publicity_answered_by_the_organizers_department(world):
    requested, team, users = world
    ended_survey(requested.site)
    acceptance = team.acceptance
    today = timezone.localdate()
    assert "尚未公示" in policies.cannot_lodge_objection(acceptance)
    acceptance.publicity_starts_on = today
    acceptance.publicity_ends_on = today + datetime.timedelta(days=4)
    assert policies.cannot_lodge_objection(acceptance) is None
    assert "开始" in policies.cannot_lodge_objection(acceptance, today - datetime.timedelta(days=1))
    assert "结束" in policies.cannot_lodge_objection(acceptance, today + datetime.timedelta(days=5))
    objection = Objection.objects.create(acceptance=acceptance, contact="电话", text="有疑问")
    assert allowed(users, lambda u: policies.cannot_answer_objection(u, objection)) == {"org_department"}
    objection.answered_at = timezone.now()
    assert allowed(users, lambda u: policies.cannot_answer_objection(u, objection)) == set()
