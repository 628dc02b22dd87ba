"""`make bench-scale` (deploy/scale.py): the city builder at a tiny size keeps every rule a user's
entry would, and the measuring side finds the pages, measures them as their users and marks what
misses issue 12's targets.

The tiny city (factor 0.002: one 党委 with four under it, 22 branches, 400 members) is built once
for the module on the suite's own database — PostgreSQL through COPY, as the real run loads,
when DATABASE_URL names one (CI), else SQLite through batched INSERTs of the same rows — and
rolled back at the end. Every check reads the rows back from the database and asks the
project's own rules about them (treebeard's `find_problems`, `validate_placement`, each model's
`full_clean`, the register rules, the nomination policy), not the builder's idea of them.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from campaigns import policies
from campaigns.models import Funding, Site, SiteTransition, WorkItem
from demo.builder import build_demo
from deploy import scale
from members.models import Attendance, DuesPayment, Household, Meeting, Member, Pairing, ServiceRecord
from members.rules import MAX_PAIRINGS_PER_MEMBER, service_hours_problem
from organizations.models import AuditEvent, Kind, Organization, Role, User, validate_placement

pytestmark = pytest.mark.django_db

FACTOR = 0.002
SAMPLE = 60


def _demo_snapshot() -> dict[str, int]:
    """What the demo county holds: the builder grows the city around it, never into it."""
    demo_orgs = Organization.objects.exclude(code__startswith=scale.CODE_PREFIX)
    return {
        "organizations": demo_orgs.count(),
        "members": Member.objects.filter(branch__in=demo_orgs).count(),
        "services": ServiceRecord.objects.filter(member__branch__in=demo_orgs).count(),
        "attendance": Attendance.objects.filter(meeting__organization__in=demo_orgs).count(),
        "dues": DuesPayment.objects.filter(member__branch__in=demo_orgs).count(),
        "sites": Site.objects.filter(organization__in=demo_orgs).count(),
        "numchild": sum(demo_orgs.values_list("numchild", flat=True)),
    }


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """The demo county and a tiny city on it, built once for the module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo()
        before = _demo_snapshot()
        builder = scale.CityBuilder(FACTOR, log=lambda line: None)
        timings = builder.build()
        yield builder, before, timings
        transaction.set_rollback(True)


def city_orgs():
    return Organization.objects.filter(code__startswith=scale.CODE_PREFIX)


def city_members():
    return Member.objects.filter(branch__code__startswith=scale.CODE_PREFIX)


def sample(queryset, size: int = SAMPLE) -> list:
    rows = list(queryset.order_by("pk"))
    return random.Random(scale.SEED).sample(rows, min(size, len(rows)))


# The builder ------------------------------------------------------------------------------------


def test_counts_follow_the_factor(city):
    builder, _, timings = city
    sizes = builder.sizes
    assert [step for step, _, _ in timings][:8] == [
        "党组织（treebeard load_bulk）",
        "账号与角色",
        "党员",
        "帮扶对象与结对",
        "会议与出勤",
        "党费",
        "星级服务记录",
        "示范点",
    ]
    kinds = Counter(city_orgs().values_list("kind", flat=True))
    top = sizes.top_committees
    assert kinds[Kind.PARTY_COMMITTEE] == top * (1 + scale.SUB_COMMITTEES)
    assert kinds[Kind.GENERAL_BRANCH] == top * scale.SUB_COMMITTEES
    assert kinds[Kind.BRANCH] == top * (
        scale.BRANCHES_PER_TOP + scale.SUB_COMMITTEES * (scale.BRANCHES_PER_SUB + scale.BRANCHES_PER_GENERAL)
    )
    assert kinds[Kind.GROUP] == sizes.groups
    assert city_members().count() == sizes.members == 400
    per_branch = [plan.size for plan in builder.branches]
    assert min(per_branch) >= 5 and sum(per_branch) == sizes.members
    services = ServiceRecord.objects.filter(member__branch__code__startswith=scale.CODE_PREFIX).count()
    assert 0.8 * sizes.services <= services <= 1.2 * sizes.services
    attendance = Attendance.objects.filter(member__branch__code__startswith=scale.CODE_PREFIX).count()
    expected = scale.CITY["attendance"] * sizes.members / scale.CITY["members"]
    assert 0.85 * expected <= attendance <= 1.15 * expected
    sites = Site.objects.filter(organization__code__startswith=scale.CODE_PREFIX).count()
    assert sites == kinds[Kind.PARTY_COMMITTEE] * builder.campaign.quota_per_committee


def test_the_tree_keeps_treebeards_invariants_and_the_placement_rules(city):
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    by_path = {o.path: o for o in Organization.objects.all()}
    for org in city_orgs():
        parent = by_path[org.path[: -org.steplen]]
        validate_placement(kind=org.kind, parent=parent)
        if org.kind == Kind.GROUP:
            assert parent.kind == Kind.BRANCH and org.code.startswith(parent.code)


