"""The member register: the list with search, filters and pages, a member's page, add and edit.

Everyone who sees the branch reads the register (phones included: that is the scope); the
branch secretary and its 党委 keep it, the 组织部 and inspectors get 403 on a change, the
secretary of another branch gets 404, an anonymous visitor is sent to log in. The 公民身份证号
is whole for the secretary and the 组织部, masked for the 党委 and inspectors.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Attendance, DuesPayment, Meeting, Member, Pairing, Plaque, ServiceRecord, StarRule
from members.resources import MemberResource
from members.services.register import RegisterError, add_member, update_member
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.members.factories import HouseholdFactory, MemberFactory, valid_id_number
from tests.organizations.factories import give_role, make_org

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
ID_LI = "11010519491231029X"  # a man's, born 1949-12-31, with the check character X
ID_OTHER = "440524198001010013"
MASKED_LI = "1101**********029X"
PHONE_LI = "13912345678"
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
KEEP = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def register(tree, cast):
    """一村党支部 with two members entered through the service, and one in the outsider's branch."""
    li = add_member(
        branch=tree.branch_a1,
        by=cast.secretary,
        name="李明",
        gender="M",
        id_number=ID_LI,
        phone=PHONE_LI,
        address="一村三组12号",
        skills="果树嫁接",
        group=tree.group_a1,
        joined_on=datetime.date(1975, 7, 1),
        full_member_on=datetime.date(1976, 7, 1),
        status=Member.Status.FULL,
    )
    zhou = add_member(
        branch=tree.branch_a1,
        by=cast.secretary,
        name="周芳",
        gender="F",
        phone="13700000002",
        skills="电商销售",
        status=Member.Status.PROBATIONARY,
        joined_on=datetime.date(2026, 7, 1),
        is_mobile=True,
        mobile_destination="广东省深圳市",
    )
    other = MemberFactory(branch=tree.branch_b1, name="学校党员", phone="13600000003")
    return SimpleNamespace(li=li, zhou=zhou, other=other)


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def member_form(**changes) -> dict:
    """A complete, valid form for a new member; `changes` override fields."""
    data = {
        "name": "王强",
        "gender": "M",
        "ethnicity": "汉族",
        "id_number": "",
        "birth_date": "1985-04-02",
        "education": "60",
        "status": "FULL",
        "group": "",
        "joined_on": "2010-07-01",
        "full_member_on": "2011-07-01",
        "occupation": "09",
        "job": "",
        "phone": "13500000009",
        "address": "一村五组",
        "skills": "农机维修",
        "party_standing": "NORMAL",
        "mobile_destination": "",
        "lost_contact_since": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    return (
        sorted(Member.objects.values_list("pk", "name", "phone", "id_number", "status", "group_id")),
        AuditEvent.objects.count(),
    )


# Who gets what ------------------------------------------------------------------------------


def urls(register, tree) -> dict[str, str]:
    return {
        "member_list": reverse("members:member_list", args=[tree.branch_a1.pk]),
        "member_detail": reverse("members:member_detail", args=[register.li.pk]),
        "member_add": reverse("members:member_add", args=[tree.branch_a1.pk]),
        "member_edit": reverse("members:member_edit", args=[register.li.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["member_list", "member_detail", "member_add", "member_edit"])
def test_each_page_answers_each_role(client, cast, tree, register, role, name):
    login(client, cast, role)

    response = client.get(urls(register, tree)[name])

    expected = (READ if name in ("member_list", "member_detail") else KEEP)[role]
    assert response.status_code == expected


@pytest.mark.parametrize("name", ["member_list", "member_detail", "member_add", "member_edit"])
def test_anonymous_is_sent_to_log_in(client, tree, register, name):
    url = urls(register, tree)[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_missing_branch_and_member_are_404(client, cast, register):
    login(client, cast, "secretary")

    assert client.get(reverse("members:member_list", args=[999999])).status_code == 404
    assert client.get(reverse("members:member_detail", args=[999999])).status_code == 404
    assert client.get(reverse("members:member_edit", args=[999999])).status_code == 404


def test_a_branch_that_is_not_a_branch_is_404(client, cast, tree, register):
    login(client, cast, "org_department")

    assert client.get(reverse("members:member_list", args=[tree.committee_a.pk])).status_code == 404


@pytest.mark.parametrize("role", ["org_department", "inspector", "outsider", "anonymous"])
def test_refused_posts_change_nothing(client, cast, tree, register, role):
    login(client, cast, role)
    before = snapshot()

    add = client.post(reverse("members:member_add", args=[tree.branch_a1.pk]), member_form())
    edit = client.post(reverse("members:member_edit", args=[register.li.pk]), member_form(name="改名"))

    assert add.status_code == edit.status_code == {"outsider": 404, "anonymous": 302}.get(role, 403)
    assert snapshot() == before


def test_add_and_edit_buttons_only_for_those_who_keep_the_register(client, cast, tree, register):
    add_url = reverse("members:member_add", args=[tree.branch_a1.pk])
    edit_url = reverse("members:member_edit", args=[register.li.pk])
    for role, keeps in [
        ("secretary", True),
        ("committee", True),
        ("org_department", False),
        ("inspector", False),
    ]:
        login(client, cast, role)
        listing = client.get(reverse("members:member_list", args=[tree.branch_a1.pk])).content.decode()
        page = client.get(reverse("members:member_detail", args=[register.li.pk])).content.decode()
        assert (add_url in listing) is keeps, role
        assert (edit_url in page) is keeps, role


# Personal data and the ID number ------------------------------------------------------------

SEES_WHOLE_ID = {"org_department": True, "secretary": True, "committee": False, "inspector": False}


@pytest.mark.parametrize("role", SEES_WHOLE_ID)
def test_id_number_whole_or_masked_by_role(client, cast, tree, register, role):
    login(client, cast, role)

    listing = client.get(reverse("members:member_list", args=[tree.branch_a1.pk])).content.decode()
    page = client.get(reverse("members:member_detail", args=[register.li.pk])).content.decode()

    for html in (listing, page):
        assert (ID_LI in html) is SEES_WHOLE_ID[role]
        assert (MASKED_LI in html) is not SEES_WHOLE_ID[role]
        assert PHONE_LI in html  # inside the branch's scope the phone is shown to all who see it


def test_personal_data_of_the_member_page(client, cast, register):
    login(client, cast, "inspector")

    page = client.get(reverse("members:member_detail", args=[register.li.pk])).content.decode()

    assert "1949-12-31" in page  # the birth date, filled in from the ID number
    assert "一村三组12号" in page


def test_outsider_never_sees_another_branchs_personal_data(client, cast, tree, register):
    login(client, cast, "outsider")

    own = client.get(reverse("members:member_list", args=[tree.branch_b1.pk]))
    theirs = client.get(reverse("members:member_detail", args=[register.li.pk]))

    assert own.status_code == 200
    assert "学校党员" in own.content.decode()
    for html in (own.content.decode(), theirs.content.decode()):
        assert PHONE_LI not in html
        assert "李明" not in html
        assert ID_LI[-6:] not in html
    assert theirs.status_code == 404


def test_committee_editing_does_not_see_the_id_number_and_keeps_it(client, cast, register):
    login(client, cast, "committee")
    edit_url = reverse("members:member_edit", args=[register.li.pk])

    page = client.get(edit_url).content.decode()
    response = client.post(
        edit_url,
        member_form(
            name="李明",
            id_number="",
            birth_date="",
            phone="13911110000",
            group="",
            joined_on="1975-07-01",
            full_member_on="1976-07-01",
        ),
    )

    assert ID_LI not in page
    assert MASKED_LI in page
    assert response.status_code == 302
    register.li.refresh_from_db()
    assert register.li.id_number == ID_LI
    assert register.li.phone == "13911110000"


def test_export_shows_whole_id_numbers_only_where_the_user_sees_them(cast, tree, register):
    # The secretary of 一村 who also serves on 第二党委: whole numbers for 一村, masked for the school.
    give_role(cast.secretary, tree.committee_b, Role.Kind.COMMITTEE)
    register.other.id_number = ID_OTHER
    register.other.save(update_fields=["id_number"])

    exported = MemberResource(user=cast.secretary).export()

    ids = {row[0]: row[3] for row in exported}
    assert ids["李明"] == ID_LI
    assert ids["学校党员"] == "4405**********0013"


# Search, filters and pages ------------------------------------------------------------------


def names(response) -> list[str]:
    return [m.name for m in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "李"}, ["李明"]),
        ({"q": "1370000"}, ["周芳"]),  # by phone
        ({"q": "电商"}, ["周芳"]),  # by 特长
        ({"status": "PROBATIONARY"}, ["周芳"]),
        ({"status": "FULL"}, ["李明", "王失联"]),
        ({"mobile": "on"}, ["周芳"]),
        ({"lost": "on"}, ["王失联"]),
        ({"standing": "SUSPENDED"}, ["王失联"]),
        ({"group": "none"}, ["周芳", "王失联"]),
        ({"q": "学校"}, []),  # another branch's member is never found
        ({"status": "NONSENSE"}, ["李明", "周芳", "王失联"]),  # a bad filter is ignored
    ],
)
def test_search_and_filters(client, cast, tree, register, query, expected):
    add_member(
        branch=tree.branch_a1,
        by=cast.secretary,
        name="王失联",
        gender="M",
        status=Member.Status.FULL,
        party_standing=Member.Standing.SUSPENDED,
        is_lost_contact=True,
        lost_contact_since=datetime.date(2024, 8, 1),
    )
    login(client, cast, "secretary")

    response = client.get(reverse("members:member_list", args=[tree.branch_a1.pk]), query)

    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)


