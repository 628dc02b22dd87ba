"""公示 and objections, the services: objections only during the period, answered once and only by
the organizer's 组织部; the result becomes final after the period only with every objection
answered — by the daily job, or at once when the last one is answered; the state the pages show."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import tasks
from assessments.models import Acceptance, Objection
from assessments.services.publicity import (
    PublicityState,
    answer_objection,
    finalize_results,
    lodge_objection,
    publicity_state,
)
from campaigns.services import LifecycleError
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.assessments.acceptance_factories import requested_site, scheduled
from tests.assessments.test_report import media, signed_acceptance  # noqa: F401 (media: a fixture)
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def signed(tree, cast):
    return signed_acceptance(tree, cast)


def days(acceptance: Acceptance) -> tuple[datetime.date, datetime.date]:
    return acceptance.publicity_starts_on, acceptance.publicity_ends_on


def lodge(acceptance, today, **fields) -> Objection:
    values = {"lodged_by": "", "contact": "13800000000", "text": "该村的群众测评票有代填情况。"} | fields
    return lodge_objection(acceptance=acceptance, today=today, **values)


# The period -----------------------------------------------------------------------------------


def test_signing_opens_a_period_of_the_campaigns_working_days(signed):
    start, end = days(signed.acceptance)

    next_working_day = timezone.localdate(signed.acceptance.signed_at) + DAY
    while next_working_day.weekday() >= 5:
        next_working_day += DAY
    assert start == next_working_day
    assert end.weekday() < 5
    working = sum(1 for n in range((end - start).days + 1) if (start + n * DAY).weekday() < 5)
    assert working == signed.campaign.publicity_days


def test_objections_are_taken_on_the_first_and_the_last_day_only_within_the_period(signed):
    start, end = days(signed.acceptance)

    assert lodge(signed.acceptance, start).pk
    assert lodge(signed.acceptance, end).pk
    with pytest.raises(LifecycleError, match="公示自"):
        lodge(signed.acceptance, start - DAY)
    with pytest.raises(LifecycleError, match=r"公示已于.*结束，不再受理异议"):
        lodge(signed.acceptance, end + DAY)
    assert Objection.objects.count() == 2


def test_an_unsigned_result_takes_no_objection(tree, cast):
    team = scheduled(tree, cast, requested_site(tree, cast))

    with pytest.raises(LifecycleError, match="尚未公示"):
        lodge(team.acceptance, datetime.date.today())


def test_an_objection_needs_a_contact_and_a_text_but_no_name(signed):
    start, _ = days(signed.acceptance)

    with pytest.raises(ValidationError) as refused:
        lodge(signed.acceptance, start, contact="  ", text="", lodged_by="张" * 51)
    assert refused.value.message_dict == {
        "lodged_by": ["姓名最多 50 个字。"],
        "contact": ["请留下联系方式（电话或地址），以便组织部答复。"],
        "text": ["请写明异议内容。"],
    }
    with pytest.raises(ValidationError, match="异议内容最多 2000 个字"):
        lodge(signed.acceptance, start, text="字" * 2001)

    objection = lodge(signed.acceptance, start, lodged_by="", contact=" 村委会王大姐 ", text=" 有代填。 ")
    assert (objection.lodged_by, objection.contact, objection.text) == ("", "村委会王大姐", "有代填。")


def test_lodging_is_audited_without_the_name_or_contact(signed):
    start, _ = days(signed.acceptance)

    lodge(signed.acceptance, start, lodged_by="王秀兰", contact="13912345678", text="测评票代填")

    event = AuditEvent.objects.about(signed.site).get(verb=Verb.LODGE_OBJECTION)
    assert event.actor is None
    assert event.summary == "测评票代填"
    assert "王秀兰" not in event.summary and "13912345678" not in event.summary


# Answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_only_the_organizers_org_department_answers(signed, cast, role):
    objection = lodge(signed.acceptance, days(signed.acceptance)[0])

    with pytest.raises(LifecycleError, match="组织部权限，不能答复公示异议"):
        answer_objection(objection=objection, by=getattr(cast, role), answer="已核实")
    assert Objection.objects.get(pk=objection.pk).answered_at is None


def test_another_counties_org_department_may_not_answer(signed):
    other = make_org(None, Kind.WORK_COMMITTEE, "另一县委", code="W2")
    stranger = UserFactory(username="t_zzb2")
    give_role(stranger, other, Role.Kind.ORG_DEPARTMENT)
    objection = lodge(signed.acceptance, days(signed.acceptance)[0])

    with pytest.raises(LifecycleError):
        answer_objection(objection=objection, by=stranger, answer="已核实")


def test_an_answer_is_given_once_and_audited(signed, cast):
    objection = lodge(signed.acceptance, days(signed.acceptance)[0])

    with pytest.raises(ValidationError, match="请填写答复内容"):
        answer_objection(objection=objection, by=cast.org_department, answer="   ")
    answered = answer_objection(objection=objection, by=cast.org_department, answer=" 经核实，不存在代填。 ")

    assert answered.answer == "经核实，不存在代填。"
    assert answered.answered_by == cast.org_department and answered.answered_at is not None
    event = AuditEvent.objects.about(signed.site).get(verb=Verb.ANSWER_OBJECTION)
    assert event.actor == cast.org_department and event.summary == "经核实，不存在代填。"
    with pytest.raises(LifecycleError, match="该异议已经答复"):
        answer_objection(objection=objection, by=cast.org_department, answer="再答一次")
    assert Objection.objects.get(pk=objection.pk).answer == "经核实，不存在代填。"


# Final only after the period with every objection answered -----------------------------------


def test_a_result_without_objections_becomes_final_the_day_after_the_period(signed):
    _, end = days(signed.acceptance)

    assert finalize_results(today=end) == []
    (finalized,) = finalize_results(today=end + DAY)

    assert finalized.pk == signed.acceptance.pk
    assert Acceptance.objects.get(pk=signed.acceptance.pk).final_at is not None
    event = AuditEvent.objects.about(signed.site).get(verb=Verb.FINALIZE_RESULT)
    assert event.actor is None and "无异议" in event.summary
    assert finalize_results(today=end + 2 * DAY) == []  # a second run changes nothing
    assert AuditEvent.objects.filter(verb=Verb.FINALIZE_RESULT).count() == 1


def test_an_unanswered_objection_keeps_the_result_open_after_the_period(signed):
    _, end = days(signed.acceptance)
    lodge(signed.acceptance, end)

    assert finalize_results(today=end + 10 * DAY) == []
    assert Acceptance.objects.get(pk=signed.acceptance.pk).final_at is None
    assert publicity_state(signed.acceptance, end + 10 * DAY) == PublicityState.OBJECTIONS_PENDING


def test_answering_the_last_objection_after_the_period_makes_the_result_final(signed, cast):
    start, end = days(signed.acceptance)
    first = lodge(signed.acceptance, start)
    last = lodge(signed.acceptance, end)
    after = end + 3 * DAY

    answer_objection(objection=first, by=cast.org_department, answer="已核实", today=after)
    assert Acceptance.objects.get(pk=signed.acceptance.pk).final_at is None

    answer_objection(objection=last, by=cast.org_department, answer="已核实", today=after)
    acceptance = Acceptance.objects.get(pk=signed.acceptance.pk)
    assert acceptance.final_at is not None
    assert publicity_state(acceptance, after) == PublicityState.PUBLISHED
    event = AuditEvent.objects.about(signed.site).get(verb=Verb.FINALIZE_RESULT)
    assert "2 条异议均已答复" in event.summary


def test_answering_during_the_period_does_not_make_the_result_final_early(signed, cast):
    start, end = days(signed.acceptance)
    objection = lodge(signed.acceptance, start)

    answer_objection(objection=objection, by=cast.org_department, answer="已核实", today=start)

    assert Acceptance.objects.get(pk=signed.acceptance.pk).final_at is None
    assert publicity_state(signed.acceptance, start) == PublicityState.IN_PUBLICITY
    assert [a.pk for a in finalize_results(today=end + DAY)] == [signed.acceptance.pk]


def test_the_daily_task_finalizes_results_of_the_given_day(signed):
    _, end = days(signed.acceptance)

    assert tasks.finalize_publicity((end).isoformat()) == {"date": end.isoformat(), "finalized": []}
    after = (end + DAY).isoformat()
    assert tasks.finalize_publicity(after) == {"date": after, "finalized": [signed.acceptance.pk]}
    assert tasks.finalize_publicity(after)["finalized"] == []


# The state the pages show --------------------------------------------------------------------


def test_the_state_through_the_period(cast, signed):
    start, end = days(signed.acceptance)
    unsigned = Acceptance(site=signed.site)
    acceptance = signed.acceptance

    assert publicity_state(unsigned, start) == PublicityState.NOT_PUBLISHED
    assert publicity_state(acceptance, start - DAY) == PublicityState.NOT_PUBLISHED
    assert publicity_state(acceptance, start) == PublicityState.IN_PUBLICITY
    assert publicity_state(acceptance, end) == PublicityState.IN_PUBLICITY
    assert publicity_state(acceptance, end + DAY) == PublicityState.PUBLISHED
    objection = lodge(acceptance, start)
    assert publicity_state(acceptance, start) == PublicityState.OBJECTIONS_PENDING
    assert publicity_state(acceptance, end + DAY) == PublicityState.OBJECTIONS_PENDING
    answer_objection(objection=objection, by=cast.org_department, answer="已核实", today=start)
    assert publicity_state(acceptance, end) == PublicityState.IN_PUBLICITY
    assert str(PublicityState.OBJECTIONS_PENDING) == "有异议待答复"


def test_the_state_reads_a_count_it_is_given_instead_of_asking(signed, django_assert_num_queries):
    start, _ = days(signed.acceptance)
    lodge(signed.acceptance, start)

    with django_assert_num_queries(1):  # counts the unanswered objections
        assert publicity_state(signed.acceptance, start) == PublicityState.OBJECTIONS_PENDING
    with django_assert_num_queries(0):  # a list annotated the count already
        assert publicity_state(signed.acceptance, start, unanswered=0) == PublicityState.IN_PUBLICITY
        signed.acceptance.unanswered = 2
        assert publicity_state(signed.acceptance, start) == PublicityState.OBJECTIONS_PENDING
