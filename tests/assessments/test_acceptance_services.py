"""The on-site acceptance services: scheduling and changing the visit, each inspector's own
scores, divergence and the agreed scores, findings and rectification items, and signing — which
moves the site, stores the composite and freezes everything."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import composite as composite_rules
from assessments.acceptance_sheet import acceptance_sheet
from assessments.inspection import AGREED, CONSISTENT, DIVERGENT, PENDING
from assessments.models import Acceptance, AgreedScore, CheckMethod, InspectorScore, TeamMember
from assessments.services.acceptance import (
    add_working_days,
    agree_score,
    change_acceptance,
    raise_acceptance_rectification,
    record_findings,
    save_inspector_score,
    schedule_acceptance,
    sign_acceptance,
    submit_inspection,
)
from campaigns.models import Rectification, Site, SiteTransition
from campaigns.services import LifecycleError, answer_rectification, close_rectification
from organizations.models import AuditEvent, Role, Verb
from tests.organizations.factories import UserFactory, give_role

from .acceptance_factories import ended_survey, full_answers, requested_site, scheduled, score_all
from .self_assessment_factories import approved_site

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def requested(tree, cast):
    return requested_site(tree, cast)


@pytest.fixture
def team(tree, cast, requested):
    return scheduled(tree, cast, requested)


def refusal(error) -> str:
    return " ".join(error.value.messages)


def schedule(requested, cast, **overrides):
    fields = {
        "site": requested.site,
        "by": cast.org_department,
        "visited_on": TOMORROW,
        "team": [cast.inspector],
        "lead": cast.inspector,
    }
    return schedule_acceptance(**{**fields, **overrides})


def both_scored(team, requested, *, lead=None, second=None, submit=True):
    """Both inspectors answer every item (`lead`/`second` override full_answers' arguments)."""
    score_all(team.acceptance, team.lead, full_answers(requested.table, **(lead or {})), submit=submit)
    score_all(team.acceptance, team.second, full_answers(requested.table, **(second or {})), submit=submit)


def ready(team, requested, **kwargs):
    """Both submitted, no divergence, the survey ended: nothing missing."""
    both_scored(team, requested, **kwargs)
    ended_survey(requested.site)
    sheet = acceptance_sheet(team.acceptance)
    assert sheet.missing == []
    return sheet


# Scheduling -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_only_the_org_department_schedules(requested, cast, role):
    with pytest.raises(LifecycleError) as error:
        schedule(requested, cast, by=getattr(cast, role))
    assert "组织部权限，不能安排现场验收" in refusal(error)
    assert not Acceptance.objects.exists()


def test_only_a_site_that_asked_for_acceptance_is_scheduled(tree, cast):
    built = approved_site(tree, cast)
    with pytest.raises(LifecycleError) as error:
        schedule(built, cast)
    assert "示范点当前状态为“批准创建”，不能安排现场验收" in refusal(error)


def test_team_members_must_hold_the_inspector_role_over_the_site(tree, requested, cast):
    elsewhere = UserFactory(username="t_yanshou_b", name="第二党委验收员")
    give_role(elsewhere, tree.committee_b, Role.Kind.INSPECTOR)  # inspects 第二党委's branches only
    with pytest.raises(ValidationError) as error:
        schedule(requested, cast, team=[cast.inspector, cast.secretary, elsewhere])
    assert error.value.message_dict == {"team": ["一村书记、第二党委验收员没有本示范点的验收组成员角色。"]}


def test_the_lead_is_one_of_the_team_and_the_date_not_past(tree, requested, cast):
    second = UserFactory(username="t_y2", name="第二组员")
    give_role(second, tree.work, Role.Kind.INSPECTOR)
    with pytest.raises(ValidationError) as error:
        schedule(
            requested, cast, team=[cast.inspector], lead=second, visited_on=TODAY - datetime.timedelta(1)
        )
    assert error.value.message_dict == {
        "lead": ["组长须是验收小组成员。"],
        "visited_on": ["验收日期不能早于今天。"],
    }
    with pytest.raises(ValidationError) as error:
        schedule(requested, cast, team=[], lead=None, margin="一分")
    assert set(error.value.message_dict) == {"team", "disagreement_margin"}


def test_scheduling_sets_the_team_the_lead_and_the_margin_and_records_it(tree, requested, cast):
    second = UserFactory(username="t_y2", name="第二组员")
    give_role(second, tree.work, Role.Kind.INSPECTOR)
    acceptance = schedule(requested, cast, team=[second, cast.inspector], lead=cast.inspector, margin="2.5")
    members = {m.user: m.is_lead for m in TeamMember.objects.filter(acceptance=acceptance)}
    assert members == {second: False, cast.inspector: True}
    assert acceptance.disagreement_margin == Decimal("2.5") and acceptance.scheduled_by == cast.org_department
    event = AuditEvent.objects.get(verb=Verb.SCHEDULE_ACCEPTANCE)
    assert event.summary == f"{TOMORROW:%Y-%m-%d}，组长 验收组员，组员 第二组员、验收组员"


def test_a_blank_margin_is_one_point(requested, cast):
    assert schedule(requested, cast, margin="").disagreement_margin == Decimal("1")


def test_one_unsigned_acceptance_per_site(requested, cast):
    schedule(requested, cast)
    with pytest.raises(LifecycleError) as error:
        schedule(requested, cast)
    assert "已有一次尚未签署的现场验收" in refusal(error)
    assert Acceptance.objects.count() == 1


# Changing the arrangement ------------------------------------------------------------------------


def test_the_org_department_changes_date_team_and_lead_until_someone_submits(team, requested, cast):
    score_all(team.acceptance, team.second, full_answers(requested.table), submit=False)
    third = team.outside
    change_acceptance(
        acceptance=team.acceptance,
        by=cast.org_department,
        visited_on=TOMORROW,
        team=[team.lead, third],
        lead=third,
        margin="2",
    )
    acceptance = Acceptance.objects.get()
    members = {m.user: m.is_lead for m in acceptance.team_members.all()}
    assert members == {team.lead: False, third: True}
    assert (acceptance.visited_on, acceptance.disagreement_margin) == (TOMORROW, Decimal("2"))
    # The scores of an inspector taken off the team go with them.
    assert not InspectorScore.objects.filter(inspector=team.second).exists()
    assert AuditEvent.objects.filter(verb=Verb.CHANGE_ACCEPTANCE).count() == 1

    score_all(acceptance, team.lead, full_answers(requested.table))
    with pytest.raises(LifecycleError) as error:
        change_acceptance(
            acceptance=acceptance, by=cast.org_department, visited_on=TODAY, team=[team.lead], lead=team.lead
        )
    assert refusal(error) == "已有组员提交评分，验收安排不能再修改。"


def test_only_the_org_department_changes_the_arrangement(team, cast):
    with pytest.raises(LifecycleError) as error:
        change_acceptance(
            acceptance=team.acceptance, by=team.lead, visited_on=TODAY, team=[team.lead], lead=team.lead
        )
    assert "组织部权限，不能修改验收安排" in refusal(error)


# An inspector's own scores -----------------------------------------------------------------------


def test_the_same_score_sent_twice_leaves_one_unchanged_row(team, requested):
    raw = {"score": "8", "check_method": CheckMethod.RECORDS, "note": "记录齐全"}
    save_inspector_score(acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, raw=raw)
    first = InspectorScore.objects.get()
    save_inspector_score(acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, raw=raw)
    again = InspectorScore.objects.get()
    assert (again.pk, again.score, again.updated_at) == (first.pk, Decimal("8"), first.updated_at)


def test_a_stale_write_sent_late_changes_nothing(team, requested):
    typed_later = timezone.now()
    typed_earlier = typed_later - datetime.timedelta(minutes=5)
    manual = requested.table.manual
    save_inspector_score(
        acceptance=team.acceptance, indicator=manual, by=team.lead, raw={"score": "9"}, entered_at=typed_later
    )
    save_inspector_score(
        acceptance=team.acceptance,
        indicator=manual,
        by=team.lead,
        raw={"score": "5"},
        entered_at=typed_earlier,
    )
    row = InspectorScore.objects.get()
    assert (row.score, row.entered_at) == (Decimal("9"), typed_later)


def test_submitting_needs_every_item_answered_with_a_check_method(team, requested):
    answers = full_answers(requested.table)
    answers[requested.table.graded] = {"level": "较好"}  # no check method
    del answers[requested.table.bonus]  # not answered at all
    score_all(team.acceptance, team.lead, answers, submit=False)
    with pytest.raises(LifecycleError) as error:
        submit_inspection(acceptance=team.acceptance, by=team.lead)
    assert error.value.messages == ["还有 2 项未评分或未选考核方式：", "2 考核内容2", "6 考核内容6"]
    assert TeamMember.objects.get(user=team.lead).submitted_at is None


def test_after_submitting_an_inspector_can_no_longer_change_a_score(team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    with pytest.raises(LifecycleError) as error:
        save_inspector_score(
            acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, raw={"score": "1"}
        )
    assert "提交评分，不能再修改" in refusal(error)
    assert AuditEvent.objects.filter(verb=Verb.SUBMIT_INSPECTION).count() == 1


def test_someone_off_the_team_cannot_score(team, requested):
    with pytest.raises(LifecycleError) as error:
        save_inspector_score(
            acceptance=team.acceptance, indicator=requested.table.manual, by=team.outside, raw={"score": "1"}
        )
    assert refusal(error) == "您不是本次验收小组的成员，不能评分。"


# Divergence and the agreed score ----------------------------------------------------------------


def test_marks_further_apart_than_the_margin_are_flagged(team, requested):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "7.5"})
    sheet = acceptance_sheet(team.acceptance)
    row = sheet.row(requested.table.manual.pk)
    assert (row.marks.status, row.marks.spread, row.marks.points) == (DIVERGENT, Decimal("1.5"), None)
    assert sheet.inspection.divergent_ids == (requested.table.manual.pk,)
    assert "1 项组员评分相差超过阈值，须由组长议定：1。" in sheet.missing