def test_filter_by_group(client, cast, tree, register):
    login(client, cast, "secretary")

    response = client.get(
        reverse("members:member_list", args=[tree.branch_a1.pk]), {"group": tree.group_a1.pk}
    )

    assert names(response) == ["李明"]


def test_pages_of_25_keep_the_filter(client, cast, tree):
    MemberFactory.create_batch(30, branch=tree.branch_a1, status=Member.Status.FULL)
    login(client, cast, "secretary")
    url = reverse("members:member_list", args=[tree.branch_a1.pk])

    first = client.get(url, {"status": "FULL"})
    second = client.get(url, {"status": "FULL", "page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert "status=FULL&amp;page=2" in first.content.decode()


def test_summary_counts_the_whole_branch(client, cast, tree, register):
    login(client, cast, "secretary")

    response = client.get(reverse("members:member_list", args=[tree.branch_a1.pk]), {"q": "李"})

    assert response.context["summary"]["total"] == 2
    assert response.context["summary"]["probationary"] == 1
    assert response.context["summary"]["mobile"] == 1


@pytest.mark.parametrize("count", [5, 50])
def test_list_queries_do_not_grow_with_members(client, cast, tree, django_assert_max_num_queries, count):
    MemberFactory.create_batch(count, branch=tree.branch_a1, group=tree.group_a1, id_number="")
    login(client, cast, "secretary")

    # session, user, the branch (scoped), the branch's 党小组, the summary aggregate, the
    # pager's count, may_keep and sees_id_numbers (one role query each: the secretary's is
    # found first), the user's roles for the top bar, the page of members with their 党小组.
    # None per member.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:member_list", args=[tree.branch_a1.pk]))

    assert len(response.context["page_obj"]) == min(count, 25)


def test_list_query_count_is_the_same_for_5_and_50(client, cast, tree):
    login(client, cast, "committee")  # the 党委: its role checks take the longer way
    url = reverse("members:member_list", args=[tree.branch_a1.pk])
    counts = []
    for total in (5, 50):
        MemberFactory.create_batch(total - Member.objects.count(), branch=tree.branch_a1)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# Adding and changing ------------------------------------------------------------------------


def test_secretary_adds_a_member(client, cast, tree):
    login(client, cast, "secretary")

    response = client.post(
        reverse("members:member_add", args=[tree.branch_a1.pk]),
        member_form(id_number=ID_OTHER.lower(), birth_date="", group=tree.group_a1.pk),
    )

    member = Member.objects.get(name="王强")
    assert response.status_code == 302
    assert response.url == reverse("members:member_detail", args=[member.pk])
    assert (member.branch, member.group, member.id_number) == (tree.branch_a1, tree.group_a1, ID_OTHER)
    assert member.birth_date == datetime.date(1980, 1, 1)  # taken from the ID number
    event = AuditEvent.objects.about(member).get()
    assert (event.verb, event.actor, event.organization) == (
        Verb.REGISTER_MEMBER,
        cast.secretary,
        tree.branch_a1,
    )


def test_committee_edits_a_member_and_the_change_is_audited(client, cast, register):
    login(client, cast, "committee")

    response = client.post(
        reverse("members:member_edit", args=[register.zhou.pk]),
        member_form(
            name="周芳",
            gender="F",
            status="PROBATIONARY",
            full_member_on="",
            joined_on="2026-07-01",
            is_mobile="on",
            mobile_destination="浙江省杭州市",
            phone="13700000002",
            birth_date="",
        ),
    )

    assert response.status_code == 302
    register.zhou.refresh_from_db()
    assert register.zhou.mobile_destination == "浙江省杭州市"
    event = AuditEvent.objects.about(register.zhou).filter(verb=Verb.CHANGE_MEMBER).get()
    assert "外出流向：广东省深圳市 → 浙江省杭州市" in event.summary
    assert event.actor == cast.committee


def test_id_number_never_appears_in_the_audit_summary(cast, register):
    id_zhou = valid_id_number(datetime.date(1996, 3, 8), male=False)
    update_member(member=register.zhou, by=cast.secretary, id_number=id_zhou)

    event = AuditEvent.objects.about(register.zhou).filter(verb=Verb.CHANGE_MEMBER).get()
    assert id_zhou not in event.summary
    assert "公民身份证号：已修改" in event.summary


def errors_of(response) -> dict:
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": "11010519491231002"}, "id_number", "公民身份证号应为 18 位"),
        ({"id_number": "110105194912310021"}, "id_number", "校验位不对"),
        ({"id_number": "11010519491331002X"}, "id_number", "不是有效日期"),
        ({"id_number": ID_LI, "birth_date": ""}, "id_number", "已登记在另一名党员的档案中"),
        ({"id_number": ID_OTHER, "birth_date": "1980-01-03"}, "birth_date", "出生日期与公民身份证号不符"),
        (
            {"joined_on": "2012-07-01", "full_member_on": "2011-07-01"},
            "full_member_on",
            "不能早于加入党组织日期",
        ),
        ({"status": "PROBATIONARY"}, "full_member_on", "预备党员还没有转正"),
        ({"is_mobile": "on"}, "mobile_destination", "流动党员请填写外出流向"),
        ({"is_lost_contact": "on"}, "lost_contact_since", "失联党员请填写失联日期"),
        ({"joined_on": "2026-12-01", "full_member_on": ""}, "joined_on", "不能晚于今天"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"joined_on": "2010-13-01"}, "joined_on", "输入一个有效的日期"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_kept(
    client, cast, tree, register, changes, field, message
):
    login(client, cast, "secretary")
    before = snapshot()
    data = member_form(**changes)

    response = client.post(reverse("members:member_add", args=[tree.branch_a1.pk]), data)

    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)[field]), errors_of(response)
    html = response.content.decode()
    assert 'class="field__error"' in html
    assert 'value="农机维修"' in html  # what was typed stays
    assert snapshot() == before


