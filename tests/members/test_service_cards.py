"""星级服务卡: recording, duplicates, verification and the list, for each role.

一村党支部 (A1) keeps the records: its secretary records and verifies, the 第一党委 above may
record but not verify, the 组织部 and the inspector read; the outsider (secretary of the
school branch under 第二党委) sees nothing of A1.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from members.models import Member, ServiceRecord
from members.queries import counted_service_key
from members.services.star_service import (
    DuplicateService,
    record_service,
    update_service,
    verify_services,
)
from organizations.models import AuditEvent, Verb
from tests.members.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]


def local_today():
    """Today in Asia/Shanghai, asked when the test runs (a suite may cross midnight)."""
    return timezone.localdate()


DAY = local_today() - datetime.timedelta(days=3)

# Expected status for each role: reading pages, keeping records (add/edit), verifying.
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
KEEP = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}
VERIFY = {"org_department": 403, "committee": 403, "secretary": 302, "inspector": 403, "outsider": 404}


@pytest.fixture
def users(cast):
    return {
        "org_department": cast.org_department,
        "committee": cast.committee,
        "secretary": cast.secretary,
        "inspector": cast.inspector,
        "outsider": cast.outsider,
        "anonymous": None,
    }


@pytest.fixture
def as_role(client, users):
    def login(role: str):
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


@pytest.fixture
def member(tree):
    return MemberFactory(branch=tree.branch_a1, name="王建国")


@pytest.fixture
def household(tree):
    return HouseholdFactory(branch=tree.branch_a1, name="李大娘", address="一村三组8号")


def service(branch, by, member, *, content="帮助种养户联系农产品销路", served_on=DAY, **extra):
    fields = {"place": "村委会", "hours": Decimal("2"), **extra}
    return record_service(branch=branch, by=by, member=member, served_on=served_on, content=content, **fields)


@pytest.fixture
def record(tree, cast, member):
    return service(tree.branch_a1, cast.secretary, member)


def url(name, branch, *args):
    return reverse(name, args=[branch.pk, *args])


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def form_data(member, **overrides):
    data = {
        "member": member.pk,
        "household": "",
        "served_on": f"{DAY:%Y-%m-%d}",
        "hours": "1.5",
        "place": "村文化广场",
        "content": "村道路清扫志愿服务",
        "feedback": "群众反映良好",
    }
    data.update(overrides)
    return data


# Each page for each role ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_service_list_answers_each_role(as_role, tree, record, role):
    response = as_role(role).get(url("members:service_list", tree.branch_a1))
    if role == "anonymous":
        assert_login_redirect(response)
        return
    assert response.status_code == READ[role]
    if response.status_code == 200:
        assert "帮助种养户联系农产品销路" in response.text
        # Actions are offered only to who may take them.
        assert ("记录服务" in response.text) == (KEEP[role] == 200)
        assert ("核实勾选的记录" in response.text) == (role == "secretary")


@pytest.mark.parametrize("role", ROLES)
def test_service_add_form_answers_each_role(as_role, tree, role):
    response = as_role(role).get(url("members:service_add", tree.branch_a1))
    if role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == KEEP[role]


@pytest.mark.parametrize("role", ROLES)
def test_service_add_post_only_keepers_record(as_role, tree, member, role):
    response = as_role(role).post(url("members:service_add", tree.branch_a1), form_data(member))
    if role == "anonymous":
        assert_login_redirect(response)
    elif KEEP[role] == 200:
        assert response.status_code == 302
    else:
        assert response.status_code == KEEP[role]
    created = ServiceRecord.objects.filter(content="村道路清扫志愿服务").count()
    assert created == (1 if role in ("committee", "secretary") else 0)


@pytest.mark.parametrize("role", ROLES)
def test_service_edit_answers_each_role_and_refused_change_nothing(as_role, tree, record, role):
    client = as_role(role)
    edit = url("members:service_edit", tree.branch_a1, record.pk)
    response = client.get(edit)
    if role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == KEEP[role]
    response = client.post(edit, form_data(record.member, content="改过的内容"))
    record.refresh_from_db()
    if KEEP.get(role) == 200:
        assert response.status_code == 302
        assert record.content == "改过的内容"
    else:
        assert record.content == "帮助种养户联系农产品销路"


@pytest.mark.parametrize("role", ROLES)
def test_service_remove_answers_each_role(as_role, tree, record, role):
    client = as_role(role)
    remove = url("members:service_remove", tree.branch_a1, record.pk)
    response = client.get(remove)
    if role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == KEEP[role]
    response = client.post(remove)
    assert ServiceRecord.objects.filter(pk=record.pk).exists() == (KEEP.get(role) != 200)


@pytest.mark.parametrize("role", ROLES)
def test_service_verify_only_the_secretary(as_role, tree, record, role):
    response = as_role(role).post(url("members:service_verify", tree.branch_a1), {"one": record.pk})
    record.refresh_from_db()
    if role == "anonymous":
        assert_login_redirect(response)
    else:
        assert response.status_code == VERIFY[role]
    assert (record.verified_at is not None) == (role == "secretary")


def test_verify_is_post_only(client, cast, tree):
    client.force_login(cast.secretary)
    assert client.get(url("members:service_verify", tree.branch_a1)).status_code == 405


def test_a_record_of_another_branch_is_404_through_this_branch(client, cast, tree):
    other = service(tree.branch_a2, cast.committee, MemberFactory(branch=tree.branch_a2))
    client.force_login(cast.secretary)
    assert client.get(url("members:service_edit", tree.branch_a1, other.pk)).status_code == 404
    assert client.get(url("members:service_edit", tree.branch_a1, 999999)).status_code == 404
    # The secretary of A1 does not see A2 at all.
    assert client.get(url("members:service_list", tree.branch_a2)).status_code == 404


def test_the_committee_may_record_for_a_branch_but_not_verify(cast, tree, record):
    with pytest.raises(ValidationError, match="只有本支部书记可以核实"):
        verify_services(branch=tree.branch_a1, by=cast.committee, records=[record])
    record.refresh_from_db()
    assert record.verified_at is None


# Recording ----------------------------------------------------------------------------------


def test_recording_writes_an_audit_event_on_the_member(tree, cast, record):
    event = AuditEvent.objects.about(record.member).get(verb=Verb.RECORD_SERVICE)
    assert event.actor == cast.secretary
    assert event.organization == tree.branch_a1
    assert "帮助种养户联系农产品销路" in event.summary


def test_a_member_of_another_branch_is_refused(tree, cast):
    stranger = MemberFactory(branch=tree.branch_a2)
    with pytest.raises(ValidationError) as refused:
        service(tree.branch_a1, cast.secretary, stranger)
    assert "member" in refused.value.error_dict


def test_bad_input_comes_back_with_errors_beside_the_fields_and_what_was_typed(client, cast, tree, member):
    client.force_login(cast.secretary)
    future = local_today() + datetime.timedelta(days=2)
    response = client.post(
        url("members:service_add", tree.branch_a1),
        form_data(member, served_on=f"{future:%Y-%m-%d}", hours="30", content="帮五保户挑水"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["served_on"] == ["服务日期不能晚于今天。"]
    assert "hours" in form.errors
    assert "帮五保户挑水" in response.text
    assert 'class="field__error"' in response.text
    assert not ServiceRecord.objects.exists()


def test_place_left_blank_for_a_home_visit_is_the_households_address(client, cast, tree, member, household):
    client.force_login(cast.secretary)
    response = client.post(
        url("members:service_add", tree.branch_a1), form_data(member, place="", household=household.pk)
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get().place == "一村三组8号"


def test_place_left_blank_without_a_household_is_asked_for(client, cast, tree, member):
    client.force_login(cast.secretary)
    response = client.post(url("members:service_add", tree.branch_a1), form_data(member, place=""))
    assert response.context["form"].errors["place"] == ["请填写服务地点。"]


def test_save_and_continue_comes_back_for_the_same_member_and_date(client, cast, tree, member):
    client.force_login(cast.secretary)
    response = client.post(url("members:service_add", tree.branch_a1), {**form_data(member), "continue": "1"})
    assert response.status_code == 302
    assert response.url.startswith(url("members:service_add", tree.branch_a1))
    form = client.get(response.url).context["form"]
    assert str(form.initial["member"]) == str(member.pk)
    assert form.initial["served_on"] == f"{DAY:%Y-%m-%d}"


# Duplicates ---------------------------------------------------------------------------------


def test_same_member_date_and_trimmed_content_is_flagged_on_entry(tree, cast, record):
    with pytest.raises(DuplicateService) as flagged:
        service(tree.branch_a1, cast.secretary, record.member, content="  帮助种养户联系农产品销路 ")
    assert flagged.value.duplicates == [record]
    assert "仍然保存" in flagged.value.messages[0]
    assert ServiceRecord.objects.count() == 1


def test_a_different_day_or_content_is_not_a_duplicate(tree, cast, record):
    service(tree.branch_a1, cast.secretary, record.member, served_on=DAY - datetime.timedelta(days=1))
    service(tree.branch_a1, cast.secretary, record.member, content="陪同残疾人到县医院复查")
    service(tree.branch_a1, cast.secretary, MemberFactory(branch=tree.branch_a1))
    assert ServiceRecord.objects.count() == 4


def test_the_form_warns_and_saves_only_on_confirm(client, cast, tree, record):
    client.force_login(cast.secretary)
    data = form_data(record.member, content=record.content + " ", feedback="第二次录入")
    response = client.post(url("members:service_add", tree.branch_a1), data)
    assert response.status_code == 200
    assert "可能是重复录入" in response.text
    assert "仍然保存" in response.text
    assert "第二次录入" in response.text  # what was typed is kept
    assert ServiceRecord.objects.count() == 1

    response = client.post(url("members:service_add", tree.branch_a1), {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert ServiceRecord.objects.count() == 2
    event = AuditEvent.objects.filter(verb=Verb.RECORD_SERVICE).order_by("-id").first()
    assert "疑似重复" in event.summary


def test_editing_into_a_duplicate_is_flagged_too(tree, cast, record):
    other = service(tree.branch_a1, cast.secretary, record.member, content="村道路清扫志愿服务")
    with pytest.raises(DuplicateService):
        update_service(
            record=other,
            by=cast.secretary,
            member=record.member,
            served_on=record.served_on,
            place="村委会",
            content=record.content,
            hours=Decimal("1"),
        )


def confirmed_duplicate(tree, cast, record):
    return service(
        tree.branch_a1, cast.secretary, record.member, content=record.content, confirm_duplicate=True
    )


def test_the_list_marks_each_duplicate_and_filters_them(client, cast, tree, record):
    twin = confirmed_duplicate(tree, cast, record)
    single = service(tree.branch_a1, cast.secretary, record.member, content="村道路清扫志愿服务")
    client.force_login(cast.secretary)
    response = client.get(url("members:service_list", tree.branch_a1))
    flags = {r.pk: r.is_duplicate for r in response.context["records"]}
    assert flags == {record.pk: True, twin.pk: True, single.pk: False}
    assert response.text.count('class="tag tag--duplicate"') == 2
    # Not counted over the whole branch (the flag is asked of the page's rows only) …
    assert response.context["summary"]["duplicates"] is None

    response = client.get(url("members:service_list", tree.branch_a1), {"status": "duplicate"})
    assert {r.pk for r in response.context["records"]} == {record.pk, twin.pk}
    # … but the list filtered to them says how many there are.
    assert response.context["summary"]["duplicates"] == 2


def test_a_duplicate_verified_twice_counts_once_for_stars(tree, cast, record):
    twin = confirmed_duplicate(tree, cast, record)
    other = service(tree.branch_a1, cast.secretary, record.member, content="村道路清扫志愿服务")
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record, twin, other])
    counted = Member.objects.filter(pk=record.member_id).annotate(
        n=Count(
            counted_service_key("services__"),
            distinct=True,
            filter=Q(services__verified_at__isnull=False, services__served_on__year=DAY.year),
        )
    )
    assert counted.get().n == 2


# Verifying ----------------------------------------------------------------------------------


def test_verify_one_row(client, cast, tree, record):
    other = service(tree.branch_a1, cast.secretary, record.member, content="村道路清扫志愿服务")
    client.force_login(cast.secretary)
    response = client.post(
        url("members:service_verify", tree.branch_a1), {"one": record.pk, "record": [other.pk]}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    other.refresh_from_db()
    assert record.verified_by == cast.secretary and record.verified_at is not None
    assert other.verified_at is None  # the row's own button verifies that row only
    assert AuditEvent.objects.about(record.member).filter(verb=Verb.VERIFY_SERVICE).count() == 1


def test_verify_a_checked_batch(client, cast, tree, member):
    a, b, c = (service(tree.branch_a1, cast.secretary, member, content=f"服务{i}") for i in range(3))
    client.force_login(cast.secretary)
    response = client.post(
        url("members:service_verify", tree.branch_a1), {"scope": "checked", "record": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    verified = set(ServiceRecord.objects.filter(verified_at__isnull=False).values_list("pk", flat=True))
    assert verified == {a.pk, b.pk}
    assert c.pk not in verified


def test_verify_the_pages_pending_records(client, cast, tree, member):
    records = [service(tree.branch_a1, cast.secretary, member, content=f"服务{i}") for i in range(3)]
    client.force_login(cast.secretary)
    client.post(
        url("members:service_verify", tree.branch_a1),
        {"scope": "page", "page_record": [r.pk for r in records]},
    )
    assert not ServiceRecord.objects.filter(verified_at__isnull=True).exists()


def test_verify_in_place_with_htmx_answers_the_list_region(client, cast, tree, member):
    a, b = (service(tree.branch_a1, cast.secretary, member, content=f"服务{i}") for i in range(2))
    client.force_login(cast.secretary)
    response = client.post(
        url("members:service_verify", tree.branch_a1),
        {"record": [a.pk, b.pk], "back": "status=unverified"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert '<section id="services"' in response.text
    assert "<html" not in response.text
    assert "已核实 2 条服务记录" in response.text
    # The region is the filtered list it came from: nothing is left to verify.
    assert list(response.context["records"]) == []


def test_verify_without_a_choice_says_so(client, cast, tree, record):
    client.force_login(cast.secretary)
    response = client.post(url("members:service_verify", tree.branch_a1), {}, headers={"HX-Request": "true"})
    assert "请先勾选要核实的记录" in response.text
    record.refresh_from_db()
    assert record.verified_at is None


def test_verify_comes_back_to_the_same_filters(client, cast, tree, record):
    client.force_login(cast.secretary)
    response = client.post(
        url("members:service_verify", tree.branch_a1),
        {"one": record.pk, "back": f"member={record.member_id}&status=unverified&evil=1"},
    )
    assert (
        response.url
        == url("members:service_list", tree.branch_a1) + f"?member={record.member_id}&status=unverified"
    )


def test_verify_ignores_records_of_another_branch(client, cast, tree, record):
    other = service(tree.branch_a2, cast.committee, MemberFactory(branch=tree.branch_a2))
    client.force_login(cast.secretary)
    client.post(url("members:service_verify", tree.branch_a1), {"record": [record.pk, other.pk]})
    other.refresh_from_db()
    record.refresh_from_db()
    assert other.verified_at is None
    assert record.verified_at is not None


def test_verifying_twice_changes_nothing_the_second_time(tree, cast, record):
    assert verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record]) == [record]
    assert verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record]) == []
    assert AuditEvent.objects.filter(verb=Verb.VERIFY_SERVICE).count() == 1


def test_a_verified_record_changed_by_the_committee_goes_back_to_unverified(tree, cast, record):
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    update_service(
        record=record,
        by=cast.committee,
        member=record.member,
        served_on=record.served_on,
        place=record.place,
        content=record.content,
        hours=Decimal("3"),
    )
    record.refresh_from_db()
    assert record.verified_at is None
    assert "重新核实" in AuditEvent.objects.get(verb=Verb.CHANGE_SERVICE).summary


def test_a_verified_record_changed_by_the_secretary_stays_verified(tree, cast, record):
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    update_service(
        record=record,
        by=cast.secretary,
        member=record.member,
        served_on=record.served_on,
        place=record.place,
        content=record.content,
        hours=Decimal("3"),
    )
    record.refresh_from_db()
    assert record.verified_at is not None
    assert record.hours == Decimal("3")


def test_only_the_secretary_removes_a_verified_record(client, cast, tree, record):
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    client.force_login(cast.committee)
    assert client.post(url("members:service_remove", tree.branch_a1, record.pk)).status_code == 403
    assert ServiceRecord.objects.filter(pk=record.pk).exists()
    client.force_login(cast.secretary)
    assert client.post(url("members:service_remove", tree.branch_a1, record.pk)).status_code == 302
    assert not ServiceRecord.objects.filter(pk=record.pk).exists()
    assert AuditEvent.objects.filter(verb=Verb.REMOVE_SERVICE).exists()


# The list -----------------------------------------------------------------------------------


def test_filters_by_member_month_status_and_household(client, cast, tree, member, household):
    other = MemberFactory(branch=tree.branch_a1, name="赵六")
    last_month = (DAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    a = service(tree.branch_a1, cast.secretary, member, household=household)
    b = service(tree.branch_a1, cast.secretary, other, served_on=last_month)
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[b])
    client.force_login(cast.secretary)
    list_url = url("members:service_list", tree.branch_a1)

    def shown(**params):
        return {r.pk for r in client.get(list_url, params).context["records"]}

    assert shown() == {a.pk, b.pk}
    assert shown(member=other.pk) == {b.pk}
    assert shown(month=f"{last_month:%Y-%m}") == {b.pk}
    assert shown(status="verified") == {b.pk}
    assert shown(status="unverified") == {a.pk}
    assert shown(household=household.pk) == {a.pk}
    # An unknown value is not applied rather than an error.
    assert shown(member="999999", month="2000-13") == {a.pk, b.pk}


def test_the_list_pages_by_25_and_keeps_the_filters(client, cast, tree, member):
    for i in range(30):
        service(tree.branch_a1, cast.secretary, member, content=f"服务{i}")
    client.force_login(cast.secretary)
    response = client.get(url("members:service_list", tree.branch_a1), {"member": member.pk})
    assert len(response.context["records"]) == 25
    assert f"member={member.pk}&amp;page=2" in response.text
    response = client.get(url("members:service_list", tree.branch_a1), {"member": member.pk, "page": 2})
    assert len(response.context["records"]) == 5


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow_with_rows(
    client, cast, tree, household, rows, django_assert_max_num_queries
):
    members = [MemberFactory(branch=tree.branch_a1) for _ in range(5)]
    for i in range(rows):
        record = service(
            tree.branch_a1, cast.secretary, members[i % 5], content=f"服务{i}", household=household
        )
        if i % 2:
            verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    client.force_login(cast.secretary)
    # session, user, the user's roles (read once for the scope, the policies and the top bar);
    # the branch (visible_to); the branch's members, households and months with records (the
    # filter choices); the summary aggregate; the page's count and its rows (member, household
    # and verifier joined); which of the page's rows have a duplicate (one query); the star rule
    # (积分 or not); how many of the chosen records wait for 公示 (for the secretary, who may verify).
    with django_assert_max_num_queries(13):
        response = client.get(url("members:service_list", tree.branch_a1))
    assert len(response.context["records"]) == min(rows, 25)