@pytest.mark.parametrize(
    ("second", "mean"), [("8", Decimal("8.5")), ("9", Decimal("9")), ("10", Decimal("9.5"))]
)
def test_marks_within_the_margin_count_their_mean(team, requested, second, mean):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": second})
    row = acceptance_sheet(team.acceptance).row(requested.table.manual.pk)
    assert (row.marks.status, row.marks.points) == (CONSISTENT, mean)


def test_an_item_someone_has_not_scored_is_pending(team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    sheet = acceptance_sheet(team.acceptance)
    assert sheet.row(requested.table.manual.pk).marks.status == PENDING
    assert "第二组员尚未提交评分。" in sheet.missing


def test_the_lead_agrees_a_divergent_item_with_a_reason_and_it_counts(team, requested):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "6"})
    agreed = agree_score(
        acceptance=team.acceptance,
        indicator=requested.table.manual,
        by=team.lead,
        score="8",
        reason="记录缺一次",
    )
    row = acceptance_sheet(team.acceptance).row(requested.table.manual.pk)
    assert (row.marks.status, row.marks.points, row.agreed) == (AGREED, Decimal("8"), agreed)
    assert AuditEvent.objects.get(verb=Verb.AGREE_SCORE).summary == "1 议定 8 分：记录缺一次"
    # It may be changed until signing: still one row.
    agree_score(
        acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, score="7", reason="再议"
    )
    assert AgreedScore.objects.get().score == Decimal("7")