def test_every_new_member_passes_the_register_rules(city):
    """Member.full_clean runs the register rules (`check_member`, the 公民身份证号's check
    character, birth date and sex, the dates' order, the 党小组 under the member's own branch, no
    number on file twice) exactly as the register page does."""
    members = list(city_members().select_related("branch", "group"))
    assert len({m.id_number for m in members}) == len(members)
    for member in members:
        member.full_clean()
        assert member.group is None or member.group.path.startswith(member.branch.path)
    secretaries = [m for m in members if m.user_id]
    assert len(secretaries) == city_orgs().filter(kind=Kind.BRANCH).count()
    for member in secretaries:
        assert Role.objects.filter(
            user_id=member.user_id, organization_id=member.branch_id, kind=Role.Kind.BRANCH_SECRETARY
        ).exists()


def test_meetings_and_attendance_stay_within_the_branch(city):
    today = timezone.localdate()
    rows = Attendance.objects.filter(member__branch__code__startswith=scale.CODE_PREFIX).select_related(
        "meeting__organization", "member__branch"
    )
    seen = Counter()
    for row in rows:
        meeting, member = row.meeting, row.member
        assert meeting.organization.path.startswith(member.branch.path), row.pk
        assert member.joined_on <= meeting.held_on <= today
        if meeting.kind == Meeting.Kind.GROUP_MEETING:
            assert meeting.organization.kind == Kind.GROUP and member.group_id == meeting.organization_id
        else:
            assert meeting.organization_id == member.branch_id
        seen[(row.meeting_id, row.member_id)] += 1
    assert max(seen.values()) == 1
    for meeting in sample(Meeting.objects.filter(organization__code__startswith=scale.CODE_PREFIX)):
        meeting.full_clean()
    for row in sample(rows):
        row.full_clean()


def test_services_dues_households_and_pairings_keep_their_rules(city):
    today = timezone.localdate()
    secretary_of = {
        r.organization_id: r.user_id for r in Role.objects.filter(kind=Role.Kind.BRANCH_SECRETARY)
    }
    services = ServiceRecord.objects.filter(
        member__branch__code__startswith=scale.CODE_PREFIX
    ).select_related("member", "household")
    for record in services:
        assert record.served_on <= today and service_hours_problem(record.hours) is None
        assert record.household is None or record.household.branch_id == record.member.branch_id
        if record.verified_at:
            assert record.verified_by_id == secretary_of[record.member.branch_id]
        else:
            assert record.verified_by_id is None and record.published_on is None
    for record in sample(services):
        record.full_clean()

    pairings = Pairing.objects.filter(member__branch__code__startswith=scale.CODE_PREFIX).select_related(
        "member", "household"
    )
    per_member = Counter(p.member_id for p in pairings)
    assert pairings and max(per_member.values()) <= MAX_PAIRINGS_PER_MEMBER
    assert all(p.household.branch_id == p.member.branch_id for p in pairings)
    for row in sample(pairings) + sample(
        Household.objects.filter(branch__code__startswith=scale.CODE_PREFIX)
    ):
        row.full_clean()

    dues = DuesPayment.objects.filter(member__branch__code__startswith=scale.CODE_PREFIX).select_related(
        "member"
    )
    for payment in dues:
        assert payment.month.day == 1 and payment.amount >= Decimal("0")
        assert payment.paid_on is None or payment.paid_on <= today
        assert payment.member.joined_on <= payment.month.replace(day=28) + datetime.timedelta(days=4)
    for payment in sample(dues):
        payment.full_clean()