def test_several_problems_are_all_shown_at_once(client, cast, tree, register):
    login(client, cast, "secretary")

    response = client.post(
        reverse("members:member_add", args=[tree.branch_a1.pk]),
        member_form(id_number="123", is_mobile="on", is_lost_contact="on", joined_on="bad"),
    )

    assert set(errors_of(response)) >= {"id_number", "mobile_destination", "lost_contact_since", "joined_on"}


def test_group_must_be_one_of_the_branchs_own(client, cast, tree, register):
    other_group = make_org(tree.branch_a2, Kind.GROUP, "二村第一党小组", code="A2G1")
    login(client, cast, "secretary")

    page = client.get(reverse("members:member_add", args=[tree.branch_a1.pk])).content.decode()
    response = client.post(
        reverse("members:member_add", args=[tree.branch_a1.pk]), member_form(group=other_group.pk)
    )

    assert "第一党小组" in page
    assert "二村第一党小组" not in page
    assert "group" in errors_of(response)
    assert not Member.objects.filter(name="王强").exists()


def test_an_id_number_on_file_that_fails_the_check_does_not_block_other_changes(cast, tree):
    legacy = MemberFactory(branch=tree.branch_a1, name="老党员", id_number="430124198001011234")

    update_member(member=legacy, by=cast.committee, phone="13800000001")

    legacy.refresh_from_db()
    assert (legacy.phone, legacy.id_number) == ("13800000001", "430124198001011234")
    with pytest.raises(RegisterError, match="校验位不对"):
        update_member(member=legacy, by=cast.secretary, id_number="430124198001011235")


