"""帮扶对象, 结对 and 挂牌 for each role; the village plan's pairing limit; one plaque per title a year.

一村党支部 (A1) keeps them: its secretary and the 第一党委 above may add and change, the 组织部
and the inspector read, the outsider (secretary of the school branch) sees nothing of A1.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.models import Household, Pairing, Plaque
from members.services.star_service import award_plaque, pair_member, save_household
from organizations.models import AuditEvent, Verb
from tests.members.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
KEEP = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}
FIVE_STAR = Plaque.Title.FIVE_STAR_HOUSEHOLD
BY_PUBLIC = Plaque.Method.PUBLIC_RECOMMENDATION


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
def household(tree, cast):
    return save_household(
        branch=tree.branch_a1,
        by=cast.secretary,
        name="李大娘",
        category=Household.Category.HARDSHIP,
        needs="房屋修缮",
        address="一村三组8号",
        phone="13800001111",
    )


@pytest.fixture
def pairing(tree, cast, member, household):
    return pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=household)


@pytest.fixture
def plaque(tree, cast, member):
    return award_plaque(
        branch=tree.branch_a1, by=cast.secretary, member=member, title=FIVE_STAR, method=BY_PUBLIC, year=2025
    )


def url(name, branch, *args):
    return reverse(name, args=[branch.pk, *args])


def assert_answer(response, role, expected):
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected[role]


def household_data(**overrides):
    data = {
        "name": "张大爷",
        "category": "DISABLED",
        "needs": "代购生活用品",
        "address": "一村二组3号",
        "phone": "",
    }
    return {**data, **overrides}


# Each page for each role --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_household_list_answers_each_role(as_role, tree, pairing, role):
    response = as_role(role).get(url("members:household_list", tree.branch_a1))
    assert_answer(response, role, READ)
    if response.status_code == 200:
        assert "李大娘" in response.text
        assert "13800001111" in response.text  # phone shown inside the branch's scope
        assert "王建国" in response.text
        assert ("登记帮扶对象" in response.text) == (KEEP[role] == 200)


@pytest.mark.parametrize("role", ROLES)
def test_plaque_list_answers_each_role(as_role, tree, plaque, role):
    response = as_role(role).get(url("members:plaque_list", tree.branch_a1))
    assert_answer(response, role, READ)
    if response.status_code == 200:
        assert "五星级党员示范户" in response.text
        assert (reverse("members:plaque_add", args=[tree.branch_a1.pk]) in response.text) == (
            KEEP[role] == 200
        )


@pytest.mark.parametrize("role", ROLES)
def test_household_add_only_keepers(as_role, tree, role):
    client = as_role(role)
    assert_answer(client.get(url("members:household_add", tree.branch_a1)), role, KEEP)
    response = client.post(url("members:household_add", tree.branch_a1), household_data())
    if KEEP.get(role) == 200:
        assert response.status_code == 302
    else:
        assert_answer(response, role, KEEP)
    assert Household.objects.filter(name="张大爷").exists() == (KEEP.get(role) == 200)


@pytest.mark.parametrize("role", ROLES)
def test_household_edit_only_keepers(as_role, tree, household, role):
    client = as_role(role)
    edit = url("members:household_edit", tree.branch_a1, household.pk)
    assert_answer(client.get(edit), role, KEEP)
    client.post(edit, household_data(name="李大娘", needs="冬季取暖"))
    household.refresh_from_db()
    assert (household.needs == "冬季取暖") == (KEEP.get(role) == 200)


@pytest.mark.parametrize("role", ROLES)
def test_pairing_add_only_keepers(as_role, tree, member, household, role):
    client = as_role(role)
    assert_answer(client.get(url("members:pairing_add", tree.branch_a1)), role, KEEP)
    client.post(url("members:pairing_add", tree.branch_a1), {"member": member.pk, "household": household.pk})
    assert Pairing.objects.exists() == (KEEP.get(role) == 200)


@pytest.mark.parametrize("role", ROLES)
def test_pairing_remove_only_keepers(as_role, tree, pairing, role):
    client = as_role(role)
    remove = url("members:pairing_remove", tree.branch_a1, pairing.pk)
    assert_answer(client.get(remove), role, KEEP)
    client.post(remove)
    assert Pairing.objects.filter(pk=pairing.pk).exists() == (KEEP.get(role) != 200)


@pytest.mark.parametrize("role", ROLES)
def test_plaque_add_only_keepers(as_role, tree, member, role):
    client = as_role(role)
    assert_answer(client.get(url("members:plaque_add", tree.branch_a1)), role, KEEP)
    data = {"member": member.pk, "title": "DOUBLE_LEAD", "method": "BRANCH_SELECTION", "year": "2025"}
    client.post(url("members:plaque_add", tree.branch_a1), data)
    assert Plaque.objects.exists() == (KEEP.get(role) == 200)


@pytest.mark.parametrize("role", ROLES)
def test_plaque_remove_only_keepers(as_role, tree, plaque, role):
    client = as_role(role)
    remove = url("members:plaque_remove", tree.branch_a1, plaque.pk)
    assert_answer(client.get(remove), role, KEEP)
    client.post(remove)
    assert Plaque.objects.filter(pk=plaque.pk).exists() == (KEEP.get(role) != 200)


def test_rows_of_another_branch_are_404_through_this_branch(client, cast, tree):
    theirs = save_household(branch=tree.branch_a2, by=cast.committee, name="外村户", category="FARMING")
    their_member = MemberFactory(branch=tree.branch_a2)
    their_pairing = pair_member(
        branch=tree.branch_a2, by=cast.committee, member=their_member, household=theirs
    )
    their_plaque = award_plaque(
        branch=tree.branch_a2,
        by=cast.committee,
        member=their_member,
        title=FIVE_STAR,
        method=BY_PUBLIC,
        year=2025,
    )
    client.force_login(cast.secretary)
    a1 = tree.branch_a1
    assert client.get(url("members:household_edit", a1, theirs.pk)).status_code == 404
    assert client.get(url("members:pairing_remove", a1, their_pairing.pk)).status_code == 404
    assert client.get(url("members:plaque_remove", a1, their_plaque.pk)).status_code == 404
    assert client.get(url("members:household_list", tree.branch_a2)).status_code == 404


# Households ---------------------------------------------------------------------------------


def test_a_household_is_registered_with_an_audit_event(tree, cast, household):
    event = AuditEvent.objects.about(tree.branch_a1).get(verb=Verb.ADD_HOUSEHOLD)
    assert event.actor == cast.secretary
    assert "李大娘" in event.summary


def test_a_change_to_a_household_is_recorded_before_and_after(tree, cast, household):
    save_household(
        branch=tree.branch_a1, by=cast.secretary, household=household, name="李大娘", category="LOW_INCOME"
    )
    event = AuditEvent.objects.about(tree.branch_a1).get(verb=Verb.CHANGE_HOUSEHOLD)
    assert "困难户 → 低保户" in event.summary


def test_bad_household_input_comes_back_beside_the_fields(client, cast, tree):
    client.force_login(cast.secretary)
    response = client.post(
        url("members:household_add", tree.branch_a1), household_data(category="", phone="abc")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"category", "phone"}
    assert "请填写正确的电话号码" in response.text
    assert "代购生活用品" in response.text  # what was typed is kept
    assert not Household.objects.exists()


def test_the_list_filters_by_category_and_shows_service_counts(client, cast, tree, household):
    HouseholdFactory(branch=tree.branch_a1, name="种粮大户", category=Household.Category.FARMING)
    client.force_login(cast.secretary)
    response = client.get(url("members:household_list", tree.branch_a1), {"category": "FARMING"})
    assert [h.name for h in response.context["households"]] == ["种粮大户"]
    assert response.context["by_category"]["total"] == 2


# Pairings -----------------------------------------------------------------------------------


def test_a_member_may_pair_with_two_households(tree, cast, member, household):
    second = HouseholdFactory(branch=tree.branch_a1, category=Household.Category.FARMING)
    pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=household)
    pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=second)
    assert member.pairings.count() == 2
    assert AuditEvent.objects.about(member).filter(verb=Verb.PAIR).count() == 2


def test_a_third_household_is_refused_with_the_plans_rule(tree, cast, member):
    first, second, third = (HouseholdFactory(branch=tree.branch_a1) for _ in range(3))
    pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=first)
    pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=second)
    with pytest.raises(ValidationError) as refused:
        pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=third)
    message = refused.value.error_dict["member"][0].messages[0]
    assert "每位党员建立帮扶联系1—2名种养户或联系1名贫困户" in message
    assert "不能再结对第三户" in message
    assert member.pairings.count() == 2


def test_the_pairing_form_shows_the_refusal_beside_the_member(client, cast, tree, member):
    first, second, third = (HouseholdFactory(branch=tree.branch_a1) for _ in range(3))
    for h in (first, second):
        pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=h)
    client.force_login(cast.secretary)
    response = client.post(
        url("members:pairing_add", tree.branch_a1), {"member": member.pk, "household": third.pk}
    )
    assert response.status_code == 200
    assert "不能再结对第三户" in response.context["form"].errors["member"][0]
    assert member.pairings.count() == 2


def test_the_same_pair_twice_is_refused(tree, cast, pairing):
    with pytest.raises(ValidationError, match="已经与李大娘结对"):
        pair_member(
            branch=tree.branch_a1, by=cast.secretary, member=pairing.member, household=pairing.household
        )


def test_a_household_of_another_branch_cannot_be_chosen(client, cast, tree, member):
    theirs = HouseholdFactory(branch=tree.branch_a2)
    client.force_login(cast.secretary)
    response = client.post(
        url("members:pairing_add", tree.branch_a1), {"member": member.pk, "household": theirs.pk}
    )
    assert "household" in response.context["form"].errors
    with pytest.raises(ValidationError):
        pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=theirs)
    assert not Pairing.objects.exists()


def test_members_without_a_pairing_are_listed(client, cast, tree, pairing):
    MemberFactory(branch=tree.branch_a1, name="孙未结")
    MemberFactory(branch=tree.branch_a2, name="外支部党员")
    client.force_login(cast.secretary)
    response = client.get(url("members:household_list", tree.branch_a1))
    assert [m.name for m in response.context["unpaired"]] == ["孙未结"]


def test_removing_a_pairing_frees_a_place(client, cast, tree, pairing):
    client.force_login(cast.secretary)
    response = client.post(url("members:pairing_remove", tree.branch_a1, pairing.pk))
    assert response.status_code == 302
    assert not Pairing.objects.exists()
    assert AuditEvent.objects.about(pairing.member).filter(verb=Verb.UNPAIR).exists()


# Plaques ------------------------------------------------------------------------------------


def test_one_plaque_per_member_title_and_year(tree, cast, plaque):
    with pytest.raises(ValidationError) as refused:
        award_plaque(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=plaque.member,
            title=FIVE_STAR,
            method=Plaque.Method.BRANCH_SELECTION,
            year=2025,
        )
    assert "同一称号每年只挂一次" in refused.value.error_dict["title"][0].messages[0]
    # Another year or another title is a plaque of its own.
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=plaque.member,
        title=FIVE_STAR,
        method=BY_PUBLIC,
        year=2026,
    )
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=plaque.member,
        title=Plaque.Title.DOUBLE_LEAD,
        method=Plaque.Method.SELF_NOMINATION,
        year=2025,
    )
    assert Plaque.objects.count() == 3


def test_the_plaque_form_shows_the_repeat_beside_the_title(client, cast, tree, plaque):
    client.force_login(cast.secretary)
    data = {"member": plaque.member_id, "title": FIVE_STAR, "method": "SELF_NOMINATION", "year": "2025"}
    response = client.post(url("members:plaque_add", tree.branch_a1), data)
    assert response.status_code == 200
    assert "同一称号每年只挂一次" in response.context["form"].errors["title"][0]
    assert Plaque.objects.count() == 1


def test_a_plaque_year_in_the_future_is_refused(client, cast, tree, member):
    client.force_login(cast.secretary)
    data = {"member": member.pk, "title": FIVE_STAR, "method": "SELF_NOMINATION", "year": "2099"}
    response = client.post(url("members:plaque_add", tree.branch_a1), data)
    assert "year" in response.context["form"].errors


def test_plaques_filter_by_year_and_title(client, cast, tree, plaque):
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=plaque.member,
        title=Plaque.Title.NEW_COUNTRYSIDE,
        method=BY_PUBLIC,
        year=2024,
        awarded_on=datetime.date(2024, 12, 28),
    )
    client.force_login(cast.secretary)
    plaques_url = url("members:plaque_list", tree.branch_a1)
    assert [p.year for p in client.get(plaques_url, {"year": 2024}).context["plaques"]] == [2024]
    titles = [p.title for p in client.get(plaques_url, {"title": FIVE_STAR}).context["plaques"]]
    assert titles == [FIVE_STAR]
    assert len(client.get(plaques_url, {"year": "abc"}).context["plaques"]) == 2


# Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 50])
def test_household_list_query_count_does_not_grow(client, cast, tree, rows, django_assert_max_num_queries):
    households = [HouseholdFactory(branch=tree.branch_a1) for _ in range(rows)]
    for i, h in enumerate(households):
        member = MemberFactory(branch=tree.branch_a1)
        pair_member(branch=tree.branch_a1, by=cast.secretary, member=member, household=h)
        if i % 3 == 0:
            MemberFactory(branch=tree.branch_a1)  # one without a pairing
    client.force_login(cast.secretary)
    # session, user; the branch; counts by category (one aggregate); the page's count and rows
    # (with service count and last service date); their pairings with members (one prefetch);
    # members without a pairing; may_keep (one role query); the top bar's roles.
    with django_assert_max_num_queries(10):
        response = client.get(url("members:household_list", tree.branch_a1))
    assert len(response.context["households"]) == min(rows, 25)


@pytest.mark.parametrize("rows", [5, 50])
def test_plaque_list_query_count_does_not_grow(client, cast, tree, rows, django_assert_max_num_queries):
    for i in range(rows):
        award_plaque(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=MemberFactory(branch=tree.branch_a1),
            title=FIVE_STAR,
            method=BY_PUBLIC,
            year=2020 + i % 6,
        )
    client.force_login(cast.secretary)
    # session, user; the branch; the years (the filter); the page's count and rows with their
    # member; may_keep (one role query); the top bar's roles.
    with django_assert_max_num_queries(8):
        response = client.get(url("members:plaque_list", tree.branch_a1))
    assert len(response.context["plaques"]) == min(rows, 25)