def test_sites_respect_the_quota_and_carry_their_history(city):
    builder, _, _ = city
    campaign = builder.campaign
    sites = list(
        Site.objects.filter(organization__code__startswith=scale.CODE_PREFIX).select_related(
            "organization", "nominated_by", "campaign"
        )
    )
    holding = Counter(s.nominated_by_id for s in sites if s.status in Site.HOLDING_STATUSES)
    assert max(holding.values()) <= campaign.quota_per_committee
    transitions = defaultdict(list)
    for t in SiteTransition.objects.filter(site__in=sites).order_by("at", "pk"):
        transitions[t.site_id].append(t)
    events = Counter(
        AuditEvent.objects.filter(subject_id__in=[s.pk for s in sites]).values_list("subject_id")
    )
    statuses = set()
    for site in sites:
        site.full_clean()
        statuses.add(site.status)
        assert site.organization.kind == Kind.BRANCH
        assert site.nominated_by == site.organization.nearest(Kind.PARTY_COMMITTEE)
        chain = transitions[site.pk]
        assert chain[0].from_status == "" and chain[-1].to_status == site.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(chain))
        assert events[(site.pk,)] == len(chain)
    assert statuses >= {Site.Status.NOMINATED, Site.Status.APPROVED, Site.Status.SELF_ASSESSED}
    for row in [
        *WorkItem.objects.filter(site__in=sites),
        *Funding.objects.filter(site__in=sites),
    ]:
        row.full_clean()

    # The nomination policy agrees: a 党委 whose two places are taken may nominate no third branch.
    full = next(
        code for code, org in builder.committees.items() if holding[org.pk] == campaign.quota_per_committee
    )
    committee = builder.committees[full]
    taken = {s.organization_id for s in sites}
    branch = next(p.org for p in builder.branches if p.committee_code == full and p.org.pk not in taken)
    user = User.objects.get(pk=builder.committee_users[full])
    refusal = policies.cannot_nominate(user, campaign, branch, today=campaign.phases.first().starts_on)
    assert refusal and "名额" in refusal and committee.name in refusal


def test_the_demo_county_is_left_as_it_was(city):
    _, before, _ = city
    after = _demo_snapshot()
    root = Organization.objects.get(code="SFQ-GW")
    assert after | {"numchild": before["numchild"]} == before
    # The 工委 gained its new 党委 as children; nothing else of the demo's tree changed.
    assert after["numchild"] == before["numchild"] + city[0].sizes.top_committees
    assert (
        root.numchild == Organization.objects.filter(depth=root.depth + 1, path__startswith=root.path).count()
    )


# Measuring --------------------------------------------------------------------------------------


def test_pages_come_from_the_url_configuration():
    names = {p.name for p in scale.measured_patterns()}
    for wanted in (
        "campaigns:campaign_dashboard",
        "campaigns:campaign_dashboard_export",
        "members:branch_home",
        "members:meeting_detail",
        "members:export_attendance",
        "members:public_board_poster",
        "members:star_board",
        "assessments:self_assessment_overview",
    ):
        assert wanted in names
    for unwanted in ("members:member_add", "members:member_edit", "campaigns:funding_delete", "login"):
        assert unwanted not in names
    assert not any(p.route.startswith("admin/") for p in scale.measured_patterns())


def test_fetch_measures_a_page_and_a_download_as_their_user(city):
    client = Client()
    client.force_login(User.objects.get(username="zhibu1"))
    branch = Organization.objects.get(code="SFQ-CG-LY")
    status, kind, queries, size, ms = scale.fetch(client, f"/branches/{branch.pk}/stars/")
    assert (status, kind) == (200, "页面") and queries > 3 and size > 5000 and ms > 0
    kept = connection.connection
    status, kind, queries, size, _ = scale.fetch(client, f"/branches/{branch.pk}/exports/members/")
    assert (status, kind) == (200, "下载") and queries > 0 and size > 1000
    # The next request does not pay for a new database connection.
    assert connection.connection is kept
    status, kind, _, _, _ = scale.fetch(Client(), f"/branches/{branch.pk}/stars/")
    assert status == 302


def test_measure_takes_turns_between_the_sides_and_keeps_the_median(city):
    branch = Organization.objects.get(code="SFQ-CG-LY")
    targets = [
        scale.Target(
            "members:star_board", "branches/<int:branch>/stars/", f"/branches/{branch.pk}/stars/", "secretary"
        ),
        scale.Target("members:public_board", "board/<str:code>/", "/board/SFQ-CG-LY/", None),
    ]
    sides = {"demo": scale.Side.current("demo"), "city": scale.Side.current("city")}
    assert sides["demo"].cache.make_key("x") != sides["city"].cache.make_key("x")
    results = scale.measure(targets, 3, scale.clients(), sides, log=lambda line: None)
    for name in ("demo", "city"):
        for target in targets:
            result = results[name][target]
            assert result.status == 200 and result.kind == "页面" and result.queries > 0
            assert len(result.times) == 3 and result.median_ms == sorted(result.times)[1]


def test_the_largest_branch_gets_the_demo_branchs_pages(city):
    builder, _, _ = city
    big = scale.largest_branch()
    assert big.members.count() == max(plan.size for plan in builder.branches)
    demo_branch = Organization.objects.get(code="SFQ-CG-LY")
    stars = scale.Target(
        "members:star_board",
        "branches/<int:branch>/stars/",
        f"/branches/{demo_branch.pk}/stars/",
        "secretary",
    )
    meeting = scale.Target("members:meeting_detail", "meetings/<int:pk>/", "/meetings/1/", "org_department")
    board = scale.Target("members:public_board", "board/<str:code>/", "/board/SFQ-CG-LY/", "org_department")
    edit = scale.Target("x", "branches/<int:branch>/services/<int:pk>/edit/", "/x/", "secretary")
    committee = scale.Target("members:star_board", stars.route, stars.path, "committee")
    found = scale.on_branch([stars, meeting, board, edit, committee], big)
    assert set(found) == {stars, meeting, board}
    assert found[stars].path == f"/branches/{big.pk}/stars/"
    assert found[board].path == f"/board/{big.code}/"
    longest = max(Meeting.objects.filter(organization=big), key=lambda m: (m.attendances.count(), -m.pk))
    assert found[meeting].path == f"/meetings/{longest.pk}/"
    assert longest.attendances.count() >= big.members.count() - 5


