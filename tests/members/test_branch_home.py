"""党员管理's entry page: straight to the only branch, else the branches in sight grouped under
their 党委, searchable and paged, with a fixed number of queries however many branches."""

import pytest
from django.urls import reverse

from members.views.branch import BRANCHES_PER_PAGE
from organizations.models import Kind, Sector
from tests.organizations.factories import make_org

pytestmark = pytest.mark.django_db

URL = reverse("members:branch_home")


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["secretary", "outsider"])
def test_a_secretary_goes_straight_to_the_branch(client, cast, tree, role):
    client.force_login(getattr(cast, role))
    branch = tree.branch_a1 if role == "secretary" else tree.branch_b1
    response = client.get(URL)
    assert response["Location"] == reverse("members:member_list", args=[branch.pk])


def test_the_county_sees_branches_grouped_under_their_committee(client, cast, tree):
    client.force_login(cast.org_department)
    response = client.get(URL)
    assert response.status_code == 200
    groups = [(c.name, [b.name for b in rows]) for c, rows in response.context["groups"]]
    assert groups == [("第一党委", ["一村党支部", "二村党支部"]), ("第二党委", ["实验学校党支部"])]
    assert "共 3 个党支部" in response.content.decode()


def test_a_committee_sees_only_its_own(client, cast):
    client.force_login(cast.committee)
    response = client.get(URL)
    assert [c.name for c, _ in response.context["groups"]] == ["第一党委"]


def test_search_and_committee_filter(client, cast, tree):
    client.force_login(cast.org_department)
    found = client.get(URL, {"q": "二村"})
    assert [b.name for _, rows in found.context["groups"] for b in rows] == ["二村党支部"]
    assert "找到 1 个党支部" in found.content.decode()
    by_committee = client.get(URL, {"committee": tree.committee_b.pk})
    assert [b.name for _, rows in by_committee.context["groups"] for b in rows] == ["实验学校党支部"]
    nothing = client.get(URL, {"q": "不存在"})
    assert "没有名称含“不存在”的党支部" in nothing.content.decode()


def test_a_committee_out_of_sight_is_no_filter(client, cast, tree):
    client.force_login(cast.committee)
    response = client.get(URL, {"committee": tree.committee_b.pk})
    assert response.context["selected_committee"] is None


@pytest.mark.parametrize("extra", [0, BRANCHES_PER_PAGE + 10])
def test_pages_and_queries_do_not_grow(client, cast, tree, extra, django_assert_max_num_queries):
    for i in range(extra):
        make_org(tree.committee_b, Kind.BRANCH, f"新建{i:03d}党支部", sector=Sector.VILLAGE, code=f"N{i:03d}")
    client.force_login(cast.org_department)
    # session, user, roles, the 党委 (filter), whether there is one branch only, the page's
    # count, its branches, the 党委 above them
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    page = response.context["page_obj"]
    assert page.paginator.count == 3 + extra
    assert len(page.object_list) == min(3 + extra, BRANCHES_PER_PAGE)
    if extra:
        second = client.get(URL, {"page": 2})
        assert len(second.context["page_obj"].object_list) == 3 + extra - BRANCHES_PER_PAGE
        assert "下一页" in response.content.decode()
