import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from campaigns.models import Funding, LeadingGroupMember, Phase, Site
from campaigns.services import (
    PhaseSpec,
    activate_campaign,
    approve_site,
    create_campaign,
    mark_self_assessed,
    nominate_site,
    record_verdict,
    reject_site,
    request_acceptance,
    save_funding,
    save_leading_group_member,
    select_typical_case,
)
from organizations.models import Kind, Role, Verb
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

NOMINATION_DAY = datetime.date(2026, 4, 10)
IMPLEMENTATION_DAY = datetime.date(2026, 6, 1)
ACCEPTANCE_DAY = datetime.date(2026, 11, 10)

# The home page's queries for a user holding one role: session, user, the user's roles, the
# campaigns with sites in view (the filter), that role's summary (组织部: counts per campaign
# and status; 验收组: sites awaiting acceptance; 党委: counts by status and, one more, the
# self-assessments awaiting its review), the page's count and its rows with campaign, branch and
# committee joined. None of them is per site.
HOME_QUERIES = 8
# The overview's queries: session, user, the site with campaign, branch and committee joined;
# its phases, leading group, funding rows and typical cases (one prefetch each); whether the
# user may edit (支部书记 role, then 党委 role); the lifecycle actions (组织部 role when the site
# awaits a decision, 党委 role); the user's roles for the top bar. None of them is per row.
DETAIL_QUERIES = 12
# The history tab's queries: session, user, the site with campaign, branch and committee; the
# kinds of event in its history (the filter); the page's count; its events with their actors;
# the user's roles. (The content type is cached in process: the services that wrote the events
# loaded it.)
HISTORY_QUERIES = 7


def make_campaign(cast, tree, *, quota: int = 2):
    campaign = create_campaign(
        by=cast.org_department,
        name="2026年度基层党建示范点创建活动",
        year=2026,
        organizer=tree.work,
        quota_per_committee=quota,
        phases=[
            PhaseSpec(
                Phase.Kind.MOBILIZATION, datetime.date(2026, 3, 1), datetime.date(2026, 4, 30), "宣传发动"
            ),
            PhaseSpec(
                Phase.Kind.IMPLEMENTATION, datetime.date(2026, 4, 30), datetime.date(2026, 10, 31), "创建培育"
            ),
            PhaseSpec(Phase.Kind.ACCEPTANCE, datetime.date(2026, 11, 1), datetime.date(2026, 12, 15)),
        ],
    )
    return activate_campaign(campaign=campaign, by=cast.org_department)


@pytest.fixture
def committee_b_user(tree):
    user = UserFactory(username="t_dangwei_b", name="第二党委联络员")
    give_role(user, tree.committee_b, Role.Kind.COMMITTEE)
    return user


@pytest.fixture
def sites(tree, cast, committee_b_user):
    """Three sites: A1 awaiting acceptance, A2 rejected (both 第一党委), B1 nominated (第二党委)."""
    campaign = make_campaign(cast, tree)
    a1 = nominate_site(
        campaign=campaign,
        branch=tree.branch_a1,
        by=cast.committee,
        plan="打造“党员星级服务”品牌。",
        highlights="党员联系农户全覆盖",
        today=NOMINATION_DAY,
    )
    approve_site(site=a1, by=cast.org_department, note="同意创建")
    mark_self_assessed(site=a1, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    a2 = nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=NOMINATION_DAY)
    reject_site(site=a2, by=cast.org_department, reason="党员队伍薄弱，建议明年再报")
    b1 = nominate_site(
        campaign=campaign, branch=tree.branch_b1, by=committee_b_user, today=IMPLEMENTATION_DAY
    )
    return SimpleNamespace(campaign=campaign, a1=a1, a2=a2, b1=b1)


def listed(response) -> list[Site]:
    return list(response.context["page_obj"].object_list)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", {"a1", "a2", "b1"}),
        ("committee", {"a1", "a2"}),
        ("secretary", {"a1"}),
        ("inspector", {"a1", "a2", "b1"}),
        ("outsider", {"b1"}),
    ],
)
def test_home_lists_exactly_the_sites_in_scope(client, cast, sites, role, expected):
    client.force_login(getattr(cast, role))

    response = client.get(reverse("campaigns:home"))

    assert response.status_code == 200
    assert {s.pk for s in listed(response)} == {getattr(sites, name).pk for name in expected}
    html = response.content.decode()
    for name in {"a1", "a2", "b1"} - expected:
        assert reverse("campaigns:site_detail", args=[getattr(sites, name).pk]) not in html