def test_the_org_department_may_agree_and_the_second_inspector_may_not(team, requested, cast):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "6"})
    manual = requested.table.manual
    agree_score(acceptance=team.acceptance, indicator=manual, by=cast.org_department, score="8", reason="议")
    for user in (team.second, team.outside, cast.committee):
        with pytest.raises(LifecycleError) as error:
            agree_score(acceptance=team.acceptance, indicator=manual, by=user, score="8", reason="议")
        assert refusal(error) == "只有验收组长或组织部可以议定得分。"


def test_only_a_divergent_item_is_agreed(team, requested):
    both_scored(team, requested)
    with pytest.raises(LifecycleError) as error:
        agree_score(
            acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, score="9", reason="议"
        )
    assert "无须议定" in refusal(error)
    assert not AgreedScore.objects.exists()


def test_an_agreed_score_needs_a_reason_and_fits_the_items_points(team, requested):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "6"})
    manual = requested.table.manual
    with pytest.raises(ValidationError) as error:
        agree_score(acceptance=team.acceptance, indicator=manual, by=team.lead, score="11", reason="  ")
    assert error.value.message_dict == {
        "score": ["议定得分不能超过本项分值 10 分。"],
        "reason": ["请写明议定理由，报告中将列出。"],
    }
    with pytest.raises(ValidationError) as error:
        agree_score(acceptance=team.acceptance, indicator=manual, by=team.lead, score="", reason="有理由")
    assert error.value.message_dict == {"score": ["请填写议定得分。"]}
    assert not AgreedScore.objects.exists()


