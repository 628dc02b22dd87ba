"""星级评定: the rule in force, the yearly board (one aggregate query) and the star_board page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Plaque, ServiceRecord, StarRule
from members.queries import load_board, rule_for, yearly_board
from members.services.star_service import award_plaque, record_service, verify_services
from members.stars import DEFAULT_STAR_THRESHOLDS
from tests.members.factories import MemberFactory, ServiceRecordFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


def serve(member, count, *, by, verified=True, year=YEAR, content="帮扶困难户打扫院落"):
    """`count` services on different days of `year`, entered (and verified) through the services."""
    records = [
        record_service(
            branch=member.branch,
            by=by,
            member=member,
            served_on=datetime.date(year, 1, 1) + datetime.timedelta(days=day),
            place="村委会",
            content=content,
            hours=Decimal("1"),
        )
        for day in range(count)
    ]
    if verified:
        verify_services(branch=member.branch, by=by, records=records)
    return records


def counts(rows):
    return {row.name: (row.services, row.stars) for row in rows}


# The rule in force ------------------------------------------------------------------------------


def test_default_rule_when_no_star_rule_up_the_tree(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rule_for(tree.branch_a1) == DEFAULT_STAR_THRESHOLDS


def test_nearest_rule_wins_over_a_farther_one(tree, django_assert_num_queries):
    StarRule.objects.create(
        organization=tree.work, one_star=3, two_stars=6, three_stars=9, four_stars=12, five_stars=15
    )
    StarRule.objects.create(
        organization=tree.committee_a, one_star=4, two_stars=8, three_stars=12, four_stars=16, five_stars=20
    )

    with django_assert_num_queries(1):
        assert rule_for(tree.branch_a1) == (4, 8, 12, 16, 20)
    assert rule_for(tree.committee_a) == (4, 8, 12, 16, 20)
    assert rule_for(tree.branch_b1) == (3, 6, 9, 12, 15)


# The yearly board -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("services", "stars"), [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3), (20, 4), (25, 5)]
)
def test_star_levels_at_the_default_thresholds(tree, cast, services, stars):
    member = MemberFactory(branch=tree.branch_a1, name="张三")
    serve(member, services, by=cast.secretary)

    assert counts(yearly_board(tree.branch_a1, YEAR)) == {"张三": (services, stars)}


@pytest.mark.parametrize(("services", "stars"), [(2, 0), (3, 1), (5, 1), (6, 2), (12, 4), (14, 4), (15, 5)])
def test_star_levels_with_the_work_committees_own_rule(tree, cast, services, stars):
    StarRule.objects.create(
        organization=tree.work, one_star=3, two_stars=6, three_stars=9, four_stars=12, five_stars=15
    )
    member = MemberFactory(branch=tree.branch_a1, name="张三")
    serve(member, services, by=cast.secretary)

    assert counts(yearly_board(tree.branch_a1, YEAR)) == {"张三": (services, stars)}


def test_only_verified_services_of_the_year_count(tree, cast):
    member = MemberFactory(branch=tree.branch_a1, name="张三")
    serve(member, 5, by=cast.secretary)
    serve(member, 7, by=cast.secretary, verified=False, content="宣讲政策")
    serve(member, 6, by=cast.secretary, year=YEAR - 1, content="修路")

    assert counts(yearly_board(tree.branch_a1, YEAR)) == {"张三": (5, 1)}
    assert counts(yearly_board(tree.branch_a1, YEAR - 1)) == {"张三": (6, 1)}


def test_a_duplicate_verified_twice_counts_once(tree, cast):
    """Same member, date and content entered twice (the secretary confirmed “仍然保存”), both
    verified: one service. The same content on another day, or other content on the same day,
    is another service."""
    member = MemberFactory(branch=tree.branch_a1, name="张三")
    day = datetime.date(YEAR, 5, 4)

    def enter(content, served_on=day):
        return record_service(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=member,
            served_on=served_on,
            place="村委会",
            content=content,
            hours=Decimal("2"),
            confirm_duplicate=True,
        )

    records = [
        enter("帮助王大爷收玉米"),
        enter("帮助王大爷收玉米"),
        enter("  帮助王大爷收玉米 "),
        enter("帮助王大爷收玉米", day + datetime.timedelta(days=1)),
        enter("清理村道垃圾"),
    ]
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=records)

    assert ServiceRecord.objects.filter(member=member, verified_at__isnull=False).count() == 5
    assert counts(yearly_board(tree.branch_a1, YEAR)) == {"张三": (3, 0)}


def test_everyone_of_the_branch_is_on_the_board_sorted_by_stars_then_count(tree, cast):
    leader = MemberFactory(branch=tree.branch_a1, name="李四")
    follower = MemberFactory(branch=tree.branch_a1, name="王五")
    MemberFactory(branch=tree.branch_a1, name="赵六")
    MemberFactory(branch=tree.branch_a1, name="停籍者", party_standing=Member.Standing.SUSPENDED)
    MemberFactory(branch=tree.branch_a2, name="二村党员")
    serve(leader, 12, by=cast.secretary)
    serve(follower, 11, by=cast.secretary)

    rows = yearly_board(tree.branch_a1, YEAR)

    assert [(row.name, row.services, row.stars) for row in rows] == [
        ("李四", 12, 2),
        ("王五", 11, 2),
        ("赵六", 0, 0),
    ]


def test_group_variant_keeps_the_groups_members(tree, cast):
    in_group = MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name="组内")
    MemberFactory(branch=tree.branch_a1, name="组外")
    serve(in_group, 5, by=cast.secretary)

    rows = yearly_board(tree.branch_a1, YEAR, group=tree.group_a1)

    assert counts(rows) == {"组内": (5, 1)}
    assert rows[0].group_name == "第一党小组"


@pytest.mark.parametrize("members", [5, 50])
def test_board_is_one_query_whatever_the_number_of_members(tree, members, django_assert_num_queries):
    for member in MemberFactory.create_batch(members, branch=tree.branch_a1):
        ServiceRecordFactory.create_batch(3, member=member, served_on=datetime.date(YEAR, 4, 1))

    # The members with their distinct verified services of the year, GROUP BY member.
    with django_assert_num_queries(1):
        rows = yearly_board(tree.branch_a1, YEAR, DEFAULT_STAR_THRESHOLDS)
    assert len(rows) == members
    assert {row.services for row in rows} == {3}


def test_plaques_of_the_year_else_the_latest_year_before_it(tree, cast):
    member = MemberFactory(branch=tree.branch_a1, name="张三")
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=member,
        title=Plaque.Title.FIVE_STAR_HOUSEHOLD,
        method=Plaque.Method.PUBLIC_RECOMMENDATION,
        year=YEAR - 1,
    )

    hanging = load_board(tree.branch_a1, YEAR).plaques
    assert hanging.year == YEAR - 1
    assert [(title, [p.member.name for p in plaques]) for title, plaques in hanging.by_title] == [
        ("五星级党员示范户", ["张三"])
    ]
    assert load_board(tree.branch_a1, YEAR - 2).plaques.by_title == []
    assert load_board(tree.branch_a2, YEAR).plaques.by_title == []


# The star_board page ----------------------------------------------------------------------------


def board_url(branch, **query):
    url = reverse("members:star_board", args=[branch.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def board_data(tree, cast):
    star = MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name="张三")
    MemberFactory(branch=tree.branch_a1, name="李四")
    serve(star, 15, by=cast.secretary)
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=star,
        title=Plaque.Title.DOUBLE_LEAD,
        method=Plaque.Method.BRANCH_SELECTION,
        year=YEAR,
    )
    return star


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary", "inspector"])
def test_those_who_see_the_branch_see_its_board(client, tree, cast, board_data, role):
    client.force_login(getattr(cast, role))

    response = client.get(board_url(tree.branch_a1, year=YEAR))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{YEAR} 年度党员星级评定" in html
    assert "年内服务累计 5/10/15/20/25 次授予一至五星党员志愿者" in html
    assert "张三" in html and "李四" in html
    assert "3 星" in html and "★★★" in html
    assert "双带致富户" in html
    assert reverse("members:public_board", args=["A1"]) in html
    assert reverse("members:public_board_poster", args=["A1"]) in html


def test_outsider_gets_404(client, tree, cast, board_data):
    client.force_login(cast.outsider)

    assert client.get(board_url(tree.branch_a1)).status_code == 404


def test_missing_branch_and_a_committee_get_404(client, tree, cast):
    client.force_login(cast.org_department)

    assert client.get(reverse("members:star_board", args=[999999])).status_code == 404
    assert client.get(board_url(tree.committee_a)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    url = board_url(tree.branch_a1)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary", "inspector", "outsider"])
def test_a_post_is_refused_and_changes_nothing(client, tree, cast, board_data, role):
    client.force_login(getattr(cast, role))
    before = list(ServiceRecord.objects.values_list("pk", "verified_at"))

    response = client.post(board_url(tree.branch_a1), {"year": YEAR})

    assert response.status_code == 405
    assert list(ServiceRecord.objects.values_list("pk", "verified_at")) == before


def test_year_switcher_and_a_bad_year_falls_back_to_this_year(client, tree, cast, board_data):
    client.force_login(cast.secretary)
    this_year = timezone.localdate().year

    last = client.get(board_url(tree.branch_a1, year=YEAR)).context["board"]
    bad = client.get(board_url(tree.branch_a1, year="abc")).context["board"]
    far = client.get(board_url(tree.branch_a1, year=1900)).context["board"]

    assert [(row.name, row.services) for row in last.rows] == [("张三", 15), ("李四", 0)]
    assert bad.year == far.year == this_year
    assert f'href="?year={YEAR}"' in client.get(board_url(tree.branch_a1)).content.decode()


def test_group_filter(client, tree, cast, board_data):
    client.force_login(cast.secretary)

    response = client.get(board_url(tree.branch_a1, year=YEAR, group=tree.group_a1.pk))

    assert [row.name for row in response.context["board"].rows] == ["张三"]
    assert response.context["group"] == tree.group_a1


def test_the_rule_in_force_is_shown(client, tree, cast):
    StarRule.objects.create(
        organization=tree.committee_a, one_star=4, two_stars=8, three_stars=12, four_stars=16, five_stars=20
    )
    client.force_login(cast.secretary)

    html = client.get(board_url(tree.branch_a1)).content.decode()

    assert "年内服务累计 4/8/12/16/20 次授予一至五星党员志愿者" in html
    assert "第一党委制定" in html


def test_counts_per_star_level(client, tree, cast, board_data):
    client.force_login(cast.secretary)

    levels = client.get(board_url(tree.branch_a1, year=YEAR)).context["board"].levels

    assert [(level.name, level.members) for level in levels] == [
        ("五星", 0),
        ("四星", 0),
        ("三星", 1),
        ("二星", 0),
        ("一星", 0),
        ("未达一星", 1),
    ]


# session, user, the branch through visible_to, its 党小组, the rule, the board (one aggregate),
# the plaques, the years with service records, the top bar's roles. None per member.
STAR_BOARD_QUERIES = 9


@pytest.mark.parametrize("members", [5, 50])
def test_star_board_query_count_does_not_grow_with_members(
    client, tree, cast, members, django_assert_num_queries
):
    for member in MemberFactory.create_batch(members, branch=tree.branch_a1, group=tree.group_a1):
        ServiceRecordFactory.create_batch(2, member=member, served_on=datetime.date(YEAR, 4, 1))
        Plaque.objects.create(
            member=member,
            title=Plaque.Title.NEW_COUNTRYSIDE,
            method=Plaque.Method.BRANCH_SELECTION,
            year=YEAR,
        )
    client.force_login(cast.secretary)

    with django_assert_num_queries(STAR_BOARD_QUERIES):
        response = client.get(board_url(tree.branch_a1, year=YEAR))

    assert response.status_code == 200
    assert len(response.context["board"].rows) == members


def test_an_inactive_branch_offers_no_public_page(client, tree, cast):
    tree.branch_a1.is_active = False
    tree.branch_a1.save(update_fields=["is_active"])
    client.force_login(cast.secretary)

    html = client.get(board_url(tree.branch_a1)).content.decode()

    assert "本支部已停用，公示页面不对外显示" in html
    assert reverse("members:public_board", args=["A1"]) not in html
    assert reverse("members:public_board_poster", args=["A1"]) not in html


def test_a_branch_without_members_says_so(client, tree, cast):
    client.force_login(cast.secretary)

    html = client.get(board_url(tree.branch_a1)).content.decode()

    assert "本支部还没有党员" in html
    assert "还没有挂牌记录" in html


def test_a_year_without_verified_services_says_so(client, tree, cast, board_data):
    client.force_login(cast.secretary)

    html = client.get(board_url(tree.branch_a1, year=YEAR - 1)).content.decode()

    assert f"{YEAR - 1} 年度还没有已核实的星级服务记录" in html
    assert f"{YEAR} 年度还没有" not in client.get(board_url(tree.branch_a1, year=YEAR)).content.decode()
