"""`manage.py seed_demo`: a believable county, built once; a second run changes nothing."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Q

from assessments.models import Acceptance, Framework, Objection, Survey
from campaigns.models import Campaign, Funding, LeadingGroupMember, Phase, Rectification, Site
from demo.builder import DEMO_PASSWORD, WORK_COMMITTEE_CODE
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
from organizations.models import AuditEvent, Kind, Organization, Role, Sector, User

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    ("zzb", Role.Kind.ORG_DEPARTMENT, Kind.WORK_COMMITTEE),
    ("dangwei1", Role.Kind.COMMITTEE, Kind.PARTY_COMMITTEE),
    ("zhibu1", Role.Kind.BRANCH_SECRETARY, Kind.BRANCH),
    ("yanshou1", Role.Kind.INSPECTOR, Kind.WORK_COMMITTEE),
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_builds_the_tree_and_members():
    output = seed()

    assert "演示数据已生成" in output
    root = Organization.objects.get(code=WORK_COMMITTEE_CODE)
    tree = Organization.objects.filter(path__startswith=root.path)
    kinds = Counter(tree.values_list("kind", flat=True))
    assert kinds[Kind.WORK_COMMITTEE] == 1
    assert kinds[Kind.PARTY_COMMITTEE] >= 3
    assert kinds[Kind.GENERAL_BRANCH] >= 1
    assert kinds[Kind.BRANCH] >= 12
    assert kinds[Kind.GROUP] >= 5
    branches = tree.filter(kind=Kind.BRANCH)
    assert {Sector.VILLAGE, Sector.COMMUNITY, Sector.SCHOOL, Sector.FIRE_POLICE} <= set(
        branches.values_list("sector", flat=True)
    )
    parent_kinds = dict(tree.values_list("path", "kind"))
    steplen = root.steplen
    assert Kind.GENERAL_BRANCH in {parent_kinds[b.path[:-steplen]] for b in branches}
    # The village plan: 分成5个党小组.
    groups_per_branch = Counter(g.path[:-steplen] for g in tree.filter(kind=Kind.GROUP))
    assert set(groups_per_branch) <= {b.path for b in branches}
    assert max(groups_per_branch.values()) == 5

    members = Member.objects.filter(branch__path__startswith=root.path)
    assert members.count() >= 150
    assert members.filter(status=Member.Status.PROBATIONARY, full_member_on__isnull=True).exists()
    assert members.filter(is_mobile=True).exclude(mobile_destination="").exists()
    assert members.filter(is_lost_contact=True, lost_contact_since__isnull=False).count() == 1
    assert not members.filter(Q(name="") | Q(phone="") | Q(birth_date=None) | Q(joined_on=None)).exists()
    assert all(len(m.id_number) == 18 and len(m.phone) == 11 for m in members)


def test_builds_a_year_of_branch_records():
    seed()

    a_year_ago = datetime.date(2025, 12, 1)
    assert Meeting.objects.filter(held_on__gte=a_year_ago).count() == Meeting.objects.count() > 200
    assert set(Meeting.objects.values_list("kind", flat=True)) == set(Meeting.Kind.values)
    attendance = Attendance.objects.aggregate(
        present=Count("id", filter=Q(status=Attendance.Status.PRESENT)), total=Count("id")
    )
    assert 0.85 <= attendance["present"] / attendance["total"] <= 0.95
    assert Attendance.objects.filter(status=Attendance.Status.ABSENT).exists()
    assert Attendance.objects.filter(status=Attendance.Status.EXCUSED).exists()

    dues = list(DuesPayment.objects.all())
    on_time = sum(p.on_time for p in dues) / len(dues)
    assert 0.85 <= on_time < 1
    assert any(p.paid_on is None for p in dues)

    village = Organization.objects.get(code="SFQ-CG-LY")
    assert ServiceRecord.objects.filter(member__branch=village, verified_by__isnull=False).count() > 100
    assert set(Household.objects.filter(branch=village).values_list("category", flat=True)) == set(
        Household.Category.values
    )
    per_member = Pairing.objects.values("member").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(per_member) <= {1, 2}
    assert Plaque.objects.filter(title=Plaque.Title.FIVE_STAR_HOUSEHOLD).count() == 5
    assert StarRule.objects.filter(organization__code=WORK_COMMITTEE_CODE).exists()
    assert Applicant.objects.filter(member__status=Member.Status.PROBATIONARY).exists()
    assert DevelopmentStage.objects.filter(stage=DevelopmentStage.Stage.ACTIVIST).count() >= 3


def test_builds_the_campaign_with_sites_moved_by_the_services():
    seed()

    campaign = Campaign.objects.get()
    assert (campaign.year, campaign.status, campaign.organizer.code) == (
        2026,
        Campaign.Status.ACTIVE,
        WORK_COMMITTEE_CODE,
    )
    assert [(p.kind, p.starts_on, p.ends_on) for p in campaign.phases.order_by("starts_on")] == [
        (Phase.Kind.MOBILIZATION, datetime.date(2026, 3, 1), datetime.date(2026, 4, 15)),
        (Phase.Kind.IMPLEMENTATION, datetime.date(2026, 4, 16), datetime.date(2026, 11, 15)),
        (Phase.Kind.ACCEPTANCE, datetime.date(2026, 11, 16), datetime.date(2026, 12, 31)),
    ]
    framework = Framework.objects.get(campaign=campaign)
    assert framework.based_on.is_builtin
    assert framework.dimensions.count() == framework.based_on.dimensions.count() == 10

    sites = list(campaign.sites.select_related("organization"))
    statuses = {s.status for s in sites}
    assert len(statuses) >= 5
    S = Site.Status
    assert {S.NOMINATED, S.APPROVED, S.REJECTED, S.SELF_ASSESSED, S.ACCEPTANCE_REQUESTED} <= statuses
    assert statuses & {S.PASSED, S.RECTIFYING}
    assert all(s.decision_note for s in sites if s.status == S.REJECTED)
    for site in sites:
        # Each state was reached through a service: the last event of its history says so.
        summaries = list(AuditEvent.objects.about(site).values_list("summary", flat=True))
        assert any(f"→ {site.get_status_display()}" in summary for summary in summaries), site
        if site.status != S.NOMINATED:
            assert len(summaries) >= 2, site

    working = [s for s in sites if s.status not in (S.NOMINATED, S.REJECTED)]
    for site in working:
        leader = site.leading_group.get(position=LeadingGroupMember.Position.LEADER)
        assert leader.name == Member.objects.filter(branch=site.organization).order_by("id").first().name
        assert site.leading_group.filter(position=LeadingGroupMember.Position.OFFICE_DIRECTOR).exists()
        assert site.work_items.exclude(responsible="").count() >= 10
        assert set(site.fundings.values_list("source", flat=True)) == set(Funding.Source.values)
        assert site.plan and site.highlights
    assert Rectification.objects.filter(
        source=Rectification.Source.SUPERVISION, supervision_visit__isnull=False
    ).exists()


def test_the_acceptance_half_is_told_through_the_services():
    """验收通过 and 限期整改 sites have signed acceptances by two inspectors with their own scores,
    a closed survey and a rendered report; one result is in 公示 with an open objection."""
    seed()
    S = Site.Status
    decided = list(Site.objects.filter(status__in=[S.PASSED, S.RECTIFYING]))
    assert {s.status for s in decided} == {S.PASSED, S.RECTIFYING}
    for site in decided:
        acceptance = Acceptance.objects.filter(site=site).order_by("-signed_at").first()
        assert acceptance.signed_at and acceptance.verdict == site.status
        assert acceptance.team_members.count() >= 2
        assert acceptance.team_members.filter(is_lead=True, signed_at__isnull=False).count() == 1
        inspectors = set(acceptance.inspector_scores.values_list("inspector", flat=True))
        assert len(inspectors) >= 2
        assert acceptance.composite_score is not None and acceptance.public_part is not None
        assert acceptance.report and len(acceptance.report_content_sha256) == 64
        survey = Survey.objects.filter(site=site).get()
        assert survey.has_ended(datetime.date(2026, 12, 1)) and survey.ballots.exists()
        assert AuditEvent.objects.about(site).filter(verb="SIGN_ACCEPTANCE").exists()
    open_objections = Objection.objects.filter(answered_at__isnull=True)
    assert open_objections.count() == 1
    assert open_objections.get().acceptance.publicity_ends_on >= datetime.date(2026, 12, 1)
    assert Acceptance.objects.filter(verdict="RECTIFYING", rectifications__isnull=False).exists()


def test_demo_accounts_have_their_roles_and_log_in(client):
    seed()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.name
    assert client.login(username="admin", password=DEMO_PASSWORD)
    for username, role_kind, org_kind in ACCOUNTS:
        user = User.objects.get(username=username)
        role = Role.objects.get(user=user)
        assert (role.kind, role.organization.kind) == (role_kind, org_kind)
        assert user.name and not user.is_superuser
        # 数据管理 is for the 组织部; the others work in the pages.
        assert user.opens_data_admin == (role_kind == Role.Kind.ORG_DEPARTMENT), username
        assert client.login(username=username, password=DEMO_PASSWORD), username

    zhibu1 = User.objects.get(username="zhibu1")
    branch = Role.objects.get(user=zhibu1).organization
    assert zhibu1.member.branch == branch
    assert Site.objects.filter(organization=branch).exists()
    committee = Role.objects.get(user__username="dangwei1").organization
    assert Site.objects.filter(nominated_by=committee).values("status").distinct().count() >= 3


def test_second_run_changes_nothing():
    seed()
    before = row_counts()

    output = seed()

    assert "演示数据已存在" in output
    assert row_counts() == before
    assert before["organizations.AuditEvent"] > 0