def test_a_disputed_veto_is_agreed_with_whether_the_event_occurred(team, requested):
    both_scored(team, requested, lead={"veto": "no"}, second={"veto": "yes"})
    veto = requested.table.veto
    assert acceptance_sheet(team.acceptance).row(veto.pk).marks.status == DIVERGENT
    with pytest.raises(ValidationError) as error:
        agree_score(acceptance=team.acceptance, indicator=veto, by=team.lead, score="0", reason="核实")
    assert error.value.message_dict == {"occurred": ["请议定是否发生否决情形。"]}
    agree_score(
        acceptance=team.acceptance, indicator=veto, by=team.lead, score="0", reason="核实", occurred=True
    )
    ended_survey(requested.site)
    sheet = acceptance_sheet(team.acceptance)
    assert sheet.inspection.vetoed_ids == (veto.pk,)
    assert sheet.composite.vetoed and sheet.composite.verdicts == ("FAILED",)


# Findings and rectification items ---------------------------------------------------------------


def test_the_lead_records_findings_once_per_change(team, cast):
    record_findings(acceptance=team.acceptance, by=team.lead, findings="  创建工作扎实。 ")
    record_findings(acceptance=team.acceptance, by=team.lead, findings="创建工作扎实。")
    assert Acceptance.objects.get().findings == "创建工作扎实。"
    assert AuditEvent.objects.filter(verb=Verb.RECORD_FINDINGS).count() == 1
    record_findings(acceptance=team.acceptance, by=cast.org_department, findings="补充意见")
    with pytest.raises(LifecycleError) as error:
        record_findings(acceptance=team.acceptance, by=team.second, findings="组员意见")
    assert refusal(error) == "只有验收组长或组织部可以填写验收意见。"


def test_a_rectification_raised_on_site_joins_the_sites_loop(team, requested, cast):
    item = raise_acceptance_rectification(
        acceptance=team.acceptance,
        by=team.lead,
        description="党员活动室制度上墙不全",
        owner="村党支部书记",
        due_on=TODAY + datetime.timedelta(days=30),
    )
    assert list(requested.site.rectifications.all()) == [item]
    assert item.source == Rectification.Source.ACCEPTANCE and item.status == Rectification.Status.OPEN
    assert list(team.acceptance.rectifications.all()) == [item]
    assert AuditEvent.objects.filter(verb=Verb.RAISE_RECTIFICATION).count() == 1
    # The existing 整改 loop: the branch answers, the 组织部 closes.
    answer_rectification(item=item, by=cast.secretary, response="已补齐上墙")
    close_rectification(item=Rectification.objects.get(pk=item.pk), by=cast.org_department)
    assert Rectification.objects.get(pk=item.pk).status == Rectification.Status.CLOSED


def test_a_rectification_needs_a_description_and_a_due_date_not_past(team):
    with pytest.raises(ValidationError) as error:
        raise_acceptance_rectification(
            acceptance=team.acceptance,
            by=team.lead,
            description=" ",
            owner="",
            due_on=TODAY - datetime.timedelta(1),
        )
    assert error.value.message_dict == {
        "description": ["请填写整改事项。"],
        "due_on": ["整改时限不能早于今天。"],
    }
    with pytest.raises(LifecycleError):
        raise_acceptance_rectification(
            acceptance=team.acceptance, by=team.second, description="某事", owner="", due_on=TOMORROW
        )
    assert not Rectification.objects.exists()


# Signing ----------------------------------------------------------------------------------------


def sign(team, verdict, *, by=None, today=None):
    return sign_acceptance(acceptance=team.acceptance, by=by or team.lead, verdict=verdict, today=today)


def test_signing_is_refused_while_scores_are_outstanding(team, requested):
    ended_survey(requested.site)
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    with pytest.raises(LifecycleError) as error:
        sign(team, "PASSED")
    assert error.value.messages == ["还不能签署：", "第二组员尚未提交评分。"]


def test_signing_is_refused_while_a_divergence_is_not_agreed(team, requested):
    ended_survey(requested.site)
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "6"})
    with pytest.raises(LifecycleError) as error:
        sign(team, "PASSED")
    assert error.value.messages == ["还不能签署：", "1 项组员评分相差超过阈值，须由组长议定：1。"]


def test_signing_is_refused_without_a_survey_result(team, requested):
    both_scored(team, requested)
    with pytest.raises(LifecycleError) as error:
        sign(team, "PASSED")
    assert error.value.messages == ["还不能签署：", "尚无群众测评结果（须发起测评并收到有效票）。"]


