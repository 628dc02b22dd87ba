"""星级服务 records as a branch's 台账 keeps them: 责任人, 积分 where the star rule keeps points,
and 公示 — on the form and the list, the batch 公示 from the list, and through import and export.

一村党支部 (A1) keeps the records: its secretary records, verifies and publishes; the 第一党委
above records but neither verifies nor publishes; the 组织部 and the inspector read; the outsider
(another branch's secretary) gets 404; an anonymous visitor is sent to log in.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.imports import plan_import, write_plan
from members.models import ServiceRecord, StarRule
from members.services.star_service import (
    publish_services,
    record_service,
    update_service,
    verify_services,
)
from organizations.models import AuditEvent, Verb
from spreadsheets import read_table
from tests.members.factories import MemberFactory
from tests.members.test_imports import csv_upload

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]
PUBLISH = {"org_department": 403, "committee": 403, "secretary": 302, "inspector": 403, "outsider": 404}
TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=3)


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    return client


@pytest.fixture
def member(tree):
    return MemberFactory(branch=tree.branch_a1, name="王建国")


@pytest.fixture
def points_rule(tree):
    """The 第一党委's rule keeps points: the nearest rule up the tree from 一村党支部."""
    return StarRule.objects.create(organization=tree.committee_a, uses_points=True)


def service(tree, cast, member, *, content="帮助种养户联系农产品销路", served_on=DAY, by=None, **extra):
    fields = {"place": "村委会", "hours": Decimal("2"), **extra}
    return record_service(
        branch=tree.branch_a1,
        by=by or cast.secretary,
        member=member,
        served_on=served_on,
        content=content,
        **fields,
    )


def verified(tree, cast, member, **kwargs):
    record = service(tree, cast, member, **kwargs)
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    return record


def form_data(member, **overrides):
    return {
        "member": member.pk,
        "household": "",
        "served_on": f"{DAY:%Y-%m-%d}",
        "hours": "1.5",
        "place": "村文化广场",
        "content": "村道路清扫志愿服务",
        "feedback": "群众反映良好",
        "responsible": "第一党小组组长",
        **overrides,
    }


def list_url(tree):
    return reverse("members:service_list", args=[tree.branch_a1.pk])


# 责任人 and 积分 on the form and the list ---------------------------------------------------------


def test_without_points_the_form_the_list_and_the_export_have_no_points(client, tree, cast, member):
    # A rule that keeps no points, nearer than one that does, is the one in force.
    StarRule.objects.create(organization=tree.committee_a, uses_points=True)
    StarRule.objects.create(organization=tree.branch_a1, uses_points=False)
    verified(tree, cast, member, responsible="组长")
    login(client, cast, "secretary")
    form = client.get(reverse("members:service_add", args=[tree.branch_a1.pk])).context["form"]
    assert "points" not in form.fields
    assert "responsible" in form.fields
    page = client.get(list_url(tree))
    assert not page.context["uses_points"]
    assert ">积分<" not in page.content.decode()
    export = client.get(reverse("members:export_services", args=[tree.branch_a1.pk]), {"format": "csv"})
    assert "积分" not in export.content.decode("utf-8-sig").splitlines()[0]


