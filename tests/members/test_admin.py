"""The members admin: every page answers, the register is scoped, the 采集表 roster imports as it is."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from members.models import (
    Applicant,
    Attendance,
    DevelopmentStage,
    DuesPayment,
    Household,
    Meeting,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
    StarRule,
)
from members.resources import MemberResource
from organizations.models import Role
from organizations.permissions import grant_admin_access
from tests.admin_support import admin_url, assert_admin_pages_answer, registered
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

ID_A = "430124198001011231"
ID_B = "430124198502025674"
HEADERS = (
    "姓名,性别,民族,公民身份证号,出生日期,学历,人员类别,所在党支部,加入党组织日期,转为正式党员日期,"
    "工作岗位,联系电话,家庭住址,党籍状态,是否为失联党员,是否为流动党员"
)
ROSTER = f"""{HEADERS}
李明,男,汉族,{ID_A},1980-01-01,高中/中专,正式党员,一村党支部,2005-07-01,2006-07-01,农牧渔民,13800000001,一村3组,正常,否,否
周芳,女,土家族,,1990/5/6,本科,预备党员,A1,2025年7月1日,,教师,13800000002,,正常,否,是
"""


def make_member(branch, name, id_number="", **kwargs):
    return Member.objects.create(name=name, gender="M", branch=branch, id_number=id_number, **kwargs)


@pytest.fixture
def records(tree, cast):
    """A member and a record of each kind in the secretary's branch and in the outsider's."""
    made = {}
    for key, branch, meeting_place in (
        ("own", tree.branch_a1, tree.group_a1),
        ("other", tree.branch_b1, tree.branch_b1),
    ):
        member = make_member(branch, f"{branch.name}党员", id_number=ID_A if key == "own" else ID_B)
        applicant = Applicant.objects.create(name=f"{branch.name}申请人", gender="F", branch=branch)
        DevelopmentStage.objects.create(
            applicant=applicant, stage="APPLICANT", reached_on=datetime.date(2026, 3, 1)
        )
        DuesPayment.objects.create(
            member=member,
            month=datetime.date(2026, 5, 1),
            amount=Decimal("10"),
            paid_on=datetime.date(2026, 5, 8),
        )
        meeting = Meeting.objects.create(
            organization=meeting_place,
            kind="THEME_DAY",
            held_on=datetime.date(2026, 5, 1),
            topic=f"{branch.name}主题党日",
        )
        Attendance.objects.create(meeting=meeting, member=member)
        household = Household.objects.create(branch=branch, name="张大爷", category="HARDSHIP")
        ServiceRecord.objects.create(
            member=member,
            served_on=datetime.date(2026, 5, 2),
            place="村部",
            content="代购药品",
            household=household,
        )
        Pairing.objects.create(member=member, household=household)
        Plaque.objects.create(
            member=member, title="FIVE_STAR_HOUSEHOLD", method="BRANCH_SELECTION", year=2026
        )
        StarRule.objects.create(organization=branch)
        made[key] = member
    return made


@pytest.fixture
def clerk(tree):
    """A 组织部 clerk of 第一党委 (一村 is theirs, the school branch is not)."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    return clerk


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def import_roster(client, text):
    upload = SimpleUploadedFile("roster.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(admin_url(Member, "import"), {"import_file": upload, "format": 0, "resource": 0})


def load(text):
    return tablib.Dataset().load(text, format="csv")


# Every page answers --------------------------------------------------------------------------


@pytest.mark.parametrize("model", registered("members"), ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_superuser(admin_client, admin_user, records, model):
    assert_admin_pages_answer(admin_client, admin_user, model)


def test_import_and_export_pages_answer_for_superuser(admin_client, records):
    assert admin_client.get(admin_url(Member, "import")).status_code == 200
    assert admin_client.get(admin_url(Member, "export")).status_code == 200


# Scoping -----------------------------------------------------------------------------------


def test_clerk_sees_only_own_committees_members(clerk_client, records):
    response = clerk_client.get(admin_url(Member, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [records["own"]]


def test_clerk_sees_meetings_of_own_branches_and_their_groups(clerk_client, records, tree):
    response = clerk_client.get(admin_url(Meeting, "changelist"))

    assert response.status_code == 200
    assert {meeting.organization for meeting in response.context["cl"].result_list} == {tree.group_a1}


def test_clerk_sees_only_own_committees_records(clerk_client, records):
    for model, member_of in (
        (DuesPayment, lambda row: row.member),
        (ServiceRecord, lambda row: row.member),
        (Pairing, lambda row: row.member),
        (Plaque, lambda row: row.member),
        (Attendance, lambda row: row.member),
    ):
        response = clerk_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model.__name__
        assert {member_of(row) for row in response.context["cl"].result_list} == {records["own"]}, (
            model.__name__
        )


def test_other_committees_member_page_is_not_shown_to_clerk(clerk_client, records):
    response = clerk_client.get(admin_url(Member, "change", records["other"].pk))

    assert response.status_code in (302, 404)
    assert "实验学校党支部党员" not in response.content.decode()


def test_branch_filter_offers_only_branches_in_scope(clerk_client, records):
    response = clerk_client.get(admin_url(Member, "changelist"))

    page = response.content.decode()
    assert "一村党支部" in page
    assert "实验学校党支部" not in page


def test_id_number_is_masked_in_the_list(admin_client, records):
    response = admin_client.get(admin_url(Member, "changelist"))

    page = response.content.decode()
    assert "4301**********1231" in page
    assert ID_A not in page


def test_id_numbers_beyond_the_clerks_committee_are_masked(clerk_client, clerk, records, tree):
    # As an inspector of the county the clerk sees the school branch's members too, but their
    # ID numbers are for their own branch and the 组织部 above it.
    give_role(clerk, tree.work, Role.Kind.INSPECTOR)

    own = clerk_client.get(admin_url(Member, "change", records["own"].pk))
    other = clerk_client.get(admin_url(Member, "change", records["other"].pk))

    assert own.status_code == other.status_code == 200
    assert ID_A in own.content.decode()
    assert ID_B not in other.content.decode()
    assert "4301**********5674" in other.content.decode()


def test_the_register_and_a_branchs_records_are_read_only_below_superuser(clerk_client, records):
    member = records["own"]
    before = Member.objects.filter(pk=member.pk).values().get()

    posted = clerk_client.post(admin_url(Member, "change", member.pk), {"name": "改名", "gender": "F"})

    assert posted.status_code == 403
    assert Member.objects.filter(pk=member.pk).values().get() == before
    assert clerk_client.get(admin_url(Member, "import")).status_code == 403
    assert clerk_client.get(admin_url(Member, "export")).status_code == 200
    for model in (
        Member,
        Applicant,
        DuesPayment,
        Meeting,
        Attendance,
        ServiceRecord,
        Household,
        Pairing,
        Plaque,
    ):
        assert clerk_client.get(admin_url(model, "add")).status_code == 403, model.__name__


@pytest.mark.parametrize("count", [3, 30])
def test_member_changelist_queries_do_not_grow(clerk_client, tree, django_assert_max_num_queries, count):
    for i in range(count):
        make_member(tree.branch_a1, f"党员{i}")

    # session, user, whether the user holds a 组织部 role (the admin site's gate), the user's
    # and the groups' permissions, the branch filter's choices, the paginator's count, the
    # unfiltered count, the rows with their branch. None per row.
    with django_assert_max_num_queries(9):
        response = clerk_client.get(admin_url(Member, "changelist"))

    assert len(response.context["cl"].result_list) == count


# Import and export ------------------------------------------------------------------------


def test_roster_imports_in_the_collection_form_layout(admin_client, tree):
    preview = import_roster(admin_client, ROSTER)
    confirm = preview.context["confirm_form"]
    assert confirm is not None

    response = admin_client.post(admin_url(Member, "process_import"), confirm.initial)

    assert response.status_code == 302
    li = Member.objects.get(name="李明")
    zhou = Member.objects.get(name="周芳")
    assert (li.branch, li.gender, li.education, li.status, li.occupation, li.party_standing) == (
        tree.branch_a1,
        "M",
        "60",
        "FULL",
        "09",
        "NORMAL",
    )
    assert (zhou.status, zhou.occupation) == ("PROBATIONARY", "03")
    assert li.joined_on == datetime.date(2005, 7, 1)
    assert (zhou.branch, zhou.ethnicity, zhou.birth_date, zhou.is_mobile) == (
        tree.branch_a1,
        "土家族",
        datetime.date(1990, 5, 6),
        True,
    )
    assert zhou.joined_on == datetime.date(2025, 7, 1)


def test_row_with_a_known_id_number_updates_that_member(tree):
    MemberResource().import_data(load(ROSTER), dry_run=False)
    changed = ROSTER.replace("13800000001", "13900000009")

    result = MemberResource().import_data(load(changed), dry_run=False)

    assert not result.has_validation_errors()
    assert Member.objects.filter(name="李明").count() == 1
    assert Member.objects.get(name="李明").phone == "13900000009"


def test_roster_with_a_bad_row_imports_nothing(admin_client, tree):
    bad = ROSTER + "王五,未知,汉族,,1970-01-01,初中,工人,不存在的支部,2000-01-01,,,,,正常,否,否\n"

    response = import_roster(admin_client, bad)

    page = response.content.decode()
    assert "找不到党支部“不存在的支部”" in page
    assert "“未知”不是有效的选项" in page
    assert response.context.get("confirm_form") is None
    assert not Member.objects.exists()


def test_secretary_cannot_import_into_another_branch(cast, tree):
    row = f"{HEADERS}\n赵六,男,汉族,,,,,实验学校党支部,,,,,,正常,否,否\n"

    result = MemberResource(user=cast.secretary).import_data(load(row), dry_run=True)

    assert "不在您的管辖范围内" in str(result.invalid_rows[0].error_dict["所在党支部"])


def test_export_has_the_collection_form_columns(records, cast):
    exported = MemberResource(user=cast.secretary).export()

    # The 采集表's 16 items in its order, each followed by the details the register keeps with it.
    assert exported.headers[:19] == [
        *HEADERS.split(",")[:12],
        "固定电话",
        "家庭住址",
        "党籍状态",
        "是否为失联党员",
        "失去联系日期",
        "是否为流动党员",
        "外出流向",
    ]
    assert [row[0] for row in exported] == ["一村党支部党员"]
    assert exported[0][3] == ID_A
    assert exported[0][7] == "一村党支部"


def test_export_masks_id_numbers_for_a_committee(records, cast):
    exported = MemberResource(user=cast.committee).export()

    assert exported[0][3] == "4301**********1231"


@pytest.mark.parametrize(
    "query", ["id_number__startswith=1101", "id_number=110105198803157219", "id_number__contains=0315"]
)
def test_masked_id_numbers_cannot_be_filtered(clerk_client, tree, query):
    make_member(tree.branch_a1, "李明")
    response = clerk_client.get(admin_url(Member, "changelist") + "?" + query)
    # Django refuses a lookup the admin does not allow: the list answers its "invalid filter"
    # redirect (?e=1) or a 400 — never a list that tells 1 row from 0.
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")


def test_masked_id_numbers_are_neither_searched_nor_sortable(clerk_client, tree):
    make_member(tree.branch_a1, "李明")
    response = clerk_client.get(admin_url(Member, "changelist") + "?q=110105")
    changelist = response.context["cl"]
    assert "id_number" not in changelist.search_fields
    sortable = changelist.model_admin.get_sortable_by(response.wsgi_request)
    assert "id_number_masked" not in sortable or not getattr(
        changelist.model_admin.id_number_masked, "admin_order_field", None
    )