def test_signing_is_refused_while_the_survey_runs(team, requested):
    both_scored(team, requested)
    survey = ended_survey(requested.site)
    survey.closes_on = TOMORROW
    survey.save(update_fields=["closes_on"])
    with pytest.raises(LifecycleError) as error:
        sign(team, "PASSED")
    assert error.value.messages == ["还不能签署：", "群众测评尚未结束，结束后方可签署。"]
    assert Acceptance.objects.get().signed_at is None


def test_a_verdict_the_composite_does_not_allow_is_refused(team, requested):
    sheet = ready(team, requested)
    assert sheet.composite.verdicts == ("PASSED",)
    with pytest.raises(LifecycleError) as error:
        sign(team, "RECTIFYING")
    assert refusal(error) == f"综合得分 {sheet.composite.total}，验收结论只能是：通过。"
    with pytest.raises(LifecycleError):
        sign(team, "MAYBE")


@pytest.mark.parametrize("role", ["second", "outside", "org_department"])
def test_only_the_lead_signs(team, requested, cast, role):
    ready(team, requested)
    user = getattr(team, role, None) or getattr(cast, role)
    with pytest.raises(LifecycleError) as error:
        sign(team, "PASSED", by=user)
    assert refusal(error) == "只有验收组长可以签署验收结论。"
    assert Acceptance.objects.get().signed_at is None


def test_signing_passes_the_site_stores_the_composite_and_opens_the_publicity(team, requested, cast):
    sheet = ready(team, requested)
    thursday = datetime.date(2026, 12, 3)
    acceptance = sign(team, "PASSED", today=thursday)

    acceptance.refresh_from_db()
    site = Site.objects.get(pk=requested.site.pk)
    assert site.status == Site.Status.PASSED
    transition = SiteTransition.objects.get(site=site, to_status=Site.Status.PASSED)
    assert (transition.from_status, transition.by) == (Site.Status.ACCEPTANCE_REQUESTED, team.lead)
    sign_event = AuditEvent.objects.get(verb=Verb.SIGN_ACCEPTANCE)
    verdict_event = AuditEvent.objects.get(verb=Verb.RECORD_VERDICT)
    assert sign_event.actor == verdict_event.actor == team.lead
    assert sign_event.summary == f"综合得分 {acceptance.composite_score}，通过；公示至 2026-12-10"
    # The composite and its parts as the sheet computed them, frozen on the acceptance.
    composite = sheet.composite
    assert (
        acceptance.self_part,
        acceptance.public_part,
        acceptance.inspection_part,
        acceptance.bonus_part,
        acceptance.composite_score,
        acceptance.vetoed,
    ) == (
        composite.self_part,
        composite.public_part,
        composite.inspection_part,
        composite.bonus,
        composite.total,
        False,
    )
    assert (acceptance.verdict, acceptance.signed_by) == ("PASSED", team.lead)
    assert TeamMember.objects.get(user=team.lead).signed_at == acceptance.signed_at
    # Signed on Thursday: 公示 from Friday for 5 working days, the weekend skipped.
    assert (acceptance.publicity_starts_on, acceptance.publicity_ends_on) == (
        datetime.date(2026, 12, 4),
        datetime.date(2026, 12, 10),
    )


def test_the_composite_is_composite_score_on_the_same_numbers(team, requested):
    # 30 points in the framework; the inspectors agree on 28 of them and a bonus of 2; no
    # self-assessment was entered, so only the computed item (3: 1 point from the records) counts.
    ready(team, requested)
    acceptance = sign(team, "PASSED")
    expected = composite_rules.composite_score(
        self_points=Decimal("1"),
        inspection_points=Decimal("28"),
        framework_total=Decimal("30"),
        satisfaction_rate=Decimal("90"),  # 8 满意 + 1 基本满意 of 10
        weights=composite_rules.Weights(20, 30, 50),
        pass_score=Decimal("80"),
        bonus_points=Decimal("2"),
        bonus_cap=None,
    )
    assert acceptance.composite_score == expected.total == Decimal("81.00")
    assert (
        acceptance.self_part,
        acceptance.public_part,
        acceptance.inspection_part,
        acceptance.bonus_part,
    ) == (
        Decimal("3.33"),
        Decimal("90.00"),
        Decimal("93.33"),
        Decimal("6.67"),
    )