def test_with_points_the_form_takes_them_and_the_list_shows_them(client, tree, cast, member, points_rule):
    login(client, cast, "secretary")
    form = client.get(reverse("members:service_add", args=[tree.branch_a1.pk])).context["form"]
    assert "points" in form.fields
    response = client.post(
        reverse("members:service_add", args=[tree.branch_a1.pk]), form_data(member, points="2.5")
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert (record.responsible, record.points) == ("第一党小组组长", Decimal("2.5"))
    html = client.get(list_url(tree)).content.decode()
    assert ">积分<" in html
    assert "2.5 分" in html
    assert "责任人：第一党小组组长" in html


def test_points_posted_where_the_branch_keeps_none_are_not_taken(client, tree, cast, member):
    response = login(client, cast, "secretary").post(
        reverse("members:service_add", args=[tree.branch_a1.pk]), form_data(member, points="3")
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get().points is None


def test_the_service_refuses_points_where_the_branch_keeps_none(tree, cast, member):
    with pytest.raises(ValidationError) as refused:
        service(tree, cast, member, points=Decimal("1"))
    assert refused.value.message_dict == {"points": ["本支部的星级评定标准未实行积分制，服务记录不记积分。"]}
    assert not ServiceRecord.objects.exists()


def test_bad_points_are_refused_beside_the_field_and_what_was_typed_is_kept(
    client, tree, cast, member, points_rule
):
    response = login(client, cast, "secretary").post(
        reverse("members:service_add", args=[tree.branch_a1.pk]), form_data(member, points="-1")
    )
    assert response.status_code == 200
    assert "points" in response.context["form"].errors
    html = response.content.decode()
    assert 'value="第一党小组组长"' in html
    assert 'value="-1"' in html
    assert not ServiceRecord.objects.exists()


def test_editing_without_points_keeps_points_recorded_before(tree, cast, member, points_rule):
    record = service(tree, cast, member, points=Decimal("2"))
    points_rule.uses_points = False
    points_rule.save()
    update_service(
        record=record,
        by=cast.secretary,
        member=member,
        served_on=DAY,
        place="村委会",
        content="改过",
        hours=Decimal("2"),
    )
    record.refresh_from_db()
    assert (record.content, record.points) == ("改过", Decimal("2"))


def test_the_edit_form_shows_the_responsible_and_points(client, tree, cast, member, points_rule):
    record = service(tree, cast, member, responsible="组长", points=Decimal("1.5"))
    form = (
        login(client, cast, "committee")
        .get(reverse("members:service_edit", args=[tree.branch_a1.pk, record.pk]))
        .context["form"]
    )
    assert (form["responsible"].value(), form["points"].value()) == ("组长", Decimal("1.5"))


# 公示 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_publishing_answers_each_role_and_a_refusal_changes_nothing(client, tree, cast, member, role):
    record = verified(tree, cast, member)
    events = AuditEvent.objects.count()
    response = login(client, cast, role).post(reverse("members:service_publish", args=[tree.branch_a1.pk]))
    record.refresh_from_db()
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == PUBLISH[role]
    if role == "secretary":
        assert record.published_on == TODAY
    else:
        assert record.published_on is None
        assert AuditEvent.objects.count() == events


def test_publishing_is_post_only(client, tree, cast):
    assert (
        login(client, cast, "secretary")
        .get(reverse("members:service_publish", args=[tree.branch_a1.pk]))
        .status_code
        == 405
    )


def test_the_secretary_publishes_the_chosen_months_verified_records_with_an_event_each(
    client, tree, cast, member
):
    other = MemberFactory(branch=tree.branch_a1, name="李红")
    last_month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    may = [verified(tree, cast, member, served_on=last_month, content=f"服务{i}") for i in range(2)]
    pending = service(tree, cast, other, served_on=last_month, content="待核实的")
    earlier = verified(
        tree, cast, other, served_on=last_month - datetime.timedelta(days=40), content="更早的"
    )
    login(client, cast, "secretary")
    page = client.get(list_url(tree), {"month": f"{last_month:%Y-%m}"})
    assert page.context["publishable"] == 2
    assert "公示这 2 条" in page.content.decode()

    response = client.post(
        reverse("members:service_publish", args=[tree.branch_a1.pk]), {"back": f"month={last_month:%Y-%m}"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{list_url(tree)}?month={last_month:%Y-%m}"
    published = dict(ServiceRecord.objects.values_list("pk", "published_on"))
    assert published == {may[0].pk: TODAY, may[1].pk: TODAY, pending.pk: None, earlier.pk: None}
    events = AuditEvent.objects.filter(verb=Verb.PUBLISH_SERVICE, summary__endswith=f"{TODAY:%Y-%m-%d} 公示")
    assert sorted(e.target_id for e in events) == sorted(r.pk for r in may)
    assert {e.organization for e in events} == {tree.branch_a1}


def test_publishing_in_place_with_htmx_answers_the_list_region(client, tree, cast, member):
    verified(tree, cast, member)
    response = login(client, cast, "secretary").post(
        reverse("members:service_publish", args=[tree.branch_a1.pk]), {"back": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="services"')
    assert "已公示 1 条已核实的服务记录" in html
    assert "已公示</span>" in html


def test_publishing_twice_keeps_the_first_date(tree, cast, member):
    record = verified(tree, cast, member)
    first = publish_services(
        branch=tree.branch_a1, by=cast.secretary, records=[record], on=TODAY - datetime.timedelta(days=1)
    )
    again = publish_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    record.refresh_from_db()
    assert (len(first), again, record.published_on) == (1, [], TODAY - datetime.timedelta(days=1))


def test_an_unverified_record_cannot_be_published(tree, cast, member):
    record = service(tree, cast, member)
    with pytest.raises(ValidationError, match="只有已核实的服务记录才能公示"):
        publish_services(branch=tree.branch_a1, by=cast.secretary, records=[record])


def test_the_committee_cannot_publish_through_the_service_either(tree, cast, member):
    record = verified(tree, cast, member)
    with pytest.raises(ValidationError) as refused:
        publish_services(branch=tree.branch_a1, by=cast.committee, records=[record])
    assert refused.value.code == "forbidden"


def test_a_published_record_changed_by_the_committee_goes_back_unverified_and_unpublished(tree, cast, member):
    record = verified(tree, cast, member)
    publish_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    update_service(
        record=record,
        by=cast.committee,
        member=member,
        served_on=DAY,
        place="村委会",
        content="改了内容",
        hours=Decimal("2"),
    )
    record.refresh_from_db()
    assert (record.verified_at, record.published_on) == (None, None)
    assert "撤下公示" in AuditEvent.objects.filter(verb=Verb.CHANGE_SERVICE).first().summary


def test_the_list_filters_published_and_unpublished(client, tree, cast, member):
    shown_first = verified(tree, cast, member, content="已公示的")
    publish_services(branch=tree.branch_a1, by=cast.secretary, records=[shown_first])
    not_yet = verified(tree, cast, member, content="未公示的")
    login(client, cast, "inspector")

    def shown(**params):
        return {r.pk for r in client.get(list_url(tree), params).context["records"]}

    assert shown(published="yes") == {shown_first.pk}
    assert shown(published="no") == {not_yet.pk}
    assert shown() == {shown_first.pk, not_yet.pk}
    page = client.get(list_url(tree), {"published": "yes"})
    assert "公示这" not in page.content.decode()  # the inspector is not offered the 公示


@pytest.mark.parametrize("rows", [5, 40])
def test_list_query_count_does_not_grow_with_published_and_points(
    client, cast, tree, points_rule, rows, django_assert_max_num_queries
):
    members = [MemberFactory(branch=tree.branch_a1) for _ in range(5)]
    for i in range(rows):
        record = verified(
            tree, cast, members[i % 5], content=f"服务{i}", responsible="组长", points=Decimal("1")
        )
        if i % 2:
            publish_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    client.force_login(cast.secretary)
    # As tests/members/test_service_cards.py counts the list, with the star rule (积分 or not)
    # and how many of the chosen records wait for 公示.
    with django_assert_max_num_queries(13):
        response = client.get(list_url(tree))
    assert len(response.context["records"]) == min(rows, 25)


# Import and export --------------------------------------------------------------------------------


def export_table(client, tree, fmt="csv"):
    response = client.get(reverse("members:export_services", args=[tree.branch_a1.pk]), {"format": fmt})
    assert response.status_code == 200
    return read_table(response.content, f"s.{fmt}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_services_export_then_import_changes_nothing(client, tree, cast, member, points_rule, fmt):
    kept = verified(tree, cast, member, responsible="组长", points=Decimal("2.5"))
    publish_services(branch=tree.branch_a1, by=cast.secretary, records=[kept])
    service(tree, cast, member, content="待核实的", responsible="", points=None)
    before = list(ServiceRecord.objects.order_by("pk").values())
    back = export_table(login(client, cast, "secretary"), tree, fmt)
    assert back.headers[-5:] == ["服务反馈", "责任人", "积分", "核实情况", "公示日期"]

    result = plan_import(kind="SERVICES", branch=tree.branch_a1, user=cast.secretary, table=back)

    assert (result.errors, len(result.creates), len(result.updates), result.unchanged) == ([], 0, 0, 2)
    write_plan(result)
    assert list(ServiceRecord.objects.order_by("pk").values()) == before


def test_the_committee_re_importing_an_export_with_publication_dates_changes_nothing(
    client, tree, cast, member
):
    kept = verified(tree, cast, member)
    publish_services(branch=tree.branch_a1, by=cast.secretary, records=[kept])
    back = export_table(login(client, cast, "committee"), tree)
    result = plan_import(kind="SERVICES", branch=tree.branch_a1, user=cast.committee, table=back)
    assert (result.errors, result.unchanged) == ([], 1)


HEADERS = ["姓名", "服务日期", "服务地点", "服务内容", "服务责任人", "服务积分", "公示时间"]


def plan(tree, user, rows, headers=HEADERS):
    table = read_table(csv_upload(headers, rows).read(), "s.csv")
    return plan_import(kind="SERVICES", branch=tree.branch_a1, user=user, table=table)


def test_the_registers_own_headings_are_recognised(tree, cast, member, points_rule):
    result = plan(tree, cast.secretary, [["王建国", f"{DAY:%Y-%m-%d}", "村部", "清扫", "组长", "3", ""]])
    assert result.errors == []
    assert ("服务责任人", "责任人") in result.used_columns
    assert ("服务积分", "积分") in result.used_columns
    assert ("公示时间", "公示日期") in result.used_columns
    write_plan(result)
    record = ServiceRecord.objects.get()
    assert (record.responsible, record.points, record.published_on) == ("组长", Decimal("3"), None)


def test_a_points_column_is_listed_as_ignored_where_the_branch_keeps_no_points(tree, cast, member):
    result = plan(tree, cast.secretary, [["王建国", f"{DAY:%Y-%m-%d}", "村部", "清扫", "组长", "3", ""]])
    assert result.errors == []
    assert ("服务积分", "本支部的星级评定标准未实行积分制，积分不导入") in result.ignored_columns
    write_plan(result)
    assert ServiceRecord.objects.get().points is None


def test_a_new_record_with_a_publication_date_is_refused(tree, cast, member):
    result = plan(
        tree, cast.secretary, [["王建国", f"{DAY:%Y-%m-%d}", "村部", "清扫", "", "", f"{DAY:%Y-%m-%d}"]]
    )
    assert [e.message for e in result.errors] == [
        "公示日期：只有已核实的服务记录才能公示；新记录请留空，待支部书记核实后再公示。"
    ]


def test_only_someone_who_may_verify_sets_a_publication_date_by_import(tree, cast, member):
    record = verified(tree, cast, member, content="清扫")
    row = [["王建国", f"{DAY:%Y-%m-%d}", "村委会", "清扫", "", "", f"{TODAY:%Y-%m-%d}"]]
    refused = plan(tree, cast.committee, row)
    assert [e.message for e in refused.errors] == ["公示日期：只有本支部书记可以核实星级服务记录。"]
    allowed = plan(tree, cast.secretary, row)
    assert (allowed.errors, len(allowed.updates)) == ([], 1)
    write_plan(allowed)
    record.refresh_from_db()
    assert record.published_on == TODAY


def test_the_services_template_has_the_new_columns(client, tree, cast, points_rule):
    response = login(client, cast, "secretary").get(
        reverse("members:import_template", args=[tree.branch_a1.pk, "services"]), {"format": "csv"}
    )
    headers = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert headers[-3:] == ["责任人", "积分", "公示日期"]