def test_home_shows_each_status_as_a_badge(client, cast, sites):
    client.force_login(cast.org_department)

    html = client.get(reverse("campaigns:home")).content.decode()

    assert '<span class="badge badge--acceptance_requested">申请验收</span>' in html
    assert '<span class="badge badge--rejected">不予批准</span>' in html
    assert '<span class="badge badge--nominated">已申报</span>' in html


def test_org_department_sees_counts_by_status_for_its_campaign(client, cast, sites):
    client.force_login(cast.org_department)

    response = client.get(reverse("campaigns:home"))

    (summary,) = response.context["campaign_summaries"]
    assert summary.campaign == sites.campaign
    assert summary.total == 3
    assert {c.status: c.count for c in summary.counts} == {
        Site.Status.NOMINATED: 1,
        Site.Status.REJECTED: 1,
        Site.Status.ACCEPTANCE_REQUESTED: 1,
    }
    assert "示范点总览" in response.content.decode()


def test_committee_sees_what_it_nominated(client, cast, sites):
    client.force_login(cast.committee)

    response = client.get(reverse("campaigns:home"))

    assert response.context["nominated_total"] == 2
    assert {c.status: c.count for c in response.context["nominated_counts"]} == {
        Site.Status.REJECTED: 1,
        Site.Status.ACCEPTANCE_REQUESTED: 1,
    }
    assert "本党委申报的示范点" in response.content.decode()


def test_inspector_sees_sites_awaiting_acceptance_first(client, cast, sites, committee_b_user):
    # B1 comes last by branch order, so only the awaiting-first ordering puts it before A2.
    approve_site(site=sites.b1, by=cast.org_department)
    mark_self_assessed(site=sites.b1, by=committee_b_user, today=IMPLEMENTATION_DAY)
    request_acceptance(site=sites.b1, by=committee_b_user, today=ACCEPTANCE_DAY)
    client.force_login(cast.inspector)

    response = client.get(reverse("campaigns:home"))

    assert listed(response) == [sites.a1, sites.b1, sites.a2]
    assert response.context["awaiting"] == 2
    assert "已申请现场验收" in response.content.decode()


def test_home_filters_by_campaign_and_status(client, cast, sites):
    client.force_login(cast.org_department)

    by_status = client.get(reverse("campaigns:home"), {"campaign": sites.campaign.pk, "status": "REJECTED"})
    other_campaign = client.get(reverse("campaigns:home"), {"campaign": sites.campaign.pk + 999})

    assert listed(by_status) == [sites.a2]
    assert len(listed(other_campaign)) == 3


def test_home_with_two_campaigns_lists_the_chosen_one(client, cast, tree, sites):
    second = create_campaign(
        by=cast.org_department,
        name="五星党支部专项创建活动",
        year=2026,
        organizer=tree.work,
        phases=[
            PhaseSpec(Phase.Kind.MOBILIZATION, datetime.date(2026, 3, 1), datetime.date(2026, 4, 30)),
            PhaseSpec(Phase.Kind.IMPLEMENTATION, datetime.date(2026, 5, 1), datetime.date(2026, 10, 31)),
            PhaseSpec(Phase.Kind.ACCEPTANCE, datetime.date(2026, 11, 1), datetime.date(2026, 12, 15)),
        ],
    )
    activate_campaign(campaign=second, by=cast.org_department)
    other = nominate_site(campaign=second, branch=tree.branch_a2, by=cast.committee, today=NOMINATION_DAY)
    client.force_login(cast.committee)

    everything = client.get(reverse("campaigns:home"))
    chosen = client.get(reverse("campaigns:home"), {"campaign": second.pk})

    assert len(listed(everything)) == 3
    assert f'href="?campaign={second.pk}#site-list"' in everything.content.decode()
    assert listed(chosen) == [other]