def test_below_the_pass_score_the_lead_chooses_rectification_or_failure(team, requested):
    sheet = ready(team, requested, lead={"manual": "0", "level": "差"}, second={"manual": "0", "level": "差"})
    assert sheet.composite.verdicts == ("RECTIFYING", "FAILED")
    sign(team, "RECTIFYING")
    assert Site.objects.get(pk=requested.site.pk).status == Site.Status.RECTIFYING


def test_below_the_pass_score_the_lead_may_fail_the_site(team, requested):
    ready(team, requested, lead={"manual": "0", "level": "差"}, second={"manual": "0", "level": "差"})
    sign(team, "FAILED")
    assert Site.objects.get(pk=requested.site.pk).status == Site.Status.FAILED


def test_a_failed_veto_fails_the_site_whatever_the_total(team, requested):
    answers = {"manual": "10", "level": "好", "veto": "yes"}
    sheet = ready(team, requested, lead=answers, second=answers)
    assert sheet.composite.total >= sheet.composite.pass_score  # the total alone would pass
    assert sheet.composite.verdicts == ("FAILED",)
    with pytest.raises(LifecycleError):
        sign(team, "PASSED")
    acceptance = sign(team, "FAILED")
    assert acceptance.vetoed is True
    assert Site.objects.get(pk=requested.site.pk).status == Site.Status.FAILED


def test_signing_freezes_everything(team, requested, cast):
    both_scored(team, requested, lead={"manual": "9"}, second={"manual": "6"})
    ended_survey(requested.site)
    manual = requested.table.manual
    agree_score(acceptance=team.acceptance, indicator=manual, by=team.lead, score="9", reason="核实")
    sign(team, "PASSED")
    signed = Acceptance.objects.get()
    frozen = f"验收已于 {timezone.localtime(signed.signed_at):%Y-%m-%d %H:%M} 签署"
    writes = {
        "score": lambda: save_inspector_score(
            acceptance=signed, indicator=manual, by=team.lead, raw={"score": "1"}
        ),
        "submit": lambda: submit_inspection(acceptance=signed, by=team.lead),
        "agree": lambda: agree_score(
            acceptance=signed, indicator=manual, by=team.lead, score="1", reason="改"
        ),
        "agree by 组织部": lambda: agree_score(
            acceptance=signed, indicator=manual, by=cast.org_department, score="1", reason="改"
        ),
        "findings": lambda: record_findings(acceptance=signed, by=team.lead, findings="改"),
        "rectification": lambda: raise_acceptance_rectification(
            acceptance=signed, by=team.lead, description="某事", owner="", due_on=TOMORROW
        ),
        "change": lambda: change_acceptance(
            acceptance=signed, by=cast.org_department, visited_on=TOMORROW, team=[team.lead], lead=team.lead
        ),
        "sign again": lambda: sign_acceptance(acceptance=signed, by=team.lead, verdict="PASSED"),
    }
    for name, write in writes.items():
        with pytest.raises(LifecycleError) as error:
            write()
        assert refusal(error).startswith(frozen), name
    assert AgreedScore.objects.get().score == Decimal("9")
    assert InspectorScore.objects.get(inspector=team.lead, indicator=manual).score == Decimal("9")
    assert AuditEvent.objects.filter(verb=Verb.SIGN_ACCEPTANCE).count() == 1
    assert not Rectification.objects.exists()


def test_the_refusal_gives_the_signing_time_in_beijing_time(team, requested):
    ready(team, requested)
    sign(team, "PASSED")
    signed = Acceptance.objects.get()
    with pytest.raises(LifecycleError) as error:
        record_findings(acceptance=signed, by=team.lead, findings="改")
    assert f"验收已于 {timezone.localtime(signed.signed_at):%Y-%m-%d %H:%M} 签署" in refusal(error)


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (datetime.date(2026, 12, 4), 5, datetime.date(2026, 12, 10)),  # Friday → Thursday
        (datetime.date(2026, 12, 7), 5, datetime.date(2026, 12, 11)),  # Monday → Friday
        (datetime.date(2026, 12, 5), 5, datetime.date(2026, 12, 11)),  # Saturday: from Monday
        (datetime.date(2026, 12, 6), 1, datetime.date(2026, 12, 7)),  # Sunday, one day: Monday
        (datetime.date(2026, 12, 3), 10, datetime.date(2026, 12, 16)),  # two weekends skipped
    ],
)
def test_working_days_skip_weekends(start, days, end):
    assert add_working_days(start, days) == end
