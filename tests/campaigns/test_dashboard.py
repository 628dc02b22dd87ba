"""The campaign dashboard and its .xlsx export: figures per viewer, charts, constant queries."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import queries
from campaigns.models import Campaign, Site, SiteTransition, WorkItem
from campaigns.services import (
    PhaseSpec,
    activate_campaign,
    approve_site,
    complete_work_item,
    create_campaign,
    mark_self_assessed,
    nominate_site,
    raise_rectification,
    record_verdict,
    reject_site,
    request_acceptance,
    save_work_item,
    withdraw_site,
)
from campaigns.views.dashboard import _nice_ceiling, progress_chart, status_chart
from organizations.models import AuditEvent, Kind, Role
from tests.campaigns.factories import (
    ACCEPTANCE_DAY,
    IMPLEMENTATION_DAY,
    MOBILIZATION_DAY,
    active_campaign,
    standard_phases,
)
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

S = Site.Status


def on_day(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)


@pytest.fixture
def today(monkeypatch):
    on_day(monkeypatch, IMPLEMENTATION_DAY)
    return IMPLEMENTATION_DAY


@pytest.fixture
def committee_b_user(tree):
    user = UserFactory(username="t_dangwei_b", name="第二党委联络员")
    give_role(user, tree.committee_b, Role.Kind.COMMITTEE)
    return user


@pytest.fixture
def sites(tree, cast, committee_b_user):
    """A1 approved with a schedule and a rectification; A2 nominated; B1 nominated (第二党委)."""
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    a1 = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    approve_site(site=a1, by=cast.org_department)
    a2 = nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY)
    b1 = nominate_site(campaign=campaign, branch=tree.branch_b1, by=committee_b_user, today=MOBILIZATION_DAY)
    day = IMPLEMENTATION_DAY
    done = save_work_item(
        campaign=campaign, site=a1, by=cast.secretary, title="召开动员会", due_on=day - datetime.timedelta(30)
    )
    complete_work_item(item=done, by=cast.secretary, done_on=day - datetime.timedelta(31))
    save_work_item(
        campaign=campaign,
        site=a1,
        by=cast.secretary,
        title="建好党员活动室",
        due_on=day - datetime.timedelta(5),
    )
    save_work_item(
        campaign=campaign,
        site=a1,
        by=cast.secretary,
        title="制作党员服务卡",
        due_on=day + datetime.timedelta(3),
        responsible="张三",
    )
    save_work_item(
        campaign=campaign, by=cast.org_department, title="全区观摩推进会", due_on=day + datetime.timedelta(6)
    )
    save_work_item(
        campaign=campaign,
        site=b1,
        by=committee_b_user,
        title="学校党建长廊",
        due_on=day - datetime.timedelta(2),
    )
    raise_rectification(
        site=a1,
        by=cast.org_department,
        description="公示栏内容未更新",
        owner="一村书记",
        due_on=day - datetime.timedelta(1),
    )
    return campaign, a1, a2, b1


def dashboard(client, user, campaign):
    client.force_login(user)
    return client.get(reverse("campaigns:campaign_dashboard", args=[campaign.pk]))


# Who gets the page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary", "inspector", "outsider"])
def test_everyone_who_sees_the_campaign_gets_the_dashboard(client, cast, sites, today, role):
    campaign = sites[0]

    response = dashboard(client, getattr(cast, role), campaign)

    assert response.status_code == 200


def test_anonymous_is_sent_to_login(client, sites):
    response = client.get(reverse("campaigns:campaign_dashboard", args=[sites[0].pk]))
    export = client.get(reverse("campaigns:campaign_dashboard_export", args=[sites[0].pk]))

    assert response.status_code == export.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_countys_user_and_a_missing_campaign_get_404(client, sites, cast):
    other = make_org(None, Kind.WORK_COMMITTEE, "另一工委", code="X")
    stranger = UserFactory(username="t_stranger")
    give_role(stranger, other, Role.Kind.ORG_DEPARTMENT)
    campaign = sites[0]

    client.force_login(stranger)
    assert client.get(reverse("campaigns:campaign_dashboard", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:campaign_dashboard_export", args=[campaign.pk])).status_code == 404
    client.force_login(cast.org_department)
    assert client.get(reverse("campaigns:campaign_dashboard", args=[campaign.pk + 99])).status_code == 404


# Figures per viewer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "total", "nominated", "approved", "committees"),
    [
        ("org_department", 3, 2, 1, ["第一党委", "第二党委"]),
        ("inspector", 3, 2, 1, ["第一党委", "第二党委"]),
        ("committee", 2, 1, 1, ["第一党委"]),
        ("secretary", 1, 0, 1, ["第一党委"]),
        ("outsider", 1, 1, 0, ["第二党委"]),
    ],
)
def test_counts_cover_only_the_sites_the_viewer_sees(
    client, cast, sites, today, role, total, nominated, approved, committees
):
    response = dashboard(client, getattr(cast, role), sites[0])

    assert response.context["total"] == total
    assert response.context["pending"] == nominated
    bars = {bar.status: bar.count for bar in response.context["status_chart"].bars}
    assert (bars[S.NOMINATED], bars[S.APPROVED]) == (nominated, approved)
    assert [g.committee.name for g in response.context["committees"]] == committees


def test_committee_table_adds_up_each_committee_and_lists_the_chosen_ones_sites(client, cast, sites, today):
    campaign, a1, a2, b1 = sites

    response = dashboard(client, cast.org_department, campaign)

    first, second = response.context["committees"]
    assert (first.committee.name, first.sites, first.passed) == ("第一党委", 2, 0)
    assert (first.work_done, first.work_total) == (1, 3)
    assert (first.rectifications_open, first.rectifications_overdue) == (1, 1)
    assert (second.sites, second.work_done, second.work_total, second.rectifications_open) == (1, 0, 1, 0)
    # The 组织部 sees several 党委: totals only, until one is chosen.
    assert response.context["site_page"] is None
    html = response.content.decode()
    assert f'href="{reverse("campaigns:site_detail", args=[a1.pk])}"' not in html
    assert f"?committee={first.committee.pk}#committee-sites" in html

    chosen = client.get(
        reverse("campaigns:campaign_dashboard", args=[campaign.pk]), {"committee": first.committee.pk}
    )
    rows = {row.site: row for row in chosen.context["site_page"].object_list}
    assert set(rows) == {a1, a2}
    assert (rows[a1].work_done, rows[a1].work_total) == (1, 3)
    assert (rows[a1].rectifications_open, rows[a1].rectifications_overdue) == (1, 1)
    assert (rows[a2].work_total, rows[a2].rectifications_open) == (0, 0)
    html = chosen.content.decode()
    assert reverse("campaigns:site_detail", args=[a1.pk]) in html
    assert f'href="{reverse("campaigns:site_detail", args=[b1.pk])}"' not in html
    assert "1/3" in html and "1 项逾期" in html


def test_a_committee_sees_its_own_sites_at_once(client, cast, sites, today):
    campaign, a1, a2, _b1 = sites

    response = dashboard(client, cast.committee, campaign)

    assert {row.site for row in response.context["site_page"].object_list} == {a1, a2}
    assert "committee-table__selected" not in response.content.decode()


def test_a_committee_not_in_sight_cannot_be_chosen(client, cast, sites, today, tree):
    campaign = sites[0]
    client.force_login(cast.committee)
    response = client.get(
        reverse("campaigns:campaign_dashboard", args=[campaign.pk]), {"committee": tree.committee_b.pk}
    )
    assert {row.site.nominated_by for row in response.context["site_page"].object_list} == {tree.committee_a}


def test_due_and_overdue_lists_are_scoped_and_link_to_the_full_lists(client, cast, sites, today):
    campaign = sites[0]

    everyone = dashboard(client, cast.org_department, campaign)
    committee = dashboard(client, cast.committee, campaign)

    work = everyone.context["work"]
    assert [str(i) for i in work.overdue] == ["建好党员活动室", "学校党建长廊"]
    assert [str(i) for i in work.soon] == ["制作党员服务卡", "全区观摩推进会"]
    mine = committee.context["work"]
    assert (mine.overdue_count, mine.soon_count) == (1, 2)
    assert [str(i) for i in mine.overdue] == ["建好党员活动室"]
    rectifications = committee.context["rectifications"]
    assert (rectifications.overdue_count, rectifications.soon_count) == (1, 0)
    html = committee.content.decode()
    assert reverse("campaigns:campaign_schedule", args=[campaign.pk]) in html
    assert reverse("campaigns:rectification_list", args=[campaign.pk]) in html
    assert "学校党建长廊" not in html
    assert "全区观摩推进会" in html


def test_the_current_phase_and_framework_are_shown(client, cast, sites, today):
    html = dashboard(client, cast.secretary, sites[0]).content.decode()

    assert "创建培育" in html
    assert '<span class="tag tag--current">当前阶段</span>' in html
    assert "考核标准：未设置" in html


# Links and buttons by role --------------------------------------------------------------------


def test_org_department_gets_the_queue_edit_and_export_links(client, cast, sites, today):
    campaign = sites[0]

    html = dashboard(client, cast.org_department, campaign).content.decode()

    assert reverse("campaigns:nomination_queue", args=[campaign.pk]) in html
    assert reverse("assessments:campaign_edit", args=[campaign.pk]) in html
    assert reverse("campaigns:campaign_dashboard_export", args=[campaign.pk]) in html
    assert reverse("assessments:campaign_activate", args=[campaign.pk]) not in html
    assert '<span class="button__count">2</span>' in html


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_others_get_no_management_links(client, cast, sites, today, role):
    campaign = sites[0]

    html = dashboard(client, getattr(cast, role), campaign).content.decode()

    assert reverse("campaigns:nomination_queue", args=[campaign.pk]) not in html
    assert reverse("assessments:campaign_edit", args=[campaign.pk]) not in html


def test_a_draft_campaign_offers_the_org_department_to_start_it(client, cast, tree):
    draft = create_campaign(
        by=cast.org_department, name="草稿活动", year=2027, organizer=tree.work, phases=standard_phases(2027)
    )
    assert draft.status == Campaign.Status.DRAFT

    html = dashboard(client, cast.org_department, draft).content.decode()
    committee_html = dashboard(client, cast.committee, draft).content.decode()

    assert f'action="{reverse("assessments:campaign_activate", args=[draft.pk])}"' in html
    assert "活动尚未启动" in html
    assert reverse("assessments:campaign_activate", args=[draft.pk]) not in committee_html
    assert "组织部启动活动后" in committee_html


def test_committee_is_offered_to_nominate_only_while_nominations_are_open(client, cast, sites, monkeypatch):
    campaign = sites[0]
    url = reverse("campaigns:nominate", args=[campaign.pk])

    on_day(monkeypatch, MOBILIZATION_DAY)
    open_html = dashboard(client, cast.committee, campaign).content.decode()
    secretary_html = dashboard(client, cast.secretary, campaign).content.decode()
    on_day(monkeypatch, ACCEPTANCE_DAY)
    closed_html = dashboard(client, cast.committee, campaign).content.decode()

    assert url in open_html
    assert url not in secretary_html
    assert url not in closed_html


# Charts ---------------------------------------------------------------------------------------


def test_the_page_draws_both_charts_as_inline_svg(client, cast, sites, today):
    html = dashboard(client, cast.org_department, sites[0]).content.decode()

    assert html.count('<svg class="chart"') == 2
    assert 'class="chart-bar chart-bar--nominated"' in html
    assert 'class="chart-bar chart-bar--approved"' in html
    assert "<polyline" in html
    assert "<script" not in html.split("</head>")[1]
    assert "批准创建 <strong>1</strong>" in html


def move_transition(site, to_status, moment: datetime.datetime) -> None:
    """Transitions are stamped with the real time; move one to the moment the story says (Beijing)."""
    SiteTransition.objects.filter(site=site, to_status=to_status).update(
        at=timezone.make_aware(moment, timezone.get_fixed_timezone(8 * 60))
    )


def test_milestones_are_counted_by_month_of_their_transitions(cast, tree, sites, committee_b_user):
    campaign, a1, a2, b1 = sites
    approve_site(site=b1, by=cast.org_department)
    mark_self_assessed(site=a1, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    record_verdict(site=a1, by=cast.inspector, verdict="PASSED")
    reject_site(site=a2, by=cast.org_department, reason="材料不全")
    move_transition(a1, S.APPROVED, datetime.datetime(2026, 4, 20, 9))
    move_transition(b1, S.APPROVED, datetime.datetime(2026, 5, 31, 23, 30))  # 5月 in Beijing, 6月 nowhere
    move_transition(a1, S.ACCEPTANCE_REQUESTED, datetime.datetime(2026, 11, 18, 9))
    move_transition(a1, S.PASSED, datetime.datetime(2026, 11, 25, 9))
    visible = Site.objects.visible_to(cast.org_department).filter(campaign=campaign)

    result = queries.milestones_by_month(visible)

    assert result == {
        S.APPROVED: {datetime.date(2026, 4, 1): 1, datetime.date(2026, 5, 1): 1},
        S.ACCEPTANCE_REQUESTED: {datetime.date(2026, 11, 1): 1},
        S.PASSED: {datetime.date(2026, 11, 1): 1},
    }
    committee_b_sees = Site.objects.visible_to(committee_b_user).filter(campaign=campaign)
    assert queries.milestones_by_month(committee_b_sees)[S.APPROVED] == {datetime.date(2026, 5, 1): 1}


def test_a_verdict_other_than_pass_is_no_pass_milestone(cast, sites):
    campaign, a1, *_ = sites
    mark_self_assessed(site=a1, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    record_verdict(site=a1, by=cast.inspector, verdict="RECTIFYING")
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)

    result = queries.milestones_by_month(Site.objects.filter(campaign=campaign))

    assert result[S.PASSED] == {}
    assert sum(result[S.ACCEPTANCE_REQUESTED].values()) == 1


def test_a_site_asking_for_acceptance_again_in_a_later_month_counts_once(cast, sites):
    campaign, a1, *_ = sites
    mark_self_assessed(site=a1, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    move_transition(a1, S.ACCEPTANCE_REQUESTED, datetime.datetime(2026, 11, 18, 9))
    record_verdict(site=a1, by=cast.inspector, verdict="RECTIFYING")
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    SiteTransition.objects.filter(site=a1, from_status=S.RECTIFYING).update(
        at=timezone.make_aware(datetime.datetime(2026, 12, 10, 9))
    )

    result = queries.milestones_by_month(Site.objects.filter(campaign=campaign))

    assert result[S.ACCEPTANCE_REQUESTED] == {datetime.date(2026, 11, 1): 1}


def test_each_status_change_writes_one_transition_with_the_service(cast, sites):
    campaign, a1, a2, _ = sites
    withdraw_site(site=a2, by=cast.committee)
    nominate_site(campaign=campaign, branch=a2.organization, by=cast.committee, today=MOBILIZATION_DAY)

    steps = [(t.from_status, t.to_status, t.by) for t in SiteTransition.objects.filter(site=a2)]

    assert steps == [
        ("", S.NOMINATED, cast.committee),
        (S.NOMINATED, S.WITHDRAWN, cast.committee),
        (S.WITHDRAWN, S.NOMINATED, cast.committee),
    ]
    a1.refresh_from_db()
    assert SiteTransition.objects.filter(site=a1).last().at == a1.status_changed_at


def test_rewording_every_audit_summary_changes_no_chart(client, cast, sites, today):
    """The chart reads transitions, not the audit trail: a message reworded changes nothing."""
    campaign, a1, *_ = sites
    mark_self_assessed(site=a1, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=a1, by=cast.committee, today=ACCEPTANCE_DAY)
    record_verdict(site=a1, by=cast.inspector, verdict="PASSED")
    visible = Site.objects.visible_to(cast.org_department).filter(campaign=campaign)
    before = queries.milestones_by_month(visible)
    page_before = dashboard(client, cast.org_department, campaign).context["progress_chart"]

    # QuerySet.update skips AuditEvent.save, which refuses edits made through the model.
    AuditEvent.objects.update(summary="改写过的说明")

    assert before[S.PASSED] and before[S.APPROVED]
    assert queries.milestones_by_month(visible) == before
    assert dashboard(client, cast.org_department, campaign).context["progress_chart"] == page_before


def test_status_chart_bars_are_proportional_and_side_exits_appear_only_when_taken():
    chart = status_chart({S.NOMINATED: 2, S.APPROVED: 4, S.REJECTED: 1})

    widths = {bar.status: bar.width for bar in chart.bars}
    assert widths[S.APPROVED] == pytest.approx(2 * widths[S.NOMINATED])
    assert widths[S.PASSED] == 2  # a sliver for none
    assert S.REJECTED in widths
    assert S.WITHDRAWN not in widths
    assert S.FAILED not in widths
    assert chart.height == 7 * 30


def test_progress_chart_accumulates_by_month_and_stops_at_the_current_month():
    april, may, june = datetime.date(2026, 4, 1), datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)
    chart = progress_chart(
        {S.APPROVED: {april: 2, june: 1}, S.ACCEPTANCE_REQUESTED: {}, S.PASSED: {}},
        first=datetime.date(2026, 3, 1),
        last=datetime.date(2026, 12, 31),
        today=datetime.date(2026, 6, 15),
    )

    assert [month for month, _ in chart.table] == [datetime.date(2026, 3, 1), april, may, june]
    assert [values for _, values in chart.table] == [[0, 0, 0], [2, 0, 0], [2, 0, 0], [3, 0, 0]]
    approved = chart.series[0]
    assert [p.value for p in approved.points] == [0, 2, 2, 3]
    assert approved.points[3].y < approved.points[1].y < approved.points[0].y
    assert [m.text for m in chart.months] == [f"{n}月" for n in range(3, 13)]
    assert not chart.is_empty


def test_progress_chart_with_nothing_yet_is_empty():
    chart = progress_chart(
        {S.APPROVED: {}, S.ACCEPTANCE_REQUESTED: {}, S.PASSED: {}},
        first=datetime.date(2026, 3, 1),
        last=datetime.date(2026, 12, 31),
        today=datetime.date(2026, 3, 10),
    )

    assert chart.is_empty


@pytest.mark.parametrize(
    ("value", "expected"), [(0, (1, 1)), (3, (3, 1)), (7, (8, 2)), (30, (30, 10)), (120, (150, 50))]
)
def test_axis_ceiling_is_a_round_number(value, expected):
    assert _nice_ceiling(value) == expected


# Query count ----------------------------------------------------------------------------------


def grow_sites(tree, cast, campaign, count: int, start: int = 0) -> None:
    """`count` more branches of 第一党委 nominated, some approved with work items and a
    rectification, some rejected, so every figure has rows to count."""
    for n in range(start, start + count):
        branch = make_org(tree.committee_a, Kind.BRANCH, f"新增党支部{n}")
        site = nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)
        if n % 3 == 2:
            reject_site(site=site, by=cast.org_department, reason="材料不全")
            continue
        if n % 3 == 1:
            approve_site(site=site, by=cast.org_department)
        item = save_work_item(
            campaign=campaign,
            site=site,
            by=cast.committee,
            title=f"工作{n}",
            due_on=IMPLEMENTATION_DAY + datetime.timedelta(days=n % 9 - 4),
        )
        if n % 2:
            complete_work_item(item=item, by=cast.committee)
        if site.status == S.APPROVED:
            raise_rectification(
                site=site, by=cast.org_department, description=f"整改{n}", owner="", due_on=IMPLEMENTATION_DAY
            )


# The dashboard's queries: session; user; the user's roles (every role check and the top bar);
# the campaign with organizer and framework; its phases; whether the user acts as a 党委 in it
# (asked while nominations are open, as on IMPLEMENTATION_DAY); the counts by state; the 党委 totals
# (sites, work, rectifications, the 党委 themselves); with one 党委 in sight, the page's count
# and its sites with their counts; work items due (one aggregate, the first overdue, the first
# due soon); rectifications due (the same three); milestone events by month. None is per site.
DASHBOARD_QUERIES = 20


@pytest.mark.parametrize("role", ["org_department", "committee", "inspector"])
def test_dashboard_query_count_does_not_grow_with_sites(
    client, tree, cast, today, role, django_assert_max_num_queries
):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=100)
    grow_sites(tree, cast, campaign, 3)
    client.force_login(getattr(cast, role))
    url = reverse("campaigns:campaign_dashboard", args=[campaign.pk])

    with django_assert_max_num_queries(DASHBOARD_QUERIES) as few:
        client.get(url)
    grow_sites(tree, cast, campaign, 27, start=3)
    with django_assert_max_num_queries(DASHBOARD_QUERIES) as many:
        response = client.get(url)

    assert len(few) == len(many)
    assert response.context["total"] == 30
    assert sum(c.sites for c in response.context["committees"]) == 30


# Export ---------------------------------------------------------------------------------------


def read_export(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_has_the_committee_rows_the_viewer_sees(client, cast, sites, today):
    campaign = sites[0]
    client.force_login(cast.org_department)

    rows = read_export(client.get(reverse("campaigns:campaign_dashboard_export", args=[campaign.pk])))

    assert rows[0][:4] == ("申报党委", "示范点（党支部）", "所属领域", "状态")
    assert [r[:4] for r in rows[1:]] == [
        ("第一党委", "一村党支部", "村", "批准创建"),
        ("第一党委", "二村党支部", "村", "已申报"),
        ("第二党委", "实验学校党支部", "学校", "已申报"),
    ]
    assert rows[1][5:] == (1, 3, 33, 1, 1)
    client.force_login(cast.committee)
    mine = read_export(client.get(reverse("campaigns:campaign_dashboard_export", args=[campaign.pk])))
    assert [r[1] for r in mine[1:]] == ["一村党支部", "二村党支部"]


@pytest.mark.parametrize(
    ("role", "branches"),
    [
        ("org_department", ["一村党支部", "二村党支部", "实验学校党支部"]),
        ("inspector", ["一村党支部", "二村党支部", "实验学校党支部"]),
        ("committee", ["一村党支部", "二村党支部"]),
        ("secretary", ["一村党支部"]),
        ("outsider", ["实验学校党支部"]),
    ],
)
def test_export_answers_each_role_with_its_own_rows(client, cast, sites, today, role, branches):
    client.force_login(getattr(cast, role))

    rows = read_export(client.get(reverse("campaigns:campaign_dashboard_export", args=[sites[0].pk])))

    assert [r[1] for r in rows[1:]] == branches


def test_export_escapes_a_branch_named_like_a_formula(client, cast, tree, sites, today):
    campaign = sites[0]
    branch = make_org(tree.committee_b, Kind.BRANCH, "=1+1")
    give_role(cast.committee, tree.committee_b, Role.Kind.COMMITTEE)
    nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)
    client.force_login(cast.org_department)

    rows = read_export(client.get(reverse("campaigns:campaign_dashboard_export", args=[campaign.pk])))

    assert ("第二党委", "'=1+1") in [r[:2] for r in rows]


def test_work_item_statuses_count_as_done_only_when_done(cast, sites, today):
    campaign, a1, *_ = sites
    item = WorkItem.objects.get(title="制作党员服务卡")
    save_work_item(
        campaign=campaign, site=a1, item=item, by=cast.secretary, status=WorkItem.Status.IN_PROGRESS
    )

    progress = queries.site_progress(Site.objects.filter(pk=a1.pk), today=today)

    assert (progress[0].work_done, progress[0].work_total) == (1, 3)


def test_sites_of_another_campaign_are_not_counted(client, cast, tree, sites, today):
    campaign = sites[0]
    other = create_campaign(
        by=cast.org_department,
        name="另一活动",
        year=2026,
        organizer=tree.work,
        phases=[PhaseSpec(p.kind, p.starts_on, p.ends_on) for p in standard_phases()],
        quota_per_committee=5,
    )
    activate_campaign(campaign=other, by=cast.org_department)
    nominate_site(campaign=other, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)

    response = dashboard(client, cast.org_department, campaign)

    assert response.context["total"] == 3