def test_user_without_role_is_told_whom_to_ask(client, sites):
    client.force_login(UserFactory(username="t_nobody"))

    response = client.get(reverse("campaigns:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "还没有分配到任何党组织" in html
    assert "请联系县委组织部或系统管理员" in html
    assert "page_obj" not in response.context


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary", "inspector"])
def test_site_detail_answers_each_role_in_scope(client, cast, sites, role):
    client.force_login(getattr(cast, role))

    response = client.get(reverse("campaigns:site_detail", args=[sites.a1.pk]))

    assert response.status_code == 200
    assert response.context["site"] == sites.a1


@pytest.mark.parametrize("url_name", ["site_detail", "site_history"])
def test_outsider_gets_404_for_another_branchs_site(client, cast, sites, url_name):
    client.force_login(cast.outsider)

    assert client.get(reverse(f"campaigns:{url_name}", args=[sites.a1.pk])).status_code == 404
    assert client.get(reverse(f"campaigns:{url_name}", args=[sites.b1.pk])).status_code == 200


@pytest.mark.parametrize("url_name", ["site_detail", "site_history"])
def test_missing_site_gets_404(client, cast, sites, url_name):
    client.force_login(cast.org_department)

    assert client.get(reverse(f"campaigns:{url_name}", args=[sites.b1.pk + 1000])).status_code == 404


def test_site_detail_shows_phases_plan_and_leading_group(client, cast, sites):
    save_leading_group_member(
        site=sites.a1,
        by=cast.secretary,
        name="张建国",
        position=LeadingGroupMember.Position.LEADER,
        title="村党支部书记",
        duty="全面负责创建工作",
    )
    client.force_login(cast.secretary)

    response = client.get(reverse("campaigns:site_detail", args=[sites.a1.pk]))

    html = response.content.decode()
    assert [p.display_name for p in response.context["phases"]] == ["宣传发动", "创建培育", "总结验收"]
    assert "2026年4月30日 至 2026年10月31日" in html
    assert "张建国" in html
    assert "组长" in html
    assert "全面负责创建工作" in html
    assert "打造“党员星级服务”品牌。" in html
    assert "党员联系农户全覆盖" in html


def test_site_history_lists_the_events_newest_first_with_actors(client, cast, sites):
    client.force_login(cast.secretary)

    response = client.get(reverse("campaigns:site_history", args=[sites.a1.pk]))

    html = response.content.decode()
    verbs = [e.verb for e in response.context["page_obj"]]
    assert verbs == [Verb.REQUEST_ACCEPTANCE, Verb.APPROVE_SELF_ASSESSMENT, Verb.APPROVE, Verb.NOMINATE]
    assert "已申报 → 批准创建；同意创建" in html
    assert "党委联络员" in html
    assert "组织部干事" in html


def test_site_detail_marks_the_current_phase(client, cast, sites, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: IMPLEMENTATION_DAY)
    client.force_login(cast.secretary)

    response = client.get(reverse("campaigns:site_detail", args=[sites.a1.pk]))

    assert response.context["current_phase"].kind == Phase.Kind.IMPLEMENTATION
    assert '<span class="tag tag--current">当前阶段</span>' in response.content.decode()


def test_site_detail_shows_the_rejection_reason(client, cast, sites):
    client.force_login(cast.committee)

    html = client.get(reverse("campaigns:site_detail", args=[sites.a2.pk])).content.decode()

    assert "不予批准理由" in html
    assert "党员队伍薄弱，建议明年再报" in html


def test_history_times_are_beijing_time(client, cast, sites):
    client.force_login(cast.secretary)

    response = client.get(reverse("campaigns:site_history", args=[sites.a1.pk]))

    event = response.context["page_obj"][0]
    local = event.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert f"{local:%Y-%m-%d %H:%M}" in response.content.decode()
    assert "时间为北京时间" in response.content.decode()


# Query counts -----------------------------------------------------------------------------


def grow_sites(tree, cast, campaign, count: int) -> None:
    """Nominate `count` more branches of 第一党委, deciding some, so rows differ in status."""
    for n in range(count):
        branch = make_org(tree.committee_a, Kind.BRANCH, f"新增党支部{n}")
        site = nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=NOMINATION_DAY)
        if n % 3 == 1:
            approve_site(site=site, by=cast.org_department)
        elif n % 3 == 2:
            reject_site(site=site, by=cast.org_department, reason="材料不全")


def count_queries(client, url, limit, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["org_department", "committee", "inspector"])
def test_home_query_count_does_not_grow_with_sites(client, tree, cast, role, django_assert_max_num_queries):
    campaign = make_campaign(cast, tree, quota=40)
    grow_sites(tree, cast, campaign, 3)
    client.force_login(getattr(cast, role))

    with_3 = count_queries(client, reverse("campaigns:home"), HOME_QUERIES, django_assert_max_num_queries)
    grow_sites(tree, cast, campaign, 27)
    with_30 = count_queries(client, reverse("campaigns:home"), HOME_QUERIES, django_assert_max_num_queries)

    assert with_3 == with_30
    assert len(listed(client.get(reverse("campaigns:home")))) == 25


def add_group_members(site, by, count: int) -> None:
    for n in range(count):
        save_leading_group_member(
            site=site, by=by, name=f"成员{n}", position=LeadingGroupMember.Position.MEMBER, duty="宣传"
        )


def add_fundings(site, by, count: int) -> None:
    for n in range(count):
        save_funding(
            site=site,
            by=by,
            source=Funding.Source.SELF_RAISED,
            amount=Decimal(1000 + n),
            spent=Decimal(n),
            note=f"第{n}笔",
        )


def renominate_and_reject(tree, cast, campaign, times: int) -> None:
    for _ in range(times):
        site = nominate_site(
            campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=NOMINATION_DAY
        )
        reject_site(site=site, by=cast.org_department, reason="仍需加强")


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary"])
def test_site_detail_query_count_does_not_grow_with_group_funding_or_cases(
    client, tree, cast, sites, role, django_assert_max_num_queries
):
    record_verdict(site=sites.a1, by=cast.inspector, verdict="PASSED")
    url = reverse("campaigns:site_detail", args=[sites.a1.pk])
    client.force_login(getattr(cast, role))

    add_group_members(sites.a1, cast.secretary, 3)
    add_fundings(sites.a1, cast.secretary, 3)
    select_typical_case(site=sites.a1, by=cast.org_department, title="星级服务", summary="做法")
    few = count_queries(client, url, DETAIL_QUERIES, django_assert_max_num_queries)
    add_group_members(sites.a1, cast.secretary, 27)
    add_fundings(sites.a1, cast.secretary, 27)
    select_typical_case(site=sites.a1, by=cast.org_department, title="党员联户", summary="做法")
    many = count_queries(client, url, DETAIL_QUERIES, django_assert_max_num_queries)

    page = client.get(url)
    assert few == many
    assert len(page.context["members"]) == 30
    assert len(page.context["funding_lines"]) == 30
    assert len(page.context["typical_cases"]) == 2


def test_site_history_query_count_does_not_grow_with_events(
    client, tree, cast, sites, django_assert_max_num_queries
):
    url = reverse("campaigns:site_history", args=[sites.a2.pk])
    client.force_login(cast.org_department)

    few = count_queries(client, url, HISTORY_QUERIES, django_assert_max_num_queries)
    renominate_and_reject(tree, cast, sites.campaign, 14)
    many = count_queries(client, url, HISTORY_QUERIES, django_assert_max_num_queries)

    page = client.get(url)
    assert few == many
    assert page.context["page_obj"].paginator.count == 30
    assert len(page.context["page_obj"].object_list) == 25


def submitted_self_assessment(site):
    from assessments.models import SelfAssessment

    return SelfAssessment.objects.create(
        site=site,
        status=SelfAssessment.Status.SUBMITTED,
        submitted_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC),
    )


