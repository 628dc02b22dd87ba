"""members.policies: every policy for each role of the cast on 一村党支部 (A1), and the pages'
refusals carrying the policy's own reason.

A1's secretary keeps its records and alone verifies services; the 第一党委 above keeps them too;
the 组织部 and the inspector read; the outsider is the school branch's secretary; anonymous is
nobody signed in.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from members import policies
from members.services.star_service import record_service, verify_services
from tests.members.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]
KEEPERS = {"committee", "secretary"}
DAY = datetime.date(2026, 3, 2)

# Every "may this user change A1's records?" policy that a keeper of A1 passes.
KEEPER_POLICIES = {
    policies.cannot_keep_register: "维护党员名册",
    policies.cannot_develop_members: "登记发展党员",
    policies.cannot_record_dues: "登记党费",
    policies.cannot_keep_meetings: "登记会议和出勤",
    policies.cannot_record_services: "记录星级服务",
    policies.cannot_keep_households: "维护帮扶对象和结对",
    policies.cannot_award_plaques: "挂牌或撤销挂牌",
    policies.cannot_import_records: "导入本支部的记录",
}


def user_of(cast, role):
    return AnonymousUser() if role == "anonymous" else getattr(cast, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("policy", KEEPER_POLICIES, ids=lambda policy: policy.__name__)
def test_keepers_of_the_branch_may_change_its_records(cast, tree, policy, role):
    reason = policy(user_of(cast, role), tree.branch_a1)
    if role in KEEPERS:
        assert reason is None
    else:
        assert reason == f"只有本支部书记或上级党委可以{KEEPER_POLICIES[policy]}。"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_branch_secretary_verifies_services(cast, tree, role):
    reason = policies.cannot_verify_services(user_of(cast, role), tree.branch_a1)
    if role == "secretary":
        assert reason is None
    else:
        assert reason == "只有本支部书记可以核实星级服务记录。"


@pytest.fixture
def records(cast, tree):
    """Two services of an A1 member, entered by the secretary; the second one verified."""
    member = MemberFactory(branch=tree.branch_a1)

    def enter(content):
        return record_service(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=member,
            served_on=DAY,
            place="村委会",
            content=content,
            hours=Decimal("1"),
        )

    pending, verified = enter("打扫村道"), enter("探望老党员")
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[verified])
    return pending, verified


@pytest.mark.parametrize("role", ROLES)
def test_an_unverified_service_is_removed_by_a_keeper(cast, records, role):
    reason = policies.cannot_remove_service(user_of(cast, role), records[0])
    if role in KEEPERS:
        assert reason is None
    else:
        assert reason == "只有本支部书记或上级党委可以记录星级服务。"


@pytest.mark.parametrize("role", ROLES)
def test_a_verified_service_is_removed_only_by_the_secretary(cast, records, role):
    reason = policies.cannot_remove_service(user_of(cast, role), records[1])
    if role == "secretary":
        assert reason is None
    elif role == "committee":
        assert reason == policies.VERIFIED_SERVICE_REMOVAL
    else:
        assert reason == "只有本支部书记或上级党委可以记录星级服务。"


@pytest.mark.parametrize("role", ROLES)
def test_whole_id_numbers_are_for_the_secretary_and_the_org_department(cast, tree, role):
    shown = policies.sees_id_numbers(user_of(cast, role), tree.branch_a1)
    assert shown is (role in {"secretary", "org_department"})


@pytest.mark.parametrize("role", ROLES)
def test_a_group_is_kept_by_the_keepers_of_its_branch(cast, tree, role):
    assert (policies.cannot_keep_meetings(user_of(cast, role), tree.group_a1) is None) is (role in KEEPERS)


# The pages answer a refused action with 403 and the policy's reason ---------------------------


def refused_pages(tree, member, record, household):
    """(url, method, the policy's reason for the inspector) for every write the pages offer."""
    keep = "只有本支部书记或上级党委可以"
    branch = tree.branch_a1.pk
    return [
        (reverse("members:member_add", args=[branch]), "get", keep + "维护党员名册。"),
        (reverse("members:member_edit", args=[member.pk]), "get", keep + "维护党员名册。"),
        (reverse("members:applicant_add", args=[branch]), "get", keep + "登记发展党员。"),
        (
            reverse("members:dues_record", args=[branch]) + f"?member={member.pk}&month=2026-03",
            "get",
            keep + "登记党费。",
        ),
        (reverse("members:meeting_add", args=[branch]), "get", keep + "登记会议和出勤。"),
        (reverse("members:service_add", args=[branch]), "get", keep + "记录星级服务。"),
        (reverse("members:service_edit", args=[branch, record.pk]), "get", keep + "记录星级服务。"),
        (reverse("members:service_remove", args=[branch, record.pk]), "get", keep + "记录星级服务。"),
        (reverse("members:service_verify", args=[branch]), "post", "只有本支部书记可以核实星级服务记录。"),
        (reverse("members:household_add", args=[branch]), "get", keep + "维护帮扶对象和结对。"),
        (
            reverse("members:household_edit", args=[branch, household.pk]),
            "get",
            keep + "维护帮扶对象和结对。",
        ),
        (reverse("members:pairing_add", args=[branch]), "get", keep + "维护帮扶对象和结对。"),
        (reverse("members:plaque_add", args=[branch]), "get", keep + "挂牌或撤销挂牌。"),
    ]


def test_every_refused_page_says_the_policys_reason(client, cast, tree, records):
    household = HouseholdFactory(branch=tree.branch_a1)
    client.force_login(cast.inspector)
    for url, method, reason in refused_pages(tree, records[0].member, records[0], household):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert reason in response.content.decode(), url


def test_the_committee_is_refused_removing_a_verified_service_with_the_reason(client, cast, tree, records):
    client.force_login(cast.committee)
    response = client.post(reverse("members:service_remove", args=[tree.branch_a1.pk, records[1].pk]))
    assert response.status_code == 403
    assert policies.VERIFIED_SERVICE_REMOVAL in response.content.decode()


def test_the_list_offers_removing_a_verified_service_only_to_the_secretary(client, cast, tree, records):
    url = reverse("members:service_list", args=[tree.branch_a1.pk])
    remove_verified = reverse("members:service_remove", args=[tree.branch_a1.pk, records[1].pk])
    remove_pending = reverse("members:service_remove", args=[tree.branch_a1.pk, records[0].pk])

    client.force_login(cast.committee)
    html = client.get(url).content.decode()
    assert remove_pending in html and remove_verified not in html

    client.force_login(cast.secretary)
    html = client.get(url).content.decode()
    assert remove_pending in html and remove_verified in html