def test_no_longer_mobile_clears_the_destination(cast, register):
    update_member(member=register.zhou, by=cast.secretary, is_mobile=False)

    register.zhou.refresh_from_db()
    assert (register.zhou.is_mobile, register.zhou.mobile_destination) == (False, "")


def test_a_partial_update_keeps_what_it_does_not_mention(cast, tree):
    member = add_member(
        branch=tree.branch_a1,
        by=cast.secretary,
        name="赵失联",
        gender="M",
        is_lost_contact=True,
        lost_contact_since=datetime.date(2024, 8, 1),
    )

    update_member(member=member, by=cast.secretary, phone="13800000000")

    member.refresh_from_db()
    assert (member.phone, member.lost_contact_since) == ("13800000000", datetime.date(2024, 8, 1))


def test_a_probationary_status_with_a_full_member_date_on_file_is_refused(cast, register):
    with pytest.raises(RegisterError) as refused:
        update_member(member=register.li, by=cast.secretary, status=Member.Status.PROBATIONARY)

    assert "full_member_on" in refused.value.message_dict


def test_the_service_refuses_an_inspector(cast, tree):
    with pytest.raises(RegisterError, match="只有本支部书记或上级党委"):
        add_member(branch=tree.branch_a1, by=cast.inspector, name="某人", gender="M")
    assert not Member.objects.exists()