def test_committee_sees_the_self_assessments_awaiting_its_review(client, cast, sites, committee_b_user):
    from assessments.models import SelfAssessment

    submitted_self_assessment(sites.a1)
    submitted_self_assessment(sites.b1)  # 第二党委's: not ours to review
    SelfAssessment.objects.create(site=sites.a2, status=SelfAssessment.Status.DRAFT)
    client.force_login(cast.committee)

    response = client.get(reverse("campaigns:home"))

    assert response.context["self_assessments_to_review"] == [sites.a1]
    html = response.content.decode()
    assert "待审核的基层自评" in html
    assert reverse("assessments:self_assessment", args=[sites.a1.pk]) in html
    assert reverse("assessments:self_assessment", args=[sites.b1.pk]) not in html
    assert reverse("assessments:self_assessment", args=[sites.a2.pk]) not in html

    client.force_login(committee_b_user)
    response = client.get(reverse("campaigns:home"))
    assert response.context["self_assessments_to_review"] == [sites.b1]


def test_committee_without_submitted_self_assessments_is_told_so(client, cast, sites):
    client.force_login(cast.committee)

    response = client.get(reverse("campaigns:home"))

    assert response.context["self_assessments_to_review"] == []
    assert "目前没有待审核的自评" in response.content.decode()


@pytest.mark.parametrize("role", ["secretary", "inspector", "org_department"])
def test_only_a_committee_gets_the_self_assessments_to_review(client, cast, sites, role):
    submitted_self_assessment(sites.a1)
    client.force_login(getattr(cast, role))

    response = client.get(reverse("campaigns:home"))

    assert response.context["self_assessments_to_review"] == []
    assert "待审核的基层自评" not in response.content.decode()