def _row(
    route: str, role: str | None, demo_ms: float, city_ms: float, queries=(5, 5), status=200
) -> scale.Row:
    target = scale.Target("x", route, "/" + route, role)
    return scale.Row(
        target,
        scale.Result(200, "页面", queries[0], demo_ms, 1000),
        scale.Result(status, "页面", queries[1], city_ms, 1000),
    )


def test_rows_are_marked_against_the_issues_targets():
    assert _row("branches/<int:branch>/stars/", "secretary", 10, 14).problems == []
    assert _row("branches/<int:branch>/stars/", "secretary", 10, 16).problems == ["超过 1.5×"]
    # The 组织部's overview of the whole city may take twice as long; its branch pages may not.
    assert _row("campaigns/<int:pk>/", "org_department", 10, 19).problems == []
    assert _row("campaigns/<int:pk>/", "committee", 10, 19).problems == ["超过 1.5×"]
    assert _row("branches/<int:branch>/stars/", "org_department", 10, 19).problems == ["超过 1.5×"]
    assert _row("", "inspector", 10, 21).problems == ["超过 2×"]
    assert _row("campaigns/", "org_department", 600, 1100).problems == ["超过 1 秒"]
    assert _row("campaigns/", "org_department", 10, 10, queries=(5, 6)).problems == ["查询数变了"]
    assert _row("campaigns/", None, 10, 10, status=500).problems == ["状态 200→500"]


def test_the_table_is_written_as_markdown():
    rows = [_row("branches/<int:branch>/stars/", "secretary", 10, 16), _row("campaigns/", None, 10, 10)]
    document = scale.markdown(rows, ["# heading"])
    assert (
        "| x | `/branches/<int:branch>/stars/` | 支部书记 | 页面 | 5 → 5 | 10.0 → 16.0 | 1.60 |" in document
    )
    assert "**超过 1.5×**" in document
    assert "超标 1 行（共 2 行）" in document
    # A page of the largest branch shows more than the demo branch's: only queries and 1 s count.
    bigger = scale.Row(
        rows[0].target, rows[0].demo, scale.Result(200, "页面", 5, 900, 9000), same_content=False
    )
    assert bigger.problems == []
    slow = scale.Row(
        rows[0].target, rows[0].demo, scale.Result(200, "页面", 6, 1200, 9000), same_content=False
    )
    assert slow.problems == ["查询数变多", "超过 1 秒"]
    # An empty list may spare a query; only more queries count.
    emptier = scale.Row(
        rows[0].target, rows[0].demo, scale.Result(200, "页面", 4, 20, 900), same_content=False
    )
    assert emptier.problems == []
    document = scale.markdown(rows, ["# heading"], [bigger, slow], "最大的支部")
    assert "## 最大的支部" in document and "超标 1 行（共 2 行）" in document.split("## 最大的支部")[1]
    lines = scale.text_table(rows).splitlines()
    assert lines[0].split()[:3] == ["页面", "路径", "角色"]
    assert lines[1].split()[1:3] == ["/branches/<int:branch>/stars/", "支部书记"]
    assert lines[1].endswith("超过 1.5×") and lines[2].endswith("0")


# The command ------------------------------------------------------------------------------------


def test_refuses_without_postgresql(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert scale.main([]) == 2
    assert "需要 PostgreSQL" in capsys.readouterr().out
    assert scale.main(["--database-url", "sqlite:///var/db.sqlite3"]) == 2


def test_works_only_in_a_database_of_its_own():
    assert (
        scale.scale_database_url("postgres://u@h:5432/shifandian") == "postgres://u@h:5432/shifandian_scale"
    )
    assert scale.scale_database_url("postgres://u@h:5432/") == "postgres://u@h:5432/shifandian_scale"
    assert scale.scale_database_url("postgres://u@h/x_scale") == "postgres://u@h/x_scale"
    # The work itself refuses a database that is not a scale one (this suite's, here).
    assert connection.settings_dict["NAME"].endswith("_scale") is False
    assert scale.run_in_scale_database(0.001, 1, scale.OUTPUT) == 2