# A member's page ------------------------------------------------------------------------------


def fill_history(member, tree, count: int) -> None:
    """`count` meetings attended, dues months, services this year, pairings and plaques."""
    for i in range(count):
        meeting = Meeting.objects.create(
            organization=tree.branch_a1,
            kind=Meeting.Kind.THEME_DAY,
            held_on=TODAY - datetime.timedelta(days=7 * i),
            topic=f"主题党日{i}",
        )
        Attendance.objects.create(
            meeting=meeting,
            member=member,
            status=Attendance.Status.ABSENT if i == 0 else Attendance.Status.PRESENT,
        )
    month = TODAY.replace(day=1)
    for _ in range(min(count, 12)):
        DuesPayment.objects.create(member=member, month=month, amount=Decimal("10"), paid_on=month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            member=member,
            served_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300),
            place="村委会",
            content=f"志愿服务{i}",
            verified_at=timezone.now(),
        )
        for i in range(count)
    )
    for i in range(count):
        household = HouseholdFactory(branch=tree.branch_a1)
        Pairing.objects.create(member=member, household=household)
        Plaque.objects.create(
            member=member,
            title=Plaque.Title.DOUBLE_LEAD,
            method=Plaque.Method.BRANCH_SELECTION,
            year=2000 + i,
        )


def test_member_page_shows_meetings_dues_services_and_stars(client, cast, tree, register):
    StarRule.objects.create(
        organization=tree.committee_a, one_star=2, two_stars=4, three_stars=6, four_stars=8, five_stars=10
    )
    fill_history(register.li, tree, 5)
    ServiceRecord.objects.create(member=register.li, served_on=TODAY, place="村部", content="未核实的服务")
    login(client, cast, "inspector")

    response = client.get(reverse("members:member_detail", args=[register.li.pk]))

    html = response.content.decode()
    assert response.context["verified"] == 5
    assert response.context["stars"] == 2  # 5 verified under the 党委's 2/4/6/8/10 rule
    assert "2 星党员志愿者" in html
    assert "另有 1 次待核实" in html
    assert "主题党日0" in html and "缺席" in html
    dues = {d.month: d.state for d in response.context["dues"]}
    assert dues[datetime.date(2026, 11, 1)] == "on_time"
    assert dues[datetime.date(2026, 6, 1)] == "unpaid"
    assert "双带致富户" in html


def test_member_page_counts_a_repeated_service_once(client, cast, register):
    for _ in range(2):
        ServiceRecord.objects.create(
            member=register.li, served_on=TODAY, place="村部", content="送米面油", verified_at=timezone.now()
        )
    login(client, cast, "secretary")

    response = client.get(reverse("members:member_detail", args=[register.li.pk]))

    assert response.context["verified"] == 1
    assert "重复，只计一次" in response.content.decode()


def test_dues_before_joining_are_not_owed(client, cast, register):
    login(client, cast, "secretary")

    response = client.get(reverse("members:member_detail", args=[register.zhou.pk]))

    dues = {d.month: d.state for d in response.context["dues"]}
    assert dues[datetime.date(2026, 6, 1)] == "before"
    assert dues[datetime.date(2026, 7, 1)] == "unpaid"
    assert dues[datetime.date(2026, 11, 1)] == "due"


def test_member_page_query_count_is_the_same_for_5_and_50(client, cast, tree, register):
    login(client, cast, "secretary")
    url = reverse("members:member_detail", args=[register.li.pk])
    counts = []
    for count, member in ((5, register.li), (50, register.zhou)):
        fill_history(member, tree, count)
        url = reverse("members:member_detail", args=[member.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["services"]) == count
        counts.append(len(queries))

    # session, user, the member with branch and group, recent meetings, the year's attendance
    # counts, dues, services, the star rule, pairings, plaques, sees_id_numbers and may_keep
    # (one role query each for the secretary), the user's roles for the top bar.
    assert counts[0] == counts[1] <= 13, counts
